"""Abstract values: the shape/dtype/weak_type triple every traced value carries.

>>> import numpy as np
>>> Aval((2, 3), np.dtype("float32"))
Aval(f32[2,3])
>>> str(Aval((), np.dtype("float64"), weak_type=True))
'~f64[]'
"""
from __future__ import annotations

import numpy as np

_SHORT = {
    "float16": "f16", "float32": "f32", "float64": "f64",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "complex64": "c64", "complex128": "c128", "bool": "bool",
}


def short_dtype(dtype: np.dtype) -> str:
    """JAX's short dtype name: ``f32``, ``i64``, ``bool``..."""
    return _SHORT.get(np.dtype(dtype).name, np.dtype(dtype).name)


class Aval:
    """The type of a value: shape, dtype and whether its dtype is weak (from a Python scalar)."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type: bool = False):
        self.shape = tuple(int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)

    @classmethod
    def unchecked(cls, shape: tuple, dtype: np.dtype, weak_type: bool) -> "Aval":
        """Fast constructor for values already normalized (an ndarray's shape and dtype)."""
        a = object.__new__(cls)
        a.shape = shape
        a.dtype = dtype
        a.weak_type = weak_type
        return a

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def update(self, shape=None, dtype=None, weak_type=None) -> "Aval":
        return Aval(self.shape if shape is None else shape,
                    self.dtype if dtype is None else dtype,
                    self.weak_type if weak_type is None else weak_type)

    def strip_weak(self) -> "Aval":
        return self if not self.weak_type else Aval(self.shape, self.dtype, False)

    def _key(self):
        return (self.shape, self.dtype, self.weak_type)

    def __eq__(self, other):
        return isinstance(other, Aval) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def str_short(self) -> str:
        return f"{'~' if self.weak_type else ''}{short_dtype(self.dtype)}[{','.join(map(str, self.shape))}]"

    __str__ = str_short

    def __repr__(self):
        return f"Aval({self.str_short()})"


def is_float(dtype) -> bool:
    """True for floating and complex dtypes (NumPy's ``inexact``)."""
    kind = getattr(dtype, "kind", None)
    return (kind if isinstance(kind, str) else np.dtype(dtype).kind) in "fc"


def is_int(dtype) -> bool:
    return np.issubdtype(dtype, np.integer) or np.dtype(dtype) == np.bool_
