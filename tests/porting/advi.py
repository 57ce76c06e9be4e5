"""Automatic differentiation variational inference (after JAX's examples/advi.py, without the
plots): fit a diagonal Gaussian to a 2-D unnormalized density by maximizing a Monte Carlo ELBO
(reparameterized samples, vmap over samples, grad, jit, optimizers.adam).

Written against JAX; tests/porting/test_porting.py runs it with only the imports changed.
"""
import jax
import jax.numpy as jnp
from jax import jit, grad, vmap
from jax import random
from jax.example_libraries import optimizers


def log_normal_pdf(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - jnp.log(std) - 0.5 * jnp.log(2 * jnp.pi)


def log_density(z):
    """A correlated, slightly banana-shaped 2-D density."""
    x, y = z[0], z[1]
    return log_normal_pdf(x, 1.0, 1.0) + log_normal_pdf(y, 0.5 * x ** 2 - 1.0, 0.7)


def diag_gaussian_sample(rng, mean, log_std):
    return mean + jnp.exp(log_std) * random.normal(rng, mean.shape)


def diag_gaussian_logpdf(x, mean, log_std):
    return jnp.sum(log_normal_pdf(x, mean, jnp.exp(log_std)))


def elbo(logprob, rng, mean, log_std):
    sample = diag_gaussian_sample(rng, mean, log_std)
    return logprob(sample) - diag_gaussian_logpdf(sample, mean, log_std)


def batch_elbo(logprob, rng, params, num_samples):
    rngs = random.split(rng, num_samples)
    vectorized_elbo = vmap(lambda r: elbo(logprob, r, *params))
    return jnp.mean(vectorized_elbo(rngs))


if __name__ == "__main__":
    num_samples = 64

    @jit
    def objective(params, t):
        rng = random.PRNGKey(t)
        return -batch_elbo(log_density, rng, params, num_samples)

    init_mean = jnp.zeros(2)
    init_std = jnp.zeros(2)
    init_params = (init_mean, init_std)
    opt_init, opt_update, get_params = optimizers.adam(step_size=0.05)
    opt_state = opt_init(init_params)

    @jit
    def update(i, opt_state):
        params = get_params(opt_state)
        gradient = grad(objective)(params, i)
        return opt_update(i, gradient, opt_state)

    for t in range(400):
        opt_state = update(t, opt_state)
        if t % 100 == 0:
            print(f"Iteration {t} lower bound {-objective(get_params(opt_state), t):.4f}")

    mean, log_std = get_params(opt_state)
    final = -batch_elbo(log_density, random.PRNGKey(999), (mean, log_std), 4096)
    print(f"METRIC elbo {-final:.6f}")
    print(f"METRIC mean_x {mean[0]:.6f}")
    print(f"METRIC std_x {jnp.exp(log_std[0]):.6f}")
