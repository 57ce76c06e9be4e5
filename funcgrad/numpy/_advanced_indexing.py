"""NumPy advanced indexing with JAX's semantics, ``x.at[...]`` updates, ``take``, ``take_along_axis``.

``x[idx]`` with integer arrays, lists, traced integers or boolean masks follows NumPy's rules
(including where the broadcast index dimensions go) and JAX's out-of-bounds behaviour:
gathers clamp an index into range, scatters (``x.at[idx].set/add/...``) drop out-of-bounds
updates; a negative index counts from the end first. Under a transform:

- traced scalar integer indices (``x[i]``, ``x[i, 2:]``) become ``dynamic_slice``;
- integer arrays become one ``gather``; slices are applied first with ``slice``/``rev``;
- ``x.at[idx].op(y)`` becomes one scatter primitive; slices become index arrays;
- a boolean mask must be concrete (its result shape depends on its values): a traced mask
  raises ``NonConcreteBooleanIndexError``.

>>> import funcgrad.numpy as jnp
>>> x = jnp.arange(6.0).reshape(2, 3)
>>> print(x[jnp.array([1, 0, 5])])          # row 5 is out of bounds: clamped to the last row
[[3. 4. 5.]
 [0. 1. 2.]
 [3. 4. 5.]]
>>> print(x.at[0, jnp.array([0, 2])].add(10.0))
[[10.  1. 12.]
 [ 3.  4.  5.]]
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from .. import lax
from ..core.errors import NonConcreteBooleanIndexError, ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import Tracer, is_eager
from ..primitives import indexing as ix
from ._dtypes import base, broadcast_shapes_np, dtype_of, to_dtype, wrap


def _shape(x):
    """Shape of a value or tracer (cheaper than ``shape_of`` on concrete arrays)."""
    return x.aval.shape if isinstance(x, Tracer) else np.shape(x)


_VALID = ("only integers, slices (`:`), ellipsis (`...`), None (`newaxis`) and integer or boolean "
          "arrays are valid indices")


# --------------------------------------------------------------------------- parsing

def _is_int_dtype(dt) -> bool:
    return dt.kind in "iu"


def _component(i):
    """Classify one index component as ``(kind, value)``; kind is none/ellipsis/slice/adv/bool."""
    if isinstance(i, np.ndarray):       # the common advanced case first (Array included)
        kind = i.dtype.kind
        if kind in "iu":
            return "adv", i.view(np.ndarray) if type(i) is not np.ndarray else i
        if kind == "b":
            return "bool", np.asarray(i)
        raise IndexError(f"{_VALID}; got {i.dtype} (at {user_frame_info()})")
    if i is None:
        return "none", None
    if i is Ellipsis:
        return "ellipsis", None
    if isinstance(i, slice):
        return "slice", i
    if isinstance(i, (bool, np.bool_)):
        return "bool", np.asarray(i)
    if isinstance(i, (int, np.integer)):
        return "adv", int(i)
    if isinstance(i, Tracer):
        dt = i.aval.dtype
        if dt == np.bool_:
            v = i.concrete_value()
            if v is None:
                raise NonConcreteBooleanIndexError(
                    f"Array boolean indices must be concrete; got a traced {i.aval} mask at "
                    f"{user_frame_info()}. The result's shape would depend on the mask's values, "
                    "which are unknown while tracing (jit/vmap/make_jaxpr). Use "
                    "`jnp.where(mask, x, fill)` to keep the shape, or a function with a static "
                    "`size=` argument (e.g. `jnp.nonzero(mask, size=k)`).")
            return "bool", np.asarray(v)
        if not _is_int_dtype(dt):
            raise IndexError(f"{_VALID}; got a traced {i.aval} index (at {user_frame_info()})")
        return "adv", i
    if isinstance(i, (list, tuple)):
        from ._creation import asarray
        if any(isinstance(v, Tracer) for v in _flat(i)):
            return _component(asarray(i))
        a = np.asarray(i)
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
    else:
        a = np.asarray(base(i))
    if a.dtype == np.bool_:
        return "bool", a
    if not _is_int_dtype(a.dtype):
        raise IndexError(f"{_VALID}; got {a.dtype} (at {user_frame_info()})")
    return "adv", a


def _flat(xs):
    for x in xs:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _parse(shape, idx):
    """Index entries, one per dim of the indexed array after inserting new axes:
    ``("none", None)`` a new axis; ``("slice", s)``; ``("adv", v)`` an integer index (Python int,
    array or tracer); ``("newadv", arr, b)`` a 0-d boolean ``b``: a new size-1 axis indexed by
    ``arr`` (``[0]`` or ``[]``), which is what NumPy makes of it. Boolean masks become their
    ``nonzero()`` integer arrays, as in NumPy. Ellipsis is expanded."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    comps = [_component(i) for i in idx]
    if builtins.sum(k == "ellipsis" for k, _ in comps) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = builtins.sum(1 if k in ("slice", "adv") else (v.ndim if k == "bool" else 0) for k, v in comps)
    if used > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, but "
                         f"{used} were indexed (at {user_frame_info()})")
    entries = []
    dim = 0
    for k, v in comps:
        if k == "ellipsis":
            entries.extend([("slice", slice(None))] * (len(shape) - used))
            dim += len(shape) - used
        elif k == "none":
            entries.append(("none", None))
        elif k == "bool" and v.ndim == 0:
            entries.append(("newadv", np.zeros(1 if v else 0, np.int64), bool(v)))
        elif k == "bool":
            want = tuple(shape[dim:dim + v.ndim])
            if v.shape != want:
                raise IndexError(f"boolean index did not match indexed array: the mask has shape "
                                 f"{v.shape} but the indexed dimensions {dim}.. have shape {want} "
                                 f"(at {user_frame_info()})")
            entries.extend(("adv", nz) for nz in np.nonzero(v))
            dim += v.ndim
        else:
            entries.append((k, v))
            dim += 1
    entries.extend([("slice", slice(None))] * (len(shape) - dim))
    return entries


