"""Lanes (``backend/lanes.py``): big steps split by rows over all cores.

The schedule is checked on its structure (which steps share a phase) and every split program
against the serial driver; ``FUNCGRAD_LANES_MIN_WORK=0`` forces phases on small arrays and
``FUNCGRAD_LANES=3`` uneven splits.
"""
import os
import threading

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.backend import lanes, process
from funcgrad.backend.fusion import plan


def mlp_step(params, x, y):
    def loss(params):
        h = x
        for w, b in params[:-1]:
            h = jnp.tanh(h @ w + b)
        w, b = params[-1]
        return -jnp.mean(jnp.sum(fg.nn.log_softmax(h @ w + b) * y, axis=-1))
    value, grads = fg.value_and_grad(loss)(params)
    return [(w - 0.1 * gw, b - 0.1 * gb) for (w, b), (gw, gb) in zip(params, grads)], value


def mlp_data(batch=37, sizes=(13, 11, 9, 5), dtype=np.float64):
    rng = np.random.RandomState(0)
    params = [((rng.randn(m, n) / np.sqrt(m)).astype(dtype), rng.randn(n).astype(dtype))
              for m, n in zip(sizes[:-1], sizes[1:])]
    x = rng.randn(batch, sizes[0]).astype(dtype)
    y = np.eye(sizes[-1], dtype=dtype)[rng.randint(0, sizes[-1], batch)]
    return params, x, y


def optimized_plan(fn, *args):
    """The fusion plan of ``fn``'s program as ``jit`` lowers it (after the passes)."""
    return plan(fg.jit(fn).lower(*args).jaxpr.jaxpr)


@pytest.fixture
def forced(monkeypatch):
    """Phases however small the arrays."""
    monkeypatch.setenv("FUNCGRAD_LANES_MIN_WORK", "0")
    return monkeypatch


def run(fn, args, monkeypatch, n_lanes, backend="numba"):
    with monkeypatch.context() as m:
        m.setenv("FUNCGRAD_LANES", str(n_lanes))
        m.setenv("FUNCGRAD_BACKEND", backend)
        jitted = fg.jit(fn)
        return jitted(*args), jitted.lower(*args).as_text()


def assert_trees_close(a, b, rtol=1e-12):
    la, lb = fg.tree_util.tree_leaves(a), fg.tree_util.tree_leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=rtol)


def test_mlp_step_schedule_is_two_phases():
    """Forward and backward passes split by batch rows are one phase; the weight gradients and
    the update, split by weight rows, are the next."""
    params, x, y = mlp_data(batch=256, sizes=(64, 64, 64, 10), dtype=np.float32)
    units = lanes.schedule(optimized_plan(mlp_step, params, x, y), lanes=2, blas_ok=True, work=0)
    phases = [u for u in units if u.kind == "phase"]
    assert len(phases) == 2
    first = [s for s in phases[0].steps if s.kind == "driver"]
    assert all(sp.bounds == (0, 128, 256) for sp in phases[0].splits if sp.matmul is not None)
    assert len(first) == 5            # 3 forward matmuls, 2 backward d @ w.T
    second = [s for s in phases[1].steps if s.kind == "driver"]
    assert len(second) == 3           # the weight gradients h.T @ d
    # a reduction over the batch rows (the bias gradients) is one partial per lane
    assert sum(len(sp.partials) for sp in phases[0].splits) >= 3


def test_no_phase_below_the_work_threshold():
    params, x, y = mlp_data()
    units = lanes.schedule(optimized_plan(mlp_step, params, x, y), lanes=2, blas_ok=True)
    assert all(u.kind == "serial" for u in units)


def test_no_matmul_split_without_blas_thread_control():
    params, x, y = mlp_data(batch=256, sizes=(64, 64, 64, 10), dtype=np.float32)
    units = lanes.schedule(optimized_plan(mlp_step, params, x, y), lanes=2, blas_ok=False, work=0)
    assert all(sp.matmul is None for u in units for sp in u.splits)


@pytest.mark.parametrize("n_lanes", [2, 3])
@pytest.mark.parametrize("backend", ["numba", "python"])
def test_mlp_step_same_values_as_serial(forced, n_lanes, backend):
    params, x, y = mlp_data()
    want, _ = run(mlp_step, (params, x, y), forced, 1, backend)
    got, text = run(mlp_step, (params, x, y), forced, n_lanes, backend)
    assert "_run_phase(" in text
    assert_trees_close(got, want)


