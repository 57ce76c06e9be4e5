"""Running reductions, differences and signal/statistics helpers: ``cumsum``, ``cumprod``,
``cumulative_sum``, ``nancumsum``, ``diff``, ``ediff1d``, ``trapezoid``, ``gradient``, ``unwrap``,
``convolve``, ``correlate``, ``interp``, ``bincount``, ``histogram``, ``cov``, ``corrcoef``.

Eagerly NumPy; traced, ``lax.cumsum`` (a primitive), ``lax.cumprod`` (an associative scan: exact
gradients with zeros), slices, gathers and ``dot``.

>>> import funcgrad.numpy as jnp
>>> jnp.cumsum(jnp.array([[1, 2], [3, 4]]), axis=0)
Array([[1, 2],
       [4, 6]], dtype=int64)
>>> jnp.diff(jnp.array([1.0, 4.0, 9.0]))
Array([3., 5.], dtype=float64)
>>> jnp.convolve(jnp.array([1.0, 2.0]), jnp.array([1.0, 1.0, 1.0]))
Array([1., 3., 3., 2.], dtype=float64)
"""
from __future__ import annotations

import math

import numpy as np

from .. import lax
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from . import _shape as S, _ufuncs as U
from ._dtypes import (base, canonicalize_dtype, default_int_dtype, dtype_of,
                      promote_to_inexact, result_type, to_dtype, untraced, wrap)
from ._reductions import _sum_dtype, normalize_axes, sum as _sum


def _ax(axis, nd, name):
    return normalize_axes(int(axis), nd, name)[0]


# --------------------------------------------------------------------------- running sums

def _cum(name, np_fn, lax_fn, nan_fill=None):
    def f(a, axis=None, dtype=None, out=None):
        if out is not None:
            raise NotImplementedError(f"{name}: the out= argument is not supported")
        if _state.trace is EVAL or untraced(a):
            b = base(a)
            if type(b) is np.ndarray and nan_fill is None:      # the method skips NumPy's dispatch
                return wrap(getattr(b, name)(axis, dtype))
            return wrap(np_fn(b, axis=axis, dtype=dtype))
        if axis is None:
            a, axis = S.ravel(a), 0
        d = _ax(axis, len(shape_of(a)), name)
        dt = canonicalize_dtype(dtype) if dtype is not None else _sum_dtype(dtype_of(a))
        if nan_fill is not None and dtype_of(a).kind == "f":
            a = U.where(U.isnan(a), nan_fill, a)
        return lax_fn(to_dtype(a, dt), d)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"``numpy.{np_fn.__name__}`` along ``axis`` (flattened if None); NumPy's "
                 "accumulator dtype (small integers accumulate in the default int).")
    return f


cumsum = _cum("cumsum", np.cumsum, lax.cumsum)
cumprod = _cum("cumprod", np.cumprod, lax.cumprod)
nancumsum = _cum("nancumsum", np.nancumsum, lax.cumsum, 0)
nancumprod = _cum("nancumprod", np.nancumprod, lax.cumprod, 1)


def _cumulative(name, np_fn, fn, initial):
    def f(x, /, *, axis=None, dtype=None, include_initial=False):
        if _state.trace is EVAL or untraced(x):
            return wrap(np_fn(base(x), axis=axis, dtype=dtype, include_initial=include_initial))
        nd = len(shape_of(x))
        if axis is None:
            if nd > 1:
                raise ValueError(f"{name}: axis must be given for arrays of more than one dimension")
            axis = 0
        if nd == 0:
            raise ValueError(f"{name}: x must have at least one dimension")
        d = _ax(axis, nd, name)
        r = fn(x, d, dtype)
        if include_initial:
            s = list(shape_of(r))
            s[d] = 1
            r = S.concatenate([lax.full(s, initial, dtype_of(r)), r], d)
        return r
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"Array API ``{name}``: ``include_initial`` prepends the identity along ``axis``."
    return f


cumulative_sum = _cumulative("cumulative_sum", np.cumulative_sum, cumsum, 0)
cumulative_prod = _cumulative("cumulative_prod", np.cumulative_prod, cumprod, 1)


# --------------------------------------------------------------------------- differences

