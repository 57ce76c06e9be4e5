"""Array creation: array, asarray, zeros, ones, full, *_like, arange, linspace, eye, ..."""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.array import Array
from ..core.trace import Tracer, is_eager
from ..primitives.shape import shape_of
from ._dtypes import (canonicalize_dtype, default_float_dtype, dtype_of, is_weak, to_dtype, wrap)


def _dt(dtype, fallback=None):
    if dtype is None:
        return canonicalize_dtype(fallback if fallback is not None else default_float_dtype())
    return canonicalize_dtype(dtype)


def asarray(a, dtype=None, order=None, *, copy=None):
    """Convert to a funcgrad Array (zero-copy for NumPy arrays of the right dtype)."""
    if isinstance(a, Tracer):
        return a if dtype is None else to_dtype(a, dtype, False)
    if isinstance(a, (list, tuple)) and any(isinstance(x, Tracer) for x in _flat(a)):
        from ._shape import stack
        return stack([asarray(x, dtype) for x in a])
    if type(a) is Array and dtype is None:
        return a
    arr = np.asarray(a, dtype=dtype)
    if dtype is None:
        c = canonicalize_dtype(arr.dtype)
        if c != arr.dtype:
            arr = arr.astype(c)
    return wrap(arr)


def array(object, dtype=None, copy=True, order="K", ndmin=0):  # noqa: A002
    r = asarray(object, dtype)
    if copy and not isinstance(r, Tracer):
        r = wrap(np.array(r, copy=True))
    if ndmin and len(shape_of(r)) < ndmin:
        from ._shape import reshape
        r = reshape(r, (1,) * (ndmin - len(shape_of(r))) + tuple(shape_of(r)))
    return r


def _flat(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _shape(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)


def zeros(shape, dtype=None):
    return wrap(np.zeros(_shape(shape), _dt(dtype)))


def ones(shape, dtype=None):
    return wrap(np.ones(_shape(shape), _dt(dtype)))


def empty(shape, dtype=None):
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    if isinstance(fill_value, Tracer):
        dt = _dt(dtype, dtype_of(fill_value))
        return lax.full(_shape(shape), to_dtype(fill_value, dt), dt)
    return wrap(np.full(_shape(shape), fill_value, dtype=_dt(dtype, np.asarray(fill_value).dtype)))


def _like_dtype(a, dtype):
    return _dt(dtype, dtype_of(a))


def zeros_like(a, dtype=None, shape=None):
    return zeros(shape_of(a) if shape is None else shape, _like_dtype(a, dtype))


def ones_like(a, dtype=None, shape=None):
    return ones(shape_of(a) if shape is None else shape, _like_dtype(a, dtype))


def empty_like(a, dtype=None, shape=None):
    return zeros_like(a, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None):
    return full(shape_of(a) if shape is None else shape, fill_value, _like_dtype(a, dtype))


def arange(start, stop=None, step=None, dtype=None):
    for v in (start, stop, step):
        if isinstance(v, Tracer):
            v._concrete("`arange` bounds (they must be concrete; use static_argnums)")
    r = np.arange(start, stop, step, dtype=dtype) if stop is not None else np.arange(start, dtype=dtype)
    return wrap(r.astype(canonicalize_dtype(r.dtype), copy=False))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if is_eager(start, stop):
        r = np.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis)
        if retstep:
            return wrap(r[0].astype(_dt(dtype, r[0].dtype))), r[1]
        return wrap(r.astype(_dt(dtype, r.dtype), copy=False))
    from ._ufuncs import add, multiply, subtract
    dt = _dt(dtype)
    div = (num - 1) if endpoint else num
    steps = np.arange(num, dtype=dt) / max(div, 1)
    start, stop = to_dtype(start, dt), to_dtype(stop, dt)
    from ._shape import expand_dims, moveaxis
    s = shape_of(start)
    steps = steps.reshape((num,) + (1,) * len(s))
    out = add(start, multiply(steps, subtract(stop, start)))
    return moveaxis(out, 0, axis) if axis else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    from ._ufuncs import power
    return power(base, linspace(start, stop, num, endpoint, dtype=dtype, axis=axis))


def eye(N, M=None, k=0, dtype=None):
    return wrap(np.eye(N, M, k, dtype=_dt(dtype)))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    return wrap(np.tri(N, M, k, dtype=_dt(dtype)))


def tril(m, k=0):
    from ._ufuncs import where
    s = shape_of(m)
    if is_eager(m):
        return wrap(np.tril(np.asarray(m), k))
    mask = np.tri(s[-2], s[-1], k, dtype=bool)
    return where(mask, m, 0)


def triu(m, k=0):
    from ._ufuncs import where
    s = shape_of(m)
    if is_eager(m):
        return wrap(np.triu(np.asarray(m), k))
    mask = ~np.tri(s[-2], s[-1], k - 1, dtype=bool)
    return where(mask, m, 0)


def meshgrid(*xi, indexing="xy", sparse=False, copy=True):
    from ._shape import broadcast_to, reshape
    n = len(xi)
    shapes = [shape_of(x)[0] for x in xi]
    out = []
    for i, x in enumerate(xi):
        shp = [1] * n
        shp[i] = shapes[i]
        if indexing == "xy" and n >= 2:
            shp[0], shp[1] = shp[1], shp[0]
        out.append(reshape(x, shp))
    if not sparse:
        full_shape = [shapes[i] for i in range(n)]
        if indexing == "xy" and n >= 2:
            full_shape[0], full_shape[1] = full_shape[1], full_shape[0]
        out = [broadcast_to(o, full_shape) for o in out]
    return out


def copy(a):
    return array(a, copy=True)


def astype(x, dtype, copy=False):
    if is_eager(x):
        return wrap(np.asarray(x).astype(canonicalize_dtype(dtype)))
    return lax.convert_element_type(x, canonicalize_dtype(dtype))


def diag(v, k=0):
    if is_eager(v):
        return wrap(np.diag(np.asarray(v), k))
    s = shape_of(v)
    if len(s) == 1:
        n = s[0] + abs(k)
        from ._ufuncs import multiply
        from ._shape import reshape
        e = np.eye(n, k=k, dtype=dtype_of(v))
        rowsel = np.zeros((n, s[0]), dtype=dtype_of(v))
        for i in range(s[0]):
            rowsel[i + max(-k, 0), i] = 1
        # diag(v)[r, c] = e[r, c] * (rowsel @ v)[r]
        from ._linalg import matmul
        vr = matmul(rowsel, v)
        return multiply(e, reshape(vr, (n, 1)))
    from ._indexing import diagonal
    return diagonal(v, k)
