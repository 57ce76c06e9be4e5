"""Student's t distribution (``jax.scipy.stats.t``)."""
from __future__ import annotations

import numpy as np

from ... import numpy as jnp
from ... import lax
from ._util import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote(x, df, loc, scale)
    z = (x - loc) / scale
    half = 0.5 * (df + 1.0)
    return (lax.lgamma(half) - lax.lgamma(0.5 * df) - 0.5 * jnp.log(df * np.pi) - jnp.log(scale)
            - half * jnp.log1p(z * z / df))


def pdf(x, df, loc=0, scale=1):
    return jnp.exp(logpdf(x, df, loc, scale))
