"""Generate the plain-Python driver of a program: it allocates buffers, calls BLAS through NumPy
and the fused kernels of ``codegen.py``, and runs phases on all lanes (``lanes.py``).

The driver calls kernels with views of C-contiguous arrays (``x.reshape(n)`` costs no copy),
BLAS through NumPy, and NumPy for everything else; a kernel whose input is a dead temporary of
the same shape writes its output into it (``tanh(x @ w + b)`` overwrites the matmul result).

A phase of the schedule becomes a nested function ``_phaseN(_lane)`` running its steps on the
lane's rows (kernels from ``B[_lane]`` to ``B[_lane + 1]``, matmuls on row slices written into
a preallocated output), called through ``_run_phase``; every buffer a phase writes is allocated
before it, and reductions over the split rows are combined after it.
"""
from __future__ import annotations

import keyword

import numpy as np

from ..core.ir import Literal, Var
from ..core.lowering import literal
from ..core.pretty import _jax_name, pp_eqn
from ..core.source_info import short
from .codegen import gen_kernel
from .fusion import Plan


_RESERVED = set(keyword.kwlist) | {"np", "rt", "run", "_c", "P", "None", "True", "False"}


class Namer:
    """Python names for program vars, in the order the jaxpr printer names them."""

    def __init__(self):
        self.names: dict[int, str] = {}

    def __call__(self, v) -> str:
        n = self.names.get(id(v))
        if n is None:
            n = _jax_name(len(self.names))
            if n in _RESERVED or n.startswith("k_") or n.startswith("impl_"):
                n += "_"
            self.names[id(v)] = n
        return n


class DriverCtx:
    """What a ``Driver`` lowering may ask about its equation."""

    def __init__(self, eqn, emit_global):
        self.eqn = eqn
        self.avals_in = [a.aval for a in eqn.inputs]
        self.avals_out = [v.aval for v in eqn.outputs]
        self._global = emit_global

    def lit(self, value, dtype) -> str:
        return literal(value, dtype)

    def impl_call(self, *names, **params) -> str:
        """Source calling the primitive's NumPy impl."""
        fn = self._global(f"impl_{self.eqn.primitive.name}", self.eqn.primitive.impl)
        return f"{fn}({', '.join(names)}{_kwargs(params, self._global)})"


def _kwargs(params, emit_global) -> str:
    if not params:
        return ""
    parts = []
    for k, v in params.items():
        parts.append(f"{k}={_py_value(v, emit_global)}")
    return ", " + ", ".join(parts)


def _py_value(v, emit_global) -> str:
    if v is None or isinstance(v, (bool, int, str)):
        return repr(v)
    if isinstance(v, float):
        return repr(v) if np.isfinite(v) else f"float({str(v)!r})"
    if isinstance(v, np.dtype):
        return f"np.dtype({v.name!r})"
    if isinstance(v, tuple):
        inner = ", ".join(_py_value(x, emit_global) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    return emit_global(f"P{id(v) % 100000}", v)


class Program:
    """A lowered program: driver source, the kernels it calls, and the globals it needs."""

    def __init__(self, name, driver_source, kernels, globals_, n_consts, jaxpr_text):
        self.name = name
        self.driver_source = driver_source
        self.kernels = kernels            # {name: Kernel}
        self.globals = globals_
        self.n_consts = n_consts
        self.jaxpr_text = jaxpr_text

    def text(self) -> str:
        parts = [self.driver_source]
        for k in self.kernels.values():
            parts.append(f"\n# ---- {k.name}.py\n" + k.source)
        return "".join(parts)


def _c(x):
    """A C-contiguous ndarray (0-d arrays and NumPy scalars included)."""
    x = np.asarray(x)
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)


def _view(name, actual, canon):
    return name if tuple(actual) == tuple(canon) else f"{name}.reshape({_shape_text(canon)})"


def _shape_text(s):
    s = tuple(int(x) for x in s)
    return f"({s[0]},)" if len(s) == 1 else repr(s)


