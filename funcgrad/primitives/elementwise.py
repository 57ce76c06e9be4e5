"""Elementwise primitives.

Binary operands must have the same dtype (``funcgrad.numpy`` promotes first) and the same rank
with each dimension equal or 1, or be rank 0: the implicit size-1 broadcasting JAX's IR shows
(``add g:f32[5,4] h:f32[1,4]``). The VJP sums a cotangent back over the broadcast axes
(``unbroadcast``).

Unary ops are defined from a NumPy function and a derivative written with the bind wrappers, so
their VJP/JVP programs are IR again (differentiable again, jittable).
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from ..core.avals import Aval, is_float
from ..core.errors import DTypeError, ShapeError
from ..core.lowering import HOST, Scalar
from ..core.ir import Literal
from ..core.primitive import (LINEAR, NOT_DIFFERENTIABLE, Zero, add_simplify, def_primitive, equals,
                              same_type)
from .reductions import unbroadcast
from .shape import aval, broadcast_in_dim, expand_dims, move_bdim, reshape, shape_of


# --------------------------------------------------------------------------- constants

def full_like_aval(a: Aval, value):
    """A constant of type ``a`` filled with ``value`` (a broadcast of a scalar, never a big copy)."""
    scalar = np.array(value, dtype=a.dtype)
    if not a.shape:
        return scalar
    return broadcast_in_dim(scalar, a.shape, ())


def zeros_like_aval(a: Aval):
    return full_like_aval(a, 0)


def const(x, value):
    """A 0-d constant of ``x``'s dtype (emitted as a typed literal)."""
    return np.array(value, dtype=aval(x).dtype)


def instantiate(t):
    """Materialize a symbolic ``Zero``."""
    return zeros_like_aval(t.aval) if isinstance(t, Zero) else t


# --------------------------------------------------------------------------- shape rules

def broadcast_shapes(name, *avals):
    """Shape of an elementwise op over operands with implicit size-1 / rank-0 broadcasting."""
    ranked = [a for a in avals if a.ndim]
    if not ranked:
        return ()
    nd = ranked[0].ndim
    if any(a.ndim != nd for a in ranked):
        raise ShapeError(f"{name}: operand ranks differ: {', '.join(str(a) for a in avals)} "
                         "(funcgrad.numpy broadcasts ranks; lax needs equal ranks or scalars)")
    out = []
    for dims in zip(*(a.shape for a in ranked)):
        big = {d for d in dims if d != 1}
        if len(big) > 1:
            raise ShapeError(f"{name}: incompatible shapes {', '.join(str(a) for a in avals)}")
        out.append(big.pop() if big else 1)
    return tuple(out)


def _same_dtype(name, *avals):
    dt = avals[0].dtype
    for a in avals[1:]:
        if a.dtype != dt:
            raise DTypeError(f"{name} requires arguments to have the same dtypes, got "
                             f"{', '.join(str(a) for a in avals)} (funcgrad.numpy promotes; lax does not)")
    return dt


_KIND_WORDS = {"float": "a floating-point", "num": "a numeric (not boolean)"}


def _check_kind(name, allow, *avals):
    """``allow``: "any" dtype, "num" (integers and floats, as JAX's arithmetic), "float"."""
    dt = avals[0].dtype
    if (allow == "float" and not is_float(dt)) or (allow == "num" and dt == np.bool_):
        raise DTypeError(f"{name} requires {_KIND_WORDS[allow]} dtype, got "
                         f"{', '.join(str(a) for a in avals)}")


def _binary_abstract(name, out_dtype=None, allow="any"):
    def rule(x, y):
        dt = _same_dtype(name, x, y)
        _check_kind(name, allow, x, y)
        return Aval(broadcast_shapes(name, x, y), out_dtype or dt, x.weak_type and y.weak_type)
    return rule


def _unary_abstract(name, float_only, allow=None):
    allow = allow or ("float" if float_only else "any")

    def rule(x):
        _check_kind(name, allow, x)
        return Aval(x.shape, x.dtype, x.weak_type)
    return rule


