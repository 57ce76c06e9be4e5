"""Loops: ``scan`` and ``while`` primitives, and ``fori_loop``/``map`` built on them.

``scan[jaxpr length reverse num_consts num_carry] *consts *init *xs`` runs ``jaxpr`` (inputs:
consts, carry, one slice of each ``xs``; outputs: carry, one slice of each ``ys``) ``length``
times and returns the final carry and the stacked ``ys``.

``while[cond_jaxpr body_jaxpr cond_nconsts body_nconsts] *cond_consts *body_consts *init``
runs ``body_jaxpr`` while ``cond_jaxpr`` says so.

Rules:

- jvp: the loop of the body's JVP program (carries whose tangent can become nonzero are found by
  a fixpoint over the body);
- vjp of ``scan``: a forward scan that stacks every step's input carry (the residuals: memory
  ``length x carry``), then a scan in the opposite direction over the stacked carries running
  the body's VJP program (which recomputes the step's internals from its carry);
- vjp of ``while`` (JAX refuses it): ``while_grad`` (``while_grad.py``) reruns the loop keeping
  each iteration's carry on a growable stack (memory grows with the iterations actually run),
  then runs the body's VJP that many times in reverse;
- batch: the loop of the batched body; a ``while`` whose predicate is batched runs until every
  example is done, and the finished examples' carries stop changing (masked with ``select``);
- lower: ``Driver``: a native region (``backend/regions.py``) when registered, else the driver
  calls ``impl`` (a Python loop over the body).

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> from funcgrad import lax
>>> cumsum = lambda xs: lax.scan(lambda c, x: (c + x, c + x), 0.0, xs)
>>> total, run = cumsum(jnp.arange(4.0))
>>> float(total), run.tolist()
(6.0, [0.0, 1.0, 3.0, 6.0])
>>> float(lax.fori_loop(0, 5, lambda i, x: x * 2.0, 1.0))
32.0
>>> float(lax.while_loop(lambda x: x < 100.0, lambda x: x * 3.0, 1.0))
243.0
"""
from __future__ import annotations

import operator
from typing import Callable

import numpy as np

from ..core.avals import Aval
from ..core.errors import ConcretizationError, DTypeError, ShapeError
from ..core.ir import Jaxpr, Var, aval_of_value
from ..core.lowering import Driver
from ..core.primitive import Zero, def_primitive
from ..core.source_info import user_frame_info
from ..core.trace import RecordingTrace, RecordingTracer, Tracer, current_trace
from ..core.tree_util import tree_flatten, tree_unflatten
from ..primitives.elementwise import add, convert_element_type, instantiate, lt
from ..primitives.shape import shape_of
from . import lowering_hook
from .call import derived, stage
from .subprograms import (DEPENDS_RULES, ControlFlowError, batch_jaxpr, batch_size, depends,
                          jvp_jaxpr, leaf_avals, out_avals, run, same_type, tangent_outputs,
                          to_front, trace_fn, with_inputs)
from .cond import leaf_paths_of


# =========================================================================== scan

def _split(args, *counts):
    out, i = [], 0
    for c in counts:
        out.append(list(args[i:i + c]))
        i += c
    out.append(list(args[i:]))
    return out


def _scan_abstract(*avals, jaxpr, length, reverse, num_consts, num_carry):
    want = [v.aval for v in jaxpr.invars]
    consts, carry, xs = _split(avals, num_consts, num_carry)
    if len(avals) != len(want):
        raise ShapeError(f"scan: {len(want)} operands expected, got {len(avals)}")
    for a, w in zip(consts + carry, want):
        if not same_type(a, w):
            raise ShapeError(f"scan: operand {a} does not match the body's input {w}")
    for a, w in zip(xs, want[num_consts + num_carry:]):
        if a.shape[:1] != (length,) or not same_type(Aval(a.shape[1:], a.dtype), w):
            raise ShapeError(f"scan: scanned operand {a} does not match length {length} and "
                             f"the body's input {w}")
    outs = out_avals(jaxpr)
    return [a.strip_weak() for a in outs[:num_carry]] + \
        [Aval((length,) + a.shape, a.dtype) for a in outs[num_carry:]]


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry):
    consts, carry, xs = _split(args, num_consts, num_carry)
    ys = [np.empty((length,) + a.shape, a.dtype) for a in out_avals(jaxpr)[num_carry:]]
    for t in (range(length - 1, -1, -1) if reverse else range(length)):
        outs = run(jaxpr, consts + carry + [x[t] for x in xs])
        carry = outs[:num_carry]
        for y, o in zip(ys, outs[num_carry:]):
            y[t] = o
    carry = [np.asarray(c, dtype=a.dtype) for c, a in zip(carry, out_avals(jaxpr))]
    return carry + ys


