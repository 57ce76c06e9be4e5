"""User-defined derivatives and rematerialization: ``custom_jvp``, ``custom_vjp``, ``checkpoint``.

Each is a higher-order primitive holding a staged sub-program (``jaxpr``) plus Python rules:

- ``custom_jvp_call[jaxpr, jvp]``: runs the primal program; its JVP calls the user's ``jvp``;
  its VJP transposes the user's (linear in the tangents) ``jvp`` with a backward sweep.
- ``custom_vjp_call[jaxpr=fwd, bwd]``: runs the user's ``fwd``, whose residuals are extra
  outputs of the equation, so the backward sweep hands them to the user's ``bwd``.
- ``checkpoint[jaxpr]``: runs the program; its VJP recomputes the program's forward pass from
  the saved *inputs* and sweeps it backward: no intermediate of the body is kept between the
  forward and the backward pass.

All three lower ``INLINE``: under ``jit`` the body is inlined (the rules have already run by then).
Outside any transform, ``custom_jvp``/``custom_vjp`` functions just call the wrapped function.

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> @fg.custom_jvp
... def f(x):
...     return jnp.sin(x)
>>> @f.defjvp
... def f_jvp(primals, tangents):
...     (x,), (t,) = primals, tangents
...     return f(x), 2.0 * t        # a deliberately "wrong" derivative
>>> float(fg.grad(f)(0.3))
2.0
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

import numpy as np

from ..core.avals import is_float
from ..core.errors import FuncgradError
from ..core.ir import Jaxpr, aval_of_value
from ..core.lowering import INLINE
from ..core.primitive import Zero, def_primitive
from ..core.trace import (EVAL, RecordingTrace, Tracer, current_trace, eval_jaxpr,
                          set_current_trace)
from ..core.tree_util import tree_flatten, tree_map, tree_unflatten
from ..primitives.elementwise import add_any, convert_element_type, instantiate, zeros_like_aval
from ..primitives.random_bits import optimization_barrier_p
from ..primitives.shape import broadcast_in_dim, move_bdim, shape_of
from ..transforms.vjp import Recording, backward_pass
from ..transforms.vmap import BatchTrace, BatchTracer
from .call import _batch_program, jvp_of_jaxpr, stage


class CustomDerivativeError(FuncgradError, TypeError):
    """A custom_jvp/custom_vjp rule returned values of the wrong structure, shape or dtype, or a
    custom-derivative function closes over a value being differentiated."""


# --------------------------------------------------------------------------- helpers

def _resolve_args(fun, args, kwargs):
    """Arguments bound to positions, defaults filled in (the rules see positional primals, as
    in JAX)."""
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):
        if kwargs:
            raise TypeError(f"keyword arguments to {fun} could not be resolved to positions") from None
        return tuple(args)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"keyword arguments {sorted(bound.kwargs)} could not be resolved to positions")
    return tuple(bound.args)


def _split_nondiff(args, nondiff_argnums):
    nondiff = tuple(args[i] for i in nondiff_argnums)
    dyn = tuple(a for i, a in enumerate(args) if i not in nondiff_argnums)
    return nondiff, dyn


def _merge(nondiff_argnums, nondiff, dyn):
    out, it_n, it_d = [], iter(nondiff), iter(dyn)
    for i in range(len(nondiff) + len(dyn)):
        out.append(next(it_n) if i in nondiff_argnums else next(it_d))
    return out


def _needs_trace(leaves) -> bool:
    return current_trace() is not EVAL or any(isinstance(x, Tracer) for x in leaves)


def _avals(leaves):
    return [aval_of_value(x) for x in leaves]


def _vmap_all(f: Callable, size: int):
    """``f`` over flat arguments that all carry a batch axis 0; every output gets axis 0 too."""
    def g(*xs):
        trace = BatchTrace(current_trace(), size)
        ins = [BatchTracer(trace, x, 0) for x in xs]
        try:
            with set_current_trace(trace):
                outs = f(*ins)
        finally:
            trace.invalidate()
        res = []
        for o in outs:
            if isinstance(o, BatchTracer) and o._trace is trace:
                res.append(move_bdim(o.val, o.bdim, 0))
            else:
                s = tuple(shape_of(o))
                res.append(broadcast_in_dim(o, (size,) + s, tuple(range(1, len(s) + 1))))
        return res
    return g


def _batch_all(args, dims):
    """Move batch axes to 0 and give unbatched arguments one (broadcast): (args, size)."""
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    out = []
    for a, d in zip(args, dims):
        if d is None:
            s = tuple(shape_of(a))
            out.append(broadcast_in_dim(a, (size,) + s, tuple(range(1, len(s) + 1))))
        else:
            out.append(move_bdim(a, d, 0))
    return out, size


def _closure_error(name):
    def raise_():
        raise CustomDerivativeError(
            f"{name} closes over a value that is being differentiated; custom derivative rules "
            "only see the function's arguments. Pass that value as an argument instead.")
    return raise_


def _transpose_linear(fn: Callable, lin_avals, ct_list):
    """Cotangents of the inputs of the linear ``fn(*tangents) -> tangents_out`` for output
    cotangents ``ct_list``: a backward sweep over ``fn`` recorded at zero tangents."""
    rec = RecordingTrace(current_trace(), "transpose")
    tracers = [rec.new_arg(np.zeros(a.shape, a.dtype)) for a in lin_avals]
    try:
        with set_current_trace(rec):
            outs = fn(*tracers)
    finally:
        rec.invalidate()
    outvars, cts = [], []
    for o, ct in zip(outs, ct_list):
        if isinstance(o, Tracer) and o._trace is rec and is_float(o.aval.dtype):
            outvars.append(o.ir_var)
            cts.append(ct)
    tape = Jaxpr(rec.constvars, rec.invars, rec.eqns, outvars)
    return backward_pass(tape, rec.env, cts, rec.invars)


def _like_dtype(t, want):
    """A float tangent in the output's float dtype (a rule may compute it from Python floats)."""
    a = aval_of_value(t)
    if a.dtype != want.dtype and is_float(a.dtype) and is_float(want.dtype):
        return convert_element_type(t, want.dtype)
    return t


