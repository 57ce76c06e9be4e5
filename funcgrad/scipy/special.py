"""``funcgrad.scipy.special``: ``jax.scipy.special``'s functions (SciPy's names and values).

Each is written with ``funcgrad.numpy`` / ``funcgrad.lax`` (special-function primitives where
no composition is accurate: ``erf``, ``erfc``, ``erf_inv``, ``lgamma``, ``digamma``,
``polygamma``, ``bessel_i0e``/``i1e``, ``log_ndtr``), so every function runs eagerly on NumPy,
traces, differentiates (to any order) and compiles. Integer inputs give float64 (float32 when
x64 is off); float32 stays float32. Where a function has a removable singularity (``xlogy`` at
``x = 0``), the gradient is taken on the safe branch, as in JAX.

>>> import funcgrad.numpy as jnp
>>> from funcgrad.scipy import special
>>> special.logsumexp(jnp.array([0.0, 0.0]))
Array(0.69314718, dtype=float64)
>>> special.xlogy(0.0, 0.0)
Array(0., dtype=float64)
>>> special.gammaln(jnp.array([1.0, 5.0]))
Array([0.        , 3.17805383], dtype=float64)
"""
from __future__ import annotations

import math

import numpy as _np

from .. import lax
from .. import numpy as jnp
from ..nn import log_softmax as _log_softmax, logsumexp, softmax as _softmax
from ..numpy._dtypes import promote_to_inexact
from ..primitives.normal_special import log_ndtr as _log_ndtr, ndtri as _ndtri

__all__ = ["logsumexp", "softmax", "log_softmax", "expit", "logit", "erf", "erfc", "erfinv",
           "gammaln", "loggamma", "gamma", "gammasgn", "digamma", "polygamma", "beta", "betaln",
           "xlogy", "xlog1py", "entr", "rel_entr", "kl_div", "ndtr", "ndtri", "log_ndtr", "i0",
           "i0e", "i1", "i1e", "multigammaln", "factorial", "poch", "comb", "boxcox", "boxcox1p"]


def _f(x):
    """``x`` as a float array (integers -> the default float)."""
    return promote_to_inexact(jnp.asarray(x))


def _f2(x, y):
    x, y = _f(x), _f(y)
    dt = jnp.result_type(x, y)
    return jnp.astype(x, dt), jnp.astype(y, dt)


def softmax(x, /, *, axis=None):
    """``exp(x) / sum(exp(x))`` over ``axis`` (all axes by default, as SciPy)."""
    return _softmax(x, axis=axis)


def log_softmax(x, /, *, axis=None):
    """``x - logsumexp(x)`` over ``axis`` (all axes by default, as SciPy)."""
    return _log_softmax(x, axis=axis)


def expit(x):
    """The logistic sigmoid ``1 / (1 + exp(-x))``."""
    return lax.logistic(_f(x))


def logit(x):
    """``log(x / (1 - x))``, the inverse of ``expit``."""
    x = _f(x)
    return jnp.log(x) - jnp.log1p(-x)


def erf(x):
    """The error function."""
    return lax.erf(_f(x))


def erfc(x):
    """``1 - erf(x)``, accurate for large ``x``."""
    return lax.erfc(_f(x))


def erfinv(x):
    """The inverse error function on (-1, 1)."""
    return lax.erf_inv(_f(x))


def gammaln(x):
    """``log(|Gamma(x)|)``."""
    return lax.lgamma(_f(x))


loggamma = gammaln


def gammasgn(x):
    """The sign of ``Gamma(x)`` (NaN at the poles, the non-positive integers)."""
    x = _f(x)
    fl = jnp.floor(x)
    neg = jnp.where(jnp.equal(jnp.remainder(fl, 2), 0), 1.0, -1.0)
    sgn = jnp.where(x > 0, 1.0, jnp.where(jnp.equal(x, fl), _np.nan, neg))
    return jnp.astype(jnp.where(jnp.equal(x, 0), jnp.copysign(1.0, x), sgn), x.dtype)


def gamma(x):
    """The Gamma function, ``gammasgn(x) * exp(gammaln(x))``."""
    x = _f(x)
    return gammasgn(x) * jnp.exp(gammaln(x))


def digamma(x):
    """The logarithmic derivative of Gamma."""
    return lax.digamma(_f(x))


def polygamma(n, x):
    """The ``n``-th derivative of ``digamma`` (``n`` a static non-negative integer)."""
    n = int(_np.asarray(n))
    if n < 0:
        raise ValueError("polygamma: n must be a non-negative integer")
    return lax.polygamma(n, _f(x))


def betaln(a, b):
    """``log(|Beta(a, b)|)``."""
    a, b = _f2(a, b)
    return gammaln(a) + gammaln(b) - gammaln(a + b)


def beta(a, b):
    """``Gamma(a) Gamma(b) / Gamma(a + b)``."""
    a, b = _f2(a, b)
    return gammasgn(a) * gammasgn(b) * gammasgn(a + b) * jnp.exp(betaln(a, b))


