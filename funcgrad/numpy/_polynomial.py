"""Polynomials as coefficient arrays, highest power first: ``polyval``, ``polyadd``, ``polysub``,
``polymul``, ``polydiv``, ``polyder``, ``polyint``, ``poly``, ``polyfit``, ``roots``.

Traced, every operation has static shapes: ``polydiv`` returns a remainder as long as ``u``
(leading zeros kept, as JAX's default), ``polyfit`` solves the least-squares problem with a
Gram-Schmidt QR of the (column-scaled) Vandermonde matrix, so it is differentiable in ``x``,
``y`` and ``w``.

>>> import funcgrad.numpy as jnp
>>> jnp.polyval(jnp.array([1.0, 0.0, -2.0]), 3.0)
Array(7., dtype=float64)
>>> jnp.polymul(jnp.array([1.0, 1.0]), jnp.array([1.0, -1.0]))
Array([ 1.,  0., -1.], dtype=float64)
>>> jnp.polyfit(jnp.array([0.0, 1.0, 2.0]), jnp.array([1.0, 3.0, 5.0]), 1)
Array([2., 1.], dtype=float64)
"""
from __future__ import annotations

import numpy as np

from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from . import _shape as S, _ufuncs as U
from ._dtypes import base, dtype_of, promote_to_inexact, result_type, to_dtype, untraced, wrap


def _arr(x):
    from ._creation import asarray
    return x if isinstance(x, Tracer) else asarray(x)


def polyval(p, x, *, unroll: int = 16):
    """``p[0] * x**(n-1) + ... + p[n-1]`` by Horner's rule."""
    if _state.trace is EVAL or untraced(p, x):
        return wrap(np.polyval(base(p), base(x)))
    p = _arr(p)
    dt = result_type(p, x)
    p, x = to_dtype(p, dt), to_dtype(x, dt)
    n = shape_of(p)[0]
    y = U.multiply(x, 0)
    for i in range(n):
        y = U.add(U.multiply(y, x), p[i])
    return y


def _pad_front(a, n):
    k = shape_of(a)[0]
    if k >= n:
        return a
    return S.concatenate([to_dtype(np.zeros(n - k), dtype_of(a)), a])


def polyadd(a1, a2):
    """Sum of two polynomials."""
    if _state.trace is EVAL or untraced(a1, a2):
        return wrap(np.polyadd(base(a1), base(a2)))
    a1, a2 = S.ravel(_arr(a1)), S.ravel(_arr(a2))
    n = max(shape_of(a1)[0], shape_of(a2)[0])
    return U.add(_pad_front(a1, n), _pad_front(a2, n))


def polysub(a1, a2):
    """Difference of two polynomials."""
    if _state.trace is EVAL or untraced(a1, a2):
        return wrap(np.polysub(base(a1), base(a2)))
    a1, a2 = S.ravel(_arr(a1)), S.ravel(_arr(a2))
    n = max(shape_of(a1)[0], shape_of(a2)[0])
    return U.subtract(_pad_front(a1, n), _pad_front(a2, n))


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
    """Product of two polynomials (a convolution of the coefficients)."""
    if _state.trace is EVAL or untraced(a1, a2):
        return wrap(np.polymul(base(a1), base(a2)))
    from ._cumulative import convolve
    return convolve(S.ravel(_arr(a1)), S.ravel(_arr(a2)))


def polydiv(u, v, *, trim_leading_zeros: bool = False):
    """``(quotient, remainder)`` of polynomial long division. The remainder keeps ``u``'s length
    (leading zeros) unless ``trim_leading_zeros`` (eager only), as in JAX."""
    if _state.trace is EVAL or untraced(u, v):
        uu = np.atleast_1d(np.asarray(base(u), dtype=np.result_type(base(u), base(v), 1.0)))
        q, r = np.polydiv(uu, base(v))
        if not trim_leading_zeros:
            r = np.concatenate([np.zeros(len(uu) - len(r), r.dtype), r])
        return wrap(q), wrap(r)
    if trim_leading_zeros:
        raise NotImplementedError("polydiv: trim_leading_zeros=True needs concrete values")
    u, v = promote_to_inexact(S.ravel(_arr(u))), promote_to_inexact(S.ravel(_arr(v)))
    dt = result_type(u, v)
    u, v = to_dtype(u, dt), to_dtype(v, dt)
    m, n = shape_of(u)[0], shape_of(v)[0]
    scale = U.divide(1.0, v[0])
    q = []
    r = u
    for k in range(max(m - n + 1, 0)):
        d = U.multiply(scale, r[k])
        q.append(d)
        shifted = _pad_front(S.concatenate([U.multiply(d, v), to_dtype(np.zeros(m - n - k), dt)]), m)
        r = U.subtract(r, shifted)
    if not q:
        return to_dtype(np.zeros(1), dt), r
    return S.stack(q), r


def polyder(p, m: int = 1):
    """The ``m``-th derivative."""
    if _state.trace is EVAL or untraced(p):
        return wrap(np.polyder(base(p), m))
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = S.ravel(_arr(p))
    for _ in range(int(m)):
        n = shape_of(p)[0]
        if n <= 1:
            return to_dtype(np.zeros(1), dtype_of(p))
        p = U.multiply(p[:-1], np.arange(n - 1, 0, -1))
    return p