def _carry_fixpoint(body: Jaxpr, flags_before, flags_carry, flags_after, num_carry, deps):
    """Grow the set of flagged carries until the body's flagged outputs stay inside it."""
    k = list(flags_carry)
    while True:
        out = deps(body, list(flags_before) + k + list(flags_after))
        new = [a or b for a, b in zip(k, out[:num_carry])]
        if new == k:
            return k
        k = new


def _scan_jvp(primals, tangents, *, jaxpr, length, reverse, num_consts, num_carry):
    nz = [not isinstance(t, Zero) for t in tangents]
    nz_c, nz_k, nz_x = _split(nz, num_consts, num_carry)
    nz_k = _carry_fixpoint(jaxpr, nz_c, nz_k, nz_x, num_carry, tangent_outputs)
    nonzero = tuple(nz_c + nz_k + nz_x)
    n_ys = len(jaxpr.outvars) - num_carry
    prog, pconsts, flags = jvp_jaxpr(jaxpr, nonzero, tuple(nz_k) + (False,) * n_ys)
    # prog: [pconsts, c, k, x, tangents(c, k, x nonzero)] -> [k, y, tangents(flagged k, y)]
    P, c, k, x, rest = _split(prog.invars, len(pconsts), num_consts, num_carry, len(nz_x))
    t_c, t_k, t_x = _split(rest, sum(nz_c), sum(nz_k))
    outs_k, outs_y, touts = _split(prog.outvars, num_carry, n_ys)
    tk_out, ty_out = _split(touts, sum(flags[:num_carry]))
    body = with_inputs(prog, P + c + t_c + k + t_k + x + t_x, outs_k + tk_out + outs_y + ty_out)
    p_c, p_k, p_x = _split(primals, num_consts, num_carry)
    tans = [instantiate(t) if isinstance(t, Zero) else t for t in tangents]
    tt_c, tt_k, tt_x = _split(tans, num_consts, num_carry)
    ops = (list(pconsts) + p_c + [t for t, f in zip(tt_c, nz_c) if f]
           + p_k + [t for t, f in zip(tt_k, nz_k) if f]
           + p_x + [t for t, f in zip(tt_x, nz_x) if f])
    res = scan_p.bind(*ops, jaxpr=body, length=length, reverse=reverse,
                      num_consts=len(pconsts) + num_consts + sum(nz_c),
                      num_carry=num_carry + sum(nz_k))
    r_k, r_tk, r_y, r_ty = _split(res, num_carry, sum(nz_k), n_ys)
    out_avals_ = _scan_abstract(*[aval_of_value(p) for p in primals], jaxpr=jaxpr, length=length,
                                reverse=reverse, num_consts=num_consts, num_carry=num_carry)
    it_k, it_y = iter(r_tk), iter(r_ty)
    t_out = [next(it_k) if f else Zero(a.strip_weak())
             for f, a in zip(nz_k, out_avals_[:num_carry])]
    t_out += [next(it_y) if f else Zero(a.strip_weak())
              for f, a in zip(flags[num_carry:], out_avals_[num_carry:])]
    return r_k + r_y, t_out


def _scan_vjp(ct, *args, out, jaxpr, length, reverse, num_consts, num_carry):
    from .scan_vjp import scan_vjp
    return scan_vjp(ct, args, out, scan_p, jaxpr, length, reverse, num_consts, num_carry)


