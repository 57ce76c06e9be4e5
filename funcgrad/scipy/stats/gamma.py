"""The gamma distribution (``jax.scipy.stats.gamma``): ``-inf`` log-density below ``loc``."""
from __future__ import annotations

from ... import numpy as jnp
from ... import lax
from ._util import promote, xlogy

__all__ = ["logpdf", "pdf"]


def logpdf(x, a, loc=0, scale=1):
    x, a, loc, scale = promote(x, a, loc, scale)
    y = (x - loc) / scale
    inside = y >= 0
    ys = jnp.where(inside, y, 1.0)
    log_p = xlogy(a - 1.0, ys) - ys - lax.lgamma(a) - jnp.log(scale)
    return jnp.where(inside, log_p, -jnp.inf)


def pdf(x, a, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, loc, scale))
