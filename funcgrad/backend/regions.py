"""Native lowering of control flow: a ``cond``/``while``/``scan``/``while_grad`` equation becomes
one ``@njit(cache=True)`` *region* (no return to Python per iteration or branch).

A region is a generated Python module holding the fused loop kernels of its sub-programs
(``fusion.plan`` + ``codegen.gen_kernel``, the same kernels the driver calls) and one function
per control equation (nested control flow gets its own function, called natively):

- the body's fused elementwise/reduction groups are calls of those njit kernels, into outputs
  allocated with ``np.empty``;
- ``dot_general`` (float, up to 2-D, no batch dims) is Numba's ``np.dot`` (BLAS through SciPy),
  transposed operands passed as views; reshapes are views of C-contiguous arrays;
- ``scan``: carries are local variables, the stacked outputs are preallocated
  ``np.empty((length,) + shape)`` and written per step; ``reverse`` walks ``t`` backward;
- ``while``: a native ``while True`` with the predicate's sub-program then ``break``;
- ``cond``: an ``if``/``elif`` chain on the clamped index;
- ``while_grad``: the forward loop pushes each carry on a stack that doubles its capacity when
  full (memory follows the iterations run), then a native loop pops it running the body's VJP.

Inside a region every value is a C-contiguous array of rank >= 1 (scalars are shape ``(1,)``);
``RegionCall``, the only Python-level glue, reshapes at the boundary, once per equation.

A sub-program using an operation without a native form here (gather, concatenate...) makes
the generator decline (``None``): the driver then calls the primitive's NumPy ``impl``.
``register()`` plugs the generators into the control primitives (``funcgrad.lax`` calls it).
"""
from __future__ import annotations

import os
import sys

import numpy as np

from ..core.ir import Jaxpr, Literal, Var
from ..core.lowering import literal
from . import cache, process
from .lanes import lane_count
from .codegen import gen_kernel
from .fusion import plan

#: a region whose per-step products are all at most this m*n*k runs on one BLAS thread
#: (``process.run_on_one_blas_thread``): 32x128x128 (an RNN cell) is 0.5M
SMALL_DOT = 4 << 20

_HEADER = ("@njit(cache=True, error_model='numpy', boundscheck=False, nogil=True)\n")


class Decline(Exception):
    """The sub-program has an operation regions do not lower natively."""


def _internal(shape) -> tuple:
    shape = tuple(int(d) for d in shape)
    return shape if shape else (1,)


def _shape_text(s) -> str:
    s = tuple(int(x) for x in s)
    return f"({s[0]},)" if len(s) == 1 else repr(s)


def _dt(dtype) -> str:
    return f"np.{np.dtype(dtype).name}"


def _step_inputs(st) -> list:
    """The vars a step reads (a kernel reads its index ops' operands, not their results)."""
    if st.kind == "kernel":
        return [a for ops in st.operands for a, _ in ops if isinstance(a, Var)]
    return [a for e in st.eqns for a in e.inputs if isinstance(a, Var)]


def _is_reshape_like(e) -> bool:
    return e.primitive.reshapes


