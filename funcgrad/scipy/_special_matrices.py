"""Structured matrices of ``scipy.linalg`` (``toeplitz``, ``hankel``, ``circulant``...), built by
indexing their defining vectors, so gradients flow back to those vectors.

>>> from funcgrad.scipy import linalg
>>> print(linalg.circulant([1.0, 2.0, 3.0]))
[[1. 3. 2.]
 [2. 1. 3.]
 [3. 2. 1.]]
"""
from __future__ import annotations

import numpy as np

from .. import numpy as jnp
from ..core.errors import ShapeError


def _vector(x, name):
    x = jnp.asarray(x)
    if x.ndim != 1:
        raise ShapeError(f"{name}: needs a 1-D input, got shape {x.shape}")
    return x


def toeplitz(c, r=None):
    """The Toeplitz matrix with first column ``c`` and first row ``r`` (default ``c``;
    ``r[0]`` is ignored)."""
    c = jnp.ravel(jnp.asarray(c))
    r = c if r is None else jnp.ravel(jnp.asarray(r))
    m, n = c.shape[0], r.shape[0]
    vals = jnp.concatenate([c[::-1], r[1:]])        # entry (i, j) is vals[m - 1 + j - i]
    return jnp.take(vals, (m - 1) + np.arange(n)[None, :] - np.arange(m)[:, None])


def hankel(c, r=None):
    """The Hankel matrix with first column ``c`` and last row ``r`` (default zeros; ``r[0]`` is
    ignored)."""
    c = jnp.ravel(jnp.asarray(c))
    r = jnp.zeros_like(c) if r is None else jnp.ravel(jnp.asarray(r))
    m, n = c.shape[0], r.shape[0]
    vals = jnp.concatenate([c, r[1:]])              # entry (i, j) is vals[i + j]
    return jnp.take(vals, np.arange(m)[:, None] + np.arange(n)[None, :])


def circulant(c):
    """The circulant matrix with first column ``c`` (batched over leading dims of ``c``)."""
    c = jnp.asarray(c)
    n = c.shape[-1]
    return jnp.take(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % n, axis=-1)


def companion(a):
    """The companion matrix of the polynomial with coefficients ``a`` (highest degree first)."""
    a = _vector(a, "companion")
    n = a.shape[0]
    if n < 2:
        raise ValueError("companion: needs at least two coefficients")
    first = jnp.expand_dims(-a[1:] / a[0], 0)
    below = jnp.eye(n - 2, n - 1, dtype=first.dtype)
    return jnp.concatenate([first, below], axis=0)


def leslie(f, s):
    """The Leslie matrix: fecundities ``f`` in the first row, survival ``s`` below the diagonal."""
    f, s = _vector(f, "leslie"), _vector(s, "leslie")
    n = f.shape[0]
    if s.shape[0] != n - 1:
        raise ShapeError(f"leslie: s needs {n - 1} entries for {n} fecundities, got {s.shape[0]}")
    dt = jnp.result_type(f, s, 1.0)
    sub = jnp.concatenate([jnp.expand_dims(s, -1) * np.eye(n - 1, dtype=dt), jnp.zeros((n - 1, 1), dt)], axis=1)
    return jnp.concatenate([jnp.expand_dims(f.astype(dt), 0), sub], axis=0)


def fiedler(a):
    """The symmetric Fiedler matrix ``|a_i - a_j|``."""
    a = jnp.asarray(a)
    return jnp.abs(jnp.expand_dims(a, -1) - jnp.expand_dims(a, -2))


def hilbert(n: int):
    """The ``n x n`` Hilbert matrix ``1 / (i + j + 1)``."""
    i = np.arange(n, dtype=np.float64)
    return jnp.asarray(1.0 / (i[:, None] + i[None, :] + 1.0))


def helmert(n: int, full: bool = False):
    """The Helmert matrix of order ``n`` (without its first row unless ``full``)."""
    h = np.tril(np.ones((n, n)), -1) - np.diag(np.arange(n))
    d = np.arange(n) * np.arange(1, n + 1)
    h[0] = 1
    d[0] = n
    h = h / np.sqrt(d)[:, None]
    return jnp.asarray(h if full else h[1:])