def _expand(x, entries):
    """Insert the new axes (None / 0-d booleans) into ``x``: afterwards every entry is a
    ``slice`` or an ``adv`` index of one dim. Returns ``(x, entries, new_axis_positions)``."""
    new = [p for p, e in enumerate(entries) if e[0] in ("none", "newadv")]
    if new:
        x = lax.expand_dims(x, tuple(new))
    out = []
    for e in entries:
        if e[0] == "none":
            out.append(("slice", slice(None)))
        elif e[0] == "newadv":
            out.append(("adv", e[1]))
        else:
            out.append(e)
    return x, out, new


def _gather_mode(mode):
    if mode is None or mode in ("promise_in_bounds", "clip"):
        return "clip"
    if mode in ("fill", "drop"):
        return "fill"
    raise ValueError(f"mode must be one of 'promise_in_bounds', 'clip', 'fill', 'drop'; got {mode!r}")


def _scatter_mode(mode):
    if mode is None or mode in ("promise_in_bounds", "drop", "fill"):
        return "drop"
    if mode == "clip":
        return "clip"
    raise ValueError(f"mode must be one of 'promise_in_bounds', 'clip', 'fill', 'drop'; got {mode!r}")


def _contiguous(axes) -> bool:
    return list(axes) == list(range(axes[0], axes[0] + len(axes)))


# --------------------------------------------------------------------------- x[idx]

