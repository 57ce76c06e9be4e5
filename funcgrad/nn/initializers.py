"""``funcgrad.nn.initializers``: ``jax.nn.initializers``. Each factory returns an initializer
``init(key, shape, dtype=float) -> array``; the random numbers come from ``funcgrad.random``
(imported when an initializer is called).

>>> import funcgrad.numpy as jnp
>>> from funcgrad.nn import initializers
>>> initializers.zeros(None, (2, 3)).shape
(2, 3)
>>> initializers.constant(0.5)(None, (2,))
Array([0.5, 0.5], dtype=float64)
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as _np

from .. import numpy as jnp
from ..numpy._dtypes import canonicalize_dtype, default_float_dtype

Initializer = Callable

__all__ = ["Initializer", "zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
           "lecun_uniform", "lecun_normal", "he_uniform", "he_normal", "kaiming_uniform",
           "kaiming_normal", "orthogonal", "delta_orthogonal"]


def _random():
    try:
        from .. import random
    except ImportError as e:      # pragma: no cover - funcgrad.random lands with its own issue
        raise ImportError("funcgrad.nn.initializers needs funcgrad.random for random initializers") from e
    return random


def _dtype(dtype):
    return default_float_dtype() if dtype is None else canonicalize_dtype(dtype)


def zeros(key, shape, dtype=None):
    """An array of zeros (``key`` is ignored)."""
    return jnp.zeros(shape, _dtype(dtype))


def ones(key, shape, dtype=None):
    """An array of ones (``key`` is ignored)."""
    return jnp.ones(shape, _dtype(dtype))


def constant(value, dtype=None) -> Initializer:
    """Initializer filling with ``value``."""
    def init(key, shape, dtype=dtype):
        return jnp.full(shape, value, _dtype(dtype))
    return init


def uniform(scale=1e-2, dtype=None) -> Initializer:
    """Initializer drawing uniformly from ``[0, scale)``."""
    def init(key, shape, dtype=dtype):
        return _random().uniform(key, shape, _dtype(dtype)) * jnp.asarray(scale, _dtype(dtype))
    return init


def normal(stddev=1e-2, dtype=None) -> Initializer:
    """Initializer drawing from ``N(0, stddev**2)``."""
    def init(key, shape, dtype=dtype):
        return _random().normal(key, shape, _dtype(dtype)) * jnp.asarray(stddev, _dtype(dtype))
    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0) -> Initializer:
    """Initializer drawing ``stddev`` times a normal truncated to ``[lower, upper]``."""
    def init(key, shape, dtype=dtype):
        r = _random().truncated_normal(key, lower, upper, shape, _dtype(dtype))
        return r * jnp.asarray(stddev, _dtype(dtype))
    return init


def _axes(axis, nd):
    return tuple(a % nd for a in ((axis,) if isinstance(axis, int) else axis))


def _fans(shape, in_axis, out_axis, batch_axis):
    """(fan_in, fan_out): products of the in/out axes' sizes, times the receptive field (the
    remaining non-batch axes)."""
    nd = len(shape)
    if nd < 2:
        raise ValueError(f"variance_scaling needs a shape of at least 2 dimensions, got {shape}")
    ins, outs, batch = _axes(in_axis, nd), _axes(out_axis, nd), _axes(batch_axis, nd)
    field = math.prod(s for i, s in enumerate(shape) if i not in ins + outs + batch)
    fan_in = math.prod(shape[i] for i in ins) * field
    fan_out = math.prod(shape[i] for i in outs) * field
    return fan_in, fan_out


def variance_scaling(scale, mode: str, distribution: str, in_axis: int | Sequence[int] = -2,
                     out_axis: int | Sequence[int] = -1, batch_axis: Sequence[int] = (),
                     dtype=None) -> Initializer:
    """Initializer with variance ``scale / n``, ``n`` from ``mode`` ('fan_in', 'fan_out',
    'fan_avg', 'fan_geo_avg'); ``distribution`` 'truncated_normal', 'normal' or 'uniform'."""
    if mode not in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg"):
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in ("truncated_normal", "normal", "uniform"):
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")

    def init(key, shape, dtype=dtype):
        shape = tuple(int(s) for s in shape)
        dt = _dtype(dtype)
        fan_in, fan_out = _fans(shape, in_axis, out_axis, batch_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
             "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
        variance = scale / max(1.0, n)
        rnd = _random()
        if distribution == "truncated_normal":
            stddev = math.sqrt(variance) / .87962566103423978   # std of N(0, 1) cut at +-2
            return rnd.truncated_normal(key, -2.0, 2.0, shape, dt) * jnp.asarray(stddev, dt)
        if distribution == "normal":
            return rnd.normal(key, shape, dt) * jnp.asarray(math.sqrt(variance), dt)
        lim = math.sqrt(3 * variance)
        return rnd.uniform(key, shape, dt, -lim, lim)
    return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """Glorot/Xavier uniform: variance ``1 / fan_avg``."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """Glorot/Xavier truncated normal: variance ``1 / fan_avg``."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """LeCun uniform: variance ``1 / fan_in``."""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """LeCun truncated normal: variance ``1 / fan_in``."""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """He/Kaiming uniform: variance ``2 / fan_in``."""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
    """He/Kaiming truncated normal: variance ``2 / fan_in``."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis, dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def _qr(a):
    """Q and R of ``a`` (funcgrad.numpy.linalg when it has ``qr``, else NumPy on the value)."""
    try:
        from ..numpy import linalg
        return linalg.qr(a)
    except (ImportError, AttributeError):
        q, r = _np.linalg.qr(_np.asarray(a))
        return jnp.asarray(q), jnp.asarray(r)


def orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """Initializer of (semi-)orthogonal matrices along ``column_axis`` (QR of a normal draw)."""
    def init(key, shape, dtype=dtype):
        shape = tuple(int(s) for s in shape)
        if len(shape) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        dt = _dtype(dtype)
        n_cols = shape[column_axis]
        n_rows = math.prod(shape) // n_cols
        a = _random().normal(key, (max(n_rows, n_cols), min(n_rows, n_cols)), dt)
        q, r = _qr(a)
        q = q * jnp.sign(jnp.diagonal(r))[None, :]
        if n_rows < n_cols:
            q = q.T
        q = jnp.reshape(q, (n_rows, n_cols))
        other = tuple(s for i, s in enumerate(shape) if i != column_axis % len(shape))
        q = jnp.moveaxis(jnp.reshape(q, other + (n_cols,)), -1, column_axis)
        return q * jnp.asarray(scale, dt)
    return init


def delta_orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """Initializer for convolution kernels ``(*spatial, in, out)``: an orthogonal matrix at the
    spatial centre, zeros elsewhere."""
    def init(key, shape, dtype=dtype):
        shape = tuple(int(s) for s in shape)
        if len(shape) not in (3, 4, 5):
            raise ValueError("delta_orthogonal initializer requires a 3D, 4D or 5D shape")
        if shape[-1] < shape[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`")
        dt = _dtype(dtype)
        ortho = orthogonal(scale, column_axis, dt)(key, shape[-2:])
        centre = tuple(s // 2 for s in shape[:-2])
        return jnp.zeros(shape, dt).at[centre].set(ortho)
    return init
