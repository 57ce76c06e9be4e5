"""More elementwise functions: ``frexp``, ``ldexp``, ``modf``, ``gcd``, ``lcm``, ``logaddexp2``,
``fabs``, ``i0``, ``isneginf``, ``isposinf``, ``isreal``, ``iscomplex``, ``angle``, the shifts,
``bitwise_count``, and the NaN-ignoring ``nanargmax``/``nanargmin``/``nanprod``/``nanvar``/``nanstd``.

>>> import funcgrad.numpy as jnp
>>> jnp.frexp(jnp.array([8.0, 0.75]))
(Array([0.5 , 0.75], dtype=float64), Array([4, 0], dtype=int32))
>>> jnp.gcd(jnp.array([12, 18]), 8)
Array([4, 2], dtype=int64)
>>> jnp.logaddexp2(1.0, 1.0)
Array(2., dtype=float64)
"""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from ..core.trace import EVAL, Tracer, _state
from ..primitives import special as _sp
from ..primitives.shape import shape_of
from . import _ufuncs as U
from ._dtypes import (base, default_int_dtype, dtype_of, is_weak, promote_args, to_dtype, untraced,
                      wrap, wrap_weak)
from ._ufuncs import _binary, _unary, np_out_dtype


def _c(x, v):
    return np.array(v, dtype=dtype_of(x))


# --------------------------------------------------------------------------- float decomposition

def frexp(x, /):
    """``(mantissa, exponent)`` with ``x = mantissa * 2 ** exponent`` and
    ``0.5 <= |mantissa| < 1`` (``(0, 0)`` at zero; inf and NaN keep their value, exponent 0)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        m, e = np.frexp(base(x))
        return wrap(m), wrap(e)
    dt = np_out_dtype(lambda v: np.frexp(v)[0], x)
    x = to_dtype(x, dt)
    ax = lax.abs(x)
    finite_nonzero = lax.bitwise_and(lax.is_finite(x), lax.ne(x, _c(x, 0)))
    safe = lax.select(finite_nonzero, ax, _c(x, 1))
    e = lax.add(lax.floor(U.log2(safe)), _c(x, 1))
    m = lax.div(x, lax.pow(_c(x, 2), e))
    big = lax.ge(lax.abs(m), _c(x, 1))                     # log2 rounded up at an exact power
    m, e = lax.select(big, lax.div(m, _c(x, 2)), m), lax.select(big, lax.add(e, _c(x, 1)), e)
    small = lax.lt(lax.abs(m), _c(x, 0.5))
    m, e = lax.select(small, lax.mul(m, _c(x, 2)), m), lax.select(small, lax.sub(e, _c(x, 1)), e)
    m = lax.select(finite_nonzero, m, x)
    e = lax.select(finite_nonzero, e, _c(x, 0))
    return m, lax.convert_element_type(e, np.int32)


def ldexp(x1, x2, /):
    """``x1 * 2 ** x2`` (``x2`` integer)."""
    if _state.trace is EVAL or untraced(x1, x2):
        r = np.ldexp(base(x1), base(x2))
        return wrap_weak(r, is_weak(x1) and is_weak(x2)) if np.ndim(r) == 0 else wrap(r)
    if dtype_of(x2).kind not in "biu":
        raise TypeError(f"ldexp: the exponent must be an integer, got {dtype_of(x2)}")
    dt = np_out_dtype(np.ldexp, x1, x2)
    a, b = promote_args("ldexp", x1, x2, dtype=dt)
    return lax.mul(a, lax.pow(_c(a, 2), b))


def modf(x, /, out=None):
    """``(fractional part, integral part)``, both with the sign of ``x``."""
    if out is not None:
        raise NotImplementedError("modf: the out= argument is not supported")
    if _state.trace is EVAL or not isinstance(x, Tracer):
        f, i = np.modf(base(x))
        return wrap(f), wrap(i)
    dt = np_out_dtype(lambda v: np.modf(v)[0], x)
    x = to_dtype(x, dt)
    i = U.trunc(x)
    f = lax.select(U.isinf(x), U.copysign(_c(x, 0), x), lax.sub(x, i))
    return f, i


# --------------------------------------------------------------------------- integer functions

def _int_binary(name, np_fn, lax_fn):
    def f(x1, x2, /):
        if _state.trace is EVAL or untraced(x1, x2):
            r = np_fn(base(x1), base(x2))
            return wrap_weak(r, is_weak(x1) and is_weak(x2)) if np.ndim(r) == 0 else wrap(r)
        dt = np_out_dtype(np_fn, x1, x2)
        a, b = promote_args(name, x1, x2, dtype=dt)
        return lax_fn(a, b)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise ``numpy.{np_fn.__name__}`` on integers."
    return f


def _lcm_lax(a, b):
    g = _sp.gcd(a, b)
    zero = lax.eq(g, _c(g, 0))
    return lax.abs(lax.mul(lax.div(a, lax.select(zero, _c(g, 1), g)), b))


gcd = _int_binary("gcd", np.gcd, _sp.gcd)
lcm = _int_binary("lcm", np.lcm, _lcm_lax)
left_shift = bitwise_left_shift = _int_binary("left_shift", np.left_shift, _sp.left_shift)
right_shift = bitwise_right_shift = _int_binary("right_shift", np.right_shift, _sp.right_shift)


def bitwise_count(x, /):
    """Number of 1 bits in ``|x|`` (uint8, as NumPy)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.bitwise_count(base(x)))
    if dtype_of(x).kind not in "biu":
        raise TypeError(f"bitwise_count requires an integer operand, got {dtype_of(x)}")
    if dtype_of(x) == np.bool_:
        x = to_dtype(x, np.uint8)
    return to_dtype(_sp.bitwise_count(to_dtype(x, dtype_of(x))), np.uint8)


