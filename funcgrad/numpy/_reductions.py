"""Reductions: sum, prod, max, min, mean, var, std, argmax, argmin, all, any, and friends.

``axis`` may be None, an int or a tuple (negative axes allowed); ``keepdims`` and ``where`` work as
in NumPy, and so do the result dtypes (bool/small integers sum in the default integer; mean, var
and std of integers are float64, or float32 when x64 is off).

>>> import funcgrad.numpy as jnp
>>> x = jnp.arange(6.0).reshape(2, 3)
>>> jnp.sum(x, axis=-1, keepdims=True)
Array([[ 3.],
       [12.]], dtype=float64)
>>> jnp.var(jnp.arange(4))
Array(1.25, dtype=float64)
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import lax
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from ._dtypes import (_ND, base, canonicalize_dtype, default_float_dtype, default_int_dtype, dtype_of,
                      is_weak, named, to_dtype, untraced, wrap, wrap_weak)


def normalize_axes(axis, ndim, name="reduction"):
    """``axis`` (None, int or tuple, negatives allowed) -> sorted tuple of non-negative axes.

    >>> normalize_axes((-1, 0), 3)
    (0, 2)
    """
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
        raise ShapeError(f"{name}: repeated axis in {axis} (at {user_frame_info()})")
    return tuple(sorted(out))


def _no_out(out):
    if out is not None:
        raise NotImplementedError("funcgrad arrays are immutable: the out= argument is not supported; "
                                  "use the return value")


def _keep(r, shape, axes, keepdims):
    if not keepdims:
        return r
    return lax.reshape(r, tuple(1 if i in axes else s for i, s in enumerate(shape)))


_SUM_DTYPES: dict = {}


def _sum_dtype(dt):
    """NumPy's accumulator dtype for ``sum``/``prod``: bool and small ints use the default int."""
    r = _SUM_DTYPES.get(dt)
    if r is None:
        r = _SUM_DTYPES[dt] = np.add.reduce(np.zeros(1, dt)).dtype
    return canonicalize_dtype(r)


def _weak_reduction(r, a, dtype):
    """A reduction of a weakly typed scalar is weak (as traced) unless its dtype changed."""
    return wrap_weak(r, dtype is None and is_weak(a) and np.asarray(r).dtype == dtype_of(a))


def _masked(a, where, fill):
    """``a`` with the elements outside the ``where`` mask replaced by ``fill``."""
    if where is None:
        return a
    from ._ufuncs import where as _where
    from ._shape import broadcast_to
    return _where(where, a, broadcast_to(to_dtype(fill, dtype_of(a)), shape_of(a)))


