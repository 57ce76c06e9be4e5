"""The negative binomial distribution (``jax.scipy.stats.nbinom``): failures before ``n``
successes of probability ``p``."""
from __future__ import annotations

from ... import lax
from ... import numpy as jnp
from ._util import is_count, promote, xlog1py, xlogy

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
    k, n, p, loc = promote(k, n, p, loc)
    x = k - loc
    valid = is_count(x)
    xs = jnp.where(valid, x, 0.0)
    log_p = (lax.lgamma(xs + n) - lax.lgamma(xs + 1.0) - lax.lgamma(n) + xlogy(n, p) + xlog1py(xs, -p))
    return jnp.where(valid, log_p, -jnp.inf)


def pmf(k, n, p, loc=0):
    return jnp.exp(logpmf(k, n, p, loc))