def _slice_axis(a, start, stop, d):
    return lax.slice_in_dim(a, start, stop, 1, d)


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
    """``n``-th discrete difference along ``axis`` (booleans: ``!=``)."""
    if _state.trace is EVAL or untraced(a, prepend, append):
        kw = {}
        if prepend is not None:
            kw["prepend"] = base(prepend)
        if append is not None:
            kw["append"] = base(append)
        return wrap(np.diff(base(a), n, axis, **kw))
    nd = len(shape_of(a))
    d = _ax(axis, nd, "diff")
    def part(e):
        if len(shape_of(e)):
            return e
        s = list(shape_of(a))
        s[d] = 1
        return S.broadcast_to(e, s)

    parts = ([part(prepend)] if prepend is not None else []) + [a] + \
        ([part(append)] if append is not None else [])
    if len(parts) > 1:
        a = S.concatenate(parts, d)
    for _ in range(int(n)):
        m = shape_of(a)[d]
        hi, lo = _slice_axis(a, 1, m, d), _slice_axis(a, 0, max(m - 1, 0), d)
        a = U.not_equal(hi, lo) if dtype_of(a) == np.bool_ else U.subtract(hi, lo)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, with optional ends."""
    if _state.trace is EVAL or untraced(ary, to_end, to_begin):
        return wrap(np.ediff1d(base(ary), None if to_end is None else base(to_end),
                               None if to_begin is None else base(to_begin)))
    r = diff(S.ravel(ary))
    parts = []
    if to_begin is not None:
        parts.append(S.ravel(to_begin))
    parts.append(r)
    if to_end is not None:
        parts.append(S.ravel(to_end))
    return S.concatenate(parts) if len(parts) > 1 else r


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x`` or spacing
    ``dx``)."""
    if _state.trace is EVAL or untraced(y, x, dx):
        return wrap(np.trapezoid(base(y), None if x is None else base(x), base(dx), axis))
    nd = len(shape_of(y))
    d = _ax(axis, nd, "trapezoid")
    n = shape_of(y)[d]
    if x is None:
        w = dx
    else:
        w = diff(x, axis=-1 if len(shape_of(x)) == 1 else d)
        if len(shape_of(x)) == 1:
            s = [1] * nd
            s[d] = n - 1
            w = S.reshape(w, s)
    mid = U.divide(U.add(_slice_axis(y, 1, n, d), _slice_axis(y, 0, n - 1, d)), 2.0)
    return _sum(U.multiply(w, mid), axis=d)


def gradient(f, *varargs, axis=None, edge_order: int = 1):
    """Second-order central differences inside, one-sided differences (first or second order)
    at the edges; spacing per axis: a scalar or a 1-D coordinate array (``edge_order=2`` needs
    uniform spacing when traced)."""
    if _state.trace is EVAL or untraced(f, *varargs):
        r = np.gradient(base(f), *[base(v) for v in varargs], axis=axis, edge_order=edge_order)
        return [wrap(x) for x in r] if isinstance(r, (list, tuple)) else wrap(r)
    nd = len(shape_of(f))
    axes = normalize_axes(axis, nd, "gradient") if axis is not None else tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axes = (normalize_axes(int(axis), nd, "gradient")[0],)
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and len(shape_of(varargs[0])) == 0:
        spacing = list(varargs) * len(axes)
    else:
        if len(varargs) != len(axes):
            raise TypeError("gradient: invalid number of spacing arguments")
        spacing = list(varargs)
    f = promote_to_inexact(f)
    out = [_gradient_axis(f, d, h, edge_order) for d, h in zip(axes, spacing)]
    return out[0] if len(out) == 1 else out


def _gradient_axis(f, d, h, edge_order):
    n = shape_of(f)[d]
    if n < edge_order + 1:
        raise ValueError("gradient: shape of the array too small to calculate a numerical gradient, "
                         "at least (edge_order + 1) elements are required")
    sl = lambda a, b: _slice_axis(f, a, b, d)  # noqa: E731
    nd = len(shape_of(f))
    if len(shape_of(h)) == 0:
        inner = U.divide(U.subtract(sl(2, n), sl(0, n - 2)), U.multiply(2.0, h))
        if edge_order == 1:
            first = U.divide(U.subtract(sl(1, 2), sl(0, 1)), h)
            last = U.divide(U.subtract(sl(n - 1, n), sl(n - 2, n - 1)), h)
        else:
            first = U.divide(U.add(U.add(U.multiply(-1.5, sl(0, 1)), U.multiply(2.0, sl(1, 2))),
                                   U.multiply(-0.5, sl(2, 3))), h)
            last = U.divide(U.add(U.add(U.multiply(0.5, sl(n - 3, n - 2)), U.multiply(-2.0, sl(n - 2, n - 1))),
                                  U.multiply(1.5, sl(n - 1, n))), h)
        return S.concatenate([first, inner, last], d)
    if edge_order != 1:
        raise NotImplementedError("gradient: edge_order=2 with coordinate arrays is eager only")
    shape = [1] * nd
    shape[d] = n - 1
    dx = S.reshape(diff(h), shape)
    dx1, dx2 = _slice_axis(dx, 0, n - 2, d), _slice_axis(dx, 1, n - 1, d)
    a = U.divide(U.negative(dx2), U.multiply(dx1, U.add(dx1, dx2)))
    b = U.divide(U.subtract(dx2, dx1), U.multiply(dx1, dx2))
    c = U.divide(dx1, U.multiply(dx2, U.add(dx1, dx2)))
    inner = U.add(U.add(U.multiply(a, sl(0, n - 2)), U.multiply(b, sl(1, n - 1))), U.multiply(c, sl(2, n)))
    first = U.divide(U.subtract(sl(1, 2), sl(0, 1)), _slice_axis(dx, 0, 1, d))
    last = U.divide(U.subtract(sl(n - 1, n), sl(n - 2, n - 1)), _slice_axis(dx, n - 2, n - 1, d))
    return S.concatenate([first, inner, last], d)


