"""Indexing primitives: ``dynamic_slice``, ``dynamic_update_slice``, ``gather`` and the scatter
family (``scatter``, ``scatter_add``, ``scatter_mul``, ``scatter_min``, ``scatter_max``).

The gather/scatter form expresses NumPy advanced integer-array indexing directly:

    gather[axes=(a0, a1, ...) mode='clip'] operand i0 i1 ...          (or mode='fill' fill_value=v)
    scatter_add[axes=(a0, a1, ...) mode=...] operand updates i0 i1 ...

``i0, i1, ...`` are integer arrays of one shape ``S``, one per indexed operand axis ``axes[j]``.
The result of a gather has shape ``S + rest``, where ``rest`` are the operand dims not in
``axes``, in order::

    out[s..., r...] = operand[ i0[s] at axis a0, i1[s] at axis a1, ..., r... at the other axes ]

A scatter's ``updates`` have that same shape ``S + rest``; each update is combined into the
operand position a gather would read. ``funcgrad.numpy`` maps NumPy's placement rules for the
broadcast index dims onto this with transposes.

Index semantics (JAX's documented behaviour), shared by every rule here:

- a negative index ``i`` means ``i + n`` (NumPy's ``x[-1]`` is the last element);
- gathers: ``mode='clip'`` clamps each index into ``[0, n-1]``; ``mode='fill'`` returns
  ``fill_value`` wherever an index is out of bounds;
- scatters: ``mode='drop'`` ignores out-of-bounds updates; ``mode='clip'`` clamps the index;
- ``scatter`` (set) with duplicate indices: the *last* update in row-major order of ``S``
  wins (deterministic); its VJP gives the cotangent to that winning update only;
- dynamic slices: each start index is wrapped if negative, then clamped to ``[0, n - size]``
  so that the slice fits.

Gradients (integer index operands never get one): gather -> ``scatter_add`` of the cotangent
(filled positions get none); ``scatter_add`` -> the cotangent for the operand, its ``gather``
for the updates; ``scatter`` -> the cotangent with the written positions zeroed for the operand,
the gathered cotangent for the winning updates (0 for overwritten duplicates and dropped ones);
``scatter_mul`` -> exact products of the other factors (zeros are counted, never divided by);
``scatter_min``/``scatter_max`` -> shared equally among tied values; ``dynamic_slice`` <->
``dynamic_update_slice``.

>>> import numpy as np
>>> x = np.arange(5.0)
>>> print(gather(x, np.array([0, -1, 9]), axes=(0,)))
[0. 4. 4.]
>>> print(scatter_add(x, np.array([1.0, 1.0, 1.0]), np.array([0, 0, 9]), axes=(0,)))
[2. 1. 2. 3. 4.]
>>> print(dynamic_slice(x, (4,), (2,)))
[3. 4.]
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.errors import DTypeError, ShapeError
from ..core.lowering import HOST
from ..core.primitive import Zero, def_primitive
from ..core.trace import Tracer
from .elementwise import (add, convert_element_type, div, eq, full_like_aval, instantiate, lt,
                          max as lax_max, min as lax_min, mul, select, zeros_like_aval)
from .shape import (aval, bdim_to_front, broadcast_in_dim, broadcast_to_rank,
                    move_bdim, reshape, shape_of, slice_p_bind)

GATHER_MODES = ("clip", "fill")
SCATTER_MODES = ("clip", "drop")


# --------------------------------------------------------------------------- shared helpers

def default_fill_value(dtype):
    """JAX's default ``fill_value`` for ``mode='fill'``: NaN for inexact dtypes, the most
    negative value for signed integers, the largest for unsigned ones, True for bool."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return True
    if np.issubdtype(dtype, np.signedinteger):
        return int(np.iinfo(dtype).min)
    if np.issubdtype(dtype, np.unsignedinteger):
        return int(np.iinfo(dtype).max)
    return float("nan")


def wrap_negative(i, n):
    """NumPy view of concrete indices: ``i + n`` where ``i < 0``, as int64 (so an int8 index on an
    axis longer than 127 cannot overflow). The one normalization of negative indices: eager
    indexing, ``.at[]`` and ``take`` use it too.

    >>> wrap_negative(np.array([-1, 3], np.int8), 200)
    array([199,   3])
    """
    i = np.asarray(i).astype(np.int64, copy=False)
    return np.where(i < 0, i + n, i)


