"""Index helpers and selection: ``tril_indices``/``triu_indices`` (and ``_from``),
``diag_indices``, ``diagflat``, ``indices``, ``ix_``, ``unravel_index``, ``ravel_multi_index``,
``select``, ``piecewise``, ``choose``, ``compress``, ``extract``, ``argwhere``, ``flatnonzero``,
``apply_along_axis``, ``apply_over_axes``, ``vectorize``, ``fromfunction``, ``geomspace`` and
the window functions (``bartlett``, ``blackman``, ``hamming``, ``hanning``, ``kaiser``).

>>> import funcgrad.numpy as jnp
>>> jnp.tril_indices(3, -1)
(Array([1, 2, 2], dtype=int64), Array([0, 0, 1], dtype=int64))
>>> jnp.select([jnp.arange(4) < 1, jnp.arange(4) > 2], [10, 20], default=0)
Array([10,  0,  0, 20], dtype=int64)
>>> vnorm = jnp.vectorize(lambda v: jnp.sqrt(jnp.sum(v * v)), signature="(n)->()")
>>> vnorm(jnp.array([[3.0, 4.0], [6.0, 8.0]]))
Array([ 5., 10.], dtype=float64)
"""
from __future__ import annotations

import functools
import re

import numpy as np

from .. import lax
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from . import _shape as S, _ufuncs as U
from ._dtypes import base, default_int_dtype, dtype_of, result_type, to_dtype, untraced, wrap
from ._reductions import normalize_axes


def _ints(r):
    return tuple(wrap(np.asarray(x).astype(default_int_dtype())) for x in r)


# --------------------------------------------------------------------------- index arrays

def tril_indices(n: int, k: int = 0, m: int | None = None):
    """Row and column indices of the lower triangle of an ``(n, m)`` array."""
    return _ints(np.tril_indices(n, k, m))


def triu_indices(n: int, k: int = 0, m: int | None = None):
    """Row and column indices of the upper triangle of an ``(n, m)`` array."""
    return _ints(np.triu_indices(n, k, m))


def tril_indices_from(arr, k: int = 0):
    """``tril_indices`` for the shape of the 2-D ``arr``."""
    s = shape_of(arr)
    if len(s) != 2:
        raise ValueError("input array must be 2-d")
    return tril_indices(s[0], k, s[1])


def triu_indices_from(arr, k: int = 0):
    """``triu_indices`` for the shape of the 2-D ``arr``."""
    s = shape_of(arr)
    if len(s) != 2:
        raise ValueError("input array must be 2-d")
    return triu_indices(s[0], k, s[1])


def diag_indices(n: int, ndim: int = 2):
    """Indices of the main diagonal of an ``n`` x ... x ``n`` array."""
    return _ints(np.diag_indices(n, ndim))


def diag_indices_from(arr):
    """``diag_indices`` for ``arr`` (all dimensions of equal length)."""
    s = shape_of(arr)
    if len(s) < 2 or len(set(s)) != 1:
        raise ValueError("All dimensions of input must be of equal length")
    return diag_indices(s[0], len(s))


def diagflat(v, k: int = 0):
    """A 2-D array with the flattened ``v`` on its ``k``-th diagonal."""
    from ._creation import diag
    if _state.trace is EVAL or untraced(v):
        return wrap(np.diagflat(base(v), k))
    return diag(S.ravel(v), k)


def indices(dimensions, dtype=None, sparse: bool = False):
    """A grid of index arrays (stacked; a tuple of broadcastable arrays when ``sparse``)."""
    r = np.indices(dimensions, dtype=dtype or default_int_dtype(), sparse=sparse)
    return tuple(wrap(x) for x in r) if sparse else wrap(r)


def ix_(*args):
    """Open mesh from 1-D sequences: argument ``i`` gets shape 1 everywhere but axis ``i``."""
    n = len(args)
    out = []
    for i, a in enumerate(args):
        shape = [1] * n
        shape[i] = -1
        if isinstance(a, Tracer):
            out.append(S.reshape(a, shape))
        else:
            arr = np.asarray(base(a))
            if arr.ndim != 1:
                raise ValueError("Cross index must be 1 dimensional")
            if arr.dtype == np.bool_:
                arr = np.flatnonzero(arr)
            if arr.size == 0:
                arr = arr.astype(default_int_dtype())
            out.append(wrap(arr.reshape(shape)))
    return tuple(out)


