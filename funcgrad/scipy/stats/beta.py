"""The beta distribution (``jax.scipy.stats.beta``): ``-inf`` log-density outside ``[0, 1]``."""
from __future__ import annotations

from ... import numpy as jnp
from ... import lax
from ._util import promote, xlog1py, xlogy

__all__ = ["logpdf", "pdf"]


def logpdf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    y = (x - loc) / scale
    inside = (y >= 0) & (y <= 1)
    ys = jnp.where(inside, y, 0.5)
    betaln = lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)
    log_p = xlogy(a - 1.0, ys) + xlog1py(b - 1.0, -ys) - betaln - jnp.log(scale)
    return jnp.where(inside, log_p, -jnp.inf)


def pdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, b, loc, scale))
