"""Native lowering (``backend/regions.py``): a jitted loop runs as one compiled region, with no
return to Python per iteration; its compile does not depend on the trip count."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.control import subprograms
from funcgrad.core.trace import Tracer

pytestmark = pytest.mark.skipif(os.environ.get("FUNCGRAD_BACKEND", "numba") != "numba",
                                reason="regions are compiled by Numba")


def newton_sqrt(a):
    return lax.while_loop(lambda x: jnp.abs(x * x - a) > 1e-12 * a, lambda x: 0.5 * (x + a / x), a)


@pytest.fixture
def count_interpreted(monkeypatch):
    """Counts sub-program runs by the Python interpreter (the impl path)."""
    calls = []
    real = subprograms.run

    def counting(jaxpr, args):
        args = list(args)
        if not any(isinstance(a, Tracer) for a in args):     # staging runs it on tracers
            calls.append(jaxpr)
        return real(jaxpr, args)
    monkeypatch.setattr(subprograms, "run", counting)
    for mod in ("funcgrad.control.cond", "funcgrad.control.loops", "funcgrad.control.while_grad"):
        monkeypatch.setattr(sys.modules[mod], "run", counting)
    return calls


def test_jit_grad_of_a_while_loop_runs_compiled(count_interpreted):
    g = fg.jit(fg.grad(newton_sqrt))
    text = g.lower(50.0).as_text()
    assert "region_while_grad" in text and "impl_while_grad" not in text
    for a in (0.5, 50.0, 1e6):
        fd = (float(newton_sqrt(a * (1 + 1e-6))) - float(newton_sqrt(a * (1 - 1e-6)))) / (2e-6 * a)
        del count_interpreted[:]
        got = float(g(a))
        assert not count_interpreted          # no Python per iteration
        assert got == pytest.approx(0.5 / np.sqrt(a), rel=1e-7)
        assert got == pytest.approx(fd, rel=1e-5)


@pytest.mark.parametrize("reverse", [False, True])
def test_jitted_scan_and_its_gradient_run_compiled(count_interpreted, reverse):
    rng = np.random.RandomState(0)
    w, xs = rng.randn(4, 4) * 0.3, rng.randn(7, 4).astype(np.float64)

    def loss(w, xs):
        def step(h, x):
            h = jnp.tanh(w @ h + x)
            return h, jnp.sum(h * h)
        h, ys = lax.scan(step, jnp.zeros(4), xs, reverse=reverse)
        return jnp.sum(h) + jnp.sum(ys * jnp.arange(7.0))
    want_v, want_g = fg.value_and_grad(loss)(w, xs)
    del count_interpreted[:]
    v, g = fg.jit(fg.value_and_grad(loss))(w, xs)
    assert not count_interpreted
    np.testing.assert_allclose(v, want_v, rtol=1e-12)
    np.testing.assert_allclose(g, want_g, rtol=1e-10)


def test_cond_and_switch_inside_a_jitted_scan(count_interpreted):
    def f(xs):
        def step(c, x):
            c = lax.cond(x > 0, lambda v: v + x, lambda v: v * 0.5, c)
            c = lax.switch((jnp.abs(x) * 2).astype(np.int32) % 3, [jnp.sin, jnp.cos, lambda v: v], c)
            return c, c
        return lax.scan(step, 1.0, xs)
    xs = np.random.RandomState(1).randn(9)
    want = f(xs)
    del count_interpreted[:]
    got = fg.jit(f)(xs)
    assert not count_interpreted
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-12)


def test_region_source_does_not_grow_with_the_trip_count():
    from funcgrad.backend import regions

    def f(xs):
        return lax.scan(lambda h, x: (jnp.tanh(h + x), h), jnp.zeros(3), xs)
    sizes = []
    for T in (100, 1000):
        fg.jit(f)(np.ones((T, 3)))
        srcs = [rc.source for rc in regions._LOADED.values() if f"range({T})" in rc.source]
        assert srcs
        sizes.append(len(srcs[-1]) - len(str(T)))
    assert abs(sizes[0] - sizes[1]) <= 2


def test_rnn_loss_and_grad_regions_do_not_grow_with_the_trip_count():
    """Issue #10's RNN (``benchmarks/bench_scan.py``, smaller sizes): the generated source of
    the forward and the backward scan of ``value_and_grad`` is the same text for T = 100 and
    T = 1000 up to its numbers (generated here without compiling it)."""
    import re
    from funcgrad.backend import regions
    H, I, B = 5, 3, 2

    def loss(params, xs):
        Wx, Wh, b = params

        def step(h, x):
            h = jnp.tanh(x @ Wx + h @ Wh + b)
            return h, h
        _, hs = lax.scan(step, jnp.zeros((B, H), np.float32), xs)
        return jnp.mean(hs * hs)
    params = (np.ones((I, H), np.float32), np.ones((H, H), np.float32), np.ones(H, np.float32))
    texts = []
    for T in (100, 1000):
        jaxpr = fg.make_jaxpr(fg.value_and_grad(loss))(params, np.ones((T, B, I), np.float32))
        scans = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
        assert len(scans) == 2                      # forward and backward
        srcs = []
        for e in scans:
            em = regions.Emitter()
            regions.gen_scan(em, e)
            srcs.append(em.module())
        assert f"range({T})" in srcs[0] and f"range({T})" in srcs[1]
        texts.append([re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", s) for s in srcs])
    assert texts[0] == texts[1]


_MEMORY_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as jnp
    from funcgrad import lax
    def status_kb(field):                         # this process's own counters (reset by exec)
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))
    def f(x, n):
        return jnp.sum(lax.while_loop(lambda c: c[1] < n, lambda c: (jnp.sin(c[0]), c[1] + 1),
                                      (x, 0))[0])
    g = fg.jit(fg.grad(f))
    x = np.linspace(0.0, 1.0, 100_000)           # 800 KB carry
    g(x, 2)                                       # compile
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                              # peak RSS := current RSS (Linux >= 4.0)
    before = status_kb("VmRSS")
    g(x, int(sys.argv[1]))
    print(status_kb("VmHWM") - before)
""")


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_compiled_while_grad_memory_grows_with_the_iterations_run(tmp_path):
    """Peak RSS growth of jit(grad) over a while loop: ~n x 800 KB for n iterations run.

    The child measures its own peak (``VmHWM``, reset after the compile), not
    ``getrusage().ru_maxrss``: Linux carries the parent's RSS high-water mark into the child's
    ``ru_maxrss`` across fork+exec, so under a grown pytest process (~560 MB in the full run)
    every child reported zero growth."""
    script = tmp_path / "mem.py"
    script.write_text(_MEMORY_SCRIPT)
    # a private cache (filled by the first run: the measured runs load, not compile) and no
    # FUNCGRAD_* settings left by other tests
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNCGRAD_")}
    env.update(PYTHONPATH=os.pathsep.join(sys.path), FUNCGRAD_CACHE_DIR=str(tmp_path / "cache"))

    def growth_kb(n):
        out = subprocess.run([sys.executable, str(script), str(n)], env=env, check=True,
                             capture_output=True, text=True, timeout=600)
        return int(out.stdout.strip().splitlines()[-1])
    growth_kb(2)          # fill the disk cache
    small, big = growth_kb(10), growth_kb(300)
    per_iteration_kb = (big - small) / 290
    assert 500 < per_iteration_kb < 2000, (small, big)   # 781 KB per carry (x2 at most for doubling)


