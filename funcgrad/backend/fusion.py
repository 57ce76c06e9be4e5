"""Fusion: partition a program's equations into fused loop kernels and driver steps.

Rules (research notes §4.2; tinygrad's and XLA's loop fusion):

- Elementwise equations (``Scalar``) and data movement the fuser can express as indexing
  (``IndexMap``: broadcast, transpose, squeeze...) fuse into one loop nest over a *domain* (the
  output shape) when producer and consumer have the same domain and the consumer reads the value
  at the same index. Broadcasts of a group's *inputs* are free (indexing); a computed value is not
  recomputed per broadcast element: its producer ends its own group (realised).
- A reduction joins the group of its operand's producer (the elementwise *prologue*, e.g.
  ``sum((y - t) ** 2)`` is one pass); its output is realised. Several reductions over the same
  axes may share a loop nest; argmax/argmin stay alone.
- A value may be an output of a group and still feed members of it (multi-output kernels, e.g.
  ``d = ct * (1 - h * h)`` and ``sum(d, axis=0)`` in one pass).
- Two groups merge only if no path leaves the merged set and comes back (no cycles).
- Everything else (``dot_general`` -> BLAS, concatenate, gather...) is a driver step.

>>> import funcgrad as fg, funcgrad.numpy as jnp, numpy as np
>>> closed = fg.make_jaxpr(lambda x, b: jnp.sum(jnp.tanh(x + b) ** 2, axis=1))(
...     np.ones((4, 3), np.float32), np.ones(3, np.float32))
>>> [s.kind for s in plan(closed.jaxpr).steps]
['kernel']
"""
from __future__ import annotations

import bisect

import numpy as np

from ..core.ir import Jaxpr, Var
from ..core.lowering import (HOST, ArgReduce, Driver, IndexMap, Lowering, Reduce, Scalar, _Host,
                             _Inline)
from ..core.primitive import Marker

#: dtypes compiled kernels handle; anything else runs in the driver with NumPy
KERNEL_DTYPES = {np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                       np.uint16, np.uint32, np.uint64, np.float32, np.float64)}
MAX_GROUP = 400   # equations per kernel (compile time grows with kernel size)
#: arrays a kernel reads: a long accumulation (``g = g1 + g2 + ... + g400``, the weight gradient
#: of an unrolled RNN) becomes a run of identical kernels instead of one whose source (and
#: compile) depends on the program's length
MAX_KERNEL_INPUTS = 24


class Step:
    """One step of the driver: a fused ``kernel`` group, or a ``driver`` equation."""

    __slots__ = ("kind", "eqns", "domain", "lowering", "order", "operands", "epilogue")

    def __init__(self, kind, eqns, domain=None, lowering=None, order=0, operands=None):
        self.kind = kind
        self.eqns = eqns            # in program order
        self.domain = domain        # kernel: the loop domain (shape)
        self.lowering = lowering    # driver: the Driver/HOST descriptor
        self.order = order
        self.operands = operands    # kernel: per member, [(atom, access map)] after index ops
        self.epilogue = set()       # kernel: members computed per kept index after the reductions

    def __repr__(self):
        names = " ".join(e.primitive.name for e in self.eqns)
        return f"Step({self.kind}: {names})"


class Plan:
    __slots__ = ("jaxpr", "steps")

    def __init__(self, jaxpr, steps):
        self.jaxpr = jaxpr
        self.steps = steps


# --------------------------------------------------------------------------- classification

def _kernel_ok(eqn) -> bool:
    for a in list(eqn.inputs) + list(eqn.outputs):
        if a.aval.dtype not in KERNEL_DTYPES:
            return False
    return True


def classify(eqn):
    """``(kind, detail)``: kind in ew/index/red/argred/driver; detail is the access map for index
    ops and the Driver/HOST descriptor for driver steps."""
    low = eqn.primitive.lower
    if isinstance(low, _Inline):
        raise ValueError(f"{eqn.primitive.name}: call equations must be inlined before lowering")
    if not isinstance(low, Lowering) or isinstance(low, Marker):
        return "driver", HOST
    if isinstance(low, (Driver, _Host)):
        return "driver", low
    if not _kernel_ok(eqn):
        return "driver", HOST
    if isinstance(low, Scalar):
        return "ew", None
    if isinstance(low, IndexMap):
        m = low(eqn.inputs[0].aval, eqn.outputs[0].aval, **eqn.params)
        if m is None:
            return "driver", low.driver or HOST
        return "index", tuple(m)
    if isinstance(low, Reduce):
        return "red", None
    if isinstance(low, ArgReduce):
        return "argred", None
    return "driver", HOST


