"""``call``: a sub-program as one equation. ``jit(f)`` under an enclosing transform binds it.

``call[jaxpr=... name=f] *args`` runs ``jaxpr`` (a closed-over-nothing ``Jaxpr``: constants
are leading arguments) on ``args``. Every transform handles it by transforming the sub-program
and calling *that*, so the result is again one compiled program:

- impl: the jit backend compiles and runs it (``funcgrad.jit`` registers the executor; without
  one, the interpreter runs it);
- vjp: ``call`` of the staged forward+backward program (cotangents of the float inputs);
- jvp: ``call`` of the staged JVP program (primals and nonzero tangents in, outputs and tangents
  out); batch: ``call`` of the staged ``vmap`` of the body (batch axes moved to 0);
- lower: ``INLINE``: a ``call`` inside a jitted program is inlined by the passes.

Derived programs are built once per (sub-program, transform detail) and cached.

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> print(fg.make_jaxpr(lambda x: fg.jit(jnp.sin)(x) * 2.0)(1.0))
{ lambda ; a:f64[]. let
    b:f64[] = call[jaxpr={ lambda ; a:f64[]. let b:f64[] = sin a in (b,) } name='sin'] a
    c:f64[] = mul b 2.0:f64[]
  in (c,) }
"""
from __future__ import annotations

from typing import Callable

from ..core.avals import is_float
from ..core.errors import FuncgradError
from ..core.ir import Jaxpr, aval_of_value
from ..core.lru import LRU, size_from_env
from ..core.lowering import INLINE
from ..core.primitive import Zero, def_primitive
from ..core.trace import EVAL, StagingTrace, current_trace, eval_jaxpr, set_current_trace
from ..primitives.elementwise import zeros_like_aval
from ..primitives.shape import move_bdim, shape_of
from ..transforms.jvp import JVPTrace, JVPTracer
from ..transforms.passes import dce
from ..transforms.vjp import Recording
from ..transforms.vmap import BatchTrace, BatchTracer


def _interpret(jaxpr: Jaxpr, args):
    return eval_jaxpr(jaxpr, [], list(args))


_EXECUTOR: list[Callable] = [_interpret]


def set_executor(fn: Callable) -> None:
    """Install ``fn(jaxpr, args) -> outputs``, the executor of ``call`` on concrete values."""
    _EXECUTOR[0] = fn


# --------------------------------------------------------------------------- derived programs

#: programs derived from a sub-program (its VJP, JVP, vmap, compiled executable), per sub-program
_DERIVED = LRU(size_from_env("FUNCGRAD_DERIVED_CACHE_SIZE", 1024))


def derived(jaxpr: Jaxpr, key, build: Callable):
    """``build()`` cached per (``jaxpr`` object, ``key``) in a bounded LRU."""
    entry = _DERIVED.get_or_build(id(jaxpr), lambda: (jaxpr, LRU(64)))   # (it holds the jaxpr,
    return entry[1].get_or_build(key, build)                              # so its id stays unique)


def stage(fn: Callable, in_avals, name: str = "jit", parent=EVAL) -> tuple[Jaxpr, list]:
    """Trace ``fn`` on ``in_avals`` to a closed-over-nothing ``Jaxpr`` (its constants become
    leading inputs) and the constants' values. Operations on values of ``parent`` (closed-over
    tracers of an enclosing transform) run in ``parent``; their results become constants."""
    trace = StagingTrace(parent, name)
    tracers = [trace.new_arg(a) for a in in_avals]
    try:
        with set_current_trace(trace):
            outs = fn(*tracers)
        closed = trace.to_jaxpr(list(outs))
    finally:
        trace.invalidate()
    j = closed.jaxpr
    return Jaxpr([], list(j.constvars) + list(j.invars), j.eqns, j.outvars), list(closed.consts)


def bind_call(jaxpr: Jaxpr, consts, args, name: str):
    return call_p.bind(*consts, *args, jaxpr=jaxpr, name=name)


# --------------------------------------------------------------------------- rules

def _call_abstract(*avals, jaxpr, name):
    want = [v.aval for v in jaxpr.invars]
    if len(avals) != len(want):
        raise FuncgradError(f"call {name}: {len(want)} arguments expected, got {len(avals)}")
    for a, w in zip(avals, want):
        if a.shape != w.shape or a.dtype != w.dtype:
            raise FuncgradError(f"call {name}: argument {a} does not match the program's {w}")
    return [v.aval for v in jaxpr.outvars]


def _call_impl(*args, jaxpr, name):
    return _EXECUTOR[0](jaxpr, args)