def _check_like(kind, name, got, want_avals):
    for g, w in zip(got, want_avals):
        a = aval_of_value(g)
        if tuple(a.shape) != tuple(w.shape):
            raise CustomDerivativeError(
                f"{name}: the {kind} has shape {a.shape} where shape {w.shape} was expected")


# --------------------------------------------------------------------------- custom_jvp

def _cjvp_abstract(*avals, jaxpr, jvp, num_consts, name):
    return [v.aval for v in jaxpr.outvars]


def _cjvp_impl(*args, jaxpr, jvp, num_consts, name):
    return eval_jaxpr(jaxpr, [], list(args))


def _cjvp_jvp(primals, tangents, *, jaxpr, jvp, num_consts, name):
    if any(not isinstance(t, Zero) for t in tangents[:num_consts]):
        _closure_error(f"custom_jvp function {name}")()
    ps = list(primals[num_consts:])
    ts = [instantiate(t) for t in tangents[num_consts:]]
    outs, touts = jvp(ps, ts)
    return list(outs), list(touts)


def _cjvp_vjp(ct, *args, out, jaxpr, jvp, num_consts, name):
    ps = list(args[num_consts:])
    avals = [aval_of_value(p).strip_weak() for p in ps]
    floats = [i for i, a in enumerate(avals) if is_float(a.dtype)]
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    memo = []

    def get(k):
        if not memo:
            def lin(*fts):
                ts = [zeros_like_aval(a) for a in avals]
                for i, t in zip(floats, fts):
                    ts[i] = t
                return jvp(ps, ts)[1]
            res = _transpose_linear(lin, [avals[i] for i in floats], cts)
            memo.append(res)
        return memo[0][k]

    res = [_closure_error(f"custom_jvp function {name}")] * num_consts + [None] * len(ps)
    for k, i in enumerate(floats):
        res[num_consts + i] = (lambda k=k: get(k))
    return res


