"""Bit-level primitives for counter-based random numbers: ``threefry2x32``, shifts, bitcasts and
the stable sort permutation that ``random.permutation`` shuffles with.

All integer arithmetic wraps modulo 2**bits, as in JAX/XLA (NumPy's array arithmetic on
unsigned integers wraps the same way). Shifts by the bit width or more give 0, as XLA defines.
The Numba lowering of each is ``HOST``: the jit driver calls the same NumPy implementation, so a
jitted program produces the same bits as eager mode, by construction.

>>> import numpy as np
>>> k = np.array([0, 0], np.uint32)
>>> [int(v) for v in threefry2x32(k[0], k[1], np.uint32(0), np.uint32(0))]
[1797259609, 2579123966]
"""
from __future__ import annotations

import builtins

import numpy as np

from ..core.avals import Aval
from ..core.errors import DTypeError
from ..core.lowering import HOST
from ..core.primitive import NOT_DIFFERENTIABLE, Zero, def_primitive
from .elementwise import batch_elementwise, broadcast_shapes
from .shape import aval, move_bdim

# --------------------------------------------------------------------------- threefry2x32

_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def threefry2x32_numpy(k1, k2, x1, x2):
    """The Threefry-2x32 block cipher (20 rounds), elementwise over broadcast uint32 arrays.

    In-place NumPy arithmetic on two state arrays (uint32 array arithmetic wraps mod 2**32)."""
    k1, k2, x1, x2 = (np.asarray(a, np.uint32) for a in (k1, k2, x1, x2))
    shape = np.broadcast_shapes(k1.shape, k2.shape, x1.shape, x2.shape)
    ks = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
    a = np.add(np.broadcast_to(x1, shape), ks[0], dtype=np.uint32)
    b = np.add(np.broadcast_to(x2, shape), ks[1], dtype=np.uint32)
    a, b = np.atleast_1d(a), np.atleast_1d(b)     # (0-d ufunc results would be scalars)
    tmp = np.empty_like(b)
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            np.add(a, b, out=a)
            np.left_shift(b, np.uint32(r), out=tmp)          # b = rotl(b, r) ^ a
            np.right_shift(b, np.uint32(32 - r), out=b)
            np.bitwise_or(b, tmp, out=b)
            np.bitwise_xor(b, a, out=b)
        np.add(a, ks[(i + 1) % 3], out=a)
        np.add(b, ks[(i + 2) % 3], out=b)
        np.add(b, np.uint32(i + 1), out=b)
    return a.reshape(shape), b.reshape(shape)


def _threefry_abstract(*avals):
    for a in avals:
        if a.dtype != np.uint32:
            raise DTypeError(f"threefry2x32 requires uint32 operands, got "
                             f"{', '.join(str(a) for a in avals)}")
    shape = broadcast_shapes("threefry2x32", *avals)
    return [Aval(shape, np.dtype(np.uint32)), Aval(shape, np.dtype(np.uint32))]


def _threefry_batch(args, dims):
    def bind(*a):
        return threefry2x32_p.bind(*a)
    outs, d = batch_elementwise(bind)(args, dims)
    return outs, [d, d]


threefry2x32_p = def_primitive(
    "threefry2x32", abstract_eval=_threefry_abstract, impl=threefry2x32_numpy,
    vjp=NOT_DIFFERENTIABLE("integer output"), jvp=NOT_DIFFERENTIABLE("integer output"),
    batch=_threefry_batch, lower=HOST, multiple_results=True)


def threefry2x32(k1, k2, x1, x2):
    """``(y1, y2)``: Threefry-2x32 of the counter pair ``(x1, x2)`` under key ``(k1, k2)``."""
    return threefry2x32_p.bind(k1, k2, x1, x2)


# --------------------------------------------------------------------------- shifts

def _int_abstract(name):
    def rule(x, y):
        if x.dtype != y.dtype or x.dtype.kind not in "iu":
            raise DTypeError(f"{name} requires two integer operands of one dtype, got {x}, {y}")
        return Aval(broadcast_shapes(name, x, y), x.dtype, x.weak_type and y.weak_type)
    return rule


def _shift_impl(np_shift, logical: bool):
    def impl(x, y):
        x, y = np.asarray(x), np.asarray(y)
        dt = x.dtype
        bits = dt.itemsize * 8
        if logical and dt.kind == "i":
            x = x.view(np.dtype(f"u{dt.itemsize}"))
        if y.ndim == 0 and 0 <= y < bits:          # the common case: one in-range amount
            return np.asarray(np_shift(x, y.astype(x.dtype)), dtype=x.dtype).view(dt)
        amount = np.clip(y, 0, bits - 1).astype(x.dtype)
        out = np.where((y < 0) | (y >= bits), np.zeros((), x.dtype), np_shift(x, amount))
        return np.asarray(out, dtype=x.dtype).view(dt)
    return impl


def _def_shift(name, np_shift, logical):
    def jvp(primals, tangents):
        out = p.bind(*primals)
        return out, Zero(aval(out))

    p = def_primitive(name, abstract_eval=_int_abstract(name), impl=_shift_impl(np_shift, logical),
                      vjp=NOT_DIFFERENTIABLE("integer output"), jvp=jvp,
                      batch=batch_elementwise(lambda x, y: p.bind(x, y)), lower=HOST)
    return p