def _kw(initial, where):
    kw = {}
    if initial is not None:
        kw["initial"] = initial
    if where is not None:
        kw["where"] = base(where)
    return kw


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):  # noqa: A001
    """Sum over ``axis`` (NumPy's dtype rules: bool/small ints accumulate in the default int)."""
    if _state.trace is EVAL or untraced(a, where):
        if out is None and initial is None and where is None:
            r = np.add.reduce(base(a), axis, dtype, None, keepdims)
            return wrap(r) if type(r) is _ND else _weak_reduction(r, a, dtype)
        _no_out(out)
        return wrap(np.sum(base(a), axis=axis, dtype=dtype, keepdims=keepdims, **_kw(initial, where)))
    _no_out(out)
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "sum")
    dt = canonicalize_dtype(dtype) if dtype is not None else _sum_dtype(dtype_of(a))
    a = to_dtype(a, dt, is_weak(a) and dtype is None and dt == dtype_of(a))
    r = lax.reduce_sum(_masked(a, where, 0), axes)
    if initial is not None:
        r = lax.add(r, to_dtype(initial, dt))
    return _keep(r, shape, axes, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over ``axis`` (NumPy's dtype rules, as ``sum``)."""
    if _state.trace is EVAL or untraced(a, where):
        if out is None and initial is None and where is None:
            r = np.multiply.reduce(base(a), axis, dtype, None, keepdims)
            return wrap(r) if type(r) is _ND else _weak_reduction(r, a, dtype)
        _no_out(out)
        return wrap(np.prod(base(a), axis=axis, dtype=dtype, keepdims=keepdims, **_kw(initial, where)))
    _no_out(out)
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "prod")
    dt = canonicalize_dtype(dtype) if dtype is not None else _sum_dtype(dtype_of(a))
    a = to_dtype(a, dt, is_weak(a) and dtype is None and dt == dtype_of(a))
    r = lax.reduce_prod(_masked(a, where, 1), axes)
    if initial is not None:
        r = lax.mul(r, to_dtype(initial, dt))
    return _keep(r, shape, axes, keepdims)


def _extremum(name, np_ufunc, np_fn, lax_fn, lax_bin):
    def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        if _state.trace is EVAL or untraced(a, where):
            if out is None and initial is None and where is None:
                r = np_ufunc.reduce(base(a), axis, None, None, keepdims)
                return wrap(r) if type(r) is _ND else _weak_reduction(r, a, None)
            _no_out(out)
            return wrap(np_fn(base(a), axis=axis, keepdims=keepdims, **_kw(initial, where)))
        _no_out(out)
        shape = shape_of(a)
        axes = normalize_axes(axis, len(shape), name)
        if initial is None:
            if where is not None:
                raise ValueError(f"reduction operation '{np_ufunc.__name__}' does not have an identity, "
                                 "so to use a where mask one has to specify 'initial'")
            if builtins.any(shape[i] == 0 for i in axes):
                raise ValueError(f"zero-size array to reduction operation {np_ufunc.__name__} which has "
                                 "no identity")
        init = None if initial is None else to_dtype(initial, dtype_of(a))
        r = lax_fn(_masked(a, where, init), axes)
        if init is not None:
            r = lax_bin(r, init)
        return _keep(r, shape, axes, keepdims)
    named(f, name)
    f.__doc__ = f"``numpy.{name}`` over ``axis`` (``initial`` needed with an empty axis or ``where``)."
    return f


max = amax = _extremum("max", np.maximum, np.max, lax.reduce_max, lax.max)  # noqa: A001
min = amin = _extremum("min", np.minimum, np.min, lax.reduce_min, lax.min)  # noqa: A001


def _mean_dtypes(a, dtype):
    """(accumulation dtype, result dtype) of mean/var: integers give the default float; float16
    accumulates in float32, as NumPy does."""
    if dtype is not None:
        dt = canonicalize_dtype(dtype)
        return dt, dt
    dt = dtype_of(a)
    if dt.kind in "biu":
        dt = default_float_dtype()
    return (np.dtype(np.float32) if dt == np.float16 else dt), dt


def _count(shape, axes, where, dt, keepdims):
    """Number of elements reduced (a Python int, or an array when masked by ``where``)."""
    if where is None:
        return to_dtype(int(np.prod([shape[i] for i in axes], dtype=np.int64)), dt)
    from ._shape import broadcast_to
    m = to_dtype(broadcast_to(where, shape), dt)
    return _keep(lax.reduce_sum(m, axes), shape, axes, keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """Arithmetic mean over ``axis`` (float64 for integer input; float32 when x64 is off)."""
    if _state.trace is EVAL or untraced(a, where):
        _no_out(out)
        b = base(a)
        if type(b) is _ND and where is None:       # the method skips NumPy's dispatch layer
            return wrap(b.mean(axis, dtype, keepdims=keepdims))
        return wrap(np.mean(b, axis=axis, dtype=dtype, keepdims=keepdims,
                            **({} if where is None else {"where": base(where)})))
    _no_out(out)
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "mean")
    acc, res = _mean_dtypes(a, dtype)
    s = lax.reduce_sum(_masked(to_dtype(a, acc), where, 0), axes)
    r = lax.div(_keep(s, shape, axes, keepdims), _count(shape, axes, where, acc, keepdims))
    return to_dtype(r, res)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    """Variance over ``axis`` with ``ddof`` (or ``correction``) degrees of freedom removed."""
    if correction is not None:
        ddof = correction
    if _state.trace is EVAL or untraced(a, where):
        _no_out(out)
        b = base(a)
        if type(b) is _ND and where is None:       # the method skips NumPy's dispatch layer
            return wrap(b.var(axis, dtype, None, ddof, keepdims=keepdims))
        return wrap(np.var(b, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                           **({} if where is None else {"where": base(where)})))
    _no_out(out)
    shape = shape_of(a)
    axes = normalize_axes(axis, len(shape), "var")
    acc, res = _mean_dtypes(a, dtype)
    a = to_dtype(a, acc)
    n = _count(shape, axes, where, acc, True)               # 0-d, or keepdims-shaped with where
    m = lax.div(_keep(lax.reduce_sum(_masked(a, where, 0), axes), shape, axes, True), n)
    centered = lax.sub(a, m)
    ss = _keep(lax.reduce_sum(_masked(lax.mul(centered, centered), where, 0), axes), shape, axes, keepdims)
    denom = lax.sub(n, to_dtype(ddof, acc))
    if where is not None and not keepdims:
        denom = lax.reshape(denom, shape_of(ss))
    return to_dtype(lax.div(ss, denom), res)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
    """Standard deviation: ``sqrt(var(...))``."""
    if correction is not None:
        ddof = correction
    if _state.trace is EVAL or untraced(a, where):
        _no_out(out)
        b = base(a)
        if type(b) is _ND and where is None:       # the method skips NumPy's dispatch layer
            return wrap(b.std(axis, dtype, None, ddof, keepdims=keepdims))
        return wrap(np.std(b, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims,
                           **({} if where is None else {"where": base(where)})))
    _no_out(out)
    return lax.sqrt(var(a, axis, dtype, None, ddof, keepdims, where=where))


def _arg(name, np_fn, lax_fn):
    def f(a, axis=None, out=None, keepdims=False):
        if _state.trace is EVAL or not isinstance(a, Tracer):
            _no_out(out)
            return wrap(np_fn(base(a), axis=axis, keepdims=keepdims))
        _no_out(out)
        shape = shape_of(a)
        if axis is None:
            a = lax.reshape(a, (int(np.prod(shape, dtype=np.int64)),))
            ax = 0
        else:
            ax = normalize_axes(axis, len(shape), name)[0]
        if shape_of(a)[ax] == 0:
            raise ValueError(f"attempt to get {name} of an empty sequence")
        r = lax_fn(a, ax, default_int_dtype())
        if keepdims:
            r = lax.reshape(r, tuple(1 if (axis is None or i == ax) else s for i, s in enumerate(shape)))
        return r
    named(f, name)
    f.__doc__ = f"Index of the {name[3:]}imum along ``axis`` (of the flattened array if None)."
    return f


argmax = _arg("argmax", np.argmax, lax.argmax)
argmin = _arg("argmin", np.argmin, lax.argmin)


def _logical_reduce(name, np_fn, lax_fn, fill):
    def f(a, axis=None, out=None, keepdims=False, *, where=None):
        if _state.trace is EVAL or untraced(a, where):
            _no_out(out)
            return wrap(np_fn(base(a), axis=axis, keepdims=keepdims,
                              **({} if where is None else {"where": base(where)})))
        _no_out(out)
        from ._ufuncs import _to_bool
        shape = shape_of(a)
        axes = normalize_axes(axis, len(shape), name)
        a = to_dtype(_to_bool(a), np.bool_)          # a strong boolean result, as eagerly
        return _keep(lax_fn(_masked(a, where, fill), axes), shape, axes, keepdims)
    named(f, name)
    f.__doc__ = f"``numpy.{name}``: whether {name} elements along ``axis`` are nonzero."
    return f


all = _logical_reduce("all", np.all, lax.reduce_min, True)  # noqa: A001
any = _logical_reduce("any", np.any, lax.reduce_max, False)  # noqa: A001


def count_nonzero(a, axis=None, keepdims=False):
    """Number of nonzero elements along ``axis``."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap(np.count_nonzero(base(a), axis=axis, keepdims=keepdims))
    from ._ufuncs import _to_bool
    return sum(_to_bool(a), axis=axis, keepdims=keepdims, dtype=default_int_dtype())


def ptp(a, axis=None, out=None, keepdims=False):
    """Range (max - min) along ``axis``."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        _no_out(out)
        return wrap(np.ptp(base(a), axis=axis, keepdims=keepdims))
    _no_out(out)
    from ._ufuncs import subtract
    return subtract(max(a, axis, keepdims=keepdims), min(a, axis, keepdims=keepdims))


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted average along ``axis`` (``weights`` of ``a``'s shape, or 1-D along ``axis``)."""
    if _state.trace is EVAL or untraced(a, weights):
        r = np.average(base(a), axis=axis, weights=base(weights), returned=returned, keepdims=keepdims)
        return (wrap(r[0]), wrap(r[1])) if returned else wrap(r)
    from ._ufuncs import divide, multiply
    from ._shape import broadcast_to, reshape
    shape = shape_of(a)
    if weights is None:
        avg = mean(a, axis, keepdims=keepdims)
        if returned:
            n = int(np.prod([shape[i] for i in normalize_axes(axis, len(shape))], dtype=np.int64))
            return avg, broadcast_to(to_dtype(n, dtype_of(avg)), shape_of(avg))
        return avg
    if tuple(shape_of(weights)) != tuple(shape):
        if axis is None or len(shape_of(weights)) != 1:
            raise ShapeError(f"average: weights of shape {shape_of(weights)} differ from a's shape "
                             f"{shape}; 1-D weights need an axis (at {user_frame_info()})")
        ax = normalize_axes(axis, len(shape))[0]
        wshape = [1] * len(shape)
        wshape[ax] = shape_of(weights)[0]
        weights = broadcast_to(reshape(weights, wshape), shape)
    wsum = sum(weights, axis, keepdims=keepdims)
    avg = divide(sum(multiply(a, weights), axis, keepdims=keepdims), wsum)
    return (avg, broadcast_to(to_dtype(wsum, dtype_of(avg)), shape_of(avg))) if returned else avg


def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    """Sum treating NaN as zero."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        _no_out(out)
        return wrap(np.nansum(base(a), axis=axis, dtype=dtype, keepdims=keepdims))
    from ._ufuncs import isnan, where
    return sum(where(isnan(a), 0, a), axis, dtype, out, keepdims)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    """Mean ignoring NaNs."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        _no_out(out)
        return wrap(np.nanmean(base(a), axis=axis, dtype=dtype, keepdims=keepdims))
    from ._ufuncs import isnan, logical_not
    return mean(a, axis, dtype, out, keepdims, where=logical_not(isnan(a)))


def nanmax(a, axis=None, out=None, keepdims=False):
    """Maximum ignoring NaNs."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        _no_out(out)
        return wrap(np.nanmax(base(a), axis=axis, keepdims=keepdims))
    from ._ufuncs import isnan, where
    if dtype_of(a).kind != "f":
        return max(a, axis, out, keepdims)
    nan = isnan(a)
    return where(all(nan, axis, keepdims=keepdims), np.nan, max(where(nan, -np.inf, a), axis, out, keepdims))


def nanmin(a, axis=None, out=None, keepdims=False):
    """Minimum ignoring NaNs."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        _no_out(out)
        return wrap(np.nanmin(base(a), axis=axis, keepdims=keepdims))
    from ._ufuncs import isnan, where
    if dtype_of(a).kind != "f":
        return min(a, axis, out, keepdims)
    nan = isnan(a)
    return where(all(nan, axis, keepdims=keepdims), np.nan, min(where(nan, np.inf, a), axis, out, keepdims))
