"""Shape manipulation: reshape, transpose, swapaxes, moveaxis, squeeze, expand_dims,
broadcast_to, concatenate, stack, ravel, and friends.

>>> import funcgrad.numpy as jnp
>>> x = jnp.arange(6).reshape(2, 3)
>>> jnp.concatenate([x, x], axis=-1).shape, jnp.stack([x, x], axis=1).shape
((2, 6), (2, 2, 3))
>>> jnp.expand_dims(x, (0, -1)).shape
(1, 2, 3, 1)
"""
from __future__ import annotations

import numpy as np

from .. import lax
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from ._dtypes import base, broadcast_shapes_np, is_weak, result_type, to_dtype, untraced, wrap
from ._reductions import normalize_axes


def _norm_axis(axis, ndim, name):
    return normalize_axes(int(axis), ndim, name)[0]


def reshape(a, shape=None, order="C", *, newshape=None):
    """NumPy's ``reshape`` (one ``-1`` allowed). ``order="F"`` reads and writes the elements
    in column-major order: the reversed-axes array reshaped to the reversed shape, reversed back
    (``"A"`` is ``"C"``: funcgrad's arrays are C-contiguous).

    >>> import funcgrad.numpy as jnp
    >>> jnp.reshape(jnp.arange(6).reshape(2, 3), -1, order="F")
    Array([0, 3, 1, 4, 2, 5], dtype=int64)
    """
    shape = newshape if shape is None else shape
    if order not in ("C", "F", "A"):
        raise ValueError(f"reshape: order must be one of 'C', 'F', 'A', got {order!r}")
    if _state.trace is EVAL or not isinstance(a, Tracer):
        try:
            return wrap(np.reshape(base(a), shape, order="F" if order == "F" else "C"))
        except ValueError as e:
            raise ShapeError(f"reshape: {e} (at {user_frame_info()})") from None
    if order == "F":
        dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        return transpose(reshape(transpose(a), dims[::-1]))
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    src = shape_of(a)
    size = int(np.prod(src, dtype=np.int64))
    if shape.count(-1) > 1:
        raise ShapeError("reshape: can only specify one unknown dimension (-1)")
    if -1 in shape:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ShapeError(f"reshape: cannot reshape array of shape {src} into shape {shape} "
                             f"(at {user_frame_info()})")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
        raise ShapeError(f"reshape: cannot reshape array of shape {src} (size {size}) into shape "
                         f"{shape} (at {user_frame_info()})")
    return lax.reshape(a, shape)


def ravel(a, order="C"):
    """The flattened array (``order="F"``: column-major)."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap(np.ravel(base(a), order))
    return reshape(a, (-1,), "C" if order in ("A", "K") else order)


def transpose(a, axes=None):
    """Permute the axes (reverse them when ``axes`` is None); negative axes allowed."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        try:
            return wrap(np.transpose(base(a), axes))
        except ValueError as e:
            raise ShapeError(f"transpose: {e}; shape {np.shape(a)} (at {user_frame_info()})") from None
    nd = len(shape_of(a))
    if axes is None:
        perm = tuple(reversed(range(nd)))
    else:
        axes = tuple(axes)
        if len(axes) != nd or any(not -nd <= int(x) < nd for x in axes):
            raise ShapeError(f"transpose: axes {axes} do not match an array of dimension {nd} "
                             f"(at {user_frame_info()})")
        perm = tuple(int(x) % nd for x in axes)
    if sorted(perm) != list(range(nd)):
        raise ShapeError(f"transpose: repeated axis in {axes} (at {user_frame_info()})")
    return lax.transpose(a, perm)


def matrix_transpose(x, /):
    """Swap the last two axes (``x.mT``); ``x`` must be at least 2-D."""
    nd = len(shape_of(x))
    if nd < 2:
        raise ValueError(f"matrix_transpose: x must be at least two-dimensional, got shape {shape_of(x)}")
    return swapaxes(x, nd - 1, nd - 2)


def swapaxes(a, axis1, axis2):
    """Interchange two axes."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap(np.swapaxes(base(a), axis1, axis2))
    nd = len(shape_of(a))
    i, j = _norm_axis(axis1, nd, "swapaxes"), _norm_axis(axis2, nd, "swapaxes")
    perm = list(range(nd))
    perm[i], perm[j] = perm[j], perm[i]
    return lax.transpose(a, tuple(perm))


def moveaxis(a, source, destination):
    """Move axes to new positions; the other axes keep their order."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap(np.moveaxis(base(a), source, destination))
    nd = len(shape_of(a))
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: `source` and `destination` arguments must have the same number "
                         "of elements")
    normalize_axes(src, nd, "moveaxis")            # range and repeated-axis checks
    normalize_axes(dst, nd, "moveaxis")
    src = [int(x) % nd for x in src]
    dst = [int(x) % nd for x in dst]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return lax.transpose(a, tuple(order))