def domain_of(eqn, kind):
    return eqn.inputs[0].aval.shape if kind in ("red", "argred") else eqn.outputs[0].aval.shape


def operand_map(eqn, kind, detail, slot):
    """The access map of operand ``slot`` of a fusible equation: per operand dim, the loop dim it
    is read along (``None``: a size-1 dim)."""
    a = eqn.inputs[slot].aval
    if kind == "index":
        return detail
    if kind in ("red", "argred"):
        return tuple(range(a.ndim))
    dom = eqn.outputs[0].aval.shape
    if a.ndim == 0:
        return ()
    return tuple(i if a.shape[i] == dom[i] else None for i in range(a.ndim))


def is_identity(m, ndim) -> bool:
    return m == tuple(range(ndim))


# --------------------------------------------------------------------------- grouping

class _Group:
    __slots__ = ("members", "domain", "nred", "narg", "axes", "epi", "reads", "writes")

    def __init__(self, idx, domain, kind, axes, reads, writes):
        self.members = [idx]
        self.domain = domain
        self.reads = reads            # ids of the vars it reads from outside
        self.writes = writes          # ids of the vars its members produce
        self.nred = kind == "red"
        self.narg = kind == "argred"
        self.axes = axes
        self.epi: set[int] = set()    # epilogue members: computed per kept index after the loop

    def kept(self):
        """The non-unit kept dims' sizes when the reductions reduce trailing dims (so the kept
        dims are the outer loops and an epilogue can run after each inner loop), else None."""
        if not (self.nred or self.narg) or self.axes is None:
            return None
        dom = self.domain
        live = [d for d in range(len(dom)) if dom[d] != 1]
        red = [d for d in live if d in self.axes]
        kept = [d for d in live if d not in self.axes]
        if kept and red and max(kept) > min(red):
            return None
        return tuple(dom[d] for d in kept)


def _nonunit(shape):
    return tuple(d for d in shape if d != 1)


def _identity_mod_unit(m, src_shape, dom) -> bool:
    """``m`` reads the non-unit dims of a source, in order, along the non-unit dims of ``dom``."""
    got = [m[i] for i in range(len(src_shape)) if src_shape[i] != 1]
    want = [d for d in range(len(dom)) if dom[d] != 1]
    return got == want


def _compose(inner, outer):
    """Access map through an index op: ``inner`` maps the op's operand dims to its output dims,
    ``outer`` the output dims to loop dims."""
    return tuple(None if d is None else outer[d] for d in inner)


def plan(jaxpr: Jaxpr) -> Plan:
    """Partition ``jaxpr``'s equations into fused kernels and driver steps, in a valid order."""
    eqns = jaxpr.eqns
    producer = {id(v): i for i, e in enumerate(eqns) for v in e.outputs}
    kinds = [classify(e) for e in eqns]
    operands = _fusible_operands(eqns, kinds, producer)
    needed_index = _needed_index_ops(jaxpr, kinds, producer, operands)
    group_of = _group(eqns, kinds, producer, operands)
    nodes = []
    seen = set()
    for i in range(len(eqns)):
        g = group_of[i]
        if kinds[i][0] == "index":
            if i in needed_index:
                nodes.append(("index", [i], None))
        elif g is None:
            nodes.append(("driver", [i], kinds[i][1]))
        elif id(g) not in seen:
            seen.add(id(g))
            nodes.append(("kernel", sorted(g.members), (g.domain, frozenset(g.epi))))
    return Plan(jaxpr, _toposort(nodes, eqns, producer, operands))


