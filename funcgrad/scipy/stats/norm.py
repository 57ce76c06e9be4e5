"""The normal distribution (``jax.scipy.stats.norm``).

>>> from funcgrad.scipy.stats import norm
>>> norm.cdf(0.0)
Array(0.5, dtype=float64)
>>> round(float(norm.logcdf(-40.0)), 4)      # accurate far into the tail
-804.6084
"""
from __future__ import annotations

from ... import numpy as jnp
from ...primitives.normal_special import log_ndtr, ndtri
from ._util import LOG_2PI, promote

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]


def _z(x, loc, scale):
    x, loc, scale = promote(x, loc, scale)
    return (x - loc) / scale, scale


def logpdf(x, loc=0, scale=1):
    z, scale = _z(x, loc, scale)
    return -0.5 * z * z - jnp.log(scale) - 0.5 * LOG_2PI


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def logcdf(x, loc=0, scale=1):
    z, _ = _z(x, loc, scale)
    return log_ndtr(z)


def cdf(x, loc=0, scale=1):
    return jnp.exp(logcdf(x, loc, scale))


def logsf(x, loc=0, scale=1):
    z, _ = _z(x, loc, scale)
    return log_ndtr(-z)


def sf(x, loc=0, scale=1):
    return jnp.exp(logsf(x, loc, scale))


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote(q, loc, scale)
    return loc + scale * ndtri(q)


def isf(q, loc=0, scale=1):
    q, loc, scale = promote(q, loc, scale)
    return loc - scale * ndtri(q)
