"""Forward mode: a trace whose tracers carry (primal, tangent); ``jvp`` rules run in the parent
trace. Tangents may be symbolic ``Zero``s, never materialized unless a rule needs them.

``linearize`` stages the tangent computation into a Jaxpr while the primal computation (whose
inputs are all concrete to the staging trace) runs right away: a partial evaluation for free.
"""
from __future__ import annotations

from ..core.ir import aval_of_value
from ..core.primitive import LINEAR, Marker, Zero
from ..core.trace import Trace, Tracer, bind_in, set_current_trace
from ..primitives.elementwise import instantiate
from .vjp import MissingRuleError


class JVPTracer(Tracer):
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
        """``(primal, tangent)`` of any value, as seen by this trace."""
        if isinstance(x, JVPTracer) and x._trace is self:
            return x.primal, x.tangent
        if isinstance(x, Tracer):
            self.check_foreign(x)
        return x, Zero(aval_of_value(x).strip_weak())

    def process_primitive(self, prim, args, params):
        for a in args:
            if isinstance(a, JVPTracer) and a._trace is self:
                break
        else:
            for a in args:
                if isinstance(a, Tracer):
                    self.check_foreign(a)
            return bind_in(self.parent, prim, args, params)
        pairs = [self.lift(a) for a in args]
        primals = [p for p, _ in pairs]
        tangents = [t for _, t in pairs]
        if all(isinstance(t, Zero) for t in tangents):
            return bind_in(self.parent, prim, primals, params)
        rule = prim.jvp
        with set_current_trace(self.parent):
            if rule is LINEAR:
                out = prim.bind(*primals, **params)
                t_out = prim.bind(*[instantiate(t) for t in tangents], **params)
            elif isinstance(rule, Marker):
                if rule.kind == "PENDING":
                    raise MissingRuleError(f"{prim.name} has no JVP rule yet ({rule.reason})")
                out = prim.bind(*primals, **params)
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
