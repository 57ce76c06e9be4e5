"""The exponential distribution (``jax.scipy.stats.expon``)."""
from __future__ import annotations

from ... import numpy as jnp
from ._util import promote

__all__ = ["cdf", "logpdf", "pdf", "sf"]


def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    y = (x - loc) / scale
    return jnp.where(y >= 0, -y - jnp.log(scale), -jnp.inf)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    y = (x - loc) / scale
    return jnp.where(y >= 0, -jnp.expm1(-jnp.maximum(y, 0.0)), 0.0)


def sf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    y = (x - loc) / scale
    return jnp.where(y >= 0, jnp.exp(-jnp.maximum(y, 0.0)), 1.0)