def unwrap(p, discont=None, axis: int = -1, period=2 * math.pi):
    """Unwrap a phase signal: jumps larger than ``discont`` (default ``period / 2``) are
    replaced by their complement modulo ``period``."""
    if _state.trace is EVAL or untraced(p):
        return wrap(np.unwrap(base(p), discont, axis, period=period))
    p = promote_to_inexact(p)
    d = _ax(axis, len(shape_of(p)), "unwrap")
    dd = diff(p, axis=d)
    half = period / 2
    discont = half if discont is None else max(discont, half)
    ddmod = U.subtract(U.mod(U.add(dd, half), period), half)
    ddmod = U.where(U.logical_and(U.equal(ddmod, -half), U.greater(dd, 0)), half, ddmod)
    correct = U.where(U.less(U.abs(dd), discont), 0.0, U.subtract(ddmod, dd))
    n = shape_of(p)[d]
    return S.concatenate([_slice_axis(p, 0, 1, d),
                          U.add(_slice_axis(p, 1, n, d), cumsum(correct, axis=d))], d)


# --------------------------------------------------------------------------- convolution

_BAND_LIMIT = 1 << 20     # elements of the banded matrix before switching to a loop over taps


def _convolve_full(a, v):
    """Full 1-D convolution: a banded ``(n + m - 1, n)`` matrix of ``v`` times ``a`` (one BLAS
    call) when that matrix is small, else a sum over the taps of the shorter operand."""
    from ._advanced_indexing import take
    from ._linalg import matmul
    n, m = shape_of(a)[0], shape_of(v)[0]
    if (n + m - 1) * min(n, m) > _BAND_LIMIT:
        if m > n:
            a, v, n, m = v, a, m, n
        out = None
        for j in range(m):                            # out[j:j + n] += v[j] * a
            term = lax.pad(U.multiply(v[j], a), to_dtype(0, dtype_of(a)), [(j, m - 1 - j, 0)])
            out = term if out is None else U.add(out, term)
        return out
    if n > m:                                       # the band is (n + m - 1) x len(a): a shorter
        a, v, n, m = v, a, m, n
    k = np.arange(n + m - 1)[:, None] - np.arange(n)[None, :]           # v index per (out, a)
    valid = (k >= 0) & (k < m)
    band = U.where(valid, take(v, np.clip(k, 0, m - 1), mode="clip"), 0)
    return matmul(band, a)


def _mode_slice(full, n, m, mode):
    if mode == "full":
        return full
    lo, hi = min(n, m), max(n, m)
    if mode == "same":
        start = (lo - 1) // 2
        return full[start:start + hi]
    if mode == "valid":
        return full[lo - 1:hi]
    raise ValueError(f"mode must be one of 'full', 'same', 'valid', got {mode!r}")


def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
    """Discrete linear convolution of two 1-D arrays (``mode`` 'full', 'same' or 'valid')."""
    if _state.trace is EVAL or untraced(a, v):
        return wrap(np.convolve(base(a), base(v), mode))
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("convolve: inputs cannot be empty")
    dt = result_type(a, v)
    a, v = to_dtype(a, dt), to_dtype(v, dt)
    return _mode_slice(_convolve_full(a, v), n, m, mode)


