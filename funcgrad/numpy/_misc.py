"""The remaining ``jax.numpy`` names: ``vecdot``, ``matvec``, ``vecmat``, ``histogramdd``,
``histogram2d``, ``nextafter``, ``spacing``, ``packbits``, ``unpackbits``, ``einsum_path``,
``mask_indices``, ``isdtype``, I/O and printing helpers (NumPy's, on funcgrad arrays).

>>> import funcgrad.numpy as jnp
>>> jnp.vecdot(jnp.array([[1.0, 2.0], [3.0, 4.0]]), jnp.array([1.0, 1.0]))
Array([3., 7.], dtype=float64)
>>> jnp.nextafter(1.0, 2.0) - 1.0 == jnp.finfo(jnp.float64).eps
Array(True, dtype=bool)
>>> jnp.unpackbits(jnp.array([5], dtype=jnp.uint8))
Array([0, 0, 0, 0, 0, 1, 0, 1], dtype=uint8)
"""
from __future__ import annotations

import builtins

import numpy as np

from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from . import _shape as S, _ufuncs as U
from ._dtypes import base, default_int_dtype, dtype_of, promote_to_inexact, result_type, to_dtype, untraced, wrap


# --------------------------------------------------------------------------- products

def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
    """``sum(conj(x1) * x2, axis)`` with broadcasting."""
    if _state.trace is EVAL or untraced(x1, x2):
        return wrap(np.vecdot(base(x1), base(x2), axis=axis))
    from ._reductions import sum as _sum
    return _sum(U.multiply(U.conj(x1), x2), axis=axis)


def matvec(x1, x2, /):
    """Matrix-vector product over the last axes: ``(..., m, n) x (..., n) -> (..., m)``."""
    if _state.trace is EVAL or untraced(x1, x2):
        return wrap(np.matvec(base(x1), base(x2)))
    from ._linalg import matmul
    return S.squeeze(matmul(x1, S.expand_dims(x2, -1)), -1)


def vecmat(x1, x2, /):
    """Vector-matrix product over the last axes: ``(..., n) x (..., n, m) -> (..., m)``."""
    if _state.trace is EVAL or untraced(x1, x2):
        return wrap(np.vecmat(base(x1), base(x2)))
    from ._linalg import matmul
    return S.squeeze(matmul(S.expand_dims(U.conj(x1), -2), x2), -2)


def einsum_path(subscripts, *operands, optimize="greedy"):
    """NumPy's contraction order for ``einsum`` (only the operands' shapes matter)."""
    dummies = [np.zeros(shape_of(o)) for o in operands]
    return np.einsum_path(subscripts, *dummies, optimize=optimize)


# --------------------------------------------------------------------------- histograms

def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """Multidimensional histogram of the ``(N, D)`` ``sample``: ``(counts, [edges per dim])``."""
    if _state.trace is EVAL or untraced(sample, weights):
        h, e = np.histogramdd(base(sample), bins, range, density=density,
                              weights=None if weights is None else base(weights))
        return wrap(h), [wrap(x) for x in e]
    from ._creation import zeros
    from ._cumulative import diff, histogram_bin_edges
    from ._sorting import searchsorted
    n, d = shape_of(sample)
    bins = [bins] * d if isinstance(bins, (int, np.integer)) else list(bins)
    ranges = [None] * d if range is None else list(range)
    edges, idx, inside = [], 0, None
    for j in builtins.range(d):
        col = sample[:, j]
        e = histogram_bin_edges(col, bins[j], ranges[j])
        nb = shape_of(e)[0] - 1
        k = U.subtract(searchsorted(e, col, side="right"), 1)
        k = U.where(U.equal(col, e[nb]), nb - 1, k)
        ok = U.logical_and(U.greater_equal(col, e[0]), U.less_equal(col, e[nb]))
        inside = ok if inside is None else U.logical_and(inside, ok)
        idx = U.add(U.multiply(idx, nb), U.clip(k, 0, nb - 1))
        edges.append(e)
    nbins = [shape_of(e)[0] - 1 for e in edges]
    total = int(np.prod(nbins))
    idx = U.where(inside, idx, total)
    dt = np.dtype(np.float64) if weights is None else result_type(weights, 1.0)
    w = np.ones(n, dt) if weights is None else to_dtype(weights, dt)
    h = S.reshape(zeros((total,), dt).at[idx].add(w), nbins)
    if density:
        from ._reductions import sum as _sum
        h = U.divide(h, _sum(h))
        for j, e in enumerate(edges):
            shape = [1] * d
            shape[j] = nbins[j]
            h = U.divide(h, S.reshape(diff(e), shape))
    return h, edges



