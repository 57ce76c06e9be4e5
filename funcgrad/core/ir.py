"""The IR: a small, typed, first-order program in A-normal form, shaped like JAX's jaxpr.

>>> import numpy as np
>>> from funcgrad.core.avals import Aval
>>> a = Var(Aval((3,), np.float64))
>>> str(Jaxpr([], [a], [], [a]))
'{ lambda ; a:f64[3]. let  in (a,) }'
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .array import WeakArray
from .avals import Aval
from .config import config


class Var:
    """A variable: identity semantics, typed by an ``Aval``. Names are given only when printing."""

    __slots__ = ("aval",)

    def __init__(self, aval: Aval):
        self.aval = aval

    def __repr__(self):
        return f"Var({self.aval})"


class Literal:
    """An inline scalar constant (arrays become constvars instead)."""

    __slots__ = ("val", "aval")

    def __init__(self, val, aval: Aval):
        self.val = val
        self.aval = aval

    def __repr__(self):
        return f"Literal({self.val!r}:{self.aval})"


Atom = Any  # Var | Literal


class Eqn:
    """One equation: ``outputs = primitive[params] inputs``, with the user's ``file:line``."""

    __slots__ = ("primitive", "inputs", "outputs", "params", "source")

    def __init__(self, primitive, inputs, outputs, params, source=""):
        self.primitive = primitive
        self.inputs = inputs if type(inputs) is list else list(inputs)
        self.outputs = outputs if type(outputs) is list else list(outputs)
        self.params = params if type(params) is dict else dict(params)
        self.source = source

    # JAX's attribute names, for code written against jax.extend.core.JaxprEqn.
    @property
    def invars(self):
        return self.inputs

    @property
    def outvars(self):
        return self.outputs

    @property
    def source_info(self):
        return self.source

    def __repr__(self):
        from .pretty import pp_eqn
        return pp_eqn(self)


class Jaxpr:
    """``{ lambda constvars ; invars . let eqns in outvars }``."""

    __slots__ = ("constvars", "invars", "eqns", "outvars")

    def __init__(self, constvars, invars, eqns, outvars):
        self.constvars = list(constvars)
        self.invars = list(invars)
        self.eqns = list(eqns)
        self.outvars = list(outvars)

    @property
    def in_avals(self):
        return [v.aval for v in self.invars]

    @property
    def out_avals(self):
        return [v.aval for v in self.outvars]

    def __str__(self):
        from .pretty import pp_jaxpr
        return pp_jaxpr(self)

    def pretty(self, source: bool = False) -> str:
        from .pretty import pp_jaxpr
        return pp_jaxpr(self, source=source)

    __repr__ = __str__


class ClosedJaxpr:
    """A ``Jaxpr`` together with the values of its constvars (what ``make_jaxpr`` returns)."""

    __slots__ = ("jaxpr", "consts")

    def __init__(self, jaxpr: Jaxpr, consts):
        self.jaxpr = jaxpr
        self.consts = list(consts)

    @property
    def literals(self):
        return self.consts

    @property
    def eqns(self):
        return self.jaxpr.eqns

    @property
    def in_avals(self):
        return self.jaxpr.in_avals

    @property
    def out_avals(self):
        return self.jaxpr.out_avals

    def pretty(self, source: bool = False) -> str:
        return self.jaxpr.pretty(source=source)

    def __str__(self):
        return str(self.jaxpr)

    __repr__ = __str__


def aval_of_value(x) -> Aval:
    """The ``Aval`` of a concrete value (Python scalars are weakly typed)."""
    if isinstance(x, np.ndarray):
        return Aval.unchecked(x.shape, x.dtype, type(x) is WeakArray)
    aval = getattr(x, "aval", None)
    if isinstance(aval, Aval):
        return aval
    if isinstance(x, np.generic):          # before float: np.float64 subclasses float, strong
        return Aval((), x.dtype, False)
    if isinstance(x, bool):
        return Aval((), np.bool_, True)
    if isinstance(x, int):
        return Aval((), np.int64 if config.jax_enable_x64 else np.int32, True)
    if isinstance(x, float):
        return Aval((), np.float64 if config.jax_enable_x64 else np.float32, True)
    if isinstance(x, complex):
        return Aval((), np.complex128 if config.jax_enable_x64 else np.complex64, True)
    arr = np.asarray(x)
    return Aval(arr.shape, arr.dtype, False)


class JaxprTypeError(Exception):
    """``check_jaxpr`` found an ill-formed program."""


def check_jaxpr(jaxpr: Jaxpr) -> None:
    """Check single assignment, that every var is bound before use, and that every equation's
    outputs match its primitive's shape rule. Raises ``JaxprTypeError``."""
    bound: set[int] = set()

    def bind(v):
        if not isinstance(v, Var):
            raise JaxprTypeError(f"binder {v!r} is not a Var")
        if id(v) in bound:
            raise JaxprTypeError(f"variable {v} bound twice")
        bound.add(id(v))

    def read(a):
        if isinstance(a, Literal):
            return a.aval
        if id(a) not in bound:
            raise JaxprTypeError(f"variable {a} used before it is bound")
        return a.aval

    for v in jaxpr.constvars:
        bind(v)
    for v in jaxpr.invars:
        bind(v)
    for eqn in jaxpr.eqns:
        in_avals = [read(a) for a in eqn.inputs]
        out = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
        outs = list(out) if eqn.primitive.multiple_results else [out]
        if len(outs) != len(eqn.outputs):
            raise JaxprTypeError(f"{eqn.primitive.name}: {len(outs)} outputs expected, got {len(eqn.outputs)}")
        for want, v in zip(outs, eqn.outputs):
            if want.shape != v.aval.shape or want.dtype != v.aval.dtype:
                raise JaxprTypeError(
                    f"{eqn.primitive.name}{' at ' + eqn.source if eqn.source else ''}: output typed "
                    f"{v.aval}, shape rule says {want}")
            bind(v)
        sub = eqn.params.get("jaxpr")
        if isinstance(sub, (Jaxpr, ClosedJaxpr)):
            check_jaxpr(sub.jaxpr if isinstance(sub, ClosedJaxpr) else sub)
    for a in jaxpr.outvars:
        read(a)
