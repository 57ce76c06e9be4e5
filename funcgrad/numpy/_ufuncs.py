"""Elementwise functions of ``funcgrad.numpy``: NumPy directly when eager, ``lax`` when traced.

The traced path asks NumPy which dtype its ufunc would produce for these operand dtypes (Python
scalars weak, one cached call on tiny arrays), converts the operands to it, and binds the ``lax``
primitive, so staged programs have exactly the dtypes eager code has.

>>> import funcgrad.numpy as jnp, numpy as np
>>> jnp.add(np.ones(2, np.float32), 1.5)
Array([2.5, 2.5], dtype=float32)
>>> jnp.true_divide(np.arange(3, dtype=np.int8), 2)
Array([0. , 0.5, 1. ], dtype=float64)
"""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from ..core.errors import ConcretizationError
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import broadcast_in_dim, shape_of
from ._dtypes import (_CFG, _ND, _WEAK_REP, base, broadcast_shapes_np, canonicalize_dtype, dtype_of,
                      is_weak, promote_args, promote_to_inexact, shape_error, to_dtype, untraced, wrap,
                      wrap_weak, named)

# --------------------------------------------------------------------------- dtype resolution

_OUT_DTYPES: dict = {}


def np_out_dtype(np_fn, *args) -> np.dtype:
    """The dtype ``np_fn(*args)`` has in NumPy (Python scalars weak), canonicalized; cached."""
    key = (np_fn, _CFG["jax_enable_x64"]) + tuple(("weak", dtype_of(a).kind) if is_weak(a) else dtype_of(a)
                                                   for a in args)
    dt = _OUT_DTYPES.get(key)
    if dt is None:
        reps = [_WEAK_REP[k[1]] if isinstance(k, tuple) else np.zeros(1, k) for k in key[2:]]
        with np.errstate(all="ignore"):
            dt = canonicalize_dtype(np.asarray(np_fn(*reps)).dtype)
        _OUT_DTYPES[key] = dt
    return dt


def _eager_error(name, e, *args):
    if isinstance(e, ValueError) and "broadcast" in str(e):
        return shape_error(name, *args)
    return e


def _eager_call(name, np_fn, x, y):
    """``np_fn`` on concrete operands; a broadcast failure names the user's line and shapes."""
    try:
        return np_fn(base(x), base(y))
    except ValueError as e:
        raise _eager_error(name, e, x, y) from None


def _c(x, value):
    """A 0-d constant of ``x``'s dtype."""
    return np.array(value, dtype=dtype_of(x))


# --------------------------------------------------------------------------- definers

def _binary(name, np_fn, lax_fn, doc=None):
    """An arithmetic binary function: operands converted to NumPy's output dtype, then ``lax_fn``."""
    def f(x, y, /):
        if _state.trace is EVAL or untraced(x, y):
            try:    # _eager_call inlined: eager arithmetic is the hot path (~0.1 µs per op)
                r = np_fn(base(x), base(y))
            except ValueError as e:
                raise _eager_error(name, e, x, y) from None
            if type(r) is _ND:
                return wrap(r)
            return wrap_weak(r, is_weak(x) and is_weak(y))
        x, y = promote_args(name, x, y, dtype=np_out_dtype(np_fn, x, y))
        return lax_fn(x, y)
    named(f, name)
    f.__doc__ = doc or f"Elementwise ``numpy.{np_fn.__name__}`` (broadcasting, NumPy's promotion)."
    return f


def _compare(name, np_fn, lax_fn):
    """A comparison: operands promoted to their common dtype, boolean output."""
    def f(x, y, /):
        if _state.trace is EVAL or untraced(x, y):
            r = _eager_call(name, np_fn, x, y)
            return wrap(r)
        x, y = promote_args(name, x, y)
        return lax_fn(x, y)
    named(f, name)
    f.__doc__ = f"Elementwise ``numpy.{np_fn.__name__}`` (boolean result)."
    return f


