"""Products: matmul (``@``), dot, vdot, inner, outer, tensordot (einsum lives in ``_einsum``).

All lower to ``dot_general`` when traced; operands are promoted to their common dtype first.

>>> import funcgrad.numpy as jnp
>>> a, b = jnp.ones((2, 3, 4)), jnp.ones((4, 5))
>>> (a @ b).shape, jnp.tensordot(a, jnp.ones((3, 4)), 2).shape
((2, 3, 5), (2,))
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, _state
from ..primitives.shape import shape_of
from ._dtypes import base, broadcast_shapes_np, untraced, wrap


def _mismatch(name, a, b, detail):
    return ShapeError(f"{name}: shapes {tuple(shape_of(a))} and {tuple(shape_of(b))} are not aligned: "
                      f"{detail} (at {user_frame_info()})")


def _promote2(a, b):
    from ._dtypes import result_type, to_dtype
    dt = result_type(a, b)
    return to_dtype(a, dt), to_dtype(b, dt)


def _check_matmul(sa, sb, a, b):
    """Raise ``ShapeError`` naming both shapes and the user's line if ``a @ b`` is ill-shaped."""
    if not sa or not sb:
        raise ShapeError(f"matmul: operands must be at least 1-D, got shapes {tuple(sa)} and {tuple(sb)} "
                         f"(at {user_frame_info()})")
    ka, kb = sa[-1], (sb[-2] if len(sb) > 1 else sb[0])
    if ka != kb:
        raise _mismatch("matmul", a, b, f"{ka} (dim {len(sa) - 1}) != {kb} (dim {max(len(sb) - 2, 0)})")
    if len(sa) > 2 or len(sb) > 2:
        try:
            np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))
        except ValueError:
            raise _mismatch("matmul", a, b, f"batch dimensions {tuple(sa[:-2])} and {tuple(sb[:-2])} "
                            "do not broadcast") from None


def matmul(a, b, /):
    """NumPy's ``matmul`` (``a @ b``): batch dims broadcast, 1-D operands promoted and squeezed."""
    if _state.trace is EVAL or untraced(a, b):
        try:
            return wrap(np.matmul(base(a), base(b)))
        except ValueError:
            _check_matmul(shape_of(a), shape_of(b), a, b)
            raise
    sa, sb = shape_of(a), shape_of(b)
    _check_matmul(sa, sb, a, b)
    a, b = _promote2(a, b)
    if len(sa) == 1 and len(sb) == 1:
        return lax.dot_general(a, b, (((0,), (0,)), ((), ())))
    if len(sb) == 1:
        return lax.dot_general(a, b, (((len(sa) - 1,), (0,)), ((), ())))
    if len(sa) == 1:
        r = lax.dot_general(a, b, (((0,), (len(sb) - 2,)), ((), ())))   # (batch..., n)
        return r
    if len(sa) == 2 and len(sb) == 2:
        return lax.dot_general(a, b, (((1,), (0,)), ((), ())))
    batch = broadcast_shapes_np(sa[:-2], sb[:-2], op="matmul")
    nb = len(batch)
    from ._shape import broadcast_to
    if len(sa) == 2:
        # (m,k) @ (..., k, n): contract without broadcasting a, then move m after the batch dims
        r = lax.dot_general(a, b, (((1,), (len(sb) - 2,)), ((), ())))     # (m, batch..., n)
        perm = tuple(range(1, 1 + len(sb) - 2)) + (0, len(sb) - 1)
        r = lax.transpose(r, perm)
        return broadcast_to(r, batch + (sa[0], sb[-1])) if tuple(sb[:-2]) != batch else r
    if len(sb) == 2 and tuple(sa[:-2]) == batch:
        return lax.dot_general(a, b, (((len(sa) - 1,), (0,)), ((), ())))
    a = broadcast_to(a, batch + tuple(sa[-2:]))
    b = broadcast_to(b, batch + tuple(sb[-2:]))
    bd = tuple(range(nb))
    return lax.dot_general(a, b, (((nb + 1,), (nb,)), (bd, bd)))


def dot(a, b, /):
    """NumPy's ``dot``: scalars multiply; otherwise contract the last axis of ``a`` with the
    second-to-last (or only) axis of ``b``.

    >>> import funcgrad.numpy as jnp
    >>> jnp.dot(jnp.arange(3.0), jnp.arange(3.0))
    Array(5., dtype=float64)
    """
    if _state.trace is EVAL or untraced(a, b):
        try:
            return wrap(np.dot(base(a), base(b)))
        except ValueError as e:
            raise _mismatch("dot", a, b, str(e)) from None
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        from ._ufuncs import multiply
        return multiply(a, b)
    a, b = _promote2(a, b)
    cb = len(sb) - 2 if len(sb) > 1 else 0
    if sa[-1] != sb[cb]:
        raise _mismatch("dot", a, b, f"{sa[-1]} (dim {len(sa) - 1}) != {sb[cb]} (dim {cb})")
    return lax.dot_general(a, b, (((len(sa) - 1,), (cb,)), ((), ())))


def vdot(a, b, /):
    """Dot product of the flattened arrays."""
    if _state.trace is EVAL or untraced(a, b):
        return wrap(np.vdot(base(a), base(b)))
    from ._shape import ravel
    return dot(ravel(a), ravel(b))


def inner(a, b, /):
    """Contract the last axes of ``a`` and ``b``."""
    if _state.trace is EVAL or untraced(a, b):
        return wrap(np.inner(base(a), base(b)))
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        from ._ufuncs import multiply
        return multiply(a, b)
    a, b = _promote2(a, b)
    if sa[-1] != sb[-1]:
        raise _mismatch("inner", a, b, f"last dims {sa[-1]} != {sb[-1]}")
    return lax.dot_general(a, b, (((len(sa) - 1,), (len(sb) - 1,)), ((), ())))


def outer(a, b, /):
    """Outer product of the flattened arrays."""
    from ._shape import ravel
    if _state.trace is EVAL or untraced(a, b):
        return wrap(np.outer(base(a), base(b)))
    a, b = _promote2(ravel(a), ravel(b))
    return lax.dot_general(a, b, (((), ()), ((), ())))


def tensordot(a, b, axes=2):
    """Contract the last ``axes`` axes of ``a`` with the first of ``b`` (or the given axis lists)."""
    if _state.trace is EVAL or untraced(a, b):
        return wrap(np.tensordot(base(a), base(b), axes))
    sa, sb = shape_of(a), shape_of(b)
    if isinstance(axes, int):
        ca = tuple(range(len(sa) - axes, len(sa)))
        cb = tuple(range(axes))
    else:
        ca, cb = axes
        ca = (ca,) if isinstance(ca, int) else tuple(ca)
        cb = (cb,) if isinstance(cb, int) else tuple(cb)
        ca = tuple(c % len(sa) for c in ca)
        cb = tuple(c % len(sb) for c in cb)
    for x, y in zip(ca, cb):
        if sa[x] != sb[y]:
            raise _mismatch("tensordot", a, b, f"dim {x} ({sa[x]}) != dim {y} ({sb[y]})")
    a, b = _promote2(a, b)
    return lax.dot_general(a, b, ((ca, cb), ((), ())))
