"""The backprop sweep.

Walk a program's equations in reverse; keep one accumulated cotangent per variable (the sum over
its uses: dl/dv_i = sum_j dl/dv_j * dv_j/dv_i); call each primitive's ``vjp`` rule once; skip
equations that no output depends on and inputs that need no cotangent (constants, integers).

The program is a ``Jaxpr`` plus ``env``, the value of every variable in the trace the sweep runs
under: for eager ``grad`` that is the recorded forward pass with its NumPy values. VJP rules
bind primitives in the *current* trace, so the sweep itself is recorded by any enclosing
transform: that is how ``grad(grad(f))``, ``jit(grad(f))`` and ``vmap(grad(f))`` work.
"""
from __future__ import annotations

from typing import Any

from ..core.avals import is_float
from ..core.errors import FuncgradError
from ..core.ir import Jaxpr, Literal, Var
from ..core.primitive import Marker, Zero
from ..core.trace import RecordingTrace, Tracer, current_trace, set_current_trace
from ..primitives.elementwise import add_any, zeros_like_aval


class MissingRuleError(FuncgradError, NotImplementedError):
    """A primitive's rule slot holds a PENDING marker."""


def active_vars(jaxpr: Jaxpr, wrt) -> set:
    """Ids of the float vars that depend on ``wrt`` through differentiable equations: only these
    ever need a cotangent (constants, integers and stop_gradient outputs never do)."""
    active = {id(v) for v in wrt if is_float(v.aval.dtype)}
    for eqn in jaxpr.eqns:
        if isinstance(eqn.primitive.vjp, Marker) and eqn.primitive.vjp.kind == "NOT_DIFFERENTIABLE":
            continue
        if any(isinstance(a, Var) and id(a) in active for a in eqn.inputs):
            active.update(id(v) for v in eqn.outputs if is_float(v.aval.dtype))
    return active


class Recording:
    """``fun(*args)`` run once and recorded (``grad``'s forward pass, and ``call``'s): the values
    it computes in the enclosing trace, and the tape the backward sweep walks.

    ``vjp_flat`` of ``api.vjp`` and of the ``call`` primitive are both this: record, then
    ``pullback`` any number of times.

    >>> import funcgrad.numpy as jnp
    >>> rec = Recording(lambda x: jnp.sin(x) * x, [2.0])
    >>> float(rec.value(rec.result)), [float(c) for c in rec.pullback([rec.result], [1.0])]
    (1.8185948536513634, [0.077...])
    """

    def __init__(self, fun, args, name: str = "vjp"):
        self.trace = trace = RecordingTrace(current_trace(), name)
        tracers = [trace.new_arg(a) for a in args]
        try:
            with set_current_trace(trace):
                self.result = fun(*tracers)
        finally:
            trace.invalidate()

    def value(self, t):
        """The value of a result in the enclosing trace."""
        return t.val if isinstance(t, Tracer) and t._trace is self.trace else t

    def var(self, t):
        """The tape variable of a result (None: a constant, no cotangent flows)."""
        return t.ir_var if isinstance(t, Tracer) and t._trace is self.trace else None

    def tape(self, outs) -> Jaxpr:
        tr = self.trace
        return Jaxpr(tr.constvars, tr.invars, tr.eqns, [v for v in map(self.var, outs) if v is not None])

    def pullback(self, outs, cts, env: dict | None = None) -> list:
        """Cotangents of the arguments (``None`` where none flows) given ``cts`` of ``outs``
        (the results that are tape variables; others are skipped). ``env`` replaces the recorded
        values (a backward program staged on its own takes them as inputs)."""
        tr = self.trace
        out_cts = [c for o, c in zip(outs, cts) if self.var(o) is not None]
        return backward_pass(self.tape(outs), tr.env if env is None else env, out_cts, tr.invars)


def backward_pass(jaxpr: Jaxpr, env: dict, out_cts: list, wrt: list) -> list:
    """Cotangents of ``wrt`` (vars of ``jaxpr``) given cotangents of ``jaxpr.outvars``
    (``None`` = no cotangent). Returns ``None`` for a var no output depends on."""
    active = active_vars(jaxpr, wrt)
    cts: dict[Var, Any] = {}

    def _needs(a) -> bool:
        return isinstance(a, Var) and id(a) in active

    def accumulate(v, ct):
        prev = cts.get(v)
        cts[v] = ct if prev is None else add_any(prev, ct)

    for v, ct in zip(jaxpr.outvars, out_cts):
        if ct is not None and _needs(v):
            accumulate(v, ct)

    for eqn in reversed(jaxpr.eqns):
        prim = eqn.primitive
        if prim.multiple_results:
            outs_ct = [cts.pop(v, None) for v in eqn.outputs]
            if all(c is None for c in outs_ct):
                continue
            if getattr(prim, "symbolic_zero_cts", False):   # the rule handles Zero itself
                ct = [Zero(v.aval.strip_weak()) if c is None else c
                      for v, c in zip(eqn.outputs, outs_ct)]
            else:
                ct = [zeros_like_aval(v.aval.strip_weak()) if c is None else c
                      for v, c in zip(eqn.outputs, outs_ct)]
            out = [env[v] for v in eqn.outputs]
        else:
            ct = cts.pop(eqn.outputs[0], None)
            if ct is None:
                continue
            out = env[eqn.outputs[0]]
        rule = prim.vjp
        if isinstance(rule, Marker):
            if rule.kind == "PENDING":
                raise MissingRuleError(f"{prim.name} has no VJP rule yet ({rule.reason})")
            continue   # NOT_DIFFERENTIABLE: no cotangent flows to the inputs
        needs = [_needs(a) for a in eqn.inputs]
        if not any(needs):
            continue
        residuals = env.get(eqn) if prim.vjp_bwd is not None else None
        if residuals is not None:        # saved by the forward pass (Primitive.vjp_fwd)
            in_cts = prim.vjp_bwd(residuals, ct, **eqn.params)
        else:
            args = [a.val if isinstance(a, Literal) else env[a] for a in eqn.inputs]
            in_cts = rule(ct, *args, out=out, **eqn.params)
        for a, need, r in zip(eqn.inputs, needs, in_cts):
            if need and r is not None:
                accumulate(a, r() if callable(r) else r)

    return [cts.get(v) if isinstance(v, Var) else None for v in wrt]