def _unary(name, np_fn, lax_fn, doc=None):
    """A unary function: the operand converted to NumPy's output dtype, then ``lax_fn``."""
    def f(x, /):
        if _state.trace is EVAL or not isinstance(x, Tracer):
            r = np_fn(base(x))
            if type(r) is _ND:
                return wrap(r)
            return wrap_weak(r, is_weak(x))
        dt = np_out_dtype(np_fn, x)
        return lax_fn(to_dtype(x, dt, is_weak(x)))
    named(f, name)
    f.__doc__ = doc or f"Elementwise ``numpy.{getattr(np_fn, '__name__', name)}``."
    return f


def _predicate(name, np_fn, lax_fn):
    """A unary test with boolean output, computed on the float version of the operand."""
    def f(x, /):
        if _state.trace is EVAL or not isinstance(x, Tracer):
            return wrap(np_fn(base(x)))
        return lax_fn(promote_to_inexact(x))
    named(f, name)
    f.__doc__ = f"Elementwise ``numpy.{np_fn.__name__}`` (boolean result)."
    return f


# --------------------------------------------------------------------------- arithmetic

add = _binary("add", np.add, lax.add)
subtract = _binary("subtract", np.subtract, lax.sub)
multiply = _binary("multiply", np.multiply, lax.mul)
divide = true_divide = _binary("divide", np.true_divide, lax.div)
maximum = _binary("maximum", np.maximum, lax.max)
minimum = _binary("minimum", np.minimum, lax.min)
arctan2 = atan2 = _binary("arctan2", np.arctan2, lax.atan2)
fmod = _binary("fmod", np.fmod, lax.rem)


def _sign_adjust(r, y):
    """True where the remainder ``r`` is nonzero and its sign differs from the divisor's."""
    zero = _c(r, 0)
    return lax.bitwise_and(lax.ne(r, zero), lax.ne(lax.lt(r, zero), lax.lt(y, zero)))


def _floor_divide_lax(x, y):
    r = lax.rem(x, y)
    adjust = _sign_adjust(r, y)
    if dtype_of(x).kind != "f":
        q = lax.div(x, y)                     # integer division truncates toward zero
        return lax.select(adjust, lax.sub(q, _c(x, 1)), q)
    # NumPy's npy_divmod: (x - fmod(x, y)) / y, corrected by the remainder's sign, then rounded
    d = lax.div(lax.sub(x, r), y)
    d = lax.select(adjust, lax.sub(d, _c(x, 1)), d)
    fd = lax.floor(d)
    fd = lax.select(lax.gt(lax.sub(d, fd), _c(x, 0.5)), lax.add(fd, _c(x, 1)), fd)
    return lax.select(lax.eq(y, _c(y, 0)), lax.div(x, y), fd)


def _mod_lax(x, y):
    r = lax.rem(x, y)
    return lax.select(_sign_adjust(r, y), lax.add(r, y), r)


floor_divide = _binary("floor_divide", np.floor_divide, _floor_divide_lax)
mod = remainder = _binary("remainder", np.remainder, _mod_lax)


def divmod(x, y, /):  # noqa: A001
    """``(floor_divide(x, y), remainder(x, y))``."""
    return floor_divide(x, y), remainder(x, y)


def _logaddexp_lax(x, y):
    """``m + log1p(exp(x - m) + exp(y - m) - 1)`` with ``m = max(x, y)`` held constant
    (stop_gradient). The function is smooth in x and y, so derivatives of every order are exact (a
    ``max``/``abs`` form has a kink at x == y that zeroes the second derivative). The ``- 1`` is
    folded into the larger term with expm1 (which is exactly 0 there), so log1p keeps full
    precision for the smaller term; both branches are the same smooth function."""
    m = lax.stop_gradient(lax.max(x, y))
    m = lax.select(lax.is_finite(m), m, _c(m, 0))     # +-inf inputs: shift by 0 instead
    dx, dy = lax.sub(x, m), lax.sub(y, m)
    x_larger = lax.stop_gradient(lax.ge(x, y))
    s = lax.select(x_larger, lax.add(lax.expm1(dx), lax.exp(dy)), lax.add(lax.exp(dx), lax.expm1(dy)))
    return lax.add(m, lax.log1p(s))