def _vjp_program(jaxpr: Jaxpr):
    """(*args, *out_cts) -> cotangents of the float inputs (zeros where none flows)."""
    n_in = len(jaxpr.invars)
    floats = [i for i, v in enumerate(jaxpr.invars) if is_float(v.aval.dtype)]

    def fwd_bwd(*xs):
        args, cts = xs[:n_in], xs[n_in:]
        rec = Recording(lambda *ts: eval_jaxpr(jaxpr, [], list(ts)), args, "vjp")
        in_cts = rec.pullback(rec.result, list(cts))
        return [zeros_like_aval(jaxpr.invars[i].aval.strip_weak()) if in_cts[i] is None else in_cts[i]
                for i in floats]

    avals = [v.aval for v in jaxpr.invars] + [a.strip_weak() for a in
                                             (v.aval for v in jaxpr.outvars)]
    prog, consts = stage(fwd_bwd, avals, "vjp")
    return prog, consts, floats


def _vjp_split(jaxpr: Jaxpr):
    """The forward program ``(*args) -> (*outs, *residuals)`` and the backward program
    ``(*args, *residuals, *out_cts) -> cotangents of the float inputs``: the forward runs once;
    the residuals are exactly the recorded values the staged backward sweep reads (the backward
    program is staged on every recorded value, and the ones it does not use are dropped)."""
    n_in = len(jaxpr.invars)
    floats = [i for i, v in enumerate(jaxpr.invars) if is_float(v.aval.dtype)]
    box = {}

    def fwd(*args):
        rec = Recording(lambda *xs: eval_jaxpr(jaxpr, [], list(xs)), args, "vjp")
        tr = rec.trace
        saved = list(tr.constvars) + [v for e in tr.eqns for v in e.outputs]
        box.update(rec=rec, saved=saved)
        return [rec.value(o) for o in rec.result] + [tr.env[v] for v in saved]

    in_avals = [v.aval for v in jaxpr.invars]
    fwd_prog, fwd_consts = stage(fwd, in_avals, "vjp_fwd")
    rec, saved = box["rec"], box["saved"]
    outs = rec.result
    n_saved = len(saved)

    def bwd(*xs):
        args, res, cts = xs[:n_in], xs[n_in:n_in + n_saved], xs[n_in + n_saved:]
        env = dict(zip(rec.trace.invars, args))
        env.update(zip(saved, res))
        in_cts = rec.pullback(outs, list(cts), env)
        return [zeros_like_aval(jaxpr.invars[i].aval.strip_weak()) if in_cts[i] is None else in_cts[i]
                for i in floats]

    bwd_avals = in_avals + [v.aval for v in saved] + [v.aval.strip_weak() for v in jaxpr.outvars]
    bwd_prog, bwd_consts = stage(bwd, bwd_avals, "vjp_bwd")
    # keep the residuals the backward program reads
    nc = len(bwd_consts)
    used = {id(a) for e in bwd_prog.eqns for a in e.inputs} | {id(a) for a in bwd_prog.outvars}
    res_vars = bwd_prog.invars[nc + n_in:nc + n_in + n_saved]
    keep = [k for k, v in enumerate(res_vars) if id(v) in used]
    inv = bwd_prog.invars
    bwd_prog = Jaxpr([], inv[:nc + n_in] + [res_vars[k] for k in keep] + inv[nc + n_in + n_saved:],
                     bwd_prog.eqns, bwd_prog.outvars)
    n_out = len(jaxpr.outvars)
    fwd_prog, _ = dce(Jaxpr([], fwd_prog.invars, fwd_prog.eqns,
                            fwd_prog.outvars[:n_out] + [fwd_prog.outvars[n_out + k] for k in keep]), [])
    return fwd_prog, fwd_consts, bwd_prog, bwd_consts, floats


def _call_vjp_fwd(*args, jaxpr, name):
    """Recorded for grad: the forward program, returning the outputs and the residuals."""
    fwd_prog, fwd_consts, _, _, _ = derived(jaxpr, "vjp_split", lambda: _vjp_split(jaxpr))
    res = bind_call(fwd_prog, fwd_consts, list(args), f"fwd_{name}")
    n_out = len(jaxpr.outvars)
    return list(res[:n_out]), (list(args), list(res[n_out:]))


def _call_vjp_bwd(residuals, ct, *, jaxpr, name):
    """The backward program on the saved residuals (no second forward pass)."""
    _, _, bwd_prog, bwd_consts, floats = derived(jaxpr, "vjp_split", lambda: _vjp_split(jaxpr))
    args, res = residuals
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    got = bind_call(bwd_prog, bwd_consts, args + res + cts, f"bwd_{name}")
    out = [None] * len(args)
    for k, i in enumerate(floats):
        out[i] = got[k]
    return out


