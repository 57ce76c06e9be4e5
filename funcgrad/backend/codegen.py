"""Generate the source of shape-polymorphic loop kernels (``driver.py`` writes the driver).

A kernel is one fused group (``fusion.py``) as a loop nest over its *canonical* domain: size-1
dims dropped and adjacent dims merged wherever every operand, output and reduction agrees
(NumPy's iterator coalescing), so ``tanh(x + b)`` on (128, 512) is a 2-D loop ``(rows, cols)``
and a same-shape chain is a 1-D loop over ``x.reshape(-1)`` whatever its rank. Sizes are kernel
arguments: no shape or program-specific text is in a kernel's source, which is what its name
(``k_<sha256>``) hashes, so every program with the same structure shares the compiled kernel.

Inside the nest, values live in scalars; each statement is placed at the outermost loop level its
inputs allow (loop-invariant reads and arithmetic are hoisted); literals are typed
(``np.float32(0.5)``); reductions accumulate in a scalar when the reduced dims are innermost
(``reassoc`` lets LLVM vectorize the sum; with runtime-library calls in the kernel, whose
compensated formulas ``reassoc`` would break, 8 accumulator lanes instead) or into the output
row when they are outer (column sums vectorize as they are).

The outermost loop runs from a ``lo`` argument to its size argument: the serial driver passes
the whole range, a lane (``lanes.py``) its own rows.
"""
from __future__ import annotations

import numpy as np

from ..core.ir import Literal, Var
from ..core.avals import short_dtype
from ..core.lowering import KERNEL_FASTMATH, ArgReduce, Scalar, ScalarCtx, literal
from . import cache
from .fusion import classify

LANES = 8
LANES_MIN = 64     # innermost reduced extent from which a kernel uses accumulator lanes
#: elements per block of a blocked sum: each block is summed in vector registers, and the
#: blocks' sums are added pairwise (a binary counter of partial sums), so a float sum of n
#: elements has an error growing with log(n), as NumPy's pairwise sum (a running sum's grows
#: with n: a float32 sum of 2e6 values was off by 5e-5, of 1.5e9 by 28 %)
SUM_BLOCK = 4096
HEADER = ("@njit(cache=True, fastmath={flags}, error_model='numpy', boundscheck=False, "
          "nogil=True)\n")


def _prod(xs):
    p = 1
    for x in xs:
        p *= int(x)
    return p


class Kernel:
    """A generated kernel: its source, name, and how the driver calls it."""

    __slots__ = ("name", "source", "signature", "sizes", "args", "outs", "eqns", "inplace",
                 "row_unit", "consts")

    def __init__(self, name, source, signature, sizes, args, outs, eqns):
        self.name = name
        self.source = source
        self.signature = signature   # arg specs for eager compilation
        self.sizes = sizes           # canonical loop sizes (ints)
        self.args = args             # [(var, canonical shape)]
        self.outs = outs             # [(var, canonical shape)]
        self.eqns = eqns


# --------------------------------------------------------------------------- kernels

def gen_kernel(step, live_out: set, choose_inplace=None) -> Kernel:
    """Source of the loop kernel of a fused ``step``; ``live_out`` holds the ids of vars used
    after it (they become kernel outputs). ``choose_inplace(args, outs)`` may map output
    positions to accessor positions whose array the output overwrites: the kernel then reads
    and writes that one array (in-place code LLVM still vectorizes; two aliasing arrays would
    make its runtime overlap check fall back to scalar code)."""
    w = _KernelWriter(step, live_out)
    w.collect_operands()
    w.canonical_loops()
    w.layout_accessors()
    w.statements()
    w.outputs(choose_inplace)
    w.loop_nest()
    return w.assemble()


def _ind(t: int) -> str:
    return "    " * (t + 1)


def _scalar_type(dt) -> str:
    return f"np.{dt.name}" if dt != np.bool_ else "bool"


