"""A value + gradient table for public functions: each row is ``fn(namespace, *args)``, run with
funcgrad's module and with the NumPy/SciPy one it mirrors.

Checks per row: the eager value equals the reference (value, shape, dtype); the VJP and the JVP
match central finite differences (float64); ``jit`` equals eager; ``vmap`` over a stack of
nearby inputs equals a Python loop. A table test fails when a public name has no row.

``jit`` rows run the generated program on the Python backend (``FUNCGRAD_BACKEND=python``: the
same source, no Numba compile time) except rows marked ``numba=True``, a few per family, which
compile the fused kernels (the primitive rule table compiles every primitive).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import numpy as np

import funcgrad as fg
from funcgrad.test_util import check_grads


@dataclasses.dataclass
class Row:
    name: str                       # the public name this row covers
    fn: Callable                    # fn(module, *args); module is funcgrad's or the reference
    args: Sequence[np.ndarray]
    label: str = ""
    grad: bool = True
    jit: bool = True
    vmap: bool = True
    tol: float = 1e-9               # value tolerance vs the reference
    grad_tol: float | None = None
    ref_dtype: bool = True          # the reference's dtype must match
    numba: bool = False             # jit row compiles with Numba (else the Python backend)

    @property
    def id(self):
        return f"{self.name}-{self.label}" if self.label else self.name


def ids(rows):
    seen, out = {}, []
    for r in rows:
        seen[r.id] = seen.get(r.id, 0) + 1
        out.append(r.id if seen[r.id] == 1 else f"{r.id}#{seen[r.id]}")
    return out


def _leaves(x):
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def check_value(row, mine, ref):
    got = _leaves(row.fn(mine, *row.args))
    want = _leaves(row.fn(ref, *row.args))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if np.asarray(g).dtype.kind != "c":     # eig/eigvals hand back NumPy's complex arrays
            assert isinstance(g, fg.Array), f"eager result is {type(g).__name__}, not funcgrad.Array"
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape, f"shape {g.shape} != reference {w.shape}"
        if row.ref_dtype:
            assert g.dtype == w.dtype, f"dtype {g.dtype} != reference {w.dtype}"
        np.testing.assert_allclose(g, w, rtol=row.tol, atol=row.tol)


def check_gradient(row, mine):
    f = lambda *a: row.fn(mine, *a)  # noqa: E731
    check_grads(f, tuple(row.args), order=1, modes=("rev", "fwd"), atol=row.grad_tol, rtol=row.grad_tol)


def check_jit(row, mine, monkeypatch):
    if not row.numba:
        monkeypatch.setenv("FUNCGRAD_BACKEND", "python")
    f = lambda *a: row.fn(mine, *a)  # noqa: E731
    want, got = _leaves(f(*row.args)), _leaves(fg.jit(f)(*row.args))
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-10, atol=1e-12)


def check_vmap(row, mine):
    rng = np.random.RandomState(7)
    draws = [list(row.args)] + [[a + 0.02 * rng.standard_normal(np.shape(a)) if np.issubdtype(np.asarray(a).dtype,
                                                                                              np.floating) else a
                                  for a in row.args] for _ in range(2)]
    stacked = [np.stack([d[i] for d in draws]) for i in range(len(row.args))]
    f = lambda *a: row.fn(mine, *a)  # noqa: E731
    got = _leaves(fg.vmap(f)(*stacked))
    loops = [_leaves(f(*d)) for d in draws]
    for k, g in enumerate(got):
        want = np.stack([np.asarray(lp[k]) for lp in loops])
        np.testing.assert_allclose(np.asarray(g), want, rtol=1e-9, atol=1e-10)


def compile_with_numba(rows, names):
    """Mark the first row of each of ``names`` to compile its jit row with Numba."""
    seen = set()
    for r in rows:
        if r.name in names and r.name not in seen:
            r.numba = True
            seen.add(r.name)
    missing = set(names) - seen
    assert not missing, missing


def missing_rows(public_names, rows):
    covered = {r.name for r in rows}
    return sorted(set(public_names) - covered), sorted(covered - set(public_names))