def _scan_batch(args, dims, *, jaxpr, length, reverse, num_consts, num_carry):
    size = batch_size(args, dims)
    d_c, d_k, d_x = _split(dims, num_consts, num_carry)
    b_c = [d is not None for d in d_c]
    b_x = [d is not None for d in d_x]
    b_k = _carry_fixpoint(jaxpr, b_c, [d is not None for d in d_k], b_x, num_carry, depends)
    n_ys = len(jaxpr.outvars) - num_carry
    b_y = depends(jaxpr, b_c + b_k + b_x)[num_carry:]
    prog, pconsts, _ = batch_jaxpr(jaxpr, tuple(b_c + b_k + b_x), size, tuple(b_k + b_y))
    a_c, a_k, a_x = _split(args, num_consts, num_carry)
    ops = list(pconsts)
    ops += [a if d is None else to_front(a, d, size) for a, d in zip(a_c, d_c)]
    ops += [to_front(a, d, size) if b else a for a, d, b in zip(a_k, d_k, b_k)]
    from ..primitives.shape import move_bdim
    ops += [a if d is None else move_bdim(a, d, 1) for a, d in zip(a_x, d_x)]
    res = scan_p.bind(*ops, jaxpr=prog, length=length, reverse=reverse,
                      num_consts=len(pconsts) + num_consts, num_carry=num_carry)
    return list(res), [0 if b else None for b in b_k] + [1 if b else None for b in b_y]


def _scan_depends(eqn, mask):
    p = eqn.params
    nc, nk = p["num_consts"], p["num_carry"]
    m_c, m_k, m_x = _split(mask, nc, nk)
    m_k = _carry_fixpoint(p["jaxpr"], m_c, m_k, m_x, nk, depends)
    return m_k + depends(p["jaxpr"], m_c + m_k + m_x)[nk:]


def _while_depends(eqn, mask):
    p = eqn.params
    m_c, m_b, m_k = _split(mask, p["cond_nconsts"], p["body_nconsts"])
    m_k = _carry_fixpoint(p["body_jaxpr"], m_b, m_k, [], len(m_k), depends)
    if depends(p["cond_jaxpr"], m_c + m_k)[0]:
        return [True] * len(m_k)     # the trip count depends on it: so does every carry
    return m_k


DEPENDS_RULES["scan"] = _scan_depends
DEPENDS_RULES["while"] = _while_depends


scan_p = def_primitive(
    "scan", abstract_eval=_scan_abstract, impl=_scan_impl, vjp=_scan_vjp, jvp=_scan_jvp,
    batch=_scan_batch, lower=Driver(lowering_hook.lower("scan")), multiple_results=True)
scan_p.stacks_outputs = True


# =========================================================================== while

