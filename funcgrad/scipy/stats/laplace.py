"""The Laplace distribution (``jax.scipy.stats.laplace``)."""
from __future__ import annotations

from ... import numpy as jnp
from ._util import promote

__all__ = ["cdf", "logpdf", "pdf"]


def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    return -jnp.abs(x - loc) / scale - jnp.log(2.0 * scale)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    y = (x - loc) / scale
    half = 0.5 * jnp.exp(-jnp.abs(y))
    return jnp.where(y < 0, half, 1.0 - half)
