"""The multinomial distribution (``jax.scipy.stats.multinomial``): counts along the last axis."""
from __future__ import annotations

from ... import lax
from ... import numpy as jnp
from ._util import promote, xlogy

__all__ = ["logpmf", "pmf"]


def logpmf(x, n, p):
    x, n, p = promote(x, n, p)
    log_p = lax.lgamma(n + 1.0) + jnp.sum(xlogy(x, p) - lax.lgamma(x + 1.0), axis=-1)
    valid = jnp.all((x >= 0) & (x == jnp.floor(x)), axis=-1) & (jnp.sum(x, axis=-1) == n)
    return jnp.where(valid, log_p, -jnp.inf)


def pmf(x, n, p):
    return jnp.exp(logpmf(x, n, p))
