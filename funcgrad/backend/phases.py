"""Emit a phase of the schedule (``lanes.py``): the steps run on every lane, each on its rows.

A phase becomes a nested function ``_phaseN(_lane)`` running its steps on the lane's rows
(kernels from ``B[_lane]`` to ``B[_lane + 1]``, matmuls on row slices written into a
preallocated output), called through ``_run_phase`` (``process.run_phase``); every buffer a phase
writes is allocated before it, and reductions over the split rows are combined after it.
"""
from __future__ import annotations

import numpy as np

from ..core.pretty import pp_eqn
from ..core.source_info import short


def emit_phase(w, u, pn: int, si: int) -> None:
    """Write phase ``pn`` (unit ``u``, whose first step is step ``si``) with ``DriverWriter`` w."""
    from .driver import _shape_text
    from .process import run_phase
    n_lanes = len(u.splits[0].bounds) - 1
    body: list[str] = []
    bound_names: dict = {}
    combine: list[str] = []
    names = w.names

    def bounds(t):
        if t not in bound_names:
            bound_names[t] = f"B{len(bound_names)}"
        return bound_names[t]

    for st, sp in zip(u.steps, u.splits):
        if st.kind == "kernel":
            k = w.kernel_step(st, si, partials=sp.partials, n_lanes=n_lanes)
            b = bounds(tuple(x * k.row_unit for x in sp.bounds))
            body.append(f"        {k.name}({w.kernel_args(k, f'{b}[_lane]', f'{b}[_lane + 1]', sp.partials)})")
            live = w.live_after(si)
            for vid, (v, ufunc) in sp.partials.items():
                if vid in live:
                    combine.append(f"    {ufunc}.reduce({names(v)}_p, axis=0, out={names(v)})")
        else:
            body.append(_matmul_rows(w, st.eqns[0], sp, bounds(sp.bounds), _shape_text))
        si += 1
    fn = f"_phase{pn}"
    w.lines.append(f"    def {fn}(_lane):   # lane _lane of {n_lanes}: its rows of each step")
    for t, bn in bound_names.items():
        w.lines.append(f"        {bn} = {t!r}")
    w.lines.extend(body)
    w.lines.append(f"    _run_phase({fn}, {n_lanes})")
    w.lines.extend(combine)
    w.globals["_run_phase"] = run_phase


def phase_private(split, v, alias_vars, phase_reads, si) -> bool:
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


def _matmul_rows(w, e, sp, b, shape_text) -> str:
    """Allocate a split matmul's output (before the phase); the phase line computing lane j's
    rows."""
    names = w.names
    lhs_t, rhs_t = sp.matmul
    lhs, rhs = e.inputs
    out = e.outputs[0]
    o = names(out)
    where = f"   ({short(e.source)})" if e.source else ""
    w.lines.append(f"    # {pp_eqn(e, names).replace(chr(10), ' ')[:110]}{where}")
    w.lines.append(f"    {o} = np.empty({shape_text(out.aval.shape)}, np.{out.aval.dtype.name})")
    w.fresh(out)
    rows = f"{b}[_lane]:{b}[_lane + 1]"
    lane_rows = max(hi - lo for lo, hi in zip(sp.bounds, sp.bounds[1:]))
    if _transposed_pays(e, lhs_t, rhs_t, lane_rows):
        return (f"        {o}_t = np.matmul({names(rhs)}, {names(lhs)}[{rows}].T)   # (B @ A.T).T\n"
                f"        np.copyto({o}[{rows}], {o}_t.T)")
    a = f"{names(lhs)}[:, {rows}].T" if lhs_t else f"{names(lhs)}[{rows}]"
    bb = f"{names(rhs)}.T" if rhs_t else names(rhs)
    return f"        np.matmul({a}, {bb}, out={o}[{rows}])"


#: a lane's float32 ``A[rows] @ B.T`` is computed as ``(B @ A[rows].T).T`` when the contraction
#: and the output columns are at least ``TRANSPOSED_MIN_K`` and the lane has at most
#: ``TRANSPOSED_MAX_ROWS`` rows (see ``_transposed_pays``)
TRANSPOSED_MIN_K = 512
TRANSPOSED_MAX_ROWS = 96


def _transposed_pays(e, lhs_t: bool, rhs_t: bool, lane_rows: int) -> bool:
    """Whether a lane's rows of ``A @ B.T`` (an input gradient ``d @ W.T``) are faster as
    ``B @ A[rows].T`` copied transposed into the output rows.

    Measured with one OpenBLAS thread (0.3.31, SkylakeX kernels), direct against transposed plus
    the copy: 32x512 @ (512x512).T 204 against 147 us; 64x512x512 283-333 against 260-281;
    64x1024x1024 1213 against 1072; but 128 rows, float64, or a contraction or width of 256 or
    less gain nothing or lose (64x64 @ (256x64).T: 21 against 30 us). In the jitted W1 step the
    one such product per lane saves 50 us of 2.0 ms."""
    if lhs_t or not rhs_t or lane_rows > TRANSPOSED_MAX_ROWS:
        return False
    lhs, rhs = e.inputs
    if lhs is rhs or e.outputs[0].aval.dtype != np.float32:
        return False
    k = lhs.aval.shape[1]
    cols = e.outputs[0].aval.shape[1]
    return k >= TRANSPOSED_MIN_K and cols >= TRANSPOSED_MIN_K
