"""Attach operators and array methods to ``Tracer`` and ``Array`` at import time, so that ``core``
never imports upward.

``Tracer`` gets every operator and the usual ndarray methods. ``Array`` (an ndarray subclass) gets
the arithmetic operators and reductions of ``funcgrad.numpy``: they run NumPy on base arrays
(faster than NumPy's subclass dispatch), keep funcgrad's dtype rules (``jax_enable_x64`` off), and
raise errors that name both shapes and the user's line. ``==``/``!=`` stay NumPy's; indexing is
NumPy's when in bounds, else JAX's (out-of-bounds indices clamp: ``_indexing.array_getitem``).

>>> import funcgrad.numpy as jnp
>>> x = jnp.ones((2, 3))
>>> (x + 1).sum(axis=0)
Array([4., 4., 4.], dtype=float64)
"""
from __future__ import annotations

import numpy as np

from ..core.array import Array
from ..core.trace import Tracer
from . import _creation, _indexing, _linalg, _reductions, _shape, _ufuncs
from ._special_ufuncs import left_shift, right_shift


def _swap(f):
    def r(self, other):
        return f(other, self)
    r.__name__ = f"reflected_{f.__name__}"
    return r


_ARITH = {
    "__add__": _ufuncs.add, "__sub__": _ufuncs.subtract, "__mul__": _ufuncs.multiply,
    "__truediv__": _ufuncs.divide, "__floordiv__": _ufuncs.floor_divide, "__mod__": _ufuncs.remainder,
    "__pow__": _ufuncs.power, "__matmul__": _linalg.matmul,
    "__and__": _ufuncs.bitwise_and, "__or__": _ufuncs.bitwise_or, "__xor__": _ufuncs.bitwise_xor,
    "__lshift__": left_shift, "__rshift__": right_shift,
}
_COMPARE = {
    "__lt__": _ufuncs.less, "__le__": _ufuncs.less_equal, "__gt__": _ufuncs.greater,
    "__ge__": _ufuncs.greater_equal, "__eq__": _ufuncs.equal, "__ne__": _ufuncs.not_equal,
}


def _pow(self, other, mod=None):
    if mod is not None:
        raise NotImplementedError("pow() with a modulus is not supported")
    return _ufuncs.power(self, other)


def _reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        shape = shape[0]
    return _shape.reshape(self, shape, order)


def _transpose(self, *axes):
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = axes[0]
    return _shape.transpose(self, axes or None)


def _item(self, *args):
    v = np.asarray(self._concrete("`.item()` on a traced value"))
    return v.item(*args)


def _tolist(self):
    return np.asarray(self._concrete("`.tolist()` on a traced value")).tolist()


def _round_method(self, decimals=0, out=None):
    return _ufuncs.round(self, decimals, out)


def _python_round(self, ndigits=None):
    if ndigits is None:
        return int(_ufuncs.round(self))
    return _ufuncs.round(self, ndigits)


_REDUCTIONS = {
    "sum": _reductions.sum, "prod": _reductions.prod, "mean": _reductions.mean,
    "var": _reductions.var, "std": _reductions.std, "max": _reductions.max, "min": _reductions.min,
    "argmax": _reductions.argmax, "argmin": _reductions.argmin, "all": _reductions.all,
    "any": _reductions.any, "ptp": _reductions.ptp,
}


def _more_methods():
    """``x.sort()``, ``x.argsort()``, ``x.cumsum()``, ``x.cumprod()``, ``x.searchsorted(v)``,
    ``x.take(i)``: JAX's array methods (they return new arrays)."""
    from . import _advanced_indexing, _cumulative, _sorting
    return {"sort": _sorting.sort, "argsort": _sorting.argsort, "cumsum": _cumulative.cumsum,
            "cumprod": _cumulative.cumprod, "searchsorted": _sorting.searchsorted,
            "take": _advanced_indexing.take}