def advanced_getitem(x, idx, mode=None, fill_value=None):
    """``x[idx]`` for any NumPy index (advanced or not), with JAX's out-of-bounds semantics:
    ``mode=None``/``'clip'`` clamps indices, ``'fill'`` returns ``fill_value`` there.

    >>> import funcgrad.numpy as jnp
    >>> x = jnp.arange(12).reshape(3, 4)
    >>> print(advanced_getitem(x, (jnp.array([0, 2]), slice(None), None)).shape)
    (2, 4, 1)
    >>> print(advanced_getitem(x, (1, jnp.array([0, 9])), mode="fill", fill_value=-1))
    [ 4 -1]
    """
    gmode = _gather_mode(mode)
    entries = _parse(_shape(x), idx)
    if is_eager(x) and not any(isinstance(e[1], Tracer) for e in entries):
        out = _eager_getitem(x, entries, gmode == "fill", fill_value)
        if out is not None:
            return out
    shape = _shape(x)
    y, entries, _ = _expand(x, entries)
    yshape = _shape(y)
    adv = [d for d, e in enumerate(entries) if e[0] == "adv"]
    # slices first (static), keeping every dim
    from ._indexing import _basic_plan
    plain = [e[1] if e[0] == "slice" else slice(None) for e in entries]
    lo, hi, strides, revs, _, _ = _basic_plan(plain, yshape)
    y = lax.rev(lax.slice(y, lo, hi, strides), revs)
    if not adv:
        return y
    vals = [entries[d][1] for d in adv]
    ndim = len(_shape(y))
    if gmode == "clip" and all(len(_shape(v)) == 0 for v in vals):
        # scalar integer indices: a dynamic slice of size 1 along each indexed axis
        dt = next((v.aval.dtype for v in vals if isinstance(v, Tracer)), np.dtype(np.int64))
        starts = [np.zeros((), dt)] * ndim
        sizes = list(_shape(y))
        for d, v in zip(adv, vals):
            starts[d] = v if isinstance(v, Tracer) else np.asarray(v)
            sizes[d] = 1
        return lax.squeeze(ix.dynamic_slice(y, starts, sizes), adv)
    for d, v in zip(adv, vals):
        if _shape(y)[d] == 0 and np.prod(_shape(v)) and gmode == "clip":
            raise IndexError(f"index is out of bounds for axis {d} with size 0 (array shape {shape}, "
                             f"at {user_frame_info()})")
    vals = [v if isinstance(v, Tracer) else np.asarray(v) for v in vals]
    s = broadcast_shapes_np(*[_shape(v) for v in vals], op="indexing")
    out = ix.gather(y, *vals, axes=adv, mode=gmode, fill_value=fill_value)
    if not _contiguous(adv) or adv[0] == 0:
        return out
    # NumPy puts the broadcast index dims where the (adjacent) indexed dims were
    k, before = len(s), adv[0]
    rest = len(_shape(out)) - k
    perm = tuple(range(k, k + before)) + tuple(range(k)) + tuple(range(k + before, k + rest))
    return lax.transpose(out, perm)


def _eager_getitem(x, entries, fill=False, fill_value=None):
    """NumPy on a concrete array with concrete indices: indices wrapped and clamped; with
    ``fill=True`` the out-of-bounds positions are then replaced by ``fill_value``."""
    shape = _shape(x)
    np_idx, valid, adv_pos, adv_shapes = [], [], [], []
    dim = 0
    for p, e in enumerate(entries):
        if e[0] == "none":
            np_idx.append(None)
        elif e[0] == "newadv":
            np_idx.append(np.bool_(e[2]))
            adv_pos.append(p)
        elif e[0] == "slice":
            np_idx.append(e[1])
            dim += 1
        else:
            n = shape[dim]
            v = np.asarray(e[1])
            if n == 0 and v.size and not fill:
                raise IndexError(f"index is out of bounds for axis {dim} with size 0 (at {user_frame_info()})")
            if v.size and (v.min() < 0 or v.max() >= n):      # otherwise NumPy's indexing as is
                v = ix.wrap_negative(v, n)
                if fill:
                    valid.append((v >= 0) & (v < n))
                v = np.clip(v, 0, max(n - 1, 0))
            np_idx.append(v)
            adv_pos.append(p)
            adv_shapes.append(v.shape)
            dim += 1
    if fill and any(n == 0 for n in shape):
        return None
    out = base(x)[tuple(np_idx)]
    if not valid:
        return wrap(out)
    ok = np.broadcast_to(np.logical_and.reduce(np.broadcast_arrays(*valid)), np.broadcast_shapes(*adv_shapes))
    # where NumPy put the broadcast index dims: in place if adjacent, else first
    before = 0
    if adv_pos == list(range(adv_pos[0], adv_pos[0] + len(adv_pos))):
        before = builtins.sum(1 for e in entries[:adv_pos[0]] if e[0] in ("none", "slice"))
    mask = ok.reshape((1,) * before + ok.shape + (1,) * (out.ndim - before - ok.ndim))
    fv = ix.default_fill_value(out.dtype) if fill_value is None else fill_value
    return wrap(np.where(mask, out, np.array(fv).astype(out.dtype)))


