"""Array manipulation: ``pad`` (NumPy's modes), ``append``, ``insert``, ``delete``, ``resize``,
``kron``, ``cross``, ``vander``, ``rollaxis``, ``permute_dims``, ``unstack``, ``hsplit``/``vsplit``/
``dsplit``, ``block``, ``trim_zeros`` and the functional forms of NumPy's in-place writers
(``put``, ``place``, ``put_along_axis``, ``fill_diagonal``: ``inplace=False``, as in JAX).

Functions whose output layout depends only on static arguments (``insert``, ``delete``,
``resize``, ``pad``) are computed as a *gather*: NumPy applies the operation to an array of
labels (element numbers), and the traced result reads the operand at those labels, so values,
gradients, ``vmap`` and ``jit`` follow from ``gather``.

>>> import funcgrad.numpy as jnp
>>> jnp.pad(jnp.array([1.0, 2.0, 3.0]), (2, 1), mode="reflect")
Array([3., 2., 1., 2., 3., 2.], dtype=float64)
>>> jnp.insert(jnp.array([1, 2, 3]), 1, 9)
Array([1, 9, 2, 3], dtype=int64)
>>> jnp.kron(jnp.eye(2), jnp.array([[1.0, 2.0]]))
Array([[1., 2., 0., 0.],
       [0., 0., 1., 2.]], dtype=float64)
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from . import _shape as S, _ufuncs as U
from ._dtypes import base, dtype_of, result_type, to_dtype, untraced, wrap
from ._reductions import normalize_axes


def _ax(axis, nd, name):
    return normalize_axes(int(axis), nd, name)[0]


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def _concrete(x, name):
    if isinstance(x, Tracer):
        return x._concrete(f"the index argument of {name} (it must be static)")
    return base(x)


def _gather_labels(sources, labels):
    """Read ``concatenate([ravel(s) for s in sources])`` at the integer array ``labels``."""
    from ._advanced_indexing import take
    flat = [S.ravel(s) for s in sources]
    src = flat[0] if len(flat) == 1 else S.concatenate(flat)
    labels = np.asarray(labels)
    return S.reshape(take(src, labels.ravel(), mode="clip"), labels.shape)


def _labels(shape, start=0):
    return np.arange(start, start + _size(shape), dtype=np.int64).reshape(shape)


# --------------------------------------------------------------------------- pad

_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "maximum",
              "minimum", "mean", "median", "empty")


def _pad_index(mode, before, n, after, reflect_type="even"):
    """Source positions along one axis of length ``n`` for NumPy's index-based pad modes."""
    j = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(j, 0, n - 1)
    if mode == "wrap":
        return np.mod(j, n)
    if mode == "reflect":
        if n == 1:
            return np.zeros_like(j)
        period = 2 * (n - 1)
        k = np.mod(j, period)
        return np.where(k >= n, period - k, k)
    period = 2 * n                                   # symmetric
    k = np.mod(j, period)
    return np.where(k >= n, period - 1 - k, k)


def _pairs(width, nd, name):
    w = np.asarray(width)
    if w.dtype.kind not in "iu" and w.size and not np.all(np.mod(w, 1) == 0):
        raise TypeError(f"{name}: pad_width must be integers, got {width}")
    return np.broadcast_to(w.astype(np.int64), (nd, 2)).tolist()


def _value_pairs(v, nd):
    """Per-axis (before, after) values from a scalar, a pair, or one pair per axis (values may
    be traced)."""
    if not isinstance(v, (list, tuple)) and len(shape_of(v)) == 0:
        return [(v, v)] * nd
    from ._creation import asarray
    b = S.broadcast_to(asarray(v), (nd, 2))
    return [(b[i, 0], b[i, 1]) for i in range(nd)]


