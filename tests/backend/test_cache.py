"""The on-disk cache across processes, its failure modes, and the Python backend."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp

SCRIPT = r"""
import json, sys, warnings
import numpy as np
import funcgrad as fg, funcgrad.numpy as jnp
x = np.linspace(-2, 2, 50).astype(np.float32)
f = fg.jit(fg.grad(lambda x: jnp.sum(jnp.tanh(x) * x + jnp.exp(-x * x))))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    g = np.asarray(f(x))
want = 1 - np.tanh(x) ** 2
want = np.tanh(x) + x * want - 2 * x * np.exp(-x * x)
out = {"ok": bool(np.allclose(g, want, rtol=1e-5, atol=1e-6)), "numba": "numba" in sys.modules,
       "warnings": [str(m.message) for m in w]}
if out["numba"]:
    from funcgrad.backend import numba_backend as nb
    out.update(nb.cache_stats())
print(json.dumps(out))
"""


def _run(cache_dir, **env):
    e = dict(os.environ, FUNCGRAD_CACHE_DIR=str(cache_dir), **env)
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=e, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _versioned(cache_dir):
    (d,) = [p for p in pathlib.Path(cache_dir).iterdir() if p.name.startswith("fg-")]
    return d


def test_second_process_loads_kernels_from_disk_and_survives_corruption(tmp_path):
    cold = _run(tmp_path)
    assert cold["ok"] and cold["misses"] >= 1 and cold["hits"] == 0
    warm = _run(tmp_path)
    assert warm["ok"] and warm["misses"] == 0 and warm["hits"] == warm["kernels"] >= 1
    d = _versioned(tmp_path)
    assert any(p.name.startswith("rt_") for p in d.iterdir())
    # corrupt Numba's object files and truncate a kernel source: detected, recompiled, correct
    for p in (d / "__pycache__").glob("k_*.nbc"):
        p.write_bytes(b"garbage")
    kernel = next(p for p in d.iterdir() if p.name.startswith("k_"))
    kernel.write_text(kernel.read_text()[:40])
    broken = _run(tmp_path)
    assert broken["ok"] and broken["misses"] >= 1
    assert kernel.read_text().count("def k_") == 1      # the source file was written again
    again = _run(tmp_path)
    assert again["ok"] and again["misses"] == 0


def test_python_backend_runs_the_same_source_without_numba(tmp_path):
    r = _run(tmp_path, FUNCGRAD_BACKEND="python")
    assert r["ok"] and not r["numba"]


def test_import_does_not_load_numba_or_scipy():
    code = "import sys, funcgrad; print('numba' in sys.modules, 'scipy' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["False", "False"], r.stderr


def test_debug_levels_print_programs_source_and_times(monkeypatch, capsys, rng):
    monkeypatch.setenv("FUNCGRAD_DEBUG", "4")
    fg.jit(lambda x: jnp.sin(x) * 3.0)(rng.randn(3))
    err = capsys.readouterr().err
    assert "funcgrad.jit: compiling" in err and "optimized" in err
    assert "def run(" in err and "kernels ready in" in err


def test_unknown_backend_is_an_error(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_BACKEND", "cuda")
    with pytest.raises(ValueError, match="FUNCGRAD_BACKEND"):
        fg.jit(lambda x: x + 1)(np.ones(2))


def test_cache_dir_is_versioned_and_files_are_content_named(tmp_path, monkeypatch):
    from funcgrad.backend import cache
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path))
    d = cache.cache_dir()
    assert d.startswith(str(tmp_path)) and os.path.basename(d).startswith("fg-")
    p = os.path.join(d, "k_test.py")
    assert cache.write_once(p, "a = 1\n") and not cache.write_once(p, "a = 1\n")
    with open(p, "w") as f:
        f.write("a = ")                          # corrupt
    assert cache.write_once(p, "a = 1\n")
    assert open(p).read() == "a = 1\n"


def test_a_kernel_numba_rejects_is_reported_with_its_equations():
    from funcgrad.backend.program import KernelCompileError
    from funcgrad.core.lowering import Scalar
    from funcgrad.core.primitive import NOT_DIFFERENTIABLE, Primitive

    bad = Primitive("bad_op", abstract_eval=lambda x: x, impl=lambda x: x,
                    vjp=NOT_DIFFERENTIABLE("test"), jvp=NOT_DIFFERENTIABLE("test"),
                    batch=NOT_DIFFERENTIABLE("test"), lower=Scalar("no_such_function({0})"))
    f = fg.jit(lambda x: bad.bind(x * 2.0))
    with pytest.raises(KernelCompileError, match=r"(?s)fuses: mul bad_op.*FUNCGRAD_BACKEND=python"):
        f(np.ones(3))