logaddexp = _binary("logaddexp", np.logaddexp, _logaddexp_lax)
hypot = _binary("hypot", np.hypot, lambda x, y: lax.sqrt(lax.add(lax.mul(x, x), lax.mul(y, y))))


def _is_negative(y):
    """True where ``y`` < 0, including -0.0 (told apart from +0.0 by the sign of 1/y)."""
    zero = _c(y, 0)
    if dtype_of(y).kind != "f":
        return lax.lt(y, zero)
    with np.errstate(divide="ignore"):         # 1/0 = +-inf is the point (values are computed now)
        neg_zero = lax.bitwise_and(lax.eq(y, zero), lax.lt(lax.div(_c(y, 1), y), zero))
    return lax.bitwise_or(lax.lt(y, zero), neg_zero)


def _copysign_lax(x, y):
    ax = lax.abs(x)
    return lax.select(_is_negative(y), lax.neg(ax), ax)


copysign = _binary("copysign", np.copysign, _copysign_lax)


def power(x, y, /):
    """``x ** y``. A concrete Python integer exponent becomes ``integer_pow`` (as in JAX).

    >>> import funcgrad.numpy as jnp
    >>> jnp.power(jnp.arange(3), 2)
    Array([0, 1, 4], dtype=int64)
    """
    if _state.trace is EVAL or untraced(x, y):
        try:
            r = np.power(base(x), base(y))
        except ValueError as e:
            raise _eager_error("power", e, x, y) from None
        return wrap(r) if type(r) is _ND else wrap_weak(r, is_weak(x) and is_weak(y))
    if type(y) is int:
        dt = np_out_dtype(np.power, x, y)
        if y < 0 and dt.kind in "biu":
            raise ValueError("Integers to negative integer powers are not allowed.")
        return lax.integer_pow(to_dtype(x, dt, is_weak(x)), y)
    x, y = promote_args("power", x, y, dtype=np_out_dtype(np.power, x, y))
    return lax.pow(x, y)


pow = power  # noqa: A001


def float_power(x, y, /):
    """``x ** y`` computed in the widest float type (float64; float32 when x64 is off)."""
    dt = canonicalize_dtype(np.float64)
    if _state.trace is EVAL or untraced(x, y):
        return wrap(np.float_power(base(x), base(y)))
    return power(to_dtype(x, dt), y if type(y) is int else to_dtype(y, dt))


# --------------------------------------------------------------------------- unary

def _identity(x):
    return x


negative = _unary("negative", np.negative, lax.neg)
positive = _unary("positive", np.positive, _identity)
absolute = abs = _unary("absolute", np.absolute, lax.abs)  # noqa: A001
sign = _unary("sign", np.sign, lax.sign)
sqrt = _unary("sqrt", np.sqrt, lax.sqrt)
cbrt = _unary("cbrt", np.cbrt, lax.cbrt)
exp = _unary("exp", np.exp, lax.exp)
expm1 = _unary("expm1", np.expm1, lax.expm1)
exp2 = _unary("exp2", np.exp2, lambda x: lax.pow(_c(x, 2), x))
log = _unary("log", np.log, lax.log)
log1p = _unary("log1p", np.log1p, lax.log1p)
log2 = _unary("log2", np.log2, lambda x: lax.div(lax.log(x), _c(x, math.log(2))))
log10 = _unary("log10", np.log10, lambda x: lax.div(lax.log(x), _c(x, math.log(10))))
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


def _int_identity(lax_fn):
    """floor/ceil/trunc: the identity on integers and booleans (NumPy 2 keeps their dtype)."""
    return lambda x: x if dtype_of(x).kind in "biu" else lax_fn(x)


def _trunc_lax(x):
    return lax.select(lax.lt(x, _c(x, 0)), lax.ceil(x), lax.floor(x))


floor = _unary("floor", np.floor, _int_identity(lax.floor))
ceil = _unary("ceil", np.ceil, _int_identity(lax.ceil))
trunc = fix = _unary("trunc", np.trunc, _int_identity(_trunc_lax))
rint = _unary("rint", np.rint, _int_identity(lambda x: lax.round(x, 1)))


