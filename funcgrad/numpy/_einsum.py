"""``einsum``: NumPy's eager ``einsum``; traced, a sequence of ``dot_general`` contractions.

The traced lowering, one step per pair of operands (the pair giving the smallest intermediate
first, unless ``optimize=False``, which contracts left to right):

1. labels that appear in one operand only and are not wanted later are summed out (``reduce_sum``);
2. a label repeated within one operand (``'ii->i'``, ``'ii'``) takes the diagonal (multiply by an
   identity mask, sum one copy out);
3. a size-1 dimension whose label is bigger elsewhere is broadcast (summed away: one element);
4. two operands are contracted with ``dot_general``: labels both share and still need become
   batch dimensions, shared labels no longer needed are contracted;
5. the result is transposed to the output order.

``'...'`` (broadcast batch dimensions, right-aligned as in NumPy) and the implicit output
(labels appearing once, sorted) are supported, as is the interleaved form
``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

>>> import funcgrad.numpy as jnp
>>> a, b = jnp.ones((2, 3, 4)), jnp.ones((2, 4, 5))
>>> jnp.einsum("bij,bjk->bik", a, b).shape
(2, 3, 5)
>>> jnp.einsum("...ij,jk", a, jnp.ones((4, 6))).shape
(2, 3, 6)
"""
from __future__ import annotations

import string

import numpy as np

from .. import lax
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, Tracer, _state
from ..primitives.shape import shape_of
from ._dtypes import base, canonicalize_dtype, result_type, to_dtype, untraced, wrap

_LETTERS = set(string.ascii_letters)

try:                     # what numpy.einsum(optimize=False) runs, minus its Python dispatch layer
    from numpy._core.multiarray import c_einsum as _c_einsum
except ImportError:      # pragma: no cover - other NumPy layouts
    _c_einsum = None


class EinsumError(ValueError):
    """An einsum specification funcgrad cannot parse or lower."""


def _err(msg):
    return EinsumError(f"einsum: {msg} (at {user_frame_info()})")


def _from_sublists(args):
    """``einsum(op0, sub0, op1, sub1, ..., [out])`` -> ``(subscripts, operands)``."""
    ops, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(subs):          # the last operand is the output sublist
        out = ops.pop()

    def conv(sub):
        s = ""
        for i in sub:
            if i is Ellipsis:
                s += "..."
            else:
                i = int(i)
                if not 0 <= i < 52:
                    raise _err(f"sublist index {i} out of range [0, 52)")
                s += string.ascii_letters[i]
        return s

    spec = ",".join(conv(s) for s in subs)
    if out is not None:
        spec += "->" + conv(out)
    return spec, ops


def einsum(subscripts, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None):
    """Einstein summation, as ``numpy.einsum`` / ``jax.numpy.einsum``.

    ``optimize`` is accepted (any value; ``False`` contracts strictly left to right).

    >>> import funcgrad.numpy as jnp
    >>> x = jnp.arange(6.0).reshape(2, 3)
    >>> jnp.einsum("ij->j", x)
    Array([3., 5., 7.], dtype=float64)
    >>> jnp.einsum("ij,ij->", x, x)
    Array(55., dtype=float64)
    """
    if out is not None:
        raise NotImplementedError("funcgrad arrays are immutable: the out= argument is not supported")
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + operands)
    if _state.trace is EVAL or untraced(*operands):
        ops = [base(o) for o in operands]
        if optimize is True or optimize == "auto":
            # a path search costs tens of microseconds: worth it only for big or many operands
            optimize = False
            if len(ops) > 2:
                optimize = "greedy"
            else:
                for o in ops:
                    if getattr(o, "size", 1) > 2048:
                        optimize = "greedy"
        try:
            if optimize is False and _c_einsum is not None:
                r = _c_einsum(subscripts, *ops)
            else:
                r = np.einsum(subscripts, *ops, optimize=optimize)
        except ValueError as e:
            raise _err(f"{e}; operand shapes {[tuple(np.shape(o)) for o in operands]}") from None
        if preferred_element_type is not None:
            r = np.asarray(r).astype(canonicalize_dtype(preferred_element_type))
        return wrap(r)
    return _einsum_traced(subscripts, operands, optimize, preferred_element_type)


