"""Array creation: array, asarray, zeros, ones, full, *_like, arange, linspace, eye, ...

Results are ``funcgrad.Array``; the default float is float64 (float32 when
``funcgrad.config.update("jax_enable_x64", False)``, which also turns int64 into int32).

>>> import funcgrad.numpy as jnp
>>> jnp.zeros((2, 3)).dtype, jnp.arange(3).dtype, jnp.array([1.0, 2.0], dtype=jnp.float32).dtype
(dtype('float64'), dtype('int64'), dtype('float32'))
>>> jnp.linspace(0.0, 1.0, 5)
Array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float64)
"""
from __future__ import annotations

import numpy as np

from ..core.array import Array
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from ._dtypes import (_CFG, base, canonicalize_dtype, default_float_dtype, dtype_of,
                      result_type, to_dtype, untraced, wrap, wrap_weak)


def _dt(dtype, fallback=None):
    if dtype is None:
        if fallback is None:
            return default_float_dtype()
        return canonicalize_dtype(fallback)
    return canonicalize_dtype(dtype)


_PY = (int, float, bool, complex)


def _flat(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _has_tracer(xs) -> bool:
    return any(isinstance(x, Tracer) for x in _flat(xs))


def _stack_nested(a, dtype):
    """A (nested) list containing tracers: convert every leaf to the common dtype, then stack."""
    from ._shape import stack
    if isinstance(a, (list, tuple)):
        return stack([_stack_nested(x, dtype) for x in a])
    return to_dtype(a, dtype) if isinstance(a, Tracer) else np.asarray(a, dtype=dtype)


def asarray(a, dtype=None, order=None, *, copy=None):
    """Convert to a funcgrad Array (zero-copy for an Array or ndarray of the right dtype).

    Inside a transform, a traced value is returned as is, and a list holding traced values is
    stacked. Python scalars in a list next to typed values are weak, as in JAX:
    ``asarray([np.float32(1), 2.0])`` is float32.

    >>> import numpy as np, funcgrad.numpy as jnp
    >>> x = np.ones(3)
    >>> np.shares_memory(jnp.asarray(x), x)
    True
    """
    if isinstance(a, Tracer):
        return a if dtype is None else to_dtype(a, canonicalize_dtype(dtype), False)
    if isinstance(a, Array) and (dtype is None or np.dtype(dtype) == a.dtype):
        return a
    if dtype is None and type(a) in _PY:
        return wrap_weak(np.asarray(a), True)       # a Python scalar stays weakly typed
    if isinstance(a, (list, tuple)):
        leaves = list(_flat(a))
        if any(isinstance(x, Tracer) for x in leaves):
            dt = canonicalize_dtype(dtype) if dtype is not None else result_type(*leaves)
            return _stack_nested(a, dt)
        if dtype is None and leaves and not all(type(x) in _PY for x in leaves):
            dtype = result_type(*leaves)      # Python scalars next to typed values are weak
    arr = np.asarray(base(a), dtype=dtype)
    if not _CFG["jax_enable_x64"]:
        arr = arr.astype(canonicalize_dtype(arr.dtype), copy=False)
    return wrap(arr)


def array(object, dtype=None, copy=True, order="K", ndmin=0):  # noqa: A002
    """A new Array from ``object`` (copied unless ``copy=False``)."""
    fresh = isinstance(object, (list, tuple, int, float, bool, complex))
    r = asarray(object, dtype)
    if copy and not fresh and not isinstance(r, Tracer):
        r = wrap(np.array(base(r), copy=True))
    if ndmin and len(shape_of(r)) < ndmin:
        from ._shape import reshape
        r = reshape(r, (1,) * (ndmin - len(shape_of(r))) + tuple(shape_of(r)))
    return r


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def zeros(shape, dtype=None):
    """An Array of zeros (float64 by default)."""
    return wrap(np.zeros(shape, _dt(dtype)))


def ones(shape, dtype=None):
    """An Array of ones (float64 by default)."""
    return wrap(np.ones(shape, _dt(dtype)))


def empty(shape, dtype=None):
    """Zeros (funcgrad never hands out uninitialized memory)."""
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    """An Array of ``shape`` filled with ``fill_value`` (its dtype unless ``dtype`` is given)."""
    if isinstance(fill_value, Tracer):
        dt = _dt(dtype, dtype_of(fill_value))
        shape = _shape(shape)
        from ._shape import broadcast_to
        return broadcast_to(to_dtype(fill_value, dt), shape)
    return wrap(np.full(shape, base(fill_value), dtype=_dt(dtype, dtype_of(fill_value))))


def _like_dtype(a, dtype):
    return _dt(dtype, dtype_of(a))


def zeros_like(a, dtype=None, shape=None):
    """Zeros with the shape and dtype of ``a`` (a concrete constant, also for traced ``a``)."""
    return zeros(shape_of(a) if shape is None else shape, _like_dtype(a, dtype))


def ones_like(a, dtype=None, shape=None):
    """Ones with the shape and dtype of ``a``."""
    return ones(shape_of(a) if shape is None else shape, _like_dtype(a, dtype))


def empty_like(a, dtype=None, shape=None):
    """``zeros_like`` (funcgrad never hands out uninitialized memory)."""
    return zeros_like(a, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None):
    """``fill_value`` with the shape and dtype of ``a``."""
    return full(shape_of(a) if shape is None else shape, fill_value, _like_dtype(a, dtype))


def _concrete(v, what):
    if isinstance(v, Tracer):
        return v._concrete(f"`{what}` (it must be concrete; use static_argnums)")
    return base(v)


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (the bounds must be concrete).

    >>> import funcgrad.numpy as jnp
    >>> jnp.arange(1, 2, 0.25)
    Array([1.  , 1.25, 1.5 , 1.75], dtype=float64)
    """
    start = _concrete(start, "arange")
    stop = _concrete(stop, "arange")
    step = _concrete(step, "arange")
    if stop is None:
        start, stop = 0, start
    r = np.arange(start, stop, 1 if step is None else step, dtype=dtype)
    return wrap(r.astype(canonicalize_dtype(r.dtype), copy=False))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``start``/``stop`` may be traced)."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if _state.trace is EVAL or untraced(start, stop):
        r = np.linspace(base(start), base(stop), num, endpoint=endpoint, retstep=retstep, dtype=dtype,
                        axis=axis)
        if retstep:
            return wrap(r[0]), wrap(r[1])
        return wrap(r)
    from ._shape import moveaxis
    from ._ufuncs import add, multiply, subtract, floor
    comp = result_type(start, stop, 1.0)                        # NumPy computes in a float type
    out_dt = canonicalize_dtype(dtype) if dtype is not None else comp
    div = (num - 1) if endpoint else num
    start, stop = to_dtype(start, comp), to_dtype(stop, comp)
    s = np.broadcast_shapes(shape_of(start), shape_of(stop))
    steps = np.arange(num, dtype=comp).reshape((num,) + (1,) * len(s))
    delta = subtract(stop, start)
    step = delta / div if div > 0 else delta * np.nan
    out = add(start, multiply(steps, step) if div > 0 else multiply(steps, delta))
    if endpoint and num > 1:
        from ._ufuncs import where
        last = np.arange(num).reshape((num,) + (1,) * len(s)) == num - 1
        out = where(last, stop, out)
    if out_dt.kind in "iu":
        out = floor(out)
    out = to_dtype(out, out_dt)
    if axis:
        out = moveaxis(out, 0, axis)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``."""
    from ._ufuncs import power
    r = power(base, linspace(start, stop, num, endpoint, dtype=None, axis=axis))
    return r if dtype is None else astype(r, dtype)


def eye(N, M=None, k=0, dtype=None):
    """Ones on the ``k``-th diagonal, zeros elsewhere."""
    return wrap(np.eye(N, M, k, dtype=_dt(dtype)))


def identity(n, dtype=None):
    """The ``n`` x ``n`` identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the ``k``-th diagonal."""
    return wrap(np.tri(N, M, k, dtype=_dt(dtype)))


def tril(m, k=0):
    """Lower triangle of (the last two axes of) ``m``."""
    if _state.trace is EVAL or not isinstance(m, Tracer):
        return wrap(np.tril(base(m), k))
    from ._ufuncs import where
    s = shape_of(m)
    return where(np.tri(s[-2], s[-1], k, dtype=bool), m, to_dtype(0, dtype_of(m)))


def triu(m, k=0):
    """Upper triangle of (the last two axes of) ``m``."""
    if _state.trace is EVAL or not isinstance(m, Tracer):
        return wrap(np.triu(base(m), k))
    from ._ufuncs import where
    s = shape_of(m)
    return where(~np.tri(s[-2], s[-1], k - 1, dtype=bool), m, to_dtype(0, dtype_of(m)))


def meshgrid(*xi, indexing="xy", sparse=False, copy=True):
    """Coordinate arrays from 1-D coordinate vectors (``indexing`` 'xy' or 'ij')."""
    if _state.trace is EVAL or untraced(*xi):
        return [wrap(r) for r in np.meshgrid(*[base(x) for x in xi], indexing=indexing, sparse=sparse)]
    from ._shape import broadcast_to, reshape
    n = len(xi)
    sizes = [shape_of(x)[0] for x in xi]
    out = []
    for i, x in enumerate(xi):
        shp = [1] * n
        shp[i] = sizes[i]
        if indexing == "xy" and n >= 2:
            shp[0], shp[1] = shp[1], shp[0]
        out.append(reshape(x, shp))
    if not sparse:
        full_shape = list(sizes)
        if indexing == "xy" and n >= 2:
            full_shape[0], full_shape[1] = full_shape[1], full_shape[0]
        out = [broadcast_to(o, full_shape) for o in out]
    return out


def copy(a, order=None):
    """A copy of ``a`` (traced values are immutable: returned as is)."""
    return array(a, copy=True)


def astype(x, dtype, copy=False):
    """``x`` converted to ``dtype`` (canonicalized: 64-bit types become 32-bit when x64 is off)."""
    dt = canonicalize_dtype(dtype)
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.asarray(base(x)).astype(dt))
    return to_dtype(x, dt, False)


def diag(v, k=0):
    """The ``k``-th diagonal of a 2-D array, or a 2-D array with the 1-D ``v`` on it."""
    if _state.trace is EVAL or not isinstance(v, Tracer):
        return wrap(np.diag(base(v), k))
    s = shape_of(v)
    if len(s) == 1:
        from ._shape import reshape
        from ._ufuncs import multiply
        from ._linalg import matmul
        n = s[0] + abs(k)
        dt = dtype_of(v)
        e = np.eye(n, k=k, dtype=dt)
        rowsel = np.zeros((n, s[0]), dtype=dt)        # row r of diag(v) holds v[r - max(-k, 0)]
        rowsel[np.arange(s[0]) + max(-k, 0), np.arange(s[0])] = 1
        return multiply(e, reshape(matmul(rowsel, v), (n, 1)))
    if len(s) != 2:
        raise ValueError(f"diag: input must be 1-D or 2-D, got shape {s}")
    from ._indexing import diagonal
    return diagonal(v, k)