def batch_elementwise(bind):
    """Batching rule shared by every elementwise primitive: batch dims go to axis 0; unbatched
    operands get a size-1 axis 0 (or stay rank 0) and broadcast implicitly."""
    def rule(args, dims, **params):
        rank = builtins.max((len(shape_of(a)) - (d is not None) for a, d in zip(args, dims)), default=0)
        moved = []
        for a, d in zip(args, dims):
            s = shape_of(a)
            if d is None:
                moved.append(a if not s else expand_dims(a, (0,)))
            else:
                a = move_bdim(a, d, 0)
                if len(s) - 1 < rank:
                    a = reshape(a, (s[d],) + (1,) * (rank - len(s) + 1) + tuple(shape_of(a)[1:]))
                moved.append(a)
        return bind(*moved, **params), 0
    return rule


def _bcast_to(t, shape):
    s = shape_of(t)
    if s == tuple(shape):
        return t
    if not s:
        return broadcast_in_dim(t, shape, ())
    return broadcast_in_dim(t, shape, tuple(range(len(shape))))


# --------------------------------------------------------------------------- definers

def _def_unary(name, np_fn, deriv, float_only=True, *, lower, allow=None):
    """``deriv(x, out)`` returns d out / d x, written with bind wrappers."""
    def impl(x):
        r = np_fn(x)
        return r

    def vjp(ct, x, *, out):
        return [lambda: mul(ct, deriv(x, out))]

    def jvp(primals, tangents):
        (x,), (t,) = primals, tangents
        out = p.bind(x)
        return out, mul(t, deriv(x, out))

    p = def_primitive(name, abstract_eval=_unary_abstract(name, float_only, allow), impl=impl, vjp=vjp,
                      jvp=jvp, batch=batch_elementwise(lambda x: p.bind(x)), lower=lower)
    return p


def _def_binary(name, np_fn, dx, dy, *, lower, allow="any"):
    """``dx(x, y, out)`` / ``dy(x, y, out)`` return the partial derivatives (bind wrappers); the
    strings ``"one"`` / ``"neg_one"`` stand for the constants, so add/sub emit no multiply."""
    def scale(t, d, x, y, out):
        if d == "one":
            return t
        if d == "neg_one":
            return neg(t)
        return mul(t, d(x, y, out))

    def vjp(ct, x, y, *, out):
        return [lambda: unbroadcast(scale(ct, dx, x, y, out), aval(x)),
                lambda: unbroadcast(scale(ct, dy, x, y, out), aval(y))]

    def jvp(primals, tangents):
        x, y = primals
        tx, ty = tangents
        out = p.bind(x, y)
        shape = shape_of(out)
        terms = []
        if not isinstance(tx, Zero):
            terms.append(_bcast_to(scale(tx, dx, x, y, out), shape))
        if not isinstance(ty, Zero):
            terms.append(_bcast_to(scale(ty, dy, x, y, out), shape))
        return out, terms[0] if len(terms) == 1 else add_any(terms[0], terms[1])

    p = def_primitive(name, abstract_eval=_binary_abstract(name, allow=allow), impl=np_fn, vjp=vjp, jvp=jvp,
                      batch=batch_elementwise(lambda x, y: p.bind(x, y)), lower=lower)
    return p


def _def_predicate(name, np_fn, nargs, bool_only=False, *, lower):
    """Comparisons and logical ops: boolean (or integer) output, no gradient."""
    def abstract(*avals):
        dt = _same_dtype(name, *avals)
        if bool_only and not (dt == np.bool_ or np.issubdtype(dt, np.integer)):
            raise DTypeError(f"{name} requires boolean or integer operands, got "
                             f"{', '.join(str(a) for a in avals)}")
        out_dt = dt if bool_only else np.dtype(np.bool_)
        return Aval(broadcast_shapes(name, *avals), out_dt, False)

    def jvp(primals, tangents):
        out = p.bind(*primals)
        return out, Zero(aval(out))

    p = def_primitive(name, abstract_eval=abstract, impl=np_fn,
                      vjp=NOT_DIFFERENTIABLE("boolean/integer output"), jvp=jvp,
                      batch=batch_elementwise(lambda *a: p.bind(*a)), lower=lower)
    return p


# --------------------------------------------------------------------------- arithmetic