def _fusible_operands(eqns, kinds, producer) -> dict:
    """Operands of the fusible equations, looking through index ops (free: they only change
    indexing): eqn index -> [(atom, access map)]."""
    operands: dict[int, list] = {}
    for i, e in enumerate(eqns):
        kind, detail = kinds[i]
        if kind not in ("ew", "red", "argred"):
            continue
        ops = []
        for slot, a in enumerate(e.inputs):
            m = operand_map(e, kind, detail, slot)
            while isinstance(a, Var):
                p = producer.get(id(a))
                if p is None or kinds[p][0] != "index":
                    break
                m = _compose(kinds[p][1], m)
                a = eqns[p].inputs[0]
            ops.append((a, m))
        operands[i] = ops
    return operands


def _needed_index_ops(jaxpr, kinds, producer, operands) -> set:
    """Index ops whose result a driver step or the output needs as an array (a needed index op
    reads its operand itself, which may need another index op)."""
    eqns = jaxpr.eqns
    needed = set()
    for i, e in enumerate(eqns):
        srcs = [a for a, _ in operands[i]] if i in operands else e.inputs
        for a in list(srcs):
            p = producer.get(id(a)) if isinstance(a, Var) else None
            if p is not None and kinds[p][0] == "index":
                needed.add(p)
    for a in jaxpr.outvars:
        p = producer.get(id(a)) if isinstance(a, Var) else None
        if p is not None and kinds[p][0] == "index":
            needed.add(p)
    todo = list(needed)
    while todo:
        a = eqns[todo.pop()].inputs[0]
        q = producer.get(id(a)) if isinstance(a, Var) else None
        if q is not None and kinds[q][0] == "index" and q not in needed:
            needed.add(q)
            todo.append(q)
    return needed


def _group(eqns, kinds, producer, operands) -> list:
    """Grow fused groups in program order: each fusible equation joins its producers' groups
    where the result stays one loop nest (``_try_merge``) and no cycle forms (``GroupDag``).
    Returns each equation's group (None for driver steps and index ops)."""
    def deps(i):
        srcs = [a for a, _ in operands[i]] if i in operands else eqns[i].inputs
        return [producer[id(a)] for a in srcs if isinstance(a, Var) and id(a) in producer]

    dag = GroupDag([deps(i) for i in range(len(eqns))])
    group_of: list[_Group | None] = [None] * len(eqns)
    for i, e in enumerate(eqns):
        kind, _ = kinds[i]
        if kind not in ("ew", "red", "argred"):
            continue
        axes = tuple(e.params.get("axes", ())) if kind in ("red", "argred") else None
        group_of[i] = _Group(i, domain_of(e, kind), kind, axes,
                             {id(a) for a, _ in operands[i] if isinstance(a, Var)},
                             {id(v) for v in e.outputs})
        for a, m in operands[i]:
            p = producer.get(id(a)) if isinstance(a, Var) else None
            if p is None or kinds[p][0] not in ("ew", "red", "argred"):
                continue
            gp, g = group_of[p], group_of[i]
            if gp is g:
                continue
            merged = None
            if kinds[p][0] in ("red", "argred") or p in gp.epi:
                # a reduction result (or its epilogue) feeding a kept-shaped op: an epilogue
                kept = gp.kept()
                if (kind == "ew" and kept is not None and _nonunit(g.domain) == kept
                        and _identity_mod_unit(m, a.aval.shape, g.domain)):
                    merged = _try_merge(gp, g, eqns, kinds, operands, dag, epilogue=True)
            elif gp.domain == g.domain and is_identity(m, a.aval.ndim):
                merged = _try_merge(gp, g, eqns, kinds, operands, dag)
            if merged is not None:
                for mm in merged.members:
                    group_of[mm] = merged
    return group_of


