"""Batching: a trace whose tracers carry (value, batch dim); ``batch`` rules run in the parent
trace and never loop over the batch in Python."""
from __future__ import annotations

from ..core.avals import Aval
from ..core.ir import aval_of_value
from ..core.primitive import Marker
from ..core.trace import Trace, Tracer, bind_in, set_current_trace
from .vjp import MissingRuleError


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace, val, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self):
        a = aval_of_value(self.val)
        shape = a.shape[:self.bdim] + a.shape[self.bdim + 1:]
        return Aval(shape, a.dtype, a.weak_type)


class BatchTrace(Trace):
    name = "vmap"

    def __init__(self, parent: Trace, axis_size: int):
        self.parent = parent
        self.axis_size = axis_size

    def process_primitive(self, prim, args, params):
        vals, dims = [], []
        own = False
        for a in args:
            if isinstance(a, BatchTracer) and a._trace is self:
                own = True
                vals.append(a.val)
                dims.append(a.bdim)
            else:
                if isinstance(a, Tracer):
                    self.check_foreign(a)
                vals.append(a)
                dims.append(None)
        if not own:
            return bind_in(self.parent, prim, args, params)
        rule = prim.batch
        if isinstance(rule, Marker):
            raise MissingRuleError(f"{prim.name} has no batching rule yet ({rule.reason})")
        with set_current_trace(self.parent):
            out, out_dim = rule(vals, dims, **params)
        if prim.multiple_results:
            return [self._wrap(o, d) for o, d in zip(out, out_dim)]
        return self._wrap(out, out_dim)

    def _wrap(self, val, dim):
        return val if dim is None else BatchTracer(self, val, dim)
