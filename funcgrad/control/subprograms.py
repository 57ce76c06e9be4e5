"""Sub-programs of the control-flow primitives: tracing user functions, and the derived
(JVP, VJP, batched) programs their rules need.

Every sub-program is a *closed-over-nothing* ``Jaxpr``: the constants it closes over are its
leading inputs, and their values (NumPy arrays, or tracers of an enclosing transform) become
operands of the control-flow equation. Derived programs are staged once per (program, detail)
and cached (``call.derived``).

>>> import numpy as np
>>> from funcgrad.core.avals import Aval
>>> jaxpr, consts, tree = trace_fn(lambda x: x * 2.0, [Aval((), np.float64)], None, "f")
>>> print(jaxpr)
{ lambda ; a:f64[]. let b:f64[] = mul a 2.0:f64[] in (b,) }
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..core.array import WeakArray
from ..core.avals import Aval
from ..core.errors import FuncgradError
from ..core.ir import Jaxpr, Var, aval_of_value
from ..core.primitive import Zero
from ..core.trace import Tracer, current_trace, eval_jaxpr, set_current_trace
from ..core.tree_util import tree_flatten, tree_unflatten
from ..primitives.elementwise import zeros_like_aval
from ..primitives.shape import broadcast_in_dim, move_bdim, shape_of
from ..transforms.jvp import JVPTrace, JVPTracer
from ..transforms.vjp import active_vars
from ..transforms.vmap import BatchTrace, BatchTracer
from .call import _vjp_program, derived, stage


class ControlFlowError(FuncgradError, TypeError):
    """Branches of ``cond``/``switch`` or the carry of a loop do not have matching types."""


# --------------------------------------------------------------------------- tracing user code

def trace_fn(fun: Callable, in_avals: Sequence[Aval], in_tree, what: str):
    """Stage ``fun`` on ``in_avals`` (``in_tree``: the pytree the flat inputs unflatten to, or
    ``None`` for positional flat arguments; else ``fun`` takes the one pytree). Returns ``(jaxpr, consts, out_tree)``: ``jaxpr``'s
    leading inputs are the constants it closes over (values in ``consts``)."""
    box = []

    def flat_fun(*flat):
        out = fun(*flat) if in_tree is None else fun(tree_unflatten(in_tree, list(flat)))
        leaves, tree = tree_flatten(out)
        box.append(tree)
        return leaves

    jaxpr, consts = stage(flat_fun, list(in_avals), what, parent=current_trace())
    return jaxpr, consts, box[0]


def leaf_avals(leaves) -> list[Aval]:
    return [aval_of_value(x) for x in leaves]


def same_type(a: Aval, b: Aval) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


def leaf_paths(tree) -> list[str]:
    """Readable paths of a pytree's leaves: ``[0]['h']``..."""
    out: list[str] = []
    _leaf_paths_into(tree, "", out)
    return out


def _leaf_paths_into(x, path: str, out: list) -> None:
    if isinstance(x, dict):
        for k in sorted(x):
            _leaf_paths_into(x[k], f"{path}[{k!r}]", out)
    elif isinstance(x, (list, tuple)):
        for i, y in enumerate(x):
            _leaf_paths_into(y, f"{path}[{i}]", out)
    elif x is not None:
        n = len(tree_flatten(x)[0])
        if n == 1:
            out.append(path)
        else:
            out.extend(f"{path}.leaf{i}" for i in range(n))


def out_avals(jaxpr: Jaxpr) -> list[Aval]:
    return [a.aval for a in jaxpr.outvars]


# --------------------------------------------------------------------------- reshuffling programs

def with_inputs(jaxpr: Jaxpr, invars: Sequence[Var], outvars=None) -> Jaxpr:
    """The same equations with the inputs (and outputs) given in another order, or extended by
    unused inputs."""
    return Jaxpr([], list(invars), jaxpr.eqns, list(jaxpr.outvars if outvars is None else outvars))




def join_consts(programs: Sequence[tuple[Jaxpr, list]], n_args: int) -> tuple[list[Jaxpr], list]:
    """Programs with their own leading constants -> programs that all take every constant (the
    concatenation, in order) followed by their ``n_args`` shared arguments."""
    all_consts = [c for _, cs in programs for c in cs]
    const_avals = [aval_of_value(c) for _, cs in programs for c in cs]
    out, start = [], 0
    for jaxpr, cs in programs:
        k = len(cs)
        own = jaxpr.invars[:k]
        args = jaxpr.invars[k:]
        if len(args) != n_args:
            raise ValueError(f"join_consts: {len(args)} arguments, expected {n_args}")
        ins = ([Var(a) for a in const_avals[:start]] + list(own)
               + [Var(a) for a in const_avals[start + k:]] + list(args))
        out.append(with_inputs(jaxpr, ins))
        start += k
    return out, all_consts


# --------------------------------------------------------------------------- dependence

#: ``name -> fn(eqn, in_mask) -> out_mask``: how outputs of a higher-order primitive depend on
#: its inputs (precise through sub-programs; other primitives: every output on every input)
DEPENDS_RULES: dict[str, Callable] = {
    "call": lambda eqn, mask: depends(eqn.params["jaxpr"], mask),
}


