"""The Pareto distribution (``jax.scipy.stats.pareto``), support ``x >= loc + scale``."""
from __future__ import annotations

from ... import numpy as jnp
from ._util import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, b, loc=0, scale=1):
    x, b, loc, scale = promote(x, b, loc, scale)
    y = (x - loc) / scale
    inside = y >= 1
    ys = jnp.where(inside, y, 1.0)
    return jnp.where(inside, jnp.log(b) - (b + 1.0) * jnp.log(ys) - jnp.log(scale), -jnp.inf)


def pdf(x, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, b, loc, scale))