def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
    """Cross-correlation of two 1-D arrays: ``c[k] = sum_n a[n + k] * v[n]``."""
    if _state.trace is EVAL or untraced(a, v):
        return wrap(np.correlate(base(a), base(v), mode))
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("correlate: inputs cannot be empty")
    dt = result_type(a, v)
    a, v = to_dtype(a, dt), to_dtype(v, dt)
    full = _convolve_full(a, lax.rev(v, (0,)))
    if n < m:      # NumPy swaps the inputs and reverses the result
        full = lax.rev(_convolve_full(v, lax.rev(a, (0,))), (0,))
    return _mode_slice(full, n, m, mode)


# --------------------------------------------------------------------------- interpolation

def interp(x, xp, fp, left=None, right=None, period=None):
    """Piecewise-linear interpolation of the points (``xp``, ``fp``) at ``x`` (``xp``
    increasing); differentiable in ``x`` and ``fp``."""
    if _state.trace is EVAL or untraced(x, xp, fp, left, right):
        return wrap(np.interp(base(x), base(xp), base(fp), None if left is None else base(left),
                              None if right is None else base(right), period))
    from ._sorting import argsort, searchsorted
    dt = result_type(x, xp, fp, 1.0)
    x, xp, fp = to_dtype(x, dt), to_dtype(xp, dt), to_dtype(fp, dt)
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        left = right = None
        x, xp = U.mod(x, period), U.mod(xp, period)
        order = argsort(xp)
        from ._advanced_indexing import take
        xp, fp = take(xp, order, mode="clip"), take(fp, order, mode="clip")
        xp = S.concatenate([U.subtract(xp[-1:], period), xp, U.add(xp[0:1], period)])
        fp = S.concatenate([fp[-1:], fp, fp[0:1]])
    n = shape_of(xp)[0]
    i = U.clip(U.subtract(searchsorted(xp, x, side="right"), 1), 0, max(n - 2, 0))
    from ._advanced_indexing import take
    i1 = U.add(i, 1)
    x0, x1 = take(xp, i, mode="clip"), take(xp, i1, mode="clip")
    f0, f1 = take(fp, i, mode="clip"), take(fp, i1, mode="clip")
    dx = U.subtract(x1, x0)
    safe = U.where(U.equal(dx, 0), 1.0, dx)
    r = U.add(f0, U.multiply(U.subtract(x, x0), U.divide(U.subtract(f1, f0), safe)))
    r = U.where(U.equal(dx, 0), f0, r)
    r = U.where(U.equal(x, xp[n - 1]), fp[n - 1], r)
    r = U.where(U.less(x, xp[0]), fp[0] if left is None else left, r)
    return U.where(U.greater(x, xp[n - 1]), fp[n - 1] if right is None else right, r)


# --------------------------------------------------------------------------- counting

def _concrete_length(name, x):
    v = x.concrete_value() if isinstance(x, Tracer) else x
    if v is None:
        from ..core.errors import ConcretizationError
        from ..core.source_info import user_frame_info
        raise ConcretizationError(f"{name} on a traced value at {user_frame_info()}: pass length=N "
                                  "(the static number of bins)")
    v = np.asarray(v)
    return int(v.max()) + 1 if v.size else 0


def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None):
    """Number of occurrences of each value in the non-negative integer array ``x`` (or the sum
    of ``weights`` there). Traced, the result length is ``length`` (values outside are dropped),
    or taken from the concrete values."""
    if _state.trace is EVAL or untraced(x, weights):
        r = np.bincount(base(x), None if weights is None else base(weights), minlength)
        if length is not None:
            r = r[:length] if len(r) >= length else np.concatenate([r, np.zeros(length - len(r), r.dtype)])
        return wrap(r if r.dtype.kind == "f" else r.astype(default_int_dtype()))
    if length is None:
        length = max(_concrete_length("bincount", x), int(minlength))
    from ._creation import zeros
    if weights is None:
        return zeros((length,), default_int_dtype()).at[x].add(1)
    dt = canonicalize_dtype(np.float64)
    return zeros((length,), dt).at[x].add(to_dtype(weights, dt))