def generate(jaxpr, plan: Plan, name: str = "f", n_consts: int = 0, units=None) -> Program:
    """The driver of ``jaxpr`` (constvars first, then invars) following ``plan``; ``units``
    (``lanes.schedule``) orders its steps and groups some into phases run on all lanes."""
    from .lanes import Unit, step_inputs
    names = Namer()
    globals_: dict = {"np": np, "_c": _c}
    kernels: dict = {}
    if units is None:
        units = [Unit("serial", [st]) for st in plan.steps]

    def emit_global(gname, value):
        base, i = gname, 1
        while gname in globals_ and globals_[gname] is not value:
            i += 1
            gname = f"{base}_{i}"
        globals_[gname] = value
        return gname

    params = [names(v) for v in jaxpr.constvars] + [names(v) for v in jaxpr.invars]
    for e in jaxpr.eqns:
        for v in e.outputs:
            names(v)
    header = (f"# funcgrad.jit program {name}\n"
              f"# {', '.join(f'{names(v)}: {v.aval}' for v in list(jaxpr.constvars) + list(jaxpr.invars))}\n")
    lines = [f"def run({', '.join(params)}):"]

    steps = [st for u in units for st in u.steps]     # execution order
    split_of: dict = {}                                 # step index -> (Split, phase number)
    si = 0
    for pn, u in enumerate(units):
        for k, st in enumerate(u.steps):
            if u.kind == "phase":
                split_of[si] = (u.splits[k], pn)
            si += 1

    # last step using each var; outputs live forever
    last_use: dict[int, float] = {}
    for si, st in enumerate(steps):
        for a in step_inputs(st):
            last_use[id(a)] = si
    for a in jaxpr.outvars:
        if isinstance(a, Var):
            last_use[id(a)] = float("inf")
    live_after: list[set] = []
    used_later: set = {id(a) for a in jaxpr.outvars if isinstance(a, Var)}
    for st in reversed(steps):
        live_after.append(set(used_later))
        for a in step_inputs(st):
            used_later.add(id(a))
    live_after.reverse()
    # reads inside each phase: var id -> [(step index, flat ranges or None for a whole read)]
    phase_reads: dict = {}
    for si, (sp, pn) in split_of.items():
        for a in step_inputs(steps[si]):
            stride = sp.reads.get(id(a))
            rng = None if stride is None else tuple(x * stride for x in sp.bounds)
            phase_reads.setdefault(pn, {}).setdefault(id(a), []).append((si, rng))

    roots: dict[int, frozenset] = {}      # var -> buffer roots it may alias
    fresh_roots: set = set()
    aliases: dict[int, list] = {}          # root -> vars aliasing it

    def set_buf(v, rs):
        roots[id(v)] = rs
        for r in rs:
            aliases.setdefault(r, []).append(v)

    for v in list(jaxpr.constvars) + list(jaxpr.invars):
        set_buf(v, frozenset([id(v)]))

    def choose_for(si):
        split = split_of.get(si)

        def choose(args, outs):
            """Outputs that may overwrite a dead temporary read at their own index (in a phase:
            one that no other step of the phase reads at other rows than this one writes)."""
            taken, chosen = set(), {}
            for j, (v, canon, kind) in enumerate(outs):
                if kind != "full" or not v.aval.ndim:
                    continue
                for i, (a, acanon, ident) in enumerate(args):
                    rs = roots.get(id(a))
                    if (not ident or rs is None or len(rs) != 1 or a.aval.dtype != v.aval.dtype
                            or tuple(acanon) != tuple(canon) or i in taken
                            or sum(1 for b, _, _ in args if b is a) != 1):
                        continue
                    (r,) = rs
                    if r not in fresh_roots or any(last_use.get(id(x), -1) > si
                                                   for x in aliases.get(r, ())):
                        continue
                    if split is not None and not _phase_private(split, v, aliases.get(r, ()),
                                                                phase_reads, si):
                        continue
                    chosen[j] = i
                    taken.add(i)
                    break
            return chosen
        return choose

    si = 0
    for pn, u in enumerate(units):
        if u.kind == "serial":
            st = u.steps[0]
            if st.kind == "driver":
                for e in st.eqns:
                    _driver_step(lines, e, st.lowering, names, emit_global, set_buf, roots,
                                 fresh_roots)
            else:
                k = _kernel_step(lines, st, live_after[si], choose_for(si), kernels, names,
                                 set_buf, roots, fresh_roots)
                lines.append(f"    {k.name}({_kernel_args(k, names, '0', str(k.sizes[0]) if k.sizes else '')})")
            si += 1
            continue
        n_lanes = len(u.splits[0].bounds) - 1
        body: list[str] = []
        bound_names: dict = {}
        combine: list[str] = []

        def bounds(t):
            if t not in bound_names:
                bound_names[t] = f"B{len(bound_names)}"
            return bound_names[t]

        for st, sp in zip(u.steps, u.splits):
            if st.kind == "kernel":
                k = _kernel_step(lines, st, live_after[si], choose_for(si), kernels, names,
                                 set_buf, roots, fresh_roots, partials=sp.partials,
                                 n_lanes=n_lanes)
                b = bounds(tuple(x * k.row_unit for x in sp.bounds))
                body.append(f"        {k.name}({_kernel_args(k, names, f'{b}[_lane]', f'{b}[_lane + 1]', sp.partials)})")
                for vid, (v, ufunc) in sp.partials.items():
                    if vid in live_after[si]:
                        combine.append(f"    {ufunc}.reduce({names(v)}_p, axis=0, out={names(v)})")
            else:
                body.append(_matmul_rows(lines, st.eqns[0], sp, bounds(sp.bounds), names,
                                         set_buf, fresh_roots))
            si += 1
        fn = f"_phase{pn}"
        lines.append(f"    def {fn}(_lane):   # lane _lane of {n_lanes}: its rows of each step")
        for t, bn in bound_names.items():
            lines.append(f"        {bn} = {t!r}")
        lines += body
        lines.append(f"    _run_phase({fn}, {n_lanes})")
        lines += combine
    if any(u.kind == "phase" for u in units):
        from .lanes import run_phase
        globals_["_run_phase"] = run_phase

    outs = []
    for a in jaxpr.outvars:
        if isinstance(a, Literal):
            outs.append(f"np.array({literal(a.val, a.aval.dtype)}, np.{a.aval.dtype.name})")
        else:
            outs.append(names(a))
    lines.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    src = header + "\n\n" + "\n".join(lines) + "\n"
    return Program(name, src, kernels, globals_, n_consts, str(jaxpr))