add_p = _def_binary("add", np.add, "one", "one", lower=Scalar("{0} + {1}", bool="{0} | {1}"))
add_any_p = _def_binary("add_any", np.add, "one", "one",
                        lower=Scalar("{0} + {1}", bool="{0} | {1}"))   # cotangent accumulation
sub_p = _def_binary("sub", np.subtract, "one", "neg_one", lower=Scalar("{0} - {1}"), allow="num")
mul_p = _def_binary("mul", np.multiply, lambda x, y, o: y, lambda x, y, o: x,
                    lower=Scalar("{0} * {1}", bool="{0} & {1}"))


def _div_impl(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if np.issubdtype(x.dtype, np.integer):
        # lax.div on integers rounds toward zero (C semantics), unlike NumPy's floor division;
        # exact in integers (a float quotient rounds large int64s), MIN // -1 wraps to MIN
        yy = np.where(y == 0, 1, y).astype(np.result_type(x, y))
        with np.errstate(over="ignore"):
            q = np.floor_divide(x, yy)
            q = q + ((q * yy != x) & ((x < 0) != (yy < 0))).astype(q.dtype)
        return np.where(y == 0, 0, q).astype(x.dtype)
    return np.true_divide(x, y)


div_p = _def_binary("div", _div_impl, lambda x, y, o: div(const(x, 1), y),
                    lambda x, y, o: neg(div(o, y)),
                    lower=Scalar("{0} / {1}", int="rt.idiv({0}, {1}, {T}(1))", forbid={"arcp", "afn"}),
                    allow="num")


def _rem_impl(x, y):
    return np.fmod(x, y)   # sign of the dividend, as C and lax.rem


rem_p = _def_binary("rem", _rem_impl, "one",
                    lambda x, y, o: neg(round_(div(sub(x, o), y))),
                    lower=Scalar("np.fmod({0}, {1})", int="rt.irem({0}, {1}, {T}(1))"), allow="num")


def _pow_dy(x, y, out):
    """d x**y / dy = log(x) * x**y, taken as 0 where x == 0 (JAX's convention)."""
    is_zero = eq(x, const(x, 0))
    safe_log = log(select(is_zero, const(x, 1), x))
    return mul(out, select(is_zero, const(x, 0), safe_log))


pow_p = _def_binary("pow", np.power,
                    lambda x, y, o: mul(y, pow(x, sub(y, const(y, 1)))), _pow_dy,
                    lower=Scalar("{0} ** {1}", forbid={"afn"}), allow="num")


def _max_partial(pick):
    def d(x, y, out):
        half = const(x, 0.5)
        one = const(x, 1)
        zero = const(x, 0)
        return select(eq(x, y), half, select(pick(x, y), one, zero))
    return d


max_p = _def_binary("max", np.maximum, _max_partial(lambda x, y: gt(x, y)),
                    _max_partial(lambda x, y: gt(y, x)),   # NaN-propagating, as np.maximum
                    lower=Scalar("({0} if ({0} > {1} or {0} != {0}) else {1})",
                                 int="max({0}, {1})", bool="{0} | {1}"))
min_p = _def_binary("min", np.minimum, _max_partial(lambda x, y: lt(x, y)),
                    _max_partial(lambda x, y: lt(y, x)),
                    lower=Scalar("({0} if ({0} < {1} or {0} != {0}) else {1})",
                                 int="min({0}, {1})", bool="{0} & {1}"))


def _atan2_dx(x, y, out):
    return div(y, add(mul(x, x), mul(y, y)))


def _atan2_dy(x, y, out):
    return div(neg(x), add(mul(x, x), mul(y, y)))


atan2_p = _def_binary("atan2", np.arctan2, _atan2_dx, _atan2_dy, lower=Scalar("np.arctan2({0}, {1})"),
                      allow="float")


# --------------------------------------------------------------------------- unary

def _scipy_unary(name):
    def impl(x):
        from scipy import special   # scipy is a runtime dependency (Numba's BLAS needs it)
        x = np.asarray(x)
        return getattr(special, name)(x).astype(x.dtype, copy=False)
    return impl


def _zero_deriv(x, o):
    return zeros_like_aval(aval(x).strip_weak())



neg_p = def_primitive(
    "neg", abstract_eval=_unary_abstract("neg", False, "num"), impl=np.negative,
    vjp=lambda ct, x, *, out: [neg(ct)], jvp=LINEAR,
    batch=batch_elementwise(lambda x: neg_p.bind(x)), lower=Scalar("(-{0})"))

exp_p = _def_unary("exp", np.exp, lambda x, o: o, lower=Scalar("rt.exp_{dt}({0})"))
log_p = _def_unary("log", np.log, lambda x, o: div(const(x, 1), x), lower=Scalar("rt.log_{dt}({0})"))
log1p_p = _def_unary("log1p", np.log1p, lambda x, o: div(const(x, 1), add(const(x, 1), x)),
                     lower=Scalar("rt.log1p_{dt}({0})"))
expm1_p = _def_unary("expm1", np.expm1, lambda x, o: add(o, const(x, 1)), lower=Scalar("rt.expm1_{dt}({0})"))
sqrt_p = _def_unary("sqrt", np.sqrt, lambda x, o: div(const(x, 0.5), o), lower=Scalar("np.sqrt({0})"))


def _rsqrt_impl(x):
    return 1 / np.sqrt(x)


rsqrt_p = _def_unary("rsqrt", _rsqrt_impl, lambda x, o: mul(const(x, -0.5), div(o, x)),
                     lower=Scalar("{T}(1) / np.sqrt({0})", forbid={"arcp", "afn"}))
cbrt_p = _def_unary("cbrt", np.cbrt, lambda x, o: div(const(x, 1 / 3), mul(o, o)),
                    lower=Scalar("np.cbrt({0})"))
sin_p = _def_unary("sin", np.sin, lambda x, o: cos(x),
                   lower=Scalar("rt.sin_{dt}({0})", pair=("rt.sincos_{dt}", 0)))
cos_p = _def_unary("cos", np.cos, lambda x, o: neg(sin(x)),
                   lower=Scalar("rt.cos_{dt}({0})", pair=("rt.sincos_{dt}", 1)))
tan_p = _def_unary("tan", np.tan, lambda x, o: add(const(x, 1), mul(o, o)), lower=Scalar("np.tan({0})"))
asin_p = _def_unary("asin", np.arcsin, lambda x, o: rsqrt(sub(const(x, 1), mul(x, x))),
                    lower=Scalar("np.arcsin({0})"))
acos_p = _def_unary("acos", np.arccos, lambda x, o: neg(rsqrt(sub(const(x, 1), mul(x, x)))),
                    lower=Scalar("np.arccos({0})"))
atan_p = _def_unary("atan", np.arctan, lambda x, o: div(const(x, 1), add(const(x, 1), mul(x, x))),
                    lower=Scalar("np.arctan({0})"))
sinh_p = _def_unary("sinh", np.sinh, lambda x, o: cosh(x), lower=Scalar("np.sinh({0})"))
cosh_p = _def_unary("cosh", np.cosh, lambda x, o: sinh(x), lower=Scalar("np.cosh({0})"))
tanh_p = _def_unary("tanh", np.tanh, lambda x, o: sub(const(x, 1), mul(o, o)), lower=Scalar("rt.tanh_{dt}({0})"))
asinh_p = _def_unary("asinh", np.arcsinh, lambda x, o: rsqrt(add(mul(x, x), const(x, 1))),
                     lower=Scalar("np.arcsinh({0})"))
acosh_p = _def_unary("acosh", np.arccosh,
                     lambda x, o: rsqrt(mul(sub(x, const(x, 1)), add(x, const(x, 1)))),
                     lower=Scalar("np.arccosh({0})"))
atanh_p = _def_unary("atanh", np.arctanh, lambda x, o: div(const(x, 1), sub(const(x, 1), mul(x, x))),
                     lower=Scalar("np.arctanh({0})"))


def _logistic_impl(x):
    x = np.asarray(x)
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-x))).astype(x.dtype, copy=False)


