"""The Cauchy distribution (``jax.scipy.stats.cauchy``)."""
from __future__ import annotations

import numpy as np

from ... import numpy as jnp
from ._util import promote

__all__ = ["cdf", "logpdf", "pdf", "ppf"]


def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    z = (x - loc) / scale
    return -np.log(np.pi) - jnp.log(scale) - jnp.log1p(z * z)


def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
    x, loc, scale = promote(x, loc, scale)
    return 0.5 + jnp.arctan((x - loc) / scale) / np.pi


def ppf(q, loc=0, scale=1):
    q, loc, scale = promote(q, loc, scale)
    return loc + scale * jnp.tan(np.pi * (q - 0.5))