def test_mlp_step_float32_batch_not_divisible(forced):
    params, x, y = mlp_data(batch=101, dtype=np.float32)
    want, _ = run(mlp_step, (params, x, y), forced, 1)
    got, text = run(mlp_step, (params, x, y), forced, 3)
    assert "(0, 33, 67, 101)" in text
    assert_trees_close(got, want, rtol=2e-6)


@pytest.mark.parametrize("dtype,rows,k,transposed", [
    (np.float32, 128, 512, True),     # W1's d @ W2.T: 64 rows a lane
    (np.float32, 128, 256, False),    # too narrow to gain
    (np.float32, 256, 512, False),    # 128 rows a lane: no gain
    (np.float64, 128, 512, False),    # dgemm: the direct form is faster
])
def test_input_gradient_product_transposed_only_where_it_pays(forced, dtype, rows, k, transposed):
    """A lane's ``d[rows] @ W.T`` is ``(W @ d[rows].T).T`` only where OpenBLAS packs the
    transposed operand slowly (``phases._transposed_pays``); the values are the same."""
    rng = np.random.RandomState(3)
    d = rng.randn(rows, k).astype(dtype)
    w = (rng.randn(k, k) / np.sqrt(k)).astype(dtype)

    def f(d, w):
        return jnp.tanh(d @ w.T) * 2.0
    want, _ = run(f, (d, w), forced, 1)
    got, text = run(f, (d, w), forced, 2)
    assert ("(B @ A.T).T" in text) == transposed
    assert_trees_close(got, np.tanh(d.astype(np.float64) @ w.T.astype(np.float64)) * 2.0,
                       rtol=2e-5 if dtype == np.float32 else 1e-12)
    assert_trees_close(got, want, rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_reductions_over_the_split_rows_combine_partials(forced):
    def f(x):
        s = jnp.sin(x)
        return jnp.sum(s, axis=0), jnp.max(s * 2.0, axis=0), jnp.min(s, axis=0), jnp.prod(
            1.0 + 0.1 * s, axis=0)
    x = np.random.RandomState(1).randn(50, 7)
    x[3, 2] = np.nan
    want, _ = run(f, (x,), forced, 1)
    got, text = run(f, (x,), forced, 2)
    assert "np.maximum.reduce(" in text and "np.add.reduce(" in text
    assert_trees_close(got, want)
    assert np.isnan(np.asarray(got[1])[2]) and np.isnan(np.asarray(got[2])[2])


def test_whole_read_in_a_phase_blocks_in_place_writes(forced):
    """``t`` is complete when a phase starts that reads it whole (``x2 @ t``) and row by row
    (``t * s``, where ``t`` dies): the second step must not overwrite ``t`` in place, the other
    lane may still be reading those rows."""
    def f(x, w, x2):
        t = jnp.tanh(x @ w)
        s = jnp.sum(t)              # a full reduction: serial, so t is complete after it
        return x2 @ t, t * s
    rng = np.random.RandomState(2)
    x, w, x2 = rng.randn(64, 64), rng.randn(64, 64), rng.randn(64, 64)
    want, _ = run(f, (x, w, x2), forced, 1)
    got, text = run(f, (x, w, x2), forced, 2)
    assert_trees_close(got, want)
    last = text[text.rindex("def _phase"):].split("_run_phase(")[0]
    assert "np.matmul(" in last and "k_" in last      # both steps share the phase
    mul_step = text[text.index("    # mul "):text.rindex("def _phase")]
    assert "written in place" not in mul_step and "np.empty((64, 64)" in mul_step


def test_run_phase_reraises_a_lane_error_and_stays_usable():
    seen = []

    def fn(j):
        seen.append(j)
        if j == 1:
            raise ZeroDivisionError("lane 1")
    with pytest.raises(ZeroDivisionError, match="lane 1"):
        process.run_phase(fn, 2)
    out = np.zeros(3)

    def ok(j):
        out[j] = j + 1
    process.run_phase(ok, 3)
    assert out.tolist() == [1, 2, 3]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_run_phase_in_a_forked_child():
    process.run_phase(lambda j: None, 2)        # the parent's lane threads exist
    pid = os.fork()
    if pid == 0:                              # child: new lane threads, same results
        code = 1
        try:
            out = np.zeros(2)
            process.run_phase(lambda j: out.__setitem__(j, j + 1), 2)
            code = 0 if out.tolist() == [1, 2] else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_run_phase_restores_blas_threads():
    blas = process.blas_threads_control()
    if blas is None:
        pytest.skip("no OpenBLAS thread control in this NumPy")
    before = blas(3)
    try:
        process.run_phase(lambda j: None, 2)
        assert blas(3) == 3
    finally:
        blas(before)


def test_regions_with_small_products_run_on_one_blas_thread(monkeypatch):
    """A scan whose step multiplies small matrices runs with compiled code's BLAS on one
    thread (restored after); one with large products keeps the BLAS threads."""
    from funcgrad import lax
    from funcgrad.backend import regions
    blas = process.kernel_blas_threads_control()
    if blas is None:
        pytest.skip("no OpenBLAS thread control in SciPy")
    seen = []
    real = process.run_on_one_blas_thread

    def spy(fn, *args):
        seen.append(fn)
        return real(fn, *args)
    monkeypatch.setattr(process, "run_on_one_blas_thread", spy)

    def rnn(w, xs):
        return lax.scan(lambda h, x: (jnp.tanh(h @ w + x), None), xs[0], xs)[0]
    small = np.full((16, 16), 0.1, np.float32), np.ones((3, 4, 16), np.float32)
    big = np.full((2048, 2048), 1e-3, np.float32), np.ones((2, 8, 2048), np.float32)
    before = blas(2)
    try:
        for w, xs in (small, big):
            np.testing.assert_allclose(fg.jit(rnn)(w, xs), rnn(w, xs), rtol=1e-5)
        assert blas(2) == 2                    # restored
    finally:
        blas(before)
    flags = {rc.fn: rc.small_dots for rc in regions._LOADED.values()}
    assert len(seen) == 1 and flags[seen[0]] is True
    assert False in flags.values()


def test_concurrent_callers_get_their_own_results(forced):
    forced.setenv("FUNCGRAD_LANES", "2")
    step = fg.jit(mlp_step)
    datas = [mlp_data(batch=40 + k) for k in range(4)]
    want = [mlp_step(*d) for d in datas]
    step(*datas[0])
    results = [None] * len(datas)

    def work(k):
        for _ in range(20):
            results[k] = step(*datas[k])
    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(datas))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, w in zip(results, want):
        assert_trees_close(got, w, rtol=1e-10)


