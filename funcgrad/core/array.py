"""``funcgrad.Array``: the eager result type, a thin ``np.ndarray`` subclass.

It adds what JAX arrays have and ndarrays lack (``.at[]``, ``.block_until_ready()``, ``weak_type``)
and refuses in-place item assignment, as JAX does. ``np.asarray(x)`` is zero-copy.

>>> import numpy as np
>>> a = as_array(np.arange(3.0))
>>> type(a).__name__, np.shares_memory(np.asarray(a), a)
('Array', True)
>>> a
Array([0., 1., 2.], dtype=float64)
>>> a[0] = 1.0
Traceback (most recent call last):
    ...
TypeError: funcgrad arrays are immutable and do not support in-place item assignment. Instead of x[idx] = y, use x = x.at[idx].set(y).
"""
from __future__ import annotations

import numpy as np


class _ArrayType(type):
    """``isinstance(x, Array)`` is also true of a traced value, as ``isinstance(tracer,
    jax.Array)`` is in JAX, so a program that checks for arrays (``isinstance(x, jnp.ndarray)``)
    takes the same path under ``jit``/``grad``/``vmap`` as eagerly. Subclasses (``WeakArray``)
    keep the ordinary check."""

    def __instancecheck__(cls, obj):
        if type.__instancecheck__(cls, obj):
            return True
        if cls is not Array:
            return False
        if not _TRACER:
            from .trace import Tracer     # (core.trace imports this module)
            _TRACER.append(Tracer)
        return isinstance(obj, _TRACER[0])


_TRACER: list = []


class Array(np.ndarray, metaclass=_ArrayType):
    """An immutable-by-convention ndarray returned by funcgrad's eager operations."""

    weak_type = False

    def __setitem__(self, idx, value):
        raise TypeError("funcgrad arrays are immutable and do not support in-place item assignment. "
                        "Instead of x[idx] = y, use x = x.at[idx].set(y).")

    def __repr__(self):
        r = np.ndarray.__repr__(self)         # the dtype is always shown, as JAX does
        return r if "dtype=" in r else f"{r[:-1]}, dtype={self.dtype.name})"

    def block_until_ready(self):
        return self

    def copy_to_host_async(self):
        return None

    @property
    def aval(self):
        from .avals import Aval
        return Aval.unchecked(self.shape, self.dtype, False)


class WeakArray(Array):
    """A 0-d Array computed from Python scalars only: weakly typed (JAX's ``weak_type=True``), so
    ``x32 * jnp.sqrt(2.0)`` stays float32 eagerly, as it does when traced. funcgrad.numpy hands
    it to NumPy as a Python scalar."""

    weak_type = True

    def __repr__(self):
        return Array.__repr__(self)[4:]       # "WeakArray(..." -> "Array(...)"; see .weak_type

    @property
    def aval(self):
        from .avals import Aval
        return Aval.unchecked(self.shape, self.dtype, True)


def as_array(x) -> Array:
    """Wrap a NumPy result (array or scalar) as a funcgrad ``Array`` without copying."""
    if type(x) is np.ndarray:
        return x.view(Array)
    if type(x) is Array:
        return x
    return np.asarray(x).view(Array)