class _KernelWriter:
    """The steps of ``gen_kernel``, in order; each fills in attributes the next one reads."""

    def __init__(self, step, live_out):
        self.step = step
        self.live_out = live_out
        self.eqns = step.eqns
        self.dom = tuple(step.domain)
        self.kinds = [classify(e) for e in self.eqns]
        self.epi = step.epilogue
        self.reds = [k for k, (kind, _) in enumerate(self.kinds) if kind in ("red", "argred")]
        self.red_axes = set(self.eqns[self.reds[0]].params["axes"]) if self.reds else set()
        self.argred = any(self.kinds[k][0] == "argred" for k in self.reds)

    # ----------------------------------------------------------------- 1. operands

    def collect_operands(self) -> None:
        """Each member's operands: accessors (external arrays with an access map), temporaries
        (values of earlier members), literals (scalar kernel arguments; booleans inline)."""
        eqns, dom, epi = self.eqns, self.dom, self.epi
        inside = {id(v) for e in eqns for v in e.outputs}
        self.accessors: list[tuple[Var, tuple]] = []
        acc_idx: dict = {}
        self.consts: list[tuple[np.dtype, object]] = []
        const_idx: dict = {}
        self.operands = []
        for k, e in enumerate(eqns):
            ops = []
            to_dom = None
            if k in epi:    # epilogue: its own (kept-shaped) domain's non-unit dims -> kept dims
                own = e.outputs[0].aval.shape
                kept = [d for d in range(len(dom)) if dom[d] != 1 and d not in self.red_axes]
                it = iter(kept)
                to_dom = [None if own[j] == 1 else next(it) for j in range(len(own))]
            for a, m in self.step.operands[k]:
                if to_dom is not None:
                    m = tuple(None if d is None else to_dom[d] for d in m)
                if isinstance(a, Literal) and a.aval.dtype == np.bool_:
                    ops.append(("lit", literal(a.val, a.aval.dtype)))
                elif isinstance(a, Literal):     # a kernel argument: constants make no new kernels
                    ckey = (a.aval.dtype, float(a.val) if a.aval.dtype.kind == "f" else int(a.val))
                    if ckey not in const_idx:
                        const_idx[ckey] = len(self.consts)
                        self.consts.append(ckey)
                    ops.append(("lit", f"c{const_idx[ckey]}"))
                elif id(a) in inside:
                    ops.append(("tmp", id(a)))
                else:
                    key = (id(a), m)
                    if key not in acc_idx:
                        acc_idx[key] = len(self.accessors)
                        self.accessors.append((a, m))
                    ops.append(("acc", acc_idx[key]))
            self.operands.append(ops)
        live = self.live_out
        self.full_outs = [v for k, (e, (kind, _)) in enumerate(zip(eqns, self.kinds))
                          if kind in ("ew", "index") and k not in epi
                          for v in e.outputs if id(v) in live]
        self.epi_outs = [e.outputs[0] for k, e in enumerate(eqns)
                         if k in epi and id(e.outputs[0]) in live]

    # ----------------------------------------------------------------- 2. loops

    def canonical_loops(self) -> None:
        """Canonical dims: drop size-1 dims, merge adjacent dims every accessor and reduction
        agree on; the loop order (kept dims outside reduced ones where it matters)."""
        dom, red_axes = self.dom, self.red_axes
        self.seqs = [[d for d in m if d is not None and dom[d] != 1] for _, m in self.accessors]
        runs: list[list[int]] = []
        for d in range(len(dom)):
            if dom[d] == 1:
                continue
            if runs:
                p = runs[-1][-1]
                ok = (p in red_axes) == (d in red_axes)
                for s in self.seqs:
                    if (p in s) != (d in s) or (p in s and s.index(d) != s.index(p) + 1):
                        ok = False
                        break
                if ok:
                    runs[-1].append(d)
                    continue
            runs.append([d])
        self.virtual = not runs and not self.reds   # a one-element domain: as a 1-D one
        if self.virtual:
            runs = [[None]]
        self.runs = runs
        self.sizes = [1] if self.virtual else [_prod(dom[d] for d in r) for r in runs]
        self.run_of = {d: i for i, r in enumerate(runs) for d in r}
        self.red_runs = [i for i, r in enumerate(runs) if r[0] in red_axes]
        self.kept_runs = [i for i, r in enumerate(runs) if r[0] not in red_axes]
        self.suffix = self.red_runs == list(range(len(self.kept_runs), len(runs)))
        self.order = list(range(len(runs)))
        if self.argred and not self.suffix:
            self.order = self.kept_runs + self.red_runs
            self.suffix = True
        self.depth = {r: t for t, r in enumerate(self.order)}   # run -> loop depth (0: outermost)
        self.m = len(runs)

    def layout_accessors(self) -> None:
        """Accessor canonical shapes, index expressions (in the operand's own dim order) and
        the loop level at which each is read."""
        self.acc_shapes, self.acc_index, self.acc_level = [], [], []
        for s in self.seqs:
            present = [0] if self.virtual else []
            for d in s:
                r = self.run_of[d]
                if r not in present:
                    present.append(r)
            self.acc_shapes.append(tuple(self.sizes[r] for r in present) or (1,))
            self.acc_index.append(", ".join(self.ix(r) for r in present) or "0")
            self.acc_level.append(max((self.depth[r] + 1 for r in present), default=0))

    # ----------------------------------------------------------------- 3. statements

    def _operand(self, op):
        kind, v = op
        if kind == "lit":
            return v, 0
        if kind == "tmp":
            return self.expr_of[v], self.level_of[v]
        if v not in self.read_done:
            self.read_done.add(v)
            self.stmts.append((self.acc_level[v], f"r{v} = a{v}[{self.acc_index[v]}]"))
        return f"r{v}", self.acc_level[v]

    def _epi_operand(self, op):
        kind, v = op
        if kind == "lit":
            return v, 0
        if kind == "tmp":
            return self.expr_of[v], 0
        if v not in self.epi_read:
            self.epi_read.add(v)
            self.epi_stmts.append(f"e{v} = a{v}[{self.acc_index[v]}]")
        return f"e{v}", 0

    def statements(self) -> None:
        """One statement per member, each placed at the outermost loop level its inputs allow
        (loop-invariant reads and arithmetic are hoisted); epilogue statements apart."""
        self.stmts: list[tuple[int, str]] = []
        self.level_of: dict = {}
        self.expr_of: dict = {}
        self.read_done: set = set()
        self.epi_stmts: list[str] = []
        self.epi_read: set = set()
        self.red_info = []
        paired: dict = {}      # (two-result call, operand) -> (statement index, result, name)
        for k, e in enumerate(self.eqns):
            kind, _ = self.kinds[k]
            out = e.outputs[0]
            if k in self.epi:
                exprs = [self._epi_operand(op)[0] for op in self.operands[k]]
                ctx = ScalarCtx([a.aval.dtype for a in e.inputs], out.aval.dtype)
                text = e.primitive.lower(ctx, *exprs, **e.params)
                if out.aval.dtype != np.bool_:
                    text = f"{ctx.T}({text})"
                self.epi_stmts.append(f"t{k} = {text}")
                self.expr_of[id(out)] = f"t{k}"
                continue
            ops = self.operands[k]
            exprs, levels = zip(*[self._operand(op) for op in ops]) if ops else ((), (0,))
            lvl = max(levels) if levels else 0
            if kind == "ew":
                ctx = ScalarCtx([a.aval.dtype for a in e.inputs], out.aval.dtype)
                self.expr_of[id(out)], self.level_of[id(out)] = f"t{k}", lvl
                if _share_call(e.primitive.lower, ctx, exprs, f"t{k}", self.stmts, paired):
                    continue
                text = e.primitive.lower(ctx, *exprs, **e.params)
                if out.aval.dtype != np.bool_:
                    text = f"{ctx.T}({text})"
                self.stmts.append((lvl, f"t{k} = {text}"))
            elif kind == "index":
                self.expr_of[id(out)], self.level_of[id(out)] = exprs[0], lvl
            else:
                self.red_info.append((k, exprs[0]))
                self.expr_of[id(out)] = f"x{k}" if kind == "argred" else f"s{k}"
        unsafe = any("rt." in text for _, text in self.stmts)   # compensated formulas: no reassoc
        # accumulator lanes pay off (vectorized transcendentals) for long rows only; short rows
        # get the simpler kernel (which compiles faster): the row length class is in the source
        self.lanes = bool(self.reds and self.suffix and self.red_runs and unsafe and not self.argred
                          and self.sizes[self.red_runs[-1]] >= LANES_MIN)
        self.flags = _fastmath(self.eqns, reduce=bool(self.reds and not unsafe))
        # blocked pairwise accumulation: every reduction is a float sum over innermost rows
        self.blocked = bool(
            self.reds and self.suffix and self.red_runs and self.red_runs[-1] == self.order[-1]
            and all(getattr(self.eqns[k].primitive.lower, "pairwise", False)
                    and self.eqns[k].outputs[0].aval.dtype.kind == "f" for k, _ in self.red_info))

    # ----------------------------------------------------------------- 4. outputs

    def outputs(self, choose_inplace) -> None:
        """Output arrays (full-domain values, reductions, epilogue values) and which of them
        overwrite an input in place."""
        sizes, kept_runs = self.sizes, self.kept_runs
        outs = []
        for v in self.full_outs:
            outs.append((v, tuple(sizes) or (1,), "full"))
        for k, _ in self.red_info:
            v = self.eqns[k].outputs[0]
            if id(v) in self.live_out or not self.suffix:   # (an outer reduction accumulates in
                outs.append((v, tuple(sizes[r] for r in kept_runs) or (1,), "red"))  # its output)
        for v in self.epi_outs:
            outs.append((v, tuple(sizes[r] for r in kept_runs) or (1,), "epi"))
        self.outs = outs
        self.out_pos = {id(v): j for j, (v, _, _) in enumerate(outs)}
        self.full_idx = ", ".join(self.ix(r) for r in range(self.m)) or "0"
        self.kept_idx = ", ".join(self.ix(r) for r in kept_runs) or "0"
        self.inplace = {}
        if choose_inplace is not None:
            # read at the output's own index, and before it is written: not in the epilogue
            # (after the reductions; with a reduced axis of length 1 its index is the same text)
            acc_ident = [idx == self.full_idx and i not in self.epi_read
                         for i, idx in enumerate(self.acc_index)]
            self.inplace = choose_inplace(
                [(a, sh, ident) for (a, _), sh, ident in zip(self.accessors, self.acc_shapes, acc_ident)],
                [(v, sh, kind) for v, sh, kind in outs])

    def _on(self, j) -> str:
        return f"a{self.inplace[j]}" if j in self.inplace else f"o{j}"

    # ----------------------------------------------------------------- 5. the loop nest

    def _red_ident(self, k) -> str:
        e = self.eqns[k]
        return literal(e.primitive.lower.identity(e.inputs[0].aval.dtype), e.inputs[0].aval.dtype)

    def _innermost(self, t, lane) -> None:
        """Statements of the innermost level, then stores and accumulations, at indent ``t``."""
        body, on = self.body, self._on
        for lvl, text in self.stmts:
            if lvl == self.m:
                body.append(_ind(t) + text)
        for v in self.full_outs:
            body.append(_ind(t) + f"{on(self.out_pos[id(v)])}[{self.full_idx}] = {self.expr_of[id(v)]}")
        kept_idx = self.kept_idx
        for k, x in self.red_info:
            e = self.eqns[k]
            j = self.out_pos.get(id(e.outputs[0]))
            low = e.primitive.lower
            T = _scalar_type(e.outputs[0].aval.dtype)
            if isinstance(low, ArgReduce):
                idx = f"i{self.red_runs[0]}" if self.red_runs else "0"
                body.append(_ind(t) + f"w{k} = {low(x, f'b{k}')}")
                body.append(_ind(t) + f"b{k} = {x} if w{k} else b{k}")
                body.append(_ind(t) + f"x{k} = {idx} if w{k} else x{k}")
            elif not self.suffix:
                body.append(_ind(t) + f"{on(j)}[{kept_idx}] = {T}({low(f'{on(j)}[{kept_idx}]', x)})")
            elif lane is not None:
                body.append(_ind(t) + f"l{k}[{lane}] = {T}({low(f'l{k}[{lane}]', x)})")
            else:
                acc = f"p{k}" if self.blocked else f"s{k}"
                body.append(_ind(t) + f"{acc} = {T}({low(acc, x)})")

    def _init_accumulators(self, t) -> None:
        for k, _ in self.red_info:
            if self.blocked:
                self.body.append(_ind(t) + f"s{k} = {self._red_ident(k)}")
                self.body.append(_ind(t) + f"cnt{k} = 0")
            elif isinstance(self.eqns[k].primitive.lower, ArgReduce):
                self.body.append(_ind(t) + f"b{k} = {self._red_ident(k)}")
                self.body.append(_ind(t) + f"x{k} = 0")
            elif self.lanes:
                self.body.append(_ind(t) + f"for q in range({LANES}):")
                self.body.append(_ind(t + 1) + f"l{k}[q] = {self._red_ident(k)}")
            else:
                self.body.append(_ind(t) + f"s{k} = {self._red_ident(k)}")

    def ix(self, r) -> str:
        """The index variable of run ``r`` in array subscripts: ``u0`` (unsigned) for the
        outermost loop, which starts at the lane's ``lo``, else ``i{r}``.

        Numba wraps negative indices (``a[i]`` with ``i < 0`` reads ``a[n + i]``); LLVM drops
        that select only where it can prove ``i >= 0``, which it can for a loop from 0 but not
        from an argument. With the select left in, a 1-D loop does not vectorize (measured: an
        SGD update over 401k float32 took 230 us, 99 us with unsigned indices, as NumPy)."""
        return f"u{r}" if r == self.order[0] else f"i{r}"

    def def_unsigned(self, t, r) -> None:
        """``u{r} = np.uintp(i{r})`` at indent ``t``, right after ``i{r}`` is (re)defined, if
        subscripts use it."""
        if self.ix(r) != f"i{r}":
            self.body.append(_ind(t) + f"u{r} = np.uintp(i{r})")

    def loop_nest(self) -> None:
        """The kernel body: loops from the outermost (``lo`` to its size: a lane's rows), each
        level's statements, the innermost stores and accumulations, then the per-kept-index
        tail (reduction results, epilogue)."""
        self.body = body = []
        eqns, m, order, n_kept = self.eqns, self.m, self.order, len(self.kept_runs)
        reds, suffix, on = self.reds, self.suffix, self._on
        for k, _ in self.red_info:
            dt = eqns[k].outputs[0].aval.dtype.name
            if self.lanes:
                body.append(_ind(0) + f"l{k} = np.empty({LANES}, np.{dt})")
            if self.blocked:
                body.append(_ind(0) + f"st{k} = np.empty(64, np.{dt})   # partial sums by level")
        if reds and not suffix:      # reduced dims outside kept ones: accumulate into the output
            for k, _ in self.red_info:
                j = self.out_pos[id(eqns[k].outputs[0])]
                for t, r in enumerate(self.kept_runs):
                    body.append(_ind(t) + f"for i{r} in range({'lo, ' if r == order[0] else ''}n{r}):")
                    self.def_unsigned(t + 1, r)
                body.append(_ind(n_kept) + f"{on(j)}[{self.kept_idx}] = {self._red_ident(k)}")
        done = False
        for t in range(m):
            for lvl, text in self.stmts:
                if lvl == t:
                    body.append(_ind(t) + text)
            if reds and suffix and t == n_kept:
                self._init_accumulators(t)
            r = order[t]
            if self.blocked and t == m - 1:
                self._blocked_loop(t, r)
                done = True
                break
            if self.lanes and t == m - 1:
                body.append(_ind(t) + f"nb = n{r} - n{r} % {LANES}")
                body.append(_ind(t) + f"for jb in range(0, nb, {LANES}):")
                body.append(_ind(t + 1) + f"for q in range({LANES}):")
                body.append(_ind(t + 2) + f"i{r} = jb + q")
                self.def_unsigned(t + 2, r)
                self._innermost(t + 2, "q")
                body.append(_ind(t) + f"for i{r} in range(nb, n{r}):")
                self.def_unsigned(t + 1, r)
                self._innermost(t + 1, "0")
                done = True
                break
            body.append(_ind(t) + f"for i{r} in range({'lo, ' if t == 0 else ''}n{r}):")
            self.def_unsigned(t + 1, r)
        if not done:
            if reds and suffix and n_kept == m:
                self._init_accumulators(m)
            self._innermost(m, None)
        if reds and suffix:
            self._reduction_tail(n_kept)

    def _blocked_loop(self, t, r) -> None:
        """The innermost (reduced) loop in blocks of ``SUM_BLOCK``: each block sums into ``p``
        (in ``LANES`` accumulators when the kernel uses them), and the block sums go into a
        binary counter of partial sums ``st`` (level ``j`` holds the sum of ``2**j`` blocks)."""
        body, B = self.body, SUM_BLOCK
        body.append(_ind(t) + f"for jb in range({'lo' if t == 0 else '0'}, n{r}, {B}):")
        body.append(_ind(t + 1) + f"je = min(jb + {B}, n{r})")
        for k, _ in self.red_info:
            if not self.lanes:
                body.append(_ind(t + 1) + f"p{k} = {self._red_ident(k)}")
        if self.lanes:
            for k, _ in self.red_info:
                body.append(_ind(t + 1) + f"for q in range({LANES}):")
                body.append(_ind(t + 2) + f"l{k}[q] = {self._red_ident(k)}")
            body.append(_ind(t + 1) + f"nb = je - (je - jb) % {LANES}")
            body.append(_ind(t + 1) + f"for jq in range(jb, nb, {LANES}):")
            body.append(_ind(t + 2) + f"for q in range({LANES}):")
            body.append(_ind(t + 3) + f"i{r} = jq + q")
            self.def_unsigned(t + 3, r)
            self._innermost(t + 3, "q")
            body.append(_ind(t + 1) + f"for i{r} in range(nb, je):")
            self.def_unsigned(t + 2, r)
            self._innermost(t + 2, "0")
        else:
            body.append(_ind(t + 1) + f"for i{r} in range(jb, je):")
            self.def_unsigned(t + 2, r)
            self._innermost(t + 2, None)
        for k, _ in self.red_info:
            T = _scalar_type(self.eqns[k].outputs[0].aval.dtype)
            if self.lanes:
                body.append(_ind(t + 1) + f"p{k} = {self._red_ident(k)}")
                body.append(_ind(t + 1) + f"for q in range({LANES}):")
                body.append(_ind(t + 2) + f"p{k} = {T}(p{k} + l{k}[q])")
            body += [_ind(t + 1) + f"c = cnt{k}", _ind(t + 1) + "lv = 0",
                     _ind(t + 1) + "while c & 1:",
                     _ind(t + 2) + f"p{k} = {T}(st{k}[lv] + p{k})",
                     _ind(t + 2) + "lv += 1", _ind(t + 2) + "c >>= 1",
                     _ind(t + 1) + f"st{k}[lv] = p{k}", _ind(t + 1) + f"cnt{k} += 1"]

    def _reduction_tail(self, n_kept) -> None:
        body, on, eqns = self.body, self._on, self.eqns
        for k, _ in self.red_info:
            j = self.out_pos.get(id(eqns[k].outputs[0]))
            low = eqns[k].primitive.lower
            T = _scalar_type(eqns[k].outputs[0].aval.dtype)
            if self.blocked:         # the partial sums, smallest level first
                body += [_ind(n_kept) + "lv = 0", _ind(n_kept) + f"while cnt{k}:",
                         _ind(n_kept + 1) + f"if cnt{k} & 1:",
                         _ind(n_kept + 2) + f"s{k} = {T}(s{k} + st{k}[lv])",
                         _ind(n_kept + 1) + f"cnt{k} >>= 1", _ind(n_kept + 1) + "lv += 1"]
            elif self.lanes and not isinstance(low, ArgReduce):
                body.append(_ind(n_kept) + f"s{k} = {self._red_ident(k)}")
                body.append(_ind(n_kept) + f"for q in range({LANES}):")
                body.append(_ind(n_kept + 1) + f"s{k} = {T}({low(f's{k}', f'l{k}[q]')})")
            if j is not None:
                acc = f"x{k}" if isinstance(low, ArgReduce) else f"s{k}"
                body.append(_ind(n_kept) + f"{on(j)}[{self.kept_idx}] = {acc}")
        for text in self.epi_stmts:
            body.append(_ind(n_kept) + text)
        for v in self.epi_outs:
            body.append(_ind(n_kept) + f"{on(self.out_pos[id(v)])}[{self.kept_idx}] = {self.expr_of[id(v)]}")

    # ----------------------------------------------------------------- 6. source and signature

    def assemble(self) -> Kernel:
        m, outs, inplace = self.m, self.outs, self.inplace
        params = (["lo"] + [f"n{r}" for r in range(m)] + [f"c{j}" for j in range(len(self.consts))]
                  + [f"a{j}" for j in range(len(self.accessors))]
                  + [f"o{j}" for j in range(len(outs)) if j not in inplace])
        prims = " ".join(e.primitive.name for e in self.eqns)
        if len(prims) > 90:
            prims = prims[:87] + "..."
        src_body = (HEADER.format(flags=self.flags) + f"def KERNEL({', '.join(params)}):\n"
                    + f"    # {prims}\n" + "\n".join(self.body) + "\n")
        name = "k_" + cache.source_hash(src_body)
        source = "import math\n\nimport numpy as np\n\n\n" + src_body.replace("KERNEL", name)
        signature = ([("int",)] * (m + 1) + [("scalar", dt) for dt, _ in self.consts]
                     + [("array", a.aval.dtype, len(s)) for (a, _), s in zip(self.accessors, self.acc_shapes)]
                     + [("array", v.aval.dtype, len(s)) for j, (v, s, _) in enumerate(outs)
                        if j not in inplace])
        k = Kernel(name, source, signature, self.sizes,
                   [(a, s) for (a, _), s in zip(self.accessors, self.acc_shapes)],
                   [(v, s) for j, (v, s, _) in enumerate(outs) if j not in inplace], self.eqns)
        k.inplace = [(outs[j][0], self.accessors[i][0]) for j, i in sorted(inplace.items())]
        k.consts = self.consts
        k.row_unit = _prod(self.dom[d] for d in self.runs[0][1:]) if self.runs and not self.virtual else 1
        return k


