"""Reverse mode of ``scan``: a forward scan that stacks per-step residuals, then a scan in the
opposite direction running the backward half of the body's VJP program.

The body's VJP program (``(consts, carry, x, cts) -> input cotangents``: its forward pass
recorded, then the backprop sweep) is split by dependence on the cotangents (partial
evaluation):

- *known* equations do not read a cotangent: the forward pass. Those that vary per step (they
  read the carry or ``x``) run in the forward scan; the values the backward half reads are its
  *residuals*, stacked per step (``length x residual`` memory: for an RNN, the hidden state);
  loop-invariant ones (transposed weights...) are recomputed in the backward body;
- *unknown* equations (they read a cotangent) form the backward body.

The forward scan's body is the user's body plus the residual computations; CSE merges the
two copies of the forward pass (``transforms.passes``), so each step's forward work is done
once. The user's own forward scan is separate (its outputs are what the user sees).

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> from funcgrad import lax
>>> f = lambda w: lax.scan(lambda h, x: (jnp.tanh(w * h + x), None), 0.5, jnp.ones(3))[0]
>>> round(float(fg.grad(f)(0.3)), 6) == round(float(fg.grad(lambda w: jnp.tanh(w * jnp.tanh(
...     w * jnp.tanh(w * 0.5 + 1.0) + 1.0) + 1.0))(0.3)), 6)
True
"""
from __future__ import annotations

import weakref

from ..core.avals import is_float
from ..core.ir import ClosedJaxpr, Jaxpr, Var, aval_of_value
from ..core.trace import current_trace
from ..primitives.elementwise import add, zeros_like_aval
from ..transforms.passes import optimize
from .call import derived, stage
from .subprograms import out_avals, run, vjp_jaxpr


def _split(xs, *counts):
    out, i = [], 0
    for c in counts:
        out.append(list(xs[i:i + c]))
        i += c
    out.append(list(xs[i:]))
    return out


#: forward programs bound by ``lax.scan`` under ``grad`` -> what their VJP rule needs
_FWD_ORIGIN: dict[int, tuple] = {}


def split_programs(jaxpr: Jaxpr, num_consts: int, num_carry: int, need_c=None, need_x=None):
    """``(fwd, fwd_consts, bwd, bwd_consts, n_res, fl_c, fl_k, fl_x)``:

    - ``fwd``: ``[fwd_consts, consts, carry, x] -> [carry, y, residuals]``
    - ``bwd``: ``[bwd_consts, consts ; ct_carry(float), acc(float consts) ; residuals, x, ct_y]
      -> [ct_carry ; acc + ct_consts ; ct_x(float)]``

    ``need_c``/``need_x`` (flags per constant / scanned input; default all) drop the
    cotangents nobody asked for (a scanned data array), and the backward work computing them.
    """
    key = ("ctl_scan_split", num_consts, num_carry,
           None if need_c is None else tuple(need_c), None if need_x is None else tuple(need_x))

    def build():
        vprog, vconsts, _ = vjp_jaxpr(jaxpr)
        nx = len(jaxpr.invars) - num_consts - num_carry
        n_out = len(jaxpr.outvars)
        VC, C, K, X, CT = _split(vprog.invars, len(vconsts), num_consts, num_carry, nx)
        assert len(CT) == n_out
        unknown = {id(v) for v in CT}
        varying = {id(v) for v in K + X}
        known_eqns, invariant_eqns, unknown_eqns = [], [], []
        for e in vprog.eqns:
            ins = [id(a) for a in e.inputs if isinstance(a, Var)]
            if any(i in unknown for i in ins):
                unknown_eqns.append(e)
                unknown.update(id(v) for v in e.outputs)
            elif any(i in varying for i in ins):
                known_eqns.append(e)
                varying.update(id(v) for v in e.outputs)
            else:
                invariant_eqns.append(e)
        x_ids = {id(v) for v in X}
        res, seen = [], set()
        for a in [a for e in unknown_eqns for a in e.inputs] + list(vprog.outvars):
            if (isinstance(a, Var) and id(a) in varying and id(a) not in unknown
                    and id(a) not in x_ids and id(a) not in seen):
                seen.add(id(a))
                res.append(a)
        a_c, a_k, a_x = _split([v.aval for v in jaxpr.invars], num_consts, num_carry)

        def fwd_fn(*vals):
            outs = run(jaxpr, vals)
            return outs + run(known_with_invariants, list(vconsts) + list(vals))

        known_with_invariants = Jaxpr([], VC + C + K + X, invariant_eqns + known_eqns, res)
        fprog, fconsts = stage(fwd_fn, a_c + a_k + a_x, "scan_fwd")
        opt = optimize(ClosedJaxpr(fprog, []))
        fwd = Jaxpr([], opt.jaxpr.constvars + opt.jaxpr.invars, opt.jaxpr.eqns,
                    opt.jaxpr.outvars)
        fconsts = list(opt.consts) + list(fconsts)

        back = Jaxpr([], VC + C + res + X + CT, invariant_eqns + unknown_eqns, vprog.outvars)
        o_avals = out_avals(jaxpr)
        fl_c = [i for i, a in enumerate(a_c) if is_float(a.dtype) and (need_c is None or need_c[i])]
        fl_k = [i for i, a in enumerate(a_k) if is_float(a.dtype)]
        fl_x = [i for i, a in enumerate(a_x) if is_float(a.dtype) and (need_x is None or need_x[i])]
        all_c = [i for i, a in enumerate(a_c) if is_float(a.dtype)]
        all_x = [i for i, a in enumerate(a_x) if is_float(a.dtype)]
        n_fc, n_fk = len(fl_c), len(fl_k)

        def bwd_fn(*vals):
            consts, ct_k, acc, r, x, ct_y = _split(vals, num_consts, n_fk, n_fc, len(res), nx)
            it = iter(ct_k)
            ct_all_k = [next(it) if is_float(a.dtype) else zeros_like_aval(a.strip_weak())
                        for a in o_avals[:num_carry]]
            cts = run(back, list(vconsts) + consts + r + x + ct_all_k + ct_y)
            g_c, g_k, g_x = _split(cts, len(all_c), n_fk)
            g_c = [g for i, g in zip(all_c, g_c) if i in fl_c]
            g_x = [g for i, g in zip(all_x, g_x) if i in fl_x]
            return g_k + [add(a, g) for a, g in zip(acc, g_c)] + g_x

        in_avals = (a_c + [a_k[i].strip_weak() for i in fl_k] + [a_c[i].strip_weak() for i in fl_c]
                    + [v.aval for v in res] + a_x + [a.strip_weak() for a in o_avals[num_carry:]])
        bprog, bconsts = stage(bwd_fn, in_avals, "scan_bwd")
        opt = optimize(ClosedJaxpr(bprog, []))      # drops the work of unneeded cotangents
        bprog = Jaxpr([], opt.jaxpr.constvars + opt.jaxpr.invars, opt.jaxpr.eqns,
                      opt.jaxpr.outvars)
        bconsts = list(opt.consts) + list(bconsts)
        return fwd, fconsts, bprog, bconsts, len(res), fl_c, fl_k, fl_x
    return derived(jaxpr, key, build)