def _cjvp_batch(args, dims, *, jaxpr, jvp, num_consts, name):
    """A custom_jvp call of the vmapped program whose rule is the vmapped rule (all operands
    batched along axis 0; the old constants stay constants)."""
    args, size = _batch_all(args, dims)
    n = len(args) - num_consts

    def jvp_flat(*xs):
        outs, touts = jvp(list(xs[:n]), list(xs[n:]))
        return list(outs) + list(touts)

    vmapped_jvp = _vmap_all(jvp_flat, size)

    def batched_jvp(ps, ts):
        r = vmapped_jvp(*ps, *ts)
        m = len(r) // 2
        return r[:m], r[m:]

    prog, consts = stage(_vmap_all(lambda *xs: eval_jaxpr(jaxpr, [], list(xs)), size),
                         _avals(args), f"vmap_{name}")
    out = custom_jvp_call_p.bind(*consts, *args, jaxpr=prog, jvp=batched_jvp,
                                 num_consts=len(consts) + num_consts, name=name)
    return list(out), [0] * len(out)


custom_jvp_call_p = def_primitive(
    "custom_jvp_call", abstract_eval=_cjvp_abstract, impl=_cjvp_impl, vjp=_cjvp_vjp,
    jvp=_cjvp_jvp, batch=_cjvp_batch, lower=INLINE, multiple_results=True)


class custom_jvp:
    """A function with a user-defined JVP rule (``jax.custom_jvp``): ``defjvp`` / ``defjvps``.

    Reverse mode transposes the rule, which must be linear in the tangents (as in JAX).
    ``nondiff_argnums``: positions of arguments that are not differentiated (Python values);
    the rule receives them first: ``jvp(*nondiff_args, primals, tangents)``.
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp = None

    def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
        self.jvp = jvp
        return jvp

    def defjvps(self, *jvps) -> None:
        """One rule per argument, ``jvp_i(tangent_i, primal_out, *primals)`` (``None``: zero)."""
        def jvp(primals, tangents):
            out = self(*primals)
            terms = [fn(t, out, *primals) for fn, t in zip(jvps, tangents) if fn is not None]
            if not terms:
                return out, tree_map(lambda o: np.zeros_like(o), out)
            tot = terms[0]
            for t in terms[1:]:
                tot = tree_map(lambda a, b: a + b, tot, t)
            return out, tot
        self.jvp = jvp

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_jvp")
        if self.jvp is None:
            raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
        args = _resolve_args(self.fun, args, kwargs)
        nondiff, dyn = _split_nondiff(args, self.nondiff_argnums)
        leaves, in_tree = tree_flatten(dyn)
        if not _needs_trace(leaves):
            return self.fun(*args)
        out_tree = []

        def flat_fun(*xs):
            out = self.fun(*_merge(self.nondiff_argnums, nondiff, tree_unflatten(in_tree, xs)))
            o, t = tree_flatten(out)
            out_tree.append(t)
            return o

        prog, consts = stage(flat_fun, _avals(leaves), name, parent=current_trace())
        out_avals = [v.aval for v in prog.outvars]
        rule = self.jvp

        def jvp_flat(ps, ts):
            p_tree = tree_unflatten(in_tree, ps)
            t_tree = tree_unflatten(in_tree, ts)
            res = rule(*nondiff, tuple(p_tree), tuple(t_tree))
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise CustomDerivativeError(f"custom_jvp rule of {name} must return a pair "
                                            f"(primal_out, tangent_out), got {type(res).__name__}")
            o, t_o = res
            o_leaves, o_tree = tree_flatten(o)
            t_leaves, t_tree2 = tree_flatten(t_o)
            if o_tree != out_tree[0] or t_tree2 != out_tree[0]:
                raise CustomDerivativeError(
                    f"custom_jvp rule of {name}: primal and tangent outputs must have the "
                    f"function's output structure {out_tree[0]}, got {o_tree} and {t_tree2}")
            _check_like("primal output", name, o_leaves, out_avals)
            _check_like("tangent output", name, t_leaves, out_avals)
            return o_leaves, [_like_dtype(t, a) for t, a in zip(t_leaves, out_avals)]

        outs = custom_jvp_call_p.bind(*consts, *leaves, jaxpr=prog, jvp=jvp_flat,
                                      num_consts=len(consts), name=name)
        return tree_unflatten(out_tree[0], outs)


# --------------------------------------------------------------------------- custom_vjp

def _cvjp_abstract(*avals, jaxpr, bwd, num_consts, num_out, name):
    return [v.aval for v in jaxpr.outvars]


def _cvjp_impl(*args, jaxpr, bwd, num_consts, num_out, name):
    return eval_jaxpr(jaxpr, [], list(args))


def _known_zero(c) -> bool:
    return c is None or isinstance(c, Zero) or (not isinstance(c, Tracer) and not np.any(np.asarray(c)))


def _cvjp_vjp(ct, *args, out, jaxpr, bwd, num_consts, num_out, name):
    """The user's ``bwd`` on the residuals; plus, when the residual outputs themselves carry
    cotangents (a higher-order derivative differentiates ``bwd``), the ordinary VJP of the
    ``fwd`` program's residual outputs (recomputed from the inputs)."""
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    res, res_cts = list(out[num_out:]), cts[num_out:]
    memo = []

    def get(k):
        if not memo:
            total = [None] * num_consts + list(bwd(res, [instantiate(c) for c in cts[:num_out]]))
            if not all(_known_zero(c) for c in res_cts):
                res_cts_ = [None if isinstance(c, Zero) else c for c in res_cts]
                extra = _recompute_and_sweep(jaxpr, list(args), [None] * num_out + res_cts_)
                for i, e in enumerate(extra):
                    if e is not None and i >= num_consts:
                        total[i] = e if total[i] is None else add_any(total[i], e)
            memo.append(total)
        return memo[0][k]

    result = [_closure_error(f"custom_vjp function {name}")] * num_consts
    for k in range(num_consts, len(args)):
        result.append(lambda k=k: get(k))
    return result