def _while_abstract(*avals, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cc, bc, init = _split(avals, cond_nconsts, body_nconsts)
    want = [v.aval for v in body_jaxpr.invars[body_nconsts:]]
    for a, w in zip(init, want):
        if not same_type(a, w):
            raise ShapeError(f"while: carry {a} does not match the body's input {w}")
    return [a.strip_weak() for a in want]


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cc, bc, carry = _split(args, cond_nconsts, body_nconsts)
    while bool(run(cond_jaxpr, cc + carry)[0]):
        carry = run(body_jaxpr, bc + carry)
    return [np.asarray(c, dtype=v.aval.dtype) for c, v in zip(carry, body_jaxpr.invars[body_nconsts:])]


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    nz = [not isinstance(t, Zero) for t in tangents]
    _, nz_b, nz_k = _split(nz, cond_nconsts, body_nconsts)
    nz_k = _carry_fixpoint(body_jaxpr, nz_b, nz_k, [], len(nz_k), tangent_outputs)
    nk = len(nz_k)
    prog, pconsts, _ = jvp_jaxpr(body_jaxpr, tuple(nz_b + nz_k), tuple(nz_k))
    P, b, k, t_b, t_k, touts = _split(prog.invars, len(pconsts), body_nconsts, nk, sum(nz_b),
                                      sum(nz_k))
    body = with_inputs(prog, P + b + t_b + k + t_k)
    tk_avals = [v.aval.strip_weak() for v, f in zip(body_jaxpr.invars[body_nconsts:], nz_k) if f]
    cin = cond_jaxpr.invars
    cond = with_inputs(cond_jaxpr, list(cin) + [Var(a) for a in tk_avals])
    p_c, p_b, p_k = _split(primals, cond_nconsts, body_nconsts)
    tans = [instantiate(t) for t in tangents]
    _, t_bv, t_kv = _split(tans, cond_nconsts, body_nconsts)
    ops = (p_c + list(pconsts) + p_b + [t for t, f in zip(t_bv, nz_b) if f]
           + p_k + [t for t, f in zip(t_kv, nz_k) if f])
    res = while_p.bind(*ops, cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=cond_nconsts,
                       body_nconsts=len(pconsts) + body_nconsts + sum(nz_b))
    it = iter(res[nk:])
    return list(res[:nk]), [next(it) if f else Zero(aval_of_value(p).strip_weak())
                            for f, p in zip(nz_k, p_k)]


def batched_while(cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, args, dims,
                  force: bool = False, size: int | None = None):
    """The ``while`` of the batched programs. Returns ``(cond, cond_consts, body, body_consts,
    init, carry_batched, n_body_prefix)``: the body's constants are ``n_body_prefix`` new ones
    followed by the original body constants (batched at 0 where flagged; all of them and all
    carries with ``force``, which needs ``size`` when no operand is batched)."""
    size = batch_size(args, dims) if size is None else size
    d_c, d_b, d_k = _split(dims, cond_nconsts, body_nconsts)
    a_c, a_b, a_k = _split(args, cond_nconsts, body_nconsts)
    b_c = [d is not None for d in d_c]
    b_b = [force or d is not None for d in d_b]
    b_k = [force or d is not None for d in d_k]
    nk = len(b_k)
    b_k = _carry_fixpoint(body_jaxpr, b_b, b_k, [], nk, depends)
    pred_batched = depends(cond_jaxpr, b_c + b_k)[0]
    if pred_batched:
        b_k = [True] * nk
    cc0 = [a if d is None else to_front(a, d, size) for a, d in zip(a_c, d_c)]
    bc0 = [to_front(a, d, size) if b else a for a, d, b in zip(a_b, d_b, b_b)]
    init0 = [to_front(a, d, size) if b else a for a, d, b in zip(a_k, d_k, b_k)]
    cj, cconsts, _ = batch_jaxpr(cond_jaxpr, tuple(b_c + b_k), size, (pred_batched,))
    bj, bconsts, _ = batch_jaxpr(body_jaxpr, tuple(b_b + b_k), size, tuple(b_k))
    if not pred_batched:
        return (cj, list(cconsts) + cc0, bj, list(bconsts) + bc0, init0, b_k,
                len(bconsts))
    nc1, nb1 = len(cconsts) + len(cc0), len(bconsts) + len(bc0)
    key = ("ctl_masked", tuple(b_c), tuple(b_b), size)

    def build():
        from ..primitives.elementwise import gt, select_n
        from ..primitives.reductions import reduce_max
        from ..primitives.shape import broadcast_in_dim

        def any_lane(*vals):
            (p,) = run(cj, vals)
            return [gt(reduce_max(convert_element_type(p, np.int32), (0,)), np.int32(0))]

        def masked_body(*vals):
            c_vals, b_vals, k = _split(vals, nc1, nb1)
            (p,) = run(cj, c_vals + k)
            new = run(bj, b_vals + k)
            out = []
            for old, n in zip(k, new):
                s = tuple(shape_of(old))
                which = broadcast_in_dim(p, s, (0,)) if len(s) > 1 else p
                out.append(select_n(which, old, n))
            return out

        c_avals = [v.aval for v in cj.invars]
        b_avals = [v.aval for v in bj.invars]
        k_avals = [v.aval for v in bj.invars[len(bj.invars) - nk:]]
        cond_prog, cond_consts = stage(any_lane, c_avals, "while_cond")
        body_prog, body_consts = stage(masked_body, c_avals[:nc1] + b_avals[:nb1] + k_avals,
                                       "while_body")
        return cond_prog, cond_consts, body_prog, body_consts
    cond_prog, cond_k, body_prog, body_k = derived(body_jaxpr, key + (id(cond_jaxpr),), build)
    cond_ops = list(cond_k) + list(cconsts) + cc0
    body_ops = list(body_k) + list(cconsts) + cc0 + list(bconsts) + bc0
    return (cond_prog, cond_ops, body_prog, body_ops, init0, b_k,
            len(body_k) + nc1 + len(bconsts))


def _while_batch(args, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    cj, c_ops, bj, b_ops, init0, b_k, _ = batched_while(cond_jaxpr, body_jaxpr, cond_nconsts,
                                                        body_nconsts, args, dims)
    res = while_p.bind(*c_ops, *b_ops, *init0, cond_jaxpr=cj, body_jaxpr=bj,
                       cond_nconsts=len(c_ops), body_nconsts=len(b_ops))
    return list(res), [0 if b else None for b in b_k]


def _while_vjp(ct, *args, out, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    from .while_grad import while_vjp
    return while_vjp(ct, args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts)


while_p = def_primitive(
    "while", abstract_eval=_while_abstract, impl=_while_impl, vjp=_while_vjp, jvp=_while_jvp,
    batch=_while_batch, lower=Driver(lowering_hook.lower("while")), multiple_results=True)


# =========================================================================== public functions

def _carry_error(what, paths, init_avals, out_avals_, fn_name) -> ControlFlowError | None:
    for k, (a, b) in enumerate(zip(init_avals, out_avals_)):
        if not same_type(a, b):
            p = (f"carry{paths[k]}" if k < len(paths) and paths[k] else
                 "the carry" if len(init_avals) == 1 else f"carry leaf {k}")
            return ControlFlowError(
                f"{what} at {user_frame_info()}: the carry changes type across iterations: {p} is "
                f"{a} in the initial value but {fn_name} returns {b}. The carry must keep its "
                "shape and dtype (cast with .astype, e.g. init with the body's dtype).")
    return None


def _promote_weak(leaves, init_avals, body_avals):
    """Weakly typed initial values (Python scalars) take the body's dtype, as JAX does."""
    changed = False
    out = []
    for x, a, b in zip(leaves, init_avals, body_avals):
        if a.weak_type and a.shape == b.shape and a.dtype != b.dtype:
            out.append(convert_element_type(x, b.dtype))
            changed = True
        else:
            out.append(x)
    return out, changed


def _trace_loop_body(what, fn_name, fun, c_leaves, c_tree, extra_avals, n_extra_out_ok=True):
    """Stage ``fun`` (flat carry + extra inputs -> flat carry + extra outputs); retrace once with
    weak initial values promoted. Returns ``(jaxpr, consts, c_leaves, extra_tree)``."""
    for attempt in range(2):
        c_avals = leaf_avals(c_leaves)
        box = []

        def flat(*vals):
            res = fun(tree_unflatten(c_tree, list(vals[:len(c_avals)])), *vals[len(c_avals):])
            c_out, extra = res
            cl, ct = tree_flatten(c_out)
            el, et = tree_flatten(extra)
            box.append((ct, et, len(cl)))
            return cl + el

        jaxpr, consts, _ = trace_fn(flat, c_avals + list(extra_avals), None, what)
        ct, et, n = box[0]
        paths = leaf_paths_of(c_tree)
        if ct != c_tree:
            raise ControlFlowError(
                f"{what} at {user_frame_info()}: {fn_name} must return a carry with the same "
                f"structure as the initial value: got {ct}, expected {c_tree}.")
        b_avals = out_avals(jaxpr)[:n]
        if attempt == 0:
            c_leaves, changed = _promote_weak(c_leaves, c_avals, b_avals)
            if changed:
                continue
        err = _carry_error(what, paths, c_avals, b_avals, fn_name)
        if err is not None:
            raise err
        return jaxpr, consts, c_leaves, et
    raise AssertionError("unreachable")


def _check_unroll(unroll, where: str) -> int:
    """JAX's checks of ``scan``'s ``unroll`` (a concrete non-negative int or a bool); returns it
    as an int. A performance hint only: every value gives the same numbers, and the compiled loop
    does not unroll (see docs/control_flow.md)."""
    if isinstance(unroll, Tracer):
        v = unroll.concrete_value()
        if v is None:
            raise ConcretizationError(
                f"{where}: the `unroll` argument to `scan` expects a concrete `int` or `bool` "
                f"value, got a traced {unroll.aval}")
        unroll = v.item() if isinstance(v, np.ndarray) else v
    if isinstance(unroll, (bool, np.bool_)):
        return int(bool(unroll))
    try:
        n = int(unroll) if isinstance(unroll, (float, np.floating)) and float(unroll).is_integer() \
            else operator.index(unroll)
    except TypeError:
        raise TypeError(f"{where}: `unroll` must be a `bool` or a non-negative `int`, got "
                        f"{unroll!r}") from None
    if n < 0:
        raise ValueError(f"{where}: `unroll` must be a `bool` or a non-negative `int`, got {n}")
    return n


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1, _split_transpose: bool = False):
    """JAX's ``lax.scan``: ``carry, y = f(carry, x)`` for each slice ``x`` of ``xs`` (along the
    leading axis; pytrees allowed; ``xs=None`` with ``length``), returning the final carry and
    the stacked ``y``s. ``reverse`` scans from the end. ``unroll`` (an int >= 0 or a bool) is
    checked as JAX checks it and otherwise has no effect: the results are the same for every
    value, and the compiled loop runs one step per iteration (docs/control_flow.md).

    >>> import funcgrad.numpy as jnp
    >>> from funcgrad import lax
    >>> lax.scan(lambda c, x: (c + x, c), 0.0, jnp.arange(4.0), unroll=2)[1]
    Array([0., 0., 1., 3.], dtype=float64)
    """
    _check_unroll(unroll, f"lax.scan at {user_frame_info()}")
    x_leaves, x_tree = tree_flatten(xs)
    lengths = []
    for x in x_leaves:
        s = shape_of(x)
        if not s:
            raise ShapeError(f"lax.scan at {user_frame_info()}: every leaf of xs must have a "
                             f"leading axis to scan over, got a scalar {aval_of_value(x)}")
        lengths.append(s[0])
    if length is not None:
        length = int(length)
        if any(n != length for n in lengths):
            raise ShapeError(f"lax.scan at {user_frame_info()}: length={length} but xs have "
                             f"leading axes {sorted(set(lengths))}")
    elif not lengths:
        raise ValueError(f"lax.scan at {user_frame_info()}: xs is None (or empty): pass length=")
    elif len(set(lengths)) > 1:
        raise ShapeError(f"lax.scan at {user_frame_info()}: the leaves of xs have different "
                         f"leading axes {lengths}; they must all have the same length")
    else:
        length = lengths[0]
    c_leaves, c_tree = tree_flatten(init)
    x_avals = [Aval(a.shape[1:], a.dtype, a.weak_type) for a in leaf_avals(x_leaves)]

    def body(carry, *x_flat):
        res = f(carry, tree_unflatten(x_tree, list(x_flat)))
        if not (isinstance(res, (tuple, list)) and len(res) == 2):
            raise ControlFlowError(f"lax.scan at {user_frame_info()}: the body must return a "
                                   f"pair (carry, y), got {type(res).__name__}")
        return res

    jaxpr, consts, c_leaves, y_tree = _trace_loop_body("lax.scan", "the scanned function", body,
                                                       c_leaves, c_tree, x_avals)
    trace = current_trace()
    if isinstance(trace, RecordingTrace) and any(_owned(a, trace) for a in
                                                 list(consts) + c_leaves + x_leaves):
        # under grad: the forward scan stacks the residuals its VJP will read
        from .scan_vjp import bind_forward_with_residuals
        outs = bind_forward_with_residuals(
            scan_p, jaxpr, consts, c_leaves, x_leaves, length, bool(reverse),
            tuple(_maybe_active(c) for c in consts), tuple(_maybe_active(x) for x in x_leaves))
    else:
        outs = scan_p.bind(*consts, *c_leaves, *x_leaves, jaxpr=jaxpr, length=length,
                           reverse=bool(reverse), num_consts=len(consts),
                           num_carry=len(c_leaves))
    nk = len(c_leaves)
    return tree_unflatten(c_tree, list(outs[:nk])), tree_unflatten(y_tree, list(outs[nk:]))


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
    """JAX's ``lax.while_loop``: ``while cond_fun(val): val = body_fun(val)``. Unlike JAX, it is
    reverse-differentiable (each iteration's carry is kept: memory grows with the trip count)."""
    c_leaves, c_tree = tree_flatten(init_val)
    bj, bconsts, c_leaves, _ = _trace_loop_body(
        "lax.while_loop", "body_fun", lambda c: (body_fun(c), None), c_leaves, c_tree, [])
    c_avals = leaf_avals(c_leaves)
    cj, cconsts, ctree = trace_fn(cond_fun, c_avals, c_tree, "while_cond")
    ca = out_avals(cj)
    if len(ca) != 1 or ca[0].shape != () or ca[0].dtype != np.bool_:
        raise ControlFlowError(
            f"lax.while_loop at {user_frame_info()}: cond_fun must return a boolean scalar, got "
            f"{', '.join(str(a) for a in ca) or 'nothing'}")
    outs = while_p.bind(*cconsts, *bconsts, *c_leaves, cond_jaxpr=cj, body_jaxpr=bj,
                        cond_nconsts=len(cconsts), body_nconsts=len(bconsts))
    return tree_unflatten(c_tree, list(outs))


def _owned(x, trace) -> bool:
    return isinstance(x, RecordingTracer) and x._trace is trace


def _maybe_active(x) -> bool:
    """Whether some ``grad`` may ask for ``x``'s cotangent (a value recorded by one)."""
    return isinstance(x, RecordingTracer)


def _static_int(x):
    if isinstance(x, Tracer):
        v = x.concrete_value()
        return None if v is None else int(v)
    return int(x)


def fori_loop(lower, upper, body_fun: Callable, init_val, *, unroll: int | bool | None = None):
    """JAX's ``lax.fori_loop``: ``for i in range(lower, upper): val = body_fun(i, val)``. With
    static bounds it is a ``scan`` (reverse-differentiable, as in JAX), else a ``while``.
    ``unroll`` is ``scan``'s (checked, no effect); with traced bounds only ``None``, ``False``,
    ``True`` or ``1`` are accepted, as in JAX."""
    dt = np.result_type(aval_of_value(lower).dtype, aval_of_value(upper).dtype)
    if dt.kind not in "iu":
        raise DTypeError(f"lax.fori_loop at {user_frame_info()}: lower and upper must be "
                         f"integers, got {aval_of_value(lower)} and {aval_of_value(upper)}")
    lo, hi = _static_int(lower), _static_int(upper)
    one = np.ones((), dt)
    if lo is not None and hi is not None:
        # Python int bounds give a weakly typed counter (``x32 + i`` stays float32), as in JAX
        weak = type(lower) is int and type(upper) is int

        def step(carry, _):
            i, x = carry
            return (add(i, 1 if weak else one), body_fun(i, x)), None
        i0 = lo if weak else np.asarray(lo, dt)
        (_, out), _ = scan(step, (i0, init_val), None, length=max(hi - lo, 0),
                           unroll=False if unroll is None else unroll)
        return out
    if unroll is not None and unroll is not False and unroll != 1:
        raise ValueError(f"lax.fori_loop at {user_frame_info()}: can only use `unroll` in "
                         f"`fori_loop` if the loop bounds are statically known")
    lower_a = convert_element_type(lower, dt)
    upper_a = convert_element_type(upper, dt)

    def body(carry):
        i, x = carry
        return add(i, one), body_fun(i, x)
    _, out = while_loop(lambda c: lt(c[0], upper_a), body, (lower_a, init_val))
    return out


def map(f: Callable, xs, *, batch_size: int | None = None):  # noqa: A001 - lax's name
    """JAX's ``lax.map``: ``f`` applied to each slice of ``xs`` along the leading axis (a
    ``scan`` with no carry); ``batch_size`` maps ``vmap(f)`` over chunks."""
    if batch_size is None:
        _, ys = scan(lambda c, x: (c, f(x)), None, xs)
        return ys
    from ..primitives.shape import concatenate, reshape, slice as _slice
    from ..transforms.vmap import vmap_flat
    leaves, tree = tree_flatten(xs)
    n = shape_of(leaves[0])[0]
    bs = int(batch_size)
    nb, rem = divmod(n, bs)

    def vf(chunk_leaves):
        outs_box = []

        def flat(*ls):
            o = f(tree_unflatten(tree, list(ls)))
            ol, ot = tree_flatten(o)
            outs_box.append(ot)
            return ol
        outs, odims = vmap_flat(flat, chunk_leaves, [0] * len(chunk_leaves), shape_of(chunk_leaves[0])[0])
        return [to_front(o, d, shape_of(chunk_leaves[0])[0]) for o, d in zip(outs, odims)], outs_box[0]

    main = [reshape(_slice(x, (0,) * len(shape_of(x)), (nb * bs,) + tuple(shape_of(x)[1:])),
                    (nb, bs) + tuple(shape_of(x)[1:])) for x in leaves]
    box = []

    def chunk(c, ch):
        ys, ot = vf(tree_flatten(ch)[0])
        box.append(ot)
        return c, ys
    _, ys = scan(chunk, None, tree_unflatten(tree, main)) if nb else (None, None)
    out_tree = box[0] if box else None
    flat_ys = [] if ys is None else [reshape(y, (nb * bs,) + tuple(shape_of(y)[2:])) for y in ys]
    if rem:
        tail = [_slice(x, (nb * bs,) + (0,) * (len(shape_of(x)) - 1), tuple(shape_of(x))) for x in leaves]
        t_ys, out_tree = vf(tail)
        flat_ys = t_ys if not flat_ys else [concatenate([a, b], 0) for a, b in zip(flat_ys, t_ys)]
    return tree_unflatten(out_tree, flat_ys)

