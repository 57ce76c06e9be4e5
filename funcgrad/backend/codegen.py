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
    eqns = step.eqns
    dom = tuple(step.domain)
    kinds = [classify(e) for e in eqns]
    inside = {id(v) for e in eqns for v in e.outputs}

    # operands: accessors (external arrays with an access map), temporaries, literals
    accessors: list[tuple[Var, tuple]] = []
    acc_idx: dict = {}
    consts: list[tuple[np.dtype, object]] = []   # scalar literals, passed as arguments
    const_idx: dict = {}
    operands = []
    epi = step.epilogue
    for k, e in enumerate(eqns):
        ops = []
        to_dom = None
        if k in epi:    # epilogue: its own (kept-shaped) domain's non-unit dims -> kept dims
            own = e.outputs[0].aval.shape
            red_axes0 = next(set(x.params["axes"]) for x, (kd, _) in zip(eqns, kinds)
                             if kd in ("red", "argred"))
            kept = [d for d in range(len(dom)) if dom[d] != 1 and d not in red_axes0]
            it = iter(kept)
            to_dom = [None if own[j] == 1 else next(it) for j in range(len(own))]
        for a, m in step.operands[k]:
            if to_dom is not None:
                m = tuple(None if d is None else to_dom[d] for d in m)
            if isinstance(a, Literal) and a.aval.dtype == np.bool_:
                ops.append(("lit", literal(a.val, a.aval.dtype)))
            elif isinstance(a, Literal):     # a kernel argument: constants make no new kernels
                ckey = (a.aval.dtype, float(a.val) if a.aval.dtype.kind == "f" else int(a.val))
                if ckey not in const_idx:
                    const_idx[ckey] = len(consts)
                    consts.append(ckey)
                ops.append(("lit", f"c{const_idx[ckey]}"))
            elif id(a) in inside:
                ops.append(("tmp", id(a)))
            else:
                key = (id(a), m)
                if key not in acc_idx:
                    acc_idx[key] = len(accessors)
                    accessors.append((a, m))
                ops.append(("acc", acc_idx[key]))
        operands.append(ops)

    reds = [k for k, (kind, _) in enumerate(kinds) if kind in ("red", "argred")]
    red_axes = set(eqns[reds[0]].params["axes"]) if reds else set()
    full_outs = [v for k, (e, (kind, _)) in enumerate(zip(eqns, kinds))
                 if kind in ("ew", "index") and k not in epi for v in e.outputs if id(v) in live_out]
    epi_outs = [e.outputs[0] for k, e in enumerate(eqns) if k in epi and id(e.outputs[0]) in live_out]

    # canonical dims: drop size-1 dims, merge adjacent dims every accessor and reduction agree on
    seqs = [[d for d in m if d is not None and dom[d] != 1] for _, m in accessors]
    runs: list[list[int]] = []
    for d in range(len(dom)):
        if dom[d] == 1:
            continue
        if runs:
            p = runs[-1][-1]
            ok = (p in red_axes) == (d in red_axes)
            for s in seqs:
                if (p in s) != (d in s) or (p in s and s.index(d) != s.index(p) + 1):
                    ok = False
                    break
            if ok:
                runs[-1].append(d)
                continue
        runs.append([d])
    virtual = not runs and not reds     # a one-element domain: the same kernel as a 1-D one
    if virtual:
        runs = [[None]]
    sizes = [1] if virtual else [_prod(dom[d] for d in r) for r in runs]
    run_of = {d: i for i, r in enumerate(runs) for d in r}
    red_runs = [i for i, r in enumerate(runs) if r[0] in red_axes]
    kept_runs = [i for i, r in enumerate(runs) if r[0] not in red_axes]
    suffix = red_runs == list(range(len(kept_runs), len(runs)))
    argred = any(kinds[k][0] == "argred" for k in reds)
    order = list(range(len(runs)))
    if argred and not suffix:
        order = kept_runs + red_runs
        suffix = True
    depth = {r: t for t, r in enumerate(order)}      # run -> loop depth (0 = outermost)
    m = len(runs)

    # accessor canonical shapes and index expressions (in the operand's own dim order)
    acc_shapes, acc_index, acc_level = [], [], []
    for (a, mp), s in zip(accessors, seqs):
        present = [0] if virtual else []
        for d in s:
            r = run_of[d]
            if r not in present:
                present.append(r)
        acc_shapes.append(tuple(sizes[r] for r in present) or (1,))
        acc_index.append(", ".join(f"i{r}" for r in present) or "0")
        acc_level.append(max((depth[r] + 1 for r in present), default=0))

    # statements with their loop level
    stmts: list[tuple[int, str]] = []
    level_of: dict = {}
    expr_of: dict = {}
    read_done = set()

    def operand(op):
        kind, v = op
        if kind == "lit":
            return v, 0
        if kind == "tmp":
            return expr_of[v], level_of[v]
        if v not in read_done:
            read_done.add(v)
            stmts.append((acc_level[v], f"r{v} = a{v}[{acc_index[v]}]"))
        return f"r{v}", acc_level[v]

    epi_stmts: list[str] = []
    epi_read = set()

    def epi_operand(op):
        kind, v = op
        if kind == "lit":
            return v, 0
        if kind == "tmp":
            return expr_of[v], 0
        if v not in epi_read:
            epi_read.add(v)
            epi_stmts.append(f"e{v} = a{v}[{acc_index[v]}]")
        return f"e{v}", 0

    red_info = []
    paired: dict = {}          # (two-result call, operand) -> (statement index, result, its name)
    for k, e in enumerate(eqns):
        kind, _ = kinds[k]
        if k in epi:
            out = e.outputs[0]
            exprs = [epi_operand(op)[0] for op in operands[k]]
            ctx = ScalarCtx([a.aval.dtype for a in e.inputs], out.aval.dtype)
            text = e.primitive.lower(ctx, *exprs, **e.params)
            if out.aval.dtype != np.bool_:
                text = f"{ctx.T}({text})"
            epi_stmts.append(f"t{k} = {text}")
            expr_of[id(out)] = f"t{k}"
            continue
        exprs, levels = zip(*[operand(op) for op in operands[k]]) if operands[k] else ((), (0,))
        lvl = max(levels) if levels else 0
        out = e.outputs[0]
        if kind == "ew":
            ctx = ScalarCtx([a.aval.dtype for a in e.inputs], out.aval.dtype)
            expr_of[id(out)], level_of[id(out)] = f"t{k}", lvl
            if _share_call(e.primitive.lower, ctx, exprs, f"t{k}", stmts, paired):
                continue
            text = e.primitive.lower(ctx, *exprs, **e.params)
            if out.aval.dtype != np.bool_:
                text = f"{ctx.T}({text})"
            stmts.append((lvl, f"t{k} = {text}"))
        elif kind == "index":
            expr_of[id(out)], level_of[id(out)] = exprs[0], lvl
        else:
            red_info.append((k, exprs[0]))
            expr_of[id(out)] = f"x{k}" if kind == "argred" else f"s{k}"

    unsafe = any("rt." in text for _, text in stmts)   # compensated formulas: no reassoc
    # accumulator lanes pay off (vectorized transcendentals) for long rows only; short rows get
    # the simpler kernel (which compiles faster): the row length class is part of the source
    lanes = bool(reds and suffix and red_runs and unsafe and not argred
                 and sizes[red_runs[-1]] >= LANES_MIN)
    flags = _fastmath(eqns, reduce=bool(reds and not unsafe))

    # outputs
    outs = []
    for v in full_outs:
        outs.append((v, tuple(sizes) or (1,), "full"))
    for k, _ in red_info:
        v = eqns[k].outputs[0]
        if id(v) in live_out or not suffix:   # (an outer reduction accumulates in its output)
            outs.append((v, tuple(sizes[r] for r in kept_runs) or (1,), "red"))
    for v in epi_outs:
        outs.append((v, tuple(sizes[r] for r in kept_runs) or (1,), "epi"))
    out_pos = {id(v): j for j, (v, _, _) in enumerate(outs)}
    full_idx = ", ".join(f"i{r}" for r in range(m)) or "0"
    inplace = {}
    if choose_inplace is not None:
        acc_ident = [idx == full_idx for idx in acc_index]
        inplace = choose_inplace([(a, sh, ident) for (a, _), sh, ident in
                                  zip(accessors, acc_shapes, acc_ident)],
                                 [(v, sh, kind) for v, sh, kind in outs])

    def on(j):
        return f"a{inplace[j]}" if j in inplace else f"o{j}"
    kept_idx = ", ".join(f"i{r}" for r in kept_runs) or "0"
    n_kept = len(kept_runs)
    body: list[str] = []

    def ind(t):
        return "    " * (t + 1)

    def scalar_type(dt):
        return f"np.{dt.name}" if dt != np.bool_ else "bool"

    def red_ident(k):
        e = eqns[k]
        return literal(e.primitive.lower.identity(e.inputs[0].aval.dtype), e.inputs[0].aval.dtype)

    def innermost(t, lane):
        """Statements of the innermost level, then stores and accumulations, at indent ``t``."""
        for lvl, text in stmts:
            if lvl == m:
                body.append(ind(t) + text)
        for v in full_outs:
            body.append(ind(t) + f"{on(out_pos[id(v)])}[{full_idx}] = {expr_of[id(v)]}")
        for k, x in red_info:
            e = eqns[k]
            j = out_pos.get(id(e.outputs[0]))
            low = e.primitive.lower
            T = scalar_type(e.outputs[0].aval.dtype)
            if isinstance(low, ArgReduce):
                idx = f"i{red_runs[0]}" if red_runs else "0"
                body.append(ind(t) + f"c{k} = {low(x, f'b{k}')}")
                body.append(ind(t) + f"b{k} = {x} if c{k} else b{k}")
                body.append(ind(t) + f"x{k} = {idx} if c{k} else x{k}")
            elif not suffix:
                body.append(ind(t) + f"{on(j)}[{kept_idx}] = {T}({low(f'{on(j)}[{kept_idx}]', x)})")
            elif lane is not None:
                body.append(ind(t) + f"l{k}[{lane}] = {T}({low(f'l{k}[{lane}]', x)})")
            else:
                body.append(ind(t) + f"s{k} = {T}({low(f's{k}', x)})")

    def init_accumulators(t):
        for k, _ in red_info:
            if isinstance(eqns[k].primitive.lower, ArgReduce):
                body.append(ind(t) + f"b{k} = {red_ident(k)}")
                body.append(ind(t) + f"x{k} = 0")
            elif lanes:
                body.append(ind(t) + f"for q in range({LANES}):")
                body.append(ind(t + 1) + f"l{k}[q] = {red_ident(k)}")
            else:
                body.append(ind(t) + f"s{k} = {red_ident(k)}")

    if lanes:
        for k, _ in red_info:
            body.append(ind(0) + f"l{k} = np.empty({LANES}, np.{eqns[k].outputs[0].aval.dtype.name})")
    if reds and not suffix:      # reduced dims outside kept ones: accumulate into the output
        for k, _ in red_info:
            j = out_pos[id(eqns[k].outputs[0])]
            for t, r in enumerate(kept_runs):
                body.append(ind(t) + f"for i{r} in range({'lo, ' if r == order[0] else ''}n{r}):")
            body.append(ind(n_kept) + f"{on(j)}[{kept_idx}] = {red_ident(k)}")
    done = False
    for t in range(m):
        for lvl, text in stmts:
            if lvl == t:
                body.append(ind(t) + text)
        if reds and suffix and t == n_kept:
            init_accumulators(t)
        r = order[t]
        if lanes and t == m - 1:
            body.append(ind(t) + f"nb = n{r} - n{r} % {LANES}")
            body.append(ind(t) + f"for jb in range(0, nb, {LANES}):")
            body.append(ind(t + 1) + f"for q in range({LANES}):")
            body.append(ind(t + 2) + f"i{r} = jb + q")
            innermost(t + 2, "q")
            body.append(ind(t) + f"for i{r} in range(nb, n{r}):")
            innermost(t + 1, "0")
            done = True
            break
        body.append(ind(t) + f"for i{r} in range({'lo, ' if t == 0 else ''}n{r}):")
    if not done:
        if reds and suffix and n_kept == m:
            init_accumulators(m)
        innermost(m, None)
    if reds and suffix:
        for k, _ in red_info:
            j = out_pos.get(id(eqns[k].outputs[0]))
            low = eqns[k].primitive.lower
            T = scalar_type(eqns[k].outputs[0].aval.dtype)
            if lanes and not isinstance(low, ArgReduce):
                body.append(ind(n_kept) + f"s{k} = {red_ident(k)}")
                body.append(ind(n_kept) + f"for q in range({LANES}):")
                body.append(ind(n_kept + 1) + f"s{k} = {T}({low(f's{k}', f'l{k}[q]')})")
            if j is not None:
                acc = f"x{k}" if isinstance(low, ArgReduce) else f"s{k}"
                body.append(ind(n_kept) + f"{on(j)}[{kept_idx}] = {acc}")
        for text in epi_stmts:
            body.append(ind(n_kept) + text)
        for v in epi_outs:
            body.append(ind(n_kept) + f"{on(out_pos[id(v)])}[{kept_idx}] = {expr_of[id(v)]}")

    params = ["lo"] + [f"n{r}" for r in range(m)] + [f"c{j}" for j in range(len(consts))] + \
             [f"a{j}" for j in range(len(accessors))] + \
             [f"o{j}" for j in range(len(outs)) if j not in inplace]
    prims = " ".join(e.primitive.name for e in eqns)
    if len(prims) > 90:
        prims = prims[:87] + "..."
    src_body = (HEADER.format(flags=flags) + f"def KERNEL({', '.join(params)}):\n"
                + f"    # {prims}\n" + "\n".join(body) + "\n")
    name = "k_" + cache.source_hash(src_body)
    source = "import math\n\nimport numpy as np\n\n\n" + src_body.replace("KERNEL", name)
    signature = [("int",)] * (m + 1) + [("scalar", dt) for dt, _ in consts] + \
                [("array", a.aval.dtype, len(s)) for (a, _), s in
                                   zip(accessors, acc_shapes)] + \
                [("array", v.aval.dtype, len(s)) for j, (v, s, _) in enumerate(outs) if j not in inplace]
    k = Kernel(name, source, signature, sizes,
               [(a, s) for (a, _), s in zip(accessors, acc_shapes)],
               [(v, s) for j, (v, s, _) in enumerate(outs) if j not in inplace], eqns)
    k.inplace = [(outs[j][0], accessors[i][0]) for j, i in sorted(inplace.items())]
    k.consts = consts
    k.row_unit = _prod(dom[d] for d in runs[0][1:]) if runs and not virtual else 1
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