shift_left_p = _def_shift("shift_left", np.left_shift, False)
shift_right_logical_p = _def_shift("shift_right_logical", np.right_shift, True)


def shift_left(x, y):
    """``x << y``, wrapping; 0 where ``y`` is at least the bit width (as XLA)."""
    return shift_left_p.bind(x, y)


def shift_right_logical(x, y):
    """``x >> y`` filling with zeros (also for signed ``x``); 0 where ``y >= bits``."""
    return shift_right_logical_p.bind(x, y)


# --------------------------------------------------------------------------- bitcast

def _bitcast_abstract(x, *, new_dtype):
    if np.dtype(new_dtype).itemsize != x.dtype.itemsize:
        raise DTypeError(f"bitcast_convert_type: {x} and {np.dtype(new_dtype)} differ in size "
                         "(funcgrad bitcasts between types of equal width only)")
    return Aval(x.shape, np.dtype(new_dtype), False)


def _bitcast_impl(x, *, new_dtype):
    x = np.asarray(x)
    if not x.flags.c_contiguous:      # (np.ascontiguousarray would turn a 0-d array into 1-d)
        x = x.copy()
    return x.view(new_dtype)


def _bitcast_jvp(primals, tangents, *, new_dtype):
    out = bitcast_convert_type(primals[0], new_dtype)
    return out, Zero(aval(out))


bitcast_convert_type_p = def_primitive(
    "bitcast_convert_type", abstract_eval=_bitcast_abstract, impl=_bitcast_impl,
    vjp=NOT_DIFFERENTIABLE("reinterprets bits"), jvp=_bitcast_jvp,
    batch=lambda args, dims, *, new_dtype: (bitcast_convert_type(args[0], new_dtype), dims[0]),
    lower=HOST)


def bitcast_convert_type(x, new_dtype):
    """The bits of ``x`` read as ``new_dtype`` (of the same width), as ``lax.bitcast_convert_type``."""
    new_dtype = np.dtype(new_dtype)
    if aval(x).dtype == new_dtype:
        return x
    return bitcast_convert_type_p.bind(x, new_dtype=new_dtype)


# --------------------------------------------------------------------------- sort permutation

def _sort_perm_abstract(keys, *, axis):
    if not -keys.ndim <= axis < builtins.max(keys.ndim, 1):
        raise ValueError(f"sort_permutation: axis {axis} out of range for {keys}")
    return Aval(keys.shape, np.dtype(np.int64), False)


def _sort_perm_impl(keys, *, axis):
    return np.argsort(np.asarray(keys), axis=axis, kind="stable").astype(np.int64)


def _sort_perm_batch(args, dims, *, axis):
    (keys,), (d,) = args, dims
    keys = move_bdim(keys, d, 0)
    nd = len(aval(keys).shape) - 1
    ax = axis % nd
    return sort_permutation(keys, ax + 1), 0


def _sort_perm_jvp(primals, tangents, *, axis):
    out = sort_permutation(primals[0], axis)
    return out, Zero(aval(out))


sort_permutation_p = def_primitive(
    "sort_permutation", abstract_eval=_sort_perm_abstract, impl=_sort_perm_impl,
    vjp=NOT_DIFFERENTIABLE("integer output"), jvp=_sort_perm_jvp, batch=_sort_perm_batch,
    lower=HOST)


def sort_permutation(keys, axis: int = -1):
    """Indices that sort ``keys`` along ``axis``, stably (ties keep their order), as int64.

    ``take_along_axis(x, sort_permutation(k, a), a)`` is ``lax.sort_key_val(k, x, a)[1]``.
    """
    return sort_permutation_p.bind(keys, axis=int(axis))


# --------------------------------------------------------------------------- optimization barrier

def _barrier_vjp(ct, *xs, out):
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    return cts


def _barrier_jvp(primals, tangents):
    from ..primitives.elementwise import instantiate
    outs = optimization_barrier_p.bind(*primals)
    nz = [i for i, t in enumerate(tangents) if not isinstance(t, Zero)]
    touts = [Zero(aval(o)) for o in outs]
    for i, t in zip(nz, optimization_barrier_p.bind(*[instantiate(tangents[i]) for i in nz])):
        touts[i] = t
    return outs, touts


optimization_barrier_p = def_primitive(
    "optimization_barrier", abstract_eval=lambda *avals: list(avals), impl=lambda *xs: list(xs),
    vjp=_barrier_vjp, jvp=_barrier_jvp,
    batch=lambda args, dims: (optimization_barrier_p.bind(*args), list(dims)),
    lower=HOST, multiple_results=True)


def optimization_barrier(operand):
    """``lax.optimization_barrier``: the identity, but jit neither fuses across it nor
    reorders through it (the value is materialized). Takes a pytree of arrays.

    Random samplers use it so that ``u * span + lo`` rounds twice under jit exactly as eagerly
    (a fused kernel could contract it into one fused multiply-add)."""
    from ..core.tree_util import tree_flatten, tree_unflatten
    leaves, tree = tree_flatten(operand)
    return tree_unflatten(tree, optimization_barrier_p.bind(*leaves))
