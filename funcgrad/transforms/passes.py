"""Optimization passes run by ``jit`` before lowering; each is a pure ``(Jaxpr, consts) -> (Jaxpr,
consts)`` function.

- ``inline_calls``: nested ``jit`` calls (``call`` equations) become part of the program.
- ``simplify``: one forward sweep doing constant folding (equations whose inputs are all known
  are evaluated with NumPy, unless that would blow a scalar up into a big array), algebraic
  no-ops (``x*1``, ``x+0``, ``x/1``, double ``neg``/``transpose``/``reshape``, identity converts
  and broadcasts, a broadcast scalar operand of an elementwise op becomes the scalar itself,
  transposes folded into ``dot_general``) and common-subexpression elimination.
- ``dce``: drop equations no output depends on.

The backward programs ``grad`` builds are full of such no-ops (``mul ct 1.0``, broadcasts of
``1.0``, ``add_any`` of zeros); ``optimize`` runs the passes to a fixed point.

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> closed = fg.make_jaxpr(fg.grad(lambda x: jnp.sum(jnp.sin(x) * 2.0)))(jnp.ones(3))
>>> print(closed)     # the cotangent is a constant array of 2.0s; the forward pass is dead
{ lambda a:f64[3]; b:f64[3]. let
    c:f64[3] = sin b
    d:f64[3] = mul c 2.0:f64[]
    e:f64[] = reduce_sum[axes=(0,)] d
    f:f64[3] = cos b
    g:f64[3] = mul a f
  in (g,) }
>>> print(optimize(closed))
{ lambda ; a:f64[3]. let b:f64[3] = cos a; c:f64[3] = mul 2.0:f64[] b in (c,) }
"""
from __future__ import annotations

import numpy as np

from ..core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var
from ..core.lowering import INLINE, Scalar

MAX_FOLD = 1 << 20   # elements: larger constants are computed at run time


# --------------------------------------------------------------------------- inlining

def inline_calls(jaxpr: Jaxpr, consts) -> tuple[Jaxpr, list]:
    """Replace every ``call`` equation (a primitive whose lowering is ``INLINE``) by the body of
    its sub-program, recursively, with fresh variables."""
    if not any(e.primitive.lower is INLINE for e in jaxpr.eqns):
        return jaxpr, list(consts)
    env: dict[int, object] = {}

    def read(a):
        return env.get(id(a), a) if isinstance(a, Var) else a

    eqns: list[Eqn] = []

    def emit(j: Jaxpr, args, outs):
        local = {id(v): a for v, a in zip(j.invars, args)}

        def rd(a):
            return local[id(a)] if isinstance(a, Var) else a

        for e in j.eqns:
            ins = [rd(a) for a in e.inputs]
            if e.primitive.lower is INLINE:
                new_outs = [Var(v.aval) for v in e.outputs]
                emit(e.params["jaxpr"], ins, new_outs)
            else:
                new_outs = [Var(v.aval) for v in e.outputs]
                eqns.append(Eqn(e.primitive, ins, new_outs, e.params, e.source))
            for v, n in zip(e.outputs, new_outs):
                local[id(v)] = n
        for v, o in zip(outs, j.outvars):
            env[id(v)] = rd(o)

    for e in jaxpr.eqns:
        ins = [read(a) for a in e.inputs]
        if e.primitive.lower is INLINE:
            emit(e.params["jaxpr"], ins, e.outputs)
        else:
            eqns.append(Eqn(e.primitive, ins, e.outputs, e.params, e.source))
    return Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, [read(a) for a in jaxpr.outvars]), list(consts)


# --------------------------------------------------------------------------- simplification

def _lit_value(a):
    return np.asarray(a.val, dtype=a.aval.dtype)


def _param_key(v):
    if isinstance(v, (tuple, list)):
        return tuple(_param_key(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _param_key(x)) for k, x in v.items()))
    if isinstance(v, np.dtype):
        return ("dtype", v.str)
    if isinstance(v, np.ndarray):
        return ("array", v.dtype.str, v.shape, v.tobytes())
    if isinstance(v, float) and v != v:
        return ("nan",)
    try:
        hash(v)
        return v
    except TypeError:
        return ("id", id(v))


