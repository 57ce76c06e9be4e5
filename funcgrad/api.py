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
from typing import Callable, Sequence

import numpy as np

from .core.array import Array, as_array
from .core.config import config
from .core.avals import Aval, is_float
from .core.ir import aval_of_value
from .core.primitive import Zero
from .core.source_info import user_frame_info
from .core.trace import (EVAL, StagingTrace, Tracer, check_real_args, current_trace, eval_jaxpr,
                         set_current_trace)
from .core.tree_util import broadcast_prefix, tree_flatten, tree_map, tree_structure, tree_unflatten
from .primitives.elementwise import convert_element_type, full_like_aval, zeros_like_aval
from .primitives.shape import shape_of
from .transforms.jvp import jvp_flat, linearize_flat
from .transforms.vjp import Recording
from .transforms.vmap import move_batch_axis, vmap_flat


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
    check_real_args(primals, {}, "vjp", _fun_name(fun), flat)
    aux = None
    rec = Recording(lambda *xs: fun(*tree_unflatten(in_tree, xs)), [_as_value(x) for x in flat])
    result = rec.result
    if has_aux:
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError("with has_aux=True the function must return a pair (output, aux), got "
                            f"{type(result).__name__}")
        result, aux = result
        aux = tree_map(rec.value, aux)
    out_flat, out_tree = tree_flatten(result)
    out_vals = [rec.value(t) for t in out_flat]
    out_vars = [rec.var(t) for t in out_flat]
    in_avals = [v.aval for v in rec.trace.invars]
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
            c = _as_value(c)
            if v is not None and aval_of_value(c).dtype != a.dtype and is_float(a.dtype):
                c = convert_element_type(c, a.dtype)
            cts.append(c)
        in_cts = rec.pullback(out_flat, cts)
        in_cts = [_zeros_for(a) if c is None else c for c, a in zip(in_cts, in_avals)]
        return tuple(tree_unflatten(in_tree, in_cts))

    out = tree_unflatten(out_tree, out_vals)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def _as_value(x):
    """Python scalars stay as they are (weakly typed); lists become arrays."""
    if isinstance(x, (Tracer, np.ndarray, np.generic, bool, int, float, complex)):
        return x
    return as_array(np.asarray(x))


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
        dyn_leaves = tree_flatten(dyn)[0]
        check_real_args(args, kwargs, "grad", _fun_name(fun), dyn_leaves)
        _check_float_inputs(dyn_leaves, "grad", allow_int)
        res = vjp(_partial_on(fun, args, kwargs, nums), *dyn, has_aux=has_aux)
        out, f_vjp = res[0], res[1]
        oa = aval_of_value(out) if not isinstance(out, (tuple, list, dict)) else None
        if oa is None or oa.shape != ():
            shape = oa.shape if oa is not None else type(out).__name__
            raise TypeError(f"Gradient only defined for scalar-output functions. Output had shape: "
                            f"{shape}. (grad of {_fun_name(fun)} called at {user_frame_info()})")
        if not is_float(oa.dtype):
            raise TypeError(f"grad requires real-valued outputs (output dtype that is a sub-dtype of "
                            f"np.floating), but got {oa.dtype.name}. (grad of {_fun_name(fun)} called at "
                            f"{user_frame_info()})")
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

def _eager_out(x):
    """Outputs of a transform called eagerly are ``Array``s (as JAX returns arrays)."""
    if isinstance(x, Tracer) or type(x) is Array:
        return x
    if isinstance(x, (np.ndarray, np.generic, bool, int, float, complex)):
        return as_array(np.asarray(x))
    return x


def _check_tangents(name, p_flat, t_flat, p_tree, t_tree):
    if p_tree != t_tree:
        raise TypeError(f"{name}: primal and tangent arguments must have the same tree structure; "
                        f"primals have tree structure {p_tree} whereas tangents have tree structure "
                        f"{t_tree} (called at {user_frame_info()})")
    for i, (p, t) in enumerate(zip(p_flat, t_flat)):
        pa, ta = aval_of_value(p), aval_of_value(t)
        if pa.shape != ta.shape:
            raise ValueError(f"{name}: primal and tangent shapes differ for leaf {i}: primal {pa} vs "
                             f"tangent {ta} (called at {user_frame_info()})")
        if is_float(pa.dtype) and not ta.weak_type and ta.dtype != pa.dtype:
            raise TypeError(f"{name}: the tangent of a {pa.dtype.name} primal must be "
                            f"{pa.dtype.name}, got {ta.dtype.name} for leaf {i} (called at "
                            f"{user_frame_info()}). Fix: cast it, e.g. t.astype({pa.dtype.name!r}).")


