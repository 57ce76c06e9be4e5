"""The user-facing transforms: ``grad``, ``value_and_grad``, ``vjp``, ``jvp``, ``linearize``,
``jacfwd``, ``jacrev``, ``hessian``, ``vmap``, ``make_jaxpr``, ``eval_shape``.

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> fg.grad(lambda x: jnp.sin(x) * x)(0.0)
Array(0., dtype=float64)
>>> print(fg.make_jaxpr(lambda x: jnp.sin(x) * 2.0)(1.0))
{ lambda ; a:f64[]. let b:f64[] = sin a; c:f64[] = mul b 2.0:f64[] in (c,) }
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from .core.array import Array, as_array
from .core.avals import Aval, is_float
from .core.ir import ClosedJaxpr, aval_of_value
from .core.source_info import user_frame_info
from .core.trace import (EVAL, RecordingTrace, StagingTrace, Tracer, current_trace, eval_jaxpr,
                         set_current_trace)
from .core.tree_util import (PyTreeDef, broadcast_prefix, tree_flatten, tree_map, tree_structure,
                             tree_transpose, tree_unflatten)
from .primitives.elementwise import convert_element_type, full_like_aval, zeros_like_aval
from .primitives.shape import broadcast_in_dim, move_bdim, shape_of
from .transforms.jvp import JVPTrace, JVPTracer
from .transforms.vjp import backward_pass
from .transforms.vmap import BatchTrace, BatchTracer


# --------------------------------------------------------------------------- helpers

def _argnums_tuple(argnums, nargs, name):
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise TypeError(f"{name}: argnums={argnums!r} is out of range for a function called with "
                            f"{nargs} positional argument(s)")
    return single, tuple(a % nargs for a in nums)


def _partial_on(fun, args, kwargs, argnums):
    """``fun`` as a function of ``args[i] for i in argnums`` only."""
    def f(*dyn):
        full = list(args)
        for i, v in zip(argnums, dyn):
            full[i] = v
        return fun(*full, **kwargs)
    return f


def _zeros_for(aval: Aval):
    if current_trace() is EVAL:
        return as_array(np.zeros(aval.shape, aval.dtype))
    return zeros_like_aval(aval.strip_weak())


def _ones_for(aval: Aval):
    if current_trace() is EVAL:
        return as_array(np.ones(aval.shape, aval.dtype))
    return full_like_aval(aval.strip_weak(), 1)


def _fun_name(fun) -> str:
    return getattr(fun, "__name__", type(fun).__name__)


def _check_float_inputs(leaves, name, allow_int):
    for x in leaves:
        a = aval_of_value(x)
        if not is_float(a.dtype) and not allow_int:
            raise TypeError(
                f"{name} requires real- or complex-valued inputs (input dtype that is a sub-dtype of "
                f"np.inexact), but got {a.dtype.name}. If you want to use integer-valued inputs, use "
                f"vjp or set allow_int to True. (called at {user_frame_info()})")


# --------------------------------------------------------------------------- vjp / grad

def vjp(fun: Callable, *primals, has_aux: bool = False):
    """``(out, vjp_fn)`` (``(out, vjp_fn, aux)`` with ``has_aux``): ``vjp_fn(ct)`` returns a tuple
    of cotangents, one per primal, each with the primal's pytree structure.

    The forward pass runs with concrete values (Python control flow works) and is recorded;
    ``vjp_fn`` runs the backward sweep over the recording.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> y, f_vjp = fg.vjp(jnp.sin, 0.0)
    >>> f_vjp(1.0)
    (Array(1., dtype=float64),)
    """
    flat, in_tree = tree_flatten(primals)
    trace = RecordingTrace(current_trace(), "vjp")
    tracers = [trace.new_arg(_as_value(x)) for x in flat]
    try:
        with set_current_trace(trace):
            result = fun(*tree_unflatten(in_tree, tracers))
        if has_aux:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError("with has_aux=True the function must return a pair (output, aux), got "
                                f"{type(result).__name__}")
            result, aux = result
            aux = tree_map(lambda t: _unwrap(trace, t), aux)
        out_flat, out_tree = tree_flatten(result)
        out_vals = [_unwrap(trace, t) for t in out_flat]
        out_vars = [t.var if isinstance(t, Tracer) and t._trace is trace else None for t in out_flat]
    finally:
        trace.invalidate()
    jaxpr_outvars = [v for v in out_vars if v is not None]
    from .core.ir import Jaxpr
    tape = Jaxpr(trace.constvars, trace.invars, trace.eqns, jaxpr_outvars)
    env = trace.env
    in_avals = [v.aval for v in trace.invars]
    out_avals = [aval_of_value(v) for v in out_vals]

    def vjp_fn(ct):
        ct_flat, ct_tree = tree_flatten(ct)
        if ct_tree != out_tree:
            raise TypeError(f"vjp_fn: the cotangent must have the structure of the primal output "
                            f"{out_tree}, got {ct_tree}")
        for c, a in zip(ct_flat, out_avals):
            ca = aval_of_value(c)
            if ca.shape != a.shape:
                raise ValueError(f"vjp_fn: cotangent shape {ca.shape} does not match the primal output "
                                 f"shape {a.shape} (called at {user_frame_info()})")
        cts = []
        for c, a, v in zip(ct_flat, out_avals, out_vars):
            if v is None:
                continue
            c = _as_value(c)
            if aval_of_value(c).dtype != a.dtype and is_float(a.dtype):
                c = convert_element_type(c, a.dtype)
            cts.append(c)
        in_cts = backward_pass(tape, env, cts, trace.invars)
        in_cts = [_zeros_for(a) if c is None else c for c, a in zip(in_cts, in_avals)]
        return tuple(tree_unflatten(in_tree, in_cts))

    out = tree_unflatten(out_tree, out_vals)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _as_value(x):
    """Python scalars stay as they are (weakly typed); lists become arrays."""
    if isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float, complex)):
        return x
    return as_array(np.asarray(x))


def _unwrap(trace, t):
    if isinstance(t, Tracer) and t._trace is trace:
        return t.val
    return t


def value_and_grad(fun: Callable, argnums=0, has_aux: bool = False, allow_int: bool = False):
    """``fun``'s value and its gradient with respect to ``argnums``.

    >>> import funcgrad as fg
    >>> fg.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0)
    (Array(6., dtype=float64), (Array(3., dtype=float64), Array(2., dtype=float64)))
    """
    @functools.wraps(fun)
    def value_and_grad_f(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "grad")
        dyn = tuple(args[i] for i in nums)
        _check_float_inputs(tree_flatten(dyn)[0], "grad", allow_int)
        res = vjp(_partial_on(fun, args, kwargs, nums), *dyn, has_aux=has_aux)
        out, f_vjp = res[0], res[1]
        oa = aval_of_value(out) if not isinstance(out, (tuple, list, dict)) else None
        if oa is None or oa.shape != ():
            shape = oa.shape if oa is not None else type(out).__name__
            raise TypeError(f"Gradient only defined for scalar-output functions. Output had shape: "
                            f"{shape}. (grad of {_fun_name(fun)} called at {user_frame_info()})")
        if not is_float(oa.dtype):
            raise TypeError(f"grad requires real-valued outputs (output dtype that is a sub-dtype of "
                            f"np.floating), but got {oa.dtype.name}.")
        g = f_vjp(_ones_for(oa))
        g = g[0] if single else g
        return ((out, res[2]), g) if has_aux else (out, g)

    return value_and_grad_f


def grad(fun: Callable, argnums=0, has_aux: bool = False, allow_int: bool = False):
    """The gradient of scalar-valued ``fun`` with respect to positional argument(s) ``argnums``.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> fg.grad(lambda x: x ** 3)(2.0)
    Array(12., dtype=float64)
    >>> fg.grad(fg.grad(lambda x: x ** 3))(2.0)
    Array(12., dtype=float64)
    """
    vg = value_and_grad(fun, argnums, has_aux, allow_int)

    @functools.wraps(fun)
    def grad_f(*args, **kwargs):
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        return vg(*args, **kwargs)[1]

    return grad_f


# --------------------------------------------------------------------------- jvp / linearize

def _check_tangents(p_flat, t_flat, p_tree, t_tree):
    if p_tree != t_tree:
        raise TypeError(f"jvp: primal and tangent arguments must have the same tree structure; got "
                        f"{p_tree} and {t_tree}")
    for p, t in zip(p_flat, t_flat):
        pa, ta = aval_of_value(p), aval_of_value(t)
        if pa.shape != ta.shape:
            raise ValueError(f"jvp: primal and tangent shapes differ: {pa} vs {ta} "
                             f"(called at {user_frame_info()})")


def jvp(fun: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """``(fun(*primals), J @ tangents)`` in one forward pass, over pytrees.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> fg.jvp(jnp.sin, (0.0,), (2.0,))
    (Array(0., dtype=float64), Array(2., dtype=float64))
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: primals and tangents must be tuples or lists, e.g. jvp(f, (x,), (v,))")
    p_flat, p_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    _check_tangents(p_flat, t_flat, p_tree, t_tree)
    trace = JVPTrace(current_trace())
    ins = [JVPTracer(trace, _as_value(p), _tangent_value(t, p)) for p, t in zip(p_flat, t_flat)]
    try:
        with set_current_trace(trace):
            result = fun(*tree_unflatten(p_tree, ins))
        if has_aux:
            result, aux = result
            aux = tree_map(lambda t: t.primal if isinstance(t, JVPTracer) and t._trace is trace else t, aux)
        out_flat, out_tree = tree_flatten(result)
        outs, touts = [], []
        for o in out_flat:
            if isinstance(o, JVPTracer) and o._trace is trace:
                outs.append(o.primal)
                touts.append(o.tangent)
            else:
                outs.append(o)
                touts.append(None)
    finally:
        trace.invalidate()
    touts = [_zeros_for(aval_of_value(o).strip_weak()) if t is None else t for o, t in zip(outs, touts)]
    res = (tree_unflatten(out_tree, outs), tree_unflatten(out_tree, touts))
    return res + (aux,) if has_aux else res


