"""Reduction primitives: reduce_sum, reduce_max, reduce_min, reduce_prod, argmax, argmin.

Also ``unbroadcast``: the cotangent of an implicit (size-1 or rank-0) broadcast is a sum.
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.errors import ShapeError
from ..core.lowering import ArgReduce, Reduce, highest, lowest
from ..core.primitive import LINEAR, NOT_DIFFERENTIABLE, Zero, add_simplify, def_primitive
from .shape import (aval, broadcast_in_dim, move_bdim, reshape, reshape_p, shape_of)


def _check_axes(x, axes, name):
    for a in axes:
        if not 0 <= a < x.ndim:
            raise ShapeError(f"{name}: axis {a} is out of range for {x}")
    if len(set(axes)) != len(axes):
        raise ShapeError(f"{name}: repeated axis in {axes}")


def _reduce_abstract(name):
    def rule(x, *, axes):
        _check_axes(x, axes, name)
        return Aval(tuple(s for i, s in enumerate(x.shape) if i not in axes), x.dtype, x.weak_type)
    return rule


def _kept_dims(ndim, axes):
    return tuple(i for i in range(ndim) if i not in axes)


def _batch_reduce(bind):
    def rule(args, dims, *, axes, **params):
        x = move_bdim(args[0], dims[0], 0)
        return bind(x, axes=tuple(a + 1 for a in axes), **params), 0
    return rule


# --------------------------------------------------------------------------- reduce_sum

def _reduce_sum_impl(x, *, axes):
    x = np.asarray(x)
    return np.sum(x, axis=axes, dtype=x.dtype)


def _reduce_sum_vjp(ct, x, *, out, axes):
    s = shape_of(x)
    return [broadcast_in_dim(ct, s, _kept_dims(len(s), axes))]


reduce_sum_p = def_primitive(
    "reduce_sum", abstract_eval=_reduce_abstract("reduce_sum"), impl=_reduce_sum_impl,
    vjp=_reduce_sum_vjp, jvp=LINEAR, batch=_batch_reduce(lambda x, **p: reduce_sum_p.bind(x, **p)),
    lower=Reduce(lambda dtype: 0, "{acc} + {x}", partials="np.add", pairwise=True))


def reduce_sum(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    if not axes:
        return x
    return reduce_sum_p.bind(x, axes=axes)


def unbroadcast(ct, target: Aval):
    """Sum ``ct`` down to ``target.shape`` (undo implicit size-1 / rank-0 broadcasting)."""
    cs = shape_of(ct)
    ts = target.shape
    if cs == ts:
        return ct
    if len(ts) == 0:
        return reduce_sum(ct, tuple(range(len(cs))))
    axes = tuple(i for i, (a, b) in enumerate(zip(cs, ts)) if b == 1 and a != 1)
    return reshape(reduce_sum(ct, axes), ts)


# --------------------------------------------------------------------------- max / min

def _extremum_mask(x, out, axes):
    """1.0 where ``x`` attains the reduced extremum, divided by the number of ties (JAX's rule)."""
    s = shape_of(x)
    ob = broadcast_in_dim(out, s, _kept_dims(len(s), axes))
    hit = _ew.convert_element_type(_ew.eq(x, ob), aval(x).dtype)
    count = broadcast_in_dim(reduce_sum(hit, axes), s, _kept_dims(len(s), axes))
    return _ew.div(hit, count)


def _extremum_vjp(ct, x, *, out, axes):
    s = shape_of(x)
    return [lambda: _ew.mul(broadcast_in_dim(ct, s, _kept_dims(len(s), axes)), _extremum_mask(x, out, axes))]


def _extremum_jvp(bind):
    def rule(primals, tangents, *, axes):
        (x,), (t,) = primals, tangents
        out = bind(x, axes=axes)
        return out, reduce_sum(_ew.mul(t, _extremum_mask(x, out, axes)), axes)
    return rule


def _reduce_max_impl(x, *, axes):
    return np.max(x, axis=axes) if np.size(x) else _empty_extremum(x, axes, -np.inf)


def _reduce_min_impl(x, *, axes):
    return np.min(x, axis=axes) if np.size(x) else _empty_extremum(x, axes, np.inf)


def _empty_extremum(x, axes, fill):
    x = np.asarray(x)
    shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    if np.issubdtype(x.dtype, np.integer):
        info = np.iinfo(x.dtype)
        fill = info.min if fill < 0 else info.max
    elif x.dtype == np.bool_:
        fill = fill > 0
    return np.full(shape, fill, dtype=x.dtype)


reduce_max_p = def_primitive(
    "reduce_max", abstract_eval=_reduce_abstract("reduce_max"), impl=_reduce_max_impl,
    vjp=_extremum_vjp, jvp=_extremum_jvp(lambda x, **p: reduce_max_p.bind(x, **p)),
    batch=_batch_reduce(lambda x, **p: reduce_max_p.bind(x, **p)),
    lower=Reduce(lowest, "({x} if ({x} > {acc} or {x} != {x}) else {acc})", partials="np.maximum"))   # NaN-propagating, as np.max

reduce_min_p = def_primitive(
    "reduce_min", abstract_eval=_reduce_abstract("reduce_min"), impl=_reduce_min_impl,
    vjp=_extremum_vjp, jvp=_extremum_jvp(lambda x, **p: reduce_min_p.bind(x, **p)),
    batch=_batch_reduce(lambda x, **p: reduce_min_p.bind(x, **p)),
    lower=Reduce(highest, "({x} if ({x} < {acc} or {x} != {x}) else {acc})", partials="np.minimum"))


def reduce_max(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_max_p.bind(x, axes=axes) if axes else x


def reduce_min(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_min_p.bind(x, axes=axes) if axes else x


# --------------------------------------------------------------------------- reduce_prod

def _reduce_prod_impl(x, *, axes):
    x = np.asarray(x)
    return np.prod(x, axis=axes, dtype=x.dtype)


def _prod_partials(x, axes):
    """d prod / d x_i, exact with zeros: with z zeros among the reduced elements, the partial is
    prod(nonzeros)/x_i if z == 0, prod(nonzeros) at the zero if z == 1, else 0."""
    s = shape_of(x)
    kept = _kept_dims(len(s), axes)
    dt = aval(x).dtype
    is_zero = _ew.eq(x, _ew.full_like_aval(Aval((), dt), 0))
    one = _ew.full_like_aval(Aval((), dt), 1)
    safe = _ew.select(is_zero, broadcast_in_dim(one, s, ()), x)
    p_nz = broadcast_in_dim(reduce_prod(safe, axes), s, kept)
    nz = broadcast_in_dim(reduce_sum(_ew.convert_element_type(is_zero, dt), axes), s, kept)
    zero_s = broadcast_in_dim(_ew.full_like_aval(Aval((), dt), 0), s, ())
    no_zero = _ew.div(p_nz, safe)
    one_zero = _ew.select(is_zero, p_nz, zero_s)
    return _ew.select(_ew.eq(nz, broadcast_in_dim(_ew.full_like_aval(Aval((), dt), 0), s, ())), no_zero,
                  _ew.select(_ew.eq(nz, broadcast_in_dim(one, s, ())), one_zero, zero_s))


def _reduce_prod_vjp(ct, x, *, out, axes):
    s = shape_of(x)
    return [lambda: _ew.mul(broadcast_in_dim(ct, s, _kept_dims(len(s), axes)), _prod_partials(x, axes))]


def _reduce_prod_jvp(primals, tangents, *, axes):
    (x,), (t,) = primals, tangents
    return reduce_prod(x, axes), reduce_sum(_ew.mul(t, _prod_partials(x, axes)), axes)


reduce_prod_p = def_primitive(
    "reduce_prod", abstract_eval=_reduce_abstract("reduce_prod"), impl=_reduce_prod_impl,
    vjp=_reduce_prod_vjp, jvp=_reduce_prod_jvp,
    batch=_batch_reduce(lambda x, **p: reduce_prod_p.bind(x, **p)),
    lower=Reduce(lambda dtype: 1, "{acc} * {x}", partials="np.multiply"))


def reduce_prod(x, axes):
    axes = tuple(sorted(int(a) for a in axes))
    return reduce_prod_p.bind(x, axes=axes) if axes else x


# --------------------------------------------------------------------------- argmax / argmin

def _arg_abstract(name):
    def rule(x, *, axes, index_dtype):
        _check_axes(x, axes, name)
        if len(axes) != 1:
            raise ShapeError(f"{name} reduces exactly one axis, got axes={axes}")
        return Aval(tuple(s for i, s in enumerate(x.shape) if i not in axes), index_dtype, False)
    return rule


def _arg_impl(fn):
    def impl(x, *, axes, index_dtype):
        x = np.asarray(x)
        if x.shape[axes[0]] == 0:
            raise ValueError(f"attempt to get {fn.__name__} of an empty sequence")
        return fn(x, axis=axes[0]).astype(index_dtype)
    return impl


def _arg_jvp(bind):
    def rule(primals, tangents, **params):
        out = bind(primals[0], **params)
        return out, Zero(aval(out))
    return rule


argmax_p = def_primitive(
    "argmax", abstract_eval=_arg_abstract("argmax"), impl=_arg_impl(np.argmax),
    vjp=NOT_DIFFERENTIABLE("integer output"), jvp=_arg_jvp(lambda x, **p: argmax_p.bind(x, **p)),
    batch=_batch_reduce(lambda x, **p: argmax_p.bind(x, **p)),   # first max; a NaN wins, as NumPy
    lower=ArgReduce("({x} > {best} or ({x} != {x} and {best} == {best}))", lowest))

argmin_p = def_primitive(
    "argmin", abstract_eval=_arg_abstract("argmin"), impl=_arg_impl(np.argmin),
    vjp=NOT_DIFFERENTIABLE("integer output"), jvp=_arg_jvp(lambda x, **p: argmin_p.bind(x, **p)),
    batch=_batch_reduce(lambda x, **p: argmin_p.bind(x, **p)),
    lower=ArgReduce("({x} < {best} or ({x} != {x} and {best} == {best}))", highest))


def argmax(x, axis, index_dtype):
    return argmax_p.bind(x, axes=(int(axis),), index_dtype=np.dtype(index_dtype))


def argmin(x, axis, index_dtype):
    return argmin_p.bind(x, axes=(int(axis),), index_dtype=np.dtype(index_dtype))


# Rules above use elementwise ops, which are defined on top of this module (see shape.py).
@lambda rule: add_simplify(reduce_sum_p, rule)
def _sum_over_unit_axes(ctx, eqn, ins):
    """A sum over size-1 axes only is a reshape."""
    if all(ins[0].aval.shape[a] == 1 for a in eqn.params["axes"]):
        return reshape_p, [ins[0]], {"new_sizes": eqn.outputs[0].aval.shape, "dimensions": None}
    return None


from . import elementwise as _ew  # noqa: E402
