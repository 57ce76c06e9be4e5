"""Attach operators and array methods to ``Tracer`` (and ``.at`` to ``Array``) at import time,
so that ``core`` never imports upward."""
from __future__ import annotations

import numpy as np

from ..core.array import Array
from ..core.trace import Tracer
from . import _creation, _indexing, _linalg, _reductions, _shape, _ufuncs


def _swap(f):
    return lambda self, other: f(other, self)


_OPS = {
    "__add__": _ufuncs.add, "__sub__": _ufuncs.subtract, "__mul__": _ufuncs.multiply,
    "__truediv__": _ufuncs.divide, "__floordiv__": _ufuncs.floor_divide, "__mod__": _ufuncs.mod,
    "__pow__": _ufuncs.power, "__matmul__": _linalg.matmul,
    "__and__": _ufuncs.bitwise_and, "__or__": _ufuncs.bitwise_or, "__xor__": _ufuncs.bitwise_xor,
    "__lt__": _ufuncs.less, "__le__": _ufuncs.less_equal, "__gt__": _ufuncs.greater,
    "__ge__": _ufuncs.greater_equal, "__eq__": _ufuncs.equal, "__ne__": _ufuncs.not_equal,
}


def _attach():
    for name, fn in _OPS.items():
        setattr(Tracer, name, fn)
        if name not in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
            setattr(Tracer, "__r" + name[2:], _swap(fn))
    Tracer.__neg__ = _ufuncs.negative
    Tracer.__pos__ = _ufuncs.positive
    Tracer.__abs__ = _ufuncs.absolute
    Tracer.__invert__ = _ufuncs.bitwise_not
    Tracer.__divmod__ = lambda self, o: (_ufuncs.floor_divide(self, o), _ufuncs.mod(self, o))
    Tracer.__rdivmod__ = lambda self, o: (_ufuncs.floor_divide(o, self), _ufuncs.mod(o, self))
    Tracer.__getitem__ = _indexing.getitem
    Tracer.T = property(lambda self: _shape.transpose(self))
    Tracer.mT = property(lambda self: _shape.matrix_transpose(self))
    Tracer.real = property(lambda self: self)
    Tracer.imag = property(lambda self: _creation.zeros_like(self))
    Tracer.nbytes = property(lambda self: self.size * self.dtype.itemsize)
    Tracer.itemsize = property(lambda self: self.dtype.itemsize)
    Tracer.at = property(lambda self: _index_update_helper(self))

    def reshape(self, *shape, order="C"):
        if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
            shape = shape[0]
        return _shape.reshape(self, shape, order)

    def transpose(self, *axes):
        if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
            axes = axes[0]
        return _shape.transpose(self, axes or None)

    methods = {
        "reshape": reshape, "transpose": transpose,
        "sum": _reductions.sum, "prod": _reductions.prod, "mean": _reductions.mean,
        "var": _reductions.var, "std": _reductions.std, "max": _reductions.max, "min": _reductions.min,
        "argmax": _reductions.argmax, "argmin": _reductions.argmin, "all": _reductions.all,
        "any": _reductions.any, "ptp": _reductions.ptp,
        "ravel": _shape.ravel, "flatten": _shape.ravel, "squeeze": _shape.squeeze,
        "swapaxes": _shape.swapaxes, "repeat": _shape.repeat,
        "astype": _creation.astype, "clip": _ufuncs.clip, "round": _ufuncs.round, "dot": _linalg.dot,
        "conj": _ufuncs.conj, "conjugate": _ufuncs.conj, "diagonal": _indexing.diagonal,
        "trace": _indexing.trace, "copy": lambda self: self,
        "block_until_ready": lambda self: self,
    }
    for name, fn in methods.items():
        setattr(Tracer, name, fn)
    Array.at = property(lambda self: _index_update_helper(self))


def _index_update_helper(x):
    from ._advanced_indexing import IndexUpdateHelper
    return IndexUpdateHelper(x)


_attach()


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
            f"numpy.{func.__name__} was called on a traced value at {user_frame_info()}; funcgrad.numpy has "
            "no function of that name. Use funcgrad.numpy (import funcgrad.numpy as jnp) inside transforms.")
    return fn(*args, **kwargs)


Tracer.__array_ufunc__ = _array_ufunc
Tracer.__array_function__ = _array_function
