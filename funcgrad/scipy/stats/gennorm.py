"""The generalized normal distribution (``jax.scipy.stats.gennorm``): density
``β / (2 Γ(1/β)) exp(-|x|^β)``."""
from __future__ import annotations

import numpy as np

from ... import lax
from ... import numpy as jnp
from ._util import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, beta, loc=0, scale=1):
    x, beta, loc, scale = promote(x, beta, loc, scale)
    z = jnp.abs((x - loc) / scale)
    return jnp.log(beta) - np.log(2.0) - lax.lgamma(1.0 / beta) - z ** beta - jnp.log(scale)


def pdf(x, beta, loc=0, scale=1):
    return jnp.exp(logpdf(x, beta, loc, scale))
