"""Generate the plain-Python driver of a program: it allocates buffers, calls BLAS through NumPy
and the fused kernels of ``codegen.py``, and runs phases on all lanes (scheduled by
``lanes.py``, emitted by ``phases.py``, run by ``process.run_phase``).

The driver calls kernels with views of C-contiguous arrays (``x.reshape(n)`` costs no copy),
BLAS through NumPy, and NumPy for everything else; a kernel whose input is a dead temporary of
the same shape writes its output into it (``tanh(x @ w + b)`` overwrites the matmul result).
"""
from __future__ import annotations

import keyword

import numpy as np

from ..core.avals import short_dtype
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

    def emit_global(self, name: str, value) -> str:
        """Make ``value`` a global of the driver (a compiled region, a table); returns its name."""
        return self._global(name, value)

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

    def __init__(self, name, driver_source, kernels, globals_, n_consts):
        self.name = name
        self.driver_source = driver_source
        self.kernels = kernels            # {name: Kernel}
        self.globals = globals_
        self.n_consts = n_consts

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
    (``lanes.schedule``) orders its steps and groups some into phases run on all lanes
    (emitted by ``phases.py``)."""
    from .lanes import Unit
    from .phases import emit_phase
    if units is None:
        units = [Unit("serial", [st]) for st in plan.steps]
    w = DriverWriter(jaxpr, units)
    si = 0
    for pn, u in enumerate(units):
        if u.kind == "serial":
            w.serial_step(u.steps[0], si)
        else:
            emit_phase(w, u, pn, si)
        si += len(u.steps)
    return w.program(name, n_consts)


class DriverWriter:
    """The state of one driver being written: names, globals, the kernels it calls, and the
    buffer analysis (which values alias which buffers, when each is last read) that decides
    where a kernel may write in place and which outputs must be copied."""

    def __init__(self, jaxpr, units):
        from .lanes import step_inputs
        self.jaxpr = jaxpr
        self.names = Namer()
        self.globals: dict = {"np": np, "_c": _c}
        self.kernels: dict = {}
        self._const_names: dict = {}
        for v in list(jaxpr.constvars) + list(jaxpr.invars):
            self.names(v)
        for e in jaxpr.eqns:
            for v in e.outputs:
                self.names(v)
        self.lines = [f"def run({', '.join(self.names(v) for v in list(jaxpr.constvars) + list(jaxpr.invars))}):"]
        self.steps = [st for u in units for st in u.steps]          # execution order
        self.split_of: dict = {}                                   # step index -> (Split, phase)
        si = 0
        for pn, u in enumerate(units):
            for k in range(len(u.steps)):
                if u.kind == "phase":
                    self.split_of[si] = (u.splits[k], pn)
                si += 1
        self.last_use: dict = {}          # var id -> the last step reading it (outputs: inf)
        for si, st in enumerate(self.steps):
            for a in step_inputs(st):
                self.last_use[id(a)] = si
        for a in jaxpr.outvars:
            if isinstance(a, Var):
                self.last_use[id(a)] = float("inf")
        self.phase_reads: dict = {}       # phase -> var id -> [(step, flat ranges or None)]
        for si, (sp, pn) in self.split_of.items():
            for a in step_inputs(self.steps[si]):
                stride = sp.reads.get(id(a))
                rng = None if stride is None else tuple(x * stride for x in sp.bounds)
                self.phase_reads.setdefault(pn, {}).setdefault(id(a), []).append((si, rng))
        self.roots: dict = {}             # var id -> buffer roots it may alias
        self.fresh_roots: set = set()     # roots the driver allocated (may be overwritten)
        self.aliases: dict = {}           # root -> vars aliasing it
        for v in list(jaxpr.constvars) + list(jaxpr.invars):
            self.set_buf(v, frozenset([id(v)]))

    # ----------------------------------------------------------------- names and globals

    def emit_global(self, gname, value) -> str:
        base, i = gname, 1
        while gname in self.globals and self.globals[gname] is not value:
            i += 1
            gname = f"{base}_{i}"
        self.globals[gname] = value
        return gname

    def dtype_global(self, dtype) -> str:
        """A global holding ``np.dtype(dtype)`` (``dt_f32``...): ``np.empty(shape, dt_f32)``
        skips ``np.empty``'s conversion of a type to a dtype (35 ns of a 1.3 us call)."""
        return self.emit_global(f"dt_{short_dtype(dtype)}", np.dtype(dtype))

    def const(self, dt, v) -> str:
        """A kernel's scalar argument: a Python literal where Numba types it right (float64,
        int64), else a typed NumPy scalar made once, as a global of the driver."""
        if dt == np.float64 and np.isfinite(v):
            return repr(float(v))
        if dt == np.int64:
            return repr(int(v))
        key = (dt, v)
        if key not in self._const_names:
            self._const_names[key] = self.emit_global(f"C{len(self._const_names)}", np.dtype(dt).type(v))
        return self._const_names[key]

    # ----------------------------------------------------------------- buffers

    def set_buf(self, v, rs) -> None:
        self.roots[id(v)] = rs
        for r in rs:
            self.aliases.setdefault(r, []).append(v)

    def fresh(self, v) -> None:
        """``v`` is a new buffer the driver allocated."""
        self.set_buf(v, frozenset([id(v)]))
        self.fresh_roots.add(id(v))

    def live_after(self, si) -> set:
        """Ids of the values step ``si`` produces that a later step or the output reads."""
        return {id(v) for e in self.steps[si].eqns for v in e.outputs
                if self.last_use.get(id(v), -1) > si}

    def choose_inplace(self, si):
        """``choose(args, outs)`` for ``gen_kernel``: outputs that may overwrite a dead temporary
        read at their own index (in a phase: one that no other step of the phase reads at other
        rows than this one writes)."""
        from .phases import phase_private
        split = self.split_of.get(si)

        def choose(args, outs):
            taken, chosen = set(), {}
            for j, (v, canon, kind) in enumerate(outs):
                if kind != "full" or not v.aval.ndim:
                    continue
                for i, (a, acanon, ident) in enumerate(args):
                    rs = self.roots.get(id(a))
                    if (not ident or rs is None or len(rs) != 1 or a.aval.dtype != v.aval.dtype
                            or tuple(acanon) != tuple(canon) or i in taken
                            or sum(1 for b, _, _ in args if b is a) != 1):
                        continue
                    (r,) = rs
                    if r not in self.fresh_roots or any(self.last_use.get(id(x), -1) > si
                                                        for x in self.aliases.get(r, ())):
                        continue
                    if split is not None and not phase_private(split, v, self.aliases.get(r, ()),
                                                               self.phase_reads, si):
                        continue
                    chosen[j] = i
                    taken.add(i)
                    break
            return chosen
        return choose

    # ----------------------------------------------------------------- steps

    def serial_step(self, st, si) -> None:
        if st.kind == "driver":
            for e in st.eqns:
                self.driver_eqn(e, st.lowering)
            return
        k = self.kernel_step(st, si)
        self.lines.append(f"    {k.name}({self.kernel_args(k, '0', str(k.sizes[0]) if k.sizes else '')})")

    def kernel_step(self, st, si, partials=None, n_lanes=1):
        """Generate the kernel of ``st``; emit its allocations (and in-place aliases)."""
        names, lines = self.names, self.lines
        k = gen_kernel(st, self.live_after(si), self.choose_inplace(si))
        self.kernels.setdefault(k.name, k)
        srcs = sorted({short(e.source) for e in st.eqns if e.source})
        lines.append(f"    # {' '.join(e.primitive.name for e in st.eqns)[:100]}"
                     + (f"   ({', '.join(srcs[:3])})" if srcs else ""))
        for v, reuse in k.inplace:
            src = names(reuse)
            rhs = src if reuse.aval.shape == v.aval.shape else f"{src}.reshape({_shape_text(v.aval.shape)})"
            lines.append(f"    {names(v)} = {rhs}   # written in place")
            self.set_buf(v, self.roots[id(reuse)])
        for v, canon in k.outs:
            dt = self.dtype_global(v.aval.dtype)
            lines.append(f"    {names(v)} = np.empty({_shape_text(v.aval.shape)}, {dt})")
            if partials and id(v) in partials:
                lines.append(f"    {names(v)}_p = np.empty({_shape_text((n_lanes,) + tuple(v.aval.shape))}, "
                             f"{dt})   # one partial result per lane")
            self.fresh(v)
        return k

    def kernel_args(self, k, lo, hi, partials=None) -> str:
        return _kernel_args(k, self.names, lo, hi, self.const, partials)

    def driver_eqn(self, e, low) -> None:
        """A NumPy step of the driver (BLAS, gather...): the record's ``Driver`` lowering, or its
        NumPy impl (``HOST``)."""
        names = self.names
        ins = []
        for a in e.inputs:
            if isinstance(a, Literal):
                dt = a.aval.dtype
                ins.append(f"np.{dt.name}({literal(a.val, dt)})" if dt != np.bool_ else
                           f"np.bool_({literal(a.val, dt)})")
            else:
                ins.append(names(a))
        ctx = DriverCtx(e, self.emit_global)
        if low is None or low.kind == "host":
            expr = ctx.impl_call(*ins, **e.params)
            contiguous = fresh = False
        else:
            expr = low(ctx, *ins, **e.params)
            contiguous, fresh = low.contiguous, low.fresh
        self.comment(e)
        in_roots = frozenset(r for a in e.inputs if isinstance(a, Var) for r in self.roots.get(id(a), ()))
        outs = [names(v) for v in e.outputs]
        if e.primitive.multiple_results:
            self.lines.append(f"    {', '.join(outs)}{',' if len(outs) == 1 else ''} = {expr}")
            for o in outs:
                self.lines.append(f"    {o} = _c({o})")
        else:
            self.lines.append(f"    {outs[0]} = {expr if contiguous else f'_c({expr})'}")
        for v in e.outputs:
            if fresh:
                self.fresh(v)
            else:
                self.set_buf(v, in_roots | frozenset([id(v)]))

    def comment(self, e) -> None:
        where = f"   ({short(e.source)})" if e.source else ""
        self.lines.append(f"    # {pp_eqn(e, self.names).replace(chr(10), ' ')[:110]}{where}")

    # ----------------------------------------------------------------- the end

    def program(self, name, n_consts) -> Program:
        """Return statement (outputs never alias an argument, a constant or each other), then
        the ``Program``."""
        jaxpr, names = self.jaxpr, self.names
        outs = []
        caller_roots = {id(v) for v in list(jaxpr.constvars) + list(jaxpr.invars)}
        returned: set = set()
        for a in jaxpr.outvars:
            if isinstance(a, Literal):
                outs.append(f"np.array({literal(a.val, a.aval.dtype)}, np.{a.aval.dtype.name})")
                continue
            rs = self.roots.get(id(a), frozenset([id(a)]))
            # outputs are new arrays: never a view of an argument or a constant (the caller may
            # update those in place), nor of another output
            outs.append(f"{names(a)}.copy()" if rs & caller_roots or rs & returned else names(a))
            returned |= rs
        self.lines.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
        header = (f"# funcgrad.jit program {name}\n# "
                  + ", ".join(f"{names(v)}: {v.aval}" for v in list(jaxpr.constvars) + list(jaxpr.invars))
                  + "\n")
        src = header + "\n\n" + "\n".join(self.lines) + "\n"
        return Program(name, src, self.kernels, self.globals, n_consts)


def _kernel_args(k, names, lo, hi, const, partials=None) -> str:
    args = [lo] + ([hi] + [str(s) for s in k.sizes[1:]] if k.sizes else [])
    args += [const(dt, v) for dt, v in k.consts]
    args += [_view(names(a), a.aval.shape, s) for a, s in k.args]
    for v, s in k.outs:
        if partials and id(v) in partials:
            args.append(f"{names(v)}_p[_lane]" + ("" if tuple(v.aval.shape) == tuple(s)
                                              else f".reshape({_shape_text(s)})"))
        else:
            args.append(_view(names(v), v.aval.shape, s))
    return ", ".join(args)