logistic_p = _def_unary("logistic", _logistic_impl, lambda x, o: mul(o, sub(const(x, 1), o)),
                        lower=Scalar("rt.logistic_{dt}({0})"))


erf_p = _def_unary("erf", _scipy_unary("erf"),
                   lambda x, o: mul(const(x, 2 / math.sqrt(math.pi)), exp(neg(mul(x, x)))),
                   lower=Scalar("math.erf({0})"))


erf_inv_p = _def_unary("erf_inv", _scipy_unary("erfinv"),
                       lambda x, o: mul(const(x, math.sqrt(math.pi) / 2), exp(mul(o, o))),
                       lower=HOST)   # no erfinv in Numba: the driver calls SciPy


lgamma_p = _def_unary("lgamma", _scipy_unary("gammaln"), lambda x, o: digamma(x),
                      lower=Scalar("math.lgamma({0})"))
digamma_p = _def_unary("digamma", _scipy_unary("digamma"), lambda x, o: polygamma(1, x),
                       lower=HOST)   # no digamma in Numba: the driver calls SciPy


def _polygamma_impl(x, *, n):
    from scipy import special
    x = np.asarray(x)
    return special.polygamma(n, x).astype(x.dtype, copy=False)


polygamma_p = def_primitive(
    "polygamma", abstract_eval=lambda x, *, n: _unary_abstract("polygamma", True)(x),
    impl=_polygamma_impl,
    vjp=lambda ct, x, *, out, n: [lambda: mul(ct, polygamma(n + 1, x))],
    jvp=lambda primals, tangents, *, n: (polygamma(n, primals[0]),
                                         mul(tangents[0], polygamma(n + 1, primals[0]))),
    batch=batch_elementwise(lambda x, n: polygamma_p.bind(x, n=n)), lower=HOST)
