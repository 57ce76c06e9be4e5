"""The geometric distribution on ``1, 2, ...`` (``jax.scipy.stats.geom``)."""
from __future__ import annotations

from ... import numpy as jnp
from ._util import is_count, promote, xlog1py

__all__ = ["logpmf", "pmf"]


def logpmf(k, p, loc=0):
    k, p, loc = promote(k, p, loc)
    x = k - loc
    valid = is_count(x, 1.0)
    xs = jnp.where(valid, x, 1.0)
    return jnp.where(valid, xlog1py(xs - 1.0, -p) + jnp.log(p), -jnp.inf)


def pmf(k, p, loc=0):
    return jnp.exp(logpmf(k, p, loc))
