"""``jnp.ufunc`` and ``jnp.frompyfunc``, and the ufunc methods of the binary elementwise
functions: ``jnp.add.reduce``, ``jnp.multiply.outer``, ``jnp.maximum.accumulate``,
``jnp.add.at(x, idx, v, inplace=False)``, ``jnp.add.reduceat``.

The built-in binary functions stay plain functions (the eager fast path is untouched); the
methods are attached to them as attributes. Known ufuncs use their dedicated reductions
(``add.reduce`` is ``sum``, ``maximum.accumulate`` is ``lax.cummax``, ``add.at`` is
``x.at[i].add``); other associative ones reduce as a tree and accumulate with
``lax.associative_scan``; the rest fold left to right along the (static) axis, as NumPy does.

>>> import funcgrad.numpy as jnp
>>> jnp.add.reduce(jnp.arange(6).reshape(2, 3), axis=1)
Array([ 3, 12], dtype=int64)
>>> jnp.multiply.outer(jnp.array([1, 2]), jnp.array([1, 10, 100]))
Array([[  1,  10, 100],
       [  2,  20, 200]], dtype=int64)
>>> jnp.add.at(jnp.zeros(3), jnp.array([0, 0, 2]), 1.0, inplace=False)
Array([2., 0., 1.], dtype=float64)
>>> clipped_add = jnp.frompyfunc(lambda a, b: jnp.minimum(a + b, 10), nin=2, nout=1)
>>> clipped_add.accumulate(jnp.array([4, 5, 6, 7]))
Array([ 4,  9, 10, 10], dtype=int64)
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..primitives.shape import shape_of
from . import _shape as S


def _inplace_error(name):
    return ValueError(f"jnp.{name}.at cannot modify arrays in place (funcgrad arrays are immutable): "
                      "pass inplace=False and use the result")


def _asarray(x):
    from ._creation import asarray
    return x if hasattr(x, "aval") else asarray(x)


class ufunc:  # noqa: N801 - NumPy's name
    """A function of ``nin`` arrays with NumPy's ufunc methods (``outer``, ``reduce``,
    ``accumulate``, ``at``, ``reduceat``). ``func`` is called on whole (broadcast) arrays;
    ``call``/``reduce``/``accumulate``/``at``/``reduceat`` override the generic methods."""

    def __init__(self, func, /, nin: int, nout: int, *, name: str | None = None, nargs=None,
                 identity=None, call=None, reduce=None, accumulate=None, at=None, reduceat=None,
                 associative: bool = False):
        self._func = func
        self.nin, self.nout = int(nin), int(nout)
        self.nargs = nargs if nargs is not None else self.nin
        self.identity = identity
        self.__name__ = name or getattr(func, "__name__", "ufunc")
        self.__doc__ = getattr(func, "__doc__", None)
        self._call, self._reduce, self._accumulate, self._at, self._reduceat = (
            call, reduce, accumulate, at, reduceat)
        self._associative = associative

    def __repr__(self):
        return f"<jnp.ufunc '{self.__name__}'>"

    def __call__(self, *args, **kwargs):
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes {self.nin} positional arguments, got {len(args)}")
        return (self._call or self._func)(*args, **kwargs)

    # ------------------------------------------------------------------ methods
    def _binary(self, what):
        if self.nin != 2 or self.nout != 1:
            raise ValueError(f"{what} is only supported for binary ufuncs with one output "
                             f"({self.__name__} has nin={self.nin}, nout={self.nout})")

    def outer(self, A, B, /):
        """``self(A[i..., None...], B[None..., j...])`` for every pair of elements."""
        self._binary("outer")
        A, B = _asarray(A), _asarray(B)
        na, nb = len(shape_of(A)), len(shape_of(B))
        return self(S.reshape(A, tuple(shape_of(A)) + (1,) * nb), B)

    def reduce(self, a, axis=0, dtype=None, out=None, keepdims: bool = False, initial=None,
               where=None):
        """Combine the elements along ``axis`` (``None``: all axes)."""
        self._binary("reduce")
        if out is not None:
            raise NotImplementedError("ufunc.reduce: the out= argument is not supported")
        a = _asarray(a)
        if dtype is not None:
            from ._creation import astype
            a = astype(a, dtype)
        if self._reduce is not None:
            return self._reduce(a, axis=axis, keepdims=keepdims, initial=initial, where=where)
        if where is not None:
            raise NotImplementedError(f"{self.__name__}.reduce: where= is not supported")
        nd = len(shape_of(a))
        axes = tuple(range(nd)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        axes = sorted((ax % nd for ax in axes), reverse=True)
        r = a
        for ax in axes:
            r = self._reduce_axis(r, ax, initial)
            initial = None
        if keepdims:
            for ax in sorted(axes):
                r = S.expand_dims(r, ax)
        return r

    def _reduce_axis(self, a, ax, initial):
        n = shape_of(a)[ax]
        parts = [lax.index_in_dim(a, i, ax, keepdims=False) for i in range(n)]
        if initial is not None:
            from ._dtypes import dtype_of, to_dtype
            parts.insert(0, S.broadcast_to(to_dtype(initial, dtype_of(a)), shape_of(parts[0]) if parts
                                           else tuple(s for i, s in enumerate(shape_of(a)) if i != ax)))
        if not parts:
            if self.identity is None:
                raise ValueError(f"zero-size array to reduction operation {self.__name__} which has no identity")
            from ._creation import full
            from ._dtypes import dtype_of
            return full(tuple(s for i, s in enumerate(shape_of(a)) if i != ax), self.identity, dtype_of(a))
        if self._associative:
            while len(parts) > 1:                        # a balanced tree: log2(n) levels
                nxt = [self(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
                if len(parts) % 2:
                    nxt.append(parts[-1])
                parts = nxt
            return parts[0]
        r = parts[0]
        for p in parts[1:]:
            r = self(r, p)
        return r

    def accumulate(self, a, axis: int = 0, dtype=None, out=None):
        """The running combination along ``axis``."""
        self._binary("accumulate")
        if out is not None:
            raise NotImplementedError("ufunc.accumulate: the out= argument is not supported")
        a = _asarray(a)
        if dtype is not None:
            from ._creation import astype
            a = astype(a, dtype)
        if self._accumulate is not None:
            return self._accumulate(a, axis)
        ax = axis % len(shape_of(a))
        if self._associative:
            return lax.associative_scan(self, a, axis=ax)
        n = shape_of(a)[ax]
        acc = [lax.index_in_dim(a, 0, ax, keepdims=False)] if n else []
        for i in range(1, n):
            acc.append(self(acc[-1], lax.index_in_dim(a, i, ax, keepdims=False)))
        return S.stack(acc, ax) if acc else a

    def at(self, a, indices, b=None, /, *, inplace: bool = True):
        """``a`` with ``self(a[indices], b)`` applied at ``indices`` (repeated indices apply it
        repeatedly), as a new array: ``inplace=False`` is required."""
        if inplace:
            raise _inplace_error(self.__name__)
        a = _asarray(a)
        if self._at is not None:
            return self._at(a, indices, b)
        if self.nin == 1:
            return a.at[indices].apply(self)
        self._binary("at")
        idx = indices if isinstance(indices, tuple) else (indices,)
        idx = [np.asarray(i.concrete_value() if hasattr(i, "concrete_value") else i) for i in idx]
        if any(i is None or i.dtype == object for i in idx):
            raise NotImplementedError(f"{self.__name__}.at needs concrete indices")
        idx = np.broadcast_arrays(*idx)
        b = S.broadcast_to(_asarray(b), idx[0].shape + tuple(shape_of(a))[len(idx):])
        for k in np.ndindex(idx[0].shape):
            where = tuple(int(i[k]) for i in idx)
            a = a.at[where].set(self(a[where], b[k]))
        return a

    def reduceat(self, a, indices, axis: int = 0, dtype=None, out=None):
        """Reductions over the slices ``[indices[i], indices[i + 1])`` along ``axis`` (a single
        element where ``indices[i] >= indices[i + 1]``); ``indices`` static."""
        self._binary("reduceat")
        a = _asarray(a)
        ind = np.asarray(indices.concrete_value() if hasattr(indices, "concrete_value") else indices)
        ax = axis % len(shape_of(a))
        n = shape_of(a)[ax]
        parts = []
        for i, start in enumerate(ind):
            stop = ind[i + 1] if i + 1 < len(ind) else n
            if start >= stop:
                parts.append(lax.index_in_dim(a, int(start), ax, keepdims=True))
            else:
                seg = lax.slice_in_dim(a, int(start), int(stop), 1, ax)
                parts.append(self.reduce(seg, axis=ax, dtype=dtype, keepdims=True))
        return S.concatenate(parts, ax)


def frompyfunc(func, /, nin: int, nout: int, *, identity=None) -> ufunc:
    """A ``ufunc`` from a function of arrays (called on whole broadcast arrays)."""
    return ufunc(func, nin, nout, identity=identity)


# --------------------------------------------------------------------------- built-in methods

def _cum(lax_fn):
    def acc(a, axis):
        return lax_fn(a, axis % len(shape_of(a)))
    return acc


def _logical_reduce(fn, combine):
    def reduce(a, axis=0, keepdims=False, initial=None, where=None):
        r = fn(a, axis=axis, keepdims=keepdims, where=where)
        return r if initial is None else combine(r, initial)
    return reduce


def _at_method(name):
    def at(a, indices, b):
        return getattr(a.at[indices], name)(b)
    return at


def _attach():
    """Give the binary elementwise functions NumPy's ufunc methods (as attributes)."""
    from . import _cumulative as C, _misc as M, _reductions as R, _special_ufuncs as X, _ufuncs as U

    special = {
        U.add: dict(identity=0, reduce=R.sum, accumulate=lambda a, axis: C.cumsum(a, axis),
                    at=_at_method("add")),
        U.multiply: dict(identity=1, reduce=R.prod, accumulate=lambda a, axis: C.cumprod(a, axis),
                         at=_at_method("multiply")),
        U.maximum: dict(reduce=R.max, accumulate=_cum(lax.cummax), at=_at_method("max")),
        U.minimum: dict(reduce=R.min, accumulate=_cum(lax.cummin), at=_at_method("min")),
        U.logical_and: dict(identity=True, reduce=_logical_reduce(R.all, U.logical_and), associative=True),
        U.logical_or: dict(identity=False, reduce=_logical_reduce(R.any, U.logical_or), associative=True),
        U.subtract: dict(at=lambda a, i, b: a.at[i].add(U.negative(b))),
        U.divide: dict(at=lambda a, i, b: a.at[i].divide(b)),
        U.power: dict(at=lambda a, i, b: a.at[i].power(b)),
    }
    associative = {U.logical_xor: False, U.bitwise_and: -1, U.bitwise_or: 0, U.bitwise_xor: 0,
                   U.logaddexp: -np.inf, X.logaddexp2: -np.inf, U.fmax: None, U.fmin: None,
                   X.gcd: 0, X.lcm: None, U.hypot: 0}
    others = [U.arctan2, U.fmod, U.floor_divide, U.remainder, U.copysign, U.float_power,
              U.heaviside, U.equal, U.not_equal, U.less, U.less_equal, U.greater, U.greater_equal,
              X.left_shift, X.right_shift, X.ldexp, M.nextafter]
    table = [(f, kw) for f, kw in special.items()]
    table += [(f, dict(identity=ident, associative=True)) for f, ident in associative.items()]
    table += [(f, {}) for f in others]
    for f, kw in table:
        assoc = kw.pop("associative", f in special and kw.get("reduce") is not None)
        u = ufunc(f, 2, 1, name=f.__name__, associative=assoc, **kw)
        for attr in ("outer", "reduce", "accumulate", "at", "reduceat"):
            setattr(f, attr, getattr(u, attr))
        f.nin, f.nout, f.nargs, f.identity = 2, 1, 2, u.identity
