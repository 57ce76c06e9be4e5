"""The Bernoulli distribution (``jax.scipy.stats.bernoulli``): ``-inf`` log-mass off ``{0, 1}``."""
from __future__ import annotations

from ... import numpy as jnp
from ._util import promote, xlog1py, xlogy

__all__ = ["logpmf", "pmf"]


def logpmf(k, p, loc=0):
    k, p, loc = promote(k, p, loc)
    x = k - loc
    valid = (x == 0) | (x == 1)
    log_p = xlogy(x, p) + xlog1py(1.0 - x, -p)
    return jnp.where(valid, log_p, -jnp.inf)


def pmf(k, p, loc=0):
    return jnp.exp(logpmf(k, p, loc))
