"""The chi-squared distribution (``jax.scipy.stats.chi2``)."""
from __future__ import annotations

import numpy as np

from ... import lax
from ... import numpy as jnp
from ._util import promote, xlogy

__all__ = ["logpdf", "pdf"]


def logpdf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote(x, df, loc, scale)
    y = (x - loc) / scale
    inside = y >= 0
    ys = jnp.where(inside, y, 1.0)
    k = 0.5 * df
    log_p = xlogy(k - 1.0, ys) - 0.5 * ys - k * np.log(2.0) - lax.lgamma(k) - jnp.log(scale)
    return jnp.where(inside, log_p, -jnp.inf)


def pdf(x, df, loc=0, scale=1):
    return jnp.exp(logpdf(x, df, loc, scale))