def _attach_tracer():
    for name, fn in {**_ARITH, **_COMPARE}.items():
        setattr(Tracer, name, fn)
    for name, fn in _ARITH.items():
        setattr(Tracer, "__r" + name[2:], _swap(fn))
    Tracer.__pow__ = _pow
    Tracer.__neg__ = _ufuncs.negative
    Tracer.__pos__ = _ufuncs.positive
    Tracer.__abs__ = _ufuncs.absolute
    Tracer.__invert__ = _ufuncs.bitwise_not
    Tracer.__round__ = _python_round
    Tracer.__copy__ = lambda self: self              # immutable, as JAX's arrays
    Tracer.__deepcopy__ = lambda self, memo: self
    Tracer.__contains__ = lambda self, v: _reductions.any(self == v)
    Tracer.__divmod__ = lambda self, o: _ufuncs.divmod(self, o)
    Tracer.__rdivmod__ = lambda self, o: _ufuncs.divmod(o, self)
    Tracer.__getitem__ = _indexing.getitem
    Tracer.T = property(lambda self: _shape.transpose(self))
    Tracer.mT = property(lambda self: _shape.matrix_transpose(self))
    Tracer.real = property(lambda self: _ufuncs.real(self))
    Tracer.imag = property(lambda self: _ufuncs.imag(self))
    Tracer.nbytes = property(lambda self: self.size * self.dtype.itemsize)
    Tracer.itemsize = property(lambda self: self.dtype.itemsize)
    Tracer.at = property(lambda self: _index_update_helper(self))
    methods = {
        "reshape": _reshape, "transpose": _transpose, **_REDUCTIONS,
        "ravel": _shape.ravel, "flatten": _shape.ravel, "squeeze": _shape.squeeze,
        "swapaxes": _shape.swapaxes, "repeat": _shape.repeat,
        "astype": _creation.astype, "clip": _ufuncs.clip, "round": _round_method, "dot": _linalg.dot,
        "conj": _ufuncs.conj, "conjugate": _ufuncs.conj, "diagonal": _indexing.diagonal,
        "trace": _indexing.trace, "copy": lambda self: self, "nonzero": _ufuncs.nonzero,
        "item": _item, "tolist": _tolist, "block_until_ready": lambda self: self,
        **_more_methods(),
    }
    for name, fn in methods.items():
        setattr(Tracer, name, fn)


def _array_astype(self, dtype, *args, **kwargs):
    from ._dtypes import canonicalize_dtype, wrap
    return wrap(np.ndarray.astype(self.view(np.ndarray), canonicalize_dtype(dtype), *args, **kwargs))


def _attach_array():
    for name, fn in _ARITH.items():
        setattr(Array, name, fn)
        setattr(Array, "__r" + name[2:], _swap(fn))
        setattr(Array, "__i" + name[2:], fn)     # x += y rebinds x (Arrays are immutable)
    for name in ("__lt__", "__le__", "__gt__", "__ge__"):
        setattr(Array, name, _COMPARE[name])
    Array.__pow__ = _pow
    Array.__neg__ = _ufuncs.negative
    Array.__abs__ = _ufuncs.absolute
    Array.__round__ = _python_round
    for name, fn in _REDUCTIONS.items():
        setattr(Array, name, fn)
    Array.__ipow__ = _pow
    Array.astype = _array_astype
    Array.at = property(lambda self: _index_update_helper(self))
    Array.__getitem__ = _indexing.array_getitem   # out-of-bounds indices clamp, as in JAX
    Array.__iter__ = _indexing.array_iter         # (iteration must not rely on IndexError)


def _index_update_helper(x):
    from ._advanced_indexing import IndexUpdateHelper
    return IndexUpdateHelper(x)


_attach_tracer()
_attach_array()


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """``np.sin(tracer)``, ``ndarray + tracer``: run the funcgrad.numpy function of the same name,
    so the operation is traced instead of failing."""
    from .. import numpy as fnp
    from ..core.errors import ConcretizationError
    from ..core.source_info import user_frame_info
    fn = getattr(fnp, ufunc.__name__, None)
    if method == "__call__" and fn is not None and not {k: v for k, v in kwargs.items() if v is not None}:
        return fn(*inputs)
    raise ConcretizationError(
        f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} was called on a traced value "
        f"at {user_frame_info()}. Use funcgrad.numpy (import funcgrad.numpy as jnp) inside transforms.")


def _array_function(self, func, types, args, kwargs):
    """``np.<function>(tracer, ...)``: dispatch to funcgrad.numpy's function of the same name."""
    from .. import numpy as fnp
    from ..core.errors import ConcretizationError
    from ..core.source_info import user_frame_info
    fn = getattr(fnp, func.__name__, None) if func.__module__ == "numpy" else None
    if fn is None:
        raise ConcretizationError(
            f"{func.__module__}.{func.__name__} was called on a traced value at {user_frame_info()}; "
            "funcgrad.numpy has "
            "no function of that name. Use funcgrad.numpy (import funcgrad.numpy as jnp) inside transforms.")
    return fn(*args, **kwargs)


Tracer.__array_ufunc__ = _array_ufunc
Tracer.__array_function__ = _array_function
