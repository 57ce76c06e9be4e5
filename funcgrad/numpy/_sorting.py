"""Sorting, searching and order statistics: ``sort``, ``argsort``, ``lexsort``, ``partition``,
``searchsorted``, ``digitize``, ``median``, ``quantile``, ``percentile`` and their ``nan*`` forms.

Eagerly these call NumPy. Traced, they use the ``sort``/``argsort`` primitives (gradients move
with the sorted elements) and gathers; ``quantile`` interpolates between the two neighbouring
order statistics, so it is differentiable in ``a`` and in ``q``.

>>> import funcgrad.numpy as jnp
>>> jnp.sort(jnp.array([3.0, 1.0, 2.0]), descending=True)
Array([3., 2., 1.], dtype=float64)
>>> jnp.median(jnp.array([[1.0, 5.0, 2.0], [4.0, 3.0, 9.0]]), axis=1)
Array([2., 4.], dtype=float64)
>>> jnp.searchsorted(jnp.array([1.0, 2.0, 3.0]), jnp.array([2.0, 5.0]))
Array([1, 3], dtype=int64)
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.trace import EVAL, _state
from ..primitives import sorting as _so
from ..primitives.shape import shape_of
from ._dtypes import base, canonicalize_dtype, default_int_dtype, dtype_of, to_dtype, untraced, wrap
from ._reductions import normalize_axes


def _ax(axis, nd, name):
    return normalize_axes(int(axis), nd, name)[0]


def _int(x):
    return to_dtype(x, default_int_dtype())


# --------------------------------------------------------------------------- sort / argsort

def sort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
         descending: bool = False):
    """Sorted copy of ``a`` along ``axis`` (the flattened array if None); NaNs last
    (first when ``descending``)."""
    if order is not None:
        raise NotImplementedError("sort: the 'order' argument (structured arrays) is not supported")
    if _state.trace is EVAL or untraced(a):
        r = np.sort(base(a), axis=axis)          # equal values are equal: any stable or not order
        return wrap(np.flip(r, -1 if axis is None else axis) if descending else r)
    from ._shape import ravel
    if axis is None:
        a, axis = ravel(a), 0
    d = _ax(axis, len(shape_of(a)), "sort")
    r = _so.sort(a, d)
    return lax.rev(r, (d,)) if descending else r


def _argsort_traced(a, d, descending):
    if not descending:
        return _so.argsort(a, d, default_int_dtype())
    n = shape_of(a)[d]
    p = _so.argsort(lax.rev(a, (d,)), d, default_int_dtype())       # stable: ties keep index order
    return lax.sub(np.array(n - 1, default_int_dtype()), lax.rev(p, (d,)))


def argsort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
            descending: bool = False):
    """Indices that sort ``a`` along ``axis``; always stable (ties keep their order, also when
    ``descending``)."""
    if order is not None:
        raise NotImplementedError("argsort: the 'order' argument (structured arrays) is not supported")
    if _state.trace is EVAL or untraced(a):
        b = np.asarray(base(a))
        if axis is None:
            b, axis = b.ravel(), 0
        if descending:
            n = b.shape[axis]
            r = n - 1 - np.flip(np.argsort(np.flip(b, axis), axis=axis, kind="stable"), axis)
        else:
            r = np.argsort(b, axis=axis, kind="stable")
        return wrap(r)
    from ._shape import ravel
    if axis is None:
        a, axis = ravel(a), 0
    return _argsort_traced(a, _ax(axis, len(shape_of(a)), "argsort"), descending)


def lexsort(keys, axis: int = -1):
    """Indirect stable sort by several keys; the *last* key is the primary one."""
    keys = list(keys) if not hasattr(keys, "shape") else [keys[i] for i in range(shape_of(keys)[0])]
    if _state.trace is EVAL or untraced(*keys):
        return wrap(np.lexsort([base(k) for k in keys], axis=axis))
    from ._shape import broadcast_arrays
    keys = broadcast_arrays(*keys)
    d = _ax(axis, len(shape_of(keys[0])), "lexsort")
    perm = None
    for k in keys:
        kk = k if perm is None else _so.take_along(k, perm, d)
        p = _so.argsort(kk, d, default_int_dtype())
        perm = p if perm is None else _so.take_along(perm, p, d)
    return perm


def partition(a, kth: int, axis: int = -1):
    """``a`` rearranged so that the element at ``kth`` is where it would be sorted, smaller ones
    before it and larger ones after (funcgrad returns the fully sorted array, a valid partition)."""
    n = shape_of(a)[_ax(axis, len(shape_of(a)), "partition")]
    if not -n <= int(kth) < n:
        raise ValueError(f"partition: kth={kth} is out of bounds for an axis of length {n}")
    return sort(a, axis)


def argpartition(a, kth: int, axis: int = -1):
    """Indices that partition ``a`` (see ``partition``): the stable sorting permutation."""
    n = shape_of(a)[_ax(axis, len(shape_of(a)), "argpartition")]
    if not -n <= int(kth) < n:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for an axis of length {n}")
    return argsort(a, axis)


def sort_complex(a):
    """Sorted copy of ``a`` as complex (NumPy's dtype rule); eager only (complex values are not
    traced)."""
    from ..core.trace import Tracer
    if isinstance(a, Tracer):
        from ..core.source_info import user_frame_info
        raise NotImplementedError(f"sort_complex on a traced value at {user_frame_info()}: its result "
                                  "is complex, and funcgrad traces real values only")
    return wrap(np.sort_complex(base(a)))


# --------------------------------------------------------------------------- searching

def _lt_nan_last(x, y):
    """``x < y`` in the order NumPy sorts by (NaN after everything)."""
    from ._ufuncs import isnan, less, logical_and, logical_not, logical_or
    if dtype_of(x).kind != "f" and dtype_of(y).kind != "f":
        return less(x, y)
    return logical_or(less(x, y), logical_and(isnan(y), logical_not(isnan(x))))


_SEARCH_METHODS = ("scan", "scan_unrolled", "sort", "compare_all")


def searchsorted(a, v, side: str = "left", sorter=None, *, method: str = "scan"):
    """Insertion indices of ``v`` into the sorted 1-D ``a`` (``side='left'``: before equal
    entries; ``'right'``: after them; NaNs sort last, as NumPy). Traced, a binary search
    (``ceil(log2(len(a) + 1))`` rounds of gather and compare, ``O(len(v))`` memory);
    ``method='compare_all'`` compares every pair instead (one fused reduction)."""
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if method not in _SEARCH_METHODS:
        raise ValueError(f"searchsorted: method must be one of {_SEARCH_METHODS}, got {method!r}")
    if _state.trace is EVAL or untraced(a, v, sorter):
        return wrap(np.searchsorted(base(a), base(v), side=side,
                                    sorter=None if sorter is None else base(sorter)).astype(
                                        default_int_dtype()))
    from ._ufuncs import logical_not
    if len(shape_of(a)) != 1:
        raise ValueError(f"searchsorted: a must be one-dimensional, got shape {tuple(shape_of(a))}")
    if sorter is not None:
        from ._advanced_indexing import take
        a = take(a, sorter, mode="clip")

    def goes_after(x, y):       # the insertion point of y lies after the element x of a
        return _lt_nan_last(x, y) if side == "left" else logical_not(_lt_nan_last(y, x))

    if method == "compare_all":
        from ._reductions import sum as _sum
        from ._shape import expand_dims
        return _sum(goes_after(a, expand_dims(v, -1)), axis=-1, dtype=default_int_dtype())
    return _binary_search(a, v, goes_after)


def _binary_search(a, v, goes_after):
    """``while lo < hi: mid = (lo + hi) // 2; lo, hi = (mid + 1, hi) if goes_after(a[mid], v)
    else (lo, mid)``, for every element of ``v`` at once, a fixed number of rounds."""
    from ._advanced_indexing import take
    from ._ufuncs import add, floor_divide, less, logical_and, logical_not, where
    n = shape_of(a)[0]
    it = default_int_dtype()
    lo = lax.full(shape_of(v), 0, it)
    hi = lax.full(shape_of(v), n, it)
    for _ in range(int(np.ceil(np.log2(n + 1)))):
        mid = floor_divide(add(lo, hi), 2)
        active = less(lo, hi)
        after = goes_after(take(a, mid, mode="clip"), v)
        lo = where(logical_and(active, after), add(mid, 1), lo)
        hi = where(logical_and(active, logical_not(after)), mid, hi)
    return lo


def digitize(x, bins, right: bool = False):
    """Index of the bin of each ``x`` (bins increasing or decreasing), as ``numpy.digitize``."""
    if _state.trace is EVAL or untraced(x, bins):
        return wrap(np.digitize(base(x), base(bins), right).astype(default_int_dtype()))
    from ._ufuncs import greater_equal, subtract, where
    n = shape_of(bins)[0]
    if n == 0:
        return _int(lax.full(shape_of(x), 0, default_int_dtype()))
    side = "left" if right else "right"
    inc = searchsorted(bins, x, side=side)
    dec = subtract(n, searchsorted(lax.rev(bins, (0,)), x, side="right" if right else "left"))
    return where(greater_equal(bins[n - 1], bins[0]), inc, dec)


# --------------------------------------------------------------------------- order statistics

_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")


def _quantile_dtype(a, q):
    rep = np.zeros(1, dtype_of(a))
    qrep = np.zeros((), dtype_of(q)) if hasattr(q, "dtype") or hasattr(q, "aval") else 0.5
    with np.errstate(all="ignore"):
        return canonicalize_dtype(np.asarray(np.quantile(rep, qrep)).dtype)


def _quantile_traced(a, q, axis, method, keepdims, ignore_nan, dt):
    from ._advanced_indexing import take_along_axis
    from ._reductions import any as _any, sum as _sum
    from ._shape import moveaxis, ravel, reshape
    from ._ufuncs import (add, ceil, divide, floor, isnan, logical_not, maximum, minimum, multiply,
                          rint, subtract, where)
    if method not in _METHODS:
        raise ValueError(f"quantile: method must be one of {_METHODS}, got {method!r}")
    a = to_dtype(a, dt)
    shape = tuple(shape_of(a))
    if axis is None:
        axes = tuple(range(len(shape)))
    else:
        axes = normalize_axes(axis, len(shape), "quantile")
    rest = [i for i in range(len(shape)) if i not in axes]
    a2 = lax.transpose(a, tuple(rest + list(axes))) if axes else a
    n = int(np.prod([shape[i] for i in axes], dtype=np.int64))
    a2 = reshape(a2, tuple(shape[i] for i in rest) + (n,))
    qshape = tuple(shape_of(q))
    qf = reshape(to_dtype(q, dt), (-1,))                          # (m,)
    s = _so.sort(a2, len(rest))                                   # NaNs last
    if ignore_nan:
        count = _sum(logical_not(isnan(a2)), axis=-1, keepdims=True, dtype=dt)
    else:
        count = to_dtype(n, dt)
    pos = multiply(qf, subtract(count, 1))                        # rest + (m,)
    pos = minimum(maximum(pos, 0), max(n - 1, 0))
    lo_f = floor(pos)
    hi_f = minimum(ceil(pos), max(n - 1, 0))
    lo, hi = _int(lo_f), _int(hi_f)
    if len(shape_of(lo)) != len(rest) + 1:                        # count was a scalar
        from ._shape import broadcast_to
        lo = broadcast_to(lo, tuple(shape[i] for i in rest) + (shape_of(qf)[0],))
        hi = broadcast_to(hi, shape_of(lo))
    vlo, vhi = take_along_axis(s, lo, -1, mode="clip"), take_along_axis(s, hi, -1, mode="clip")
    if method == "linear":
        t = subtract(pos, lo_f)
        diff = subtract(vhi, vlo)
        r = where(t >= 0.5, subtract(vhi, multiply(diff, subtract(1, t))), add(vlo, multiply(diff, t)))
    elif method == "lower":
        r = vlo
    elif method == "higher":
        r = vhi
    elif method == "midpoint":
        r = divide(add(vlo, vhi), 2)
    else:
        r = take_along_axis(s, _int(rint(pos)), -1, mode="clip")
    if ignore_nan:
        r = where(count == 0, np.nan, r)
    else:
        r = where(_any(isnan(a2), axis=-1, keepdims=True), np.nan, r)
    r = moveaxis(r, -1, 0)                                        # (m,) + rest
    out_rest = [shape[i] for i in rest]
    if keepdims:
        out_rest = [1 if i in axes else shape[i] for i in range(len(shape))]
    r = reshape(r, qshape + tuple(out_rest))
    return to_dtype(r, dt)


def _order_stat(name, np_fn, ignore_nan, scale=1.0):
    def f(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
          interpolation=None):
        if out is not None:
            raise NotImplementedError(f"{name}: the out= argument is not supported")
        method = interpolation or method
        if _state.trace is EVAL or untraced(a, q):
            with np.errstate(all="ignore"):
                r = np_fn(base(a), base(q), axis=axis, method=method, keepdims=keepdims)
            return wrap(r)
        from ._ufuncs import divide
        dt = _quantile_dtype(a, q)
        qq = divide(q, scale) if scale != 1.0 else q
        return _quantile_traced(a, qq, axis, method, keepdims, ignore_nan, dt)
    f.__name__ = f.__qualname__ = name
    what = "percentiles (q in [0, 100])" if scale != 1.0 else "quantiles (q in [0, 1])"
    f.__doc__ = (f"The {what} of ``a`` along ``axis``{' ignoring NaNs' if ignore_nan else ''}; "
                 f"``method`` one of {_METHODS}. Differentiable in ``a`` and ``q``.")
    return f


quantile = _order_stat("quantile", np.quantile, False)
nanquantile = _order_stat("nanquantile", np.nanquantile, True)
percentile = _order_stat("percentile", np.percentile, False, 100.0)
nanpercentile = _order_stat("nanpercentile", np.nanpercentile, True, 100.0)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along ``axis`` (mean of the two middle values for an even count)."""
    if _state.trace is EVAL or untraced(a):
        return wrap(np.median(base(a), axis=axis, keepdims=keepdims))
    return quantile(a, 0.5, axis, out, overwrite_input, "linear", keepdims)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """The median along ``axis`` ignoring NaNs (NaN for an all-NaN slice)."""
    if _state.trace is EVAL or untraced(a):
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return wrap(np.nanmedian(base(a), axis=axis, keepdims=keepdims))
    return nanquantile(a, 0.5, axis, out, overwrite_input, "linear", keepdims)
