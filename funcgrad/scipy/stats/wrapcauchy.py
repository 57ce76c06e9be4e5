"""The wrapped Cauchy distribution on ``[0, 2π]`` (``jax.scipy.stats.wrapcauchy``)."""
from __future__ import annotations

import numpy as np

from ... import numpy as jnp
from ._util import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, c, loc=0, scale=1):
    x, c, loc, scale = promote(x, c, loc, scale)
    y = (x - loc) / scale
    inside = (y >= 0) & (y <= 2 * np.pi)
    log_p = (jnp.log1p(-c * c) - np.log(2 * np.pi) - jnp.log1p(c * c - 2.0 * c * jnp.cos(y))
             - jnp.log(scale))
    return jnp.where(inside, log_p, -jnp.inf)


def pdf(x, c, loc=0, scale=1):
    return jnp.exp(logpdf(x, c, loc, scale))