# --------------------------------------------------------------------------- float functions

def _logaddexp2_lax(x, y):
    ln2 = _c(x, math.log(2))
    return lax.div(U._logaddexp_lax(lax.mul(x, ln2), lax.mul(y, ln2)), ln2)


logaddexp2 = _binary("logaddexp2", np.logaddexp2, _logaddexp2_lax)
fabs = _unary("fabs", np.fabs, lax.abs)


def i0(x):
    """Modified Bessel function of the first kind, order 0 (``exp(|x|) * i0e(x)``)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.i0(base(x)))
    dt = np_out_dtype(np.i0, x)
    x = to_dtype(x, dt)
    return lax.mul(lax.exp(lax.abs(x)), _sp.bessel_i0e(x))


def _inf_test(name, np_fn, sign):
    def f(x, /, out=None):
        if _state.trace is EVAL or not isinstance(x, Tracer):
            return wrap(np_fn(base(x)))
        if dtype_of(x).kind != "f":
            return lax.full(shape_of(x), False, np.bool_)
        return lax.eq(x, _c(x, sign * np.inf))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"True where ``x`` is {'+' if sign > 0 else '-'}inf."
    return f


isposinf = _inf_test("isposinf", np.isposinf, 1)
isneginf = _inf_test("isneginf", np.isneginf, -1)


def isreal(x):
    """True where the imaginary part is zero (everywhere for real arrays)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.isreal(base(x)))
    return lax.full(shape_of(x), True, np.bool_)


