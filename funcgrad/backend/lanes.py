"""Lanes: a jitted program's big steps run on every core, each core on its own rows.

XLA partitions large elementwise loops over its thread pool; OpenBLAS parallelizes each matmul
inside the call. Our kernels run on one core, and between two matmuls OpenBLAS's worker threads
spin on the other cores while they wait for work: on a 2-core machine, a jitted MLP step spent a
third of its time in single-threaded kernels next to a spinning thread. Lanes fix both.

**Schedule** (``schedule(plan)``): consecutive steps whose work splits by rows form a *phase*.
Lane ``j`` of ``n`` runs every step of the phase on its own rows ``bounds[j]:bounds[j+1]``, one
after the other, with no synchronisation between steps: a fused kernel loops over its rows of
the outermost loop, a matmul computes its rows of the output (``A[lo:hi] @ B``) with one BLAS
thread. A step may read a value computed earlier in the same phase only at the rows its own lane
wrote (the flat element ranges must match: ``tanh(x @ w + b) @ w2`` keeps the batch rows in one
lane throughout); reading it whole (``h.T @ d``, a transposed or broadcast read) needs the phase
to end first. Steps that cannot wait are moved *after* the phase when nothing in it depends on
them, and steps that need nothing from it move before it, so the forward and backward passes of
an MLP are one phase and the weight gradients plus the SGD update (split by weight rows) are the
next. A reduction over the split rows (a bias gradient ``sum(d, axis=0)``) gives one partial
result per lane, combined by NumPy when the phase ends. Phases with little work are not worth the
wake-up of the other lanes (tens of microseconds): their steps run in the ordinary serial driver.

**Runtime** (``process.run_phase``): one worker thread per extra lane, sleeping on an event between
phases; the calling thread is lane 0. During a phase OpenBLAS runs one thread per call (set
through ``openblas_set_num_threads`` when the loaded OpenBLAS has it, restored after), so
lanes do not oversubscribe the cores. Without that control, matmuls are not split. When another
thread already runs a phase, the caller runs all lanes itself, one after the other (same
results). ``FUNCGRAD_LANES=1`` turns lanes off; ``FUNCGRAD_LANES=n`` sets their number (default:
the usable cores, at most 8).

>>> import funcgrad as fg, funcgrad.numpy as jnp, numpy as np
>>> from funcgrad.backend.fusion import plan
>>> closed = fg.make_jaxpr(lambda x, w: jnp.tanh(x @ w))(np.ones((256, 512), np.float32),
...                                                      np.ones((512, 512), np.float32))
>>> [u.kind for u in schedule(plan(closed.jaxpr), lanes=2)]
['phase']
"""
from __future__ import annotations

import os

import numpy as np

from ..core.ir import Var
from . import process

MAX_LANES = 8
#: least estimated work (elements of kernel loops, multiply-adds / 4 of matmuls) of a phase
MIN_WORK = 200_000
#: a step with less work joins a phase only to keep a row-wise chain in it (its inputs come from
#: the phase); otherwise it runs before the phase, and its result is whole for every lane
SMALL_STEP = 16_384


def lane_count() -> int:
    """``$FUNCGRAD_LANES``, or the cores this process may use (at most ``MAX_LANES``); 1 when
    process-wide tuning is off (``FUNCGRAD_PROCESS_TUNING=0``: no lane threads)."""
    if not process.enabled():
        return 1
    env = os.environ.get("FUNCGRAD_LANES", "").strip()
    if env:
        n = int(env)
        if n < 1:
            raise ValueError(f"FUNCGRAD_LANES={env!r}: must be a positive integer")
        return n
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):   # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_LANES))


def min_work() -> int:
    return int(os.environ.get("FUNCGRAD_LANES_MIN_WORK", MIN_WORK))


# --------------------------------------------------------------------------- splits