def _atom_key(a):
    if isinstance(a, Literal):
        v = _lit_value(a)
        return ("lit", v.dtype.str, v.tobytes())
    return id(a)


class _Sweep:
    """State of one forward ``simplify`` sweep."""

    def __init__(self, jaxpr: Jaxpr, consts):
        self.env: dict[int, object] = {}
        self.known: dict[int, np.ndarray] = {id(v): c for v, c in zip(jaxpr.constvars, consts)}
        self.uniform: dict[int, np.ndarray] = {}     # var -> the scalar it is a broadcast of
        self.producers: dict[int, Eqn] = {}
        self.constvars = list(jaxpr.constvars)
        self.consts = list(consts)
        self.eqns: list[Eqn] = []
        self.cse: dict = {}
        self.use_counts: dict[int, int] = {}
        self.changes = 0
        for e in jaxpr.eqns:
            for a in e.inputs:
                if isinstance(a, Var):
                    self.use_counts[id(a)] = self.use_counts.get(id(a), 0) + 1
        for a in jaxpr.outvars:
            if isinstance(a, Var):
                self.use_counts[id(a)] = self.use_counts.get(id(a), 0) + 1

    def read(self, a):
        while isinstance(a, Var) and id(a) in self.env:
            a = self.env[id(a)]
        return a

    def producer(self, a):
        """The equation (already simplified) that produced atom ``a``, if any."""
        return self.producers.get(id(a)) if isinstance(a, Var) else None

    def uses(self, a) -> int:
        """How many equations (and outputs) of the program read ``a``."""
        return self.use_counts.get(id(a), 0)

    def value(self, a):
        """The concrete value of an atom, if known."""
        if isinstance(a, Literal):
            return _lit_value(a)
        return self.known.get(id(a))

    def scalar(self, a):
        """The scalar an atom is equal to everywhere (literal, broadcast of one), if known."""
        if isinstance(a, Literal):
            return _lit_value(a)
        u = self.uniform.get(id(a))
        if u is not None:
            return u
        v = self.known.get(id(a))
        if v is not None and v.size and v.dtype != np.bool_ and v.min() == v.max():
            u = v.reshape(-1)[:1].reshape(())
            self.uniform[id(a)] = u
            return u
        return None


def _fold(sw: _Sweep, e: Eqn, ins):
    vals = [sw.value(a) for a in ins]
    if any(v is None for v in vals) or e.primitive.lower is INLINE or e.primitive.effectful:
        return False
    in_size = max([1] + [int(v.size) for v in vals])
    out_size = sum(v.aval.size for v in e.outputs)
    if out_size > max(in_size, 1) or out_size > MAX_FOLD:
        return False
    try:
        with np.errstate(all="ignore"):
            out = e.primitive.impl(*vals, **e.params)
    except Exception:
        return False
    outs = list(out) if e.primitive.multiple_results else [out]
    for v, r in zip(e.outputs, outs):
        r = np.asarray(r)
        if r.shape != v.aval.shape:
            return False
        r = r.astype(v.aval.dtype, copy=False)
        if r.ndim == 0:
            sw.env[id(v)] = Literal(r[()], v.aval)
        else:
            nv = Var(v.aval.strip_weak())
            sw.constvars.append(nv)
            sw.consts.append(np.ascontiguousarray(r))
            sw.known[id(nv)] = r
            sw.env[id(v)] = nv
    return True


def _scalar_operands(sw: _Sweep, e: Eqn, ins):
    """An elementwise operand that is a broadcast scalar (or a constant of equal elements) is
    replaced by the scalar, when the shape rule still gives the same output type."""
    if not isinstance(e.primitive.lower, Scalar) or len(ins) < 2:
        return None
    out, p = e.outputs[0], e.params
    new = list(ins)
    changed = False
    for i, a in enumerate(ins):
        pe = sw.producer(a)
        if pe is not None and pe.primitive.broadcasts_scalar and pe.inputs[0].aval.ndim == 0:
            scalar = pe.inputs[0]
        elif isinstance(a, Var) and a.aval.ndim and id(a) in sw.known and sw.scalar(a) is not None:
            scalar = Literal(sw.scalar(a)[()], a.aval.update(shape=()))   # a constant of equal elements
        else:
            continue
        trial = new[:i] + [scalar] + new[i + 1:]
        try:
            got = e.primitive.abstract_eval(*[x.aval for x in trial], **p)
        except Exception:
            continue
        if got.shape == out.aval.shape and got.dtype == out.aval.dtype:
            new = trial
            changed = True
    return (e.primitive, new, p) if changed else None


