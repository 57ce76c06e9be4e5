"""Indexing: ``x[idx]`` with JAX semantics (out-of-bounds integer indices clamp), and diagonal.

Basic indexing (Python ints, slices, None, Ellipsis) lowers to ``slice``/``rev``/``squeeze``/
``expand_dims``; those are linear, so their VJPs pad/reverse/reshape the cotangent.
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.array import Array
from ..core.source_info import user_frame_info
from ..core.trace import is_eager
from ..primitives.shape import shape_of
from ._dtypes import base, wrap


def _is_basic(i) -> bool:
    return (i is None or i is Ellipsis or isinstance(i, slice)
            or (isinstance(i, (int, np.integer)) and not isinstance(i, bool)))


def _expand_ellipsis(idx, ndim):
    n_real = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if sum(1 for i in idx if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_real > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but {n_real} "
                         f"were indexed (at {user_frame_info()})")
    out = []
    for i in idx:
        if i is Ellipsis:
            out.extend([slice(None)] * (ndim - n_real))
        else:
            out.append(i)
    if Ellipsis not in idx:
        out.extend([slice(None)] * (ndim - n_real))
    return out


def _clamp_int(i, n):
    i = int(i)
    if i < 0:
        i += n
    return min(max(i, 0), n - 1) if n else 0


def _basic_plan(idx, shape):
    """Static plan: per-dim (lo, hi, stride), reversed dims, squeezed dims, new-axis positions."""
    lo, hi, strides, revs, squeezes, newaxes = [], [], [], [], [], []
    dim = 0
    out_pos = 0
    for i in idx:
        if i is None:
            newaxes.append(out_pos)
            out_pos += 1
            continue
        n = shape[dim]
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            count = len(range(start, stop, step))
            if step > 0:
                a, b, st = start, start + (count - 1) * step + 1 if count else start, step
            else:
                st = -step
                a = start - (count - 1) * st if count else 0
                b = start + 1 if count else 0
                revs.append(dim)
            lo.append(a)
            hi.append(b)
            strides.append(st)
            out_pos += 1
        else:
            if n == 0:
                raise IndexError(f"index {i} is out of bounds for axis {dim} with size 0")
            k = _clamp_int(i, n)
            lo.append(k)
            hi.append(k + 1)
            strides.append(1)
            squeezes.append(dim)
        dim += 1
    return lo, hi, strides, revs, squeezes, newaxes


def getitem(x, idx):
    """``x[idx]``. Integer indices out of bounds clamp, as JAX documents."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    if all(_is_basic(i) for i in idx):
        shape = shape_of(x)
        idx = _expand_ellipsis(idx, len(shape))
        if is_eager(x):
            np_idx = tuple(_clamp_int(i, shape[d]) if isinstance(i, (int, np.integer)) else i
                           for d, i in _with_dims(idx))
            return wrap(base(x)[np_idx])
        lo, hi, strides, revs, squeezes, newaxes = _basic_plan(idx, shape)
        r = lax.slice(x, lo, hi, strides)
        r = lax.rev(r, revs)
        r = lax.squeeze(r, squeezes)
        return lax.expand_dims(r, newaxes)
    from ._advanced_indexing import advanced_getitem
    return advanced_getitem(x, idx)


def array_getitem(self, idx):
    """``Array.__getitem__``: NumPy's result when every index is in bounds (fast path); otherwise
    ``getitem``, which clamps out-of-bounds indices as JAX does. Traced indices also take the
    second path (NumPy cannot convert them; a tracer with a known value, e.g. under eager
    ``grad``, may be read directly: indexing a constant array gives no gradient either way).

    >>> import funcgrad.numpy as jnp
    >>> x = jnp.arange(3.0)
    >>> print(x[5], x[jnp.array([0, -1, 7])])
    2.0 [0. 2. 2.]
    """
    try:
        r = np.ndarray.__getitem__(self, idx)
    except (IndexError, TypeError):       # out of bounds, or tracers (ConcretizationError)
        return getitem(self, idx)
    return r if type(r) is Array else np.array(r).view(Array)   # a NumPy scalar: a 0-d Array


def array_iter(self):
    """``Array.__iter__``: rows as NumPy gives them. Needed because ``array_getitem`` clamps
    instead of raising ``IndexError``, which the sequence-protocol iteration relies on to stop."""
    n = len(self)            # TypeError for a 0-d array, as NumPy
    return (np.ndarray.__getitem__(self, i) for i in range(n))


def _with_dims(idx):
    """Pair each basic index with the input dim it consumes (None consumes none)."""
    d = 0
    for i in idx:
        yield (d if i is not None else -1), i
        if i is not None:
            d += 1


def diagonal(a, offset=0, axis1=0, axis2=1):
    if is_eager(a):
        return wrap(np.diagonal(base(a), offset, axis1, axis2))
    from ._shape import moveaxis
    s = shape_of(a)
    a = moveaxis(a, (axis1, axis2), (-2, -1))
    n, m = s[axis1], s[axis2]
    mask = np.eye(n, m, offset, dtype=bool)
    rows = np.nonzero(mask)[0] if offset >= 0 else np.nonzero(mask)[1]
    # select the diagonal with a one-hot contraction over the last axis (differentiable, no gather)
    k = len(rows)
    sel = np.zeros((n, m, k), dtype=a.dtype)
    r_idx, c_idx = np.nonzero(mask)
    sel[r_idx, c_idx, np.arange(k)] = 1
    return lax.dot_general(a, sel, (((len(s) - 2, len(s) - 1), (0, 1)), ((), ())))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    from ._reductions import sum as _sum
    return _sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)
