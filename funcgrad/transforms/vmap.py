"""Batching: a trace whose tracers carry ``(value, batch dim)``.

A ``BatchTracer`` stands for ``axis_size`` values stacked along axis ``bdim`` of ``val``. Each
primitive applied to one runs its ``batch`` rule in the *parent* trace; the rule returns the
batched result and where its batch axis is. Rules never loop over the batch in Python: an
elementwise op broadcasts, a reduction shifts its axes, ``dot_general`` gains a batch dimension.
Values that are not this trace's tracers are unbatched (the same for every batch element), so
a primitive none of whose inputs is batched is not batched at all.

``vmap`` has no concrete values to offer Python: ``if x > 0`` on a batched ``x`` raises
``ConcretizationError`` (use ``funcgrad.numpy.where``).

>>> import numpy as np
>>> from funcgrad.primitives.elementwise import mul
>>> outs, dims = vmap_flat(lambda x, y: [mul(x, y)], [np.arange(3.0), np.float64(2.0)], [0, None], 3)
>>> print(outs[0], dims[0])
[0. 2. 4.] 0
"""
from __future__ import annotations

from typing import Callable, Sequence

from ..core.avals import Aval
from ..core.ir import aval_of_value
from ..core.primitive import Marker
from ..core.trace import Trace, Tracer, bind_in, current_trace, set_current_trace
from ..primitives.shape import broadcast_in_dim, move_bdim, shape_of
from .vjp import MissingRuleError


class BatchTracer(Tracer):
    """A value of a ``BatchTrace``: ``val`` holds the batch along axis ``bdim``."""

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

    def __init__(self, parent: Trace, axis_size: int, axis_name=None):
        self.parent = parent
        self.axis_size = axis_size
        self.axis_name = axis_name

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

    def unpack(self, x):
        """``(value, batch dim or None)`` of a value returned from the batched function."""
        if isinstance(x, BatchTracer) and x._trace is self:
            return x.val, x.bdim
        if isinstance(x, Tracer):
            self.check_foreign(x)
        return x, None


def vmap_flat(fun: Callable, args: Sequence, in_dims: Sequence, axis_size: int, axis_name=None):
    """Run ``fun(*args)`` (returning a flat list) with ``args[i]`` batched along ``in_dims[i]``
    (``None``: not batched; dims are non-negative). Returns ``(outs, out_dims)``."""
    trace = BatchTrace(current_trace(), axis_size, axis_name)
    ins = [a if d is None else BatchTracer(trace, a, d) for a, d in zip(args, in_dims)]
    try:
        with set_current_trace(trace):
            result = fun(*ins)
        pairs = [trace.unpack(o) for o in result]
    finally:
        trace.invalidate()
    return [v for v, _ in pairs], [d for _, d in pairs]


def move_batch_axis(x, dim, to, size: int):
    """Move ``x``'s batch axis from ``dim`` to ``to`` (both non-negative); an unbatched ``x``
    (``dim is None``) is broadcast along a new axis ``to`` of length ``size``."""
    if dim is not None:
        return move_bdim(x, dim, to)
    s = tuple(shape_of(x))
    dims = tuple(i if i < to else i + 1 for i in range(len(s)))
    return broadcast_in_dim(x, s[:to] + (size,) + s[to:], dims)
