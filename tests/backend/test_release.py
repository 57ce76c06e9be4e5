"""Compiled code is released: a bounded table of loaded kernels (LRU), and ``linecache``
entries of generated drivers that go away with their programs."""
import gc
import json
import linecache
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp


@pytest.fixture
def small_kernel_table():
    from funcgrad.backend import numba_backend as nb
    old = nb.kernel_cache_size()
    nb.kernel_cache_size(3)
    yield nb
    nb.kernel_cache_size(old)


def test_loaded_kernels_are_bounded_by_the_configured_size(small_kernel_table):
    nb = small_kernel_table
    x = np.linspace(-0.5, 0.5, 16)
    ops = [jnp.sin, jnp.cos, jnp.tanh, jnp.exp, jnp.log1p, jnp.expm1]
    refs = [np.sin, np.cos, np.tanh, np.exp, np.log1p, np.expm1]
    fns = [fg.jit(lambda v, op=op: op(v) * 1.25) for op in ops]
    nb.clear_kernels()
    before = {m for m in sys.modules if m.startswith("_funcgrad_k_")}   # (other loaders' modules)
    before_src = {os.path.abspath(k) for k in linecache.cache}
    for fn, ref in zip(fns, refs):
        np.testing.assert_allclose(fn(x), ref(x) * 1.25, rtol=1e-13)
        assert len(nb._KERNELS) <= 3
    loaded = [m for m in sys.modules if m.startswith("_funcgrad_k_") and m not in before]
    assert len(loaded) <= 3, loaded
    sources = {os.path.abspath(k) for k in linecache.cache
               if os.path.basename(k).startswith("k_")} - before_src  # (Numba: relative names too)
    assert len(sources) <= 3, sources
    for fn, ref in zip(fns, refs):          # evicted kernels: their programs still run
        np.testing.assert_allclose(fn(x), ref(x) * 1.25, rtol=1e-13)
    fns[0].clear_cache()                     # and reload from the disk cache when needed
    np.testing.assert_allclose(fns[0](x), np.sin(x) * 1.25, rtol=1e-13)
    with pytest.raises(ValueError, match="at least 1"):
        nb.kernel_cache_size(0)


def test_driver_source_leaves_linecache_with_its_program():
    f = fg.jit(lambda v: jnp.sin(v) * 4.5 - 1.0)
    before = set(linecache.cache)
    f(np.ones(3))
    new = {k for k in set(linecache.cache) - before if k.rsplit("/", 1)[-1].startswith("p_")}
    assert new, "the driver's source is in linecache (tracebacks show it)"
    f.clear_cache()
    gc.collect()
    assert not (new & set(linecache.cache)), new & set(linecache.cache)


# --------------------------------------------------------------------------- memory (#13 item 8)

_LAMBDAS_SCRIPT = textwrap.dedent("""
    import gc, json, linecache, os, weakref
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as jnp
    from funcgrad.backend import numba_backend as nb

    def rss_mb():                      # current (not peak) resident set size
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20

    def drivers():
        return sum(1 for k in list(linecache.cache) if os.path.basename(k).startswith("p_"))

    refs = []

    def jit_call_drop(cs, x):
        for c in cs:                   # three programs per constant, kernels and a gradient
            fns = [fg.jit(lambda v: v * c + 1.0),
                   fg.jit(lambda v: jnp.sum(jnp.tanh(v * c) * v + c) / (1.0 + c)),
                   fg.jit(fg.grad(lambda v: jnp.sum(jnp.sin(v * c) ** 2)))]
            for f in fns:
                f(x)
                refs.append(weakref.ref(f))
        gc.collect()

    out = {}
    for label, n in (("kernels", 1000), ("regions", 3)):     # (tiny arrays run as njit regions)
        x = np.linspace(-1.0, 1.0, n)
        jit_call_drop([0.5], x)        # warm-up: compiles (or loads) the kernels
        start, compiled, d0 = rss_mb(), len(nb.compile_log), drivers()
        jit_call_drop([0.3 + 0.0037 * i for i in range(100)], x)   # (no 0, 1 or 2: simplified)
        out[label] = {"start_mb": start, "growth_mb": rss_mb() - start,
                      "new_kernels": len(nb.compile_log) - compiled,
                      "drivers_left": drivers() - d0}
    gc.collect()
    out["alive"] = sum(r() is not None for r in refs)
    print(json.dumps(out))
""")


_SHAPES_SCRIPT = textwrap.dedent("""
    import gc, json, linecache, os
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as jnp

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20

    f = fg.jit(lambda v: jnp.sum(jnp.tanh(v) * v) + v * 2.0)
    most = 0
    for n in range(1, 501):
        x = np.linspace(0.0, 1.0, n)
        np.testing.assert_allclose(f(x), np.sum(np.tanh(x) * x) + x * 2.0, rtol=1e-12)
        most = max(most, f._cache_size())
        if n == 100:
            gc.collect()
            start = rss_mb()
    gc.collect()
    drivers = sum(1 for k in list(linecache.cache) if os.path.basename(k).startswith("p_"))
    print(json.dumps({"most": most, "size": f._cache_size(), "fast": len(f._fast),
                      "drivers": drivers, "growth_mb": rss_mb() - start}))
""")


def _run_script(tmp_path, script, **env_extra):
    """``script`` in a fresh process with a private cache and no inherited FUNCGRAD_* settings;
    run twice (the first fills the disk cache: the measured run compiles nothing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNCGRAD_")}
    env.update(PYTHONPATH=os.pathsep.join(sys.path), FUNCGRAD_CACHE_DIR=str(tmp_path / "cache"),
               **env_extra)
    path = tmp_path / "script.py"
    path.write_text(script)
    for _ in range(2):
        r = subprocess.run([sys.executable, str(path)], env=env, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_rss_returns_after_jitting_and_dropping_100_lambdas(tmp_path):
    """#13: RSS after jitting, calling and dropping 100 lambdas (x3 programs each) that differ in
    a constant is within 20 MB of its start; a new constant compiles no new kernel (constants
    are kernel arguments), and every dropped function and driver is released."""
    out = _run_script(tmp_path, _LAMBDAS_SCRIPT)
    for label in ("kernels", "regions"):
        o = out[label]
        assert o["growth_mb"] < 20, out
        assert o["new_kernels"] == 0, out
        assert o["drivers_left"] <= 0, out
    assert out["alive"] == 0, out


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")
def test_a_function_at_500_shapes_keeps_at_most_the_configured_bound(tmp_path):
    out = _run_script(tmp_path, _SHAPES_SCRIPT, FUNCGRAD_JIT_CACHE_SIZE="16")
    assert out["most"] == 16 and out["size"] == 16 and out["fast"] <= 16, out
    assert out["drivers"] <= 16, out          # dropped programs' drivers are released
    assert out["growth_mb"] < 20, out