def _square_lax(x):
    return lax.integer_pow(x, 2) if dtype_of(x) != np.bool_ else lax.mul(x, x)


square = _unary("square", np.square, _square_lax)
reciprocal = _unary("reciprocal", np.reciprocal, lambda x: lax.div(_c(x, 1), x))
deg2rad = radians = _unary("deg2rad", np.deg2rad, lambda x: lax.mul(x, _c(x, math.pi / 180)))
rad2deg = degrees = _unary("rad2deg", np.rad2deg, lambda x: lax.mul(x, _c(x, 180 / math.pi)))
isfinite = _predicate("isfinite", np.isfinite, lax.is_finite)
isnan = _predicate("isnan", np.isnan, lambda x: lax.ne(x, x))
isinf = _predicate("isinf", np.isinf, lambda x: lax.eq(lax.abs(x), _c(x, np.inf)))
signbit = _predicate("signbit", np.signbit, _is_negative)


def _sinc_lax(x):
    pix = lax.mul(x, _c(x, math.pi))
    zero = lax.eq(x, _c(x, 0))
    safe = lax.select(zero, _c(x, 1), pix)
    return lax.select(zero, _c(x, 1), lax.div(lax.sin(safe), safe))


sinc = _unary("sinc", np.sinc, _sinc_lax)


def round(a, decimals: int = 0, out=None):  # noqa: A001
    """Round half to even, as NumPy (``decimals`` may be nonzero or negative).

    >>> import funcgrad.numpy as jnp
    >>> jnp.round(jnp.array([0.5, 1.5, 2.675]), 2)
    Array([0.5 , 1.5 , 2.68], dtype=float64)
    """
    if out is not None:
        raise NotImplementedError("funcgrad arrays are immutable: the out= argument is not supported")
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap_weak(np.round(base(a), decimals), is_weak(a))
    if dtype_of(a).kind in "biu":
        if decimals >= 0:
            return a
        q = promote_to_inexact(a)
        f = to_dtype(10 ** -decimals, dtype_of(q), is_weak(a))
        r = lax.round(lax.div(q, f), 1)
        return to_dtype(lax.mul(r, f), dtype_of(a), is_weak(a))
    if decimals == 0:
        return lax.round(a, 1)
    f = to_dtype(10.0 ** abs(decimals), dtype_of(a), is_weak(a))
    if decimals > 0:
        return lax.div(lax.round(lax.mul(a, f), 1), f)
    return lax.mul(lax.round(lax.div(a, f), 1), f)


around = round


# --------------------------------------------------------------------------- logical and bitwise

equal = _compare("equal", np.equal, lax.eq)
not_equal = _compare("not_equal", np.not_equal, lax.ne)
less = _compare("less", np.less, lax.lt)
less_equal = _compare("less_equal", np.less_equal, lax.le)
greater = _compare("greater", np.greater, lax.gt)
greater_equal = _compare("greater_equal", np.greater_equal, lax.ge)


def _bitwise(name, np_fn, lax_fn):
    def f(x, y, /):
        if _state.trace is EVAL or untraced(x, y):
            r = _eager_call(name, np_fn, x, y)
            return wrap(r)
        x, y = promote_args(name, x, y)
        if dtype_of(x).kind not in "biu":
            raise TypeError(f"{name} requires boolean or integer operands, got {dtype_of(x)} "
                            f"(at {user_frame_info()})")
        return lax_fn(x, y)
    named(f, name)
    f.__doc__ = f"Elementwise ``numpy.{np_fn.__name__}`` on booleans/integers."
    return f


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, lax.bitwise_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, lax.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, lax.bitwise_xor)


def _to_bool(x):
    if dtype_of(x) == np.bool_:
        return x
    return lax.ne(*promote_args("ne", x, to_dtype(0, dtype_of(x))))


