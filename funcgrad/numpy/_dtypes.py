"""Dtype promotion (NumPy's rules, Python scalars weak), conversion, rank broadcasting, and the
eager fast path shared by every ``funcgrad.numpy`` function.

Every function has an eager path (no transform active: call NumPy directly on base ndarrays and
wrap the result zero-copy) and a traced path (promote and broadcast explicitly, then call ``lax``).
The helpers here make the traced path give the same dtypes and shapes NumPy gives eagerly.

>>> import numpy as np
>>> result_type(np.ones(2, np.float32), 2.0)     # a Python scalar is weak: float32 stays
dtype('float32')
>>> result_type(np.ones(2, np.int32), 2.0)       # NumPy's rule: int32 with a float is float64
dtype('float64')
"""
from __future__ import annotations

import numpy as np

from ..core.array import Array, WeakArray, as_array
from ..core.debug_nans import check_eager_result
from ..core.avals import is_float
from ..core.config import config
from ..core.errors import ShapeError
from ..core.ir import aval_of_value
from ..core.source_info import user_frame_info
from ..core.trace import Tracer, is_eager, leaked_tracer_error
from ..primitives.elementwise import convert_element_type
from ..primitives.shape import broadcast_in_dim, shape_of

_WEAK_REP = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}
_TO_32 = {np.dtype(np.float64): np.dtype(np.float32), np.dtype(np.int64): np.dtype(np.int32),
          np.dtype(np.uint64): np.dtype(np.uint32), np.dtype(np.complex128): np.dtype(np.complex64)}
_CFG = config._values          # read directly on the hot path (one dict lookup)
_ND = np.ndarray
_PY_SCALARS = (bool, int, float, complex)
_F64, _F32, _I64, _I32 = np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.int32)


def x64_enabled() -> bool:
    return _CFG["jax_enable_x64"]


def canonicalize_dtype(dtype) -> np.dtype:
    """float64 -> float32 etc. when ``jax_enable_x64`` is off; unchanged otherwise.

    >>> canonicalize_dtype(np.float64)
    dtype('float64')
    """
    dtype = np.dtype(dtype)
    if _CFG["jax_enable_x64"]:
        return dtype
    return _TO_32.get(dtype, dtype)


def default_float_dtype() -> np.dtype:
    return _F64 if _CFG["jax_enable_x64"] else _F32


def default_int_dtype() -> np.dtype:
    return _I64 if _CFG["jax_enable_x64"] else _I32


# --------------------------------------------------------------------------- eager fast path

def untraced(*args) -> bool:
    """No argument is a tracer. Every function computes with NumPy right away when
    ``_state.trace is EVAL or untraced(...)``: no transform is active, or the arguments are all
    constants to it (constant folding). A tracer that leaked out of its transform is caught by
    ``base``, which every eager path applies to its array arguments."""
    for a in args:
        if isinstance(a, Tracer):
            return False
    return True


def wrap(r) -> Array:
    """Wrap an eager NumPy result as an Array without copying (canonicalizing 64-bit dtypes when
    x64 is off). With ``jax_debug_nans``, a NaN result raises ``FloatingPointError``."""
    if _CFG["jax_debug_nans"]:
        check_eager_result(r)
    if _CFG["jax_enable_x64"]:
        if type(r) is _ND:
            return r.view(Array)
        return as_array(r)
    r = np.asarray(r)
    c = _TO_32.get(r.dtype)
    if c is not None:
        r = r.astype(c)
    return as_array(r)


def named(f, name: str):
    """Give a function made by a factory its public name, in its code object too (so tracebacks
    and ``jax_debug_nans`` messages say ``jnp.log``, not ``f``)."""
    f.__name__ = f.__qualname__ = name
    f.__code__ = f.__code__.replace(co_name=name)
    return f


def wrap_weak(r, weak: bool) -> Array:
    """``wrap`` for a NumPy scalar result: weakly typed if every input was (see ``WeakArray``).

    >>> import funcgrad.numpy as jnp, numpy as np
    >>> jnp.sqrt(2.0), jnp.sqrt(2.0).weak_type
    (Array(1.41421356, dtype=float64), True)
    >>> (np.ones(2, np.float32) * jnp.sqrt(2.0)).dtype
    dtype('float32')
    """
    a = wrap(r)
    if weak and a.ndim == 0 and _weak_default(a.dtype.kind) == a.dtype:
        return a.view(WeakArray)
    return a


def base(x):
    """The plain-ndarray view of an Array (NumPy is fastest on base arrays); a weakly typed Array
    as a Python scalar (so NumPy treats it weakly); other values as is. A tracer here leaked out
    of its transform (no transform is active): raise that error."""
    if type(x) is Array:
        return x.view(_ND)
    if type(x) is WeakArray:
        return x.item()
    if isinstance(x, Tracer):
        raise leaked_tracer_error(x)
    return x


def shape_error(name: str, *args) -> ShapeError:
    """The error for operands that do not broadcast: names every shape and the user's line."""
    shapes = " and ".join(str(tuple(shape_of(a))) for a in args)
    return ShapeError(f"{name}: operands could not be broadcast together with shapes {shapes} "
                      f"(at {user_frame_info()})")