def _safe(cond, x, fill):
    """``x`` with ``fill`` where ``cond``: keeps the unused branch (and its gradient) finite."""
    return jnp.where(cond, fill, x)


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0`` (also its gradient there)."""
    x, y = _f2(x, y)
    zero = jnp.equal(x, 0)
    return jnp.where(zero, 0.0, x * jnp.log(_safe(zero, y, 1.0)))


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x == 0``."""
    x, y = _f2(x, y)
    zero = jnp.equal(x, 0)
    return jnp.where(zero, 0.0, x * jnp.log1p(_safe(zero, y, 0.0)))


def entr(x):
    """``-x log(x)`` for ``x > 0``, 0 at 0, ``-inf`` below."""
    x = _f(x)
    pos = x > 0
    safe = jnp.where(pos, x, 1.0)
    return jnp.where(pos, -x * jnp.log(safe), jnp.where(jnp.equal(x, 0), 0.0, -_np.inf))


def rel_entr(x, y):
    """``x log(x / y)`` for ``x, y > 0``; 0 where ``x == 0 <= y``; ``inf`` otherwise."""
    x, y = _f2(x, y)
    both = jnp.logical_and(x > 0, y > 0)
    sx, sy = jnp.where(both, x, 1.0), jnp.where(both, y, 1.0)
    other = jnp.where(jnp.logical_and(jnp.equal(x, 0), y >= 0), 0.0, _np.inf)
    return jnp.where(both, sx * jnp.log(sx / sy), other)


def kl_div(x, y):
    """``x log(x / y) - x + y`` for ``x, y > 0``; ``y`` where ``x == 0 <= y``; ``inf`` otherwise."""
    x, y = _f2(x, y)
    both = jnp.logical_and(x > 0, y > 0)
    sx, sy = jnp.where(both, x, 1.0), jnp.where(both, y, 1.0)
    other = jnp.where(jnp.logical_and(jnp.equal(x, 0), y >= 0), y, _np.inf)
    return jnp.where(both, sx * jnp.log(sx / sy) - sx + sy, other)


def ndtr(x):
    """The standard normal CDF, ``erfc(-x / sqrt(2)) / 2``."""
    x = _f(x)
    return 0.5 * erfc(x * (-1 / math.sqrt(2)))


def ndtri(p):
    """The inverse of ``ndtr`` on (0, 1) (accurate in both tails)."""
    return _ndtri(_f(p))


def log_ndtr(x, series_order: int = 3):
    """``log(ndtr(x))``, accurate far in the left tail."""
    return _log_ndtr(_f(x))


def i0e(x):
    """Exponentially scaled modified Bessel function of order 0, ``exp(-|x|) I0(x)``."""
    return lax.bessel_i0e(_f(x))


def i1e(x):
    """Exponentially scaled modified Bessel function of order 1, ``exp(-|x|) I1(x)``."""
    return lax.bessel_i1e(_f(x))


def i0(x):
    """Modified Bessel function of the first kind, order 0."""
    x = _f(x)
    return jnp.exp(jnp.abs(x)) * i0e(x)


def i1(x):
    """Modified Bessel function of the first kind, order 1."""
    x = _f(x)
    return jnp.exp(jnp.abs(x)) * i1e(x)


def multigammaln(a, d):
    """Log of the multivariate Gamma function of dimension ``d`` (static)."""
    d = int(d)
    a = _f(a)
    r = d * (d - 1) / 4 * math.log(math.pi)
    for j in range(1, d + 1):
        r = r + gammaln(a + (1 - j) / 2)
    return r


def factorial(n, exact: bool = False):
    """``Gamma(n + 1)``; 0 for negative ``n`` (``exact=True`` is not supported, as in JAX)."""
    if exact:
        raise ValueError("factorial: exact=True is not supported (results are floating point)")
    n = _f(n)
    return jnp.where(n < 0, 0.0, jnp.exp(gammaln(jnp.where(n < 0, 0.0, n) + 1)))


def poch(z, m):
    """The rising factorial ``Gamma(z + m) / Gamma(z)``."""
    z, m = _f2(z, m)
    return gammasgn(z + m) * gammasgn(z) * jnp.exp(gammaln(z + m) - gammaln(z))


def comb(N, k, *, repetition: bool = False):
    """The binomial coefficient ``N choose k`` (floating point; 0 outside ``0 <= k <= N``)."""
    N, k = _f2(N, k)
    if repetition:
        N = N + k - 1
    ok = jnp.logical_and(k >= 0, k <= N)
    sN, sk = jnp.where(ok, N, 1.0), jnp.where(ok, k, 0.0)
    r = jnp.exp(gammaln(sN + 1) - gammaln(sk + 1) - gammaln(sN - sk + 1))
    return jnp.where(ok, r, 0.0)


def boxcox(x, lmbda):
    """The Box-Cox transform ``(x ** lmbda - 1) / lmbda`` (``log(x)`` at ``lmbda == 0``)."""
    x, lmbda = _f2(x, lmbda)
    zero = jnp.equal(lmbda, 0)
    safe = jnp.where(zero, 1.0, lmbda)
    return jnp.where(zero, jnp.log(x), jnp.expm1(safe * jnp.log(x)) / safe)


def boxcox1p(x, lmbda):
    """The Box-Cox transform of ``1 + x``."""
    x, lmbda = _f2(x, lmbda)
    zero = jnp.equal(lmbda, 0)
    safe = jnp.where(zero, 1.0, lmbda)
    return jnp.where(zero, jnp.log1p(x), jnp.expm1(safe * jnp.log1p(x)) / safe)
