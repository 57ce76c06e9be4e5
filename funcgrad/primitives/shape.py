"""Shape primitives: broadcast_in_dim, reshape, transpose, squeeze, expand_dims, concatenate,
slice, pad. All are linear in their array operands.

Each primitive is one record with every rule; the bind wrapper (``reshape(x, ...)``) is what rules
and ``funcgrad.numpy`` call, so the programs they build are IR again.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..core.avals import Aval
from ..core.errors import ShapeError
from ..core.ir import aval_of_value
from ..core.lowering import HOST, Driver, IndexMap
from ..core.primitive import LINEAR, add_simplify, def_primitive, same_type



def aval(x) -> Aval:
    """The aval of a concrete value or tracer."""
    return aval_of_value(x)


def shape_of(x):
    if isinstance(x, np.ndarray):
        return x.shape
    return np.shape(x) if not hasattr(x, "aval") else x.aval.shape


# --------------------------------------------------------------------------- batching helpers

def move_bdim(x, dim, to=0):
    """Move the batch dimension ``dim`` of ``x`` to position ``to``."""
    if dim == to:
        return x
    nd = len(shape_of(x))
    perm = [d for d in range(nd) if d != dim]
    perm.insert(to, dim)
    return transpose(x, tuple(perm))


def bdim_to_front(args, dims, size=None):
    """Move every batch dim to 0; broadcast unbatched args (``dim is None``) along a new axis 0."""
    if size is None:
        size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    out = []
    for a, d in zip(args, dims):
        if d is None:
            s = shape_of(a)
            out.append(broadcast_in_dim(a, (size,) + tuple(s), tuple(range(1, len(s) + 1))))
        else:
            out.append(move_bdim(a, d, 0))
    return out


# --------------------------------------------------------------------------- broadcast_in_dim

def _broadcast_in_dim_abstract(x, *, shape, broadcast_dimensions):
    if len(broadcast_dimensions) != x.ndim:
        raise ShapeError(f"broadcast_in_dim: operand {x} needs {x.ndim} broadcast_dimensions, "
                         f"got {broadcast_dimensions}")
    for i, d in enumerate(broadcast_dimensions):
        if not 0 <= d < len(shape) or x.shape[i] not in (1, shape[d]):
            raise ShapeError(f"broadcast_in_dim: cannot broadcast operand {x} to shape {tuple(shape)} "
                             f"with broadcast_dimensions={broadcast_dimensions}")
    if list(broadcast_dimensions) != sorted(broadcast_dimensions):
        raise ShapeError(f"broadcast_in_dim: broadcast_dimensions {broadcast_dimensions} must increase")
    return Aval(shape, x.dtype, x.weak_type)


def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions):
    x = np.asarray(x)
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return np.broadcast_to(x.reshape(expanded), shape)


def _broadcast_in_dim_vjp(ct, x, *, out, shape, broadcast_dimensions):
    in_shape = shape_of(x)
    summed = [d for d in range(len(shape)) if d not in broadcast_dimensions and shape[d] != 1]
    summed += [d for i, d in enumerate(broadcast_dimensions) if in_shape[i] == 1 and shape[d] != 1]
    r = _red.reduce_sum(ct, tuple(sorted(summed))) if summed else ct
    return [reshape(r, tuple(in_shape)) if shape_of(r) != tuple(in_shape) else r]


def _broadcast_in_dim_batch(args, dims, *, shape, broadcast_dimensions):
    (x,), (d,) = args, dims
    x = move_bdim(x, d, 0)
    b = shape_of(x)[0]
    return broadcast_in_dim(x, (b,) + tuple(shape), (0,) + tuple(i + 1 for i in broadcast_dimensions)), 0


def _broadcast_in_dim_map(x, out, *, shape, broadcast_dimensions):
    return tuple(d if x.shape[i] == shape[d] else None for i, d in enumerate(broadcast_dimensions))


def _broadcast_in_dim_np(ctx, x, *, shape, broadcast_dimensions):
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = ctx.avals_in[0].shape[i]
    return f"np.broadcast_to({x}.reshape({tuple(expanded)}), {tuple(shape)})"


broadcast_in_dim_p = def_primitive(
    "broadcast_in_dim", abstract_eval=_broadcast_in_dim_abstract, impl=_broadcast_in_dim_impl,
    vjp=_broadcast_in_dim_vjp, jvp=LINEAR, batch=_broadcast_in_dim_batch,
    lower=IndexMap(_broadcast_in_dim_map, driver=Driver(_broadcast_in_dim_np)))


def broadcast_in_dim(x, shape, broadcast_dimensions):
    """Broadcast ``x`` to ``shape``; operand dim ``i`` becomes output dim ``broadcast_dimensions[i]``."""
    shape, broadcast_dimensions = tuple(int(s) for s in shape), tuple(int(d) for d in broadcast_dimensions)
    if shape_of(x) == shape and broadcast_dimensions == tuple(range(len(shape))):
        return x
    return broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=broadcast_dimensions)


def broadcast_to_rank(x, shape):
    """NumPy-style broadcast of ``x`` to ``shape`` (trailing alignment)."""
    s = shape_of(x)
    return broadcast_in_dim(x, shape, tuple(range(len(shape) - len(s), len(shape))))


# --------------------------------------------------------------------------- reshape

def _reshape_abstract(x, *, new_sizes, dimensions=None):
    if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
        raise ShapeError(f"reshape: cannot reshape {x} (size {x.size}) to {tuple(new_sizes)}")
    return Aval(new_sizes, x.dtype, x.weak_type)


def _reshape_impl(x, *, new_sizes, dimensions=None):
    return np.reshape(x, new_sizes)


def _reshape_vjp(ct, x, *, out, new_sizes, dimensions=None):
    return [reshape(ct, shape_of(x))]


def _reshape_batch(args, dims, *, new_sizes, dimensions=None):
    x = move_bdim(args[0], dims[0], 0)
    return reshape(x, (shape_of(x)[0],) + tuple(new_sizes)), 0


def _unit_dims_map(x, out, **params):
    """Index map of a reshape that only inserts or removes size-1 dims; ``None`` otherwise."""
    xs = [i for i, n in enumerate(x.shape) if n != 1]
    os_ = [j for j, n in enumerate(out.shape) if n != 1]
    if [x.shape[i] for i in xs] != [out.shape[j] for j in os_]:
        return None
    where = dict(zip(xs, os_))
    return tuple(where.get(i) for i in range(x.ndim))


_RESHAPE_VIEW = Driver(lambda ctx, x, **p: f"{x}.reshape({tuple(ctx.avals_out[0].shape)})",
                      contiguous=True, fresh=False)   # a view of a C-contiguous array


reshape_p = def_primitive(
    "reshape", abstract_eval=_reshape_abstract, impl=_reshape_impl, vjp=_reshape_vjp, jvp=LINEAR,
    batch=_reshape_batch, lower=IndexMap(_unit_dims_map, driver=_RESHAPE_VIEW))


def reshape(x, new_sizes):
    new_sizes = tuple(int(s) for s in new_sizes)
    if shape_of(x) == new_sizes:
        return x
    return reshape_p.bind(x, new_sizes=new_sizes, dimensions=None)


# --------------------------------------------------------------------------- transpose

def _transpose_abstract(x, *, permutation):
    if sorted(permutation) != list(range(x.ndim)):
        raise ShapeError(f"transpose: permutation {permutation} is not a permutation of the axes of {x}")
    return Aval(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


def _transpose_impl(x, *, permutation):
    return np.transpose(x, permutation)


def _transpose_vjp(ct, x, *, out, permutation):
    return [transpose(ct, tuple(np.argsort(permutation)))]


def _transpose_batch(args, dims, *, permutation):
    x = move_bdim(args[0], dims[0], 0)
    return transpose(x, (0,) + tuple(p + 1 for p in permutation)), 0


transpose_p = def_primitive(
    "transpose", abstract_eval=_transpose_abstract, impl=_transpose_impl, vjp=_transpose_vjp,
    jvp=LINEAR, batch=_transpose_batch,
    lower=IndexMap(lambda x, out, *, permutation: tuple(permutation.index(i) for i in range(x.ndim)),
                   driver=Driver(lambda ctx, x, *, permutation: f"np.transpose({x}, {permutation})")))


def transpose(x, permutation):
    permutation = tuple(int(p) for p in permutation)
    if permutation == tuple(range(len(permutation))):
        return x
    return transpose_p.bind(x, permutation=permutation)


# --------------------------------------------------------------------------- squeeze / expand_dims

def _squeeze_abstract(x, *, dimensions):
    for d in dimensions:
        if not 0 <= d < x.ndim or x.shape[d] != 1:
            raise ShapeError(f"squeeze: cannot squeeze dimension {d} of {x}")
    return Aval(tuple(s for i, s in enumerate(x.shape) if i not in dimensions), x.dtype, x.weak_type)


def _squeeze_impl(x, *, dimensions):
    return np.squeeze(x, axis=dimensions)


def _squeeze_vjp(ct, x, *, out, dimensions):
    return [reshape(ct, shape_of(x))]


def _squeeze_batch(args, dims, *, dimensions):
    x = move_bdim(args[0], dims[0], 0)
    return squeeze(x, tuple(d + 1 for d in dimensions)), 0


squeeze_p = def_primitive(
    "squeeze", abstract_eval=_squeeze_abstract, impl=_squeeze_impl, vjp=_squeeze_vjp, jvp=LINEAR,
    batch=_squeeze_batch, lower=IndexMap(_unit_dims_map, driver=_RESHAPE_VIEW))


def squeeze(x, dimensions):
    dimensions = tuple(sorted(int(d) for d in dimensions))
    if not dimensions:
        return x
    return squeeze_p.bind(x, dimensions=dimensions)


def _expand_dims_abstract(x, *, dimensions):
    nd = x.ndim + len(dimensions)
    if sorted(set(dimensions)) != list(dimensions) or any(not 0 <= d < nd for d in dimensions):
        raise ShapeError(f"expand_dims: bad dimensions {dimensions} for {x}")
    it = iter(x.shape)
    return Aval(tuple(1 if i in dimensions else next(it) for i in range(nd)), x.dtype, x.weak_type)


def _expand_dims_impl(x, *, dimensions):
    return np.expand_dims(x, dimensions)


def _expand_dims_vjp(ct, x, *, out, dimensions):
    return [reshape(ct, shape_of(x))]


def _expand_dims_batch(args, dims, *, dimensions):
    x = move_bdim(args[0], dims[0], 0)
    return expand_dims(x, tuple(d + 1 for d in dimensions)), 0


expand_dims_p = def_primitive(
    "expand_dims", abstract_eval=_expand_dims_abstract, impl=_expand_dims_impl, vjp=_expand_dims_vjp,
    jvp=LINEAR, batch=_expand_dims_batch, lower=IndexMap(_unit_dims_map, driver=_RESHAPE_VIEW))


def expand_dims(x, dimensions):
    """Insert size-1 axes at ``dimensions`` (positions in the output, non-negative, sorted)."""
    dimensions = tuple(sorted(int(d) for d in dimensions))
    if not dimensions:
        return x
    return expand_dims_p.bind(x, dimensions=dimensions)


# --------------------------------------------------------------------------- concatenate

def _concatenate_abstract(*xs, dimension):
    if not xs:
        raise ShapeError("concatenate needs at least one operand")
    x0 = xs[0]
    if not 0 <= dimension < x0.ndim:
        raise ShapeError(f"concatenate: dimension {dimension} out of range for {x0}")
    for x in xs[1:]:
        if x.ndim != x0.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape)) if i != dimension):
            raise ShapeError("concatenate: operand shapes differ outside dimension "
                             f"{dimension}: {', '.join(str(x) for x in xs)}")
        if x.dtype != x0.dtype:
            raise ShapeError(f"concatenate: operand dtypes differ: {', '.join(str(x) for x in xs)}")
    shape = list(x0.shape)
    shape[dimension] = sum(x.shape[dimension] for x in xs)
    return Aval(shape, x0.dtype, all(x.weak_type for x in xs))


def _concatenate_impl(*xs, dimension):
    return np.concatenate(xs, axis=dimension)


def _concatenate_vjp(ct, *xs, out, dimension):
    res = []
    start = 0
    full = shape_of(ct)
    for x in xs:
        n = shape_of(x)[dimension]
        lo = [0] * len(full)
        hi = list(full)
        lo[dimension], hi[dimension] = start, start + n
        res.append(lambda lo=lo, hi=hi: slice_p_bind(ct, lo, hi))
        start += n
    return res


def _concatenate_batch(args, dims, *, dimension):
    return concatenate(bdim_to_front(args, dims), dimension + 1), 0


concatenate_p = def_primitive(
    "concatenate", abstract_eval=_concatenate_abstract, impl=_concatenate_impl, vjp=_concatenate_vjp,
    jvp=LINEAR, batch=_concatenate_batch,
    lower=Driver(lambda ctx, *xs, dimension: f"np.concatenate(({', '.join(xs)},), axis={dimension})",
                 contiguous=True))


def concatenate(xs, dimension):
    xs = list(xs)
    if len(xs) == 1:
        return xs[0]
    return concatenate_p.bind(*xs, dimension=int(dimension))


# --------------------------------------------------------------------------- slice

def _slice_abstract(x, *, start_indices, limit_indices, strides=None):
    if not (len(start_indices) == len(limit_indices) == x.ndim):
        raise ShapeError(f"slice: {x} needs {x.ndim} start and limit indices")
    strides = strides or (1,) * x.ndim
    shape = []
    for lo, hi, st, n in zip(start_indices, limit_indices, strides, x.shape):
        if not (0 <= lo <= hi <= n) or st < 1:
            raise ShapeError(f"slice: bad bounds start={start_indices} limit={limit_indices} "
                             f"strides={strides} for {x}")
        shape.append(max(0, -(-(hi - lo) // st)))
    return Aval(shape, x.dtype, x.weak_type)


def _slice_impl(x, *, start_indices, limit_indices, strides=None):
    strides = strides or (1,) * len(start_indices)
    return np.asarray(x)[tuple(builtins.slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


def _slice_vjp(ct, x, *, out, start_indices, limit_indices, strides=None):
    in_shape = shape_of(x)
    strides = strides or (1,) * len(in_shape)
    config = []
    for lo, st, n, m in zip(start_indices, strides, in_shape, shape_of(ct)):
        used = lo + (m - 1) * st + 1 if m else lo
        config.append((lo, n - used, st - 1) if m else (lo, n - lo, 0))
    zero = _ew.zeros_like_aval(Aval((), aval(ct).dtype))
    if any(m == 0 for m in shape_of(ct)):
        return [_ew.zeros_like_aval(aval(x).strip_weak())]
    return [pad(ct, zero, tuple(config))]


def _slice_batch(args, dims, *, start_indices, limit_indices, strides=None):
    x = move_bdim(args[0], dims[0], 0)
    b = shape_of(x)[0]
    strides = (1,) + tuple(strides) if strides else None
    return slice_p.bind(x, start_indices=(0,) + tuple(start_indices),
                        limit_indices=(b,) + tuple(limit_indices), strides=strides), 0


def _slice_np(ctx, x, *, start_indices, limit_indices, strides=None):
    strides = strides or (1,) * len(start_indices)
    idx = ", ".join(f"{a}:{b}" + (f":{s}" if s != 1 else "")
                    for a, b, s in zip(start_indices, limit_indices, strides))
    return f"{x}[{idx}{',' if len(start_indices) == 1 else ''}]"


slice_p = def_primitive(
    "slice", abstract_eval=_slice_abstract, impl=_slice_impl, vjp=_slice_vjp, jvp=LINEAR,
    batch=_slice_batch, lower=Driver(_slice_np))


def slice_p_bind(x, start_indices, limit_indices, strides=None):
    start_indices = tuple(int(i) for i in start_indices)
    limit_indices = tuple(int(i) for i in limit_indices)
    if strides is not None:
        strides = tuple(int(s) for s in strides)
        if all(s == 1 for s in strides):
            strides = None
    if strides is None and start_indices == (0,) * len(start_indices) and limit_indices == shape_of(x):
        return x
    return slice_p.bind(x, start_indices=start_indices, limit_indices=limit_indices, strides=strides)


def slice(x, start_indices, limit_indices, strides=None):  # noqa: A001 - lax's name
    """``lax.slice``: static start/limit/stride per axis."""
    return slice_p_bind(x, start_indices, limit_indices, strides)


# --------------------------------------------------------------------------- pad

def _pad_abstract(x, padding_value, *, padding_config):
    if padding_value.ndim != 0:
        raise ShapeError(f"pad: padding_value must be a scalar, got {padding_value}")
    if len(padding_config) != x.ndim:
        raise ShapeError(f"pad: {x} needs {x.ndim} (low, high, interior) triples, got {padding_config}")
    shape = []
    for (lo, hi, interior), n in zip(padding_config, x.shape):
        if interior < 0:
            raise ShapeError(f"pad: interior padding must be >= 0, got {padding_config}")
        m = lo + hi + n + max(0, n - 1) * interior
        if m < 0:
            raise ShapeError(f"pad: padding {padding_config} gives a negative size for {x}")
        shape.append(m)
    return Aval(shape, x.dtype, x.weak_type)


def _pad_impl(x, padding_value, *, padding_config):
    x = np.asarray(x)
    full = [lo_ + hi_ + n + max(0, n - 1) * it for (lo_, hi_, it), n in zip(padding_config, x.shape)]
    # place x with interior padding into a buffer padded by max(lo, 0)/max(hi, 0), then crop negatives
    big = [max(lo, 0) + max(hi, 0) + n + max(0, n - 1) * it for (lo, hi, it), n in zip(padding_config, x.shape)]
    out = np.full(big, padding_value, dtype=x.dtype)
    idx = tuple(np.s_[max(lo, 0): max(lo, 0) + (n - 1) * (it + 1) + 1: it + 1] if n else np.s_[0:0]
                for (lo, hi, it), n in zip(padding_config, x.shape))
    out[idx] = x
    crop = tuple(np.s_[max(-lo, 0): max(-lo, 0) + m] for (lo, hi, it), m in zip(padding_config, full))
    return out[crop]


def _pad_vjp(ct, x, padding_value, *, out, padding_config):
    def operand_ct():
        # undo negative padding by zero-padding the cotangent, then pick the operand's positions
        zero = _ew.zeros_like_aval(Aval((), aval(ct).dtype))
        neg = tuple((max(-lo, 0), max(-hi, 0), 0) for lo, hi, _ in padding_config)
        t = pad(ct, zero, neg) if any(a or b for a, b, _ in neg) else ct
        in_shape = shape_of(x)
        lo_idx = [max(lo, 0) for lo, _, _ in padding_config]
        hi_idx = [lo + (n - 1) * (it + 1) + 1 if n else lo
                  for lo, (_, _, it), n in zip(lo_idx, padding_config, in_shape)]
        return slice_p_bind(t, lo_idx, hi_idx, tuple(it + 1 for _, _, it in padding_config))

    def value_ct():
        total = _red.reduce_sum(ct, tuple(range(len(shape_of(ct)))))
        inner = _red.reduce_sum(operand_ct(), tuple(range(len(shape_of(x)))))
        return _ew.sub(total, inner)

    return [operand_ct, value_ct]


def _pad_batch(args, dims, *, padding_config):
    x, pv = args
    dx, dpv = dims
    if dpv is None:
        x = move_bdim(x, dx, 0)
        return pad(x, pv, ((0, 0, 0),) + tuple(padding_config)), 0
    # a batched padding value: pad with zero, then select the padding positions per batch element
    b = shape_of(pv)[dpv]
    x = bdim_to_front([x], [dx], b)[0]
    cfg = ((0, 0, 0),) + tuple(padding_config)
    padded = pad(x, _ew.zeros_like_aval(Aval((), aval(x).dtype)), cfg)
    mask = pad(_ew.full_like_aval(Aval(shape_of(x), np.bool_), True), np.bool_(False), cfg)
    pvb = broadcast_in_dim(move_bdim(pv, dpv, 0), shape_of(padded), (0,))
    return _ew.select(mask, padded, pvb), 0


pad_p = def_primitive(
    "pad", abstract_eval=_pad_abstract, impl=_pad_impl, vjp=_pad_vjp, jvp=LINEAR, batch=_pad_batch,
    lower=HOST)


def pad(x, padding_value, padding_config):
    """``lax.pad``: ``padding_config`` is one ``(low, high, interior)`` per axis; low/high may be < 0."""
    padding_config = tuple((int(a), int(b), int(c)) for a, b, c in padding_config)
    return pad_p.bind(x, padding_value, padding_config=padding_config)


# --------------------------------------------------------------------------- rev

def _rev_abstract(x, *, dimensions):
    for d in dimensions:
        if not 0 <= d < x.ndim:
            raise ShapeError(f"rev: dimension {d} out of range for {x}")
    return x


def _rev_impl(x, *, dimensions):
    return np.flip(x, dimensions)


def _rev_batch(args, dims, *, dimensions):
    x = move_bdim(args[0], dims[0], 0)
    return rev(x, tuple(d + 1 for d in dimensions)), 0


rev_p = def_primitive(
    "rev", abstract_eval=_rev_abstract, impl=_rev_impl,
    vjp=lambda ct, x, *, out, dimensions: [rev(ct, dimensions)], jvp=LINEAR, batch=_rev_batch,
    lower=Driver(lambda ctx, x, *, dimensions: "{}[{}]".format(x, ", ".join(
        "::-1" if d in dimensions else ":" for d in range(ctx.avals_in[0].ndim)))))


def rev(x, dimensions):
    """Reverse ``x`` along ``dimensions``."""
    dimensions = tuple(sorted(int(d) for d in dimensions))
    return rev_p.bind(x, dimensions=dimensions) if dimensions else x


# The VJP rules above use reductions and elementwise ops, which are defined on top of this module;
# the module objects are bound here, once every name of this module exists.
from . import elementwise as _ew, reductions as _red  # noqa: E402


# --------------------------------------------------------------------------- simplification (jit passes)

_RESHAPES = (reshape_p, squeeze_p, expand_dims_p)


def _same_type_is_identity(ctx, eqn, ins):
    """A reshape (squeeze, expand_dims) to the operand's own shape is the operand."""
    return ins[0] if same_type(ins[0], eqn.outputs[0]) else None