def _check_index_avals(name, operand, indices, axes):
    if not indices:
        raise ShapeError(f"{name}: needs at least one index array")
    if len(indices) != len(axes):
        raise ShapeError(f"{name}: {len(indices)} index arrays for axes={axes}")
    if len(set(axes)) != len(axes) or any(not 0 <= a < operand.ndim for a in axes):
        raise ShapeError(f"{name}: axes={axes} must be distinct axes of the operand {operand}")
    s = indices[0].shape
    for i in indices:
        if not np.issubdtype(i.dtype, np.integer):
            raise DTypeError(f"{name}: index arrays must have an integer dtype, got {i}")
        if i.shape != s:
            raise ShapeError(f"{name}: index arrays must have one shape, got "
                             f"{', '.join(str(j) for j in indices)}")
    return s, tuple(n for d, n in enumerate(operand.shape) if d not in axes)


def _int_const(x, value):
    """A 0-d constant of the (integer) dtype of ``x``."""
    return np.array(value, dtype=aval(x).dtype)


def _iota_index(size, shape):
    """An int64 index array of ``shape`` whose value is the position along axis 0."""
    return broadcast_in_dim(np.arange(size, dtype=np.int64), tuple(shape), (0,))


def _gather_back(x, indices, axes, scatter_mode):
    """Read back, at each update position, the value a scatter with ``scatter_mode`` touched:
    clamped indices for ``'clip'``; 0 for dropped (out-of-bounds) updates."""
    if scatter_mode == "clip":
        return gather(x, *indices, axes=axes, mode="clip")
    return gather(x, *indices, axes=axes, mode="fill", fill_value=0)


# --------------------------------------------------------------------------- gather

def _gather_abstract(operand, *indices, axes, mode, fill_value=None):
    s, rest = _check_index_avals("gather", operand, indices, axes)
    if mode not in GATHER_MODES:
        raise ShapeError(f"gather: mode must be one of {GATHER_MODES}, got {mode!r}")
    if mode == "clip" and int(np.prod(s)) and any(operand.shape[a] == 0 for a in axes):
        raise ShapeError(f"gather: cannot index an empty axis of {operand} (axes={axes})")
    return Aval(s + rest, operand.dtype, operand.weak_type)


def _gather_impl(operand, *indices, axes, mode, fill_value=None):
    x = np.asarray(operand)
    k = len(axes)
    xt = np.moveaxis(x, axes, tuple(range(k)))
    sizes = xt.shape[:k]
    idx = [wrap_negative(i, n) for i, n in zip(indices, sizes)]
    s = idx[0].shape
    if mode == "fill":
        valid = np.ones(s, dtype=bool)
        for i, n in zip(idx, sizes):
            valid &= (i >= 0) & (i < n)
        if not valid.all():
            fill = np.array(fill_value).astype(x.dtype)
            if not valid.any() or any(n == 0 for n in sizes):
                return np.full(s + xt.shape[k:], fill, dtype=x.dtype)
            idx = [np.where(valid, i, 0) for i in idx]
            out = xt[tuple(idx)]
            return np.where(valid.reshape(s + (1,) * (out.ndim - len(s))), out, fill)
    idx = [np.clip(i, 0, n - 1) for i, n in zip(idx, sizes)]
    return xt[tuple(idx)]


def _gather_vjp(ct, operand, *indices, out, axes, mode, fill_value=None):
    def operand_ct():
        zeros = zeros_like_aval(aval(operand).strip_weak())
        return scatter_add(zeros, ct, *indices, axes=axes, mode="clip" if mode == "clip" else "drop")
    return [operand_ct] + [None] * len(indices)


def _gather_jvp(primals, tangents, *, axes, mode, fill_value=None):
    x, *idx = primals
    out = gather(x, *idx, axes=axes, mode=mode, fill_value=fill_value)
    t = tangents[0]
    if isinstance(t, Zero):
        return out, Zero(aval(out).strip_weak())
    # filled positions are constants: their tangent is 0
    return out, gather(t, *idx, axes=axes, mode=mode, fill_value=0)


def _gather_batch(args, dims, *, axes, mode, fill_value=None):
    x, *idx = args
    dx, *di = dims
    if all(d is None for d in di):
        x = move_bdim(x, dx, 0)
        out = gather(x, *idx, axes=tuple(a + 1 for a in axes), mode=mode, fill_value=fill_value)
        return out, len(shape_of(idx[0]))       # the batch dim is the first of the `rest` dims
    size = next(shape_of(a)[d] for a, d in zip(idx, di) if d is not None)
    idx = bdim_to_front(idx, di, size)
    if dx is None:
        return gather(x, *idx, axes=axes, mode=mode, fill_value=fill_value), 0
    x = move_bdim(x, dx, 0)
    iota = _iota_index(size, shape_of(idx[0]))
    return gather(x, iota, *idx, axes=(0,) + tuple(a + 1 for a in axes), mode=mode,
                  fill_value=fill_value), 0


