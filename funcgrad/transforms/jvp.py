"""Forward mode: a trace whose tracers carry ``(primal, tangent)``.

Each primitive applied to a ``JVPTracer`` runs its ``jvp`` rule in the *parent* trace, so the
primal and the tangent computations are themselves bound (and recorded, staged or batched) by
whatever trace encloses this one: that is how ``jvp(grad(f))``, ``vmap(jvp(f))`` and
``jacfwd = vmap(jvp)`` compose. Tangents may be symbolic ``Zero``s; a rule never sees them
materialized unless it asks (``instantiate``), and a primitive whose tangents are all zero is
not differentiated at all.

- ``jvp_flat``: the forward sweep over flat lists of primals and tangents. When called eagerly the
  primals are concrete, so Python control flow on values works (``JVPTracer.concrete_value``).
- ``linearize_flat``: the same sweep with the tangents *staged* into a ``Jaxpr``. The primal
  computation has only constants as inputs from the staging trace's point of view, so it runs
  right away (the staging trace evaluates constant operations in its parent): the partial
  evaluation JAX's ``linearize`` does, for free. The staged program is linear in the tangents.

>>> import numpy as np
>>> from funcgrad.primitives.elementwise import sin
>>> outs, tangents = jvp_flat(lambda x: [sin(x)], [np.float64(0.0)], [np.float64(2.0)])
>>> float(outs[0]), float(tangents[0])
(0.0, 2.0)
"""
from __future__ import annotations

from typing import Callable, Sequence

from ..core.avals import Aval, is_float
from ..core.ir import aval_of_value
from ..core.primitive import LINEAR, Marker, Zero
from ..core.trace import StagingTrace, Trace, Tracer, bind_in, current_trace, set_current_trace
from ..primitives.elementwise import instantiate, zeros_like_aval
from .vjp import MissingRuleError


class JVPTracer(Tracer):
    """A value of a ``JVPTrace``: a primal (a value of the parent trace) and its tangent."""

    __slots__ = ("primal", "tangent")

    def __init__(self, trace, primal, tangent):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self):
        return aval_of_value(self.primal)

    def concrete_value(self):
        p = self.primal
        return p.concrete_value() if isinstance(p, Tracer) else p


class JVPTrace(Trace):
    name = "jvp"

    def __init__(self, parent: Trace):
        self.parent = parent

    def lift(self, x):
        """``(primal, tangent)`` of any value, as seen by this trace (others have a zero tangent)."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer):
            self.check_foreign(x)
        return x, Zero(aval_of_value(x).strip_weak())

    def process_primitive(self, prim, args, params):
        if not self.owns_any(args):
            return bind_in(self.parent, prim, args, params)
        pairs = [self.lift(a) for a in args]
        primals = [p for p, _ in pairs]
        tangents = [t for _, t in pairs]
        if all(isinstance(t, Zero) for t in tangents):
            return bind_in(self.parent, prim, primals, params)
        rule = prim.jvp
        with set_current_trace(self.parent):
            if rule is LINEAR:
                # linear in its array operands: the tangent is the primitive applied to the tangents
                out = prim.bind(*primals, **params)
                t_out = prim.bind(*[instantiate(t) for t in tangents], **params)
            elif isinstance(rule, Marker):
                if rule.kind == "PENDING":
                    raise MissingRuleError(f"{prim.name} has no JVP rule yet ({rule.reason})")
                out = prim.bind(*primals, **params)   # NOT_DIFFERENTIABLE: zero tangent out
                t_out = ([Zero(aval_of_value(o)) for o in out] if prim.multiple_results
                         else Zero(aval_of_value(out)))
            else:
                out, t_out = rule(primals, tangents, **params)
        if prim.multiple_results:
            return [self._wrap(o, t) for o, t in zip(out, t_out)]
        return self._wrap(out, t_out)

    def _wrap(self, primal, tangent):
        if isinstance(tangent, Zero):
            return primal
        return JVPTracer(self, primal, tangent)

    def unpack(self, x):
        """``(primal, tangent)`` of a value returned from the traced function."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer):
            self.check_foreign(x)
        return x, Zero(aval_of_value(x).strip_weak())


def differentiable(x) -> bool:
    """Only inexact (float/complex) values carry tangents; integer and boolean inputs get a
    symbolic zero tangent, as JAX's ``float0``."""
    return is_float(aval_of_value(x).dtype)


def jvp_flat(fun: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """Run ``fun(*primals)`` (a function returning a flat list) in a ``JVPTrace``.

    A tangent of ``None`` or ``Zero`` means "no tangent" (so does any tangent of an integer
    primal). Returns ``(outs, out_tangents)`` (``+ (aux,)`` with ``has_aux``: ``fun`` then returns
    ``(outs, aux)`` and ``aux`` comes back with primal values). Output tangents may be ``Zero``.
    """
    trace = JVPTrace(current_trace())
    ins = [JVPTracer(trace, p, t) if t is not None and not isinstance(t, Zero) and differentiable(p)
           else p for p, t in zip(primals, tangents)]
    try:
        with set_current_trace(trace):
            result = fun(*ins)
        if has_aux:
            result, aux = result
            aux = [trace.unpack(a)[0] for a in aux]
        pairs = [trace.unpack(o) for o in result]
    finally:
        trace.invalidate()
    outs = [p for p, _ in pairs]
    touts = [t for _, t in pairs]
    return (outs, touts, aux) if has_aux else (outs, touts)


def linearize_flat(fun: Callable, primals: Sequence, has_aux: bool = False):
    """Evaluate ``fun(*primals)`` and stage its tangent program.

    Returns ``(outs, closed, diff_mask)`` (``+ (aux,)``): ``closed`` is a ``ClosedJaxpr`` with one
    input per *differentiable* primal (``diff_mask[i]``) and one output tangent per output; it is
    linear in its inputs. The primal computation is done once, here.
    """
    stage = StagingTrace(current_trace(), "linearize")
    mask = [differentiable(p) for p in primals]
    t_in = [stage.new_arg(aval_of_value(p).strip_weak()) if m else None for p, m in zip(primals, mask)]
    try:
        with set_current_trace(stage):
            res = jvp_flat(fun, primals, t_in, has_aux)
            outs, touts = res[0], res[1]
            touts = [zeros_like_aval(_tangent_aval(o)) if isinstance(t, Zero) else t
                     for o, t in zip(outs, touts)]
        closed = stage.to_jaxpr(touts)
    finally:
        stage.invalidate()
    return (outs, closed, mask) + ((res[2],) if has_aux else ())


def _tangent_aval(x) -> Aval:
    return aval_of_value(x).strip_weak()