class Emitter:
    """Generates the source of one region module."""

    def __init__(self):
        self.kernels: dict[str, str] = {}
        self.functions: list[str] = []
        self.n = 0
        self.dot_sizes: list[int] = []     # m*n*k of each np.dot emitted in a loop or branch
        self.top = None          # the region's own equation (its scan's big products go to Python)
        self.lanes = lane_count()
        self.pre: list = []      # (x index, const index, transposed const) of hoisted input products
        self.post: list = []     # (carry index, x index, x is left, extra output) of accumulations

    def fresh(self, prefix="v") -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    # ------------------------------------------------------------------ sub-programs

    def body(self, jaxpr: Jaxpr, in_names, ind: str, into=None):
        """Statements computing ``jaxpr`` on arrays named ``in_names``; returns
        ``(lines, out_names)``. ``into`` maps var ids to the buffer (an expression) a kernel
        computing that var writes into directly (a scan's ``ys[t]``); the ids actually written
        so are added to ``into["done"]``."""
        saved, self.into = getattr(self, "into", {}), (into if into is not None else {})
        try:
            return self._body(jaxpr, in_names, ind)
        finally:
            self.into = saved

    def _body(self, jaxpr: Jaxpr, in_names, ind: str):
        env = {id(v): n for v, n in zip(jaxpr.invars, in_names)}
        lines: list[str] = []
        steps = plan(jaxpr).steps
        used = {id(a) for a in jaxpr.outvars if isinstance(a, Var)}
        live_after = []
        for st in reversed(steps):
            live_after.append(set(used))
            used.update(id(a) for a in _step_inputs(st))
        live_after.reverse()
        for st, live in zip(steps, live_after):
            if st.kind == "kernel":
                self._kernel(st, live, env, lines, ind)
            else:
                for e in st.eqns:
                    self._eqn(e, env, lines, ind)
        outs = [self._atom(a, env, lines, ind) for a in jaxpr.outvars]
        return lines, outs

    def _atom(self, a, env, lines, ind) -> str:
        if isinstance(a, Literal):
            n = self.fresh("l")
            lines.append(f"{ind}{n} = np.full({_shape_text(_internal(a.aval.shape))}, "
                         f"{literal(a.val, a.aval.dtype)}, {_dt(a.aval.dtype)})")
            return n
        return env[id(a)]

    def _kernel(self, st, live, env, lines, ind):
        k = gen_kernel(st, live)
        self.kernels.setdefault(k.name, k.source)
        for v, _ in k.outs:
            n = self.fresh()
            env[id(v)] = n
            buf = self.into.get(id(v))
            if buf is not None:          # written in place into the stacked output
                lines.append(f"{ind}{n} = {buf}")
                self.into.setdefault("done", set()).add(id(v))
                continue
            lines.append(f"{ind}{n} = np.empty({_shape_text(_internal(v.aval.shape))}, "
                         f"{_dt(v.aval.dtype)})")
        args = ["0"] + ([str(k.sizes[0])] + [str(s) for s in k.sizes[1:]] if k.sizes else [])
        args += [literal(v, dt) for dt, v in k.consts]     # scalar literals are kernel arguments
        for a, canon in list(k.args) + list(k.outs):
            args.append(self._view(env[id(a)], a.aval.shape, canon))
        lines.append(f"{ind}{k.name}({', '.join(args)})")

    @staticmethod
    def _view(name, shape, canon) -> str:
        canon = tuple(int(c) for c in canon)
        if not canon:
            raise Decline("a 0-d kernel operand")
        return name if canon == _internal(shape) else f"{name}.reshape({_shape_text(canon)})"

    def _eqn(self, e, env, lines, ind):
        name = e.primitive.name
        ins = [self._atom(a, env, lines, ind) for a in e.inputs]
        if getattr(e.primitive.lower, "matmul", None) is not None:   # a dot_general
            self._dot(e, ins, env, lines, ind)
        elif _is_reshape_like(e):
            n = self.fresh()
            lines.append(f"{ind}{n} = {ins[0]}.reshape({_shape_text(_internal(e.outputs[0].aval.shape))})")
            env[id(e.outputs[0])] = n
        elif name in _CONTROL:
            fn = _CONTROL[name](self, e)
            outs = [self.fresh() for _ in e.outputs]
            adapted = [self._to_region(x, a.aval, ra) for x, a, ra in
                       zip(ins, e.inputs, region_in_shapes(e))]
            lines.append(f"{ind}{', '.join(outs)}, = {fn}({', '.join(adapted)})")
            for v, o in zip(e.outputs, outs):
                n = o
                if _internal(v.aval.shape) != region_out_shape(e, v):
                    n = self.fresh()
                    lines.append(f"{ind}{n} = {o}.reshape({_shape_text(_internal(v.aval.shape))})")
                env[id(v)] = n
        else:
            raise Decline(f"{name} has no native form in a region")

    @staticmethod
    def _to_region(x, aval, shape):
        return x if _internal(aval.shape) == tuple(shape) else f"{x}.reshape({_shape_text(shape)})"

    def _dot(self, e, ins, env, lines, ind):
        (lc, rc), (lb, rb) = e.params["dimension_numbers"]
        la, ra, out = e.inputs[0].aval, e.inputs[1].aval, e.outputs[0].aval
        if lb or rb or la.ndim > 2 or ra.ndim > 2 or len(lc) > 1:
            raise Decline("dot_general with batch dims or rank > 2")
        if not (la.dtype == ra.dtype == out.dtype) or la.dtype.kind != "f":
            raise Decline("dot_general on mixed or non-float dtypes")
        a, b = ins
        n = self.fresh()
        if not lc:                       # outer product of vectors (or scalar scaling)
            if la.ndim == 1 and ra.ndim == 1:
                lines.append(f"{ind}{n} = np.outer({a}, {b})")
            else:
                raise Decline("dot_general without contraction beyond vectors")
        else:
            if la.ndim == 2:
                a = a if lc[0] == 1 else f"{a}.T"
            if ra.ndim == 2:
                b = b if rc[0] == 0 else f"{b}.T"
            k = la.shape[lc[0]]
            self.dot_sizes.append(int(np.prod(out.shape, dtype=np.int64)) * int(k))
            if la.ndim == 1 and ra.ndim == 1:
                lines.append(f"{ind}{n} = np.empty(1, {_dt(out.dtype)})")
                lines.append(f"{ind}{n}[0] = np.dot({a}, {b})")
            else:
                lines.append(f"{ind}{n} = np.dot({a}, {b})")
        env[id(e.outputs[0])] = n

    # ------------------------------------------------------------------ functions

    def function(self, name, params, lines, outs) -> str:
        src = [_HEADER + f"def {name}({', '.join(params)}):"] + lines
        src.append(f"    return ({', '.join(outs)},)")
        self.functions.append("\n".join(src) + "\n")
        return name

    def module(self) -> str:
        parts = ["import math\n\nimport numpy as np\n"]
        parts += list(self.kernels.values())
        parts += self.functions
        return "\n\n".join(parts)