# --------------------------------------------------------------------------- promotion

def is_weak(x) -> bool:
    """Python scalars (and traced values derived only from them) have a weak dtype."""
    t = type(x)
    if t is float or t is int or t is bool or t is complex or t is WeakArray:
        return True
    if isinstance(x, Tracer):
        return x.aval.weak_type
    return isinstance(x, _PY_SCALARS) and not isinstance(x, np.generic)


def dtype_of(x) -> np.dtype:
    """The dtype ``x`` has in funcgrad (canonicalized; Python scalars get the default dtypes)."""
    if isinstance(x, Tracer):
        return x.aval.dtype
    return canonicalize_dtype(aval_of_value(x).dtype)


def result_type(*args) -> np.dtype:
    """NumPy's promotion with Python scalars (and values derived only from them) weak.

    >>> result_type(np.int32(1), 1)
    dtype('int32')
    """
    reps = [_WEAK_REP[dtype_of(a).kind] if is_weak(a) else dtype_of(a) for a in args]
    return canonicalize_dtype(np.result_type(*reps))


_PY_OF_KIND = {"b": bool, "i": int, "f": float, "c": complex}


def _weak_default(kind) -> np.dtype | None:
    """The dtype a weak (Python) scalar of this kind has: bool, the default int/float/complex."""
    if kind == "b":
        return np.dtype(np.bool_)
    if kind == "i":
        return default_int_dtype()
    if kind == "f":
        return default_float_dtype()
    if kind == "c":
        return canonicalize_dtype(np.complex128)
    return None


def to_dtype(x, dtype, weak=False):
    """Convert a value or tracer to ``dtype``. A Python scalar stays a Python scalar when the
    result is weak and ``dtype`` is its kind's default (so the IR keeps the weak type); otherwise
    it becomes a typed 0-d constant."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tracer):
        return convert_element_type(x, dtype, weak)
    if type(x) is WeakArray:
        x = x.item()
    if isinstance(x, (bool, int, float, complex, np.generic)):
        if weak and not isinstance(x, np.generic) and _weak_default(dtype.kind) == dtype:
            return _PY_OF_KIND[dtype.kind](x)
        return np.array(x, dtype=dtype)
    arr = np.asarray(x)
    if arr.dtype != dtype:
        return arr.astype(dtype)
    return x


def broadcast_shapes_np(*shapes, op="broadcast"):
    """NumPy's broadcast of shapes, with an error that names every shape and the user's line."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"{op}: operands could not be broadcast together with shapes "
                         f"{' and '.join(str(tuple(s)) for s in shapes)} (at {user_frame_info()})") from None


def _already_promoted(args) -> bool:
    """Fast path: every operand is an array or tracer of one (canonical, strong) dtype and shape."""
    first = None
    for a in args:
        if isinstance(a, Tracer):
            av = a.aval
        elif type(a) is np.ndarray or type(a) is Array:
            av = aval_of_value(a)
        else:
            return False
        if first is None:
            first = av
            if av.weak_type or canonicalize_dtype(av.dtype) != av.dtype:
                return False
        elif av.dtype != first.dtype or av.shape != first.shape or av.weak_type:
            return False
    return True


def promote_args(op, *args, dtype=None):
    """Promote to a common dtype (``dtype`` if given, else ``result_type``) and broadcast to a
    common rank (size-1 axes stay size 1: the elementwise primitives broadcast those implicitly,
    as JAX's IR shows). A shape mismatch raises ``ShapeError`` naming every shape."""
    if dtype is None:
        if _already_promoted(args):
            return list(args)
        dtype = result_type(*args)
    weak = all(is_weak(a) for a in args)
    shapes = [shape_of(a) for a in args]
    out_shape = broadcast_shapes_np(*shapes, op=op)
    nd = len(out_shape)
    res = []
    for a, s in zip(args, shapes):
        a = to_dtype(a, dtype, weak)
        if 0 < len(s) < nd:
            a = broadcast_in_dim(a, (1,) * (nd - len(s)) + tuple(s), tuple(range(nd - len(s), nd)))
        res.append(a)
    return res


def inexact_dtype(dt, weak: bool = False) -> np.dtype:
    """The float dtype NumPy's float ufuncs give an input of dtype ``dt`` (int8 -> float16,
    int32 -> float64, ...); a weak integer gives the default float."""
    dt = np.dtype(dt)
    if is_float(dt):
        return dt
    if weak:
        return default_float_dtype()
    return canonicalize_dtype(np.result_type(dt, np.float16))


def promote_to_inexact(x):
    """Integer/bool inputs to the float dtype NumPy's ufuncs pick (int8 -> float16, ...)."""
    dt = dtype_of(x)
    if is_float(dt):
        return x
    weak = is_weak(x)
    return to_dtype(x, inexact_dtype(dt, weak), weak)


__all__ = ["is_eager", "untraced", "wrap", "wrap_weak", "named", "WeakArray", "base", "result_type",
           "promote_args", "to_dtype", "dtype_of", "canonicalize_dtype", "promote_to_inexact",
           "broadcast_shapes_np", "shape_error"]