gather_p = def_primitive(
    "gather", abstract_eval=_gather_abstract, impl=_gather_impl, vjp=_gather_vjp, jvp=_gather_jvp,
    batch=_gather_batch, lower=HOST)


def _broadcast_indices(indices):
    indices = [i if isinstance(i, (Tracer, np.ndarray)) else np.asarray(i) for i in indices]
    shapes = [i.aval.shape if isinstance(i, Tracer) else i.shape for i in indices]
    if len(set(shapes)) == 1:
        return indices
    try:
        target = tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"index arrays of shapes {shapes} do not broadcast together") from None
    return [broadcast_to_rank(i, target) for i in indices]


def gather(operand, *indices, axes, mode: str = "clip", fill_value=None):
    """Read ``operand`` at integer index arrays ``indices`` (one per axis in ``axes``, broadcast
    to one shape ``S``); the result has shape ``S`` + the other operand dims.

    ``mode='clip'`` clamps indices; ``mode='fill'`` returns ``fill_value`` (default: NaN for
    floats, see ``default_fill_value``) where an index is out of bounds.

    >>> x = np.arange(6.0).reshape(2, 3)
    >>> print(gather(x, np.array([2, 0]), axes=(1,)))  # columns 2 and 0: shape (2,) + (2,)
    [[2. 5.]
     [0. 3.]]
    >>> print(gather(x, np.array([5]), axes=(1,), mode="fill", fill_value=-1.0))
    [[-1. -1.]]
    """
    axes = tuple(int(a) for a in axes)
    indices = _broadcast_indices(indices)
    if mode != "fill":      # the fill value is a param of fill-mode gathers only
        return gather_p.bind(operand, *indices, axes=axes, mode=mode)
    fill_value = default_fill_value(aval(operand).dtype) if fill_value is None else fill_value
    fill_value = np.array(fill_value).astype(aval(operand).dtype).item()
    return gather_p.bind(operand, *indices, axes=axes, mode=mode, fill_value=fill_value)


# --------------------------------------------------------------------------- scatter family

def _scatter_abstract(name):
    def rule(operand, updates, *indices, axes, mode):
        s, rest = _check_index_avals(name, operand, indices, axes)
        if mode not in SCATTER_MODES:
            raise ShapeError(f"{name}: mode must be one of {SCATTER_MODES}, got {mode!r}")
        if updates.shape != s + rest:
            raise ShapeError(f"{name}: updates {updates} must have shape {s + rest} (index shape "
                             f"{s} + the non-indexed dims of the operand {operand})")
        if updates.dtype != operand.dtype:
            raise DTypeError(f"{name}: updates {updates} must have the operand's dtype {operand}")
        return Aval(operand.shape, operand.dtype, operand.weak_type)
    return rule


def _set_last_wins(view, idx, upd):
    """``view[idx] = upd`` where, for duplicate positions, the last update (row-major) wins."""
    sizes = view.shape[:len(idx)]
    flat = [i.reshape(-1) for i in idx]
    if flat[0].size == 0:
        return
    u = upd.reshape((flat[0].size,) + upd.shape[idx[0].ndim:])
    lin = np.ravel_multi_index(flat, sizes)
    _, first_in_reversed = np.unique(lin[::-1], return_index=True)
    last = lin.size - 1 - first_in_reversed
    view[tuple(i[last] for i in flat)] = u[last]


def _scatter_impl(kind):
    ufunc = {"add": np.add, "mul": np.multiply, "min": np.minimum, "max": np.maximum}.get(kind)

    def impl(operand, updates, *indices, axes, mode):
        out = np.array(operand, copy=True)
        k = len(axes)
        view = np.moveaxis(out, axes, tuple(range(k)))
        sizes = view.shape[:k]
        upd = np.asarray(updates)
        idx = [wrap_negative(i, n) for i, n in zip(indices, sizes)]
        if mode == "clip":
            idx = [np.clip(i, 0, max(n - 1, 0)) for i, n in zip(idx, sizes)]
            if any(n == 0 for n in sizes):
                return out
        else:
            valid = np.ones(idx[0].shape, dtype=bool)
            for i, n in zip(idx, sizes):
                valid &= (i >= 0) & (i < n)
            if not valid.all():
                idx = [i[valid] for i in idx]
                upd = upd[valid]
        if kind == "set":
            _set_last_wins(view, idx, upd)
        else:
            ufunc.at(view, tuple(idx), upd)
        return out
    return impl


