"""More of ``jax.lax``, as compositions of the primitives: ``clamp``, ``iota``,
``broadcasted_iota``, ``exp2``, ``reduce_and``/``reduce_or``/``reduce_xor``,
``population_count``, ``collapse``, ``split``, ``dynamic_update_index_in_dim``.

>>> import numpy as np
>>> print(clamp(0.0, np.array([-1.0, 0.5, 2.0]), 1.0))
[0.  0.5 1. ]
>>> print(broadcasted_iota(np.int32, (2, 3), 1))
[[0 1 2]
 [0 1 2]]
>>> print(population_count(np.array([-1, 3], np.int8)))
[8 2]
"""
from __future__ import annotations

import math

import numpy as np

from ..core.array import as_array
from ..primitives import elementwise as ew
from ..primitives import special as sp
from ..primitives.indexing import dynamic_update_slice
from ..primitives.reductions import reduce_max, reduce_min
from ..primitives.shape import aval, broadcast_in_dim, concatenate, reshape, shape_of, slice as _slice


def clamp(min, x, max):  # noqa: A002 - lax's names
    """``min(max(x, min), max)`` with ``min``/``max`` scalars or of ``x``'s shape."""
    return ew.min(ew.max(x, min), max)


def iota(dtype, size: int):
    """``[0, 1, ..., size - 1]`` as ``dtype``."""
    return as_array(np.arange(int(size), dtype=np.dtype(dtype)))


def broadcasted_iota(dtype, shape, dimension: int):
    """An array of ``shape`` whose value is the index along ``dimension``."""
    shape = tuple(int(s) for s in shape)
    return broadcast_in_dim(iota(dtype, shape[dimension]), shape, (int(dimension),))


def exp2(x):
    """``2 ** x``."""
    return ew.exp(ew.mul(x, ew.const(x, math.log(2))))


def _bool_or_int(name, x):
    dt = aval(x).dtype
    if dt != np.bool_ and not np.issubdtype(dt, np.integer):
        raise TypeError(f"{name} requires a boolean or integer operand, got {aval(x)}")
    return dt


def reduce_and(operand, axes):
    """Logical (booleans) or bitwise (integers) AND over ``axes``."""
    dt = _bool_or_int("reduce_and", operand)
    if dt == np.bool_:
        return reduce_min(operand, tuple(axes))
    return _tree_reduce(ew.bitwise_and, operand, axes)


def reduce_or(operand, axes):
    """Logical (booleans) or bitwise (integers) OR over ``axes``."""
    dt = _bool_or_int("reduce_or", operand)
    if dt == np.bool_:
        return reduce_max(operand, tuple(axes))
    return _tree_reduce(ew.bitwise_or, operand, axes)


def reduce_xor(operand, axes):
    """Logical (booleans) or bitwise (integers) XOR over ``axes``."""
    _bool_or_int("reduce_xor", operand)
    return _tree_reduce(ew.bitwise_xor, operand, axes)


def _tree_reduce(combine, x, axes):
    """Reduce ``axes`` with an associative ``combine`` by halving (log2(n) rounds)."""
    for ax in sorted((int(a) for a in axes), reverse=True):
        s = list(shape_of(x))
        if s[ax] == 0:
            raise ValueError("reductions of empty axes need an identity: use a non-empty operand")
        while s[ax] > 1:
            half = s[ax] // 2
            lo, hi = [0] * len(s), list(s)
            hi[ax] = half
            a = _slice(x, lo, hi)
            lo2 = [0] * len(s)
            lo2[ax] = half
            hi2 = list(s)
            hi2[ax] = 2 * half
            b = _slice(x, lo2, hi2)
            c = combine(a, b)
            if s[ax] % 2:
                lo3 = [0] * len(s)
                lo3[ax] = 2 * half
                c = concatenate([c, _slice(x, lo3, list(s))], ax)
            x = c
            s = list(shape_of(x))
        x = reshape(x, tuple(d for i, d in enumerate(s) if i != ax))
    return x


def population_count(x):
    """The number of 1 bits of each (two's complement) integer, in ``x``'s dtype."""
    dt = _bool_or_int("population_count", x)
    if dt == np.bool_:
        raise TypeError("population_count requires an integer operand")
    unsigned = np.dtype(f"uint{dt.itemsize * 8}")
    return ew.convert_element_type(sp.bitwise_count(ew.convert_element_type(x, unsigned)), dt)


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
    """Merge the dims ``[start, stop)`` into one."""
    s = tuple(shape_of(operand))
    stop = len(s) if stop_dimension is None else int(stop_dimension)
    start = int(start_dimension)
    merged = int(np.prod(s[start:stop], dtype=np.int64))
    return reshape(operand, s[:start] + (merged,) + s[stop:])


def split(operand, sizes, axis: int = 0):
    """Pieces of ``operand`` of the given ``sizes`` along ``axis`` (they must add up)."""
    s = list(shape_of(operand))
    if sum(sizes) != s[axis]:
        raise ValueError(f"split: sizes {tuple(sizes)} do not add up to {s[axis]} (axis {axis})")
    out, start = [], 0
    for n in sizes:
        lo, hi = [0] * len(s), list(s)
        lo[axis], hi[axis] = start, start + int(n)
        out.append(_slice(operand, lo, hi))
        start += int(n)
    return out


def dynamic_update_index_in_dim(operand, update, index, axis: int, *, allow_negative_indices=True):
    """``operand`` with the slice at ``index`` along ``axis`` replaced by ``update`` (which may
    lack that axis)."""
    s = shape_of(operand)
    u = update
    if len(shape_of(u)) == len(s) - 1:
        us = tuple(shape_of(u))
        u = reshape(u, us[:axis] + (1,) + us[axis:])
    starts = [np.array(0, np.int64)] * len(s)
    starts[axis] = index
    return dynamic_update_slice(operand, u, starts)
