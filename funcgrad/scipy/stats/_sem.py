"""``sem``: the standard error of the mean."""
from __future__ import annotations

from ... import numpy as jnp


def sem(a, axis=0, ddof: int = 1, nan_policy: str = "propagate", *, keepdims: bool = False):
    """``std(a, ddof=ddof) / sqrt(n)`` along ``axis`` (``nan_policy='propagate'`` only, as JAX)."""
    if nan_policy != "propagate":
        raise NotImplementedError("sem: only nan_policy='propagate' is supported")
    a = jnp.asarray(a)
    if axis is None:
        a, axis = jnp.ravel(a), 0
    n = a.shape[axis]
    return jnp.std(a, axis=axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(float(n))
