"""The beta-binomial distribution (``jax.scipy.stats.betabinom``)."""
from __future__ import annotations

from ... import lax
from ... import numpy as jnp
from ._util import betaln, is_count, promote

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, a, b, loc=0):
    k, n, a, b, loc = promote(k, n, a, b, loc)
    x = k - loc
    valid = is_count(x) & (x <= n)
    xs = jnp.where(valid, x, 0.0)
    log_choose = lax.lgamma(n + 1.0) - lax.lgamma(xs + 1.0) - lax.lgamma(n - xs + 1.0)
    log_p = log_choose + betaln(xs + a, n - xs + b) - betaln(a, b)
    return jnp.where(valid, log_p, -jnp.inf)


def pmf(k, n, a, b, loc=0):
    return jnp.exp(logpmf(k, n, a, b, loc))