def _tangent_value(t, p):
    t = _as_value(t)
    pa = aval_of_value(p)
    if is_float(pa.dtype) and aval_of_value(t).dtype != pa.dtype:
        t = convert_element_type(t, pa.dtype)
    return t


def linearize(fun: Callable, *primals, has_aux: bool = False):
    """``(fun(*primals), f_jvp)``: ``f_jvp(*tangents)`` evaluates the linearized program, staged
    once (the primal computation is not repeated).

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> y, f_jvp = fg.linearize(jnp.sin, 0.0)
    >>> f_jvp(3.0)
    Array(3., dtype=float64)
    """
    p_flat, p_tree = tree_flatten(primals)
    stage = StagingTrace(current_trace(), "linearize")
    t_in = [stage.new_arg(aval_of_value(p).strip_weak()) for p in p_flat]
    trace = JVPTrace(stage)
    ins = [JVPTracer(trace, _as_value(p), t) for p, t in zip(p_flat, t_in)]
    try:
        with set_current_trace(trace):
            result = fun(*tree_unflatten(p_tree, ins))
        if has_aux:
            result, aux = result
            aux = tree_map(lambda t: t.primal if isinstance(t, JVPTracer) and t._trace is trace else t, aux)
        out_flat, out_tree = tree_flatten(result)
        outs, touts = [], []
        with set_current_trace(stage):
            for o in out_flat:
                if isinstance(o, JVPTracer) and o._trace is trace:
                    outs.append(o.primal)
                    touts.append(o.tangent)
                else:
                    outs.append(o)
                    touts.append(zeros_like_aval(aval_of_value(o).strip_weak()))
    finally:
        trace.invalidate()
        stage.invalidate()
    closed = stage.to_jaxpr(touts)

    def f_jvp(*tangents):
        t_flat, t_tree = tree_flatten(tangents)
        _check_tangents(p_flat, t_flat, p_tree, t_tree)
        vals = eval_jaxpr(closed.jaxpr, closed.consts, [_tangent_value(t, p) for t, p in zip(t_flat, p_flat)])
        return tree_unflatten(out_tree, [as_array(v) if isinstance(v, np.ndarray) and not isinstance(v, Array)
                                         else v for v in vals])

    out = tree_unflatten(out_tree, outs)
    return (out, f_jvp, aux) if has_aux else (out, f_jvp)


