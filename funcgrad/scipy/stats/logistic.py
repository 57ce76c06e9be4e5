"""The logistic distribution (``jax.scipy.stats.logistic``)."""
from __future__ import annotations

from ... import numpy as jnp
from ._util import promote

__all__ = ["cdf", "logpdf", "pdf", "ppf", "sf"]


def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    a = jnp.abs((x - loc) / scale)            # the density is symmetric: stable for both signs
    return -a - 2.0 * jnp.log1p(jnp.exp(-a)) - jnp.log(scale)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def _sigmoid(y):
    e = jnp.exp(-jnp.abs(y))
    return jnp.where(y >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def cdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    return _sigmoid((x - loc) / scale)


def sf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    return _sigmoid(-(x - loc) / scale)


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote(q, loc, scale)
    return loc + scale * (jnp.log(q) - jnp.log1p(-q))