@pytest.mark.parametrize("lanes", [1, 2])
@pytest.mark.parametrize("batch", [None, 5])
def test_hoisted_matmuls_match_eager(batch, lanes, monkeypatch):
    """``x_t @ Wx`` over the stacked xs before the loop, and the weight-gradient accumulations
    ``sum_t x_t^T dz_t`` after it (``regions.hoist_*``), give the eager numbers: computed in
    the region (one lane) or split over the lanes by ``RegionCall``."""
    from funcgrad.backend import regions
    monkeypatch.setattr(regions, "lane_count", lambda: lanes)
    rng = np.random.RandomState(2)
    T, I, H = 6, 3, 4
    xs = rng.randn(T, I) if batch is None else rng.randn(T, batch, I)
    Wx, Wh, Wt = rng.randn(I, H) * 0.5, rng.randn(H, H) * 0.5, rng.randn(H, I) * 0.5

    def loss(Wx, Wh, Wt, xs):
        def step(h, x):
            h = jnp.tanh(x @ Wx + h @ Wh + jnp.dot(x, Wt.T))
            return h, jnp.sum(h ** 2)
        h0 = jnp.zeros(H) if batch is None else jnp.zeros((batch, H))
        h, ys = lax.scan(step, h0, xs)
        return jnp.sum(ys) + jnp.sum(h)
    want = fg.value_and_grad(loss, argnums=(0, 1, 2, 3))(Wx, Wh, Wt, xs)
    got = fg.jit(fg.value_and_grad(loss, argnums=(0, 1, 2, 3)))(Wx, Wh, Wt, xs)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    for g, w in zip(got[1], want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    rcs = [rc for rc in regions._LOADED.values() if f"range({T})" in rc.source]
    assert any("hx" in rc.source for rc in rcs)              # the input product was hoisted
    if batch is not None:                                    # an accumulation was hoisted (to
        assert any(rc.post or ".T, ys" in rc.source for rc in rcs)   # RegionCall with lanes)


_NESTED = {
    "int_carry": (lambda xs: lax.scan(lambda c, x: ((c[0] + 1, c[1] + x * c[0]), c[0] > 2),
                                      (0, 0.0), xs), np.arange(5.0)),
    "length_0": (lambda xs: lax.scan(lambda c, x: (c + x, c), 1.0, xs), np.zeros((0,))),
    "scan_in_scan": (lambda xs: lax.scan(
        lambda c, row: (c + lax.scan(lambda d, v: (d * 0.5 + v, d), 0.0, row)[0], jnp.sum(row)),
        0.0, xs), np.arange(12.0).reshape(3, 4)),
    "while_in_scan": (lambda xs: lax.scan(
        lambda c, x: (lax.while_loop(lambda v: v < x, lambda v: v * 2.0 + 0.1, c), c), 0.5, xs),
        np.array([1.0, 5.0, 3.0, 40.0])),
    "scan_in_while": (lambda x: lax.while_loop(
        lambda c: c[1] < 3,
        lambda c: (lax.scan(lambda d, v: (jnp.tanh(d + v), None), c[0], jnp.ones((2, 3)))[0],
                   c[1] + 1), (x, 0)), np.ones(3)),
    "f32_fori": (lambda x: lax.fori_loop(0, 5, lambda i, c: c * np.float32(1.5) + i, x),
                 np.float32(1.0)),
    "grad_of_nested_scans": (fg.grad(lambda w: jnp.sum(lax.scan(
        lambda c, row: (c + lax.scan(lambda d, v: (jnp.sin(d * w + v), d), 0.0, row)[0], None),
        0.0, jnp.ones((3, 4)))[0])), 0.7),
    "grad_of_switch_in_scan": (fg.grad(lambda x: jnp.sum(lax.scan(
        lambda c, i: (lax.switch(i, [jnp.sin, jnp.cos, lambda v: v * v], c), c), x,
        jnp.array([0, 2, 1, 2]))[1])), 0.4),
    "grad_of_while_with_int_carries": (fg.grad(lambda x: lax.while_loop(
        lambda c: c[1] < 4, lambda c: (c[0] * jnp.cos(c[0]), c[1] + 1, c[2] + c[0]),
        (x, 0, x))[2]), 0.3),
}


@pytest.mark.parametrize("name", sorted(_NESTED))
def test_nested_and_unusual_loops_compile_natively(name, count_interpreted):
    f, x = _NESTED[name]
    want = f(x)
    del count_interpreted[:]
    got = fg.jit(f)(x)
    assert not count_interpreted
    for a, b in zip(fg.tree_util.tree_leaves(want), fg.tree_util.tree_leaves(got)):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-6)