# --------------------------------------------------------------------------- parsing

def _parse(subscripts, shapes):
    """-> (list of label lists per operand, output label list, size of every label).

    Ellipsis dimensions get labels ``0, 1, ...`` (ints; letters are strs), right-aligned."""
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        ins, out = spec.split("->")
        if "->" in out:
            raise _err(f"more than one '->' in {subscripts!r}")
    else:
        ins, out = spec, None
    in_specs = ins.split(",")
    if len(in_specs) != len(shapes):
        raise _err(f"{subscripts!r} names {len(in_specs)} operand(s), but {len(shapes)} were given")
    n_ell = 0
    labels = []
    for spec_i, shape in zip(in_specs, shapes):
        head, ell, tail = spec_i.partition("...")
        if "." in head or "." in tail:
            raise _err(f"invalid ellipsis in {spec_i!r}")
        for ch in head + tail:
            if ch not in _LETTERS:
                raise _err(f"invalid subscript {ch!r} in {subscripts!r} (letters only)")
        k = len(shape) - len(head) - len(tail)
        if (not ell and k != 0) or k < 0:
            raise _err(f"operand subscripts {spec_i!r} do not match its shape {tuple(shape)}")
        n_ell = max(n_ell, k)
        labels.append(list(head) + list(range(-k, 0)) + list(tail) if ell else list(head + tail))
    # ellipsis labels: -k..-1 are right-aligned, so the same int means the same broadcast dim
    sizes: dict = {}
    for labs, shape in zip(labels, shapes):
        for lab, d in zip(labs, shape):
            prev = sizes.get(lab)
            if prev is None or prev == 1:
                sizes[lab] = d
            elif d != 1 and d != prev:
                what = "'...' dimension" if isinstance(lab, int) else f"label {lab!r}"
                raise ShapeError(f"einsum: {what} has size {prev} in one operand and {d} in another; "
                                 f"operand shapes {[tuple(s) for s in shapes]} (at {user_frame_info()})")
    ell_labels = list(range(-n_ell, 0))
    if out is None:
        counts: dict = {}
        for labs in labels:
            for lab in labs:
                if isinstance(lab, str):
                    counts[lab] = counts.get(lab, 0) + 1
        out_labels = ell_labels + sorted(lab for lab, c in counts.items() if c == 1)
    else:
        head, ell, tail = out.partition("...")
        if "." in head or "." in tail:
            raise _err(f"invalid ellipsis in output {out!r}")
        for ch in head + tail:
            if ch not in _LETTERS:
                raise _err(f"invalid output subscript {ch!r} in {subscripts!r}")
            if ch not in sizes:
                raise _err(f"output subscript {ch!r} does not appear in the inputs of {subscripts!r}")
        if not ell and n_ell:
            raise _err(f"{subscripts!r}: inputs use '...' but the output does not (summing over "
                       "broadcast dimensions is ambiguous; name them with letters)")
        out_labels = list(head) + (ell_labels if ell else []) + list(tail)
        if len(set(out_labels)) != len(out_labels):
            raise _err(f"output subscripts of {subscripts!r} repeat a label")
    return labels, out_labels, sizes


# --------------------------------------------------------------------------- lowering

