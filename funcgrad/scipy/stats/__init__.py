"""``funcgrad.scipy.stats``: ``jax.scipy.stats`` distributions as modules of functions
(``norm.logpdf(x, loc, scale)``...), written with ``funcgrad.numpy`` so they differentiate,
batch and compile. Parameters are not validated (as JAX): a non-positive ``scale`` gives
NaN/garbage rather than SciPy's NaN policy.

>>> from funcgrad.scipy import stats
>>> stats.norm.logpdf(0.0)
Array(-0.91893853, dtype=float64)
"""
from . import (bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm,  # noqa: F401
               geom, gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal, nbinom, norm,
               pareto, poisson, t, truncnorm, uniform, wrapcauchy)
from ._sem import sem  # noqa: F401

DISTRIBUTIONS = ["bernoulli", "beta", "betabinom", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma",
                 "gennorm", "geom", "gumbel_l", "gumbel_r", "laplace", "logistic", "multinomial",
                 "multivariate_normal", "nbinom", "norm", "pareto", "poisson", "t", "truncnorm", "uniform",
                 "wrapcauchy"]
__all__ = DISTRIBUTIONS + ["sem"]