def _args(prefix, n):
    return [f"{prefix}{i}" for i in range(n)]


# --------------------------------------------------------------------------- the generators

def region_in_shapes(e) -> list:
    """The shapes a region function takes its operands in (scalars as ``(1,)``; a scan's
    ``xs`` as ``(length,) + slice``)."""
    if e.primitive.stacks_outputs:
        p = e.params
        n_fixed = p["num_consts"] + p["num_carry"]
        return [_internal(a.aval.shape) if i < n_fixed else
                (p["length"],) + _internal(a.aval.shape[1:]) for i, a in enumerate(e.inputs)]
    return [_internal(a.aval.shape) for a in e.inputs]


def region_out_shape(e, v) -> tuple:
    if e.primitive.stacks_outputs:
        k = e.outputs.index(v)
        if k >= e.params["num_carry"]:
            return (e.params["length"],) + _internal(v.aval.shape[1:])
    return _internal(v.aval.shape)


def _plain_dot(e):
    """``(lc, rc)`` of a float ``dot_general`` without batch dims on operands of equal dtype."""
    if getattr(e.primitive.lower, "matmul", None) is None:    # not a dot_general
        return None
    (lc, rc), (lb, rb) = e.params["dimension_numbers"]
    la, ra, out = e.inputs[0].aval, e.inputs[1].aval, e.outputs[0].aval
    if lb or rb or not (la.dtype == ra.dtype == out.dtype) or la.dtype.kind != "f":
        return None
    return tuple(lc), tuple(rc)


def _uses(jaxpr) -> dict:
    n: dict = {}
    for a in [a for e in jaxpr.eqns for a in e.inputs] + list(jaxpr.outvars):
        if isinstance(a, Var):
            n[id(a)] = n.get(id(a), 0) + 1
    return n


def hoist_input_matmuls(jaxpr: Jaxpr, nc: int, nk: int):
    """``x_t @ W`` (``x`` scanned, ``W`` a constant) for every ``t`` is one matmul over the
    stacked ``xs`` before the loop (a big GEMM instead of ``length`` small ones). Returns the
    body with each such product read from a new scanned input, and ``[(x index, const index,
    transposed const)]`` for those inputs."""
    C, X = jaxpr.invars[:nc], jaxpr.invars[nc + nk:]
    c_pos = {id(v): i for i, v in enumerate(C)}
    x_pos = {id(v): i for i, v in enumerate(X)}
    subst, eqns, new_in, hoisted = {}, [], [], []
    for e in jaxpr.eqns:
        d = _plain_dot(e)
        lhs, rhs = e.inputs if d is not None else (None, None)
        if (d is not None and isinstance(lhs, Var) and isinstance(rhs, Var)
                and id(lhs) in x_pos and id(rhs) in c_pos and lhs.aval.ndim in (1, 2)
                and rhs.aval.ndim == 2 and d[0] == (lhs.aval.ndim - 1,) and d[1] in ((0,), (1,))):
            z = Var(e.outputs[0].aval)
            subst[id(e.outputs[0])] = z
            new_in.append(z)
            hoisted.append((x_pos[id(lhs)], c_pos[id(rhs)], d[1] == (1,)))
            continue
        eqns.append(e)
    if not hoisted:
        return jaxpr, []
    eqns = [_subst(e, subst) for e in eqns]
    outs = [subst.get(id(a), a) if isinstance(a, Var) else a for a in jaxpr.outvars]
    return Jaxpr([], list(jaxpr.invars) + new_in, eqns, outs), hoisted