def _scatter_batch(bind):
    """Batching rule of the scatter family; ``bind(*args, axes=, mode=)`` binds the primitive."""
    def rule(args, dims, *, axes, mode):
        x, u, *idx = args
        dx, du, *di = dims
        size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
        new_axes = tuple(a + 1 for a in axes)
        if all(d is None for d in di):
            # the batch dim becomes the first non-indexed operand dim, right after S in updates
            x = bdim_to_front([x], [dx], size)[0]
            s_rank = len(shape_of(idx[0]))
            if du is None:
                us = shape_of(u)
                u = broadcast_in_dim(u, us[:s_rank] + (size,) + us[s_rank:],
                                     tuple(d for d in range(len(us) + 1) if d != s_rank))
            else:
                u = move_bdim(u, du, s_rank)
            return bind(x, u, *idx, axes=new_axes, mode=mode), 0
        x, u, *idx = bdim_to_front([x, u] + list(idx), [dx, du] + list(di), size)
        iota = _iota_index(size, shape_of(idx[0]))
        return bind(x, u, iota, *idx, axes=(0,) + new_axes, mode=mode), 0
    return rule


def _winner_mask(operand, indices, axes, mode):
    """True at the updates that a ``scatter`` (set) actually wrote (last duplicate wins, dropped
    updates lose): scatter each update's row-major id, read the ids back, compare."""
    s = shape_of(indices[0])
    sizes = tuple(shape_of(operand)[a] for a in axes)
    ids = np.arange(int(np.prod(s)), dtype=np.int64).reshape(s)
    board = full_like_aval(Aval(sizes, np.int64), -1)
    k = tuple(range(len(axes)))
    board = scatter(board, ids, *indices, axes=k, mode=mode)
    if mode == "clip":
        back = gather(board, *indices, axes=k, mode="clip")
    else:
        back = gather(board, *indices, axes=k, mode="fill", fill_value=-1)
    return eq(back, ids)


def _expand_mask(mask, shape):
    return broadcast_in_dim(mask, shape, tuple(range(len(shape_of(mask)))))


# ---- scatter (set)

def _scatter_vjp(ct, operand, updates, *indices, out, axes, mode):
    def operand_ct():
        return scatter(ct, zeros_like_aval(aval(updates).strip_weak()), *indices, axes=axes, mode=mode)

    def updates_ct():
        picked = _gather_back(ct, indices, axes, mode)
        won = _expand_mask(_winner_mask(operand, indices, axes, mode), shape_of(updates))
        return select(won, picked, zeros_like_aval(Aval((), aval(ct).dtype)))

    return [operand_ct, updates_ct] + [None] * len(indices)


def _scatter_jvp(primals, tangents, *, axes, mode):
    x, u, *idx = primals
    tx, tu = tangents[0], tangents[1]
    out = scatter_p.bind(x, u, *idx, axes=axes, mode=mode)
    if isinstance(tx, Zero) and isinstance(tu, Zero):
        return out, Zero(aval(out).strip_weak())
    # scatter (set) is linear in (operand, updates) jointly
    return out, scatter_p.bind(instantiate(tx), instantiate(tu), *idx, axes=axes, mode=mode)


scatter_p = def_primitive(
    "scatter", abstract_eval=_scatter_abstract("scatter"), impl=_scatter_impl("set"),
    vjp=_scatter_vjp, jvp=_scatter_jvp, batch=_scatter_batch(lambda *a, **p: scatter_p.bind(*a, **p)), lower=HOST)


# ---- scatter_add

def _scatter_add_vjp(ct, operand, updates, *indices, out, axes, mode):
    return [ct, lambda: _gather_back(ct, indices, axes, mode)] + [None] * len(indices)


def _scatter_add_jvp(primals, tangents, *, axes, mode):
    x, u, *idx = primals
    tx, tu = tangents[0], tangents[1]
    out = scatter_add_p.bind(x, u, *idx, axes=axes, mode=mode)
    if isinstance(tu, Zero):
        return out, tx
    return out, scatter_add_p.bind(instantiate(tx), tu, *idx, axes=axes, mode=mode)


scatter_add_p = def_primitive(
    "scatter_add", abstract_eval=_scatter_abstract("scatter_add"), impl=_scatter_impl("add"),
    vjp=_scatter_add_vjp, jvp=_scatter_add_jvp, batch=_scatter_batch(lambda *a, **p: scatter_add_p.bind(*a, **p)), lower=HOST)


# ---- scatter_mul

