"""Reductions: sum, prod, max, min, mean, var, std, argmax, argmin, all, any, logsumexp helpers."""
from __future__ import annotations

import builtins

import numpy as np

from .. import lax
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import is_eager
from ..primitives.shape import shape_of
from ._dtypes import (base, canonicalize_dtype, default_int_dtype, dtype_of, promote_to_inexact,
                      to_dtype, wrap)


def normalize_axes(axis, ndim, name="reduction"):
    """``axis`` (None, int or tuple, negatives allowed) -> sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < ndim:
            raise ShapeError(f"{name}: axis {a} is out of bounds for an array of dimension {ndim} "
                             f"(at {user_frame_info()})")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{name}: repeated axis in {axis}")
    return tuple(sorted(out))


def _keep(r, shape, axes, keepdims):
    if not keepdims:
        return r
    return lax.reshape(r, tuple(1 if i in axes else s for i, s in enumerate(shape)))


def _sum_dtype(dt):
    return canonicalize_dtype(np.sum(np.zeros(1, dt)).dtype)


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Sum over ``axis`` (NumPy's dtype rules: bool/small ints accumulate in the default int)."""
    if is_eager(a):
        return wrap(np.sum(base(a), axis=axis, dtype=dtype, keepdims=keepdims,
                           **({} if initial is None else {"initial": initial})))
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "sum")
    dt = np.dtype(dtype) if dtype is not None else _sum_dtype(dtype_of(a))
    a = to_dtype(a, dt)
    r = lax.reduce_sum(a, axes)
    if initial is not None:
        r = lax.add(r, to_dtype(initial, dt))
    return _keep(r, shape, axes, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    if is_eager(a):
        return wrap(np.prod(base(a), axis=axis, dtype=dtype, keepdims=keepdims))
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "prod")
    dt = np.dtype(dtype) if dtype is not None else _sum_dtype(dtype_of(a))
    return _keep(lax.reduce_prod(to_dtype(a, dt), axes), shape, axes, keepdims)


def _extremum(name, np_fn, lax_fn):
    def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        if is_eager(a):
            return wrap(np_fn(base(a), axis=axis, keepdims=keepdims,
                              **({} if initial is None else {"initial": initial})))
        shape = shape_of(a)
        axes = normalize_axes(axis, len(shape), name)
        if builtins.any(shape[i] == 0 for i in axes) and initial is None:
            raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
        r = lax_fn(a, axes)
        if initial is not None:
            r = (lax.max if name == "max" else lax.min)(r, to_dtype(initial, dtype_of(a)))
        return _keep(r, shape, axes, keepdims)
    f.__name__ = name
    return f


max = amax = _extremum("max", np.max, lax.reduce_max)  # noqa: A001
min = amin = _extremum("min", np.min, lax.reduce_min)  # noqa: A001


def mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    if is_eager(a):
        return wrap(np.mean(base(a), axis=axis, dtype=dtype, keepdims=keepdims))
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "mean")
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    a = promote_to_inexact(a) if dtype is None else to_dtype(a, dtype)
    s = sum(a, axes, keepdims=keepdims)
    return lax.div(s, to_dtype(n, dtype_of(s)))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, correction=None):
    if correction is not None:
        ddof = correction
    if is_eager(a):
        return wrap(np.var(base(a), axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims))
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "var")
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    a = promote_to_inexact(a) if dtype is None else to_dtype(a, dtype)
    centered = lax.sub(a, mean(a, axes, keepdims=True))
    ss = sum(lax.mul(centered, centered), axes, keepdims=keepdims)
    return lax.div(ss, to_dtype(n - ddof, dtype_of(ss)))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, correction=None):
    if is_eager(a):
        return wrap(np.std(base(a), axis=axis, dtype=dtype, ddof=ddof if correction is None else correction,
                           keepdims=keepdims))
    return lax.sqrt(var(a, axis, dtype, None, ddof, keepdims, correction=correction))


def _arg(name, np_fn, lax_fn):
    def f(a, axis=None, out=None, keepdims=False):
        if is_eager(a):
            return wrap(np_fn(base(a), axis=axis, keepdims=keepdims))
        shape = shape_of(a)
        if axis is None:
            a = lax.reshape(a, (int(np.prod(shape, dtype=np.int64)),))
            ax = 0
        else:
            ax = normalize_axes(axis, len(shape), name)[0]
        r = lax_fn(a, ax, default_int_dtype())
        if keepdims:
            r = lax.reshape(r, tuple(1 if (axis is None or i == ax) else s for i, s in enumerate(shape)))
        return r
    f.__name__ = name
    return f


argmax = _arg("argmax", np.argmax, lax.argmax)
argmin = _arg("argmin", np.argmin, lax.argmin)


def all(a, axis=None, out=None, keepdims=False):  # noqa: A001
    if is_eager(a):
        return wrap(np.all(base(a), axis=axis, keepdims=keepdims))
    from ._ufuncs import _to_bool
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "all")
    return _keep(lax.reduce_min(_to_bool(a), axes), shape, axes, keepdims)


def any(a, axis=None, out=None, keepdims=False):  # noqa: A001
    if is_eager(a):
        return wrap(np.any(base(a), axis=axis, keepdims=keepdims))
    from ._ufuncs import _to_bool
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "any")
    return _keep(lax.reduce_max(_to_bool(a), axes), shape, axes, keepdims)


def count_nonzero(a, axis=None, keepdims=False):
    from ._ufuncs import _to_bool
    if is_eager(a):
        return wrap(np.count_nonzero(base(a), axis=axis, keepdims=keepdims))
    return sum(_to_bool(a), axis=axis, keepdims=keepdims, dtype=default_int_dtype())


def ptp(a, axis=None, keepdims=False):
    return lax.sub(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims)) \
        if not is_eager(a) else wrap(np.ptp(base(a), axis=axis, keepdims=keepdims))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    from ._ufuncs import multiply, divide
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if returned:
            n = int(np.prod([shape_of(a)[i] for i in normalize_axes(axis, len(shape_of(a)))]))
            return avg, n
        return avg
    wsum = sum(weights, axis, keepdims=keepdims) if shape_of(weights) == shape_of(a) else sum(weights)
    if shape_of(weights) != shape_of(a):
        from ._shape import reshape as _reshape
        ax = normalize_axes(axis, len(shape_of(a)))[0]
        shape = [1] * len(shape_of(a))
        shape[ax] = shape_of(weights)[0]
        weights = _reshape(weights, shape)
    avg = divide(sum(multiply(a, weights), axis, keepdims=keepdims), wsum)
    return (avg, wsum) if returned else avg


def nansum(a, axis=None, dtype=None, keepdims=False):
    from ._ufuncs import isnan, where
    return sum(where(isnan(a), 0, a), axis, dtype, keepdims=keepdims)


def nanmean(a, axis=None, dtype=None, keepdims=False):
    from ._ufuncs import isnan, logical_not, where, divide
    return divide(nansum(a, axis, dtype, keepdims), sum(logical_not(isnan(a)), axis, keepdims=keepdims))


def nanmax(a, axis=None, keepdims=False):
    from ._ufuncs import isnan, where
    return max(where(isnan(a), -np.inf, a), axis, keepdims=keepdims)


def nanmin(a, axis=None, keepdims=False):
    from ._ufuncs import isnan, where
    return min(where(isnan(a), np.inf, a), axis, keepdims=keepdims)
