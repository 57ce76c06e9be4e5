"""The binomial distribution (``jax.scipy.stats.binom``)."""
from __future__ import annotations

from ... import lax
from ... import numpy as jnp
from ._util import is_count, promote, xlog1py, xlogy

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
    k, n, p, loc = promote(k, n, p, loc)
    x = k - loc
    valid = is_count(x) & (x <= n)
    xs = jnp.where(valid, x, 0.0)
    log_choose = lax.lgamma(n + 1.0) - lax.lgamma(xs + 1.0) - lax.lgamma(n - xs + 1.0)
    log_p = log_choose + xlogy(xs, p) + xlog1py(n - xs, -p)
    return jnp.where(valid, log_p, -jnp.inf)


def pmf(k, n, p, loc=0):
    return jnp.exp(logpmf(k, n, p, loc))
