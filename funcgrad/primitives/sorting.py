"""Sorting and running-sum primitives: ``sort``, ``argsort``, ``cumsum``.

- ``sort[dimension]``: ascending along one axis, NaNs last (NumPy's order). Its derivative moves
  each tangent with its element: the JVP gathers the tangent by the sorting permutation, the VJP
  gathers the cotangent by the inverse permutation (ties follow the stable order).
- ``argsort[dimension, index_dtype]``: the stable sorting permutation (integer output: no gradient).
- ``cumsum[axis, reverse]``: the running sum, linear; its VJP is the running sum in the other
  direction. (``cumprod``, ``cummax``, ``cummin`` are composites: ``lax.associative_scan``.)

All three lower to one NumPy call in the generated driver.

>>> import numpy as np
>>> print(sort(np.array([3.0, np.nan, 1.0, 2.0]), 0))
[ 1.  2.  3. nan]
>>> print(argsort(np.array([[3, 1, 2]]), 1, np.int64))
[[1 2 0]]
>>> print(cumsum(np.array([1.0, 2.0, 3.0]), 0, reverse=True))
[6. 5. 3.]
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.errors import DTypeError, ShapeError
from ..core.lowering import Driver
from ..core.primitive import LINEAR, NOT_DIFFERENTIABLE, Zero, def_primitive
from .indexing import gather
from .shape import aval, move_bdim, shape_of


def _check_dim(name, x, dim):
    if not 0 <= dim < x.ndim:
        raise ShapeError(f"{name}: dimension {dim} is out of range for {x}")


def take_along(x, idx, dim: int):
    """``out[..., k, ...] = x[..., idx[..., k, ...], ...]`` along ``dim`` (``idx`` of ``x``'s
    shape, in range): a gather with iota indices on the other axes."""
    s = tuple(shape_of(x))
    nd = len(s)
    index = []
    for d in range(nd):
        if d == dim:
            index.append(idx)
        else:
            index.append(np.arange(s[d], dtype=np.int64).reshape([s[d] if j == d else 1 for j in range(nd)]))
    return gather(x, *index, axes=tuple(range(nd)))


# --------------------------------------------------------------------------- argsort

def _argsort_abstract(x, *, dimension, index_dtype):
    _check_dim("argsort", x, dimension)
    if not np.issubdtype(index_dtype, np.integer):
        raise DTypeError(f"argsort: index_dtype must be an integer dtype, got {index_dtype}")
    return Aval(x.shape, index_dtype, False)


def _argsort_impl(x, *, dimension, index_dtype):
    return np.argsort(np.asarray(x), axis=dimension, kind="stable").astype(index_dtype, copy=False)


def _argsort_jvp(primals, tangents, **params):
    out = argsort_p.bind(primals[0], **params)
    return out, Zero(aval(out))


def _batch_dim0(bind, key):
    def rule(args, dims, **params):
        x = move_bdim(args[0], dims[0], 0)
        params = dict(params, **{key: params[key] + 1})
        return bind(x, **params), 0
    return rule


def _argsort_lower(ctx, x, *, dimension, index_dtype):
    return f"np.argsort({x}, axis={dimension}, kind='stable').astype(np.{np.dtype(index_dtype).name})"


argsort_p = def_primitive(
    "argsort", abstract_eval=_argsort_abstract, impl=_argsort_impl,
    vjp=NOT_DIFFERENTIABLE("integer output"), jvp=_argsort_jvp,
    batch=_batch_dim0(lambda x, **p: argsort_p.bind(x, **p), "dimension"),
    lower=Driver(_argsort_lower, contiguous=True))


def argsort(x, dimension: int, index_dtype=np.int64):
    """The stable permutation that sorts ``x`` along ``dimension`` (NaNs last)."""
    return argsort_p.bind(x, dimension=int(dimension), index_dtype=np.dtype(index_dtype))


# --------------------------------------------------------------------------- sort

def _sort_abstract(x, *, dimension):
    _check_dim("sort", x, dimension)
    return Aval(x.shape, x.dtype, x.weak_type)


def _sort_impl(x, *, dimension):
    return np.sort(np.asarray(x), axis=dimension, kind="stable")


def _sort_vjp(ct, x, *, out, dimension):
    def x_ct():
        perm = argsort(x, dimension)
        inverse = argsort(perm, dimension)
        return take_along(ct, inverse, dimension)
    return [x_ct]


def _sort_jvp(primals, tangents, *, dimension):
    (x,), (t,) = primals, tangents
    out = sort(x, dimension)
    if isinstance(t, Zero):
        return out, Zero(aval(out).strip_weak())
    return out, take_along(t, argsort(x, dimension), dimension)


sort_p = def_primitive(
    "sort", abstract_eval=_sort_abstract, impl=_sort_impl, vjp=_sort_vjp, jvp=_sort_jvp,
    batch=_batch_dim0(lambda x, **p: sort_p.bind(x, **p), "dimension"),
    lower=Driver(lambda ctx, x, *, dimension: f"np.sort({x}, axis={dimension}, kind='stable')",
                 contiguous=True))


def sort(x, dimension: int):
    """``x`` sorted ascending along ``dimension`` (NaNs last)."""
    return sort_p.bind(x, dimension=int(dimension))


# --------------------------------------------------------------------------- cumsum

def _cumsum_abstract(x, *, axis, reverse):
    _check_dim("cumsum", x, axis)
    return Aval(x.shape, x.dtype, x.weak_type)


def _cumsum_impl(x, *, axis, reverse):
    x = np.asarray(x)
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
    return np.cumsum(x, axis=axis, dtype=x.dtype)


def _cumsum_lower(ctx, x, *, axis, reverse):
    dt = f"np.{ctx.avals_out[0].dtype.name}"
    if reverse:
        return f"np.flip(np.cumsum(np.flip({x}, {axis}), axis={axis}, dtype={dt}), {axis})"
    return f"np.cumsum({x}, axis={axis}, dtype={dt})"


cumsum_p = def_primitive(
    "cumsum", abstract_eval=_cumsum_abstract, impl=_cumsum_impl,
    vjp=lambda ct, x, *, out, axis, reverse: [cumsum(ct, axis, not reverse)], jvp=LINEAR,
    batch=_batch_dim0(lambda x, **p: cumsum_p.bind(x, **p), "axis"),
    lower=Driver(_cumsum_lower))


def cumsum(x, axis: int = 0, reverse: bool = False):
    """``lax.cumsum``: the running sum along ``axis`` (from the end when ``reverse``)."""
    return cumsum_p.bind(x, axis=int(axis), reverse=bool(reverse))