def _call_vjp(ct, *args, out, jaxpr, name):
    prog, consts, floats = derived(jaxpr, "vjp", lambda: _vjp_program(jaxpr))
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    memo = []

    def get(k):
        if not memo:
            memo.append(bind_call(prog, consts, list(args) + cts, f"vjp_{name}"))
        return memo[0][k]

    res = [None] * len(args)
    for k, i in enumerate(floats):
        res[i] = (lambda k=k: get(k))
    return res


def jvp_of_jaxpr(jaxpr: Jaxpr, primals, tangents):
    """Forward mode through ``jaxpr`` in the current trace: ``(outputs, output tangents)``, a
    ``Zero`` tangent where none flows (and for ``Zero`` input tangents)."""
    trace = JVPTrace(current_trace())
    ins = [p if isinstance(t, Zero) else JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
    try:
        with set_current_trace(trace):
            outs = eval_jaxpr(jaxpr, [], ins)
    finally:
        trace.invalidate()
    prim, tout = [], []
    for o, v in zip(outs, jaxpr.outvars):
        own = isinstance(o, JVPTracer) and o._trace is trace
        prim.append(o.primal if own else o)
        tout.append(o.tangent if own else Zero(v.aval.strip_weak()))
    return prim, tout


def _jvp_program(jaxpr: Jaxpr, nonzero):
    n_in = len(jaxpr.invars)

    def jvp_fn(*xs):
        primals, tans = xs[:n_in], list(xs[n_in:])
        tangents = [tans.pop(0) if nz else Zero(v.aval) for v, nz in zip(jaxpr.invars, nonzero)]
        prim, tout = jvp_of_jaxpr(jaxpr, primals, tangents)
        return prim + [zeros_like_aval(v.aval.strip_weak()) if isinstance(t, Zero) else t
                       for t, v in zip(tout, jaxpr.outvars)]

    avals = [v.aval for v in jaxpr.invars]
    avals += [a.strip_weak() for a, nz in zip(avals, nonzero) if nz]
    prog, consts = stage(jvp_fn, avals, "jvp")
    return prog, consts


def _call_jvp(primals, tangents, *, jaxpr, name):
    nonzero = tuple(not isinstance(t, Zero) for t in tangents)
    prog, consts = derived(jaxpr, ("jvp", nonzero), lambda: _jvp_program(jaxpr, nonzero))
    tans = [t for t in tangents if not isinstance(t, Zero)]
    res = bind_call(prog, consts, list(primals) + tans, f"jvp_{name}")
    n = len(jaxpr.outvars)
    return list(res[:n]), list(res[n:])


def _batch_program(jaxpr: Jaxpr, in_avals, dims, size):
    """The vmapped body with batch axes moved to 0; outputs that do not depend on a batched
    input stay unbatched (``mask`` says which are batched)."""
    mask = []

    def batched(*xs):
        from ..core.trace import current_trace
        trace = BatchTrace(current_trace(), size)
        ins = [x if d is None else BatchTracer(trace, x, d) for x, d in zip(xs, dims)]
        try:
            with set_current_trace(trace):
                outs = eval_jaxpr(jaxpr, [], ins)
        finally:
            trace.invalidate()
        res = []
        for o in outs:
            if isinstance(o, BatchTracer) and o._trace is trace:
                res.append(move_bdim(o.val, o.bdim, 0))
                mask.append(True)
            else:
                res.append(o)
                mask.append(False)
        return res

    prog, consts = stage(batched, in_avals, "vmap")
    return prog, consts, tuple(mask)


def _call_batch(args, dims, *, jaxpr, name):
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    in_avals = tuple(aval_of_value(a) for a in args)
    key = ("vmap", tuple(dims), size, in_avals)
    prog, consts, mask = derived(jaxpr, key, lambda: _batch_program(jaxpr, in_avals, dims, size))
    res = bind_call(prog, consts, list(args), f"vmap_{name}")
    return list(res), [0 if b else None for b in mask]


call_p = def_primitive(
    "call", abstract_eval=_call_abstract, impl=_call_impl, vjp=_call_vjp, jvp=_call_jvp,
    batch=_call_batch, lower=INLINE, multiple_results=True)
call_p.vjp_fwd = _call_vjp_fwd
call_p.vjp_bwd = _call_vjp_bwd