def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """Two-dimensional histogram: ``(counts, x_edges, y_edges)``."""
    if _state.trace is EVAL or untraced(x, y, weights):
        h, ex, ey = np.histogram2d(base(x), base(y), bins, range, density,
                                   None if weights is None else base(weights))
        return wrap(h), wrap(ex), wrap(ey)
    h, (ex, ey) = histogramdd(S.stack([x, y], axis=1), bins, range, weights, density)
    return h, ex, ey


# --------------------------------------------------------------------------- floating point steps

_MANT = {np.dtype(np.float64): (53, -1074), np.dtype(np.float32): (24, -149), np.dtype(np.float16): (11, -24)}


def _pow2(k, dt):
    from ._special_ufuncs import ldexp
    return ldexp(to_dtype(np.ones(()), dt), to_dtype(k, np.int32))


def nextafter(x1, x2, /):
    """The next representable float after ``x1`` toward ``x2``."""
    if _state.trace is EVAL or untraced(x1, x2):
        r = np.nextafter(base(x1), base(x2))
        return wrap(r)
    from ._special_ufuncs import frexp
    dt = result_type(promote_to_inexact(x1), promote_to_inexact(x2))
    x, y = to_dtype(x1, dt), to_dtype(x2, dt)
    bits, tiny = _MANT[np.dtype(dt)]
    up = U.greater(y, x)
    d = U.where(up, to_dtype(1, dt), to_dtype(-1, dt))
    m, e = frexp(x)
    e = to_dtype(e, default_int_dtype())
    away = U.equal(U.sign(x), d)                        # stepping away from zero
    exact_power = U.equal(U.abs(m), 0.5)
    k = U.where(U.logical_or(away, U.logical_not(exact_power)), U.subtract(e, bits), U.subtract(e, bits + 1))
    k = U.maximum(k, tiny)
    r = U.add(x, U.multiply(d, _pow2(k, dt)))
    r = U.where(U.equal(x, 0), U.multiply(d, _pow2(tiny, dt)), r)
    r = U.where(U.equal(x, y), y, r)
    return U.where(U.logical_or(U.isnan(x), U.isnan(y)), np.nan, r)


def spacing(x, /):
    """The distance from ``x`` to the next float away from zero (negative for negative ``x``)."""
    if _state.trace is EVAL or not isinstance(x, Tracer):
        return wrap(np.spacing(base(x)))
    x = promote_to_inexact(x)
    return U.subtract(nextafter(x, U.copysign(np.inf, x)), x)


# --------------------------------------------------------------------------- bits

def unpackbits(a, axis: int | None = None, count: int | None = None, bitorder: str = "big"):
    """The bits of the uint8 array ``a`` as a uint8 array (8 per element along ``axis``)."""
    if _state.trace is EVAL or untraced(a):
        return wrap(np.unpackbits(base(a), axis, count, bitorder))
    if dtype_of(a) != np.uint8:
        raise TypeError("Expected an input array of unsigned byte data type")
    if axis is None:
        a, axis = S.ravel(a), 0
    nd = len(shape_of(a))
    ax = axis % nd
    shifts = np.arange(7, -1, -1, dtype=np.uint8) if bitorder == "big" else np.arange(8, dtype=np.uint8)
    from ._special_ufuncs import right_shift
    bits = U.bitwise_and(right_shift(S.expand_dims(a, ax + 1), shifts.reshape([8 if i == ax + 1 else 1
                                                                               for i in builtins.range(nd + 1)])),
                         np.uint8(1))
    s = list(shape_of(a))
    s[ax] *= 8
    r = S.reshape(bits, s)
    if count is not None:
        from .. import lax
        r = lax.slice_in_dim(r, 0, min(count, s[ax]), 1, ax)
    return r