def _tangent_in(t, p):
    """A tangent input: ``None`` for integer primals (they carry no tangent, like JAX's float0);
    Python-scalar tangents take the primal's dtype."""
    pa = aval_of_value(p)
    if not is_float(pa.dtype):
        return None
    t = _as_value(t)
    if aval_of_value(t).dtype != pa.dtype:
        t = convert_element_type(t, pa.dtype)
    return t


def _aux_fun(fun, in_tree, has_aux, store):
    """``fun`` as a function of flat leaves returning flat outputs (and flat aux); the output
    trees go to ``store``."""
    def flat_fun(*leaves):
        result = fun(*tree_unflatten(in_tree, list(leaves)))
        if has_aux:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise TypeError(f"with has_aux=True, {_fun_name(fun)} must return a pair "
                                f"(output, aux), got {type(result).__name__}")
            result, aux = result
            aux_flat, store["aux_tree"] = tree_flatten(aux)
        out_flat, store["out_tree"] = tree_flatten(result)
        return (out_flat, aux_flat) if has_aux else out_flat
    return flat_fun


def jvp(fun: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """``(fun(*primals), J @ tangents)`` in one forward pass; primals, tangents and outputs are
    pytrees. Called eagerly it sees concrete values, so Python control flow on values works.

    Integer inputs carry no tangent (their tangent's value is ignored); outputs that do not
    depend on a float input get a zero tangent.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> y, t = fg.jvp(jnp.sin, (0.0,), (2.0,))
    >>> print(y, t)
    0.0 2.0
    >>> y, t = fg.jvp(lambda p: {"s": p["a"] * p["b"]}, ({"a": 2.0, "b": 3.0},), ({"a": 1.0, "b": 0.0},))
    >>> print(t["s"])
    3.0
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"jvp: primal and tangent arguments must be tuples or lists; found "
                        f"{type(primals).__name__} and {type(tangents).__name__}. Call it as "
                        "jvp(f, (x,), (v,)).")
    p_flat, p_tree = tree_flatten(tuple(primals))
    t_flat, t_tree = tree_flatten(tuple(tangents))
    _check_tangents("jvp", p_flat, t_flat, p_tree, t_tree)
    check_real_args(tuple(primals), {}, "jvp", _fun_name(fun), p_flat)
    store: dict = {}
    p_vals = [_as_value(p) for p in p_flat]
    res = jvp_flat(_aux_fun(fun, p_tree, has_aux, store), p_vals,
                   [_tangent_in(t, p) for t, p in zip(t_flat, p_vals)], has_aux)
    outs = [_eager_out(o) for o in res[0]]
    touts = [_eager_out(_zeros_for(aval_of_value(o).strip_weak())) if isinstance(t, Zero) else
             _eager_out(t) for o, t in zip(outs, res[1])]
    out_tree = store["out_tree"]
    result = (tree_unflatten(out_tree, outs), tree_unflatten(out_tree, touts))
    if has_aux:
        result += (tree_unflatten(store["aux_tree"], [_eager_out(a) for a in res[2]]),)
    return result


def linearize(fun: Callable, *primals, has_aux: bool = False):
    """``(fun(*primals), f_jvp)``: ``f_jvp(*tangents)`` evaluates ``v -> J v`` at ``primals``.

    The forward pass runs once, here, with concrete values (Python control flow works); the
    tangent computation is staged into a linear program, so each ``f_jvp`` call runs only that.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> y, f_jvp = fg.linearize(lambda x: x ** 3 + jnp.sin(x), 0.0)
    >>> print(y, f_jvp(1.0), f_jvp(0.5))
    0.0 1.0 0.5
    >>> print(f_jvp.jaxpr)      # what f_jvp runs: cos(0.0) and 3 * 0.0 ** 2 were computed already
    { lambda ; a:f64[]. let
        b:f64[] = mul a 0.0:f64[]
        c:f64[] = mul a 1.0:f64[]
        d:f64[] = add_any b c
      in (d,) }
    """
    p_flat, p_tree = tree_flatten(primals)
    check_real_args(primals, {}, "linearize", _fun_name(fun), p_flat)
    p_vals = [_as_value(p) for p in p_flat]
    store: dict = {}
    res = linearize_flat(_aux_fun(fun, p_tree, has_aux, store), p_vals, has_aux)
    outs, closed, mask = res[0], res[1], res[2]
    out_tree = store["out_tree"]

    def f_jvp(*tangents):
        t_flat, t_tree = tree_flatten(tangents)
        _check_tangents("linearize's f_jvp", p_flat, t_flat, p_tree, t_tree)
        ts = [_tangent_in(t, p) for t, p, m in zip(t_flat, p_vals, mask) if m]
        vals = eval_jaxpr(closed.jaxpr, closed.consts, ts)
        return tree_unflatten(out_tree, [_eager_out(v) for v in vals])

    f_jvp.jaxpr = closed   # the staged linear program (inputs: the float primals' tangents)
    out = tree_unflatten(out_tree, [_eager_out(o) for o in outs])
    if has_aux:
        return out, f_jvp, tree_unflatten(store["aux_tree"], [_eager_out(a) for a in res[3]])
    return out, f_jvp


# --------------------------------------------------------------------------- vmap

def _axes_leaves_ok(spec) -> bool:
    return all(a is None or (isinstance(a, int) and not isinstance(a, bool))
               for a in tree_flatten(spec)[0])


def _axes_for(name, spec, tree, what):
    """One axis (int or None) per leaf of ``tree``, from the prefix ``spec``."""
    try:
        return broadcast_prefix(spec, tree)
    except ValueError:
        raise ValueError(f"vmap {name} specification must be a tree prefix of the corresponding "
                         f"value, got specification {spec!r} for {what} with tree structure "
                         f"{tree_structure(tree)} (vmap called at {user_frame_info()})") from None


def vmap(fun: Callable, in_axes=0, out_axes=0, axis_name=None, axis_size: int | None = None,
         spmd_axis_name=None):
    """Vectorize ``fun`` over an axis of its inputs: ``vmap(f)(xs)[i] == f(xs[i])``.

    ``in_axes``: an int, ``None`` (not batched) or a tuple with one entry per positional
    argument, each a pytree prefix of ints/``None``; keyword arguments are batched along axis 0.
    ``out_axes``: the same, for the outputs. ``axis_size`` is needed when no input is batched.
    Each primitive's batching rule works on whole arrays (an elementwise op broadcasts,
    ``dot_general`` gets a batch dimension): nothing loops over the batch in Python. ``vmap``
    traces without concrete values: branch with ``funcgrad.numpy.where``, not ``if``.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> fg.vmap(lambda x, y: x @ y, in_axes=(0, None))(jnp.ones((5, 3)), jnp.ones(3)).shape
    (5,)
    >>> fg.vmap(lambda x: x * 2, in_axes=1, out_axes=1)(jnp.ones((2, 4))).shape
    (2, 4)
    >>> fg.vmap(lambda c: c + jnp.zeros(2), in_axes=None, axis_size=3)(1.0).shape
    (3, 2)
    """
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)   # as JAX: a list is taken to mean the tuple of per-argument axes
    if not (in_axes is None or type(in_axes) in (int, tuple)) or not _axes_leaves_ok(in_axes):
        raise TypeError("vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                        "the positional arguments passed to the function, each an int, None or a "
                        f"(nested) container of those, but got {in_axes!r}.")
    if not _axes_leaves_ok(out_axes):
        raise TypeError("vmap out_axes must be an int, None, or (nested) container with those types "
                        f"as leaves, but got {out_axes!r}.")
    if axis_size is not None and (not isinstance(axis_size, (int, np.integer)) or axis_size < 0):
        raise TypeError(f"vmap axis_size must be a non-negative int, got {axis_size!r}")

    @functools.wraps(fun)
    def vmapped(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap in_axes must be an int, None, or a tuple of entries corresponding "
                             f"to the positional arguments passed to the function, but got "
                             f"len(in_axes)={len(in_axes)}, len(args)={len(args)} (called at "
                             f"{user_frame_info()})")
        per_arg = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
        leaves, axes, names = [], [], []
        for i, (a, spec) in enumerate(zip(args, per_arg)):
            lv = tree_flatten(a)[0]
            leaves += lv
            axes += _axes_for("in_axes", spec, a, f"args[{i}]")
            names += [f"args[{i}]" + (f" (leaf {j})" if len(lv) > 1 else "") for j in range(len(lv))]
        for k in sorted(kwargs):
            lv = tree_flatten(kwargs[k])[0]
            leaves += lv
            axes += [0] * len(lv)
            names += [f"kwargs[{k!r}]"] * len(lv)
        in_tree = tree_structure((args, kwargs))
        check_real_args(args, kwargs, "vmap", _fun_name(fun), leaves)
        n, dims = _batch_size(leaves, axes, names, axis_size)
        store: dict = {}

        def flat_fun(*flat):
            a, kw = tree_unflatten(in_tree, list(flat))
            out = fun(*a, **kw)
            out_flat, store["out_tree"] = tree_flatten(out)
            return out_flat

        outs, out_dims = vmap_flat(flat_fun, [_as_value(x) for x in leaves], dims, n, axis_name)
        o_axes = _axes_for("out_axes", out_axes, tree_unflatten(store["out_tree"], outs), "the output")
        results = []
        for o, d, oa in zip(outs, out_dims, o_axes):
            if oa is None:
                if d is not None:
                    raise ValueError(f"vmap has mapped output but out_axes is None: an output of "
                                     f"{_fun_name(fun)} depends on a batched input (called at "
                                     f"{user_frame_info()}). Give that output an integer out_axes.")
                results.append(_eager_out(o))
                continue
            nd = len(shape_of(o)) + (d is None)
            if not -nd <= oa < nd:
                raise ValueError(f"vmap out_axes={oa} is out of bounds for an output of rank "
                                 f"{nd - 1} (called at {user_frame_info()})")
            results.append(_eager_out(move_batch_axis(o, d, oa % nd, n)))
        return tree_unflatten(store["out_tree"], results)

    return vmapped


def _batch_size(leaves, axes, names, axis_size):
    """The common size of the mapped axes, and each leaf's normalized axis."""
    dims, sizes = [], []
    for x, ax, name in zip(leaves, axes, names):
        if ax is None:
            dims.append(None)
            continue
        s = shape_of(x)
        if not -len(s) <= ax < len(s):
            raise ValueError(f"vmap was requested to map its argument along axis {ax}, which implies "
                             f"that its rank should be at least {ax + 1 if ax >= 0 else -ax}, but is "
                             f"only {len(s)} (its shape is {tuple(s)}): {name} (called at "
                             f"{user_frame_info()})")
        dims.append(ax % len(s))
        sizes.append((s[ax], ax, name, s))
    if len({sz for sz, *_ in sizes}) > 1:
        detail = "\n".join(f"  * one axis had size {sz}: axis {ax} of {name} of shape {tuple(s)};"
                           for sz, ax, name, s in sizes)
        raise ValueError(f"vmap got inconsistent sizes for array axes to be mapped (called at "
                         f"{user_frame_info()}):\n{detail}")
    if sizes:
        n = sizes[0][0]
        if axis_size is not None and axis_size != n:
            raise ValueError(f"vmap got axis_size={axis_size}, but the mapped axes have size {n} "
                             f"(called at {user_frame_info()})")
        return n, dims
    if axis_size is None:
        raise ValueError("vmap must have at least one non-None value in in_axes, or be given "
                         f"axis_size (called at {user_frame_info()})")
    return int(axis_size), dims