def _subst(e, subst):
    if not any(isinstance(a, Var) and id(a) in subst for a in e.inputs):
        return e
    from ..core.ir import Eqn
    ins = [subst.get(id(a), a) if isinstance(a, Var) else a for a in e.inputs]
    return Eqn(e.primitive, ins, e.outputs, e.params, e.source)


def hoist_accumulations(jaxpr: Jaxpr, nc: int, nk: int):
    """A carry ``acc = acc + x_t^T m_t`` (a weight gradient in a backward scan) is one matmul
    after the loop: ``acc + X^T M`` over the stacked ``x`` and ``m``. Returns the body with the
    carry passed through and ``m`` as an extra stacked output, and ``[(carry index, x index,
    x is the left operand, index of m among the extra outputs)]``."""
    K, X = jaxpr.invars[nc:nc + nk], jaxpr.invars[nc + nk:]
    x_pos = {id(v): i for i, v in enumerate(X)}
    uses = _uses(jaxpr)
    producer = {id(v): e for e in jaxpr.eqns for v in e.outputs}
    drop, outs, extra, accs = set(), list(jaxpr.outvars), [], []
    for i, (kin, kout) in enumerate(zip(K, jaxpr.outvars[:nk])):
        add = producer.get(id(kout)) if isinstance(kout, Var) else None
        if (add is None or add.primitive.monoid != "sum" or uses.get(id(kin)) != 1
                or uses.get(id(kout)) != 1 or kin.aval.ndim != 2):
            continue
        others = [a for a in add.inputs if a is not kin]
        if len(others) != 1 or not isinstance(others[0], Var) or uses.get(id(others[0])) != 1:
            continue
        dot = producer.get(id(others[0]))
        d = dot and _plain_dot(dot)
        if not d or d != ((0,), (0,)) or dot.outputs[0].aval.shape != kin.aval.shape:
            continue
        lhs, rhs = dot.inputs
        if not (isinstance(lhs, Var) and isinstance(rhs, Var)) or lhs.aval.ndim != 2 \
                or rhs.aval.ndim != 2:
            continue
        if id(lhs) in x_pos:
            x_idx, m, x_left = x_pos[id(lhs)], rhs, True
        elif id(rhs) in x_pos:
            x_idx, m, x_left = x_pos[id(rhs)], lhs, False
        else:
            continue
        drop.update((id(add), id(dot)))
        outs[i] = kin
        if not any(m is v for v in extra):
            extra.append(m)
        accs.append((i, x_idx, x_left, next(j for j, v in enumerate(extra) if v is m)))
    if not accs:
        return jaxpr, []
    eqns = [e for e in jaxpr.eqns if id(e) not in drop]
    return Jaxpr([], jaxpr.invars, eqns, outs + extra), accs