def _phase_private(split, v, alias_vars, phase_reads, si) -> bool:
    """Whether every other read, in the phase, of the buffer ``v`` would overwrite is at the rows
    this step writes (so each lane only overwrites what it alone reads)."""
    stride = split[0].writes.get(id(v))
    if stride is None:
        return False
    mine = tuple(x * stride for x in split[0].bounds)
    reads = phase_reads.get(split[1], {})
    for x in alias_vars:
        for sj, rng in reads.get(id(x), ()):
            if sj != si and rng != mine:
                return False
    return True


def _kernel_step(lines, st, live, choose, kernels, names, set_buf, roots, fresh_roots,
                 partials=None, n_lanes=1):
    """Generate the kernel of ``st``; emit its allocations (and in-place aliases) to ``lines``."""
    k = gen_kernel(st, live, choose)
    kernels.setdefault(k.name, k)
    srcs = sorted({short(e.source) for e in st.eqns if e.source})
    lines.append(f"    # {' '.join(e.primitive.name for e in st.eqns)[:100]}"
                 + (f"   ({', '.join(srcs[:3])})" if srcs else ""))
    for v, reuse in k.inplace:
        src = names(reuse)
        rhs = src if reuse.aval.shape == v.aval.shape else f"{src}.reshape({_shape_text(v.aval.shape)})"
        lines.append(f"    {names(v)} = {rhs}   # written in place")
        set_buf(v, roots[id(reuse)])
    for v, canon in k.outs:
        lines.append(f"    {names(v)} = np.empty({_shape_text(v.aval.shape)}, np.{v.aval.dtype.name})")
        if partials and id(v) in partials:
            lines.append(f"    {names(v)}_p = np.empty({_shape_text((n_lanes,) + tuple(v.aval.shape))}, "
                         f"np.{v.aval.dtype.name})   # one partial result per lane")
        set_buf(v, frozenset([id(v)]))
        fresh_roots.add(id(v))
    return k