# --------------------------------------------------------------------------- x.at[idx].op(y)

_SCATTERS = {"set": ix.scatter, "add": ix.scatter_add, "mul": ix.scatter_mul,
             "min": ix.scatter_min, "max": ix.scatter_max}


_UFUNCS = {"add": np.add, "mul": np.multiply, "min": np.minimum, "max": np.maximum}


def _eager_update(x, entries, values, kind, smode):
    """NumPy fast path for a concrete array and concrete indices: a copy updated in place with
    NumPy's indexing (``ufunc.at`` accumulates duplicates). Returns ``None`` where NumPy's
    semantics would differ from the scatter's (some updates dropped, duplicate indices for
    ``set``, a 0-d boolean index), so the caller takes the general path."""
    shape = np.shape(x)
    np_idx, advs = [], []
    dim = 0
    for e in entries:
        if e[0] == "none":
            np_idx.append(None)
            continue
        if e[0] == "newadv":
            return None
        if e[0] == "adv":
            n = shape[dim]
            v = np.asarray(e[1])
            lo, hi = (v.min(), v.max()) if v.size else (0, -1)
            if lo < 0:
                v = ix.wrap_negative(v, n)
                lo, hi = v.min(), v.max()
            if smode == "clip":
                if n == 0:
                    return None
                if lo < 0 or hi >= n:
                    v = np.clip(v, 0, n - 1)
            elif lo < 0 or hi >= n:
                if v.ndim == 0:       # a scalar out of bounds: every update is dropped
                    return wrap(np.array(base(x), copy=True))
                return None
            advs.append((n, v))
            v = int(v) if v.ndim == 0 else v
        else:
            v = e[1]
        np_idx.append(v)
        dim += 1
    if kind == "set" and any(v.ndim for _, v in advs):
        flat = [a.ravel() for a in np.broadcast_arrays(*[v for _, v in advs])]
        lin = np.ravel_multi_index(flat, [n for n, _ in advs])
        if np.unique(lin).size != lin.size:
            return None
    out = np.array(base(x), copy=True)
    vals = np.asarray(base(values)).astype(out.dtype, copy=False)
    idx = tuple(np_idx)
    try:
        if kind == "set":
            out[idx] = vals
        else:
            _UFUNCS[kind].at(out, idx, vals)
    except ValueError:
        return None     # the general path raises a ShapeError naming both shapes
    return wrap(out)