def gen_scan(em: Emitter, e) -> str:
    p = e.params
    jaxpr, T, nc, nk = p["jaxpr"], p["length"], p["num_consts"], p["num_carry"]
    nx = len(e.inputs) - nc - nk
    n_user_ys = len(e.outputs) - nk
    c, k, x = _args("c", nc), _args("k", nk), _args("x", nx)
    x_shapes = region_in_shapes(e)[nc + nk:]
    jaxpr, hoisted = hoist_input_matmuls(jaxpr, nc, nk)
    jaxpr, accs = hoist_accumulations(jaxpr, nc, nk)
    # the region's own scan leaves its hoisted products to ``RegionCall`` (split by rows over
    # the lanes, while the loop's small products run on one thread); a nested scan, or a
    # process without lanes, computes them here
    top = em.top is e and em.lanes > 1
    lines, xs, extra_params = [], list(x), []
    for xi, ci, tr in hoisted:
        n = em.fresh("hx")
        s = x_shapes[xi]
        if top:
            em.pre.append((xi, ci, tr))
            extra_params.append(n)
        else:
            flat = x[xi] if len(s) == 2 else f"{x[xi]}.reshape(({s[0] * s[1]}, {s[2]}))"
            lines.append(f"    {n} = np.dot({flat}, {c[ci]}{'.T' if tr else ''})"
                         + ("" if len(s) == 2 else f".reshape(({s[0]}, {s[1]}, -1))"))
        xs.append(n)
    ys = [(f"ys{j}", a.aval) for j, a in enumerate(jaxpr.outvars[nk:])]
    lines += [f"    {n} = np.empty({_shape_text((T,) + _internal(a.shape))}, {_dt(a.dtype)})"
              for n, a in ys]
    lines.append(f"    for it in range({T}):")
    lines.append(f"        t = {T - 1} - it" if p["reverse"] else "        t = it")
    xt = [f"xt{j}" for j in range(len(xs))]
    lines += [f"        {a} = {b}[t]" for a, b in zip(xt, xs)]
    # a y computed by a kernel this step is written straight into its slot ys[t] (no copy;
    # a carry may keep referring to it: each slot is written once)
    into: dict = {}
    for (n, _), a in zip(ys, jaxpr.outvars[nk:]):
        if isinstance(a, Var) and id(a) not in into and a not in jaxpr.invars:
            into[id(a)] = f"{n}[t]"
    body, outs = em.body(jaxpr, c + k + xt, "        ", into)
    lines += body
    done = into.get("done", set())
    for (n, _), o, a in zip(ys, outs[nk:], jaxpr.outvars[nk:]):
        if isinstance(a, Var) and id(a) in done and into.get(id(a)) == f"{n}[t]":
            continue
        lines.append(f"        {n}[t] = {o}")
    if nk:      # after the stores: a y may be the step's input carry
        lines.append(f"        {', '.join(k)}, = {', '.join(outs[:nk])},")
    for ki, xi, x_left, j in accs:
        m, m_aval = ys[n_user_ys + j]
        if top:
            em.post.append((ki, xi, x_left, j))
            continue
        s = x_shapes[xi]
        xf = f"{x[xi]}.reshape(({s[0] * s[1]}, {s[2]}))"
        mf = f"{m}.reshape(({T * m_aval.shape[0]}, {m_aval.shape[1]}))"
        prod = f"np.dot({xf}.T, {mf})" if x_left else f"np.dot({mf}.T, {xf})"
        lines.append(f"    {k[ki]} = {k[ki]} + {prod}")
    returned = ys if top else ys[:n_user_ys]      # (the accumulations' factors, for RegionCall)
    return em.function(em.fresh("scan_"), c + k + x + extra_params, lines,
                       k + [n for n, _ in returned])


def gen_while(em: Emitter, e) -> str:
    p = e.params
    ncc, nbc = p["cond_nconsts"], p["body_nconsts"]
    nk = len(e.inputs) - ncc - nbc
    cc, bc, k = _args("cc", ncc), _args("bc", nbc), _args("k", nk)
    lines = ["    while True:"]
    cl, (pred,) = em.body(p["cond_jaxpr"], cc + k, "        ")
    lines += cl + [f"        if not {pred}[0]:", "            break"]
    bl, outs = em.body(p["body_jaxpr"], bc + k, "        ")
    lines += bl + [f"        {', '.join(k)}, = {', '.join(outs)},"]
    return em.function(em.fresh("while_"), cc + bc + k, lines, k)


def gen_cond(em: Emitter, e) -> str:
    branches = e.params["branches"]
    ops = _args("op", len(e.inputs) - 1)
    res = [f"r{j}" for j in range(len(e.outputs))]
    lines = ["    i = idx[0]"]
    for b, jaxpr in enumerate(branches):
        last = b == len(branches) - 1
        head = "else:" if last else (f"if i <= {b}:" if b == 0 else f"elif i <= {b}:")
        lines.append(f"    {head}")
        bl, outs = em.body(jaxpr, ops, "        ")
        lines += bl
        # every value in a region is a C-contiguous array, so both arms give the same type
        lines += [f"        {r} = {o}" for r, o in zip(res, outs)]
    return em.function(em.fresh("cond_"), ["idx"] + ops, lines, res)