# --------------------------------------------------------------------------- jacobians

def _std_basis(leaves):
    """The rows of the identity over all elements of ``leaves``, split per leaf: leaf ``j``'s
    part has shape ``(total,) + leaf.shape`` and its own dtype."""
    sizes = [int(np.prod(shape_of(x), dtype=np.int64)) for x in leaves]
    total = sum(sizes)
    out, start = [], 0
    for x, sz in zip(leaves, sizes):
        a = aval_of_value(x)
        eye = np.zeros((total, sz), a.dtype)
        eye[start:start + sz] = np.eye(sz, dtype=a.dtype)
        out.append(as_array(eye.reshape((total,) + a.shape)))
        start += sz
    return out, sizes


def _split_axis(x, axis, sizes, shapes, prefix_shape, order):
    """Split ``x``'s ``axis`` (of length ``sum(sizes)``) into blocks reshaped to
    ``prefix_shape + shape`` (``order="last"``) or ``shape + prefix_shape`` (``"first"``)."""
    from .primitives.shape import reshape, slice_p_bind
    nd = len(shape_of(x))
    blocks, start = [], 0
    for sz, shape in zip(sizes, shapes):
        blk = x
        if sz != sum(sizes):
            lo, hi = [0] * nd, list(shape_of(x))
            lo[axis], hi[axis] = start, start + sz
            blk = slice_p_bind(x, lo, hi)
        new = tuple(prefix_shape) + tuple(shape) if order == "last" else tuple(shape) + tuple(prefix_shape)
        blocks.append(_eager_out(reshape(blk, new)))
        start += sz
    return blocks