def _rewrite(sw: _Sweep, e: Eqn, ins):
    """One simplification: the primitive's own rules (its record's ``simplify_rules``), then the
    generic scalar-operand rule. Returns a replacement atom for the single output, a new
    ``(primitive, inputs, params)``, or None."""
    for rule in e.primitive.simplify_rules:
        r = rule(sw, e, ins)
        if r is not None:
            return r
    return _scalar_operands(sw, e, ins)


def simplify(jaxpr: Jaxpr, consts) -> tuple[Jaxpr, list, int]:
    """Constant folding, algebraic simplification and CSE in one forward sweep; also returns
    how many rewrites it made."""
    sw = _Sweep(jaxpr, consts)
    for e in jaxpr.eqns:
        ins = [sw.read(a) for a in e.inputs]
        if _fold(sw, e, ins):
            sw.changes += 1
            continue
        prim, params = e.primitive, e.params
        if not prim.multiple_results:
            for _ in range(4):
                r = _rewrite(sw, Eqn(prim, ins, e.outputs, params, e.source), ins)
                if r is None:
                    break
                sw.changes += 1
                if not isinstance(r, tuple):
                    sw.env[id(e.outputs[0])] = r
                    break
                prim, ins, params = r
                ins = [sw.read(a) for a in ins]
            if id(e.outputs[0]) in sw.env:
                continue
        in_keys = tuple(_atom_key(a) for a in ins)
        if prim.commutative:
            in_keys = tuple(sorted(in_keys, key=repr))
        key = (prim.name, in_keys, _param_key(params))
        prev = None if prim.effectful else sw.cse.get(key)
        if prev is not None:
            sw.changes += 1
            for v, w in zip(e.outputs, prev):
                sw.env[id(v)] = w
            continue
        sw.cse[key] = e.outputs
        new = Eqn(prim, ins, e.outputs, params, e.source)
        sw.eqns.append(new)
        for v in e.outputs:
            sw.producers[id(v)] = new
        if prim.broadcasts_scalar:
            s = sw.scalar(ins[0])
            if s is not None:
                sw.uniform[id(e.outputs[0])] = s
    outvars = [sw.read(a) for a in jaxpr.outvars]
    return Jaxpr(sw.constvars, jaxpr.invars, sw.eqns, outvars), sw.consts, sw.changes


# --------------------------------------------------------------------------- dead code

def dce(jaxpr: Jaxpr, consts) -> tuple[Jaxpr, list]:
    """Drop equations whose outputs nothing uses (unless effectful), and unused constants."""
    live = {id(a) for a in jaxpr.outvars if isinstance(a, Var)}
    kept = []
    for e in reversed(jaxpr.eqns):
        if e.primitive.effectful or any(id(v) in live for v in e.outputs):
            kept.append(e)
            live.update(id(a) for a in e.inputs if isinstance(a, Var))
    kept.reverse()
    pairs = [(v, c) for v, c in zip(jaxpr.constvars, consts) if id(v) in live]
    return Jaxpr([v for v, _ in pairs], jaxpr.invars, kept, jaxpr.outvars), [c for _, c in pairs]


def optimize(closed: ClosedJaxpr, max_rounds: int = 4) -> ClosedJaxpr:
    """Inline calls, then simplify + DCE until nothing changes."""
    jaxpr, consts = inline_calls(closed.jaxpr, closed.consts)
    jaxpr, consts = dce(jaxpr, consts)
    for _ in range(max_rounds):
        jaxpr, consts, changes = simplify(jaxpr, consts)
        jaxpr, consts = dce(jaxpr, consts)
        if not changes:
            break
    return ClosedJaxpr(jaxpr, consts)