def pad(array, pad_width, mode="constant", **kwargs):
    """``numpy.pad`` with every mode (``'empty'`` pads with zeros); ``pad_width`` static,
    ``constant_values``/``end_values`` may be traced. Differentiable in the array and values."""
    if callable(mode):
        raise NotImplementedError("pad: a callable mode is not supported")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode {mode!r} is not one of {_PAD_MODES}")
    from ._creation import _has_tracer
    if _state.trace is EVAL or (untraced(array) and not _has_tracer(list(kwargs.values()))):
        kw = {k: base(v) if not isinstance(v, (tuple, list)) else v for k, v in kwargs.items()}
        if mode == "empty":
            return wrap(np.pad(base(array), pad_width, "constant"))
        return wrap(np.pad(base(array), pad_width, mode, **kw))
    x = array
    nd = len(shape_of(x))
    widths = _pairs(pad_width, nd, "pad")
    if mode in ("constant", "empty"):
        vals = _value_pairs(kwargs.get("constant_values", 0), nd)
        for d, ((b, a), (vb, va)) in enumerate(zip(widths, vals)):
            cfg = [(0, 0, 0)] * nd
            if vb is va or (not isinstance(vb, Tracer) and not isinstance(va, Tracer) and np.all(vb == va)):
                cfg[d] = (b, a, 0)
                x = lax.pad(x, to_dtype(vb, dtype_of(x)), cfg)
            else:
                cfg[d] = (b, 0, 0)
                x = lax.pad(x, to_dtype(vb, dtype_of(x)), cfg)
                cfg[d] = (0, a, 0)
                x = lax.pad(x, to_dtype(va, dtype_of(x)), cfg)
        return x
    from ._advanced_indexing import take
    for d, (b, a) in enumerate(widths):
        n = shape_of(x)[d]
        if b == 0 and a == 0:
            continue
        if mode in ("edge", "wrap", "reflect", "symmetric"):
            if n == 0:
                raise ValueError(f"pad: can't extend an empty axis using mode {mode!r}")
            rtype = kwargs.get("reflect_type", "even")
            idx = _pad_index(mode, b, n, a)
            padded = take(x, idx, axis=d, mode="clip")
            if rtype == "odd" and mode in ("reflect", "symmetric"):
                padded = _odd_reflect(x, padded, d, b, n, a)
            x = padded
        elif mode == "linear_ramp":
            x = _linear_ramp(x, d, b, a, _value_pairs(kwargs.get("end_values", 0), nd)[d])
        else:
            x = _stat_pad(x, d, b, a, mode, kwargs.get("stat_length"), nd)
    return x


def _odd_reflect(x, padded, d, b, n, a):
    """``reflect_type='odd'``: ``2 * edge - reflection`` (for pads no wider than the axis)."""
    if b > n - 1 or a > n - 1:
        raise NotImplementedError("pad: reflect_type='odd' wider than the axis is eager only")
    lo = lax.slice_in_dim(x, 0, 1, 1, d)
    hi = lax.slice_in_dim(x, n - 1, n, 1, d)
    m = shape_of(padded)[d]
    left = U.subtract(U.multiply(2, lo), lax.slice_in_dim(padded, 0, b, 1, d))
    mid = lax.slice_in_dim(padded, b, b + n, 1, d)
    right = U.subtract(U.multiply(2, hi), lax.slice_in_dim(padded, b + n, m, 1, d))
    return S.concatenate([left, mid, right], d)


def _linear_ramp(x, d, b, a, ends):
    n = shape_of(x)[d]
    nd = len(shape_of(x))
    dt = dtype_of(x)
    parts = []
    edge_lo = lax.slice_in_dim(x, 0, 1, 1, d)
    edge_hi = lax.slice_in_dim(x, n - 1, n, 1, d)
    shape = [1] * nd
    if b:
        shape[d] = b
        t = np.arange(b, dtype=np.float64).reshape(shape) / b
        parts.append(U.add(ends[0], U.multiply(t, U.subtract(edge_lo, ends[0]))))
    parts.append(x)
    if a:
        shape[d] = a
        t = np.flip(np.arange(a, dtype=np.float64)).reshape(shape) / a
        parts.append(U.add(ends[1], U.multiply(t, U.subtract(edge_hi, ends[1]))))
    r = S.concatenate(parts, d)
    if dt.kind in "iu":
        r = U.floor(r)                  # NumPy's integer linspace rounds toward -inf
    return to_dtype(r, dt)


def _stat_pad(x, d, b, a, mode, stat_length, nd):
    from ._reductions import max as _max, mean as _mean, min as _min
    from ._sorting import median as _median
    n = shape_of(x)[d]
    lens = _pairs(n if stat_length is None else stat_length, nd, "pad")[d]
    fn = {"maximum": _max, "minimum": _min, "mean": _mean, "median": _median}[mode]
    dt = dtype_of(x)

    def stat(lo, hi):
        r = fn(lax.slice_in_dim(x, lo, hi, 1, d), axis=d, keepdims=True)
        if mode in ("mean", "median") and dt.kind in "iu":
            r = U.round(r)
        return to_dtype(r, dt)

    s_lo = stat(0, max(1, min(lens[0], n)))
    s_hi = stat(n - max(1, min(lens[1], n)), n)
    shape = list(shape_of(x))
    parts = []
    if b:
        shape[d] = b
        parts.append(S.broadcast_to(s_lo, shape))
    parts.append(x)
    if a:
        shape[d] = a
        parts.append(S.broadcast_to(s_hi, shape))
    return S.concatenate(parts, d)


