"""More of ``jax.nn``: ``glu``, ``hard_sigmoid``, ``hard_silu``/``hard_swish``, ``identity``,
``log1mexp``, ``logmeanexp``, ``mish``, ``sparse_plus``, ``sparse_sigmoid``, ``squareplus``,
``tanh``, ``normalize`` and ``dot_product_attention``.

>>> import funcgrad.numpy as jnp
>>> from funcgrad import nn
>>> nn.hard_sigmoid(jnp.array([-4.0, 0.0, 4.0]))
Array([0. , 0.5, 1. ], dtype=float64)
>>> nn.glu(jnp.array([1.0, 0.0]))
Array([0.5], dtype=float64)
"""
from __future__ import annotations

import math

import numpy as _np

from .. import lax
from .. import numpy as jnp
from ..numpy._dtypes import promote_to_inexact


def _inexact(x):
    return promote_to_inexact(jnp.asarray(x))


def identity(x):
    """``x`` itself."""
    return jnp.asarray(x)


def tanh(x):
    """The hyperbolic tangent."""
    return jnp.tanh(x)


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    x = _inexact(x)
    return jnp.clip(x + 3.0, 0.0, 6.0) / 6.0


def hard_silu(x):
    """``x * hard_sigmoid(x)``."""
    x = _inexact(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def glu(x, axis: int = -1):
    """Gated linear unit: the first half of ``x`` along ``axis`` times the sigmoid of the second."""
    x = _inexact(x)
    n = jnp.shape(x)[axis]
    if n % 2:
        raise ValueError(f"glu: axis {axis} of length {n} must be even")
    a, b = jnp.split(x, 2, axis)
    return a * lax.logistic(b)


def log1mexp(x):
    """``log(1 - exp(-x))`` for ``x > 0``, accurate for small and large ``x``."""
    x = _inexact(x)
    small = x < math.log(2)
    return jnp.where(small, jnp.log(-jnp.expm1(-jnp.where(small, x, 1.0))),
                     jnp.log1p(-jnp.exp(-jnp.where(small, 1.0, x))))


def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
    """``log(mean(exp(x)))`` computed stably."""
    from . import logsumexp
    x = _inexact(x)
    n = jnp.sum(jnp.ones_like(x), axis=axis, keepdims=keepdims, where=where)
    return logsumexp(x, axis=axis, keepdims=keepdims, where=where) - jnp.log(n)


def mish(x):
    """``x * tanh(softplus(x))``."""
    x = _inexact(x)
    return x * jnp.tanh(jnp.logaddexp(x, 0.0))


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` on (-1, 1), ``x`` for ``x >= 1``."""
    x = _inexact(x)
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def sparse_sigmoid(x):
    """The derivative of ``sparse_plus``: ``clip((x + 1) / 2, 0, 1)``."""
    x = _inexact(x)
    return jnp.clip((x + 1.0) / 2.0, 0.0, 1.0)


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    x = _inexact(x)
    return (x + jnp.sqrt(x * x + b)) / 2


def normalize(x, axis=-1, mean=None, variance=None, epsilon=1e-5):
    """The former name of ``standardize``."""
    from . import standardize
    return standardize(x, axis, mean, variance, epsilon)


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None, return_residual: bool = False):
    """Scaled dot-product attention, ``softmax(q k^T * scale + bias, masked) v``.

    Shapes as in JAX: ``query`` ``(B, T, N, H)``, ``key``/``value`` ``(B, S, K, H)`` with ``N`` a
    multiple of ``K`` (grouped heads), or without the batch axis. ``mask`` is boolean (True =
    attend), ``bias`` is added to the logits; both broadcast to ``(B, N, T, S)``.
    """
    if implementation not in (None, "xla"):
        raise ValueError(f"dot_product_attention: implementation {implementation!r} is not available")
    q, k, v = _inexact(query), _inexact(key), _inexact(value)
    unbatched = jnp.ndim(q) == 3
    if unbatched:
        q, k, v = q[None], k[None], v[None]
    B, T, N, H = jnp.shape(q)
    S, K = jnp.shape(k)[1], jnp.shape(k)[2]
    if N % K:
        raise ValueError(f"dot_product_attention: {N} query heads are not a multiple of {K} key heads")
    if N != K:
        k = jnp.repeat(k, N // K, axis=2)
        v = jnp.repeat(v, N // K, axis=2)
    scale = 1.0 / math.sqrt(H) if scale is None else scale
    logits = jnp.einsum("btnh,bsnh->bnts", q, k) * scale
    if bias is not None:
        logits = logits + (bias[None] if unbatched and jnp.ndim(bias) == 3 else bias)
    allowed = _np.ones((1, 1, T, S), bool)
    if is_causal:
        allowed = allowed & _np.tri(T, S, dtype=bool)[None, None]
    if local_window_size is not None:
        lo, hi = (local_window_size, local_window_size) if isinstance(local_window_size, int) \
            else local_window_size
        t, s = _np.arange(T)[:, None], _np.arange(S)[None, :]
        allowed = allowed & ((s >= t - lo) & (s <= t + hi))[None, None]
    keep = jnp.asarray(allowed)
    if mask is not None:
        keep = jnp.logical_and(keep, mask[None] if unbatched and jnp.ndim(mask) == 3 else mask)
    if query_seq_lengths is not None:
        keep = jnp.logical_and(keep, (jnp.arange(T)[None, :] < jnp.asarray(query_seq_lengths)[:, None])
                               [:, None, :, None])
    if key_value_seq_lengths is not None:
        keep = jnp.logical_and(keep, (jnp.arange(S)[None, :] < jnp.asarray(key_value_seq_lengths)[:, None])
                               [:, None, None, :])
    big_neg = jnp.finfo(logits.dtype).min
    logits = jnp.where(keep, logits, big_neg)
    from . import softmax
    probs = softmax(logits, axis=-1)
    out = jnp.einsum("bnts,bsnh->btnh", probs, v)
    if unbatched:
        out = out[0]
    return (out, logits) if return_residual else out