def _mul_partials(operand, updates, indices, axes, mode):
    """``(P, partial)``: ``P`` = product of the updates landing at each operand position (1 where
    none land); ``partial[j]`` = product of the *other* updates landing where update ``j`` lands.
    Exact with zeros (counts zeros instead of dividing by them), like ``reduce_prod``'s rule."""
    dt = aval(updates).dtype
    op_aval = Aval(shape_of(operand), dt)
    zero, one = np.array(0, dt), np.array(1, dt)
    is_zero = eq(updates, zero)
    safe = select(is_zero, one, updates)
    ones = full_like_aval(op_aval, 1)
    p_all = scatter_mul(ones, updates, *indices, axes=axes, mode=mode)
    p_nz = _gather_back(scatter_mul(ones, safe, *indices, axes=axes, mode=mode), indices, axes, mode)
    n_zero = scatter_add(zeros_like_aval(op_aval), convert_element_type(is_zero, dt), *indices,
                         axes=axes, mode=mode)
    n_zero = _gather_back(n_zero, indices, axes, mode)
    partial = select(eq(n_zero, zero), div(p_nz, safe),
                     select(eq(n_zero, one), select(is_zero, p_nz, zero), zero))
    return p_all, partial


def _scatter_mul_vjp(ct, operand, updates, *indices, out, axes, mode):
    def operand_ct():
        p_all, _ = _mul_partials(operand, updates, indices, axes, mode)
        return mul(ct, p_all)

    def updates_ct():
        _, partial = _mul_partials(operand, updates, indices, axes, mode)
        return mul(_gather_back(mul(ct, operand), indices, axes, mode), partial)

    return [operand_ct, updates_ct] + [None] * len(indices)


def _scatter_mul_jvp(primals, tangents, *, axes, mode):
    x, u, *idx = primals
    tx, tu = tangents[0], tangents[1]
    out = scatter_mul_p.bind(x, u, *idx, axes=axes, mode=mode)
    p_all, partial = _mul_partials(x, u, idx, axes, mode)
    terms = []
    if not isinstance(tx, Zero):
        terms.append(mul(tx, p_all))
    if not isinstance(tu, Zero):
        zeros = zeros_like_aval(aval(x).strip_weak())
        terms.append(mul(x, scatter_add(zeros, mul(tu, partial), *idx, axes=axes, mode=mode)))
    return out, terms[0] if len(terms) == 1 else add(terms[0], terms[1])


scatter_mul_p = def_primitive(
    "scatter_mul", abstract_eval=_scatter_abstract("scatter_mul"), impl=_scatter_impl("mul"),
    vjp=_scatter_mul_vjp, jvp=_scatter_mul_jvp, batch=_scatter_batch(lambda *a, **p: scatter_mul_p.bind(*a, **p)), lower=HOST)


# ---- scatter_min / scatter_max

def _extremal_masks(operand, updates, out, indices, axes, mode):
    """Ties share the gradient equally (JAX's rule for min/max): ``(m_x / count, m_u, count_at_u)``
    where ``m_x`` marks operand elements equal to the result and ``m_u`` updates equal to it."""
    dt = aval(operand).dtype
    m_x = convert_element_type(eq(operand, out), dt)
    m_u = convert_element_type(eq(updates, _gather_back(out, indices, axes, mode)), dt)
    count = add(m_x, scatter_add(zeros_like_aval(Aval(shape_of(operand), dt)), m_u, *indices,
                                 axes=axes, mode=mode))
    return m_x, m_u, count


def _scatter_extremal_vjp(ct, operand, updates, *indices, out, axes, mode):
    def operand_ct():
        m_x, _, count = _extremal_masks(operand, updates, out, indices, axes, mode)
        return div(mul(ct, m_x), count)

    def updates_ct():
        _, m_u, count = _extremal_masks(operand, updates, out, indices, axes, mode)
        return mul(_gather_back(div(ct, count), indices, axes, mode), m_u)

    return [operand_ct, updates_ct] + [None] * len(indices)


def _scatter_extremal_jvp(bind):
    def rule(primals, tangents, *, axes, mode):
        x, u, *idx = primals
        tx, tu = tangents[0], tangents[1]
        out = bind(x, u, *idx, axes=axes, mode=mode)
        m_x, m_u, count = _extremal_masks(x, u, out, idx, axes, mode)
        zeros = zeros_like_aval(aval(x).strip_weak())
        num = zeros
        if not isinstance(tx, Zero):
            num = mul(tx, m_x)
        if not isinstance(tu, Zero):
            num = scatter_add(num, mul(tu, m_u), *idx, axes=axes, mode=mode)
        return out, div(num, count)
    return rule


scatter_min_p = def_primitive(
    "scatter_min", abstract_eval=_scatter_abstract("scatter_min"), impl=_scatter_impl("min"),
    vjp=_scatter_extremal_vjp, jvp=_scatter_extremal_jvp(lambda *a, **p: scatter_min_p.bind(*a, **p)),
    batch=_scatter_batch(lambda *a, **p: scatter_min_p.bind(*a, **p)), lower=HOST)
