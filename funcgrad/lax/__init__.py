"""``funcgrad.lax``: the primitive operations, with ``jax.lax``'s names and signatures.

Every function here binds one primitive (or a few); ``funcgrad.numpy`` is built on top.
"""
from __future__ import annotations

import numpy as np

from ..core.primitive import PRIMITIVES
from ..primitives.elementwise import (  # noqa: F401
    abs, acos, acosh, add, add_any, asin, asinh, atan, atan2, atanh, bitwise_and, bitwise_not,
    bitwise_or, bitwise_xor, cbrt, ceil, convert_element_type, cos, cosh, digamma, div, eq, erf,
    erf_inv, exp, expm1, floor, ge, gt, integer_pow, is_finite, le, lgamma, log, log1p, logistic, lt,
    max, min, mul, ne, neg, polygamma, pow, rem, rsqrt, select, select_n, sign, sin, sinh, sqrt,
    stop_gradient, sub, tan, tanh)
from ..primitives.elementwise import abs_p, add_p, exp_p, log_p, mul_p, sin_p, cos_p, tanh_p  # noqa: F401
from ..primitives.elementwise import round_ as _round
from ..primitives.linalg import dot_general  # noqa: F401
from ..primitives.random_bits import (bitcast_convert_type, optimization_barrier,  # noqa: F401
                                      shift_left, shift_right_logical)
from ..primitives.reductions import (argmax, argmin, reduce_max, reduce_min,  # noqa: F401
                                     reduce_prod, reduce_sum)
from ..primitives.shape import (broadcast_in_dim, concatenate, expand_dims, pad, reshape,  # noqa: F401
                                rev, squeeze, transpose)
from ..primitives.shape import slice as _slice
from ..primitives.indexing import (dynamic_index_in_dim, dynamic_slice,  # noqa: F401
                                   dynamic_slice_in_dim, dynamic_update_slice,
                                   dynamic_update_slice_in_dim)

slice = _slice  # noqa: A001 - lax's name


class RoundingMethod:
    AWAY_FROM_ZERO = 0
    TO_NEAREST_EVEN = 1


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001
    return _round(x, int(rounding_method))


def square(x):
    return integer_pow(x, 2)


def reciprocal(x):
    return integer_pow(x, -1)


and_ = bitwise_and
or_ = bitwise_or
xor_ = bitwise_xor
not_ = bitwise_not


def dot(lhs, rhs, precision=None, preferred_element_type=None):
    """``lax.dot``: vector/matrix product contracting the last axis of ``lhs`` with the first of
    ``rhs``."""
    from ..primitives.shape import shape_of
    return dot_general(lhs, rhs, (((len(shape_of(lhs)) - 1,), (0,)), ((), ())),
                       preferred_element_type)


def broadcast(x, sizes):
    """Prepend dimensions ``sizes`` to ``x``."""
    from ..primitives.shape import shape_of
    s = shape_of(x)
    return broadcast_in_dim(x, tuple(sizes) + tuple(s), tuple(range(len(sizes), len(sizes) + len(s))))


def slice_in_dim(x, start_index, limit_index, stride=1, axis=0):
    from ..primitives.shape import shape_of
    s = shape_of(x)
    start = [0] * len(s)
    limit = list(s)
    strides = [1] * len(s)
    n = s[axis]
    start_index = 0 if start_index is None else (start_index + n if start_index < 0 else start_index)
    limit_index = n if limit_index is None else (limit_index + n if limit_index < 0 else limit_index)
    start[axis], limit[axis], strides[axis] = start_index, limit_index, stride
    return _slice(x, start, limit, strides)


def index_in_dim(x, index, axis=0, keepdims=True):
    from ..primitives.shape import shape_of
    n = shape_of(x)[axis]
    index = index + n if index < 0 else index
    r = slice_in_dim(x, index, index + 1, 1, axis)
    return r if keepdims else squeeze(r, (axis,))


def full(shape, fill_value, dtype=None):
    dtype = np.dtype(dtype) if dtype is not None else np.asarray(fill_value).dtype
    from ..primitives.shape import shape_of
    v = convert_element_type(fill_value, dtype) if hasattr(fill_value, "aval") else np.array(fill_value, dtype)
    return broadcast_in_dim(v, tuple(shape), ())


def full_like(x, fill_value, dtype=None, shape=None):
    from ..primitives.shape import aval
    a = aval(x)
    return full(a.shape if shape is None else shape, fill_value, a.dtype if dtype is None else dtype)


def zeros_like_array(x):
    return full_like(x, 0)


def primitives() -> dict:
    """Every registered primitive by name."""
    return dict(PRIMITIVES)


from ._sorting import (associative_scan, cumlogsumexp, cummax, cummin, cumprod, cumsum,  # noqa: E402,F401
                       sort, sort_key_val, top_k)
from ..primitives.special import bessel_i0e, bessel_i1e, erfc  # noqa: E402,F401
from ._extras import (broadcasted_iota, clamp, collapse, dynamic_update_index_in_dim, exp2,  # noqa: E402,F401
                      iota, population_count, reduce_and, reduce_or, reduce_xor, split)
# --------------------------------------------------------------------------- control flow (#10)
from ..control.cond import cond, switch  # noqa: E402,F401
from ..control.loops import fori_loop, map, scan, while_loop  # noqa: E402,F401,A004
from ..control import while_grad as _while_grad  # noqa: E402,F401  (registers while_grad)


def _native_region(ctx, *names, **params):
    """Lower a control-flow equation to a compiled region (imported on first use: the backend
    stays out of ``import funcgrad``)."""
    from ..backend.regions import lower_region
    return lower_region(ctx, *names, **params)


def _register_regions():
    from ..control import lowering_hook
    for _name in ("cond", "scan", "while", "while_grad"):
        lowering_hook.register(_name, _native_region)


_register_regions()
