"""Print a Jaxpr in JAX's format.

    { lambda a:f64[3]; b:f64[2,3]. let c:f64[2,3] = mul b a; d:f64[] = reduce_sum[axes=(0, 1)] c in (d,) }

Short programs print on one line; longer ones get one equation per line.
"""
from __future__ import annotations

import numpy as np

from .avals import short_dtype
from .source_info import short

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_ONE_LINE_WIDTH = 100


class _Names:
    def __init__(self):
        self.names: dict[int, str] = {}

    def __call__(self, v) -> str:
        key = id(v)
        if key not in self.names:
            self.names[key] = _jax_name(len(self.names))
        return self.names[key]


def _jax_name(i: int) -> str:
    """0->a, 25->z, 26->ba, 27->bb, ..., 51->bz, 52->ca, ..., 701->zz, 702->baa."""
    if i < 26:
        return _LETTERS[i]
    digits = []
    while i > 0:
        i, r = divmod(i, 26)
        digits.append(_LETTERS[r])
    return "".join(reversed(digits))


def _fmt_literal(lit) -> str:
    v = lit.val
    if isinstance(v, np.ndarray):
        v = v.item()
    elif isinstance(v, np.generic):
        v = v.item()
    return f"{v!r}:{short_dtype(lit.aval.dtype)}[]"


def _fmt_param(v, names, indent) -> str:
    from .ir import ClosedJaxpr, Jaxpr
    if isinstance(v, ClosedJaxpr):
        v = v.jaxpr
    if isinstance(v, Jaxpr):
        return _pp(v, _Names(), indent + 4, source=False)
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return np.dtype(v).name
    if isinstance(v, tuple) and v and all(isinstance(x, (ClosedJaxpr, Jaxpr)) for x in v):
        inner = "\n".join(" " * (indent + 4) + _fmt_param(x, names, indent + 4) for x in v)
        return "(\n" + inner + "\n" + " " * (indent + 2) + ")"
    return repr(v) if not callable(v) else getattr(v, "__name__", repr(v))


def _atom(a, names) -> str:
    from .ir import Literal
    return _fmt_literal(a) if isinstance(a, Literal) else names(a)


def _binder(v, names) -> str:
    a = v.aval
    return f"{names(v)}:{short_dtype(a.dtype)}[{','.join(map(str, a.shape))}]"


def pp_eqn(eqn, names=None, indent=0, source=False) -> str:
    names = names or _Names()
    params = ""
    if eqn.params:
        params = "[" + " ".join(f"{k}={_fmt_param(v, names, indent)}" for k, v in eqn.params.items()) + "]"
    lhs = " ".join(_binder(v, names) for v in eqn.outputs)
    rhs = " ".join(_atom(a, names) for a in eqn.inputs)
    s = f"{lhs} = {eqn.primitive.name}{params} {rhs}".rstrip()
    if source and eqn.source:
        s += f"    # {short(eqn.source)}"
    return s


def _pp(jaxpr, names, indent=0, source=False) -> str:
    consts = " ".join(_binder(v, names) for v in jaxpr.constvars)
    ins = " ".join(_binder(v, names) for v in jaxpr.invars)
    head = f"{{ lambda {consts}; {ins}. let"
    eqns = [pp_eqn(e, names, indent, source) for e in jaxpr.eqns]
    outs = ", ".join(_atom(a, names) for a in jaxpr.outvars)
    outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
    one_line = f"{head} {'; '.join(eqns)} in {outs} }}"
    if not source and len(one_line) <= _ONE_LINE_WIDTH and "\n" not in one_line:
        return one_line
    pad = " " * (indent + 4)
    body = "\n".join(pad + e.replace("\n", "\n" + pad) for e in eqns)
    return f"{head}\n{body}\n{' ' * (indent + 2)}in {outs} }}"


def pp_jaxpr(jaxpr, source: bool = False) -> str:
    return _pp(jaxpr, _Names(), 0, source)