def test_lane_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_LANES", "3")
    assert lanes.lane_count() == 3
    monkeypatch.setenv("FUNCGRAD_LANES", "0")
    with pytest.raises(ValueError, match="FUNCGRAD_LANES"):
        lanes.lane_count()
    monkeypatch.delenv("FUNCGRAD_LANES")
    assert 1 <= lanes.lane_count() <= lanes.MAX_LANES


def test_one_switch_turns_off_every_process_wide_change():
    """FUNCGRAD_PROCESS_TUNING=0: one lane (no worker threads), BLAS threads and the allocator
    left alone; a jitted program still gives the same result."""
    import subprocess
    import sys
    code = ("import threading, numpy as np, funcgrad as fg, funcgrad.numpy as jnp\n"
            "from funcgrad.backend import lanes, process\n"
            "f = fg.jit(lambda x, w: jnp.tanh(x @ w))\n"
            "x = np.ones((256, 512), np.float32) * 0.01\n"
            "print(float(f(x, x.T).sum()), lanes.lane_count(), process.blas_threads_control(),\n"
            "      process.kernel_blas_threads_control(), process.tune_malloc(),\n"
            "      sum(t.name.startswith('funcgrad-lane') for t in threading.enumerate()))\n")
    env = dict(os.environ, FUNCGRAD_PROCESS_TUNING="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout.split()
    assert out[1:] == ["1", "None", "None", "False", "0"], out
    expected = float(np.tanh(np.full((256, 256), 512 * 1e-4, np.float32)).sum())
    assert abs(float(out[0]) - expected) < 1e-2 * abs(expected)