def _check_jac_input(name, x, holomorphic, allow_int=False):
    dt = aval_of_value(x).dtype
    if holomorphic:
        if not np.issubdtype(dt, np.complexfloating):
            raise TypeError(f"{name} with holomorphic=True requires inputs with complex dtype, but "
                            f"got {dt.name} (called at {user_frame_info()}).")
    elif np.issubdtype(dt, np.complexfloating) or not (np.issubdtype(dt, np.floating) or allow_int):
        fix = ("If you want to use integer-valued inputs, use vjp or set allow_int to True."
               if name == "jacrev" and not np.issubdtype(dt, np.complexfloating) else
               "For holomorphic differentiation, pass holomorphic=True. For differentiation of "
               "non-holomorphic functions involving complex or integer inputs, use "
               f"{'jvp' if name == 'jacfwd' else 'vjp'} directly.")
        raise TypeError(f"{name} requires real-valued inputs (input dtype that is a sub-dtype of "
                        f"np.floating), but got {dt.name}. {fix} (called at {user_frame_info()})")


def _check_jac_output(name, y, holomorphic):
    """As JAX: ``jacrev`` needs real outputs (the cotangent basis), ``jacfwd`` takes any output
    (an integer output's block is zero); with ``holomorphic=True`` both need complex outputs."""
    dt = aval_of_value(y).dtype
    if holomorphic and not np.issubdtype(dt, np.complexfloating):
        raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, but got "
                        f"{dt.name} (called at {user_frame_info()}).")
    if name == "jacrev" and not holomorphic and not np.issubdtype(dt, np.floating):
        raise TypeError(f"jacrev requires real-valued outputs (output dtype that is a sub-dtype of "
                        f"np.floating), but got {dt.name}. For holomorphic differentiation, pass "
                        f"holomorphic=True. For differentiation of non-holomorphic functions "
                        f"involving complex outputs, use vjp directly (called at {user_frame_info()}).")


