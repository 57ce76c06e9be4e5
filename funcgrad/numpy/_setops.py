"""Set operations: ``unique`` (and ``unique_all/counts/inverse/values``), ``isin``, ``union1d``,
``intersect1d``, ``setdiff1d``, ``setxor1d``.

The number of results depends on the values, so under ``jit``/``vmap`` these need the static
``size=`` (the result is truncated or padded with ``fill_value`` to that length), as in JAX.
Under ``grad`` the values are known and ``size`` may be omitted. Traced, ``unique`` sorts,
marks the first element of each run of equal values, and compacts with a scatter.

>>> import funcgrad.numpy as jnp
>>> jnp.unique(jnp.array([3, 1, 3, 2]))
Array([1, 2, 3], dtype=int64)
>>> jnp.unique(jnp.array([3, 1, 3]), size=4, fill_value=0)
Array([1, 3, 0, 0], dtype=int64)
>>> jnp.isin(jnp.array([1, 2, 3]), jnp.array([2, 5]))
Array([False,  True, False], dtype=bool)
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import lax
from ..core.errors import ConcretizationError
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, Tracer, _state
from ..primitives import sorting as _so
from ..primitives.shape import shape_of
from ._dtypes import base, default_int_dtype, dtype_of, to_dtype, untraced, wrap

UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices", "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])


def _concrete_or_size(name, size, *arrays):
    """Concrete values of traced ``arrays`` (recording traces know them), or None when ``size``
    is given; otherwise a ConcretizationError naming the fix."""
    vals = []
    for a in arrays:
        v = a.concrete_value() if isinstance(a, Tracer) else a
        if v is None:
            if size is not None:
                return None
            raise ConcretizationError(
                f"{name} on a traced value at {user_frame_info()}: the size of the result depends "
                f"on the values. Pass size=N (a static length; results are padded with fill_value).")
        vals.append(v)
    return vals


def _pad(r, size, fill):
    r = np.asarray(r)
    if size is None:
        return r
    if len(r) >= size:
        return r[:size]
    return np.concatenate([r, np.full(size - len(r), fill, r.dtype)])


def _compact_positions(mask, size):
    """For a boolean (n,) ``mask``: the positions of its first ``size`` True entries (padded
    with 0) and whether each output slot is filled."""
    from ._creation import arange, full
    from ._reductions import sum as _sum
    from ._ufuncs import less, where
    n = shape_of(mask)[0]
    it = default_int_dtype()
    ids = lax.sub(lax.cumsum(to_dtype(mask, it)), np.array(1, it))
    target = where(mask, ids, size)                         # size is out of bounds: dropped
    pos = full((size,), n, it).at[target].min(arange(n, dtype=it))
    valid = less(arange(size, dtype=it), _sum(mask, dtype=it))
    return where(valid, pos, 0), valid


def _sorted_runs(flat, equal_nan):
    """(perm, sorted values, mask of the first element of each run of equal values)."""
    from ._ufuncs import isnan, logical_and, logical_not, not_equal
    from ._shape import concatenate
    perm = _so.argsort(flat, 0, default_int_dtype())
    s = _so.take_along(flat, perm, 0)
    n = shape_of(flat)[0]
    new = not_equal(s[1:], s[:-1])
    if equal_nan and dtype_of(flat).kind == "f":
        new = logical_and(new, logical_not(logical_and(isnan(s[1:]), isnan(s[:-1]))))
    mask = concatenate([np.ones(min(n, 1), bool), new])
    return perm, s, mask


def _unique_traced(a, return_index, return_inverse, return_counts, equal_nan, size, fill_value):
    from ._creation import zeros
    from ._shape import ravel, reshape
    from ._ufuncs import where
    it = default_int_dtype()
    flat = ravel(a)
    n = shape_of(flat)[0]
    if n == 0:
        if size and fill_value is None:
            raise ValueError("unique: for zero-sized input with nonzero size, fill_value must be given")
        from ._creation import full
        res = [full((size,), fill_value if fill_value is not None else 0, dtype_of(a))]
        if return_index:
            res.append(zeros((size,), it))
        if return_inverse:
            res.append(zeros(shape_of(a), it))
        if return_counts:
            res.append(zeros((size,), it))
        return res[0] if len(res) == 1 else tuple(res)
    perm, s, mask = _sorted_runs(flat, equal_nan)
    pos, valid = _compact_positions(mask, size)
    values = s[pos]
    if fill_value is not None:
        values = where(valid, values, to_dtype(fill_value, dtype_of(a)))
    res = [values]
    if return_index:
        res.append(perm[pos])
    ids = lax.sub(lax.cumsum(to_dtype(mask, it)), np.array(1, it))
    if return_inverse:
        res.append(reshape(zeros((n,), it).at[perm].set(ids), shape_of(a)))
    if return_counts:
        res.append(zeros((size,), it).at[ids].add(np.ones(n, it)))
    return res[0] if len(res) == 1 else tuple(res)


def unique(ar, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: int | None = None, *, equal_nan: bool = True, size: int | None = None,
           fill_value=None, sorted: bool = True):  # noqa: A002 - NumPy's name
    """The sorted unique values of ``ar`` (flattened), optionally with the index of each first
    occurrence, the inverse map (of ``ar``'s shape) and the counts. ``size``/``fill_value`` as
    in JAX: a static result length, padded with ``fill_value`` (default: the smallest value);
    padded indices repeat the first, padded counts are 0."""
    if _state.trace is EVAL or untraced(ar):
        if not (return_index or return_inverse or return_counts) and axis is None and size is None:
            return wrap(np.unique(base(ar), equal_nan=equal_nan))
        return _unique_eager(np.asarray(base(ar)), return_index, return_inverse, return_counts, axis,
                             equal_nan, size, fill_value)
    if axis is not None:
        if size is not None:
            raise NotImplementedError("unique: size= together with axis= is not supported")
        (v,) = _concrete_or_size("unique(axis=...)", None, ar)
        r = np.unique(np.asarray(v), True, return_inverse, return_counts, axis=axis, equal_nan=equal_nan)
        from ._advanced_indexing import take
        res = [take(ar, r[1], axis=axis)]          # gathered from ar: differentiable
        res += [wrap(x.astype(default_int_dtype())) for x in r[1 if return_index else 2:]]
        return res[0] if len(res) == 1 else tuple(res)
    if size is None:
        (v,) = _concrete_or_size("unique", None, ar)
        size = len(np.unique(np.asarray(v), equal_nan=equal_nan))
    return _unique_traced(ar, return_index, return_inverse, return_counts, equal_nan, int(size), fill_value)


def _unique_eager(b, return_index, return_inverse, return_counts, axis, equal_nan, size, fill_value):
    r = np.unique(b, return_index, return_inverse, return_counts, axis=axis, equal_nan=equal_nan)
    r = list(r) if isinstance(r, tuple) else [r]
    if size is not None:
        if axis is not None:
            raise NotImplementedError("unique: size= together with axis= is not supported")
        if not len(r[0]) and size and fill_value is None:
            raise ValueError("unique: for zero-sized input with nonzero size, fill_value must be given")
        r[0] = _pad(r[0], size, r[0][0] if fill_value is None else fill_value)
        k = 1
        if return_index:
            r[k] = _pad(r[k], size, r[k][0] if len(r[k]) else 0)
            k += 1
        if return_inverse:
            k += 1
        if return_counts:
            r[k] = _pad(r[k], size, 0)
    out = [wrap(r[0])] + [wrap(x.astype(default_int_dtype())) for x in r[1:]]
    return out[0] if len(out) == 1 else tuple(out)


def unique_values(x, /, *, size=None, fill_value=None):
    """The sorted unique values (Array API)."""
    return unique(x, size=size, fill_value=fill_value)


def unique_counts(x, /, *, size=None, fill_value=None):
    """``(values, counts)`` (Array API)."""
    return UniqueCountsResult(*unique(x, return_counts=True, size=size, fill_value=fill_value))


def unique_inverse(x, /, *, size=None, fill_value=None):
    """``(values, inverse_indices)`` (Array API)."""
    return UniqueInverseResult(*unique(x, return_inverse=True, size=size, fill_value=fill_value))


def unique_all(x, /, *, size=None, fill_value=None):
    """``(values, indices, inverse_indices, counts)`` (Array API)."""
    return UniqueAllResult(*unique(x, True, True, True, size=size, fill_value=fill_value))


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         method: str = "auto"):
    """Whether each element of ``element`` is in ``test_elements`` (traced: sort the test
    elements, binary-search each element)."""
    if _state.trace is EVAL or untraced(element, test_elements):
        return wrap(np.isin(base(element), base(test_elements), invert=invert))
    from ._advanced_indexing import take
    from ._shape import ravel
    from ._sorting import searchsorted, sort
    from ._ufuncs import equal, logical_not
    from ._dtypes import result_type
    dt = result_type(element, test_elements)
    test = sort(to_dtype(ravel(test_elements), dt))                 # O((n + m) log m)
    if shape_of(test)[0] == 0:
        r = lax.full(shape_of(element), False, np.bool_)
    else:
        e = to_dtype(element, dt)
        r = equal(take(test, searchsorted(test, e), mode="clip"), e)
    return logical_not(r) if invert else r


def _set_result(r, size, fill_value, default_fill):
    if size is not None:
        r = _pad(r, size, default_fill(r) if fill_value is None else fill_value)
    return wrap(r)


def _compacted(values, mask, size, fill_value, default_fill):
    from ._ufuncs import where
    pos, valid = _compact_positions(mask, size)
    r = values[pos]
    fill = default_fill(r, valid) if fill_value is None else to_dtype(fill_value, dtype_of(values))
    return where(valid, r, fill)


def _min_of_valid(r, valid):
    from ._reductions import min as _min
    from ._ufuncs import where
    big = np.inf if dtype_of(r).kind == "f" else np.iinfo(dtype_of(r)).max
    return _min(where(valid, r, big))


def union1d(ar1, ar2, *, size=None, fill_value=None):
    """Sorted unique values of both arrays."""
    from ._shape import concatenate
    return unique(concatenate([ar1, ar2], axis=None), size=size, fill_value=fill_value)


def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size=None, fill_value=None):
    """Sorted unique values of ``ar1`` that are not in ``ar2`` (padding: ``fill_value``, default 0)."""
    if _state.trace is EVAL or untraced(ar1, ar2):
        return _set_result(np.setdiff1d(base(ar1), base(ar2), assume_unique), size,
                           fill_value, lambda r: 0)
    if size is None:
        v1, v2 = _concrete_or_size("setdiff1d", None, ar1, ar2)
        size = len(np.setdiff1d(v1, v2))
    from ._shape import ravel
    from ._ufuncs import logical_and, logical_not
    flat = ravel(ar1)
    perm, s, first = _sorted_runs(flat, True)
    keep = logical_and(first, logical_not(isin(s, ar2)))
    return _compacted(s, keep, int(size), fill_value, lambda r, v: to_dtype(0, dtype_of(r)))


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size=None, fill_value=None):
    """Sorted unique values in both arrays (``return_indices``: eager only)."""
    traced = not (_state.trace is EVAL or untraced(ar1, ar2))
    if not traced or return_indices:
        if traced:
            ar1, ar2 = _concrete_or_size("intersect1d(return_indices=True)", None, ar1, ar2)
        r = np.intersect1d(base(ar1), base(ar2), assume_unique, return_indices)
        if return_indices:
            return tuple(wrap(_pad(x, size, x[0] if len(x) else 0)) for x in r)
        return _set_result(r, size, fill_value, lambda r: r.min() if len(r) else 0)
    from ._shape import ravel
    from ._ufuncs import logical_and
    if size is None:
        v1, v2 = _concrete_or_size("intersect1d", None, ar1, ar2)
        size = len(np.intersect1d(v1, v2))
    perm, s, first = _sorted_runs(ravel(ar1), True)
    keep = logical_and(first, isin(s, ar2))
    return _compacted(s, keep, int(size), fill_value, _min_of_valid)


def setxor1d(ar1, ar2, assume_unique: bool = False, *, size=None, fill_value=None):
    """Sorted values in exactly one of the arrays."""
    traced = not (_state.trace is EVAL or untraced(ar1, ar2))
    if not traced:
        return _set_result(np.setxor1d(base(ar1), base(ar2), assume_unique), size,
                           fill_value, lambda r: r.min() if len(r) else 0)
    from ._shape import concatenate, ravel
    from ._ufuncs import logical_and, logical_not
    if size is None:
        v1, v2 = _concrete_or_size("setxor1d", None, ar1, ar2)
        size = len(np.setxor1d(v1, v2))
    p1, s1, f1 = _sorted_runs(ravel(ar1), True)
    p2, s2, f2 = _sorted_runs(ravel(ar2), True)
    k1 = logical_and(f1, logical_not(isin(s1, ar2)))
    k2 = logical_and(f2, logical_not(isin(s2, ar1)))
    vals = concatenate([s1, s2])
    keep = concatenate([k1, k2])
    # sort the kept values (dropped ones pushed to the end with a key of True)
    from ._sorting import lexsort
    order = lexsort([vals, logical_not(keep)])
    return _compacted(vals[order], keep[order], int(size), fill_value, _min_of_valid)

