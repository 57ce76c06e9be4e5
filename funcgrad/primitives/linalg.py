"""``dot_general``: contraction with batch dimensions (matmul, dot, einsum patterns all lower here).

``dimension_numbers = ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))``; the output is
``batch dims + lhs free dims + rhs free dims``, as in ``jax.lax.dot_general``.
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.errors import DTypeError, ShapeError
from ..core.lowering import Driver
from ..core.primitive import Zero, add_simplify, def_primitive
from .elementwise import add_any
from .shape import aval, shape_of, transpose, transpose_p


def _free_dims(ndim, contract, batch):
    return [d for d in range(ndim) if d not in contract and d not in batch]


def _dot_general_abstract(lhs, rhs, *, dimension_numbers, preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    if lhs.dtype != rhs.dtype:
        raise DTypeError(f"dot_general requires operands of the same dtype, got {lhs} and {rhs}")
    if len(lc) != len(rc) or len(lb) != len(rb):
        raise ShapeError(f"dot_general: dimension_numbers {dimension_numbers} pair up unequal counts")
    for a, b in zip(lc, rc):
        if lhs.shape[a] != rhs.shape[b]:
            raise ShapeError(f"dot_general: contracting dimensions differ: {lhs} dim {a} ({lhs.shape[a]}) "
                             f"vs {rhs} dim {b} ({rhs.shape[b]})")
    for a, b in zip(lb, rb):
        if lhs.shape[a] != rhs.shape[b]:
            raise ShapeError(f"dot_general: batch dimensions differ: {lhs} dim {a} vs {rhs} dim {b}")
    shape = ([lhs.shape[d] for d in lb] + [lhs.shape[d] for d in _free_dims(lhs.ndim, lc, lb)]
             + [rhs.shape[d] for d in _free_dims(rhs.ndim, rc, rb)])
    return Aval(shape, preferred_element_type or lhs.dtype, lhs.weak_type and rhs.weak_type)


def _dot_general_impl(lhs, rhs, *, dimension_numbers, preferred_element_type=None):
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    lf, rf = _free_dims(lhs.ndim, lc, lb), _free_dims(rhs.ndim, rc, rb)
    out_shape = ([lhs.shape[d] for d in lb] + [lhs.shape[d] for d in lf] + [rhs.shape[d] for d in rf])
    if not lb and len(lc) == 1 and len(lf) <= 1 and len(rf) <= 1:
        # 1-D/2-D matmul on (possibly transposed) views: BLAS reads transposes without copies
        a = lhs if (lhs.ndim == 1 or lc[0] == lhs.ndim - 1) else lhs.T
        b = rhs if (rhs.ndim == 1 or rc[0] == 0) else rhs.T
        out = np.matmul(a, b) if (a.ndim and b.ndim and (a.ndim, b.ndim) != (1, 1)) else np.dot(a, b)
    else:
        nb = int(np.prod([lhs.shape[d] for d in lb], dtype=np.int64))
        m = int(np.prod([lhs.shape[d] for d in lf], dtype=np.int64))
        k = int(np.prod([lhs.shape[d] for d in lc], dtype=np.int64))
        n = int(np.prod([rhs.shape[d] for d in rf], dtype=np.int64))
        a = np.transpose(lhs, list(lb) + lf + list(lc)).reshape(nb, m, k)
        b = np.transpose(rhs, list(rb) + list(rc) + rf).reshape(nb, k, n)
        out = np.matmul(a, b)
    out = np.asarray(out).reshape(out_shape)
    if preferred_element_type is not None and out.dtype != preferred_element_type:
        out = out.astype(preferred_element_type)
    return out


def _ct_lhs(ct, lhs, rhs, dimension_numbers, out_dtype):
    (lc, rc), (lb, rb) = dimension_numbers
    nl, nr = len(shape_of(lhs)), len(shape_of(rhs))
    lf, rf = _free_dims(nl, lc, lb), _free_dims(nr, rc, rb)
    nb = len(lb)
    ct_rfree = list(range(nb + len(lf), nb + len(lf) + len(rf)))
    r = dot_general(ct, rhs, ((ct_rfree, rf), (list(range(nb)), list(rb))))
    order = list(lb) + lf + [lc[list(rc).index(d)] for d in sorted(rc)]
    return transpose(r, tuple(int(i) for i in np.argsort(order)))


def _ct_rhs(ct, lhs, rhs, dimension_numbers, out_dtype):
    (lc, rc), (lb, rb) = dimension_numbers
    nl, nr = len(shape_of(lhs)), len(shape_of(rhs))
    lf, rf = _free_dims(nl, lc, lb), _free_dims(nr, rc, rb)
    nb = len(lb)
    ct_lfree = list(range(nb, nb + len(lf)))
    r = dot_general(ct, lhs, ((ct_lfree, lf), (list(range(nb)), list(lb))))
    order = list(rb) + rf + [rc[list(lc).index(d)] for d in sorted(lc)]
    return transpose(r, tuple(int(i) for i in np.argsort(order)))


def _dot_general_vjp(ct, lhs, rhs, *, out, dimension_numbers, preferred_element_type=None):
    return [lambda: _ct_lhs(ct, lhs, rhs, dimension_numbers, preferred_element_type),
            lambda: _ct_rhs(ct, lhs, rhs, dimension_numbers, preferred_element_type)]


def _dot_general_jvp(primals, tangents, *, dimension_numbers, preferred_element_type=None):
    lhs, rhs = primals
    tl, tr = tangents
    out = dot_general(lhs, rhs, dimension_numbers, preferred_element_type)
    terms = []
    if not isinstance(tl, Zero):
        terms.append(dot_general(tl, rhs, dimension_numbers, preferred_element_type))
    if not isinstance(tr, Zero):
        terms.append(dot_general(lhs, tr, dimension_numbers, preferred_element_type))
    return out, terms[0] if len(terms) == 1 else add_any(*terms)


def _dot_general_batch(args, dims, *, dimension_numbers, preferred_element_type=None):
    """No transposes: a batch axis of one operand is one more free dimension (its position among
    the free dims gives the output's batch axis); batch axes of both become a leading batch
    dimension of the contraction."""
    (lc, rc), (lb, rb) = dimension_numbers
    lhs, rhs = args
    dl, dr = dims

    def shift(ds, d):   # operand dims after inserting the batch axis at d
        return tuple(x + (x >= d) for x in ds)

    if dl is not None and dr is not None:
        dn = ((shift(lc, dl), shift(rc, dr)), ((dl,) + shift(lb, dl), (dr,) + shift(rb, dr)))
        return dot_general(lhs, rhs, dn, preferred_element_type), 0
    if dl is not None:
        lc2, lb2 = shift(lc, dl), shift(lb, dl)
        free = _free_dims(len(shape_of(lhs)), lc2, lb2)
        dn = ((lc2, rc), (lb2, rb))
        return dot_general(lhs, rhs, dn, preferred_element_type), len(lb) + free.index(dl)
    rc2, rb2 = shift(rc, dr), shift(rb, dr)
    free = _free_dims(len(shape_of(rhs)), rc2, rb2)
    dn = ((lc, rc2), (lb, rb2))
    n_lfree = len(_free_dims(len(shape_of(lhs)), lc, lb))
    return dot_general(lhs, rhs, dn, preferred_element_type), len(lb) + n_lfree + free.index(dr)


def _dot_general_np(ctx, lhs, rhs, *, dimension_numbers, preferred_element_type=None):
    """BLAS through NumPy in the jit driver; transposed operands are views (no copies)."""
    (lc, rc), (lb, rb) = dimension_numbers
    la, ra = ctx.avals_in
    lf, rf = _free_dims(la.ndim, lc, lb), _free_dims(ra.ndim, rc, rb)
    if lb or len(lc) != 1 or len(lf) > 1 or len(rf) > 1:
        return ctx.impl_call(lhs, rhs, dimension_numbers=dimension_numbers,
                             preferred_element_type=preferred_element_type)
    a = lhs if (la.ndim == 1 or lc[0] == 1) else f"{lhs}.T"
    b = rhs if (ra.ndim == 1 or rc[0] == 0) else f"{rhs}.T"
    expr = f"np.matmul({a}, {b})" if la.ndim == ra.ndim == 2 else f"np.asarray(np.dot({a}, {b}))"
    out = ctx.avals_out[0].dtype
    return expr if out == la.dtype else f"{expr}.astype(np.{out.name})"


def _as_matmul(eqn):
    """``(lhs transposed, rhs transposed)`` when the equation is a plain 2-D product
    ``op(lhs) @ op(rhs)`` (one contracting dim, no batch dims), else None."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    lhs, rhs = eqn.inputs
    if lb or rb or len(lc) != 1 or lhs.aval.ndim != 2 or rhs.aval.ndim != 2:
        return None
    return lc[0] == 0, rc[0] == 1


dot_general_p = def_primitive(
    "dot_general", abstract_eval=_dot_general_abstract, impl=_dot_general_impl,
    vjp=_dot_general_vjp, jvp=_dot_general_jvp, batch=_dot_general_batch,
    lower=Driver(_dot_general_np, contiguous=True, matmul=_as_matmul))


def dot_general(lhs, rhs, dimension_numbers, preferred_element_type=None):
    """``lax.dot_general``."""
    (lc, rc), (lb, rb) = dimension_numbers
    dn = ((tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
          (tuple(int(d) for d in lb), tuple(int(d) for d in rb)))
    if preferred_element_type is None:
        preferred_element_type = aval(lhs).dtype
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dn,
                              preferred_element_type=np.dtype(preferred_element_type))


# --------------------------------------------------------------------------- simplification (jit passes)

@lambda rule: add_simplify(transpose_p, rule)
def _transpose_of_dot(ctx, eqn, ins):
    """``transpose(dot_general(a, b))`` that keeps the batch dims first and puts b's free dims
    before a's is ``dot_general(b, a)`` (when nothing else reads the product). Under ``vmap``
    this is the per-example weight gradient ``x[:, :, None] * d[:, None, :]``: computed in its
    final layout instead of written once and copied transposed (W9: 340 MB less to copy)."""
    pe = ctx.producer(ins[0])
    if pe is None or pe.primitive is not dot_general_p or ctx.uses(ins[0]) != 1:
        return None
    (lc, rc), (lb, rb) = pe.params["dimension_numbers"]
    a, b = pe.inputs
    nb = len(lb)
    nl = a.aval.ndim - len(lc) - nb
    nr = b.aval.ndim - len(rc) - nb
    free_l = tuple(range(nb, nb + nl))
    free_r = tuple(range(nb + nl, nb + nl + nr))
    if tuple(eqn.params["permutation"]) != tuple(range(nb)) + free_r + free_l:
        return None
    params = dict(pe.params)
    params["dimension_numbers"] = ((tuple(rc), tuple(lc)), (tuple(rb), tuple(lb)))
    return dot_general_p, [b, a], params


@lambda rule: add_simplify(dot_general_p, rule)
def _transposed_operands(ctx, eqn, ins):
    """A transposed operand whose free dims keep their order is read in place (the transpose
    goes into the dimension numbers)."""
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    new = list(ins)
    dims = [[list(lc), list(lb)], [list(rc), list(rb)]]
    changed = False
    for side in (0, 1):
        pe = ctx.producer(ins[side])
        if pe is None or pe.primitive is not transpose_p:
            continue
        perm = pe.params["permutation"]
        c, b = dims[side]
        free = [d for d in range(len(perm)) if d not in c and d not in b]
        mapped_free = [perm[d] for d in free]
        if mapped_free != sorted(mapped_free):
            continue
        dims[side] = [[perm[d] for d in c], [perm[d] for d in b]]
        new[side] = pe.inputs[0]
        changed = True
    if not changed:
        return None
    params = dict(eqn.params)
    params["dimension_numbers"] = ((tuple(dims[0][0]), tuple(dims[1][0])),
                                   (tuple(dims[0][1]), tuple(dims[1][1])))
    return dot_general_p, new, params
