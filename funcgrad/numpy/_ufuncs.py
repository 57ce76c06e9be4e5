"""Elementwise functions of ``funcgrad.numpy``: NumPy directly when eager, ``lax`` when traced."""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import Tracer, is_eager
from ._dtypes import (base, dtype_of, is_weak, promote_args, promote_to_inexact, result_type,
                      to_dtype, wrap)


def _shape_error(name, x, y):
    return ShapeError(f"{name}: operands could not be broadcast together with shapes "
                      f"{np.shape(x)} and {np.shape(y)} (at {user_frame_info()})")


def _binary(name, np_fn, lax_fn, inexact=False):
    def f(x, y, /):
        if is_eager(x, y):
            try:
                return wrap(np_fn(base(x), base(y)))
            except ValueError:
                raise _shape_error(name, x, y) from None
        x, y = promote_args(name, x, y)
        if inexact:
            x, y = promote_to_inexact(x), promote_to_inexact(y)
        return lax_fn(x, y)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise ``numpy.{np_fn.__name__}`` (broadcasting, NumPy promotion)."
    return f


def _unary(name, np_fn, lax_fn, inexact=True):
    def f(x, /):
        if is_eager(x):
            return wrap(np_fn(base(x)))
        if inexact:
            x = promote_to_inexact(x)
        return lax_fn(x)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Elementwise ``numpy.{getattr(np_fn, '__name__', name)}``."
    return f


add = _binary("add", np.add, lax.add)
subtract = _binary("subtract", np.subtract, lax.sub)
multiply = _binary("multiply", np.multiply, lax.mul)
divide = true_divide = _binary("divide", np.true_divide, lax.div, inexact=True)
maximum = _binary("maximum", np.maximum, lax.max)
minimum = _binary("minimum", np.minimum, lax.min)
arctan2 = atan2 = _binary("arctan2", np.arctan2, lax.atan2, inexact=True)
equal = _binary("equal", np.equal, lax.eq)
not_equal = _binary("not_equal", np.not_equal, lax.ne)
less = _binary("less", np.less, lax.lt)
less_equal = _binary("less_equal", np.less_equal, lax.le)
greater = _binary("greater", np.greater, lax.gt)
greater_equal = _binary("greater_equal", np.greater_equal, lax.ge)
bitwise_and = _binary("bitwise_and", np.bitwise_and, lax.bitwise_and)
bitwise_or = _binary("bitwise_or", np.bitwise_or, lax.bitwise_or)
bitwise_xor = _binary("bitwise_xor", np.bitwise_xor, lax.bitwise_xor)


def _floor_divide_lax(x, y):
    if dtype_of(x).kind == "f":
        return lax.floor(lax.div(x, y))
    q = lax.div(x, y)                      # truncates toward zero
    r = lax.rem(x, y)
    zero = to_dtype(0, dtype_of(x))
    adjust = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, zero)))
    return lax.select(adjust, lax.sub(q, to_dtype(1, dtype_of(x))), q)


def _mod_lax(x, y):
    r = lax.rem(x, y)
    zero = to_dtype(0, dtype_of(x))
    adjust = lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, zero)))
    return lax.select(adjust, lax.add(r, y), r)


floor_divide = _binary("floor_divide", np.floor_divide, _floor_divide_lax)
mod = remainder = _binary("remainder", np.remainder, _mod_lax)
fmod = _binary("fmod", np.fmod, lax.rem)


def _logaddexp_lax(x, y):
    m = lax.max(x, y)
    d = lax.neg(lax.abs(lax.sub(x, y)))
    # where x == y == +-inf, d is nan: use 0 instead
    d = lax.select(lax.is_finite(d), d, to_dtype(0, dtype_of(d)))
    return lax.add(m, lax.log1p(lax.exp(d)))


logaddexp = _binary("logaddexp", np.logaddexp, _logaddexp_lax, inexact=True)
hypot = _binary("hypot", np.hypot, lambda x, y: lax.sqrt(lax.add(lax.mul(x, x), lax.mul(y, y))),
                inexact=True)


def _copysign_lax(x, y):
    ax = lax.abs(x)
    neg = lax.lt(y, to_dtype(0, dtype_of(y)))
    return lax.select(neg, lax.neg(ax), ax)


