"""The coverage table: every public callable of ``funcgrad.numpy``, ``funcgrad.scipy.special``
and ``funcgrad.nn`` has at least one row, checked for value (vs NumPy/SciPy), traced
evaluation, gradients (vs finite differences), ``vmap`` and ``jit``. A public name without a
row fails ``test_every_public_name_has_a_row``. (``funcgrad.numpy.linalg`` has its own table.)

``jit`` rows run on the Python backend here (same generated program, no Numba compile); the
``slow`` run compiles every row with Numba.
"""
import importlib

import numpy as np
import pytest

from . import coverage as cov
from .coverage_tables import PARTIAL, TABLES

MODULE_OF = {key: importlib.import_module(mod) for key, (mod, _, _) in TABLES.items()}
SKIP = {"funcgrad.numpy": {"linalg", "fft"}}


def _public_callables(module, skip=()):
    names = getattr(module, "__all__", None) or dir(module)
    return sorted(n for n in names if not n.startswith("_") and n not in skip
                  and callable(getattr(module, n)))


@pytest.mark.parametrize("key", sorted(TABLES))
def test_every_public_name_has_a_row(key):
    mod, _, rows = TABLES[key]
    covered = {r.name for r in rows}
    missing = sorted(set(_public_callables(MODULE_OF[key], SKIP.get(mod, ()))) - covered)
    if key in PARTIAL:
        missing = []
    assert not missing, f"public names of {mod} without a row in the coverage table: {missing}"
    unknown = sorted(covered - set(dir(MODULE_OF[key])))
    assert not unknown, f"rows name functions {mod} does not have: {unknown}"


ALL = [(key, r) for key in sorted(TABLES) for r in TABLES[key][2]]
ROWS = [(k, r) for k, r in ALL if isinstance(r, cov.Row)]
CHECKS = [(k, r) for k, r in ALL if isinstance(r, cov.Check)]


def _ids(items):
    seen = {}
    out = []
    for k, r in items:
        i = f"{k.split('.')[-1]}.{r.id}"
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i}#{seen[i]}")
    return out


@pytest.mark.parametrize("key,row", CHECKS, ids=_ids(CHECKS))
def test_name_check(key, row):
    result = row.check(getattr(MODULE_OF[key], row.name))
    assert result is None or bool(result), f"{row.name}: check returned {result!r}"


@pytest.mark.parametrize("key,row", ROWS, ids=_ids(ROWS))
def test_row(key, row):
    module, ref = MODULE_OF[key], importlib.import_module(TABLES[key][1]) if TABLES[key][1] else None
    cov.check_value(row, module, ref)
    if row.stage:
        cov.check_traced_row(row, module)
    cov.check_gradient(row, module)
    if row.stage and row.vmap:
        cov.check_vmap(row, module)


JIT = [(k, r) for k, r in ROWS if r.stage and r.jit]


@pytest.mark.parametrize("key,row", JIT, ids=_ids(JIT))
def test_row_jit(key, row, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_BACKEND", "python")
    cov.check_jit(row, MODULE_OF[key])


@pytest.mark.slow
@pytest.mark.parametrize("key,row", JIT, ids=_ids(JIT))
def test_row_jit_numba(key, row):
    cov.check_jit(row, MODULE_OF[key])


_PY_INT_RESULTS = {"shape", "ndim", "size", "broadcast_shapes"}   # Python ints, not arrays


def _as_32_bit(arrays):
    to32 = {np.dtype(np.float64): np.float32, np.dtype(np.int64): np.int32}
    return [np.asarray(a).astype(to32.get(np.asarray(a).dtype, np.asarray(a).dtype)) for a in arrays]


def test_traced_dtypes_match_eager_with_x64_off(monkeypatch):
    """With ``jax_enable_x64`` off, every traceable row gives the eager dtypes when staged and
    when recorded (32-bit inputs: 64-bit ones would be canonicalized at the boundary)."""
    import funcgrad as fg
    fg.config.update("jax_enable_x64", False)
    monkeypatch.setattr(cov, "draw", lambda row, seed=0, _draw=cov.draw: _as_32_bit(_draw(row, seed)))
    failures = []
    for key, row in ROWS:
        if not row.stage or row.name in _PY_INT_RESULTS:
            continue
        try:
            cov.check_traced_row(row, MODULE_OF[key])
        except AssertionError as e:
            failures.append(f"{key}.{row.id}: {str(e).splitlines()[0]}")
    assert not failures, "\n".join(failures)