def _nest(blocks, out_tree, in_tree, single):
    """``blocks[i][j]`` = d out_i / d in_j, nested as JAX does: the output pytree, each leaf
    replaced by the input pytree (``argnums``' tuple unless ``argnums`` is an int)."""
    rows = []
    for row in blocks:
        per_arg = tree_unflatten(in_tree, row)
        rows.append(per_arg[0] if single else per_arg)
    return tree_unflatten(out_tree, rows)


def jacfwd(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """Jacobian of ``fun`` by forward mode: ``vmap`` of ``jvp`` over the standard basis of the
    inputs (one forward pass, batched). Each block has shape ``out.shape + in.shape``; the result
    is the output pytree with each leaf replaced by the pytree of ``argnums``' inputs.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> print(fg.jacfwd(lambda x: x[:2] * x[1:])(jnp.array([1.0, 2.0, 3.0])))
    [[2. 1. 0.]
     [0. 3. 2.]]
    >>> J = fg.jacfwd(lambda a, b: {"y": a * b}, argnums=(0, 1))(jnp.ones(2), 3.0)
    >>> J["y"][0].shape, J["y"][1].shape
    ((2, 2), (2,))
    """
    def jacfwd_f(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "jacfwd")
        dyn = tuple(args[i] for i in nums)
        f = _partial_on(fun, args, kwargs, nums)
        in_flat, in_tree = tree_flatten(dyn)
        for x in in_flat:
            _check_jac_input("jacfwd", x, holomorphic)
        basis, sizes = _std_basis(in_flat)
        store: dict = {}

        def push(*t_flat):
            # the primal outputs (and aux) do not depend on the tangents: unbatched (out_axes None)
            res = jvp(f, dyn, tree_unflatten(in_tree, list(t_flat)), has_aux=has_aux)
            o_flat, store["out_tree"] = tree_flatten(res[0])
            return o_flat, tree_flatten(res[1])[0], (res[2] if has_aux else None)

        outs, touts, aux = vmap(push, out_axes=(None, -1, None))(*basis)
        blocks = []
        for o, t in zip(outs, touts):
            _check_jac_output("jacfwd", o, holomorphic)
            blocks.append(_split_axis(t, len(shape_of(t)) - 1, sizes, [shape_of(x) for x in in_flat],
                                      shape_of(o), "last"))
        jac = _nest(blocks, store["out_tree"], in_tree, single)
        return (jac, aux) if has_aux else jac

    return jacfwd_f


def jacrev(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
           allow_int: bool = False):
    """Jacobian of ``fun`` by reverse mode: one forward pass, then ``vmap`` of the pullback over
    the standard basis of the outputs (a batched backward pass, not a loop). Same output
    structure as ``jacfwd``.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> print(fg.jacrev(lambda x: x[:2] * x[1:])(jnp.array([1.0, 2.0, 3.0])))
    [[2. 1. 0.]
     [0. 3. 2.]]
    """
    def jacrev_f(*args, **kwargs):
        single, nums = _argnums_tuple(argnums, len(args), "jacrev")
        dyn = tuple(args[i] for i in nums)
        f = _partial_on(fun, args, kwargs, nums)
        in_flat, in_tree = tree_flatten(dyn)
        for x in in_flat:
            _check_jac_input("jacrev", x, holomorphic, allow_int)
        res = vjp(f, *dyn, has_aux=has_aux)
        out, f_vjp = res[0], res[1]
        out_flat, out_tree = tree_flatten(out)
        for o in out_flat:
            _check_jac_output("jacrev", o, holomorphic)
        basis, sizes = _std_basis(out_flat)
        cts = vmap(lambda *c: tree_flatten(f_vjp(tree_unflatten(out_tree, list(c))))[0])(*basis)
        # cts[j]: (total_out,) + in_j.shape; split the leading axis over the outputs
        per_in = [_split_axis(c, 0, sizes, [shape_of(o) for o in out_flat], shape_of(x), "first")
                  for c, x in zip(cts, in_flat)]
        blocks = [[per_in[j][i] for j in range(len(in_flat))] for i in range(len(out_flat))]
        jac = _nest(blocks, out_tree, in_tree, single)
        return (jac, res[2]) if has_aux else jac

    return jacrev_f


jacobian = jacrev


def hessian(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False):
    """The Hessian of scalar ``fun``: ``jacfwd(jacrev(fun))`` (forward-over-reverse). For a
    pytree input the result is a pytree of pytrees of blocks ``x_i.shape + x_j.shape``.

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> print(fg.hessian(lambda x: x[0] ** 2 * x[1])(jnp.array([1.0, 2.0])))
    [[4. 2.]
     [2. 0.]]
    """
    return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                  has_aux=has_aux, holomorphic=holomorphic)


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
        check_real_args(args, kwargs, "make_jaxpr", _fun_name(fun), flat)
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
    """The input type a staged program sees: with ``jax_enable_x64`` off, 64-bit inputs are
    staged as their 32-bit counterparts, as JAX does."""
    a = aval_of_value(x)
    if not config.jax_enable_x64:
        from .numpy._dtypes import canonicalize_dtype
        c = canonicalize_dtype(a.dtype)
        if c != a.dtype:
            a = Aval(a.shape, c, a.weak_type)
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