def gen_while_grad(em: Emitter, e) -> str:
    p = e.params
    ncc, nbc, nwc = p["cond_nconsts"], p["body_nconsts"], p["bwd_nconsts"]
    body = p["body_jaxpr"]
    nk = len(body.outvars)
    nct = len(e.inputs) - ncc - nbc - nwc - nk
    n_fb = len(e.outputs) - nct
    cc, bc, wc, k, ct = (_args("cc", ncc), _args("bc", nbc), _args("wc", nwc), _args("k", nk),
                         _args("ct", nct))
    k_avals = [v.aval for v in body.outvars]
    st = [f"st{j}" for j in range(nk)]
    lines = ["    cap = 16", "    n = 0"]
    lines += [f"    {s} = np.empty({_shape_text((16,) + _internal(a.shape))}, {_dt(a.dtype)})"
              for s, a in zip(st, k_avals)]
    lines.append("    while True:")
    cl, (pred,) = em.body(p["cond_jaxpr"], cc + k, "        ")
    lines += cl + [f"        if not {pred}[0]:", "            break"]
    lines.append("        if n == cap:        # the stack is full: double it")
    lines.append("            cap *= 2")
    for s, a in zip(st, k_avals):
        lines.append(f"            g_{s} = np.empty((cap,) + {s}.shape[1:], {_dt(a.dtype)})")
        lines.append(f"            g_{s}[:n] = {s}[:n]")
        lines.append(f"            {s} = g_{s}")
    lines += [f"        {s}[n] = {kk}" for s, kk in zip(st, k)]
    lines.append("        n += 1")
    bl, outs = em.body(body, bc + k, "        ")
    lines += bl + [f"        {', '.join(k)}, = {', '.join(outs)},"]
    acc = [f"acc{j}" for j in range(n_fb)]
    lines += [f"    {a} = np.zeros({_shape_text(_internal(v.aval.shape))}, {_dt(v.aval.dtype)})"
              for a, v in zip(acc, e.outputs[:n_fb])]
    lines.append("    for i in range(n - 1, -1, -1):")
    ki = [f"ki{j}" for j in range(nk)]
    lines += [f"        {a} = {s}[i]" for a, s in zip(ki, st)]
    wl, outs = em.body(p["bwd_jaxpr"], wc + bc + ki + ct, "        ")
    lines += wl
    lines += [f"        {a} += {o}" for a, o in zip(acc, outs[:n_fb])]
    if nct:
        lines.append(f"        {', '.join(ct)}, = {', '.join(outs[n_fb:])},")
    return em.function(em.fresh("while_grad_"), cc + bc + wc + k + ct, lines, acc + ct)


_CONTROL = {"scan": gen_scan, "while": gen_while, "cond": gen_cond, "while_grad": gen_while_grad}


# --------------------------------------------------------------------------- compile and call

class RegionCall:
    """Python glue around a compiled region: operands reshaped to the region's shapes (C
    contiguous, the expected dtype), results reshaped to the equation's output shapes."""

    def __init__(self, fn, in_shapes, in_dtypes, out_shapes, source, small_dots=False,
                 pre=(), post=(), n_consts=0, n_carry=0):
        self.fn = fn
        self.small_dots = small_dots
        self.pre, self.post = list(pre), list(post)
        self.n_consts, self.n_carry = n_consts, n_carry
        self.in_shapes = [tuple(s) for s in in_shapes]
        self.in_dtypes = list(in_dtypes)
        self.out_shapes = [tuple(s) for s in out_shapes]
        self.source = source

    def __call__(self, *args):
        ins = [np.ascontiguousarray(np.asarray(a, dtype=d)).reshape(s)
               for a, d, s in zip(args, self.in_dtypes, self.in_shapes)]
        xs = ins[self.n_consts + self.n_carry:]
        for xi, ci, tr in self.pre:         # x_t @ W for every t: one product before the loop
            x, w = xs[xi], ins[ci]
            hx = _lane_matmul(x.reshape(-1, x.shape[-1]), w.T if tr else w)
            ins.append(hx.reshape(x.shape[:-1] + (-1,)))
        outs = process.run_on_one_blas_thread(self.fn, *ins) if self.small_dots else self.fn(*ins)
        outs, factors = list(outs[:len(self.out_shapes)]), outs[len(self.out_shapes):]
        for ki, xi, x_left, j in self.post:  # acc + sum_t x_t^T m_t: one product after it
            x, m = xs[xi], factors[j]
            x, m = x.reshape(-1, x.shape[-1]), m.reshape(-1, m.shape[-1])
            outs[ki] = outs[ki] + (_lane_matmul(x.T, m) if x_left else _lane_matmul(m.T, x))
        return [o.reshape(s) for o, s in zip(outs, self.out_shapes)]