copysign = _binary("copysign", np.copysign, _copysign_lax, inexact=True)


def power(x, y, /):
    """``x ** y``. A concrete Python integer exponent becomes ``integer_pow`` (as in JAX)."""
    if is_eager(x, y):
        try:
            return wrap(np.power(base(x), base(y)))
        except ValueError:
            raise _shape_error("power", x, y) from None
    if isinstance(y, int) and not isinstance(y, bool) and not isinstance(x, bool):
        if y < 0 and dtype_of(x).kind in "biu":
            raise ValueError("Integers to negative integer powers are not allowed.")
        x = to_dtype(x, result_type(x, y), is_weak(x))
        return lax.integer_pow(x, y)
    x, y = promote_args("power", x, y)
    return lax.pow(x, y)


pow = power  # noqa: A001


def float_power(x, y, /):
    return power(to_dtype(x, np.float64) if not isinstance(x, Tracer) else lax.convert_element_type(x, np.float64),
                 y)


negative = _unary("negative", np.negative, lax.neg, inexact=False)
positive = _unary("positive", np.positive, lambda x: x, inexact=False)
absolute = abs = _unary("absolute", np.absolute, lax.abs, inexact=False)  # noqa: A001
sign = _unary("sign", np.sign, lax.sign, inexact=False)
sqrt = _unary("sqrt", np.sqrt, lax.sqrt)
cbrt = _unary("cbrt", np.cbrt, lax.cbrt)
exp = _unary("exp", np.exp, lax.exp)
expm1 = _unary("expm1", np.expm1, lax.expm1)
exp2 = _unary("exp2", np.exp2, lambda x: lax.exp(lax.mul(x, to_dtype(math.log(2), dtype_of(x)))))
log = _unary("log", np.log, lax.log)
log1p = _unary("log1p", np.log1p, lax.log1p)
log2 = _unary("log2", np.log2, lambda x: lax.div(lax.log(x), to_dtype(math.log(2), dtype_of(x))))
log10 = _unary("log10", np.log10, lambda x: lax.div(lax.log(x), to_dtype(math.log(10), dtype_of(x))))
sin = _unary("sin", np.sin, lax.sin)
cos = _unary("cos", np.cos, lax.cos)
tan = _unary("tan", np.tan, lax.tan)
arcsin = asin = _unary("arcsin", np.arcsin, lax.asin)
arccos = acos = _unary("arccos", np.arccos, lax.acos)
arctan = atan = _unary("arctan", np.arctan, lax.atan)
sinh = _unary("sinh", np.sinh, lax.sinh)
cosh = _unary("cosh", np.cosh, lax.cosh)
tanh = _unary("tanh", np.tanh, lax.tanh)
arcsinh = asinh = _unary("arcsinh", np.arcsinh, lax.asinh)
arccosh = acosh = _unary("arccosh", np.arccosh, lax.acosh)
arctanh = atanh = _unary("arctanh", np.arctanh, lax.atanh)
floor = _unary("floor", np.floor, lax.floor)
ceil = _unary("ceil", np.ceil, lax.ceil)
rint = _unary("rint", np.rint, lambda x: lax.round(x, 1))
trunc = fix = _unary("trunc", np.trunc, lambda x: lax.mul(lax.sign(x), lax.floor(lax.abs(x))))
square = _unary("square", np.square, lambda x: lax.integer_pow(x, 2), inexact=False)
reciprocal = _unary("reciprocal", np.reciprocal, lambda x: lax.div(to_dtype(1, dtype_of(x)), x),
                    inexact=False)
deg2rad = radians = _unary("deg2rad", np.deg2rad,
                           lambda x: lax.mul(x, to_dtype(math.pi / 180, dtype_of(x))))
rad2deg = degrees = _unary("rad2deg", np.rad2deg,
                           lambda x: lax.mul(x, to_dtype(180 / math.pi, dtype_of(x))))
isfinite = _unary("isfinite", np.isfinite, lax.is_finite)
isnan = _unary("isnan", np.isnan, lambda x: lax.ne(x, x))
isinf = _unary("isinf", np.isinf,
               lambda x: lax.eq(lax.abs(x), to_dtype(np.inf, dtype_of(x))))