def squeeze(a, axis=None):
    """Remove size-1 axes (all of them, or those in ``axis``, which must have size 1)."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        try:
            return wrap(np.squeeze(base(a), axis))
        except ValueError as e:
            raise ShapeError(f"squeeze: {e} (shape {np.shape(a)}, at {user_frame_info()})") from None
    s = shape_of(a)
    if axis is None:
        dims = tuple(i for i, d in enumerate(s) if d == 1)
    else:
        dims = normalize_axes(axis, len(s), "squeeze")
        for d in dims:
            if s[d] != 1:
                raise ShapeError(f"squeeze: cannot select an axis to squeeze out which has size not "
                                 f"equal to one: axis {d} of shape {s} (at {user_frame_info()})")
    return lax.squeeze(a, dims)


def expand_dims(a, axis):
    """Insert size-1 axes at the positions ``axis`` (of the result)."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap(np.expand_dims(base(a), axis))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    nd = len(shape_of(a)) + len(axes)
    return lax.expand_dims(a, normalize_axes(axes, nd, "expand_dims"))


def broadcast_to(a, shape):
    """Broadcast ``a`` to ``shape`` with NumPy's rules."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if _state.trace is EVAL or not isinstance(a, Tracer):
        try:
            return wrap(np.broadcast_to(base(a), shape))
        except ValueError:
            raise ShapeError(f"broadcast_to: cannot broadcast shape {np.shape(a)} to {shape} "
                             f"(at {user_frame_info()})") from None
    s = shape_of(a)
    if broadcast_shapes_np(s, shape, op="broadcast_to") != shape:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {s} to {shape} (at {user_frame_info()})")
    if not isinstance(a, Tracer):
        a = np.asarray(a)
    return lax.broadcast_in_dim(a, shape, tuple(range(len(shape) - len(s), len(shape))))


def broadcast_arrays(*args):
    """Broadcast all arguments to their common shape (a list)."""
    shape = broadcast_shapes_np(*[shape_of(a) for a in args], op="broadcast_arrays")
    return [broadcast_to(a, shape) for a in args]


def broadcast_shapes(*shapes):
    """The shape the given shapes broadcast to."""
    return broadcast_shapes_np(*shapes)


def atleast_1d(*arys):
    """View inputs as arrays with at least one dimension."""
    if _state.trace is EVAL or untraced(*arys):
        res = [wrap(np.atleast_1d(base(a))) for a in arys]
        return res[0] if len(res) == 1 else res
    res = [a if len(shape_of(a)) >= 1 else reshape(a, (1,)) for a in arys]
    return res[0] if len(res) == 1 else res


def atleast_2d(*arys):
    """View inputs as arrays with at least two dimensions."""
    if _state.trace is EVAL or untraced(*arys):
        res = [wrap(np.atleast_2d(base(a))) for a in arys]
        return res[0] if len(res) == 1 else res
    res = []
    for a in arys:
        s = shape_of(a)
        res.append(a if len(s) >= 2 else reshape(a, (1,) * (2 - len(s)) + tuple(s)))
    return res[0] if len(res) == 1 else res


def atleast_3d(*arys):
    """View inputs as arrays with at least three dimensions."""
    if _state.trace is EVAL or untraced(*arys):
        res = [wrap(np.atleast_3d(base(a))) for a in arys]
        return res[0] if len(res) == 1 else res
    res = []
    for a in arys:
        s = shape_of(a)
        if len(s) == 0:
            a = reshape(a, (1, 1, 1))
        elif len(s) == 1:
            a = reshape(a, (1, s[0], 1))
        elif len(s) == 2:
            a = reshape(a, s + (1,))
        res.append(a)
    return res[0] if len(res) == 1 else res


def concatenate(arrays, axis=0, dtype=None):
    """Join arrays along an existing axis (``axis=None`` flattens them first)."""
    if not isinstance(arrays, (list, tuple)):
        arrays = list(arrays)
    if _state.trace is EVAL or untraced(*arrays):
        try:
            return wrap(np.concatenate([base(x) for x in arrays], axis, dtype=dtype))
        except ValueError as e:
            raise ShapeError(f"concatenate: {e}; shapes {[np.shape(x) for x in arrays]} "
                             f"(at {user_frame_info()})") from None
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        arrays = [ravel(x) for x in arrays]
        axis = 0
    dt = np.dtype(dtype) if dtype is not None else result_type(*arrays)
    shapes = [shape_of(x) for x in arrays]
    nd = len(shapes[0])
    if nd == 0:
        raise ShapeError("zero-dimensional arrays cannot be concatenated")
    ax = _norm_axis(axis, nd, "concatenate")
    for s in shapes:
        if len(s) != nd or any(a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != ax):
            raise ShapeError(f"concatenate: all input array dimensions except for the concatenation "
                             f"axis must match exactly; got shapes {shapes} (at {user_frame_info()})")
    weak = all(is_weak(x) for x in arrays)
    return lax.concatenate([_as_operand(to_dtype(x, dt, weak)) for x in arrays], ax)


def _as_operand(x):
    return x if isinstance(x, Tracer) else np.asarray(x)


concat = concatenate


def stack(arrays, axis=0, dtype=None):
    """Join arrays of equal shape along a new axis."""
    if not isinstance(arrays, (list, tuple)):
        arrays = list(arrays)
    if _state.trace is EVAL or untraced(*arrays):
        try:
            return wrap(np.stack([base(x) for x in arrays], axis, dtype=dtype))
        except ValueError as e:
            raise ShapeError(f"stack: {e}; shapes {[np.shape(x) for x in arrays]} "
                             f"(at {user_frame_info()})") from None
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {tuple(shape_of(x)) for x in arrays}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all input arrays must have the same shape, got {sorted(shapes)} "
                         f"(at {user_frame_info()})")
    nd = len(shapes.pop()) + 1
    ax = _norm_axis(axis, nd, "stack")
    return concatenate([expand_dims(x, ax) for x in arrays], ax, dtype)


def vstack(tup):
    """Stack arrays row-wise (along axis 0, 1-D arrays as rows)."""
    if _state.trace is EVAL or untraced(*tup):
        return wrap(np.vstack([base(x) for x in tup]))
    return concatenate(atleast_2d(*tup) if len(tup) > 1 else [atleast_2d(*tup)], 0)


def hstack(tup):
    """Stack arrays column-wise (along axis 1; axis 0 for 1-D arrays)."""
    if _state.trace is EVAL or untraced(*tup):
        return wrap(np.hstack([base(x) for x in tup]))
    arrs = atleast_1d(*tup) if len(tup) > 1 else [atleast_1d(*tup)]
    return concatenate(arrs, 0 if len(shape_of(arrs[0])) == 1 else 1)


def dstack(tup):
    """Stack arrays along the third axis."""
    if _state.trace is EVAL or untraced(*tup):
        return wrap(np.dstack([base(x) for x in tup]))
    arrs = atleast_3d(*tup) if len(tup) > 1 else [atleast_3d(*tup)]
    return concatenate(arrs, 2)


def column_stack(tup):
    """Stack 1-D arrays as columns of a 2-D array."""
    if _state.trace is EVAL or untraced(*tup):
        return wrap(np.column_stack([base(x) for x in tup]))
    arrs = [reshape(a, (-1, 1)) if len(shape_of(a)) < 2 else a for a in tup]
    return concatenate(arrs, 1)


def split(ary, indices_or_sections, axis=0):
    """Split into equal sections, or at the given indices, along ``axis`` (a list)."""
    if _state.trace is EVAL or not isinstance(ary, Tracer):
        return [wrap(r) for r in np.split(base(ary), indices_or_sections, axis)]
    s = shape_of(ary)
    ax = _norm_axis(axis, len(s), "split")
    n = s[ax]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if n % k:
            raise ValueError("array split does not result in an equal division")
        cuts = [i * (n // k) for i in range(1, k)]
    else:
        cuts = [int(c) for c in indices_or_sections]
    bounds = [0] + [min(max(c, 0), n) for c in cuts] + [n]
    return [lax.slice_in_dim(ary, bounds[i], max(bounds[i], bounds[i + 1]), 1, ax)
            for i in range(len(bounds) - 1)]


def array_split(ary, indices_or_sections, axis=0):
    """``split`` allowing sections of unequal size."""
    if _state.trace is EVAL or not isinstance(ary, Tracer):
        return [wrap(r) for r in np.array_split(base(ary), indices_or_sections, axis)]
    if isinstance(indices_or_sections, (int, np.integer)):
        n = shape_of(ary)[axis]
        k = int(indices_or_sections)
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        cuts = list(np.cumsum(sizes)[:-1])
        return split(ary, cuts, axis)
    return split(ary, indices_or_sections, axis)


def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes if None)."""
    if _state.trace is EVAL or not isinstance(m, Tracer):
        return wrap(np.flip(base(m), axis))
    s = shape_of(m)
    axes = normalize_axes(axis, len(s), "flip")
    idx = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(len(s)))
    from ._indexing import getitem
    return getitem(m, idx)