def _kernel_args(k, names, lo, hi, partials=None) -> str:
    args = [lo] + ([hi] + [str(s) for s in k.sizes[1:]] if k.sizes else [])
    args += [_view(names(a), a.aval.shape, s) for a, s in k.args]
    for v, s in k.outs:
        if partials and id(v) in partials:
            args.append(f"{names(v)}_p[_lane]" + ("" if tuple(v.aval.shape) == tuple(s)
                                              else f".reshape({_shape_text(s)})"))
        else:
            args.append(_view(names(v), v.aval.shape, s))
    return ", ".join(args)


def _matmul_rows(lines, e, sp, b, names, set_buf, fresh_roots) -> str:
    """Allocate a split matmul's output (to ``lines``); the phase line computing lane j's rows."""
    (lc, rc), _ = e.params["dimension_numbers"]
    lhs, rhs = e.inputs
    out = e.outputs[0]
    o = names(out)
    where = f"   ({short(e.source)})" if e.source else ""
    lines.append(f"    # {pp_eqn(e, _NameAdapter(names)).replace(chr(10), ' ')[:110]}{where}")
    lines.append(f"    {o} = np.empty({_shape_text(out.aval.shape)}, np.{out.aval.dtype.name})")
    set_buf(out, frozenset([id(out)]))
    fresh_roots.add(id(out))
    rows = f"{b}[_lane]:{b}[_lane + 1]"
    a = f"{names(lhs)}[:, {rows}].T" if sp.matmul else f"{names(lhs)}[{rows}]"
    bb = names(rhs) if rc[0] == 0 else f"{names(rhs)}.T"
    return f"        np.matmul({a}, {bb}, out={o}[{rows}])"


def _driver_step(lines, e, low, names, emit_global, set_buf, roots, fresh_roots):
    ins = []
    for a in e.inputs:
        if isinstance(a, Literal):
            dt = a.aval.dtype
            ins.append(f"np.{dt.name}({literal(a.val, dt)})" if dt != np.bool_ else
                       f"np.bool_({literal(a.val, dt)})")
        else:
            ins.append(names(a))
    ctx = DriverCtx(e, emit_global)
    if low is None or low.kind == "host":
        expr = ctx.impl_call(*ins, **e.params)
        contiguous = fresh = False
    else:
        expr = low(ctx, *ins, **e.params)
        contiguous, fresh = low.contiguous, low.fresh
    where = f"   ({short(e.source)})" if e.source else ""
    lines.append(f"    # {pp_eqn(e, _NameAdapter(names)).replace(chr(10), ' ')[:110]}{where}")
    in_roots = frozenset(r for a in e.inputs if isinstance(a, Var) for r in roots.get(id(a), ()))
    outs = [names(v) for v in e.outputs]
    if e.primitive.multiple_results:
        lines.append(f"    {', '.join(outs)}{',' if len(outs) == 1 else ''} = {expr}")
        for o in outs:
            lines.append(f"    {o} = _c({o})")
    else:
        lines.append(f"    {outs[0]} = {expr if contiguous else f'_c({expr})'}")
    for v in e.outputs:
        if fresh:
            set_buf(v, frozenset([id(v)]))
            fresh_roots.add(id(v))
        else:
            set_buf(v, in_roots | frozenset([id(v)]))


class _NameAdapter:
    """Lets ``pp_eqn`` print an equation with the driver's names."""

    def __init__(self, names):
        self.names = names

    def __call__(self, v):
        return self.names(v)