def iscomplex(x):
    """True where the imaginary part is nonzero (nowhere for real arrays)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.iscomplex(base(x)))
    return lax.full(shape_of(x), False, np.bool_)


def isrealobj(x) -> bool:
    """Whether ``x`` has a real (non-complex) dtype."""
    return dtype_of(x).kind != "c"


def iscomplexobj(x) -> bool:
    """Whether ``x`` has a complex dtype."""
    return dtype_of(x).kind == "c"


def isscalar(element) -> bool:
    """True for Python/NumPy scalars and 0-d arrays (as ``jax.numpy.isscalar``)."""
    if isinstance(element, (bool, int, float, complex, np.generic)):
        return True
    if isinstance(element, (Tracer, np.ndarray)):
        return len(shape_of(element)) == 0
    return False


def iterable(y) -> bool:
    """Whether ``iter(y)`` works."""
    try:
        iter(y)
    except TypeError:
        return False
    return True


def angle(z, deg: bool = False):
    """The argument of ``z``: ``pi`` for negative reals (and -0.0), else 0."""
    if _state.trace is EVAL or not isinstance(z, Tracer):
        return wrap(np.angle(base(z), deg))
    from ._dtypes import promote_to_inexact
    z = promote_to_inexact(z)
    r = U.arctan2(lax.full(shape_of(z), 0, dtype_of(z)), z)
    return U.rad2deg(r) if deg else r


# --------------------------------------------------------------------------- NaN-ignoring reductions

def _nan_arg(name, np_fn, arg_fn, fill):
    def f(a, axis=None, out=None, keepdims=False):
        if out is not None:
            raise NotImplementedError(f"{name}: the out= argument is not supported")
        if _state.trace is EVAL or not isinstance(a, Tracer):
            return wrap(np.asarray(np_fn(base(a), axis=axis, keepdims=keepdims)).astype(default_int_dtype()))
        if dtype_of(a).kind != "f":
            return arg_fn(a, axis, keepdims=keepdims)
        from ._reductions import all as _all
        nan = U.isnan(a)
        r = arg_fn(U.where(nan, fill, a), axis, keepdims=keepdims)
        return U.where(_all(nan, axis=axis, keepdims=keepdims), -1, r)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"``numpy.{name}``: NaNs ignored; an all-NaN slice gives -1 when traced "
                 "(NumPy raises), as in JAX.")
    return f


def _nanargmax_impl(a, axis=None, keepdims=False):
    from ._reductions import argmax
    return argmax(a, axis, keepdims=keepdims)


def _nanargmin_impl(a, axis=None, keepdims=False):
    from ._reductions import argmin
    return argmin(a, axis, keepdims=keepdims)


nanargmax = _nan_arg("nanargmax", np.nanargmax, _nanargmax_impl, -np.inf)
nanargmin = _nan_arg("nanargmin", np.nanargmin, _nanargmin_impl, np.inf)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product treating NaN as one."""
    if _state.trace is EVAL or untraced(a, where):
        kw = {} if where is None else {"where": base(where)}
        if initial is not None:
            kw["initial"] = initial
        return wrap(np.nanprod(base(a), axis=axis, dtype=dtype, keepdims=keepdims, **kw))
    from ._reductions import prod
    a = U.where(U.isnan(a), 1, a) if dtype_of(a).kind == "f" else a
    return prod(a, axis, dtype, out, keepdims, initial, where)


def _nan_moment(name, np_fn, fn_name):
    def f(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None):
        if _state.trace is EVAL or untraced(a, where):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                kw = {} if where is None else {"where": base(where)}
                return wrap(np_fn(base(a), axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, **kw))
        from . import _reductions
        fn = getattr(_reductions, fn_name)
        mask = U.logical_not(U.isnan(a)) if dtype_of(a).kind == "f" else None
        if where is not None:
            mask = where if mask is None else U.logical_and(mask, where)
        return fn(U.where(U.isnan(a), 0, a) if mask is not None else a, axis, dtype, out, ddof,
                  keepdims, where=mask)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"``numpy.{name}``: {fn_name} of the non-NaN elements (``ddof`` as NumPy)."
    return f


nanvar = _nan_moment("nanvar", np.nanvar, "var")
nanstd = _nan_moment("nanstd", np.nanstd, "std")


def array_equiv(a1, a2) -> bool:
    """Whether the arrays broadcast to one shape and are equal elementwise."""
    try:
        np.broadcast_shapes(tuple(shape_of(a1)), tuple(shape_of(a2)))
    except ValueError:
        from ._creation import asarray
        return asarray(False)
    from ._reductions import all as _all
    return _all(U.equal(a1, a2))