def _lane_matmul(a, b):
    """``a @ b``, its output rows split over the lanes, one BLAS thread each (as the driver
    splits its matmuls). Not OpenBLAS's own threads: NumPy and SciPy (the region's ``np.dot``)
    load separate OpenBLAS libraries, and one's worker threads, spinning after a product, slowed
    the other's loop right after it tenfold (measured: 1.4 ms -> 18 ms for the W8 backward loop)."""
    n = lane_count()
    (m, k), c = a.shape, b.shape[1]
    if k >= 4 * max(m, c):      # a long contraction (a weight gradient summed over T*B rows):
        parts = np.empty((n, m, c), np.result_type(a, b))     # each lane reads its share of
        bounds = [k * j // n for j in range(n + 1)]           # both operands, partial sums
        process.run_phase(lambda j: np.matmul(a[:, bounds[j]:bounds[j + 1]],
                                              b[bounds[j]:bounds[j + 1]], out=parts[j]), n)
        return np.add.reduce(parts, axis=0)
    out = np.empty((m, c), np.result_type(a, b))
    bounds = [m * j // n for j in range(n + 1)]
    process.run_phase(lambda j: np.matmul(a[bounds[j]:bounds[j + 1]], b,
                                          out=out[bounds[j]:bounds[j + 1]]), n)
    return out


_LOADED: dict[str, RegionCall] = {}


def build(e) -> RegionCall | None:
    """The compiled region of control equation ``e``, or ``None`` when it cannot be lowered."""
    from .program import backend_name
    if backend_name() != "numba":
        return None
    em = Emitter()
    try:
        em.top = e
        top = _CONTROL[e.primitive.name](em, e)
    except Decline as d:
        _debug(f"region for {e.primitive.name} declined: {d}")
        return None
    except Exception as err:     # a generator bug must not break the program: run impl instead
        import warnings
        warnings.warn(f"funcgrad.jit: could not generate the native region of a "
                      f"{e.primitive.name} ({type(err).__name__}: {err}); its loop runs in "
                      "Python. Please report this.", RuntimeWarning, stacklevel=2)
        return None
    src = em.module()
    name = f"r_{cache.source_hash(src)}"
    src = src.replace(f"def {top}(", f"def {name}(")
    hit = _LOADED.get(name)
    if hit is not None:
        return hit
    in_shapes = region_in_shapes(e)
    sig = [("array", a.aval.dtype, len(s)) for a, s in zip(e.inputs, in_shapes)]
    x_sigs = sig[e.params.get("num_consts", 0) + e.params.get("num_carry", 0):]
    sig += [x_sigs[xi] for xi, _, _ in em.pre]        # the hoisted products' arrays
    from . import numba_backend as nb
    try:
        fn = nb.load_kernel(name, src, sig)
    except Exception as err:   # a Numba typing failure: fall back to the interpreter loop
        _debug(f"region {name} failed to compile ({type(err).__name__}: {err}); using impl")
        return None
    small = bool(em.dot_sizes) and max(em.dot_sizes) <= SMALL_DOT
    rc = RegionCall(fn, in_shapes, [a.aval.dtype for a in e.inputs],
                    [v.aval.shape for v in e.outputs], src, small_dots=small, pre=em.pre,
                    post=em.post, n_consts=e.params.get("num_consts", 0),
                    n_carry=e.params.get("num_carry", 0))
    _LOADED[name] = rc
    return rc


def _debug(msg: str) -> None:
    if os.environ.get("FUNCGRAD_DEBUG", "0") not in ("", "0"):
        print(f"funcgrad.jit: {msg}", file=sys.stderr)


def lower_region(ctx, *names, **params):
    """The ``Driver`` lowering of a control primitive: one call of its compiled region."""
    rc = build(ctx.eqn)
    if rc is None:
        return None
    emit = getattr(ctx, "emit_global", None) or ctx._global
    g = emit(f"region_{ctx.eqn.primitive.name}", rc)
    return f"{g}({', '.join(names)})"


def register(hook) -> None:
    """Plug the region generators into the control primitives' lowering hook."""
    for name in _CONTROL:
        hook.register(name, lower_region)