class GroupDag:
    """The program's dependence graph with fused groups contracted to single nodes, kept in a
    topological order while groups merge (Pearce and Kelly's dynamic topological order).

    Merging a producer group ``a`` into a consumer group ``c`` is valid when no path leaves the
    two and comes back (``a -> x -> ... -> c``): such an ``x`` would have to run after ``a`` and
    before ``c``, inside one kernel. Every such ``x`` lies between them in the current order, so
    the check searches only that window: forward from ``a`` (or backward from ``c``), whichever
    finishes first within ``SEARCH_LIMIT`` nodes; the nodes found are then moved past the merged
    node to keep the order valid. Local fusions look at a handful of nodes, so planning time is
    linear in the program's size (a bitset of ancestors per node, updated on every merge, was
    quadratic: 7 s for a 16 000-equation program). A search that hits the limit refuses the
    merge: a fusion missed, never a wrong one."""

    SEARCH_LIMIT = 256

    def __init__(self, deps: list[list[int]]):
        n = len(deps)
        self.root = list(range(n))
        self.preds: list[set[int]] = [set(d) for d in deps]
        self.succs: list[set[int]] = [set() for _ in range(n)]
        for i, d in enumerate(deps):
            for p in d:
                self.succs[p].add(i)
        self.pos = [float(i) for i in range(n)]
        self.keys = [float(i) for i in range(n)]     # sorted positions of the live nodes
        self.ids = list(range(n))                     # the node at each of those positions

    def find(self, x: int) -> int:
        root = self.root
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    def _search(self, start, nxt, inside, target):
        """Nodes reachable from ``start`` through ``nxt`` while ``inside``; ``False`` if one of
        them is adjacent to ``target`` (a path through it), ``None`` past the search limit."""
        found: set[int] = set()
        stack = [x for x in nxt[start] if x != target and inside(x)]
        while stack:
            x = stack.pop()
            if x in found:
                continue
            if target in nxt[x]:
                return False
            found.add(x)
            if len(found) > self.SEARCH_LIMIT:
                return None
            stack.extend(y for y in nxt[x] if y not in found and inside(y))
        return found

    def try_contract(self, a: int, c: int) -> bool:
        """Contract producer node ``a`` with consumer node ``c`` if no path leaves them and comes
        back; returns whether it did."""
        pos = self.pos
        lo, hi = pos[a], pos[c]
        fwd = self._search(a, self.succs, lambda x: pos[x] < hi, c)
        if fwd is False:
            return False
        if fwd is not None:
            self._move(fwd, after=c)
            self._absorb(c, a)
            return True
        back = self._search(c, self.preds, lambda x: pos[x] > lo, a)
        if back is None or back is False:     # too far to tell, or a path
            return False
        self._move(back, before=a)
        self._absorb(a, c)
        return True

    def _absorb(self, keep: int, gone: int) -> None:
        """Merge node ``gone`` into ``keep`` (which keeps its position)."""
        self.root[gone] = keep
        for p in self.preds[gone]:
            self.succs[p].discard(gone)
            if p != keep:
                self.succs[p].add(keep)
        for s in self.succs[gone]:
            self.preds[s].discard(gone)
            if s != keep:
                self.preds[s].add(keep)
        self.preds[keep] |= self.preds[gone]
        self.succs[keep] |= self.succs[gone]
        for x in (keep, gone):
            self.preds[keep].discard(x)
            self.succs[keep].discard(x)
        self.preds[gone] = self.succs[gone] = set()
        self._remove(gone)

    def _remove(self, x: int) -> None:
        k = bisect.bisect_left(self.keys, self.pos[x])
        del self.keys[k], self.ids[k]

    def _move(self, nodes: set[int], after: int | None = None, before: int | None = None) -> None:
        """Give ``nodes`` (in their current order) new positions just after ``after`` (or just
        before ``before``), between it and its neighbour in the order."""
        if not nodes:
            return
        moving = sorted(nodes, key=self.pos.__getitem__)
        for x in moving:
            self._remove(x)
        keys = self.keys
        if after is not None:
            k = bisect.bisect_right(keys, self.pos[after])
            a, b = self.pos[after], (keys[k] if k < len(keys) else self.pos[after] + 1.0)
        else:
            k = bisect.bisect_left(keys, self.pos[before])
            a, b = (keys[k - 1] if k > 0 else self.pos[before] - 1.0), self.pos[before]
        step = (b - a) / (len(moving) + 1)
        new = [a + step * (j + 1) for j in range(len(moving))]
        if step <= 0 or any(not (a < v < b) for v in new) or len(set(new)) != len(new):
            self._renumber()
            return self._move(nodes, after=after, before=before)
        for x, v in zip(moving, new):
            self.pos[x] = v
        keys[k:k] = new
        self.ids[k:k] = moving

    def _renumber(self) -> None:
        """Spread the positions out again (float gaps ran out)."""
        for j, x in enumerate(self.ids):
            self.pos[x] = float(j) * 1024.0
        self.keys = [self.pos[x] for x in self.ids]