def polyint(p, m: int = 1, k=None):
    """The ``m``-th antiderivative with integration constants ``k`` (default 0)."""
    from ._creation import _has_tracer
    if _state.trace is EVAL or (untraced(p) and not _has_tracer([k])):
        return wrap(np.polyint(base(p), m, None if k is None else base(k)))
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    ks = np.zeros(m) if k is None else k
    ks = list(ks) if isinstance(ks, (list, tuple)) else ([ks] * m if len(shape_of(ks)) == 0 else ks)
    if len(ks) != m:
        raise ValueError("k must be a scalar or a rank-1 array of length m")
    p = promote_to_inexact(S.ravel(_arr(p)))
    for i in range(int(m)):
        n = shape_of(p)[0]
        p = S.concatenate([U.divide(p, np.arange(n, 0, -1)), S.reshape(to_dtype(ks[i], dtype_of(p)), (1,))])
    return p


def poly(seq_of_zeros):
    """Coefficients of the monic polynomial with the given roots (a 1-D sequence; a square
    matrix's characteristic polynomial eagerly)."""
    if _state.trace is EVAL or untraced(seq_of_zeros):
        return wrap(np.poly(base(seq_of_zeros)))
    z = S.ravel(promote_to_inexact(_arr(seq_of_zeros)))
    if len(shape_of(seq_of_zeros)) == 2:
        raise NotImplementedError("poly of a matrix (its eigenvalues) needs concrete values")
    c = to_dtype(np.ones(1), dtype_of(z))
    for i in range(shape_of(z)[0]):
        c = polymul(c, S.stack([to_dtype(1.0, dtype_of(z)), U.negative(z[i])]))
    return c


def roots(p, *, strip_zeros: bool = True):
    """Roots of the polynomial (complex in general: eager only)."""
    if isinstance(p, Tracer):
        raise NotImplementedError("roots: the roots are complex numbers, which funcgrad does not trace; "
                                  "call roots on concrete values")
    return wrap(np.roots(base(p)))


def _gram_schmidt(a):
    """Thin QR of the (m, n) ``a`` (m >= n) by Gram-Schmidt with re-orthogonalization."""
    from ._linalg import dot
    m, n = shape_of(a)
    qs, r = [], [[None] * n for _ in range(n)]
    for j in range(n):
        v = a[:, j]
        coef = [to_dtype(0.0, dtype_of(a)) for _ in range(j)]
        for _ in range(2):                                   # twice is enough (CGS2)
            for i, q in enumerate(qs):
                c = dot(q, v)
                coef[i] = U.add(coef[i], c)
                v = U.subtract(v, U.multiply(c, q))
        norm = U.sqrt(dot(v, v))
        qs.append(U.divide(v, norm))
        for i in range(j):
            r[i][j] = coef[i]
        r[j][j] = norm
    return qs, r


def _lstsq_small(a, b):
    """Least-squares solution of ``a x = b`` for a tall, full-rank ``a`` with few columns."""
    from ._linalg import dot
    qs, r = _gram_schmidt(a)
    n = len(qs)
    z = [dot(q, b) for q in qs]
    x = [None] * n
    for i in range(n - 1, -1, -1):
        s = z[i]
        for j in range(i + 1, n):
            s = U.subtract(s, U.multiply(r[i][j], x[j]))
        x[i] = U.divide(s, r[i][i])
    return S.stack(x)


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov=False):
    """Least-squares polynomial fit of degree ``deg`` (coefficients highest power first; ``y``
    may hold several columns). ``full``/``cov`` outputs are eager only."""
    if _state.trace is EVAL or untraced(x, y, w):
        r = np.polyfit(base(x), base(y), deg, rcond, full, None if w is None else base(w), cov)
        return tuple(wrap(v) for v in r) if isinstance(r, tuple) else wrap(r)
    if full or cov:
        raise NotImplementedError("polyfit: full=True / cov=True need concrete values")
    deg = int(deg)
    if deg < 0:
        raise ValueError("expected deg >= 0")
    x = promote_to_inexact(S.ravel(_arr(x)))
    y = promote_to_inexact(_arr(y))
    dt = result_type(x, y, 1.0)
    x, y = to_dtype(x, dt), to_dtype(y, dt)
    if shape_of(x)[0] != shape_of(y)[0]:
        raise TypeError("expected x and y to have same length")
    if shape_of(x)[0] <= deg:
        raise ValueError("polyfit: fewer points than deg + 1 (the fit is underdetermined)")
    from ._manipulation import vander
    from ._reductions import sum as _sum
    lhs = vander(x, deg + 1)
    rhs = y
    if w is not None:
        w = to_dtype(_arr(w), dt)
        lhs = U.multiply(lhs, S.expand_dims(w, 1))
        rhs = U.multiply(rhs, w if len(shape_of(y)) == 1 else S.expand_dims(w, 1))
    scale = U.sqrt(_sum(U.multiply(lhs, lhs), axis=0))
    lhs = U.divide(lhs, scale)
    c = _lstsq_small(lhs, rhs)
    return U.divide(c, scale if len(shape_of(y)) == 1 else S.expand_dims(scale, 1))