def _cvjp_jvp(primals, tangents, **params):
    raise CustomDerivativeError(
        f"can't apply forward-mode autodiff (jvp) to a custom_vjp function ({params['name']}); "
        "use custom_jvp, or reverse mode (grad/vjp/jacrev)")


def _cvjp_batch(args, dims, *, jaxpr, bwd, num_consts, num_out, name):
    args, size = _batch_all(args, dims)
    n_res = len(jaxpr.outvars) - num_out

    def bwd_flat(*xs):
        return bwd(list(xs[:n_res]), list(xs[n_res:]))

    vmapped_bwd = _vmap_all(bwd_flat, size)
    prog, consts = stage(_vmap_all(lambda *xs: eval_jaxpr(jaxpr, [], list(xs)), size),
                         _avals(args), f"vmap_{name}")
    out = custom_vjp_call_p.bind(*consts, *args, jaxpr=prog,
                                 bwd=lambda res, cts: vmapped_bwd(*res, *cts),
                                 num_consts=len(consts) + num_consts, num_out=num_out, name=name)
    return list(out), [0] * len(out)


custom_vjp_call_p = def_primitive(
    "custom_vjp_call", abstract_eval=_cvjp_abstract, impl=_cvjp_impl, vjp=_cvjp_vjp,
    jvp=_cvjp_jvp, batch=_cvjp_batch, lower=INLINE, multiple_results=True)
custom_vjp_call_p.symbolic_zero_cts = True   # residual outputs rarely get cotangents