abs_p = _def_unary("abs", np.abs, lambda x, o: sign(x), float_only=False, lower=Scalar("abs({0})"))
sign_p = _def_unary("sign", np.sign, _zero_deriv, float_only=False, allow="num",
                    lower=Scalar("np.sign({0})",   # unsigned: 0 or 1 (np.sign would wrap -1)
                                 int=lambda c, x: f"{c.T}({x} > 0)" if c.out.kind == "u"
                                 else f"np.sign({x})"))
floor_p = _def_unary("floor", np.floor, _zero_deriv, lower=Scalar("np.floor({0})"))
ceil_p = _def_unary("ceil", np.ceil, _zero_deriv, lower=Scalar("np.ceil({0})"))


def _round_impl(x, *, rounding_method=0):
    """``rounding_method`` 0: half away from zero (lax's default); 1: half to even (NumPy's)."""
    x = np.asarray(x)
    if rounding_method == 1:
        return np.round(x)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(x.dtype, copy=False)


def _round_jvp(primals, tangents, *, rounding_method=0):
    out = round_p.bind(primals[0], rounding_method=rounding_method)
    return out, Zero(aval(out).strip_weak())


round_p = def_primitive(
    "round", abstract_eval=lambda x, *, rounding_method=0: _unary_abstract("round", True)(x),
    impl=_round_impl, vjp=NOT_DIFFERENTIABLE("piecewise constant: zero gradient"), jvp=_round_jvp,
    batch=batch_elementwise(lambda x, **p: round_p.bind(x, **p)),
    lower=Scalar(lambda c, x, rounding_method=0: f"np.rint({x})" if rounding_method == 1 else
                 f"np.sign({x}) * np.floor(abs({x}) + {c.lit(0.5)})"))


# --------------------------------------------------------------------------- integer_pow

def _integer_pow_abstract(x, *, y):
    _check_kind("integer_pow", "num", x)
    if y < 0 and not is_float(x.dtype):
        raise DTypeError(f"integer_pow: a negative exponent ({y}) needs a floating-point base, "
                         f"got {x}")
    return Aval(x.shape, x.dtype, x.weak_type)


def _integer_pow_impl(x, *, y):
    x = np.asarray(x)
    if y < 0 and not is_float(x.dtype):
        raise ValueError(f"integer_pow: negative exponent {y} on integer {x.dtype}")
    return np.power(x, x.dtype.type(y))


def _integer_pow_deriv(x, y):
    if y == 0:
        return zeros_like_aval(aval(x).strip_weak())
    if y == 1:
        return full_like_aval(aval(x).strip_weak(), 1)
    if y == 2:
        return mul(const(x, 2), x)
    return mul(const(x, y), integer_pow(x, y - 1))