def _logical(name, np_fn, lax_fn):
    def f(x, y, /):
        if _state.trace is EVAL or untraced(x, y):
            r = _eager_call(name, np_fn, x, y)
            return wrap(r)
        x, y = promote_args(name, _to_bool(x), _to_bool(y))
        return lax_fn(x, y)
    named(f, name)
    f.__doc__ = f"Elementwise ``numpy.{np_fn.__name__}`` (operands tested against zero)."
    return f


logical_and = _logical("logical_and", np.logical_and, lax.bitwise_and)
logical_or = _logical("logical_or", np.logical_or, lax.bitwise_or)
logical_xor = _logical("logical_xor", np.logical_xor, lax.bitwise_xor)


def logical_not(x, /):
    """Elementwise ``numpy.logical_not``."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.logical_not(base(x)))
    return lax.bitwise_not(_to_bool(x))


def bitwise_not(x, /):
    """Elementwise ``numpy.invert`` (``~x``) on booleans/integers."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.invert(base(x)))
    if dtype_of(x).kind not in "biu":
        raise TypeError(f"bitwise_not requires a boolean or integer operand, got {dtype_of(x)} "
                        f"(at {user_frame_info()})")
    return lax.bitwise_not(to_dtype(x, dtype_of(x)))


invert = bitwise_not


# --------------------------------------------------------------------------- selection

def nonzero(a, *, size=None, fill_value=None):
    """Indices of the nonzero elements (a tuple, one array per axis). The number of results
    depends on the values, so ``a`` must be concrete (or pass ``size=``, the static count).

    >>> import funcgrad.numpy as jnp
    >>> jnp.nonzero(jnp.array([0, 3, 0, 4]))
    (Array([1, 3], dtype=int64),)
    """
    if isinstance(a, Tracer):
        v = a.concrete_value()
        if v is None:
            if size is None:
                raise ConcretizationError(
                    f"nonzero / where(condition) on a traced value at {user_frame_info()}: the size "
                    "of the result depends on the values. Pass size=N (a static upper bound), or "
                    "use the three-argument where(condition, x, y).")
            return _nonzero_static(a, size, fill_value)
        a = v
    elif _state.trace is not EVAL and size is not None:
        return _nonzero_static(a, size, fill_value)
    res = np.nonzero(base(a))
    if size is not None:
        fill = 0 if fill_value is None else fill_value
        res = tuple(np.concatenate([r[:size], np.full(max(size - len(r), 0), fill, r.dtype)]) for r in res)
    return tuple(wrap(r) for r in res)


def _nonzero_static(a, size, fill_value):
    """Traced ``nonzero(a, size=size)``: the flat positions of the first ``size`` nonzeros (a
    running count and a scatter, O(n)), unravelled; unfilled slots get ``fill_value``."""
    from ._setops import _compact_positions
    from ._shape import reshape
    shape = tuple(shape_of(a))
    if not shape:
        raise ValueError("Calling nonzero on 0d arrays is not allowed.")
    n = int(np.prod(shape, dtype=np.int64))
    flat = _to_bool(reshape(a, (n,)))
    idt = canonicalize_dtype(np.int64)
    if size == 0 or n == 0:
        return tuple(to_dtype(np.full(size, 0 if fill_value is None else fill_value), idt) for _ in shape)
    pos, found = _compact_positions(flat, size)
    fill = 0 if fill_value is None else fill_value
    out = []
    rem = to_dtype(pos, idt)
    for d in reversed(shape):
        out.append(where(found, lax.rem(rem, np.array(d, idt)), fill))
        rem = lax.div(rem, np.array(d, idt))
    return tuple(reversed(out))


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
    """``x`` where ``condition`` else ``y``, broadcasting all three; with one argument,
    ``nonzero(condition)``.

    >>> import funcgrad.numpy as jnp
    >>> jnp.where(jnp.arange(4) > 1, 1.0, jnp.zeros(4, jnp.float32))
    Array([0., 0., 1., 1.], dtype=float32)
    """
    if x is None and y is None:
        return nonzero(condition, size=size, fill_value=fill_value)
    if x is None or y is None:
        raise ValueError("Either both or neither of the x and y arguments should be provided to where")
    if _state.trace is EVAL or untraced(condition, x, y):
        try:
            r = np.where(base(condition), base(x), base(y))
        except ValueError as e:
            raise _eager_error("where", e, condition, x, y) from None
        return wrap_weak(r, is_weak(x) and is_weak(y)) if r.ndim == 0 else wrap(r)
    c = _to_bool(condition)
    broadcast_shapes_np(shape_of(c), shape_of(x), shape_of(y), op="where")
    x, y = promote_args("where", x, y)
    c, x, y = _to_rank(c, x, y)
    return lax.select(c, x, y)