class custom_vjp:
    """A function with a user-defined VJP (``jax.custom_vjp``): ``defvjp(fwd, bwd)``.

    ``fwd(*args) -> (out, residuals)``; ``bwd(*nondiff_args, residuals, out_cotangent) ->``
    a tuple with one cotangent per differentiable argument (``None`` for zero).

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> @fg.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> def fwd(x):
    ...     return x, None
    >>> def bwd(_, g):
    ...     return (jnp.clip(g, -1.0, 1.0),)
    >>> clip_gradient.defvjp(fwd, bwd)
    >>> float(fg.grad(lambda x: 5.0 * clip_gradient(x))(2.0))
    1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd = None
        self.bwd = None
        self._in_fwd = False     # fwd commonly calls the function itself: that call is the primal

    def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False,
               optimize_remat: bool = False) -> None:
        self.fwd = fwd
        self.bwd = bwd

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def __call__(self, *args, **kwargs):
        name = getattr(self.fun, "__name__", "custom_vjp")
        if self.fwd is None:
            raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
        args = _resolve_args(self.fun, args, kwargs)
        nondiff, dyn = _split_nondiff(args, self.nondiff_argnums)
        leaves, in_tree = tree_flatten(dyn)
        if self._in_fwd or not _needs_trace(leaves):
            return self.fun(*args)
        trees = {}

        def flat_fwd(*xs):
            res = self.fwd(*_merge(self.nondiff_argnums, nondiff, tree_unflatten(in_tree, xs)))
            if not (isinstance(res, (tuple, list)) and len(res) == 2):
                raise CustomDerivativeError(f"custom_vjp fwd of {name} must return a pair "
                                            f"(primal_out, residuals), got {type(res).__name__}")
            o, r = tree_flatten(res[0]), tree_flatten(res[1])
            trees["out"], trees["res"] = o[1], r[1]
            return list(o[0]) + list(r[0])

        self._in_fwd = True
        try:
            prog, consts = stage(flat_fwd, _avals(leaves), name, parent=current_trace())
        finally:
            self._in_fwd = False
        num_out = trees["out"].num_leaves
        in_avals = _avals(leaves)
        user_bwd, n_dyn = self.bwd, len(dyn)

        def bwd_flat(res, cts):
            r = user_bwd(*nondiff, tree_unflatten(trees["res"], res),
                         tree_unflatten(trees["out"], cts))
            if not isinstance(r, (tuple, list)) or len(r) != n_dyn:
                raise CustomDerivativeError(
                    f"custom_vjp bwd rule of {name} must produce a tuple of length equal to the "
                    f"number of differentiable arguments ({n_dyn}), got {r!r:.80}")
            flat = []
            for arg, c in zip(dyn, r):
                a_leaves, a_tree = tree_flatten(arg)
                if c is None:
                    flat.extend([None] * len(a_leaves))
                    continue
                c_leaves, c_tree = tree_flatten(c)
                if c_tree != a_tree:
                    raise CustomDerivativeError(
                        f"custom_vjp bwd rule of {name}: a cotangent has structure {c_tree}, "
                        f"its argument has {a_tree}")
                flat.extend(c_leaves)
            _check_like("cotangent", name, [c for c in flat if c is not None],
                        [a for a, c in zip(in_avals, flat) if c is not None])
            return flat

        outs = custom_vjp_call_p.bind(*consts, *leaves, jaxpr=prog, bwd=bwd_flat,
                                      num_consts=len(consts), num_out=num_out, name=name)
        return tree_unflatten(trees["out"], outs[:num_out])


# --------------------------------------------------------------------------- checkpoint

def _ckpt_abstract(*avals, jaxpr, prevent_cse, name):
    return [v.aval for v in jaxpr.outvars]


def _ckpt_impl(*args, jaxpr, prevent_cse, name):
    return eval_jaxpr(jaxpr, [], list(args))


def _ckpt_vjp(ct, *args, out, jaxpr, prevent_cse, name):
    """Recompute the body's forward pass from its inputs, then sweep it backward."""
    cts = list(ct) if isinstance(ct, (list, tuple)) else [ct]
    memo = []

    def get(i):
        if not memo:
            xs = list(args)
            if prevent_cse:   # keep jit's CSE from merging the recomputation with the forward
                xs = optimization_barrier_p.bind(*xs)
            memo.append(_recompute_and_sweep(jaxpr, xs, cts))
        return memo[0][i]

    return [(lambda i=i: get(i)) if is_float(v.aval.dtype) else None
            for i, v in enumerate(jaxpr.invars)]


def _recompute_and_sweep(jaxpr, xs, cts):
    rec = Recording(lambda *ts: eval_jaxpr(jaxpr, [], list(ts)), xs, "remat")
    return rec.pullback(rec.result, cts)


