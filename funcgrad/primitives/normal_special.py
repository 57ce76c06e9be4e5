"""Special functions of the normal distribution, for ``funcgrad.scipy.stats.norm``:
``log_ndtr`` (the log of the standard normal CDF, accurate far into both tails) and ``ndtri``
(its inverse, the quantile function). The impls are SciPy's; the derivatives are written with
bind wrappers, so they differentiate again:

- ``d log_ndtr(x)/dx = exp(-x²/2 - log_ndtr(x)) / √(2π)`` (no overflow for ``x → -∞``);
- ``d ndtri(p)/dp = √(2π) exp(ndtri(p)²/2)``.

``jit`` calls the SciPy impl from its driver (Numba has neither function).

>>> import numpy as np
>>> print(round(float(log_ndtr(np.array(-40.0))), 4))
-804.6084
>>> print(ndtri(np.array([0.5])))
[0.]
"""
from __future__ import annotations

import math


from ..core.lowering import HOST
from .elementwise import _def_unary, _scipy_unary, const, exp, mul, sub

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _log_ndtr_deriv(x, out):
    return exp(sub(sub(mul(const(x, -0.5), mul(x, x)), out), const(x, _LOG_SQRT_2PI)))


def _ndtri_deriv(p, out):
    return mul(const(p, math.sqrt(2 * math.pi)), exp(mul(const(p, 0.5), mul(out, out))))


log_ndtr_p = _def_unary("log_ndtr", _scipy_unary("log_ndtr"), _log_ndtr_deriv, lower=HOST)
ndtri_p = _def_unary("ndtri", _scipy_unary("ndtri"), _ndtri_deriv, lower=HOST)


def log_ndtr(x):
    """``log Φ(x)``, Φ the standard normal CDF."""
    return log_ndtr_p.bind(x)


def ndtri(p):
    """``Φ⁻¹(p)``: the standard normal quantile."""
    return ndtri_p.bind(p)


__all__ = ["log_ndtr", "ndtri"]