scatter_max_p = def_primitive(
    "scatter_max", abstract_eval=_scatter_abstract("scatter_max"), impl=_scatter_impl("max"),
    vjp=_scatter_extremal_vjp, jvp=_scatter_extremal_jvp(lambda *a, **p: scatter_max_p.bind(*a, **p)),
    batch=_scatter_batch(lambda *a, **p: scatter_max_p.bind(*a, **p)), lower=HOST)


def _scatter_bind(p, operand, updates, indices, axes, mode):
    axes = tuple(int(a) for a in axes)
    if mode not in SCATTER_MODES:
        raise ValueError(f"{p.name}: mode must be one of {SCATTER_MODES}, got {mode!r}")
    indices = _broadcast_indices(indices)
    if not isinstance(updates, (Tracer, np.ndarray)):
        updates = np.asarray(updates, dtype=aval(operand).dtype)
    return p.bind(operand, updates, *indices, axes=axes, mode=mode)


def scatter(operand, updates, *indices, axes, mode: str = "drop"):
    """``operand`` with ``updates`` written at the positions ``gather`` would read (the last of
    duplicate updates wins). ``mode='drop'`` ignores out-of-bounds updates.

    >>> print(scatter(np.zeros(4), np.array([1.0, 2.0, 3.0]), np.array([1, 1, 7]), axes=(0,)))
    [0. 2. 0. 0.]
    """
    return _scatter_bind(scatter_p, operand, updates, indices, axes, mode)


def scatter_add(operand, updates, *indices, axes, mode: str = "drop"):
    """``operand`` plus ``updates`` at the positions ``gather`` would read (duplicates add up).

    >>> print(scatter_add(np.zeros(3), np.array([1.0, 2.0]), np.array([2, 2]), axes=(0,)))
    [0. 0. 3.]
    """
    return _scatter_bind(scatter_add_p, operand, updates, indices, axes, mode)


def scatter_mul(operand, updates, *indices, axes, mode: str = "drop"):
    """``operand`` times ``updates`` at the positions ``gather`` would read.

    >>> print(scatter_mul(np.ones(3), np.array([2.0, 3.0]), np.array([0, 0]), axes=(0,)))
    [6. 1. 1.]
    """
    return _scatter_bind(scatter_mul_p, operand, updates, indices, axes, mode)


def scatter_min(operand, updates, *indices, axes, mode: str = "drop"):
    """Elementwise minimum of ``operand`` and the ``updates`` landing at each position.

    >>> print(scatter_min(np.zeros(3), np.array([-1.0, 5.0]), np.array([0, 1]), axes=(0,)))
    [-1.  0.  0.]
    """
    return _scatter_bind(scatter_min_p, operand, updates, indices, axes, mode)


def scatter_max(operand, updates, *indices, axes, mode: str = "drop"):
    """Elementwise maximum of ``operand`` and the ``updates`` landing at each position.

    >>> print(scatter_max(np.zeros(3), np.array([-1.0, 5.0]), np.array([0, 1]), axes=(0,)))
    [0. 5. 0.]
    """
    return _scatter_bind(scatter_max_p, operand, updates, indices, axes, mode)


# --------------------------------------------------------------------------- dynamic_slice

def _check_starts(name, operand, starts):
    if len(starts) != operand.ndim:
        raise ShapeError(f"{name}: {operand} needs {operand.ndim} start indices, got {len(starts)}")
    for s in starts:
        if s.ndim != 0 or not np.issubdtype(s.dtype, np.integer):
            raise DTypeError(f"{name}: start indices must be integer scalars, got {s}")


def _clamped_starts(starts, shape, sizes):
    out = []
    for s, n, m in zip(starts, shape, sizes):
        s = int(s)
        if s < 0:
            s += n
        out.append(min(max(s, 0), n - m))
    return out


def _dynamic_slice_abstract(operand, *starts, slice_sizes):
    _check_starts("dynamic_slice", operand, starts)
    if len(slice_sizes) != operand.ndim or any(not 0 <= m <= n for m, n in zip(slice_sizes, operand.shape)):
        raise ShapeError(f"dynamic_slice: slice_sizes {slice_sizes} must be one size per axis of "
                         f"{operand}, each between 0 and the axis size")
    return Aval(slice_sizes, operand.dtype, operand.weak_type)


def _dynamic_slice_impl(operand, *starts, slice_sizes):
    x = np.asarray(operand)
    lo = _clamped_starts(starts, x.shape, slice_sizes)
    return x[tuple(slice(a, a + m) for a, m in zip(lo, slice_sizes))]


