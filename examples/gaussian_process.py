"""Gaussian-process regression: fit the kernel hyperparameters by maximizing the log marginal
likelihood, with its gradient from ``fg.value_and_grad`` through a Cholesky factorization.

The negative log marginal likelihood of ``y`` under ``N(0, K)`` with an RBF kernel plus noise,

    nll(θ) = ½ yᵀ K⁻¹ y + Σ log diag(L) + (n/2) log 2π,   K = L Lᵀ,

is written as a JAX user would (``jnp.linalg.cholesky``, ``jax.scipy.linalg.cho_solve``),
jitted, and handed to SciPy's L-BFGS-B. The script checks the value and the gradient against
scikit-learn's ``GaussianProcessRegressor.log_marginal_likelihood`` (which has its own
hand-written gradient) and that the fitted posterior mean follows the noiseless curve.

    python examples/gaussian_process.py

Swap the funcgrad imports for ``import jax as fg``, ``import jax.numpy as jnp`` and
``from jax.scipy import linalg`` and the model runs unchanged.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.scipy import linalg


def make_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return x, np.sin(2.0 * x) + 0.1 * rng.standard_normal(n)


def kernel(theta, xa, xb):
    """``amp · exp(-|xa - xb|² / (2 ls²))`` with ``theta = log [amp, ls, noise]``."""
    amp, ls = jnp.exp(theta[0]), jnp.exp(theta[1])
    d2 = (xa[:, None] - xb[None, :]) ** 2
    return amp * jnp.exp(-0.5 * d2 / ls ** 2)


def nll(theta, x, y):
    n = x.shape[0]
    k = kernel(theta, x, x) + (jnp.exp(theta[2]) + 1e-8) * jnp.eye(n)
    chol = jnp.linalg.cholesky(k)
    alpha = linalg.cho_solve((chol, True), y)
    return 0.5 * y @ alpha + jnp.sum(jnp.log(jnp.diagonal(chol))) + 0.5 * n * np.log(2 * np.pi)


nll_and_grad = fg.jit(fg.value_and_grad(nll))


def posterior_mean(theta, x, y, x_new):
    k = kernel(theta, x, x) + (jnp.exp(theta[2]) + 1e-8) * jnp.eye(x.shape[0])
    chol = jnp.linalg.cholesky(k)
    return kernel(theta, x_new, x) @ linalg.cho_solve((chol, True), y)


def fit(x, y, theta0):
    def objective(theta):
        value, grad = nll_and_grad(theta, x, y)
        return float(value), np.asarray(grad, dtype=np.float64)
    result = minimize(objective, theta0, jac=True, method="L-BFGS-B")
    return result.x, result.fun


def sklearn_nll(theta, x, y):
    """scikit-learn's value and gradient of the same objective (``-log_marginal_likelihood``)."""
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    gp = GaussianProcessRegressor(ConstantKernel() * RBF() + WhiteKernel(), alpha=1e-8, optimizer=None)
    gp.fit(x[:, None], y)
    lml, grad = gp.log_marginal_likelihood(np.asarray(theta), eval_gradient=True)
    return -lml, -grad


def main():
    x, y = make_data()
    theta0 = np.log(np.array([1.0, 1.0, 0.1]))
    value, grad = nll_and_grad(theta0, x, y)
    ref_value, ref_grad = sklearn_nll(theta0, x, y)
    print(f"nll at start: {float(value):.6f} (scikit-learn {ref_value:.6f}); "
          f"gradient max difference {np.abs(np.asarray(grad) - ref_grad).max():.2e}")
    theta, best = fit(x, y, theta0)
    amp, ls, noise = np.exp(theta)
    print(f"fitted: amplitude {amp:.3f}, length scale {ls:.3f}, noise variance {noise:.4f}; nll {best:.4f}")
    grid = np.linspace(-2.5, 2.5, 50)
    err = np.abs(np.asarray(posterior_mean(theta, x, y, grid)) - np.sin(2.0 * grid)).max()
    print(f"posterior mean vs sin(2x) on [-2.5, 2.5]: max error {err:.3f}")
    return theta, float(value), np.asarray(grad), ref_value, ref_grad, err


if __name__ == "__main__":
    main()