def _integer_pow_lower(c, x, *, y):
    """``x*x*...`` for small exponents (what NumPy's ``power`` does for 2), ``**`` otherwise."""
    n = builtins.abs(y)
    p = c.lit(1) if n == 0 else (" * ".join([x] * n) if n <= 8 else f"{x} ** {n}")
    return f"{c.lit(1)} / ({p})" if y < 0 else f"({p})"


integer_pow_p = def_primitive(
    "integer_pow", abstract_eval=_integer_pow_abstract, impl=_integer_pow_impl,
    vjp=lambda ct, x, *, out, y: [lambda: mul(ct, _integer_pow_deriv(x, y))],
    jvp=lambda primals, tangents, *, y: (integer_pow(primals[0], y),
                                         mul(tangents[0], _integer_pow_deriv(primals[0], y))),
    batch=batch_elementwise(lambda x, y: integer_pow_p.bind(x, y=y)), lower=Scalar(_integer_pow_lower, forbid={"arcp", "afn"}))


# --------------------------------------------------------------------------- predicates

eq_p = _def_predicate("eq", np.equal, 2, lower=Scalar("({0} == {1})"))
ne_p = _def_predicate("ne", np.not_equal, 2, lower=Scalar("({0} != {1})"))
lt_p = _def_predicate("lt", np.less, 2, lower=Scalar("({0} < {1})"))
le_p = _def_predicate("le", np.less_equal, 2, lower=Scalar("({0} <= {1})"))
gt_p = _def_predicate("gt", np.greater, 2, lower=Scalar("({0} > {1})"))
ge_p = _def_predicate("ge", np.greater_equal, 2, lower=Scalar("({0} >= {1})"))
and_p = _def_predicate("and", np.bitwise_and, 2, bool_only=True, lower=Scalar("({0} & {1})"))
or_p = _def_predicate("or", np.bitwise_or, 2, bool_only=True, lower=Scalar("({0} | {1})"))
xor_p = _def_predicate("xor", np.bitwise_xor, 2, bool_only=True, lower=Scalar("({0} ^ {1})"))
not_p = _def_predicate("not", lambda x: np.invert(x), 1, bool_only=True,
                       lower=Scalar("(~{0})", bool="(not {0})"))


def _is_finite_abstract(x):
    if not is_float(x.dtype):
        raise DTypeError(f"is_finite requires a floating-point operand, got {x}")
    return Aval(x.shape, np.bool_, False)


is_finite_p = def_primitive(
    "is_finite", abstract_eval=_is_finite_abstract, impl=np.isfinite,
    vjp=NOT_DIFFERENTIABLE("boolean output"),
    jvp=lambda primals, tangents: (is_finite(primals[0]), Zero(Aval(shape_of(primals[0]), np.bool_))),
    batch=batch_elementwise(lambda x: is_finite_p.bind(x)), lower=Scalar("np.isfinite({0})"))


# --------------------------------------------------------------------------- select_n

def _select_abstract(which, *cases):
    if which.dtype != np.bool_ and not np.issubdtype(which.dtype, np.integer):
        raise DTypeError(f"select_n: predicate must be boolean or integer, got {which}")
    if which.dtype == np.bool_ and len(cases) != 2:
        raise DTypeError(f"select_n with a boolean predicate takes 2 cases, got {len(cases)}")
    dt = _same_dtype("select_n", *cases)
    shape = broadcast_shapes("select_n", which, *cases)
    return Aval(shape, dt, all(c.weak_type for c in cases))


def _select_impl(which, *cases):
    which = np.asarray(which)
    if which.dtype == np.bool_:
        return np.where(which, cases[1], cases[0])
    return np.choose(np.clip(which, 0, len(cases) - 1), cases)


def _select_vjp(ct, which, *cases, out):
    zero = zeros_like_aval(Aval((), aval(ct).dtype))

    def case_ct(i):
        picked = select_n(which, *[ct if j == i else zero for j in range(len(cases))])
        return unbroadcast(picked, aval(cases[i]))

    return [None] + [(lambda i=i: case_ct(i)) for i in range(len(cases))]


def _select_jvp(primals, tangents):
    which, *cases = primals
    out = select_n(which, *cases)
    if all(isinstance(t, Zero) for t in tangents[1:]):
        return out, Zero(aval(out))
    ts = [instantiate(t) for t in tangents[1:]]
    return out, _bcast_to(select_n(which, *ts), shape_of(out))


