"""Reverse mode through ``while_loop`` with a data-dependent trip count (JAX refuses this).

``while_grad[cond_jaxpr body_jaxpr bwd_jaxpr ...] *cond_consts *body_consts *bwd_consts *init
*ct`` is the VJP of a ``while``: it reruns the loop from ``init``, pushing each iteration's input
carry on a growable stack (so memory grows with the iterations actually run: ``n x carry``
bytes, nothing is allocated ahead), then pops the stack, running ``bwd_jaxpr`` (the body's VJP
program, which recomputes that iteration's internals from its carry) once per iteration. It
returns the cotangents of the float body constants, then of the float initial carries.

The trip count is found by running the loop, so it is the same forward and backward; the
forward pass of the enclosing program is not reused (the loop runs twice forward in all).

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> from funcgrad import lax
>>> def sqrt_newton(a):      # Newton's iterations to a tolerance: the trip count depends on a
...     return lax.while_loop(lambda x: jnp.abs(x * x - a) > 1e-12, lambda x: 0.5 * (x + a / x), a)
>>> round(float(fg.grad(sqrt_newton)(4.0)), 6)     # d sqrt(a) / da = 1 / (2 sqrt(a))
0.25

Batching (``vmap`` of a gradient, or ``jacrev``, which batches only the cotangents) runs the
masked batched loop (every example's carry is kept until the last example is done; finished
examples pass their cotangents through unchanged). Differentiating ``while_grad`` again
(reverse mode first, then any mode: ``grad(grad)``, ``hessian``) is not supported: its rules
raise ``HigherOrderWhileError`` naming the alternatives. Reverse mode *last* works, since the
``jvp`` of a ``while`` is a ``while``:

>>> f = lambda x: lax.while_loop(lambda c: c[0] < 10.0,
...                              lambda c: (c[0] * 1.5 + c[1], c[1] * jnp.sin(x)), (x, x))[1]
>>> round(float(fg.jacrev(fg.jacfwd(f))(0.7)), 6)          # d2f/dx2, 5 iterations at x = 0.7
3.118621
"""
from __future__ import annotations

from ..core.avals import is_float
from ..core.errors import FuncgradError
from ..core.lowering import Driver
from ..core.primitive import def_primitive
from ..primitives.elementwise import add, zeros_like_aval
from . import lowering_hook
from .call import derived, stage
from .loops import _split, batched_while
from .subprograms import batch_size, run, to_front, vjp_jaxpr


class HigherOrderWhileError(FuncgradError, NotImplementedError):
    """Second-order differentiation through a ``while_loop`` with a dynamic trip count."""


def bwd_program(body_jaxpr, body_nconsts: int):
    """``[bwd_consts, body_consts, carry, ct_carry(float)] -> [ct_body_consts(float),
    ct_carry(float)]``: one iteration of the backward loop. Returns ``(jaxpr, consts,
    float_const_positions, float_carry_positions)``."""
    def build():
        vprog, vconsts, _ = vjp_jaxpr(body_jaxpr)
        avals = [v.aval for v in body_jaxpr.invars]
        a_b, a_k = avals[:body_nconsts], avals[body_nconsts:]
        fl_b = [i for i, a in enumerate(a_b) if is_float(a.dtype)]
        fl_k = [i for i, a in enumerate(a_k) if is_float(a.dtype)]
        out_k = [a.aval for a in body_jaxpr.outvars]

        def step(*vals):
            b, k, ct = _split(vals, len(a_b), len(a_k))
            it = iter(ct)
            ct_all = [next(it) if is_float(a.dtype) else zeros_like_aval(a.strip_weak())
                      for a in out_k]
            return run(vprog, list(vconsts) + b + k + ct_all)

        prog, consts = stage(step, a_b + a_k + [a_k[i].strip_weak() for i in fl_k], "while_vjp")
        return prog, consts, fl_b, fl_k
    return derived(body_jaxpr, ("ctl_while_bwd", body_nconsts), build)