def _ckpt_jvp(primals, tangents, *, jaxpr, prevent_cse, name):
    return jvp_of_jaxpr(jaxpr, primals, tangents)


def _ckpt_batch(args, dims, *, jaxpr, prevent_cse, name):
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    in_avals = tuple(aval_of_value(a) for a in args)
    prog, consts, mask = _batch_program(jaxpr, in_avals, tuple(dims), size)
    out = checkpoint_p.bind(*consts, *args, jaxpr=prog, prevent_cse=prevent_cse, name=name)
    return list(out), [0 if b else None for b in mask]


checkpoint_p = def_primitive(
    "checkpoint", abstract_eval=_ckpt_abstract, impl=_ckpt_impl, vjp=_ckpt_vjp, jvp=_ckpt_jvp,
    batch=_ckpt_batch, lower=INLINE, multiple_results=True)


def _never(*_, **__):
    return False


def _always(*_, **__):
    return True


def _dots(prim, *_, **__):
    return getattr(prim, "name", prim) == "dot_general"


def _dots_no_batch(prim, *_, **params):
    dn = params.get("dimension_numbers")
    return _dots(prim) and (dn is None or not dn[1][0])


def _names_policy(*names):
    def policy(*_, **__):
        return False
    policy.names = names
    return policy


class checkpoint_policies:
    """JAX's ``jax.checkpoint_policies``. funcgrad saves nothing or everything: every policy
    except ``everything_saveable`` recomputes the whole body (results are identical; only the
    memory/compute trade-off differs from JAX's finer policies)."""

    nothing_saveable = staticmethod(_never)
    everything_saveable = staticmethod(_always)
    dots_saveable = staticmethod(_dots)
    checkpoint_dots = staticmethod(_dots)
    dots_with_no_batch_dims_saveable = staticmethod(_dots_no_batch)
    checkpoint_dots_with_no_batch_dims = staticmethod(_dots_no_batch)
    save_only_these_names = staticmethod(_names_policy)
    save_any_names_but_these = staticmethod(_names_policy)
    save_anything_except_these_names = staticmethod(_names_policy)


def checkpoint_name(x, name: str):
    """``jax.ad_checkpoint.checkpoint_name``: the identity (names only steer the finer
    policies, which funcgrad treats as save-nothing)."""
    return x


def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy=None,
               static_argnums: int | tuple = ()) -> Callable:
    """``jax.checkpoint`` / ``jax.remat``: differentiate ``fun`` by recomputing its forward pass
    in the backward pass instead of storing its intermediates (only its inputs are saved).

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> f = fg.checkpoint(lambda x: jnp.sin(jnp.sin(x)))
    >>> print(fg.make_jaxpr(f)(1.0))
    { lambda ; a:f64[]. let
        b:f64[] = checkpoint[jaxpr={ lambda ; a:f64[]. let b:f64[] = sin a; c:f64[] = sin b in (c,) } prevent_cse=True name='<lambda>'] a
      in (b,) }
    """
    if policy is not None and not callable(policy):
        raise TypeError(f"checkpoint policy must be callable (see checkpoint_policies), got {policy!r}")
    if policy is _always:
        return fun        # everything saved: an ordinary function
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    name = getattr(fun, "__name__", "checkpoint")

    @functools.wraps(fun)
    def wrapped(*args, **kwargs):
        args = _resolve_args(fun, args, kwargs)
        nondiff, dyn = _split_nondiff(args, static)
        leaves, in_tree = tree_flatten(dyn)
        if not _needs_trace(leaves):      # no transform to save memory for: an ordinary call
            return fun(*args)
        out_tree = []

        def flat_fun(*xs):
            o, t = tree_flatten(fun(*_merge(static, nondiff, tree_unflatten(in_tree, xs))))
            out_tree.append(t)
            return o

        prog, consts = stage(flat_fun, _avals(leaves), name, parent=current_trace())
        outs = checkpoint_p.bind(*consts, *leaves, jaxpr=prog, prevent_cse=bool(prevent_cse),
                                 name=name)
        return tree_unflatten(out_tree[0], outs)

    return wrapped


remat = checkpoint