def _select_lower(c, which, *cases):
    """``case1 if which else case0``; integer ``which`` picks ``cases[clip(which)]``."""
    if c.ins[0] == np.bool_:
        return f"({cases[1]} if {which} else {cases[0]})"
    expr = cases[-1]
    for i in range(len(cases) - 2, -1, -1):
        expr = f"({cases[i]} if {which} <= {i} else {expr})"
    return expr


select_n_p = def_primitive(
    "select_n", abstract_eval=_select_abstract, impl=_select_impl, vjp=_select_vjp, jvp=_select_jvp,
    batch=batch_elementwise(lambda *a: select_n_p.bind(*a)), lower=Scalar(_select_lower))


# --------------------------------------------------------------------------- convert_element_type

def _convert_abstract(x, *, new_dtype, weak_type=False):
    return Aval(x.shape, new_dtype, weak_type)


def _convert_impl(x, *, new_dtype, weak_type=False):
    x = np.asarray(x)
    if is_float(x.dtype) and not is_float(new_dtype) and new_dtype != np.bool_:
        with np.errstate(invalid="ignore"):
            return x.astype(new_dtype)
    return x.astype(new_dtype)


def _convert_vjp(ct, x, *, out, new_dtype, weak_type=False):
    src = aval(x).dtype
    if not (is_float(src) and is_float(new_dtype)):
        return [None]
    return [convert_element_type(ct, src)]


def _convert_jvp(primals, tangents, *, new_dtype, weak_type=False):
    (x,), (t,) = primals, tangents
    out = convert_element_type(x, new_dtype, weak_type)
    if isinstance(t, Zero) or not (is_float(aval(x).dtype) and is_float(new_dtype)):
        return out, Zero(aval(out))
    return out, convert_element_type(t, new_dtype, weak_type)


convert_element_type_p = def_primitive(
    "convert_element_type", abstract_eval=_convert_abstract, impl=_convert_impl, vjp=_convert_vjp,
    jvp=_convert_jvp,
    batch=batch_elementwise(lambda x, **p: convert_element_type_p.bind(x, **p)),
    lower=Scalar(lambda c, x, **p: f"({x} != 0)" if c.out == np.bool_ else x))   # cast by the fuser


def _stop_gradient_jvp(primals, tangents):
    out = stop_gradient(primals[0])
    return out, Zero(aval(out))


stop_gradient_p = def_primitive(
    "stop_gradient", abstract_eval=lambda x: x, impl=lambda x: x,
    vjp=NOT_DIFFERENTIABLE("stop_gradient blocks gradients by definition"), jvp=_stop_gradient_jvp,
    batch=batch_elementwise(lambda x: stop_gradient_p.bind(x)), lower=Scalar("{0}"))


# --------------------------------------------------------------------------- bind wrappers