def _reshape_of_reshape(ctx, eqn, ins):
    pe = ctx.producer(ins[0])
    if pe is None or pe.primitive not in _RESHAPES:
        return None
    src, out = pe.inputs[0], eqn.outputs[0]
    if same_type(src, out):
        return src
    return reshape_p, [src], {"new_sizes": out.aval.shape, "dimensions": None}


for _p in _RESHAPES:
    _p.reshapes = True
    add_simplify(_p, _same_type_is_identity)
    add_simplify(_p, _reshape_of_reshape)


@lambda rule: add_simplify(broadcast_in_dim_p, rule)
def _identity_broadcast(ctx, eqn, ins):
    out = eqn.outputs[0]
    if same_type(ins[0], out) and eqn.params["broadcast_dimensions"] == tuple(range(out.aval.ndim)):
        return ins[0]
    return None


broadcast_in_dim_p.broadcasts_scalar = True


@lambda rule: add_simplify(transpose_p, rule)
def _transpose_rules(ctx, eqn, ins):
    """The identity permutation is a no-op; two transposes compose into one."""
    perm = tuple(eqn.params["permutation"])
    if perm == tuple(range(len(perm))):
        return ins[0]
    pe = ctx.producer(ins[0])
    if pe is not None and pe.primitive is transpose_p:
        inner = pe.params["permutation"]
        new = tuple(inner[i] for i in perm)
        if new == tuple(range(len(new))):
            return pe.inputs[0]
        return transpose_p, [pe.inputs[0]], {"permutation": new}
    return None