def while_vjp(ct, args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
    """The ``vjp`` rule of ``while`` (called by ``loops.py``)."""
    cc, bc, init = _split(args, cond_nconsts, body_nconsts)
    bwd, wc, fl_b, fl_k = bwd_program(body_jaxpr, body_nconsts)
    cts = list(ct)
    outs = while_grad_p.bind(*cc, *bc, *wc, *init, *[cts[i] for i in fl_k],
                             cond_jaxpr=cond_jaxpr, body_jaxpr=body_jaxpr, bwd_jaxpr=bwd,
                             cond_nconsts=cond_nconsts, body_nconsts=body_nconsts,
                             bwd_nconsts=len(wc))
    grads: list = [None] * len(args)
    for j, i in enumerate(fl_b):
        grads[cond_nconsts + i] = outs[j]
    for j, i in enumerate(fl_k):
        grads[cond_nconsts + body_nconsts + i] = outs[len(fl_b) + j]
    return grads


def _abstract(*avals, cond_jaxpr, body_jaxpr, bwd_jaxpr, cond_nconsts, body_nconsts, bwd_nconsts):
    return [a.aval.strip_weak() for a in bwd_jaxpr.outvars]


def _impl(*args, cond_jaxpr, body_jaxpr, bwd_jaxpr, cond_nconsts, body_nconsts, bwd_nconsts):
    nk = len(body_jaxpr.outvars)
    cc, bc, wc, carry, ct = _split(args, cond_nconsts, body_nconsts, bwd_nconsts, nk)
    stack = []                      # one entry per iteration actually run
    while bool(run(cond_jaxpr, cc + carry)[0]):
        stack.append(carry)
        carry = run(body_jaxpr, bc + carry)
    n_fb = len(bwd_jaxpr.outvars) - len(ct)
    acc = [zeros_like_aval(a.aval.strip_weak()) for a in bwd_jaxpr.outvars[:n_fb]]
    while stack:
        outs = run(bwd_jaxpr, wc + bc + stack.pop() + ct)
        acc = [add(a, g) for a, g in zip(acc, outs[:n_fb])]
        ct = outs[n_fb:]
    return acc + list(ct)


def _batch(args, dims, *, cond_jaxpr, body_jaxpr, bwd_jaxpr, cond_nconsts, body_nconsts,
           bwd_nconsts):
    size = batch_size(args, dims)    # only the cotangents may be batched (jacrev)
    nk = len(body_jaxpr.outvars)
    n_loop = cond_nconsts + body_nconsts
    loop_args = list(args[:n_loop]) + list(args[n_loop + bwd_nconsts:n_loop + bwd_nconsts + nk])
    loop_dims = list(dims[:n_loop]) + list(dims[n_loop + bwd_nconsts:n_loop + bwd_nconsts + nk])
    ct = args[n_loop + bwd_nconsts + nk:]
    ct_dims = dims[n_loop + bwd_nconsts + nk:]
    cj, c_ops, bj, b_ops, init0, _, prefix = batched_while(
        cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts, loop_args, loop_dims, force=True,
        size=size)
    bwd, wc, fl_b, fl_k = bwd_program(bj, len(b_ops))
    ct0 = [to_front(c, d, size) for c, d in zip(ct, ct_dims)]
    outs = while_grad_p.bind(*c_ops, *b_ops, *wc, *init0, *ct0, cond_jaxpr=cj, body_jaxpr=bj,
                             bwd_jaxpr=bwd, cond_nconsts=len(c_ops), body_nconsts=len(b_ops),
                             bwd_nconsts=len(wc))
    # keep the cotangents of the original body constants (they follow ``prefix`` new ones)
    orig_fl_b = [i for i, v in enumerate(body_jaxpr.invars[:body_nconsts])
                 if is_float(v.aval.dtype)]
    pos = {p: j for j, p in enumerate(fl_b)}
    res = [outs[pos[prefix + i]] for i in orig_fl_b] + list(outs[len(fl_b):])
    return res, [0] * len(res)


def _higher_order(*args, **params):
    from ..core.source_info import user_frame_info
    raise HigherOrderWhileError(
        f"at {user_frame_info()}: differentiating the reverse-mode gradient of a "
        "lax.while_loop with a data-dependent trip count again (grad of grad, jvp/jacfwd of "
        "grad, hessian = jacfwd(jacrev)) is not supported. For second derivatives take the "
        "reverse mode last: jacrev(jacfwd(f)) instead of hessian(f), or "
        "grad(lambda x: jvp(f, (x,), (v,))[1]) for a Hessian-vector product; or use "
        "lax.fori_loop with static bounds or lax.scan (both differentiate to any order).")


while_grad_p = def_primitive(
    "while_grad", abstract_eval=_abstract, impl=_impl, vjp=_higher_order, jvp=_higher_order,
    batch=_batch, lower=Driver(lowering_hook.lower("while_grad")), multiple_results=True)