def _try_merge(gp: _Group, gc: _Group, eqns, kinds, operands, dag: GroupDag, epilogue=False):
    """Merge ``gc`` into ``gp`` if the result is one valid loop nest; ``epilogue``: ``gc`` runs on
    ``gp``'s kept index after its reductions (``gc`` must be plain elementwise)."""
    if len(gp.members) + len(gc.members) > MAX_GROUP:
        return None
    writes = gp.writes | gc.writes
    reads = (gp.reads | gc.reads) - writes
    if len(reads) > MAX_KERNEL_INPUTS and len(reads) > max(len(gp.reads), len(gc.reads)):
        return None
    if epilogue:
        if gc.nred or gc.narg or gc.epi:
            return None
        nred, narg, axes = gp.nred, gp.narg, gp.axes
        epi = gp.epi | set(gc.members)
    else:
        nred, narg = gp.nred + gc.nred, gp.narg + gc.narg
        if gp.epi and gc.epi:
            return None
        if narg and nred + narg > 1:
            return None
        if nred and gp.axes is not None and gc.axes is not None and gp.axes != gc.axes:
            return None
        axes = gp.axes if gp.axes is not None else gc.axes
        epi = gp.epi | gc.epi
    members = gp.members + gc.members
    produced_by = {id(v): m for m in members for v in eqns[m].outputs}
    tail = {m for m in members if kinds[m][0] in ("red", "argred")} | epi
    for m in members:
        for a, mp in operands[m]:
            src = produced_by.get(id(a)) if isinstance(a, Var) else None
            if src is None:
                continue
            if m in epi:     # an epilogue reads reduction results and other epilogue values
                if src not in tail:
                    return None
            elif src in tail or not is_identity(mp, a.aval.ndim):
                return None   # the main loop cannot read what is only ready after it
    if not dag.try_contract(dag.find(gp.members[0]), dag.find(gc.members[0])):
        return None           # a path leaves the merged set and comes back
    g = gp
    g.members = members
    g.nred, g.narg, g.axes, g.epi = nred, narg, axes, epi
    g.reads, g.writes = reads, writes
    return g


def _toposort(nodes, eqns, producer, operands):
    import heapq
    node_of = {}
    for k, (_, members, _) in enumerate(nodes):
        for m in members:
            node_of[m] = k
    deps = [set() for _ in nodes]
    for k, (_, members, _) in enumerate(nodes):
        for m in members:
            srcs = [a for a, _ in operands[m]] if m in operands else eqns[m].inputs
            for a in srcs:
                p = producer.get(id(a)) if isinstance(a, Var) else None
                if p is not None and node_of.get(p, k) != k:
                    deps[k].add(node_of[p])
    indeg = [len(d) for d in deps]
    rdeps = [[] for _ in nodes]
    for k, d in enumerate(deps):
        for j in d:
            rdeps[j].append(k)
    ready = [(min(nodes[k][1]), k) for k in range(len(nodes)) if indeg[k] == 0]
    heapq.heapify(ready)
    steps = []
    while ready:
        _, k = heapq.heappop(ready)
        kind, members, extra = nodes[k]
        es = [eqns[m] for m in members]
        if kind == "kernel":
            domain, epi = extra
            st = Step("kernel", es, domain=domain, order=members[0],
                      operands=[operands[m] for m in members])
            st.epilogue = {k for k, m in enumerate(members) if m in epi}
            steps.append(st)
        elif kind == "index":
            low = eqns[members[0]].primitive.lower
            steps.append(Step("driver", es, lowering=low.driver or HOST, order=members[0]))
        else:
            steps.append(Step("driver", es, lowering=extra, order=members[0]))
        for j in rdeps[k]:
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(ready, (min(nodes[j][1]), j))
    if len(steps) != len(nodes):  # pragma: no cover - the merge rule forbids cycles
        raise RuntimeError("fusion produced a cyclic plan")
    return steps