def _dynamic_slice_vjp(ct, operand, *starts, out, slice_sizes):
    def operand_ct():
        return dynamic_update_slice(zeros_like_aval(aval(operand).strip_weak()), ct, starts)
    return [operand_ct] + [None] * len(starts)


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
    x, *starts = primals
    out = dynamic_slice_p.bind(x, *starts, slice_sizes=slice_sizes)
    t = tangents[0]
    if isinstance(t, Zero):
        return out, Zero(aval(out).strip_weak())
    return out, dynamic_slice_p.bind(t, *starts, slice_sizes=slice_sizes)


def _start_dtype(starts):
    for s in starts:
        if isinstance(s, Tracer):
            return s.aval.dtype
        if isinstance(s, (np.ndarray, np.generic)):
            return s.dtype
    return np.dtype(np.int64)


def _window_indices(starts, dims, size, shape, sizes):
    """For batched start indices: one index array per operand axis of shape ``(size,) + sizes``
    holding ``clamp(start) + offset`` (gather/scatter then read/write the whole window)."""
    out_shape = (size,) + tuple(sizes)
    idx = []
    for j, (s, d, n, m) in enumerate(zip(starts, dims, shape, sizes)):
        s = convert_element_type(s, np.int64)
        s = move_bdim(s, d, 0) if d is not None else broadcast_in_dim(s, (size,), ())
        s = select(lt(s, _int_const(s, 0)), add(s, _int_const(s, n)), s)
        s = lax_max(lax_min(s, _int_const(s, n - m)), _int_const(s, 0))
        offsets = broadcast_in_dim(np.arange(m, dtype=np.int64), out_shape, (j + 1,))
        idx.append(add(broadcast_in_dim(s, out_shape, (0,)), offsets))
    return idx


def _dynamic_slice_batch(args, dims, *, slice_sizes):
    x, *starts = args
    dx, *ds = dims
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    if all(d is None for d in ds):
        x = move_bdim(x, dx, 0)
        zero = np.array(0, dtype=_start_dtype(starts))
        return dynamic_slice_p.bind(x, zero, *starts, slice_sizes=(size,) + tuple(slice_sizes)), 0
    shape = shape_of(x) if dx is None else tuple(n for i, n in enumerate(shape_of(x)) if i != dx)
    idx = _window_indices(starts, ds, size, shape, slice_sizes)
    nd = len(shape)
    if dx is None:
        return gather(x, *idx, axes=tuple(range(nd))), 0
    x = move_bdim(x, dx, 0)
    return gather(x, _iota_index(size, shape_of(idx[0])), *idx, axes=tuple(range(nd + 1))), 0


dynamic_slice_p = def_primitive(
    "dynamic_slice", abstract_eval=_dynamic_slice_abstract, impl=_dynamic_slice_impl,
    vjp=_dynamic_slice_vjp, jvp=_dynamic_slice_jvp, batch=_dynamic_slice_batch, lower=HOST)


def dynamic_slice(operand, start_indices, slice_sizes):
    """``lax.dynamic_slice``: the window of ``slice_sizes`` at (possibly traced) ``start_indices``;
    a negative start counts from the end, then starts are clamped so the window fits.

    >>> print(dynamic_slice(np.arange(10.0), (8,), (4,)))  # clamped to start 6
    [6. 7. 8. 9.]
    """
    starts = [s if isinstance(s, Tracer) else np.asarray(s) for s in _start_list(start_indices)]
    return dynamic_slice_p.bind(operand, *starts, slice_sizes=tuple(int(m) for m in slice_sizes))


def _start_list(start_indices):
    """Start indices as a list of scalars (a 1-D array/tracer is split into its elements)."""
    if isinstance(start_indices, (Tracer, np.ndarray)):
        n = shape_of(start_indices)
        if len(n) != 1:
            raise ShapeError(f"start_indices must be a sequence of scalars or a 1-D array, got shape {n}")
        if not isinstance(start_indices, Tracer):
            return list(start_indices)
        return [reshape(slice_p_bind(start_indices, (i,), (i + 1,)), ()) for i in range(n[0])]
    return list(start_indices)


# --------------------------------------------------------------------------- dynamic_update_slice

def _dynamic_update_slice_abstract(operand, update, *starts):
    _check_starts("dynamic_update_slice", operand, starts)
    if update.ndim != operand.ndim or any(m > n for m, n in zip(update.shape, operand.shape)):
        raise ShapeError(f"dynamic_update_slice: update {update} must have the rank of {operand} "
                         "and fit inside it")
    if update.dtype != operand.dtype:
        raise DTypeError(f"dynamic_update_slice: update {update} must have the dtype of {operand}")
    return Aval(operand.shape, operand.dtype, operand.weak_type)