def bind_forward_with_residuals(scan_p, jaxpr, consts, init, xs, length, reverse, need_c, need_x):
    """Under ``grad``: bind the forward scan that also stacks the residuals, so the VJP rule
    does not run the forward pass again. Returns the user-visible outputs."""
    nc, nk = len(consts), len(init)
    fwd, fconsts, _, _, n_res, _, _, _ = split_programs(jaxpr, nc, nk, need_c, need_x)
    origin = _FWD_ORIGIN.get(id(fwd))
    if origin is None or origin[0] is not fwd:
        origin = _FWD_ORIGIN[id(fwd)] = (fwd, jaxpr, nc, nk, n_res, need_c, need_x, len(fconsts),
                                         weakref.WeakSet())
    # the VJP rule runs in the recording trace's parent: only there are the residual outputs
    # unused (an enclosing grad may differentiate through them: it takes the general path)
    origin[-1].add(current_trace().parent)
    outs = scan_p.bind(*fconsts, *consts, *init, *xs, jaxpr=fwd, length=length,
                       reverse=reverse, num_consts=len(fconsts) + nc, num_carry=nk)
    return outs[:len(outs) - n_res]


def scan_vjp(ct, args, out, scan_p, jaxpr, length, reverse, num_consts, num_carry):
    """The ``vjp`` rule of ``scan`` (called by ``loops.py``)."""
    origin = _FWD_ORIGIN.get(id(jaxpr))
    cts = list(ct)
    if origin is not None and origin[0] is jaxpr and current_trace() in origin[-1]:
        _, orig, nc, nk, n_res, need_c, need_x, n_f, _ = origin   # the forward stacked them
        fwd, fconsts, bwd, bconsts, n_res, fl_c, fl_k, fl_x = split_programs(
            orig, nc, nk, need_c, need_x)
        stacked = list(out[len(out) - n_res:])
        cts = cts[:len(cts) - n_res]
        grads = _backward(cts, list(args[n_f:]), stacked, scan_p, bwd, bconsts, fl_c, fl_k,
                          fl_x, length, reverse, nc, nk)
        return [None] * n_f + grads
    fwd, fconsts, bwd, bconsts, n_res, fl_c, fl_k, fl_x = split_programs(
        jaxpr, num_consts, num_carry)
    f_outs = scan_p.bind(*fconsts, *args, jaxpr=fwd, length=length, reverse=reverse,
                         num_consts=len(fconsts) + num_consts, num_carry=num_carry)
    stacked = f_outs[len(f_outs) - n_res:]
    return _backward(cts, list(args), stacked, scan_p, bwd, bconsts, fl_c, fl_k, fl_x, length,
                     reverse, num_consts, num_carry)


def _backward(cts, args, stacked, scan_p, bwd, bconsts, fl_c, fl_k, fl_x, length, reverse,
              num_consts, num_carry):
    consts, init, xs = _split(args, num_consts, num_carry)
    ct_k, ct_y = cts[:num_carry], cts[num_carry:]
    acc0 = [zeros_like_aval(aval_of_value(consts[i]).strip_weak()) for i in fl_c]
    res = scan_p.bind(*bconsts, *consts, *[ct_k[i] for i in fl_k], *acc0, *stacked, *xs, *ct_y,
                      jaxpr=bwd, length=length, reverse=not reverse,
                      num_consts=len(bconsts) + num_consts, num_carry=len(fl_k) + len(fl_c))
    g_k, g_c, g_x = _split(res, len(fl_k), len(fl_c))
    grads: list = [None] * len(args)
    for i, g in zip(fl_c, g_c):
        grads[i] = g
    for i, g in zip(fl_k, g_k):
        grads[num_consts + i] = g
    for i, g in zip(fl_x, g_x):
        grads[num_consts + num_carry + i] = g
    return grads