def scatter_update(x, idx, values, kind: str, mode=None):
    """``x`` with ``values`` combined into ``x[idx]`` (``kind``: set/add/mul/min/max), as one
    scatter primitive. Out-of-bounds updates are dropped (``mode='clip'`` clamps instead)."""
    smode = _scatter_mode(mode)
    entries = _parse(_shape(x), idx)
    if is_eager(x, values) and not any(isinstance(e[1], Tracer) for e in entries):
        out = _eager_update(x, entries, values, kind, smode)
        if out is not None:
            return out
    y, entries, new_axes = _expand(x, entries)
    yshape = _shape(y)
    values = to_dtype(values, dtype_of(x))
    adv = [d for d, e in enumerate(entries) if e[0] == "adv"]
    advv = [e[1] if isinstance(e[1], Tracer) else np.asarray(e[1]) for e in entries if e[0] == "adv"]
    s = broadcast_shapes_np(*[_shape(v) for v in advv], op="indexing") if adv else ()
    ranges = {d: range(*e[1].indices(yshape[d])) for d, e in enumerate(entries) if e[0] == "slice"}
    nonfull = [d for d, r in ranges.items() if r != range(yshape[d])]
    full = [d for d, r in ranges.items() if r == range(yshape[d])]
    # NumPy's shape of y[idx], as a list of tags: "S" for the index block, or a sliced dim
    sliced = sorted(ranges)
    if adv and _contiguous(adv):
        order = [d for d in sliced if d < adv[0]] + ["S"] + [d for d in sliced if d > adv[-1]]
    else:
        order = (["S"] if adv else []) + sliced
    view_shape = []
    for t in order:
        view_shape.extend(s if t == "S" else (len(ranges[t]),))
    values = _broadcast_values(values, tuple(view_shape), kind)
    # updates laid out as [S, non-full slice dims, full slice dims]
    pos, p = {}, 0
    for t in order:
        pos[t] = p
        p += len(s) if t == "S" else 1
    perm = (list(range(pos["S"], pos["S"] + len(s))) if adv else []) + [pos[d] for d in nonfull + full]
    values = lax.transpose(values, tuple(perm))
    if not adv and not nonfull:
        out = _whole(y, values, kind)
    else:
        ishape = tuple(s) + tuple(len(ranges[d]) for d in nonfull)
        # each index array: broadcast against the others (trailing alignment within S), then
        # constant along the non-full slice dims
        index_arrays = [lax.broadcast_in_dim(v, ishape, tuple(range(len(s) - len(_shape(v)), len(s))))
                        for v in advv]
        for j, d in enumerate(nonfull):
            r = ranges[d]
            positions = np.arange(r.start, r.stop, r.step, dtype=np.int64)
            index_arrays.append(lax.broadcast_in_dim(positions, ishape, (len(s) + j,)))
        out = _SCATTERS[kind](y, values, *index_arrays, axes=tuple(adv + nonfull), mode=smode)
    return lax.squeeze(out, tuple(new_axes)) if new_axes else out


def _broadcast_values(values, view_shape, kind):
    from ._shape import broadcast_to
    vs = _shape(values)
    extra = len(vs) - len(view_shape)
    if extra > 0 and all(d == 1 for d in vs[:extra]):     # NumPy allows leading size-1 dims
        values = lax.reshape(values, vs[extra:])
        vs = vs[extra:]
    try:
        ok = broadcast_shapes_np(vs, view_shape) == view_shape
    except ShapeError:
        ok = False
    if not ok:
        raise ShapeError(f"x.at[...].{kind}: values of shape {tuple(_shape(values))} do not broadcast "
                         f"to the indexed shape {view_shape} (at {user_frame_info()})") from None
    out = broadcast_to(values, view_shape)
    return out if isinstance(out, Tracer) else np.asarray(out)


def _whole(y, values, kind):
    """Every element is indexed exactly once (only full slices): an elementwise combine."""
    if kind == "set":
        return values if isinstance(values, Tracer) else wrap(np.array(values, copy=True))
    fn = {"add": lax.add, "mul": lax.mul, "min": lax.min, "max": lax.max}[kind]
    return fn(y, values)


def _apply(x, idx, func, mode, unique_indices):
    """``func`` applied at ``x[idx]``, once per occurrence of a position (JAX's scatter_apply)."""
    from ._creation import zeros_like
    from ._ufuncs import where
    counts = scatter_update(zeros_like(x, dtype=np.int64), idx, 1, "add", mode)
    if isinstance(counts, Tracer):
        if not unique_indices:
            raise NotImplementedError(
                f"x.at[idx].apply(func) with traced indices at {user_frame_info()}: the number of "
                "repeated applications must be known while tracing. Pass unique_indices=True if "
                "the indices are unique, or use x.at[idx].set(func(x[idx])).")
        repeats = 1
    else:
        repeats = int(np.max(counts)) if np.size(counts) else 0
    if not repeats:
        return x if isinstance(x, Tracer) else wrap(np.array(base(x), copy=True))
    dtype = dtype_of(x)
    out = x
    for k in range(repeats):
        out = where(counts > k, to_dtype(func(out), dtype), out)
    return out