def _einsum_traced(subscripts, operands, optimize, preferred_element_type):
    shapes = [tuple(shape_of(o)) for o in operands]
    labels, out_labels, sizes = _parse(subscripts, shapes)
    dt = result_type(*operands)
    ops = [o if isinstance(o, Tracer) else np.asarray(base(o)) for o in operands]
    ops = [to_dtype(o, dt) for o in ops]
    terms = [_prepare(o, labs, sizes) for o, labs in zip(ops, labels)]

    def needed_after(exclude):
        need = set(out_labels)
        for j, (_, labs) in enumerate(terms):
            if j not in exclude:
                need.update(labs)
        return need

    # sum out labels private to one operand before any contraction
    terms = [_sum_private(t, needed_after({i}), i) for i, t in enumerate(terms)]
    while len(terms) > 1:
        i, j = _pick_pair(terms, sizes, optimize)
        need = needed_after({i, j})
        x = _contract(terms[i], terms[j], need)
        terms = [t for k, t in enumerate(terms) if k not in (i, j)] + [x]
    x, labs = _sum_private(terms[0], set(out_labels), 0)
    perm = tuple(labs.index(lab) for lab in out_labels)
    if perm != tuple(range(len(perm))):
        x = lax.transpose(x, perm)
    if preferred_element_type is not None:
        x = to_dtype(x, canonicalize_dtype(preferred_element_type))
    return x


def _prepare(x, labs, sizes):
    """Take diagonals of repeated labels and drop broadcast size-1 dims: labels become unique."""
    labs = list(labs)
    shape = list(shape_of(x))
    # size-1 dims whose label is bigger elsewhere: summing the single element drops the dim
    drop = tuple(i for i, (lab, d) in enumerate(zip(labs, shape)) if d == 1 and sizes[lab] != 1)
    if drop:
        x = lax.reduce_sum(x, drop)
        labs = [lab for i, lab in enumerate(labs) if i not in drop]
        shape = [d for i, d in enumerate(shape) if i not in drop]
    while True:
        seen: dict = {}
        rep = None
        for i, lab in enumerate(labs):
            if lab in seen:
                rep = (seen[lab], i)
                break
            seen[lab] = i
        if rep is None:
            return x, labs
        p, q = rep
        n = shape[p]
        mshape = [1] * len(shape)
        mshape[p] = mshape[q] = n
        mask = np.eye(n, dtype=_dtype(x)).reshape(mshape)
        x = lax.reduce_sum(lax.mul(x, mask), (q,))
        del labs[q]
        del shape[q]


def _dtype(x):
    return x.aval.dtype if isinstance(x, Tracer) else np.asarray(x).dtype


def _sum_private(term, need, _i):
    x, labs = term
    axes = tuple(k for k, lab in enumerate(labs) if lab not in need)
    if not axes:
        return x, labs
    return lax.reduce_sum(x, axes), [lab for k, lab in enumerate(labs) if k not in axes]


def _result_labels(la, lb):
    return list(dict.fromkeys(la + lb))


def _pick_pair(terms, sizes, optimize):
    if optimize is False or len(terms) == 2:
        return 0, 1
    best, best_cost = (0, 1), None
    for i in range(len(terms)):
        for j in range(i + 1, len(terms)):
            labs = _result_labels(terms[i][1], terms[j][1])
            cost = int(np.prod([sizes[lab] for lab in labs], dtype=np.int64))
            if best_cost is None or cost < best_cost:
                best, best_cost = (i, j), cost
    return best


def _contract(ta, tb, need):
    """dot_general of two operands with unique labels; returns (value, labels)."""
    (a, la), (b, lb) = ta, tb
    shared = [lab for lab in la if lab in lb]
    batch = [lab for lab in shared if lab in need]
    contract = [lab for lab in shared if lab not in need]
    # labels of one side only and not needed later: sum out first
    a, la = _sum_private((a, la), need | set(lb), 0)
    b, lb = _sum_private((b, lb), need | set(la), 1)
    dims = (((tuple(la.index(c) for c in contract)), tuple(lb.index(c) for c in contract)),
            (tuple(la.index(c) for c in batch), tuple(lb.index(c) for c in batch)))
    out = lax.dot_general(a, b, dims)
    labs = batch + [lab for lab in la if lab not in shared] + [lab for lab in lb if lab not in shared]
    return out, labs
