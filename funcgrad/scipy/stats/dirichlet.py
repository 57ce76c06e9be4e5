"""The Dirichlet distribution (``jax.scipy.stats.dirichlet``). As SciPy, the components of
``x`` run along its first axis (``(K,)`` or ``(K, N)``); ``K - 1`` components imply the last."""
from __future__ import annotations

from ... import lax
from ... import numpy as jnp
from ...core.errors import ShapeError
from ._util import promote, xlogy

__all__ = ["logpdf", "pdf"]


def logpdf(x, alpha):
    x, alpha = promote(x, alpha)
    if alpha.ndim != 1:
        raise ShapeError(f"dirichlet.logpdf: alpha must be 1-D, got shape {alpha.shape}")
    k = alpha.shape[0]
    if x.shape[0] == k - 1:
        x = jnp.concatenate([x, 1.0 - jnp.sum(x, axis=0, keepdims=True)], axis=0)
    if x.shape[0] != k:
        raise ShapeError(f"dirichlet.logpdf: x of shape {x.shape} needs {k} (or {k - 1}) components along "
                         "its first axis")
    a = jnp.reshape(alpha, (k,) + (1,) * (x.ndim - 1))
    log_norm = lax.lgamma(jnp.sum(alpha)) - jnp.sum(lax.lgamma(alpha))
    log_p = log_norm + jnp.sum(xlogy(a - 1.0, x), axis=0)
    on_simplex = jnp.all(x >= 0, axis=0) & (jnp.abs(jnp.sum(x, axis=0) - 1.0) < 1e-6)
    return jnp.where(on_simplex, log_p, -jnp.inf)


def pdf(x, alpha):
    return jnp.exp(logpdf(x, alpha))