def _dynamic_update_slice_impl(operand, update, *starts):
    out = np.array(operand, copy=True)
    u = np.asarray(update)
    lo = _clamped_starts(starts, out.shape, u.shape)
    out[tuple(slice(a, a + m) for a, m in zip(lo, u.shape))] = u
    return out


def _dynamic_update_slice_vjp(ct, operand, update, *starts, out):
    def operand_ct():
        return dynamic_update_slice(ct, zeros_like_aval(aval(update).strip_weak()), starts)

    def update_ct():
        return dynamic_slice(ct, starts, shape_of(update))

    return [operand_ct, update_ct] + [None] * len(starts)


def _dynamic_update_slice_jvp(primals, tangents):
    x, u, *starts = primals
    tx, tu = tangents[0], tangents[1]
    out = dynamic_update_slice_p.bind(x, u, *starts)
    if isinstance(tx, Zero) and isinstance(tu, Zero):
        return out, Zero(aval(out).strip_weak())
    # linear in (operand, update) jointly
    return out, dynamic_update_slice_p.bind(instantiate(tx), instantiate(tu), *starts)


def _dynamic_update_slice_batch(args, dims):
    x, u, *starts = args
    dx, du, *ds = dims
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    x, u = bdim_to_front([x, u], [dx, du], size)
    if all(d is None for d in ds):
        zero = np.array(0, dtype=_start_dtype(starts))
        return dynamic_update_slice_p.bind(x, u, zero, *starts), 0
    shape, sizes = shape_of(x)[1:], shape_of(u)[1:]
    idx = _window_indices(starts, ds, size, shape, sizes)
    iota = _iota_index(size, shape_of(idx[0]))
    return scatter(x, u, iota, *idx, axes=tuple(range(len(shape) + 1)), mode="clip"), 0


dynamic_update_slice_p = def_primitive(
    "dynamic_update_slice", abstract_eval=_dynamic_update_slice_abstract,
    impl=_dynamic_update_slice_impl, vjp=_dynamic_update_slice_vjp, jvp=_dynamic_update_slice_jvp,
    batch=_dynamic_update_slice_batch, lower=HOST)


def dynamic_update_slice(operand, update, start_indices):
    """``lax.dynamic_update_slice``: ``operand`` with ``update`` written at ``start_indices``
    (wrapped if negative, then clamped so the update fits).

    >>> print(dynamic_update_slice(np.zeros(5), np.ones(2), (-1,)))
    [0. 0. 0. 1. 1.]
    """
    starts = [s if isinstance(s, Tracer) else np.asarray(s) for s in _start_list(start_indices)]
    if not isinstance(update, (Tracer, np.ndarray)):
        update = np.asarray(update, dtype=aval(operand).dtype)
    return dynamic_update_slice_p.bind(operand, update, *starts)


# --------------------------------------------------------------------------- lax conveniences

def _in_dim_starts(operand, index, axis):
    starts = [np.array(0, _start_dtype([index]))] * len(shape_of(operand))
    starts[axis] = index
    return starts


def dynamic_slice_in_dim(operand, start_index, slice_size: int, axis: int = 0):
    """``lax.dynamic_slice_in_dim``: ``slice_size`` elements from ``start_index`` along ``axis``.

    >>> print(dynamic_slice_in_dim(np.arange(6.0).reshape(2, 3), 1, 2, axis=1))
    [[1. 2.]
     [4. 5.]]
    """
    shape = shape_of(operand)
    axis = int(axis) % len(shape)
    sizes = list(shape)
    sizes[axis] = int(slice_size)
    return dynamic_slice(operand, _in_dim_starts(operand, start_index, axis), sizes)


def dynamic_index_in_dim(operand, index, axis: int = 0, keepdims: bool = True):
    """``lax.dynamic_index_in_dim``: the entry at ``index`` along ``axis`` (kept as size 1 unless
    ``keepdims=False``).

    >>> print(dynamic_index_in_dim(np.arange(6.0).reshape(2, 3), -1, axis=1, keepdims=False))
    [2. 5.]
    """
    from .shape import squeeze
    axis = int(axis) % len(shape_of(operand))
    out = dynamic_slice_in_dim(operand, index, 1, axis)
    return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(operand, update, start_index, axis: int):
    """``lax.dynamic_update_slice_in_dim``: write ``update`` at ``start_index`` along ``axis``.

    >>> print(dynamic_update_slice_in_dim(np.zeros((2, 3)), np.ones((2, 1)), 2, axis=1))
    [[0. 0. 1.]
     [0. 0. 1.]]
    """
    axis = int(axis) % len(shape_of(operand))
    return dynamic_update_slice(operand, update, _in_dim_starts(operand, start_index, axis))