class Split:
    """How a step runs over lanes: its ``rows`` cut at ``bounds`` (lane ``j``: rows
    ``bounds[j]:bounds[j+1]``). ``reads``/``writes``: var id -> elements per row (the var's
    flat range of lane ``j`` is ``bounds[j] * stride ...``), or ``None`` for a whole read;
    ``partials``: reduction outputs over the split rows, var -> NumPy combine ufunc."""

    __slots__ = ("rows", "bounds", "reads", "writes", "partials", "work", "matmul")

    def __init__(self, rows, reads, writes, partials, work, matmul=None):
        self.rows = rows
        self.bounds = None
        self.reads = reads
        self.writes = writes
        self.partials = partials
        self.work = work
        self.matmul = matmul       # (lhs transposed, rhs transposed) of a split matrix product


def step_inputs(st) -> list:
    if st.kind == "kernel":
        return [a for ops in st.operands for a, _ in ops if isinstance(a, Var)]
    return [a for e in st.eqns for a in e.inputs if isinstance(a, Var)]


def step_outputs(st) -> list:
    return [v for e in st.eqns for v in e.outputs]


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _row_stride(shape, rows):
    """Elements per row when ``shape``'s first non-unit dim has ``rows`` entries, else None."""
    for i, d in enumerate(shape):
        if d != 1:
            return _size(shape[i + 1:]) if d == rows else None
    return None