# --------------------------------------------------------------------------- vmap

def vmap(fun: Callable, in_axes=0, out_axes=0, axis_name=None, axis_size: int | None = None,
         spmd_axis_name=None):
    """Vectorize ``fun`` over axis ``in_axes`` of its arguments (a pytree prefix of ints/None).

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> fg.vmap(lambda x, y: x @ y, in_axes=(0, None))(jnp.ones((5, 3)), jnp.ones(3)).shape
    (5,)
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)

    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        if kwargs:
            args = args + (kwargs,)
            axes_spec = (in_axes + (0,)) if isinstance(in_axes, tuple) else in_axes
        else:
            axes_spec = in_axes
        if isinstance(axes_spec, tuple) and len(axes_spec) != len(args):
            raise ValueError(f"vmap in_axes must be an int, None, or a tuple of entries corresponding "
                             f"to the positional arguments passed to the function, but got "
                             f"len(in_axes)={len(axes_spec)}, len(args)={len(args)}")
        flat, in_tree = tree_flatten(args)
        axes = broadcast_prefix(axes_spec if isinstance(axes_spec, tuple) else (axes_spec,) * len(args),
                                args)
        sizes = set()
        norm_axes = []
        for x, ax in zip(flat, axes):
            if ax is None:
                norm_axes.append(None)
                continue
            nd = len(shape_of(x))
            if not -nd <= ax < nd:
                raise ValueError(f"vmap was requested to map its argument along axis {ax}, which implies "
                                 f"that its rank should be at least {ax + 1 if ax >= 0 else -ax}, but is "
                                 f"only {nd} (its shape is {shape_of(x)})")
            ax %= nd
            norm_axes.append(ax)
            sizes.add(shape_of(x)[ax])
        if len(sizes) > 1:
            detail = ", ".join(f"axis {a} of an argument with shape {shape_of(x)}"
                               for x, a in zip(flat, norm_axes) if a is not None)
            raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped: {detail}")
        if sizes:
            n = sizes.pop()
            if axis_size is not None and axis_size != n:
                raise ValueError(f"vmap: axis_size={axis_size} but the mapped axes have size {n}")
        elif axis_size is not None:
            n = axis_size
        else:
            raise ValueError("vmap must have at least one non-None value in in_axes, or be given "
                             "axis_size")
        trace = BatchTrace(current_trace(), n)
        ins = [x if a is None else BatchTracer(trace, _as_value(x), a) for x, a in zip(flat, norm_axes)]
        try:
            with set_current_trace(trace):
                ins_tree = tree_unflatten(in_tree, ins)
                if kwargs:
                    out = fun(*ins_tree[:-1], **ins_tree[-1])
                else:
                    out = fun(*ins_tree)
            out_flat, out_tree = tree_flatten(out)
            o_axes = broadcast_prefix(out_axes, out)
        finally:
            trace.invalidate()
        results = []
        for o, oa in zip(out_flat, o_axes):
            if isinstance(o, BatchTracer) and o._trace is trace:
                if oa is None:
                    raise ValueError("vmap has mapped output but out_axes is None")
                nd = len(shape_of(o.val))
                results.append(move_bdim(o.val, o.bdim, oa % nd))
            elif oa is None:
                results.append(o)
            else:
                s = shape_of(o)
                oa_n = oa % (len(s) + 1)
                dims = tuple(i if i < oa_n else i + 1 for i in range(len(s)))
                results.append(broadcast_in_dim(o, s[:oa_n] + (n,) + s[oa_n:], dims))
        return tree_unflatten(out_tree, results)

    return vmapped


# --------------------------------------------------------------------------- jacobians

def _std_basis(leaves):
    """Rows of the identity over all input elements, one pytree per row: the stacked basis."""
    sizes = [int(np.prod(shape_of(x), dtype=np.int64)) for x in leaves]
    total = sum(sizes)
    out = []
    start = 0
    for x, sz in zip(leaves, sizes):
        a = aval_of_value(x)
        dt = a.dtype if is_float(a.dtype) else np.float64
        eye = np.zeros((total, sz), dt)
        eye[start:start + sz] = np.eye(sz, dtype=dt)
        out.append(eye.reshape((total,) + a.shape))
        start += sz
    return out, total


def _reshape_jac(jac_flat_rows, out_leaves_shapes, in_leaves, total, order):
    """Split the (total, *out_shape) rows into per-input blocks of shape out_shape + in_shape."""
    from .numpy import moveaxis, reshape
    res = []
    for rows, oshape in zip(jac_flat_rows, out_leaves_shapes):
        blocks = []
        start = 0
        for x in in_leaves:
            ishape = shape_of(x)
            sz = int(np.prod(ishape, dtype=np.int64))
            blk = rows[start:start + sz] if order == "in_first" else rows[..., start:start + sz]
            if order == "in_first":
                blk = reshape(blk, ishape + oshape)
                blk = moveaxis(blk, tuple(range(len(ishape))), tuple(range(len(oshape), len(oshape) + len(ishape))))
            else:
                blk = reshape(blk, oshape + ishape)
            blocks.append(blk)
            start += sz
        res.append(blocks)
    return res


def jacfwd(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """Jacobian by forward mode: ``vmap`` of ``jvp`` over the standard basis.
    Output shape: ``out.shape + in.shape`` (pytrees of pytrees, as JAX)."""
    def jac_f(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "jacfwd")
        dyn = tuple(args[i] for i in nums)
        f = _partial_on(fun, args, kwargs, nums)
        in_flat, in_tree = tree_flatten(dyn)
        _check_float_inputs(in_flat, "jacfwd", False)
        basis, total = _std_basis(in_flat)

        def push(*t_flat):
            r = jvp(f, dyn, tree_unflatten(in_tree, list(t_flat)), has_aux=has_aux)
            return r if has_aux else r + (None,)

        outs, touts, aux = vmap(push, in_axes=0, out_axes=(None, -1, None))(*basis)
        return _assemble(outs, touts, in_flat, in_tree, total, single, "out_last", aux, has_aux)

    return jac_f


def jacrev(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
           allow_int: bool = False):
    """Jacobian by reverse mode: ``vmap`` of the ``vjp`` function over the output basis."""
    def jac_f(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "jacrev")
        dyn = tuple(args[i] for i in nums)
        f = _partial_on(fun, args, kwargs, nums)
        in_flat, in_tree = tree_flatten(dyn)
        _check_float_inputs(in_flat, "jacrev", allow_int)
        res = vjp(f, *dyn, has_aux=has_aux)
        out, f_vjp = res[0], res[1]
        out_flat, out_tree = tree_flatten(out)
        basis, total = _std_basis(out_flat)
        cts = vmap(lambda *c: f_vjp(tree_unflatten(out_tree, list(c))))(*basis)
        # cts: tuple over dyn args of pytrees with leading axis `total` (over output elements)
        ct_leaves = tree_flatten(cts)[0]
        blocks = []   # blocks[i][j]: d out_i / d in_j
        starts = np.cumsum([0] + [int(np.prod(shape_of(o), dtype=np.int64)) for o in out_flat])
        from .numpy import reshape
        for i, o in enumerate(out_flat):
            row = []
            for c, x in zip(ct_leaves, in_flat):
                blk = c[int(starts[i]):int(starts[i + 1])]
                row.append(reshape(blk, shape_of(o) + shape_of(x)))
            blocks.append(row)
        jac = _nest(blocks, out_tree, in_tree, single)
        return (jac, res[2]) if has_aux else jac

    return jac_f


def _nest(blocks, out_tree, in_tree, single):
    rows = []
    for row in blocks:
        per_arg = tree_unflatten(in_tree, row)
        rows.append(per_arg[0] if single else per_arg)
    return tree_unflatten(out_tree, rows)


def _assemble(outs, touts, in_flat, in_tree, total, single, order, aux, has_aux):
    out_flat, out_tree = tree_flatten(touts)
    blocks = []
    from .numpy import reshape
    for t in out_flat:
        oshape = shape_of(t)[:-1]
        row = []
        start = 0
        for x in in_flat:
            sz = int(np.prod(shape_of(x), dtype=np.int64))
            row.append(reshape(t[..., start:start + sz], oshape + shape_of(x)))
            start += sz
        blocks.append(row)
    jac = _nest(blocks, out_tree, in_tree, single)
    return (jac, aux) if has_aux else jac


jacobian = jacrev


def hessian(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """``jacfwd(jacrev(fun))``."""
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux), argnums, has_aux=has_aux)


# --------------------------------------------------------------------------- staging

def make_jaxpr(fun: Callable, static_argnums=(), return_shape: bool = False):
    """Trace ``fun`` to a ``ClosedJaxpr`` (printing it gives JAX's text format).

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> print(fg.make_jaxpr(lambda x: jnp.sum(x * x))(jnp.ones(3)))
    { lambda ; a:f64[3]. let b:f64[3] = mul a a; c:f64[] = reduce_sum[axes=(0,)] b in (c,) }
    """
    static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    @functools.wraps(fun)
    def make(*args, **kwargs):
        dyn_idx = [i for i in range(len(args)) if i not in static]
        dyn = [args[i] for i in dyn_idx]
        flat, in_tree = tree_flatten(dyn)
        trace = StagingTrace(current_trace(), "make_jaxpr")
        tracers = [trace.new_arg(_staging_aval(x)) for x in flat]
        try:
            with set_current_trace(trace):
                full = list(args)
                for i, v in zip(dyn_idx, tree_unflatten(in_tree, tracers)):
                    full[i] = v
                out = fun(*full, **kwargs)
            out_flat, out_tree = tree_flatten(out)
            closed = trace.to_jaxpr(out_flat)
        finally:
            trace.invalidate()
        if return_shape:
            shapes = tree_unflatten(out_tree, [ShapeDtypeStruct(a.shape, a.dtype) for a in closed.out_avals])
            return closed, shapes
        return closed

    return make


def _staging_aval(x) -> Aval:
    a = aval_of_value(x)
    return a


class ShapeDtypeStruct:
    """Shape and dtype of an array, without a value (what ``eval_shape`` returns)."""

    __slots__ = ("shape", "dtype", "weak_type")

    def __init__(self, shape, dtype, weak_type: bool = False):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = weak_type

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def aval(self):
        return Aval(self.shape, self.dtype, self.weak_type)

    def __eq__(self, other):
        return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
                and self.dtype == other.dtype)

    def __hash__(self):
        return hash((self.shape, self.dtype))

    def __repr__(self):
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name})"


def eval_shape(fun: Callable, *args, **kwargs):
    """Output shapes/dtypes of ``fun(*args)`` without computing it (args may be
    ``ShapeDtypeStruct``s)."""
    _, shapes = make_jaxpr(lambda *a: fun(*a, **kwargs), return_shape=True)(*args)
    return shapes