def add(x, y): return add_p.bind(x, y)
def add_any(x, y): return add_any_p.bind(x, y)
def sub(x, y): return sub_p.bind(x, y)
def mul(x, y): return mul_p.bind(x, y)
def div(x, y): return div_p.bind(x, y)
def rem(x, y): return rem_p.bind(x, y)
def pow(x, y): return pow_p.bind(x, y)  # noqa: A001 - lax's name
def max(x, y): return max_p.bind(x, y)  # noqa: A001
def min(x, y): return min_p.bind(x, y)  # noqa: A001
def atan2(x, y): return atan2_p.bind(x, y)
def neg(x): return neg_p.bind(x)
def exp(x): return exp_p.bind(x)
def log(x): return log_p.bind(x)
def log1p(x): return log1p_p.bind(x)
def expm1(x): return expm1_p.bind(x)
def sqrt(x): return sqrt_p.bind(x)
def rsqrt(x): return rsqrt_p.bind(x)
def cbrt(x): return cbrt_p.bind(x)
def sin(x): return sin_p.bind(x)
def cos(x): return cos_p.bind(x)
def tan(x): return tan_p.bind(x)
def asin(x): return asin_p.bind(x)
def acos(x): return acos_p.bind(x)
def atan(x): return atan_p.bind(x)
def sinh(x): return sinh_p.bind(x)
def cosh(x): return cosh_p.bind(x)
def tanh(x): return tanh_p.bind(x)
def asinh(x): return asinh_p.bind(x)
def acosh(x): return acosh_p.bind(x)
def atanh(x): return atanh_p.bind(x)
def logistic(x): return logistic_p.bind(x)
def erf(x): return erf_p.bind(x)
def erf_inv(x): return erf_inv_p.bind(x)
def lgamma(x): return lgamma_p.bind(x)
def digamma(x): return digamma_p.bind(x)
def polygamma(n: int, x): return polygamma_p.bind(x, n=int(n))
def abs(x): return abs_p.bind(x)  # noqa: A001
def sign(x): return sign_p.bind(x)
def floor(x): return floor_p.bind(x)
def ceil(x): return ceil_p.bind(x)
def round_(x, rounding_method: int = 0): return round_p.bind(x, rounding_method=int(rounding_method))
def is_finite(x): return is_finite_p.bind(x)
def eq(x, y): return eq_p.bind(x, y)
def ne(x, y): return ne_p.bind(x, y)
def lt(x, y): return lt_p.bind(x, y)
def le(x, y): return le_p.bind(x, y)
def gt(x, y): return gt_p.bind(x, y)
def ge(x, y): return ge_p.bind(x, y)
def bitwise_and(x, y): return and_p.bind(x, y)
def bitwise_or(x, y): return or_p.bind(x, y)
def bitwise_xor(x, y): return xor_p.bind(x, y)
def bitwise_not(x): return not_p.bind(x)
def select_n(which, *cases): return select_n_p.bind(which, *cases)
def stop_gradient(x): return stop_gradient_p.bind(x)


def select(pred, on_true, on_false):
    """``lax.select``: ``on_true`` where ``pred`` else ``on_false``."""
    return select_n_p.bind(pred, on_false, on_true)


def integer_pow(x, y: int):
    return integer_pow_p.bind(x, y=int(y))


def convert_element_type(x, new_dtype, weak_type: bool = False):
    new_dtype = np.dtype(new_dtype)
    a = aval(x)
    if a.dtype == new_dtype and a.weak_type == weak_type:
        return x
    return convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=bool(weak_type))


# --------------------------------------------------------------------------- simplification (jit passes)

def _identity_operand(value, side):
    """``x op c == x`` when the scalar ``c`` is ``value`` (``side``: which operand is ``c``)."""
    def rule(ctx, eqn, ins):
        x = ins[1 - side]
        if equals(ctx.scalar(ins[side]), value) and same_type(x, eqn.outputs[0]):
            return x
        return None
    return rule


for _p in (add_p, add_any_p):
    _p.monoid = "sum"
    add_simplify(_p, _identity_operand(0, 1))
    add_simplify(_p, _identity_operand(0, 0))
add_simplify(sub_p, _identity_operand(0, 1))
add_simplify(mul_p, _identity_operand(1, 1))
add_simplify(mul_p, _identity_operand(1, 0))
add_simplify(div_p, _identity_operand(1, 1))
for _p in (add_p, add_any_p, mul_p, max_p, min_p, eq_p, ne_p, and_p, or_p, xor_p):
    _p.commutative = True


@lambda rule: add_simplify(neg_p, rule)
def _double_neg(ctx, eqn, ins):
    pe = ctx.producer(ins[0])
    return pe.inputs[0] if pe is not None and pe.primitive is neg_p else None


add_simplify(stop_gradient_p, lambda ctx, eqn, ins: ins[0])   # no gradient after staging
add_simplify(integer_pow_p, lambda ctx, eqn, ins: ins[0] if eqn.params["y"] == 1 else None)
add_simplify(convert_element_type_p, lambda ctx, eqn, ins:
             ins[0] if ins[0].aval.dtype == eqn.outputs[0].aval.dtype else None)


@lambda rule: add_simplify(select_n_p, rule)
def _select_known(ctx, eqn, ins):
    """A literal selector picks its case (clamped, as select_n does)."""
    if not isinstance(ins[0], Literal):
        return None
    k = int(min(max(int(ctx.scalar(ins[0])), 0), len(ins) - 2))
    return ins[1 + k] if same_type(ins[1 + k], eqn.outputs[0]) else None