def kernel_split(st, n_lanes: int):
    """The ``Split`` of a fused kernel step over the rows of its outermost loop, or None."""
    from .fusion import classify
    dom = tuple(st.domain)
    live = [d for d in range(len(dom)) if dom[d] != 1]
    if not live or dom[live[0]] < n_lanes:
        return None
    d0, rows = live[0], dom[live[0]]
    kinds = [classify(e)[0] for e in st.eqns]
    reds = [k for k, kd in enumerate(kinds) if kd in ("red", "argred")]
    red_axes = set(st.eqns[reds[0]].params["axes"]) if reds else set()
    over_rows = d0 in red_axes
    if over_rows:
        if "argred" in [kinds[k] for k in reds] or all(d in red_axes for d in live):
            return None          # an argmax or a full reduction: no per-lane partials
        if any(getattr(st.eqns[k].primitive.lower, "partials", None) is None for k in reds):
            return None          # the reduction's record gives no way to combine partials
    kept = [d for d in live if d not in red_axes]
    reads: dict = {}
    for k, ops in enumerate(st.operands):
        to_dom = None
        if k in st.epilogue:
            own = st.eqns[k].outputs[0].aval.shape
            it = iter(kept)
            to_dom = [None if own[j] == 1 else next(it) for j in range(len(own))]
        for a, m in ops:
            if not isinstance(a, Var):
                continue
            if to_dom is not None:
                m = tuple(None if d is None else to_dom[d] for d in m)
            stride = None
            if d0 in m:
                p = m.index(d0)
                if all(a.aval.shape[q] == 1 for q in range(p)) and a.aval.shape[p] == rows:
                    stride = _size(a.aval.shape[p + 1:])
            if id(a) in reads and reads[id(a)] != stride:
                stride = None
            reads[id(a)] = stride
    writes, partials = {}, {}
    for k, e in enumerate(st.eqns):
        for v in e.outputs:
            if over_rows and kinds[k] == "red":
                partials[id(v)] = (v, e.primitive.lower.partials)
                continue
            s = _row_stride(v.aval.shape, rows)
            if s is None:
                return None
            writes[id(v)] = s
    return Split(rows, reads, writes, partials, _size(dom) * max(1, len(st.eqns)) // 2)


def matmul_split(st, n_lanes: int, blas_ok: bool):
    """The ``Split`` of a 2-D matrix product (a driver step whose lowering says it is one, see
    ``Driver.matmul``) over its output rows, or None."""
    if not blas_ok or len(st.eqns) != 1:
        return None
    e = st.eqns[0]
    as_matmul = getattr(e.primitive.lower, "matmul", None)
    mm = as_matmul(e) if as_matmul is not None else None
    if mm is None:
        return None
    lhs_t, _ = mm
    lhs, rhs = e.inputs
    out = e.outputs[0]
    if not isinstance(lhs, Var) or not isinstance(rhs, Var):
        return None
    dt = out.aval.dtype
    if dt not in (np.float32, np.float64) or lhs.aval.dtype != dt or rhs.aval.dtype != dt:
        return None
    rows, cols = out.aval.shape
    if rows < n_lanes:
        return None
    k = lhs.aval.shape[0 if lhs_t else 1]
    reads = {id(rhs): None}
    reads[id(lhs)] = None if (lhs_t or lhs is rhs) else k
    return Split(rows, reads, {id(out): cols}, {}, rows * cols * k // 4, matmul=mm)


def even_bounds(rows: int, n: int) -> tuple:
    return tuple((j * rows) // n for j in range(n + 1))


# --------------------------------------------------------------------------- the schedule

class Unit:
    """A scheduled unit: ``kind`` "serial" (one step) or "phase" (steps with their splits)."""

    __slots__ = ("kind", "steps", "splits")

    def __init__(self, kind, steps, splits=None):
        self.kind = kind
        self.steps = steps
        self.splits = splits or []

    def __repr__(self):
        return f"Unit({self.kind}: {len(self.steps)} steps)"


def schedule(plan, lanes: int | None = None, blas_ok: bool | None = None,
             work: int | None = None) -> list:
    """Units running ``plan``'s steps in a valid order: phases where splitting pays off."""
    n = lane_count() if lanes is None else lanes
    steps = plan.steps
    if n < 2:
        return [Unit("serial", [s]) for s in steps]
    if blas_ok is None:
        blas_ok = process.blas_threads_control() is not None
    threshold = min_work() if work is None else work
    small = min(SMALL_STEP, threshold)
    splits = [kernel_split(s, n) if s.kind == "kernel" else matmul_split(s, n, blas_ok)
              for s in steps]
    if sum(sp.work for sp in splits if sp is not None) < threshold:
        return [Unit("serial", [s]) for s in steps]
    units: list = []
    pending = list(range(len(steps)))
    while pending:
        phase, pre, deferred = [], [], []
        inflight: dict = {}       # var id -> per-lane flat ranges written in this phase
        blocked: set = set()      # outputs of deferred steps, and partials of this phase
        bounds_of: dict = {}
        for i in pending:
            st, sp = steps[i], splits[i]
            ins = step_inputs(st)
            if any(id(a) in blocked for a in ins):
                deferred.append(i)
                blocked.update(id(v) for v in step_outputs(st))
                continue
            reads_phase = any(id(a) in inflight for a in ins)
            if sp is not None and not reads_phase and sp.work < small:
                sp = None   # small and ready: run it before the phase (its result is complete)
            b = _fit(sp, ins, inflight, n) if sp is not None else None
            if b is not None:
                phase.append(i)
                bounds_of[i] = b
                for vid, stride in sp.writes.items():
                    inflight[vid] = tuple(x * stride for x in b)
                blocked.update(sp.partials)
            elif not reads_phase:
                pre.append(i)
            else:
                deferred.append(i)
                blocked.update(id(v) for v in step_outputs(st))
        if phase and sum(splits[i].work for i in phase) >= threshold:
            units += [Unit("serial", [steps[i]]) for i in pre]
            split_list = []
            for i in phase:
                sp = splits[i]
                sp.bounds = bounds_of[i]
                split_list.append(sp)
            units.append(Unit("phase", [steps[i] for i in phase], split_list))
        else:
            units += [Unit("serial", [steps[i]]) for i in sorted(pre + phase)]
        pending = deferred
    return units


def _fit(sp, ins, inflight, n):
    """Row bounds for a step reading ``ins`` so that every value it reads from this phase is at
    the rows its own lane wrote, or None."""
    bounds = None
    for a in ins:
        got = inflight.get(id(a))
        if got is None:
            continue
        stride = sp.reads.get(id(a))
        if stride is None or stride == 0:
            return None
        if bounds is None:
            if any(x % stride for x in got):
                return None
            bounds = tuple(x // stride for x in got)
            if bounds[-1] != sp.rows:
                return None
        if tuple(x * stride for x in bounds) != got:
            return None
    if bounds is None:
        bounds = even_bounds(sp.rows, n)
    if any(bounds[j] > bounds[j + 1] for j in range(n)):
        return None
    return bounds
