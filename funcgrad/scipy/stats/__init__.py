"""``funcgrad.scipy.stats``: ``jax.scipy.stats`` distributions as modules of functions
(``norm.logpdf(x, loc, scale)``...), written with ``funcgrad.numpy`` so they differentiate,
batch and compile. Parameters are not validated (as JAX): a non-positive ``scale`` gives
NaN/garbage rather than SciPy's NaN policy.

>>> from funcgrad.scipy import stats
>>> stats.norm.logpdf(0.0)
Array(-0.91893853, dtype=float64)
"""
from . import (bernoulli, beta, cauchy, expon, gamma, laplace, logistic, multivariate_normal, norm,  # noqa: F401
               poisson, t, uniform)

__all__ = ["bernoulli", "beta", "cauchy", "expon", "gamma", "laplace", "logistic", "multivariate_normal",
           "norm", "poisson", "t", "uniform"]
