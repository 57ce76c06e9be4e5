"""``cond`` and ``switch``: run one of several branches, chosen by a traced index.

As in JAX, both stage to one primitive, ``cond[branches=(...)] index *operands``: ``index`` is
an ``int32`` scalar (clamped into range), each branch a closed-over-nothing ``Jaxpr`` taking the
constants of *all* branches followed by the operands. Rules:

- impl: run the chosen branch;
- jvp: ``cond`` of the branches' JVP programs (every branch returns the same tangents);
- vjp: ``cond`` of the branches' VJP programs: only the taken branch is differentiated (its
  forward pass is recomputed inside the VJP program, nothing else is kept);
- batch: an unbatched index gives ``cond`` of the batched branches; a batched index (a different
  branch per example) evaluates every branch and selects per example (``select_n``), as JAX;
- lower: ``Driver``: the jit backend's native region (``backend/regions.py``) when registered,
  else the driver calls ``impl``.

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> from funcgrad import lax
>>> f = lambda x: lax.cond(x > 0, lambda y: y * 2.0, lambda y: -y, x)
>>> float(f(3.0)), float(f(-1.5)), float(fg.grad(f)(3.0)), float(fg.grad(f)(-1.0))
(6.0, 1.5, 2.0, -1.0)
>>> print(fg.make_jaxpr(f)(1.0))
{ lambda ; a:f64[]. let
    b:bool[] = gt a 0.0:f64[]
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:f64[] = cond[branches=(
        { lambda ; a:f64[]. let b:f64[] = neg a in (b,) }
        { lambda ; a:f64[]. let b:f64[] = mul a 2.0:f64[] in (b,) }
      )] c a
  in (d,) }
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..core.errors import DTypeError
from ..core.ir import aval_of_value
from ..core.lowering import Driver
from ..core.primitive import Zero, def_primitive
from ..core.source_info import user_frame_info
from ..core.tree_util import tree_flatten, tree_unflatten
from ..primitives.elementwise import convert_element_type, max as _max, min as _min, select_n
from ..primitives.shape import broadcast_in_dim, shape_of
from ..transforms.vmap import vmap_flat
from .subprograms import (DEPENDS_RULES, ControlFlowError, batch_jaxpr, batch_size, depends, join_consts, jvp_jaxpr,
                          leaf_avals, leaf_paths, out_avals, run, same_type, tangent_outputs,
                          to_front, trace_fn, vjp_jaxpr)
from . import lowering_hook

# --------------------------------------------------------------------------- the primitive


def _cond_abstract(index, *ops, branches):
    if index.shape != () or index.dtype.kind not in "iu":
        raise DTypeError(f"cond: the branch index must be an integer scalar, got {index}")
    want = [v.aval for v in branches[0].invars]
    if len(ops) != len(want) or any(not same_type(a, w) for a, w in zip(ops, want)):
        raise ControlFlowError(
            f"cond: operands ({', '.join(map(str, ops))}) do not match the branches' inputs "
            f"({', '.join(map(str, want))})")
    return [a.strip_weak() for a in out_avals(branches[0])]


def _cond_impl(index, *ops, branches):
    i = int(np.clip(int(index), 0, len(branches) - 1))
    return run(branches[i], ops)


def _cond_jvp(primals, tangents, *, branches):
    index, *ops = primals
    nonzero = tuple(not isinstance(t, Zero) for t in tangents[1:])
    flags = [False] * len(branches[0].outvars)
    for b in branches:
        flags = [f or g for f, g in zip(flags, tangent_outputs(b, nonzero))]
    flags = tuple(flags)
    progs = [jvp_jaxpr(b, nonzero, flags) for b in branches]
    n_args = len(ops) + sum(nonzero)
    joined, consts = join_consts([(p, c) for p, c, _ in progs], n_args)
    tans = [t for t in tangents[1:] if not isinstance(t, Zero)]
    outs = cond_p.bind(index, *consts, *ops, *tans, branches=tuple(joined))
    n = len(branches[0].outvars)
    it = iter(outs[n:])
    touts = [next(it) if f else Zero(a.strip_weak()) for f, a in zip(flags, out_avals(branches[0]))]
    return list(outs[:n]), touts


def _cond_vjp(ct, index, *ops, out, branches):
    progs = [vjp_jaxpr(b) for b in branches]
    float_pos = progs[0][2]
    n_args = len(ops) + len(branches[0].outvars)
    joined, consts = join_consts([(p, c) for p, c, _ in progs], n_args)
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    memo: list = []

    def get(k):
        if not memo:
            memo.append(cond_p.bind(index, *consts, *ops, *cts, branches=tuple(joined)))
        return memo[0][k]

    res: list = [None] * (1 + len(ops))
    for k, i in enumerate(float_pos):
        res[1 + i] = (lambda k=k: get(k))
    return res


def _cond_batch(args, dims, *, branches):
    index, *ops = args
    idim, odims = dims[0], dims[1:]
    size = batch_size(args, dims)
    if idim is None:
        batched = tuple(d is not None for d in odims)
        ops0 = [o if d is None else to_front(o, d, size) for o, d in zip(ops, odims)]
        force = [False] * len(branches[0].outvars)
        for b in branches:
            force = [f or d for f, d in zip(force, depends(b, batched))]
        progs = [batch_jaxpr(b, batched, size, tuple(force)) for b in branches]
        joined, consts = join_consts([(p, c) for p, c, _ in progs], len(ops))
        outs = cond_p.bind(index, *consts, *ops0, branches=tuple(joined))
        return list(outs), [0 if f else None for f in force]
    # a branch per example: evaluate them all, select per example
    idx = to_front(index, idim, size)
    idx = _max(_min(idx, np.int32(len(branches) - 1)), np.int32(0))
    results = []
    for b in branches:
        outs, odims_b = vmap_flat(lambda *xs, b=b: run(b, xs), list(ops), list(odims), size)
        results.append([to_front(o, d, size) for o, d in zip(outs, odims_b)])
    final = []
    for k in range(len(branches[0].outvars)):
        cases = [r[k] for r in results]
        s = tuple(shape_of(cases[0]))
        which = broadcast_in_dim(idx, s, (0,)) if len(s) > 1 else idx
        final.append(select_n(which, *cases))
    return final, [0] * len(final)


cond_p = def_primitive(
    "cond", abstract_eval=_cond_abstract, impl=_cond_impl, vjp=_cond_vjp, jvp=_cond_jvp,
    batch=_cond_batch, lower=Driver(lowering_hook.lower("cond")),
    multiple_results=True)


def _cond_depends(eqn, mask):
    branches = eqn.params["branches"]
    if mask[0]:
        return [True] * len(eqn.outputs)
    out = [False] * len(eqn.outputs)
    for b in branches:
        out = [o or d for o, d in zip(out, depends(b, mask[1:]))]
    return out


DEPENDS_RULES["cond"] = _cond_depends


# --------------------------------------------------------------------------- the public functions

def _branch_mismatch(names, avals_list, paths, trees) -> ControlFlowError | None:
    where = user_frame_info()
    if any(t != trees[0] for t in trees[1:]):
        return ControlFlowError(
            f"branches of cond/switch at {where} return different structures: "
            + "; ".join(f"{n} returns {t}" for n, t in zip(names, trees))
            + ". Every branch must return the same pytree of arrays.")
    for k in range(len(avals_list[0])):
        col = [a[k] for a in avals_list]
        if any(not same_type(c, col[0]) for c in col[1:]):
            what = (paths[k] if k < len(paths) and paths[k] else
                    "the output" if len(avals_list[0]) == 1 else f"output {k}")
            return ControlFlowError(
                f"branches of cond/switch at {where} return different types for {what}: "
                + ", ".join(f"{n} returns {c}" for n, c in zip(names, col))
                + ". Every branch must return the same shapes and dtypes (cast with .astype, "
                "or broadcast with jnp.broadcast_to).")
    return None


def _stage_branches(branch_funs: Sequence[Callable], operands):
    leaves, in_tree = tree_flatten(tuple(operands))
    in_avals = leaf_avals(leaves)
    traced = [trace_fn(lambda ops, f=f: f(*ops), in_avals, in_tree, "cond")
              for f in branch_funs]
    names = [getattr(f, "__name__", f"branch {i}") for i, f in enumerate(branch_funs)]
    names = [n if n != "<lambda>" else f"branch {i} (lambda)" for i, n in enumerate(names)]
    trees = [t for _, _, t in traced]
    avals_list = [out_avals(j) for j, _, _ in traced]
    err = _branch_mismatch(names, avals_list, leaf_paths_of(trees[0]), trees)
    if err is not None:
        raise err
    joined, consts = join_consts([(j, c) for j, c, _ in traced], len(leaves))
    # weak types may differ between branches: the first branch's types are the result's
    return joined, consts, leaves, trees[0]


def leaf_paths_of(tree) -> list[str]:
    try:
        dummy = tree_unflatten(tree, list(range(tree.num_leaves)))
    except Exception:
        return []
    return leaf_paths(dummy)


def _index_of(pred) -> object:
    a = aval_of_value(pred)
    if a.shape != ():
        raise ControlFlowError(
            f"lax.cond at {user_frame_info()}: the predicate must be a scalar, got {a}. "
            "For a per-element choice use jnp.where (or vmap the cond).")
    if a.dtype == np.bool_:
        return convert_element_type(pred, np.int32)
    if a.dtype.kind in "iufc":
        from ..primitives.elementwise import ne
        return convert_element_type(ne(pred, np.zeros((), a.dtype)), np.int32)
    raise ControlFlowError(f"lax.cond at {user_frame_info()}: the predicate must be boolean or "
                           f"numeric, got {a}")


def cond(pred, true_fun: Callable, false_fun: Callable, *operands):
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, staged so that it works
    under ``jit``/``vmap``/``grad`` (JAX's ``lax.cond``). Both branches are traced; they must
    return the same pytree of shapes and dtypes. Branches may close over outer values."""
    if not callable(true_fun) or not callable(false_fun):
        raise TypeError("lax.cond(pred, true_fun, false_fun, *operands): true_fun and false_fun "
                        "must be callable")
    index = _index_of(pred)
    return _bind(index, [false_fun, true_fun], operands)


def switch(index, branches: Sequence[Callable], *operands):
    """``branches[clamp(index, 0, len(branches) - 1)](*operands)`` (JAX's ``lax.switch``)."""
    branches = list(branches)
    if not branches or not all(callable(b) for b in branches):
        raise TypeError("lax.switch(index, branches, *operands): branches must be a non-empty "
                        "sequence of callables")
    a = aval_of_value(index)
    if a.shape != () or a.dtype.kind not in "iu":
        raise ControlFlowError(f"lax.switch at {user_frame_info()}: the index must be an integer "
                               f"scalar, got {a}")
    idx = convert_element_type(index, np.int32)
    if len(branches) == 1:
        return branches[0](*operands)
    idx = _max(_min(idx, np.int32(len(branches) - 1)), np.int32(0))
    return _bind(idx, branches, operands)


def _bind(index, branch_funs, operands):
    joined, consts, leaves, out_tree = _stage_branches(branch_funs, operands)
    outs = cond_p.bind(index, *consts, *leaves, branches=tuple(joined))
    return tree_unflatten(out_tree, list(outs))

