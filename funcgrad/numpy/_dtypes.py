"""Dtype promotion (NumPy's rules, Python scalars weak), conversion and rank broadcasting.

Every ``funcgrad.numpy`` function has an eager path (no transform active, no tracer arguments:
call NumPy directly) and a traced path (promote and broadcast explicitly, then call ``lax``).
The helpers here make the traced path give the same dtypes and shapes NumPy gives eagerly.
"""
from __future__ import annotations

import numpy as np

from ..core.array import Array, as_array
from ..core.avals import is_float
from ..core.config import config
from ..core.errors import ShapeError
from ..core.ir import aval_of_value
from ..core.source_info import user_frame_info
from ..core.trace import Tracer, is_eager
from ..primitives.elementwise import convert_element_type
from ..primitives.shape import broadcast_in_dim, shape_of

_WEAK_REP = {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}
_TO_32 = {np.dtype(np.float64): np.dtype(np.float32), np.dtype(np.int64): np.dtype(np.int32),
          np.dtype(np.uint64): np.dtype(np.uint32), np.dtype(np.complex128): np.dtype(np.complex64)}


def x64_enabled() -> bool:
    return config._values["jax_enable_x64"]


def canonicalize_dtype(dtype) -> np.dtype:
    """float64 -> float32 etc. when ``jax_enable_x64`` is off; unchanged otherwise."""
    dtype = np.dtype(dtype)
    if x64_enabled():
        return dtype
    return _TO_32.get(dtype, dtype)


def default_float_dtype() -> np.dtype:
    return np.dtype(np.float64) if x64_enabled() else np.dtype(np.float32)


def default_int_dtype() -> np.dtype:
    return np.dtype(np.int64) if x64_enabled() else np.dtype(np.int32)


def wrap(r) -> Array:
    """Wrap an eager NumPy result as an Array (canonicalizing 64-bit dtypes when x64 is off)."""
    if not x64_enabled():
        r = np.asarray(r)
        c = _TO_32.get(r.dtype)
        if c is not None:
            r = r.astype(c)
    return as_array(r)


def base(x):
    """The plain-ndarray view of an Array (NumPy is fastest on base arrays); other values as is."""
    return x.view(np.ndarray) if type(x) is Array else x


def is_weak(x) -> bool:
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return True
    return isinstance(x, Tracer) and x.aval.weak_type


def dtype_of(x) -> np.dtype:
    return canonicalize_dtype(aval_of_value(x).dtype) if not isinstance(x, Tracer) else x.aval.dtype


def result_type(*args) -> np.dtype:
    """NumPy's promotion with Python scalars (and values derived only from them) weak."""
    reps = [_WEAK_REP[dtype_of(a).kind] if is_weak(a) else dtype_of(a) for a in args]
    return canonicalize_dtype(np.result_type(*reps))


def to_dtype(x, dtype, weak=False):
    """Convert a value or tracer to ``dtype`` (Python scalars become typed 0-d constants)."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tracer):
        return convert_element_type(x, dtype, weak)
    if isinstance(x, (bool, int, float, complex, np.generic)):
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
        raise ShapeError(f"{op}: incompatible shapes for broadcasting: "
                         f"{', '.join(str(tuple(s)) for s in shapes)} (at {user_frame_info()})") from None


def promote_args(op, *args):
    """Promote to a common dtype and broadcast to a common rank (size-1 axes stay size 1)."""
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


def promote_to_inexact(x):
    """Integer/bool inputs to the float dtype NumPy's ufuncs pick (int8 -> float16, ...)."""
    dt = dtype_of(x)
    if is_float(dt):
        return x
    target = canonicalize_dtype(np.result_type(dt, np.float16)) if dt.kind in "biu" else dt
    if is_weak(x):
        target = default_float_dtype()
    return to_dtype(x, target, is_weak(x))


__all__ = ["is_eager", "wrap", "base", "result_type", "promote_args", "to_dtype", "dtype_of",
           "canonicalize_dtype", "promote_to_inexact", "broadcast_shapes_np"]