def _hist_range(a, range_):
    from ._reductions import max as _max, min as _min
    if range_ is not None:
        lo, hi = range_
    else:
        lo, hi = _min(a), _max(a)
    return lo, hi


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002 - NumPy's name
    """The bin edges ``histogram`` uses (``bins`` an int or the edges themselves)."""
    if _state.trace is EVAL or untraced(a, bins, *(range or ())):
        return wrap(np.histogram_bin_edges(base(a), base(bins), range))
    if not isinstance(bins, (int, np.integer)):
        edges = promote_to_inexact(bins)
        return to_dtype(edges, dtype_of(edges))          # canonical (float32 when x64 is off)
    from ._creation import linspace
    lo, hi = _hist_range(S.ravel(a), range)
    dt = result_type(a, 1.0)
    lo, hi = to_dtype(lo, dt), to_dtype(hi, dt)
    same = U.equal(lo, hi)
    lo, hi = U.where(same, U.subtract(lo, 0.5), lo), U.where(same, U.add(hi, 0.5), hi)
    return linspace(lo, hi, int(bins) + 1)


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
    """``(counts, bin_edges)``: the last bin includes its right edge; values outside are not
    counted. Differentiable in ``weights``."""
    if _state.trace is EVAL or untraced(a, bins, weights, *(range or ())):
        h, e = np.histogram(base(a), base(bins), range, density=density,
                            weights=None if weights is None else base(weights))
        return wrap(h if h.dtype.kind == "f" else h.astype(default_int_dtype())), wrap(e)
    from ._sorting import searchsorted
    edges = histogram_bin_edges(a, bins, range)
    flat = S.ravel(a)
    nb = shape_of(edges)[0] - 1
    idx = U.subtract(searchsorted(edges, flat, side="right"), 1)
    idx = U.where(U.equal(flat, edges[nb]), nb - 1, idx)
    inside = U.logical_and(U.greater_equal(flat, edges[0]), U.less_equal(flat, edges[nb]))
    idx = U.where(inside, idx, nb)                                     # dropped by the scatter
    from ._creation import zeros
    if weights is None and not density:
        counts = zeros((nb,), default_int_dtype()).at[idx].add(1)
    else:
        dt = canonicalize_dtype(np.float64) if weights is None else result_type(weights)
        w = np.ones(shape_of(flat), dt) if weights is None else to_dtype(S.ravel(weights), dt)
        counts = zeros((nb,), dt).at[idx].add(w)
    if density:
        widths = diff(edges)
        counts = U.divide(U.divide(counts, _sum(counts)), widths)
    return counts, edges


# --------------------------------------------------------------------------- covariance

def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof=None, fweights=None, aweights=None,
        *, dtype=None):
    """Covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``."""
    if _state.trace is EVAL or untraced(m, y, fweights, aweights):
        return wrap(np.cov(base(m), None if y is None else base(y), rowvar, bias, ddof,
                           None if fweights is None else base(fweights),
                           None if aweights is None else base(aweights), dtype=dtype))
    from ._linalg import matmul
    from ._reductions import average
    dt = canonicalize_dtype(dtype) if dtype is not None else result_type(m, 1.0) if y is None else \
        result_type(m, y, 1.0)
    X = S.atleast_2d(to_dtype(m, dt))
    if not rowvar and shape_of(X)[0] != 1:
        X = S.transpose(X)
    if y is not None:
        Y = S.atleast_2d(to_dtype(y, dt))
        if not rowvar and shape_of(Y)[0] != 1:
            Y = S.transpose(Y)
        X = S.concatenate([X, Y], 0)
    ddof = (0 if bias else 1) if ddof is None else ddof
    w = None
    if fweights is not None:
        w = to_dtype(fweights, dt)
    if aweights is not None:
        w = to_dtype(aweights, dt) if w is None else U.multiply(w, aweights)
    avg = average(X, axis=1, weights=w)
    if w is None:
        fact = shape_of(X)[1] - ddof
    else:
        v1 = _sum(w)
        fact = U.subtract(v1, U.divide(U.multiply(ddof, _sum(U.multiply(w, aweights))), v1)) \
            if (aweights is not None and ddof) else U.subtract(v1, ddof)
    Xc = U.subtract(X, S.expand_dims(avg, 1))
    XT = S.transpose(Xc if w is None else U.multiply(Xc, w))
    c = U.divide(matmul(Xc, XT), fact)
    return S.squeeze(c)


def corrcoef(x, y=None, rowvar: bool = True, *, dtype=None):
    """Pearson correlation coefficients (clipped to [-1, 1])."""
    if _state.trace is EVAL or untraced(x, y):
        return wrap(np.corrcoef(base(x), None if y is None else base(y), rowvar, dtype=dtype))
    c = cov(x, y, rowvar, dtype=dtype)
    if len(shape_of(c)) == 0:
        return U.divide(c, c)
    d = U.sqrt(_diag_of(c))
    c = U.divide(U.divide(c, S.expand_dims(d, 1)), S.expand_dims(d, 0))
    return U.clip(c, -1, 1)


def _diag_of(c):
    from ._indexing import diagonal
    return diagonal(c)

