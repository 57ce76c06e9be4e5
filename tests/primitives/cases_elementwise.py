from funcgrad import lax

from .cases import Arg, Case

F = "float64"
UNARY = {
    "neg": (lax.neg, "normal"), "exp": (lax.exp, "normal"), "log": (lax.log, "positive"),
    "log1p": (lax.log1p, "positive"), "expm1": (lax.expm1, "normal"), "sqrt": (lax.sqrt, "positive"),
    "rsqrt": (lax.rsqrt, "positive"), "cbrt": (lax.cbrt, "positive"), "sin": (lax.sin, "normal"),
    "cos": (lax.cos, "normal"), "tan": (lax.tan, "small"), "asin": (lax.asin, "unit"),
    "acos": (lax.acos, "unit"), "atan": (lax.atan, "normal"), "sinh": (lax.sinh, "normal"),
    "cosh": (lax.cosh, "normal"), "tanh": (lax.tanh, "normal"), "asinh": (lax.asinh, "normal"),
    "acosh": (lax.acosh, "above_one"), "atanh": (lax.atanh, "unit"), "logistic": (lax.logistic, "normal"),
    "erf": (lax.erf, "normal"), "erf_inv": (lax.erf_inv, "unit"), "lgamma": (lax.lgamma, "positive"),
    "digamma": (lax.digamma, "positive"), "abs": (lax.abs, "nonzero"), "sign": (lax.sign, "nonzero"),
    "floor": (lax.floor, "normal"), "ceil": (lax.ceil, "normal"),
    "round": (lax.round, "normal"),
}
SHAPES = [(), (3,), (2, 3), (0, 3)]

CASES = []
for name, (fn, sampler) in UNARY.items():
    for s in SHAPES:
        CASES.append(Case(name, fn, [Arg(s, sampler)], order=2 if s == (3,) else 1))

CASES.append(Case("polygamma", lambda x: lax.polygamma(1, x), [Arg((3,), "positive")], order=2))
CASES.append(Case("integer_pow", lambda x: lax.integer_pow(x, 3), [Arg((2, 3))], name="cube", order=2))
CASES.append(Case("integer_pow", lambda x: lax.integer_pow(x, -2), [Arg((3,), "nonzero")], name="neg"))
CASES.append(Case("integer_pow", lambda x: lax.integer_pow(x, 0), [Arg((3,))], name="zero"))
CASES.append(Case("is_finite", lax.is_finite, [Arg((2, 3))], diff=False))

BINARY = {
    "add": (lax.add, "normal", "normal"), "add_any": (lax.add_any, "normal", "normal"),
    "sub": (lax.sub, "normal", "normal"), "mul": (lax.mul, "normal", "normal"),
    "div": (lax.div, "normal", "nonzero"), "rem": (lax.rem, "normal", "nonzero"),
    "pow": (lax.pow, "positive", "normal"), "max": (lax.max, "normal", "normal"),
    "min": (lax.min, "normal", "normal"), "atan2": (lax.atan2, "nonzero", "nonzero"),
}
PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 1), (2, 3)), ((1, 3), (2, 1)), ((), (2, 3)),
         ((0, 3), (1, 3))]
for name, (fn, sx, sy) in BINARY.items():
    for a, b in PAIRS:
        CASES.append(Case(name, fn, [Arg(a, sx), Arg(b, sy)], order=2 if a == (3,) else 1))

for name in ("eq", "ne", "lt", "le", "gt", "ge"):
    fn = getattr(lax, name)
    CASES.append(Case(name, fn, [Arg((2, 3), "int", F), Arg((2, 1), "int", F)], diff=False))
for name, fn in (("and", lax.bitwise_and), ("or", lax.bitwise_or), ("xor", lax.bitwise_xor)):
    CASES.append(Case(name, fn, [Arg((2, 3), "bool", "bool"), Arg((2, 3), "bool", "bool")], diff=False))
    CASES.append(Case(name, fn, [Arg((3,), "int", "int32"), Arg((3,), "int", "int32")], diff=False,
                      name="int"))
CASES.append(Case("not", lax.bitwise_not, [Arg((2, 3), "bool", "bool")], diff=False))

CASES.append(Case("select_n", lambda p, x, y: lax.select(p, x, y),
                  [Arg((2, 3), "bool", "bool"), Arg((2, 3)), Arg((2, 3))], order=2))
CASES.append(Case("select_n", lambda p, x, y: lax.select(p, x, y),
                  [Arg((), "bool", "bool"), Arg((2, 3)), Arg((1, 3))], name="scalar-pred"))
CASES.append(Case("convert_element_type", lambda x: lax.convert_element_type(x, "float32"),
                  [Arg((2, 3))], tol=1e-3))
CASES.append(Case("convert_element_type", lambda x: lax.convert_element_type(x, "int32"),
                  [Arg((2, 3))], diff=False, name="to-int"))

# stop_gradient is the identity with a zero derivative by definition: finite differences do not
# apply; tests/transforms/test_grad.py checks that its gradient is zero.
for s in SHAPES:
    CASES.append(Case("stop_gradient", lax.stop_gradient, [Arg(s)], diff=False))