def unravel_index(indices, shape):
    """Convert flat indices into a tuple of coordinate arrays for ``shape`` (traced indices are
    clamped into range, as JAX does)."""
    if _state.trace is EVAL or untraced(indices):
        return _ints(np.unravel_index(base(indices), shape))
    shape = tuple(int(s) for s in shape)
    total = int(np.prod(shape, dtype=np.int64))
    i = U.clip(U.where(U.less(indices, 0), U.add(indices, total), indices), 0, max(total - 1, 0))
    out = []
    for d in reversed(shape):
        out.append(U.remainder(i, d))
        i = U.floor_divide(i, d)
    return tuple(to_dtype(x, default_int_dtype()) for x in reversed(out))


def ravel_multi_index(multi_index, dims, mode: str = "raise", order: str = "C"):
    """Flat indices of the coordinate arrays ``multi_index`` in an array of shape ``dims``
    (``mode`` 'clip' or 'wrap' when traced)."""
    if _state.trace is EVAL or untraced(*multi_index):
        return wrap(np.asarray(np.ravel_multi_index(tuple(base(m) for m in multi_index), dims, mode,
                                                    order)).astype(default_int_dtype()))
    if order != "C":
        raise NotImplementedError("ravel_multi_index: order='C' only when traced")
    if mode == "raise":
        raise NotImplementedError("ravel_multi_index: mode='raise' needs concrete indices; use "
                                  "mode='clip' or 'wrap'")
    out = 0
    for m, d in zip(multi_index, dims):
        m = U.clip(m, 0, d - 1) if mode == "clip" else U.mod(m, d)
        out = U.add(U.multiply(out, d), m)
    return to_dtype(out, default_int_dtype())


# --------------------------------------------------------------------------- selection