def fliplr(m):
    """Reverse along axis 1."""
    return flip(m, 1)


def flipud(m):
    """Reverse along axis 0."""
    return flip(m, 0)


def tile(A, reps):
    """Repeat the whole array ``reps`` times along each axis."""
    if _state.trace is EVAL or not isinstance(A, Tracer):
        return wrap(np.tile(base(A), reps))
    reps = (reps,) if isinstance(reps, (int, np.integer)) else tuple(reps)
    s = shape_of(A)
    nd = max(len(s), len(reps))
    A = reshape(A, (1,) * (nd - len(s)) + tuple(s)) if len(s) < nd else A
    reps = (1,) * (nd - len(reps)) + reps
    s = shape_of(A)
    # broadcast to (r0, s0, r1, s1, ...) then merge pairs
    inter = []
    dims = []
    for i, (r, d) in enumerate(zip(reps, s)):
        inter += [r, d]
        dims.append(2 * i + 1)
    b = lax.broadcast_in_dim(A if isinstance(A, Tracer) else np.asarray(A), tuple(inter), tuple(dims))
    return reshape(b, tuple(r * d for r, d in zip(reps, s)))


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
    """Repeat each element ``repeats`` times along ``axis`` (of the flattened array if None).
    Per-element counts must be concrete under a transform, unless ``total_repeat_length`` (the
    static output length) is given; then the result is cut or filled up with the last element
    of ``a``, as in JAX."""
    if _state.trace is EVAL or untraced(a, repeats):
        if total_repeat_length is None:
            return wrap(np.repeat(base(a), base(repeats), axis))
        b = np.ravel(base(a)) if axis is None else np.asarray(base(a))
        ax = 0 if axis is None else axis
        n = b.shape[ax]
        ends = np.cumsum(np.broadcast_to(np.asarray(base(repeats)), (n,)))
        idx = np.minimum(np.searchsorted(ends, np.arange(total_repeat_length), side="right"), n - 1)
        return wrap(np.take(b, idx, axis=ax))
    if axis is None:
        a = ravel(a)
        axis = 0
    s = shape_of(a)
    ax = _norm_axis(axis, len(s), "repeat")
    if isinstance(repeats, (int, np.integer)) and total_repeat_length is None:
        b = expand_dims(a, ax + 1)
        b = broadcast_to(b, s[:ax + 1] + (int(repeats),) + s[ax + 1:])
        return reshape(b, s[:ax] + (s[ax] * int(repeats),) + s[ax + 1:])
    from ._advanced_indexing import take
    counts = repeats.concrete_value() if isinstance(repeats, Tracer) else base(repeats)
    if counts is not None and total_repeat_length is None:
        idx = np.repeat(np.arange(s[ax]), np.broadcast_to(np.asarray(counts), (s[ax],)))
        return take(a, idx, axis=ax, mode="clip")
    if total_repeat_length is None:
        raise NotImplementedError("repeat with traced per-element counts needs total_repeat_length "
                                  f"(the static output length) (at {user_frame_info()})")
    from ._cumulative import cumsum
    from ._sorting import searchsorted
    ends = cumsum(broadcast_to(repeats, (s[ax],)))
    idx = searchsorted(ends, np.arange(int(total_repeat_length)), side="right")
    return take(a, idx, axis=ax, mode="clip")