def depends(jaxpr: Jaxpr, mask: Sequence[bool]) -> list[bool]:
    """Which outputs depend on the inputs flagged in ``mask`` (any dtype, any primitive)."""
    dep = {id(v) for v, m in zip(jaxpr.invars, mask) if m}
    for e in jaxpr.eqns:
        in_mask = [isinstance(a, Var) and id(a) in dep for a in e.inputs]
        if not any(in_mask):
            continue
        rule = DEPENDS_RULES.get(e.primitive.name)
        if rule is None:
            dep.update(id(v) for v in e.outputs)
        else:
            dep.update(id(v) for v, m in zip(e.outputs, rule(e, in_mask)) if m)
    return [isinstance(a, Var) and id(a) in dep for a in jaxpr.outvars]


def tangent_outputs(jaxpr: Jaxpr, nonzero: Sequence[bool]) -> list[bool]:
    """Which outputs may get a nonzero tangent when the flagged inputs have one."""
    act = active_vars(jaxpr, [v for v, m in zip(jaxpr.invars, nonzero) if m])
    return [isinstance(a, Var) and id(a) in act for a in jaxpr.outvars]


# --------------------------------------------------------------------------- derived programs

def jvp_jaxpr(jaxpr: Jaxpr, nonzero: tuple, instantiate: tuple):
    """``(*primals, *tangents of the nonzero inputs) -> (*outputs, *tangents of the flagged
    outputs)``; flagged = may be nonzero, or ``instantiate``. Returns ``(jaxpr, consts,
    out_flags)``; zero tangents of flagged outputs are materialized."""
    def build():
        flags = tuple(bool(a or b) for a, b in zip(tangent_outputs(jaxpr, nonzero), instantiate))
        n = len(jaxpr.invars)

        def fn(*xs):
            primals, tans = xs[:n], list(xs[n:])
            trace = JVPTrace(current_trace())
            ins = [JVPTracer(trace, p, tans.pop(0)) if nz else p for p, nz in zip(primals, nonzero)]
            try:
                with set_current_trace(trace):
                    outs = eval_jaxpr(jaxpr, [], ins)
                pairs = [trace.unpack(o) for o in outs]
            finally:
                trace.invalidate()
            prim = [p for p, _ in pairs]
            touts = []
            for (p, t), f, v in zip(pairs, flags, jaxpr.outvars):
                if f:
                    touts.append(zeros_like_aval(v.aval.strip_weak()) if isinstance(t, Zero) else t)
            return prim + touts

        avals = [v.aval for v in jaxpr.invars]
        avals += [a.strip_weak() for a, nz in zip(avals, nonzero) if nz]
        prog, consts = stage(fn, avals, "jvp")
        return prog, consts, flags
    return derived(jaxpr, ("ctl_jvp", tuple(nonzero), tuple(instantiate)), build)


def vjp_jaxpr(jaxpr: Jaxpr):
    """``(*inputs, *cotangents of every output) -> cotangents of the float inputs`` (zeros where
    none flows). Returns ``(jaxpr, consts, float_input_positions)``. The program recomputes the
    forward pass from its inputs (per-step recomputation: the loops store only their carries)."""
    return derived(jaxpr, "ctl_vjp", lambda: _vjp_program(jaxpr))


def batch_jaxpr(jaxpr: Jaxpr, batched: tuple, size: int, force: tuple | None = None):
    """The program on batched values (batch axis 0 for the flagged inputs). Outputs flagged in
    ``force`` are batched (broadcast if needed). Returns ``(jaxpr, consts, out_batched)``."""
    key = ("ctl_vmap", tuple(batched), size, None if force is None else tuple(force))

    def build():
        mask: list[bool] = []
        dims = [0 if b else None for b in batched]

        def fn(*xs):
            trace = BatchTrace(current_trace(), size)
            ins = [x if d is None else BatchTracer(trace, x, d) for x, d in zip(xs, dims)]
            try:
                with set_current_trace(trace):
                    outs = eval_jaxpr(jaxpr, [], ins)
                pairs = [trace.unpack(o) for o in outs]
            finally:
                trace.invalidate()
            res = []
            for k, (val, d) in enumerate(pairs):
                want = force is not None and force[k]
                if d is not None:
                    res.append(move_bdim(val, d, 0))
                    mask.append(True)
                elif want:
                    res.append(broadcast_batch(val, size))
                    mask.append(True)
                else:
                    res.append(val)
                    mask.append(False)
            return res

        avals = [Aval((size,) + v.aval.shape, v.aval.dtype) if b else v.aval
                 for v, b in zip(jaxpr.invars, batched)]
        prog, consts = stage(fn, avals, "vmap")
        return prog, consts, tuple(mask)
    return derived(jaxpr, key, build)


def broadcast_batch(x, size: int):
    """``x`` repeated along a new leading axis of length ``size``."""
    s = tuple(shape_of(x))
    return broadcast_in_dim(x, (size,) + s, tuple(range(1, len(s) + 1)))


def to_front(x, dim, size: int):
    """``x`` with its batch axis at 0 (broadcast if unbatched)."""
    return broadcast_batch(x, size) if dim is None else move_bdim(x, dim, 0)


def batch_size(args, dims) -> int:
    return next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)






def run(jaxpr: Jaxpr, args) -> list:
    """Run a sub-program on concrete values (the NumPy interpreter). Scalars the program types
    as weak (a loop counter started from a Python int) are passed as weak values, so that NumPy
    computes what the program's types say."""
    args = list(args)
    for i, v in enumerate(jaxpr.invars):
        a = args[i]
        if (v.aval.weak_type and not v.aval.shape and type(a) is not WeakArray
                and not isinstance(a, Tracer)):
            args[i] = np.asarray(args[i], v.aval.dtype).view(WeakArray)
    return eval_jaxpr(jaxpr, [], args)