def _fastmath(eqns, reduce: bool) -> str:
    """The kernel's fast-math flags: ``KERNEL_FASTMATH`` less what any member forbids (plus
    ``reassoc`` for a vectorizable reduction), as source text in a fixed order."""
    flags = set(KERNEL_FASTMATH)
    for e in eqns:
        low = e.primitive.lower
        if isinstance(low, Scalar):
            flags -= low.forbid
    if reduce:
        flags.add("reassoc")
    order = ("nsz", "contract", "arcp", "afn", "reassoc")
    return "{" + ", ".join(repr(f) for f in order if f in flags) + "}"


def _share_call(low, ctx, exprs, name, stmts, paired) -> bool:
    """Ops whose lowering is one result of a two-result runtime call (``Scalar(pair=...)``:
    ``sin`` and ``cos`` are the results of ``rt.sincos``, one range reduction) share one call on
    the same operand: the second op's statement becomes ``a, b = call(x)``. Returns whether this
    op's value was bound that way (no statement of its own)."""
    pair = getattr(low, "pair", None)
    if pair is None or len(exprs) != 1:
        return False
    fn, index = pair
    key = (fn.format(dt=short_dtype(ctx.out)), exprs[0])
    prev = paired.pop(key, None)
    if prev is None or prev[1] == index:
        paired[key] = (len(stmts), index, name)
        return False
    j, other_index, other_name = prev
    names = [name, other_name] if index == 0 else [other_name, name]
    stmts[j] = (stmts[j][0], f"{names[0]}, {names[1]} = {key[0]}({exprs[0]})")
    return True