def roll(a, shift, axis=None):
    """Roll elements along ``axis`` (of the flattened array if None) by ``shift``."""
    if _state.trace is EVAL or not isinstance(a, Tracer):
        return wrap(np.roll(base(a), shift, axis))
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    shifts = (shift,) if isinstance(shift, (int, np.integer)) else tuple(shift)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError("roll: 'shift' and 'axis' should be scalars or 1D sequences of the same length")
    for sh, ax in zip(shifts, axes):
        ax = _norm_axis(ax, len(shape_of(a)), "roll")
        n = shape_of(a)[ax]
        if n == 0:
            continue
        k = int(sh) % n
        if k:
            parts = split(a, [n - k], ax)
            a = concatenate([parts[1], parts[0]], ax)
    return a


def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``."""
    if _state.trace is EVAL or not isinstance(m, Tracer):
        return wrap(np.rot90(base(m), k, axes))
    k %= 4
    a0, a1 = axes
    for _ in range(k):
        m = swapaxes(flip(m, a1), a0, a1)
    return m


def shape(a):
    """The shape of ``a`` (a tuple)."""
    return tuple(shape_of(a))


def ndim(a):
    """The number of dimensions of ``a``."""
    return len(shape_of(a))


def size(a, axis=None):
    """The number of elements of ``a`` (along ``axis`` if given)."""
    s = shape_of(a)
    return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]