signbit = _unary("signbit", np.signbit,
                 lambda x: lax.lt(_copysign_lax(to_dtype(1, dtype_of(x)), x), to_dtype(0, dtype_of(x))))


def _sinc_lax(x):
    pix = lax.mul(x, to_dtype(math.pi, dtype_of(x)))
    zero = lax.eq(x, to_dtype(0, dtype_of(x)))
    safe = lax.select(zero, to_dtype(1, dtype_of(x)), pix)
    return lax.select(zero, to_dtype(1, dtype_of(x)), lax.div(lax.sin(safe), safe))


sinc = _unary("sinc", np.sinc, _sinc_lax)


def round(a, decimals: int = 0):  # noqa: A001
    """Round half to even, as NumPy (``decimals`` may be nonzero)."""
    if is_eager(a):
        return wrap(np.round(base(a), decimals))
    if dtype_of(a).kind in "biu" and decimals >= 0:
        return a
    a = promote_to_inexact(a)
    if decimals == 0:
        return lax.round(a, 1)
    f = to_dtype(10.0 ** decimals, dtype_of(a))
    return lax.div(lax.round(lax.mul(a, f), 1), f)


around = round


def _to_bool(x):
    return x if dtype_of(x) == np.bool_ else not_equal(x, 0)


def logical_and(x, y, /):
    return bitwise_and(_to_bool(x), _to_bool(y))


def logical_or(x, y, /):
    return bitwise_or(_to_bool(x), _to_bool(y))


def logical_xor(x, y, /):
    return bitwise_xor(_to_bool(x), _to_bool(y))


def logical_not(x, /):
    if is_eager(x):
        return wrap(np.logical_not(base(x)))
    return lax.bitwise_not(_to_bool(x))


def bitwise_not(x, /):
    if is_eager(x):
        return wrap(np.invert(base(x)))
    return lax.bitwise_not(x)


invert = bitwise_not


def where(condition, x=None, y=None, /):
    """``x`` where ``condition`` else ``y`` (three-argument form; the one-argument form needs
    concrete values)."""
    if x is None and y is None:
        from ._shape import nonzero
        return nonzero(condition)
    if is_eager(condition, x, y):
        try:
            return wrap(np.where(base(condition), base(x), base(y)))
        except ValueError:
            raise ShapeError(f"where: shapes {np.shape(condition)}, {np.shape(x)}, {np.shape(y)} do not "
                             f"broadcast (at {user_frame_info()})") from None
    c = _to_bool(condition)
    x, y = promote_args("where", x, y)
    c, x, y = _broadcast_three(c, x, y)
    return lax.select(c, x, y)


def _broadcast_three(c, x, y):
    from ._dtypes import broadcast_shapes_np
    from ..primitives.shape import broadcast_in_dim, shape_of
    out = broadcast_shapes_np(shape_of(c), shape_of(x), shape_of(y), op="where")
    nd = len(out)
    res = []
    for a in (c, x, y):
        s = shape_of(a)
        if 0 < len(s) < nd:
            a = broadcast_in_dim(a, (1,) * (nd - len(s)) + tuple(s), tuple(range(nd - len(s), nd)))
        res.append(a)
    return res


def clip(a, a_min=None, a_max=None, /, *, min=None, max=None):  # noqa: A002
    """Clip to ``[a_min, a_max]`` (either may be None)."""
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if is_eager(a, lo, hi):
        return wrap(np.clip(base(a), base(lo), base(hi)))
    if lo is not None:
        a = maximum(a, lo)
    if hi is not None:
        a = minimum(a, hi)
    return a


def real(x, /):
    return x if not is_eager(x) else wrap(np.real(base(x)))


def conj(x, /):
    return x if not is_eager(x) else wrap(np.conj(base(x)))


conjugate = conj


def fmax(x, y, /):
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x, y, /):
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    if is_eager(x):
        return wrap(np.nan_to_num(base(x), nan=nan, posinf=posinf, neginf=neginf))
    info = np.finfo(dtype_of(x))
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = where(isnan(x), nan, x)
    x = where(isinf(x) & (x > 0), posinf, x)
    return where(isinf(x) & (x < 0), neginf, x)