# --------------------------------------------------------------------------- insert / delete

def append(arr, values, axis: int | None = None):
    """``values`` appended to ``arr`` (both flattened when ``axis`` is None)."""
    if _state.trace is EVAL or untraced(arr, values):
        return wrap(np.append(base(arr), base(values), axis))
    if axis is None:
        return S.concatenate([S.ravel(arr), S.ravel(values)])
    return S.concatenate([arr, values], axis)


def insert(arr, obj, values, axis: int | None = None):
    """``values`` inserted before the (static) indices ``obj`` along ``axis``."""
    if _state.trace is EVAL or untraced(arr, values):
        return wrap(np.insert(base(arr), _concrete(obj, "insert"), base(values), axis))
    obj = _concrete(obj, "insert")
    a_shape, v_shape = tuple(shape_of(arr)), tuple(shape_of(values))
    if axis is None:
        a_shape = (_size(a_shape),)
    a_lab = _labels(a_shape)
    v_lab = _labels(v_shape, a_lab.size)
    labels = np.insert(a_lab, obj, v_lab, axis if axis is not None else 0)
    dt = dtype_of(arr)                      # NumPy casts the values to arr's dtype
    return _gather_labels([arr, to_dtype(values, dt)], labels)


def delete(arr, obj, axis: int | None = None, *, assume_unique_indices: bool = False):
    """``arr`` without the (static) indices or mask ``obj`` along ``axis``."""
    if _state.trace is EVAL or untraced(arr):
        return wrap(np.delete(base(arr), _concrete(obj, "delete"), axis))
    obj = _concrete(obj, "delete")
    shape = tuple(shape_of(arr)) if axis is not None else (_size(shape_of(arr)),)
    return _gather_labels([arr], np.delete(_labels(shape), obj, axis if axis is not None else 0))


def resize(a, new_shape):
    """``a`` repeated (flattened, cyclically) to fill ``new_shape``."""
    if _state.trace is EVAL or untraced(a):
        return wrap(np.resize(base(a), new_shape))
    return _gather_labels([a], np.resize(_labels(tuple(shape_of(a))), new_shape))


# --------------------------------------------------------------------------- products

def kron(a, b):
    """Kronecker product: blocks ``a[i, j] * b``."""
    if _state.trace is EVAL or untraced(a, b):
        return wrap(np.kron(base(a), base(b)))
    sa, sb = tuple(shape_of(a)), tuple(shape_of(b))
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    ra = S.reshape(a, tuple(x for s in sa for x in (s, 1)))
    rb = S.reshape(b, tuple(x for s in sb for x in (1, s)))
    return S.reshape(U.multiply(ra, rb), tuple(x * y for x, y in zip(sa, sb)))


def cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None):
    """Cross product of 2- or 3-vectors along the given axes (2-vectors give the z component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    if _state.trace is EVAL or untraced(a, b):
        import warnings
        with warnings.catch_warnings():      # NumPy 2 deprecates 2-vectors; JAX keeps them
            warnings.simplefilter("ignore", DeprecationWarning)
            return wrap(np.cross(base(a), base(b), axisa, axisb, axisc))
    a = S.moveaxis(a, axisa, -1)
    b = S.moveaxis(b, axisb, -1)
    na, nb = shape_of(a)[-1], shape_of(b)[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError("incompatible dimensions for cross product (dimension must be 2 or 3)")
    comp = lambda x, i: x[..., i]  # noqa: E731
    a0, a1, b0, b1 = comp(a, 0), comp(a, 1), comp(b, 0), comp(b, 1)
    if na == 2 and nb == 2:
        return U.subtract(U.multiply(a0, b1), U.multiply(a1, b0))
    a2 = comp(a, 2) if na == 3 else None
    b2 = comp(b, 2) if nb == 3 else None
    mul = U.multiply
    if a2 is None:
        c = [mul(a1, b2), U.negative(mul(a0, b2)), U.subtract(mul(a0, b1), mul(a1, b0))]
    elif b2 is None:
        c = [U.negative(mul(a2, b1)), mul(a2, b0), U.subtract(mul(a0, b1), mul(a1, b0))]
    else:
        c = [U.subtract(mul(a1, b2), mul(a2, b1)), U.subtract(mul(a2, b0), mul(a0, b2)),
             U.subtract(mul(a0, b1), mul(a1, b0))]
    c = S.broadcast_arrays(*c)
    return S.moveaxis(S.stack(c, -1), -1, axisc)


def vander(x, N: int | None = None, increasing: bool = False):
    """Vandermonde matrix: columns ``x ** (N - 1), ..., x ** 0`` (reversed if ``increasing``)."""
    if _state.trace is EVAL or untraced(x):
        return wrap(np.vander(base(x), N, increasing))
    n = shape_of(x)[0] if N is None else int(N)
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    cols = [U.power(x, int(p)) for p in powers]
    if not cols:
        return to_dtype(np.zeros((shape_of(x)[0], 0)), result_type(x))
    return S.stack(cols, axis=1)


# --------------------------------------------------------------------------- axes and splits

def rollaxis(a, axis: int, start: int = 0):
    """Roll ``axis`` backwards until it lies before position ``start``."""
    nd = len(shape_of(a))
    axis = _ax(axis, nd, "rollaxis")
    if not -nd <= start <= nd:
        raise ValueError(f"rollaxis: start={start} is out of bounds for an array of dimension {nd}")
    start = start % (nd + 1) if start < 0 else start
    if axis < start:
        start -= 1
    return S.moveaxis(a, axis, start)


def permute_dims(a, /, axes):
    """Array API name of ``transpose``."""
    return S.transpose(a, axes)


def unstack(x, /, *, axis: int = 0):
    """The slices of ``x`` along ``axis`` (a tuple)."""
    nd = len(shape_of(x))
    d = _ax(axis, nd, "unstack")
    return tuple(S.squeeze(lax.slice_in_dim(x, i, i + 1, 1, d), d) for i in range(shape_of(x)[d]))


def hsplit(ary, indices_or_sections):
    """Split horizontally (axis 1; axis 0 for 1-D arrays)."""
    return S.split(ary, indices_or_sections, 1 if len(shape_of(ary)) > 1 else 0)


def vsplit(ary, indices_or_sections):
    """Split vertically (axis 0; at least 2-D)."""
    if len(shape_of(ary)) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return S.split(ary, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    """Split along the third axis (at least 3-D)."""
    if len(shape_of(ary)) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return S.split(ary, indices_or_sections, 2)


def _block_depth(x):
    return 1 + _block_depth(x[0]) if isinstance(x, list) and x else (1 if isinstance(x, list) else 0)


def block(arrays):
    """Assemble an array from nested lists of blocks (innermost lists join the last axis)."""
    if not isinstance(arrays, list):
        return arrays if isinstance(arrays, Tracer) else wrap(np.asarray(base(arrays)))
    depth = _block_depth(arrays)

    def leaves(x):
        return [y for z in x for y in leaves(z)] if isinstance(x, list) else [x]

    if _state.trace is EVAL or untraced(*leaves(arrays)):
        def conv(x):
            return [conv(y) for y in x] if isinstance(x, list) else base(x)
        return wrap(np.block(conv(arrays)))
    nd = max(depth, max(len(shape_of(a)) for a in leaves(arrays)))

    def rec(x, level):
        if not isinstance(x, list):
            s = tuple(shape_of(x))
            return S.reshape(x, (1,) * (nd - len(s)) + s) if len(s) < nd else x
        parts = [rec(y, level + 1) for y in x]
        return S.concatenate(parts, axis=nd - depth + level)
    return rec(arrays, 0)


def trim_zeros(filt, trim: str = "fb", axis=None):
    """``filt`` without its leading (``'f'``) and/or trailing (``'b'``) zeros; the result size
    depends on the values, so ``filt`` must be concrete."""
    v = filt.concrete_value() if isinstance(filt, Tracer) else base(filt)
    if v is None:
        _concrete(filt, "trim_zeros")
    nz = np.flatnonzero(np.asarray(v))
    n = np.size(v)
    lo = int(nz[0]) if len(nz) and "f" in trim.lower() else (n if not len(nz) else 0)
    hi = int(nz[-1]) + 1 if len(nz) and "b" in trim.lower() else (lo if not len(nz) else n)
    return filt[lo:hi]


# --------------------------------------------------------------------------- functional writers

def _inplace_error(name):
    return ValueError(f"jnp.{name} cannot modify arrays in place (funcgrad arrays are immutable): "
                      f"pass inplace=False and use the result")


def put(a, ind, v, mode=None, *, inplace: bool = True):
    """``a`` (flattened) with ``v`` written at ``ind`` (``v`` repeated cyclically), as a new
    array; ``inplace=False`` is required, as in JAX. Modes: None/'fill' (out-of-bounds dropped),
    'clip', 'wrap'."""
    if inplace:
        raise _inplace_error("put")
    from ._creation import asarray
    shape = tuple(shape_of(a))
    n = _size(shape)
    flat = S.ravel(asarray(a) if not isinstance(a, Tracer) else a)
    ind = S.ravel(asarray(ind) if not isinstance(ind, Tracer) else ind)
    k = shape_of(ind)[0]
    v = S.ravel(asarray(v) if not isinstance(v, Tracer) else v)
    if shape_of(v)[0] != k and k:
        v = resize(v, (k,))
    if mode == "clip":
        ind = U.clip(ind, 0, n - 1)
    elif mode == "wrap":
        ind = U.mod(ind, n)
    elif mode == "raise":
        raise NotImplementedError("put: mode='raise' is not supported (use None, 'clip' or 'wrap')")
    upd = flat.at[ind].set(to_dtype(v, dtype_of(flat)), mode="drop" if mode in (None, "fill") else "clip")
    return S.reshape(upd, shape)


def place(arr, mask, vals, *, inplace: bool = True):
    """``arr`` with the positions where ``mask`` is true taken, in order and cyclically, from
    ``vals`` (a new array; ``inplace=False`` required)."""
    if inplace:
        raise _inplace_error("place")
    from ._advanced_indexing import take
    from ._creation import asarray
    m = S.ravel(asarray(mask) if not isinstance(mask, Tracer) else mask)
    vals = S.ravel(asarray(vals) if not isinstance(vals, Tracer) else vals)
    nv = shape_of(vals)[0]
    from ._cumulative import cumsum
    idx = U.mod(U.subtract(cumsum(m), 1), max(nv, 1))
    flat = S.ravel(arr)
    picked = take(to_dtype(vals, dtype_of(flat)), idx, mode="clip") if nv else flat
    return S.reshape(U.where(m, picked, flat), shape_of(arr))


def put_along_axis(arr, indices, values, axis: int | None, inplace: bool = True, *, mode=None):
    """``arr`` with ``values`` written at ``indices`` along ``axis`` (a new array;
    ``inplace=False`` required); out-of-bounds indices are dropped."""
    if inplace:
        raise _inplace_error("put_along_axis")
    from ._creation import asarray
    a = asarray(arr) if not isinstance(arr, Tracer) else arr
    if axis is None:
        a, axis = S.ravel(a), 0
    nd = len(shape_of(a))
    d = _ax(axis, nd, "put_along_axis")
    idx_shape = tuple(shape_of(indices))
    full = S.broadcast_shapes(idx_shape, tuple(1 if i == d else s for i, s in enumerate(shape_of(a))))
    index = []
    for i in range(nd):
        if i == d:
            index.append(S.broadcast_to(indices, full))
        else:
            index.append(np.broadcast_to(np.arange(shape_of(a)[i]).reshape(
                [shape_of(a)[i] if j == i else 1 for j in range(nd)]), full))
    vals = S.broadcast_to(to_dtype(values, dtype_of(a)), full)
    r = a.at[tuple(index)].set(vals, mode="drop" if mode in (None, "fill") else mode)
    return r if tuple(shape_of(r)) == tuple(shape_of(arr)) else S.reshape(r, shape_of(arr))


def fill_diagonal(a, val, wrap: bool = False, *, inplace: bool = True):
    """``a`` with its main diagonal set to ``val`` (repeated cyclically); a new array
    (``inplace=False`` required)."""
    if inplace:
        raise _inplace_error("fill_diagonal")
    shape = tuple(shape_of(a))
    if len(shape) < 2:
        raise ValueError("array must be at least 2-d")
    mask = np.zeros(shape, bool)
    np.fill_diagonal(mask, True, wrap)
    pos = np.flatnonzero(mask)
    return put(a, pos, val, inplace=False)
