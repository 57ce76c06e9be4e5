"""``lax`` sorting and cumulative operations: ``sort``, ``sort_key_val``, ``top_k``, ``cumsum``,
``cumprod``, ``cummax``, ``cummin``, ``cumlogsumexp``, ``associative_scan``.

``cumsum`` is a primitive; the other running reductions are ``associative_scan`` composites
(log2(n) rounds of slice + combine + concatenate), so their derivatives are exact (zeros in a
``cumprod`` need no division) and they trace, batch and compile like any other program.

>>> import numpy as np
>>> print(cumprod(np.array([1.0, 2.0, 0.0, 4.0])))
[1. 2. 0. 0.]
>>> print(associative_scan(lambda a, b: a + b, np.arange(5.0)))
[ 0.  1.  3.  6. 10.]
>>> values, indices = top_k(np.array([1.0, 4.0, 3.0]), 2)
>>> print(values, indices)
[4. 3.] [1 2]
"""
from __future__ import annotations

import numpy as np

from ..core.tree_util import tree_flatten, tree_unflatten
from ..primitives import elementwise as ew
from ..primitives.shape import concatenate, rev, shape_of, slice as _slice
from ..primitives.sorting import argsort as _argsort, cumsum as _cumsum, sort as _sort, take_along


def _axis(x, axis):
    nd = len(shape_of(x))
    if not -nd <= axis < nd:
        raise ValueError(f"axis {axis} is out of bounds for an array of dimension {nd}")
    return axis % nd


def _slice_axis(x, start, stop, axis):
    s = shape_of(x)
    lo = [0] * len(s)
    hi = list(s)
    lo[axis], hi[axis] = start, stop
    return _slice(x, lo, hi)


def associative_scan(fn, elems, reverse: bool = False, axis: int = 0):
    """``lax.associative_scan``: all prefix combinations ``fn(...fn(fn(e0, e1), e2)..., ek)``
    along ``axis`` of every leaf of ``elems`` (``fn(a, b)`` takes the earlier elements first and
    must be associative). Hillis-Steele: ceil(log2(n)) rounds of ``fn`` on slices.

    >>> print(associative_scan(ew.max, np.array([1, 3, 2, 5]), reverse=True))
    [5 5 5 5]
    """
    leaves, tree = tree_flatten(elems)
    leaves = [x if hasattr(x, "aval") or isinstance(x, np.ndarray) else np.asarray(x) for x in leaves]
    if not leaves:
        return elems
    axis = _axis(leaves[0], axis)
    n = shape_of(leaves[0])[axis]
    if any(shape_of(x)[axis] != n for x in leaves):
        raise ValueError("associative_scan: every leaf needs the same length along axis "
                         f"{axis}, got {[tuple(shape_of(x)) for x in leaves]}")
    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]
    k = 1
    while k < n:
        earlier = tree_unflatten(tree, [_slice_axis(x, 0, n - k, axis) for x in leaves])
        later = tree_unflatten(tree, [_slice_axis(x, k, n, axis) for x in leaves])
        combined, _ = tree_flatten(fn(earlier, later))
        leaves = [concatenate([_slice_axis(x, 0, k, axis), c], axis) for x, c in zip(leaves, combined)]
        k *= 2
    if reverse:
        leaves = [rev(x, (axis,)) for x in leaves]
    return tree_unflatten(tree, leaves)


def cumsum(operand, axis: int = 0, reverse: bool = False):
    """Running sum along ``axis`` (a primitive; its VJP is the reverse running sum)."""
    return _cumsum(operand, _axis(operand, axis), reverse)


def cumprod(operand, axis: int = 0, reverse: bool = False):
    """Running product along ``axis`` (exact derivatives with zeros)."""
    return associative_scan(ew.mul, operand, reverse, axis)


def cummax(operand, axis: int = 0, reverse: bool = False):
    """Running maximum along ``axis``."""
    return associative_scan(ew.max, operand, reverse, axis)


def cummin(operand, axis: int = 0, reverse: bool = False):
    """Running minimum along ``axis``."""
    return associative_scan(ew.min, operand, reverse, axis)


def _logaddexp(a, b):
    m = ew.stop_gradient(ew.max(a, b))
    m = ew.select(ew.is_finite(m), m, ew.const(m, 0))
    return ew.add(m, ew.log(ew.add(ew.exp(ew.sub(a, m)), ew.exp(ew.sub(b, m)))))


def cumlogsumexp(operand, axis: int = 0, reverse: bool = False):
    """Running ``log(sum(exp(x)))`` along ``axis``, computed stably."""
    return associative_scan(_logaddexp, operand, reverse, axis)


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
    """``lax.sort``: sort ``operand`` (an array, or a sequence of arrays of one shape sorted by
    the first ``num_keys`` of them, lexicographically) along ``dimension``; always stable."""
    if isinstance(operand, (tuple, list)):
        ops = list(operand)
        d = _axis(ops[0], dimension)
        perm = None
        for key in reversed(ops[:num_keys]):     # least significant key first, stable passes
            k = key if perm is None else take_along(key, perm, d)
            p = _argsort(k, d)
            perm = p if perm is None else take_along(perm, p, d)
        return type(operand)(take_along(x, perm, d) for x in ops)
    return _sort(operand, _axis(operand, dimension))


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
    """Sort ``keys`` along ``dimension`` and carry ``values`` along."""
    return tuple(sort((keys, values), dimension, is_stable, 1))


def top_k(operand, k: int):
    """The ``k`` largest entries along the last axis and their indices (ties: lower index first)."""
    d = len(shape_of(operand)) - 1
    n = shape_of(operand)[d]
    k = int(k)
    if not 0 <= k <= n:
        raise ValueError(f"top_k: k={k} must be in [0, {n}] for an operand of shape {shape_of(operand)}")
    # stable descending order: sort the reversed operand ascending by its negation's order
    flipped = rev(operand, (d,))
    perm_flipped = _argsort(flipped, d)
    perm = ew.sub(np.array(n - 1, np.int64), rev(perm_flipped, (d,)))
    idx = _slice_axis(perm, 0, k, d)
    return take_along(operand, idx, d), ew.convert_element_type(idx, np.int32)
