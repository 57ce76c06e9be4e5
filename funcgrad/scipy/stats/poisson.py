"""The Poisson distribution (``jax.scipy.stats.poisson``): ``-inf`` log-mass off the
non-negative integers."""
from __future__ import annotations

from ... import numpy as jnp
from ... import lax
from ._util import promote, xlogy

__all__ = ["logpmf", "pmf"]


def logpmf(k, mu, loc=0):
    k, mu, loc = promote(k, mu, loc)
    x = k - loc
    valid = (x >= 0) & (x == jnp.floor(x))
    xs = jnp.where(valid, x, 0.0)
    log_p = xlogy(xs, mu) - lax.lgamma(xs + 1.0) - mu
    return jnp.where(valid, log_p, -jnp.inf)


def pmf(k, mu, loc=0):
    return jnp.exp(logpmf(k, mu, loc))