def packbits(a, axis: int | None = None, bitorder: str = "big"):
    """Pack the truthiness of ``a`` into uint8 bytes along ``axis`` (zero-padded to 8)."""
    if _state.trace is EVAL or untraced(a):
        return wrap(np.packbits(base(a), axis, bitorder))
    if axis is None:
        a, axis = S.ravel(a), 0
    nd = len(shape_of(a))
    ax = axis % nd
    bits = to_dtype(U.not_equal(a, 0), np.int64)
    n = shape_of(bits)[ax]
    pad = (-n) % 8
    if pad:
        from ._manipulation import pad as _pad
        bits = _pad(bits, [(0, pad) if i == ax else (0, 0) for i in builtins.range(nd)])
    s = list(shape_of(bits))
    bits = S.reshape(bits, s[:ax] + [s[ax] // 8, 8] + s[ax + 1:])
    weights = 2 ** (np.arange(7, -1, -1) if bitorder == "big" else np.arange(8))
    from ._reductions import sum as _sum
    w = weights.reshape([8 if i == ax + 1 else 1 for i in builtins.range(nd + 1)])
    return to_dtype(_sum(U.multiply(bits, w), axis=ax + 1), np.uint8)


# --------------------------------------------------------------------------- NumPy passthroughs

def mask_indices(n: int, mask_func, k=0, *, size=None):
    """Indices of the True entries of ``mask_func(ones((n, n)), k)``."""
    m = np.asarray(base(mask_func(np.ones((n, n), int), k))) != 0
    return tuple(wrap(i.astype(default_int_dtype())) for i in np.nonzero(m))


def isdtype(dtype, kind) -> bool:
    """Array API dtype-kind test (``'real floating'``, ``'integral'``, a dtype, ...)."""
    return np.isdtype(np.dtype(dtype), kind)


def frombuffer(buffer, dtype=float, count: int = -1, offset: int = 0):
    """An array interpreting ``buffer`` as 1-D data (a copy)."""
    return wrap(np.frombuffer(buffer, dtype, count, offset).copy())


def fromiter(iterable, dtype, count: int = -1):
    """A 1-D array from an iterable."""
    return wrap(np.fromiter(iterable, dtype, count))


def fromstring(string, dtype=float, count: int = -1, *, sep: str):
    """A 1-D array from text data separated by ``sep``."""
    return wrap(np.fromstring(string, dtype, count, sep=sep))


def fromfile(*args, **kwargs):
    """NumPy's ``fromfile`` (eager I/O)."""
    return wrap(np.fromfile(*args, **kwargs))


def from_dlpack(x, /, *, device=None, copy=None):
    """An array from a DLPack-capable object (a copy)."""
    return wrap(np.array(np.from_dlpack(x)))


def load(*args, **kwargs):
    """NumPy's ``load``; arrays come back as funcgrad Arrays."""
    r = np.load(*args, **kwargs)
    return wrap(r) if isinstance(r, np.ndarray) else r


def save(file, arr, allow_pickle: bool = True):
    """NumPy's ``save`` of a concrete array."""
    np.save(file, np.asarray(base(arr)), allow_pickle)


def savez(file, *args, **kwds):
    """NumPy's ``savez`` of concrete arrays."""
    np.savez(file, *[np.asarray(base(a)) for a in args], **{k: np.asarray(base(v)) for k, v in kwds.items()})


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    """``repr`` text of a concrete array."""
    return np.array_repr(np.asarray(base(arr)), max_line_width, precision, suppress_small)


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    """``str`` text of a concrete array."""
    return np.array_str(np.asarray(base(a)), max_line_width, precision, suppress_small)


printoptions = np.printoptions
get_printoptions = np.get_printoptions
set_printoptions = np.set_printoptions
ComplexWarning = np.exceptions.ComplexWarning
