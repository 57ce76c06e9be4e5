"""Coverage rows: elementwise functions of ``funcgrad.numpy`` (broadcasting operand shapes,
a float32 variant, integer variants where NumPy allows them)."""
import numpy as np

import funcgrad.numpy as jnp

from .coverage import B, F, I, Row

# name -> sampling domain of the operand(s)
UNARY = {
    "negative": "any", "positive": "any", "abs": "nonzero", "absolute": "nonzero", "sign": "any",
    "sqrt": "pos", "cbrt": "nonzero", "exp": "any", "expm1": "any", "exp2": "any", "log": "pos",
    "log1p": "pos", "log2": "pos", "log10": "pos", "sin": "any", "cos": "any", "tan": "unit",
    "arcsin": "unit", "asin": "unit", "arccos": "unit", "acos": "unit", "arctan": "any",
    "atan": "any", "sinh": "any", "cosh": "any", "tanh": "any", "arcsinh": "any", "asinh": "any",
    "arccosh": "gt1", "acosh": "gt1", "arctanh": "unit", "atanh": "unit", "floor": "any",
    "ceil": "any", "trunc": "any", "fix": "any", "rint": "any", "square": "any",
    "reciprocal": "nonzero", "deg2rad": "any", "radians": "any", "rad2deg": "any",
    "degrees": "any", "sinc": "nonzero", "real": "any", "imag": "any", "conj": "any",
    "conjugate": "any", "fabs": "nonzero", "i0": "any", "signbit": "any", "isfinite": "any",
    "isnan": "any", "isinf": "any", "isposinf": "any", "isneginf": "any", "isreal": "any",
    "iscomplex": "any", "logical_not": "any", "nan_to_num": "any", "angle": "nonzero",
    "around": "any", "round": "any",
}
BINARY = {
    "add": "any", "subtract": "any", "multiply": "any", "divide": "nonzero",
    "true_divide": "nonzero", "maximum": "any", "minimum": "any", "arctan2": "nonzero",
    "atan2": "nonzero", "power": "pos", "pow": "pos", "float_power": "pos",
    "floor_divide": "nonzero", "remainder": "nonzero", "mod": "nonzero", "fmod": "nonzero",
    "logaddexp": "any", "logaddexp2": "any", "hypot": "nonzero", "copysign": "nonzero",
    "equal": "any", "not_equal": "any", "less": "any", "less_equal": "any", "greater": "any",
    "greater_equal": "any", "logical_and": "any", "logical_or": "any", "logical_xor": "any",
    "fmax": "any", "fmin": "any", "heaviside": "nonzero", "divmod": "nonzero",
}
INT_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm"]
SHIFTS = ["left_shift", "right_shift", "bitwise_left_shift", "bitwise_right_shift"]
INT_UNARY = ["bitwise_not", "invert", "bitwise_invert", "bitwise_count"]

_ALIASES = {"asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "asinh": np.arcsinh,
            "acosh": np.arccosh, "atanh": np.arctanh, "atan2": np.arctan2, "pow": np.power,
            "conj": np.conjugate, "bitwise_invert": np.invert, "bitwise_left_shift": np.left_shift,
            "bitwise_right_shift": np.right_shift}


def _ref(name):
    return _ALIASES.get(name)


ROWS = []
for name, dom in UNARY.items():
    ROWS.append(Row(name, (F((2, 3), dom),), ref=_ref(name)))
    ROWS.append(Row(name, (F((4,), dom, "float32"),), ref=_ref(name), label="f32", grad=False, jit=False))
    if name not in ("i0",):
        ROWS.append(Row(name, (I((3,), 1, 4),), ref=_ref(name), label="int", jit=False))

for name, dom in BINARY.items():
    ROWS.append(Row(name, (F((3, 1), dom), F((4,), dom)), ref=_ref(name)))          # broadcasting
    ROWS.append(Row(name, (F((2,), dom, "float32"), 2.0), ref=_ref(name), label="f32_weak",
                    grad=False, jit=False))
    ROWS.append(Row(name, (I((2, 3), 1, 5), I((3,), 1, 4, "int32")), ref=_ref(name), label="int",
                    jit=False))

for name in INT_BINARY:
    ROWS.append(Row(name, (I((3, 4), -9, 10), I((4,), -9, 10, "int32")), ref=_ref(name)))
ROWS.append(Row("bitwise_and", (B((2, 3)), B((3,))), label="bool"))
for name in SHIFTS:
    ROWS.append(Row(name, (I((2, 3), -20, 20), I((3,), 0, 8)), ref=_ref(name)))
for name in INT_UNARY:
    ROWS.append(Row(name, (I((2, 3), -20, 20, "int32"),), ref=_ref(name)))
    ROWS.append(Row(name, (B((3,)),), ref=_ref(name), label="bool"))

ROWS += [
    Row("round", (F((5,), "any"),), {"decimals": 2}, label="decimals"),
    Row("clip", (F((2, 4)), -0.5, 0.7)),
    Row("clip", (F((2, 4)), F((4,)), None), label="array_bound"),
    Row("where", (B((3, 1)), F((4,)), F((3, 4)))),
    Row("where", (B((5,)),), label="nonzero", stage=False),
    Row("where", (B((5,)),), {"size": 4, "fill_value": -1}, label="size",
        ref=lambda c, size, fill_value: (np.concatenate([np.nonzero(c)[0], np.full(5, -1)])[:4],)),
    Row("nonzero", (I((2, 3), 0, 2),), stage=False),
    Row("nonzero", (I((2, 3), 0, 2),), {"size": 5}, label="size",
        ref=lambda a, size: tuple(np.concatenate([r, np.zeros(5, int)])[:5] for r in np.nonzero(a))),
    Row("nan_to_num", (F((4,)),), {"nan": 1.5}, label="nan",
        fn=lambda x, nan: jnp.nan_to_num(jnp.where(x > 1, np.nan, x), nan=nan),
        ref=lambda x, nan: np.nan_to_num(np.where(x > 1, np.nan, x), nan=nan)),
    Row("frexp", (F((2, 3), "nonzero"),)),
    Row("frexp", (F((3,), "any", "float32"),), label="f32", grad=False),
    Row("ldexp", (F((2, 3)), I((3,), -3, 4))),
    Row("modf", (F((2, 3)),)),
    Row("isclose", (F((2, 3)), F((3,)))),
    Row("allclose", (F((3,)), F((3,)))),
    Row("array_equal", (I((3,), 0, 2), I((3,), 0, 2))),
    Row("array_equiv", (I((2, 3), 0, 2), I((3,), 0, 2))),
]