# --------------------------------------------------------------------------- .at

class IndexUpdateHelper:
    """``x.at``: indexable; ``x.at[idx]`` returns an ``IndexUpdateRef``.

    >>> import funcgrad.numpy as jnp
    >>> x = jnp.arange(5.0)
    >>> print(x.at[10].add(1.0), x.at[10].add(1.0, mode="clip"))
    [0. 1. 2. 3. 4.] [0. 1. 2. 3. 5.]
    >>> print(x.at[10].get(mode="fill", fill_value=-1.0))
    -1.0
    """

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index) -> "IndexUpdateRef":
        return IndexUpdateRef(self.array, index)

    def __repr__(self):
        return f"IndexUpdateHelper({self.array!r})"


class IndexUpdateRef:
    """``x.at[idx]``: functional versions of ``x[idx] = y``, ``x[idx] += y``, ... Each method
    returns a new array (the input is never modified). Keyword arguments as JAX: ``mode``
    (``None``/``'promise_in_bounds'``/``'drop'``/``'fill'``: out-of-bounds updates are dropped;
    ``'clip'``: clamped), ``indices_are_sorted`` and ``unique_indices`` (accepted hints), and
    ``fill_value`` for ``get``. With repeated indices every update is applied (``set``: the last
    one wins)."""

    __slots__ = ("array", "index")

    def __init__(self, array, index):
        self.array = array
        self.index = index

    def __repr__(self):
        return f"IndexUpdateRef({self.array!r}, {self.index!r})"

    def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None):
        """``x[idx]``; ``mode='fill'`` returns ``fill_value`` for out-of-bounds indices."""
        if mode is None or mode == "promise_in_bounds":
            from ._indexing import getitem
            return getitem(self.array, self.index)
        return advanced_getitem(self.array, self.index, mode, fill_value)

    def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] = values``."""
        return scatter_update(self.array, self.index, values, "set", mode)

    def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] += values``."""
        return scatter_update(self.array, self.index, values, "add", mode)

    def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] -= values``."""
        from ._ufuncs import negative
        return scatter_update(self.array, self.index, negative(values), "add", mode)

    def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] *= values``."""
        return scatter_update(self.array, self.index, values, "mul", mode)

    mul = multiply

    def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] /= values`` (as JAX: ``x / scatter_mul(ones_like(x), idx, values)``)."""
        from ._creation import ones_like
        from ._ufuncs import divide
        return divide(self.array, scatter_update(ones_like(self.array), self.index, values, "mul", mode))

    def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] **= values`` (as JAX: ``x ** scatter_mul(ones_like(x), idx, values)``)."""
        from ._creation import ones_like
        from ._ufuncs import power
        return power(self.array, scatter_update(ones_like(self.array), self.index, values, "mul", mode))

    def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] = minimum(x[idx], values)``."""
        return scatter_update(self.array, self.index, values, "min", mode)

    def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``x[idx] = maximum(x[idx], values)``."""
        return scatter_update(self.array, self.index, values, "max", mode)

    def apply(self, func: Callable, *, indices_are_sorted=False, unique_indices=False, mode=None):
        """``func.at(x, idx)`` for an elementwise ``func``: applied once per occurrence of each
        index (so repeated indices apply it repeatedly)."""
        return _apply(self.array, self.index, func, mode, unique_indices)


# --------------------------------------------------------------------------- take

def _norm_axis(axis, ndim, name):
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim


def _take_mode(mode, name):
    if mode is None or mode == "fill":
        return "fill"
    if mode in ("clip", "wrap"):
        return mode
    if mode == "raise":
        raise NotImplementedError(f"The 'raise' mode to {name} is not supported (an out-of-bounds "
                                  "check would need the index values); use mode='fill' or 'clip'.")
    raise ValueError(f"{name}: invalid mode {mode!r}; expected 'fill', 'clip' or 'wrap'")