def select(condlist, choicelist, default=0):
    """The first ``choicelist[i]`` whose ``condlist[i]`` is true, else ``default``."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if _state.trace is EVAL or untraced(*condlist, *choicelist, default):
        return wrap(np.select([base(c) for c in condlist], [base(c) for c in choicelist], base(default)))
    dt = result_type(*choicelist, default)
    out = to_dtype(default, dt)
    for c, v in reversed(list(zip(condlist, choicelist))):
        out = U.where(c, to_dtype(v, dt), out)
    return out


def piecewise(x, condlist, funclist, *args, **kw):
    """``funclist[i](x)`` where ``condlist[i]`` (later conditions win); one extra function is
    the default. Every function is evaluated on all of ``x`` (as in JAX)."""
    from ._creation import asarray
    x = x if isinstance(x, Tracer) else asarray(x)
    if not isinstance(condlist, (list, tuple)) or (len(condlist) and len(shape_of(condlist[0])) == 0
                                                   and len(shape_of(x)) > 0 and not isinstance(
                                                       condlist[0], (list, tuple, np.ndarray, Tracer))):
        condlist = [condlist]
    condlist = list(condlist)
    n = len(condlist)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    dt = dtype_of(x)

    def value(f):
        return to_dtype(f(x, *args, **kw), dt) if callable(f) else to_dtype(f, dt)

    out = to_dtype(S.broadcast_to(0, shape_of(x)), dt)
    if len(funclist) == n + 1:
        from ._reductions import any as _any
        others = U.logical_not(_any(S.stack([S.broadcast_to(c, shape_of(x)) for c in condlist]), axis=0)) \
            if n else True
        out = U.where(others, value(funclist[-1]), out)
    for c, f in zip(condlist, funclist):
        out = U.where(c, value(f), out)
    return out


def choose(a, choices, out=None, mode: str = "raise"):
    """``choices[a[i]][i]`` with broadcasting; ``mode`` 'raise' (eager), 'wrap' or 'clip'."""
    if out is not None:
        raise NotImplementedError("choose: the out= argument is not supported")
    choices = list(choices)
    if _state.trace is EVAL or untraced(a, *choices):
        return wrap(np.choose(base(a), [base(c) for c in choices], mode=mode))
    n = len(choices)
    if mode == "raise":
        v = a.concrete_value() if isinstance(a, Tracer) else base(a)
        if v is None:
            raise NotImplementedError("choose: mode='raise' needs a concrete index array; use "
                                      "mode='clip' or 'wrap'")
        if np.any((np.asarray(v) < 0) | (np.asarray(v) >= n)):
            raise ValueError("invalid entry in choice array")
    idx = U.mod(a, n) if mode == "wrap" else U.clip(a, 0, n - 1)
    dt = result_type(*choices)
    arrs = S.broadcast_arrays(idx, *[to_dtype(c, dt) for c in choices])
    return lax.select_n(to_dtype(arrs[0], np.int32), *arrs[1:])


def _nonzero_idx(cond, size, fill_value):
    return U.nonzero(cond, size=size, fill_value=fill_value)


def compress(condition, a, axis: int | None = None, *, size: int | None = None, fill_value=0,
             out=None):
    """The slices of ``a`` along ``axis`` where the 1-D ``condition`` is true (``size=`` for a
    traced condition; shorter results are padded with ``fill_value``)."""
    if out is not None:
        raise NotImplementedError("compress: the out= argument is not supported")
    if _state.trace is EVAL or untraced(condition, a):
        r = np.compress(base(condition), base(a), axis)
        if size is not None:
            ax = 0 if axis is None else axis
            r = np.moveaxis(r, ax, 0)
            pad = np.full((max(size - r.shape[0], 0),) + r.shape[1:], fill_value, r.dtype)
            r = np.moveaxis(np.concatenate([r[:size], pad]), 0, ax)
        return wrap(r)
    from ._advanced_indexing import take
    if axis is None:
        a, axis = S.ravel(a), 0
    d = normalize_axes(int(axis), len(shape_of(a)), "compress")[0]
    cond = S.ravel(condition)
    n = shape_of(a)[d]
    k = shape_of(cond)[0]
    if k < n:
        cond = S.concatenate([cond, np.zeros(n - k, bool)])
    elif k > n:
        cond = lax.slice_in_dim(cond, 0, n)
    if size is None:
        v = cond.concrete_value() if isinstance(cond, Tracer) else base(cond)
        if v is None:
            U.nonzero(cond)                     # raises the ConcretizationError naming size=
        size = int(np.count_nonzero(v))
    (idx,) = U.nonzero(cond, size=size, fill_value=n)
    return take(a, idx, axis=d, mode="fill", fill_value=fill_value)


def extract(condition, arr, *, size: int | None = None, fill_value=0):
    """The elements of ``arr`` where ``condition`` is true (both flattened)."""
    return compress(S.ravel(condition), S.ravel(arr), size=size, fill_value=fill_value)


def argwhere(a, *, size: int | None = None, fill_value=None):
    """Coordinates of the nonzero elements, one row each (``size=`` when traced)."""
    if _state.trace is EVAL or untraced(a):
        r = np.argwhere(base(a)).astype(default_int_dtype())
        if size is not None:
            pad = np.full((max(size - len(r), 0), r.shape[1]), 0 if fill_value is None else fill_value,
                          r.dtype)
            r = np.concatenate([r[:size], pad])
        return wrap(r)
    if len(shape_of(a)) == 0:
        return S.reshape(argwhere(S.reshape(a, (1,)), size=size, fill_value=fill_value), (-1, 0))
    return S.stack(U.nonzero(a, size=size, fill_value=fill_value), axis=1)


def flatnonzero(a, *, size: int | None = None, fill_value=None):
    """Indices of the nonzero elements of the flattened ``a``."""
    return U.nonzero(S.ravel(a), size=size, fill_value=fill_value)[0]


# --------------------------------------------------------------------------- functional helpers

def apply_along_axis(func1d, axis: int, arr, *args, **kwargs):
    """``func1d`` applied to each 1-D slice along ``axis`` (vectorized with ``vmap``)."""
    from ..api import vmap
    from ._creation import asarray
    arr = arr if isinstance(arr, Tracer) else asarray(arr)
    nd = len(shape_of(arr))
    d = normalize_axes(int(axis), nd, "apply_along_axis")[0]
    f = lambda v: func1d(v, *args, **kwargs)  # noqa: E731
    x = S.moveaxis(arr, d, -1)
    lead = tuple(shape_of(x)[:-1])
    flat = S.reshape(x, (-1, shape_of(x)[-1])) if lead else S.reshape(x, (1, shape_of(x)[-1]))
    r = vmap(f)(flat)
    r = S.reshape(r, lead + tuple(shape_of(r)[1:]))
    out_nd = len(shape_of(r)) - len(lead)
    if out_nd == 0:
        return r
    # the result dims replace the axis, as NumPy does
    return S.moveaxis(r, tuple(range(len(lead), len(lead) + out_nd)), tuple(range(d, d + out_nd)))


def apply_over_axes(func, a, axes):
    """``func(a, axis)`` applied over each axis in turn, keeping the dimension."""
    for ax in (axes,) if isinstance(axes, (int, np.integer)) else axes:
        nd = len(shape_of(a))
        r = func(a, ax)
        if len(shape_of(r)) == nd - 1:
            r = S.expand_dims(r, ax)
        elif len(shape_of(r)) != nd:
            raise ValueError("function is not returning an array of the correct shape")
        a = r
    return a


_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARG = rf"\({_CORE}\)"
_SIGNATURE = re.compile(rf"^{_ARG}(?:,{_ARG})*->{_ARG}(?:,{_ARG})*$")


def _parse_signature(signature):
    sig = signature.replace(" ", "")
    if not _SIGNATURE.match(sig):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    ins, outs = sig.split("->")
    parse = lambda s: [tuple(re.findall(_DIM, arg)) for arg in re.findall(r"\((.*?)\)", s)]  # noqa: E731
    return parse(ins), parse(outs)


class vectorize:  # noqa: N801 - NumPy's name
    """``numpy.vectorize`` implemented with ``vmap``: ``pyfunc`` is called once on batched
    arrays, not once per element. ``signature`` (gufunc style, ``"(n),(n)->()"``) gives the
    core dimensions; ``excluded`` names arguments passed through unchanged."""

    def __init__(self, pyfunc, otypes=None, doc=None, excluded=None, cache=False, signature=None):
        self.pyfunc = pyfunc
        self.excluded = set(excluded or ())
        self.signature = signature
        self.otypes = otypes
        functools.update_wrapper(self, pyfunc)
        if doc is not None:
            self.__doc__ = doc

    def __call__(self, *args, **kwargs):
        from ..api import vmap
        from ._creation import asarray
        excluded = {i for i in self.excluded if isinstance(i, int)}
        static_kw = {k: v for k, v in kwargs.items() if k in self.excluded}
        dyn_kw = {k: v for k, v in kwargs.items() if k not in self.excluded}
        names = list(dyn_kw)
        pos = [i for i in range(len(args)) if i not in excluded]
        arrays = [a if isinstance(a, Tracer) else asarray(a) for a in
                  [args[i] for i in pos] + [dyn_kw[k] for k in names]]
        if self.signature is not None:
            in_core, out_core = _parse_signature(self.signature)
            if len(in_core) != len(arrays):
                raise TypeError(f"vectorize: {len(arrays)} array arguments for signature {self.signature}")
        else:
            in_core, out_core = [()] * len(arrays), None
        core_nd = [len(c) for c in in_core]
        batch = [tuple(shape_of(a))[:len(shape_of(a)) - k] for a, k in zip(arrays, core_nd)]
        for a, k in zip(arrays, core_nd):
            if len(shape_of(a)) < k:
                raise ValueError(f"vectorize: input of shape {tuple(shape_of(a))} has fewer dims than "
                                 f"its core signature {self.signature}")
        bshape = S.broadcast_shapes(*batch) if batch else ()
        arrays = [S.broadcast_to(a, bshape + tuple(shape_of(a))[len(shape_of(a)) - k:])
                  for a, k in zip(arrays, core_nd)]

        def call(*xs):
            full = list(args)
            for i, x in zip(pos, xs):
                full[i] = x
            kw = dict(static_kw)
            kw.update({k: x for k, x in zip(names, xs[len(pos):])})
            return self.pyfunc(*full, **kw)

        f = call
        for _ in range(len(bshape)):
            f = vmap(f)
        out = f(*arrays)
        if self.otypes:
            from ._creation import astype
            if isinstance(out, tuple):
                out = tuple(astype(o, t) for o, t in zip(out, self.otypes))
            else:
                out = astype(out, self.otypes[0])
        return out


def fromfunction(function, shape, *, dtype=float, **kwargs):
    """``function(*indices(shape))``: the function is called once on index arrays."""
    from ._creation import astype
    coords = np.indices(shape, dtype=dtype)
    return function(*[astype(wrap(c), dtype) for c in coords], **kwargs)


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
    """Numbers spaced evenly on a log scale from ``start`` to ``stop`` (same sign)."""
    if _state.trace is EVAL or untraced(start, stop):
        return wrap(np.geomspace(base(start), base(stop), num, endpoint, dtype, axis))
    from ._creation import astype, linspace
    start, stop = S.broadcast_arrays(start, stop)
    sign = U.sign(start)
    lo, hi = U.log10(U.abs(start)), U.log10(U.abs(stop))
    r = U.power(10.0, linspace(lo, hi, num, endpoint, axis=axis))
    r = U.multiply(S.expand_dims(sign, axis) if len(shape_of(sign)) else sign, r)
    if num > 0:                                         # exact end points, as NumPy
        idx = [slice(None)] * len(shape_of(r))
        idx[axis] = 0
        r = r.at[tuple(idx)].set(start)
        if endpoint and num > 1:
            idx[axis] = -1
            r = r.at[tuple(idx)].set(stop)
    return r if dtype is None else astype(r, dtype)


# --------------------------------------------------------------------------- windows

def _window(np_fn, name):
    def f(M):
        return wrap(np_fn(M))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The {name} window of ``M`` points (``M`` static)."
    return f


bartlett = _window(np.bartlett, "bartlett")
blackman = _window(np.blackman, "blackman")
hamming = _window(np.hamming, "hamming")
hanning = _window(np.hanning, "hanning")


def kaiser(M: int, beta):
    """The Kaiser window of ``M`` points; differentiable in ``beta``."""
    if _state.trace is EVAL or untraced(beta):
        return wrap(np.kaiser(M, base(beta)))
    from ._special_ufuncs import i0
    if M == 1:
        return to_dtype(np.ones(1), result_type(beta, 1.0))
    n = np.arange(M, dtype=np.float64)
    alpha = (M - 1) / 2.0
    t = (n - alpha) / alpha
    return U.divide(i0(U.multiply(beta, np.sqrt(1 - t * t))), i0(beta))


# --------------------------------------------------------------------------- index-expression objects

class _Grid:
    """``mgrid[...]`` / ``ogrid[...]``: dense or open coordinate grids from (static) slices; an
    imaginary step ``5j`` means 5 points including the end, as NumPy."""

    def __init__(self, np_grid, name):
        self._grid, self._name = np_grid, name

    def __getitem__(self, key):
        r = self._grid[key]
        return [wrap(x) for x in r] if isinstance(r, (tuple, list)) else wrap(r)

    def __repr__(self):
        return f"jnp.{self._name}"


mgrid = _Grid(np.mgrid, "mgrid")
ogrid = _Grid(np.ogrid, "ogrid")
s_ = np.s_
index_exp = np.index_exp


class _AxisConcat:
    """``r_[...]`` / ``c_[...]``: concatenate arrays (traced ones included), scalars and slices
    (``a:b:step`` is ``arange``; an imaginary step is ``linspace``) along an axis. A leading
    string ``"axis,ndmin,trans1d"`` sets the axis, the minimum rank and where the original dims
    of promoted arrays go, as NumPy."""

    def __init__(self, axis, ndmin, trans1d, name):
        self.axis, self.ndmin, self.trans1d, self._name = axis, ndmin, trans1d, name

    def __repr__(self):
        return f"jnp.{self._name}"

    def __getitem__(self, key):
        from ._creation import asarray
        items = key if isinstance(key, tuple) else (key,)
        axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
        if items and isinstance(items[0], str):
            directive, items = items[0], items[1:]
            if directive in ("r", "c"):
                raise NotImplementedError(f"{self._name}: matrix directives ('r', 'c') are not supported")
            vals = [int(v) for v in directive.split(",")]
            axis = vals[0]
            ndmin = vals[1] if len(vals) > 1 else ndmin
            trans1d = vals[2] if len(vals) > 2 else trans1d
        arrays, sources = [], []
        for it in items:
            if isinstance(it, slice):
                arr = wrap(np.r_[it])
            elif isinstance(it, (bool, int, float, complex)):
                arr = S.reshape(asarray(it), (1,))
            else:
                arr = asarray(it)
            sources.append(it if isinstance(it, (bool, int, float, complex)) else arr)  # scalars weak
            arrays.append(self._promote(arr, ndmin, trans1d))
        if not arrays:
            return wrap(np.zeros(0))
        dt = result_type(*sources)
        return S.concatenate([to_dtype(a, dt) for a in arrays], axis)

    @staticmethod
    def _promote(arr, ndmin, trans1d):
        """NumPy's ``array(item, ndmin=ndmin)`` with its original dims moved to ``trans1d``."""
        nd = len(shape_of(arr))
        if nd >= ndmin:
            return arr
        arr = S.reshape(arr, (1,) * (ndmin - nd) + tuple(shape_of(arr)))
        if trans1d == -1 or nd == 0:
            return arr
        k2, k1 = ndmin - nd, trans1d
        if k1 < 0:
            k1 += k2 + 1
        axes = list(range(ndmin))
        return S.transpose(arr, axes[:k1] + axes[k2:] + axes[k1:k2])


r_ = _AxisConcat(0, 1, -1, "r_")
c_ = _AxisConcat(-1, 2, 0, "c_")
