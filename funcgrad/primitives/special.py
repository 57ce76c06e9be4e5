"""Special-function primitives: ``erfc``, ``bessel_i0e``, ``bessel_i1e`` (``log_ndtr`` and
``ndtri`` are in ``normal_special.py``); and integer bit operations with NumPy's semantics:
``gcd``, ``left_shift``, ``right_shift``, ``bitwise_count`` (integer outputs, no gradient).

Defined like the unary primitives of ``elementwise.py`` (NumPy/SciPy impl, derivative written
with bind wrappers, so derivatives of any order are IR again).

- ``erfc(x) = 1 - erf(x)``, accurate where ``erf(x)`` is close to 1.
- ``bessel_i0e(x) = exp(-|x|) I0(x)``, ``bessel_i1e(x) = exp(-|x|) I1(x)``: the exponentially
  scaled modified Bessel functions (no overflow); ``I0' = I1`` and ``I1' = I0 - I1 / x``.

>>> import numpy as np
>>> print(erfc(np.array([0.0, 1.0])))
[1.         0.15729921]
"""
from __future__ import annotations

import math

import numpy as np

from ..core.lowering import HOST, Scalar
from .elementwise import (_def_predicate, _def_unary, _scipy_unary, add, const, div, eq, exp, mul,
                          neg, select, sign, sub)

erfc_p = _def_unary("erfc", _scipy_unary("erfc"),
                    lambda x, o: mul(const(x, -2 / math.sqrt(math.pi)), exp(neg(mul(x, x)))),
                    lower=Scalar("math.erfc({0})"))


def _i0e_deriv(x, o):
    return sub(bessel_i1e(x), mul(sign(x), o))


def _i1e_deriv(x, o):
    """``i0e(x) - i1e(x) * (sign(x) + 1/x)``; the limit at 0 is 1/2."""
    zero = eq(x, const(x, 0))
    safe = select(zero, const(x, 1), x)
    d = sub(bessel_i0e(x), mul(o, add(sign(x), div(const(x, 1), safe))))
    return select(zero, const(x, 0.5), d)


bessel_i0e_p = _def_unary("bessel_i0e", _scipy_unary("i0e"), _i0e_deriv, lower=HOST)
bessel_i1e_p = _def_unary("bessel_i1e", _scipy_unary("i1e"), _i1e_deriv, lower=HOST)



def erfc(x): return erfc_p.bind(x)
def bessel_i0e(x): return bessel_i0e_p.bind(x)
def bessel_i1e(x): return bessel_i1e_p.bind(x)


# --------------------------------------------------------------------------- integer bit ops

def _int_op(name, np_fn):
    """A binary integer operation with NumPy's semantics (no gradient; the driver calls NumPy)."""
    return _def_predicate(name, np_fn, 2, bool_only=True, lower=HOST)


def _popcount_impl(x):
    x = np.asarray(x)
    return np.bitwise_count(x).astype(x.dtype)


gcd_p = _int_op("gcd", np.gcd)
left_shift_p = _int_op("left_shift", np.left_shift)       # NumPy's names and semantics (shifts by
right_shift_p = _int_op("right_shift", np.right_shift)    # the bit width or more give 0 or -1)
bitwise_count_p = _def_predicate("bitwise_count", _popcount_impl, 1, bool_only=True, lower=HOST)


def gcd(x, y): return gcd_p.bind(x, y)
def left_shift(x, y): return left_shift_p.bind(x, y)
def right_shift(x, y): return right_shift_p.bind(x, y)
def bitwise_count(x): return bitwise_count_p.bind(x)