def _to_rank(*args):
    nd = max(len(shape_of(a)) for a in args)
    res = []
    for a in args:
        s = shape_of(a)
        if 0 < len(s) < nd:
            a = broadcast_in_dim(a, (1,) * (nd - len(s)) + tuple(s), tuple(range(nd - len(s), nd)))
        res.append(a)
    return res


def clip(a, a_min=None, a_max=None, /, *, min=None, max=None):  # noqa: A002
    """Clip to ``[a_min, a_max]`` (either may be None); NumPy's promotion.

    >>> import funcgrad.numpy as jnp
    >>> jnp.clip(jnp.arange(5), 1, 3)
    Array([1, 1, 2, 3, 3], dtype=int64)
    """
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if _state.trace is EVAL or untraced(a, lo, hi):
        try:
            r = np.clip(base(a), base(lo), base(hi))
        except ValueError as e:
            raise _eager_error("clip", e, *[v for v in (a, lo, hi) if v is not None]) from None
        if type(r) is _ND and r.ndim:
            return wrap(r)
        return wrap_weak(r, is_weak(a) and (lo is None or is_weak(lo)) and (hi is None or is_weak(hi)))
    if lo is not None:
        a = maximum(a, lo)
    if hi is not None:
        a = minimum(a, hi)
    return a


def real(x, /):
    """The real part (funcgrad's traced values are real)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap_weak(np.real(np.asarray(base(x))), is_weak(x))
    return x


def imag(x, /):
    """The imaginary part (zeros for real values)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.imag(np.asarray(base(x))))
    from ._creation import zeros_like
    return zeros_like(x)


conj = conjugate = _unary("conjugate", np.conjugate, _identity,
                          "Complex conjugate (the identity on real values; NumPy's dtype).")


def fmax(x, y, /):
    """Elementwise maximum ignoring NaNs."""
    if _state.trace is EVAL or untraced(x, y):
        try:
            return wrap_weak(np.fmax(base(x), base(y)), is_weak(x) and is_weak(y))
        except ValueError as e:
            raise _eager_error("fmax", e, x, y) from None
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x, y, /):
    """Elementwise minimum ignoring NaNs."""
    if _state.trace is EVAL or untraced(x, y):
        try:
            return wrap_weak(np.fmin(base(x), base(y)), is_weak(x) and is_weak(y))
        except ValueError as e:
            raise _eager_error("fmin", e, x, y) from None
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN by ``nan`` and infinities by the largest finite values (or the given ones)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.nan_to_num(base(x), nan=nan, posinf=posinf, neginf=neginf))
    dt = dtype_of(x)
    if dt.kind != "f":
        return to_dtype(x, dt)
    info = np.finfo(dt)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = where(isnan(x), to_dtype(nan, dt), x)
    x = where(lax.eq(x, _c(x, np.inf)), to_dtype(posinf, dt), x)
    return where(lax.eq(x, _c(x, -np.inf)), to_dtype(neginf, dt), x)


def heaviside(x1, x2, /):
    """0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where ``x1 > 0``."""
    if _state.trace is EVAL or untraced(x1, x2):
        return wrap(np.heaviside(base(x1), base(x2)))
    dt = np_out_dtype(np.heaviside, x1, x2)
    x1, x2 = to_dtype(x1, dt), to_dtype(x2, dt)
    return where(less(x1, 0), to_dtype(0, dt), where(greater(x1, 0), to_dtype(1, dt), x2))