def take(a, indices, axis: int | None = None, out=None, mode: str | None = None,
         unique_indices: bool = False, indices_are_sorted: bool = False, fill_value=None) -> Any:
    """``jnp.take``: elements of ``a`` at ``indices`` along ``axis`` (flattened ``a`` if None).
    JAX's default ``mode='fill'`` returns NaN (or ``fill_value``) for out-of-bounds indices;
    ``'clip'`` clamps; ``'wrap'`` wraps around.

    >>> import funcgrad.numpy as jnp
    >>> print(jnp.take(jnp.array([1.0, 2.0, 3.0]), jnp.array([0, 2, 5])))
    [ 1.  3. nan]
    >>> print(jnp.take(jnp.arange(6).reshape(2, 3), jnp.array([2, 0]), axis=1, mode="clip"))
    [[2 0]
     [5 3]]
    """
    if out is not None:
        raise NotImplementedError("jnp.take: the 'out' argument is not supported (arrays are immutable)")
    m = _take_mode(mode, "jnp.take")
    a = _as_operand(a)
    if axis is None:
        from ._shape import ravel
        a, axis = ravel(a), 0
    axis = _norm_axis(axis, len(_shape(a)), "take")
    indices = _take_indices(_index_array(indices), m, _shape(a)[axis])
    return advanced_getitem(a, (slice(None),) * axis + (indices,), _GATHER_OF_TAKE[m], fill_value)


_GATHER_OF_TAKE = {"fill": "fill", "clip": "clip", "wrap": "clip"}


def _take_indices(indices, mode, n):
    """``'wrap'``: indices modulo ``n``; ``'clip'``: as NumPy/JAX, negative indices clip to 0
    (no wrap-around); ``'fill'``: negative indices count from the end."""
    from ._ufuncs import maximum, mod
    if mode == "wrap":
        return mod(indices, n)
    if mode == "clip":
        return maximum(indices, 0)
    return indices


def _as_operand(a):
    if isinstance(a, Tracer):
        return a
    from ._creation import asarray
    return asarray(a)


def _index_array(indices):
    if isinstance(indices, Tracer):
        return indices
    arr = np.asarray(base(indices))
    if not _is_int_dtype(arr.dtype):
        raise IndexError(f"indices must be integers, got {arr.dtype} (at {user_frame_info()})")
    return arr


def take_along_axis(arr, indices, axis: int | None = -1, mode: str | None = None,
                    fill_value=None) -> Any:
    """``jnp.take_along_axis``: ``out[..., j, ...] = arr[..., indices[..., j, ...], ...]`` along
    ``axis``; the other dims of ``indices`` broadcast against ``arr``. Default ``mode='fill'``.

    >>> import funcgrad.numpy as jnp
    >>> x = jnp.array([[10.0, 30.0, 20.0], [60.0, 40.0, 50.0]])
    >>> print(jnp.take_along_axis(x, jnp.array([[1], [0]]), axis=1))
    [[30.]
     [60.]]
    """
    m = _take_mode(mode, "jnp.take_along_axis")
    arr = _as_operand(arr)
    if axis is None:
        from ._shape import ravel
        arr, axis = ravel(arr), 0
        if len(_shape(indices)) != 1:
            raise ValueError("take_along_axis: indices must be 1-D when axis=None")
    nd = len(_shape(arr))
    axis = _norm_axis(axis, nd, "take_along_axis")
    if len(_shape(indices)) != nd:
        raise ValueError(f"take_along_axis: indices (shape {_shape(indices)}) must have the same "
                         f"number of dimensions as arr (shape {_shape(arr)})")
    indices = _take_indices(_index_array(indices), m, _shape(arr)[axis])
    idx = []
    for d in range(nd):
        if d == axis:
            idx.append(indices)
        else:
            n = _shape(arr)[d]
            idx.append(np.arange(n, dtype=np.int64).reshape([n if j == d else 1 for j in range(nd)]))
    return advanced_getitem(arr, tuple(idx), _GATHER_OF_TAKE[m], fill_value)
