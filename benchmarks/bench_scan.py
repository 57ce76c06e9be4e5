"""RNN loss + gradient through ``lax.scan``, jitted: funcgrad vs hand-written NumPy vs JAX.

The model (issue #10's acceptance): hidden 128, input 64, T = 100 steps, batch 32, float32::

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b),   loss = mean(h_t ** 2 over t, batch, units)

``value_and_grad`` with respect to (Wx, Wh, b). All libraries run in one process, in alternating
rounds (so machine noise hits each alike); each round times ``--calls`` calls; we print the
median per-call time of each and the median of the per-round (paired) ratios.

Compile time: a fresh interpreter with an empty funcgrad cache directory traces and compiles the
jitted loss+grad for T = 100 and T = 1000 (the region's code does not depend on T, so neither
should the compile time); the warm time (second process, same cache) is reported too. Both are
the first call minus the second, in wall-clock and CPU seconds.

    python benchmarks/bench_scan.py [--rounds 15] [--calls 10] [--no-compile | --compile-only]
                                    [--compile-repeats 1]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

H, I, T, B = 128, 64, 100, 32


def init(seed=0, T=T):
    rng = np.random.RandomState(seed)
    Wx = (rng.randn(I, H) / np.sqrt(I)).astype(np.float32)
    Wh = (rng.randn(H, H) / np.sqrt(H)).astype(np.float32)
    b = np.zeros(H, np.float32)
    xs = rng.randn(T, B, I).astype(np.float32)
    return (Wx, Wh, b), xs


def make_loss(np_mod, lax):
    def loss(params, xs):
        Wx, Wh, b = params

        def step(h, x):
            h = np_mod.tanh(x @ Wx + h @ Wh + b)
            return h, h
        h0 = np_mod.zeros((xs.shape[1], Wh.shape[0]), xs.dtype)
        _, hs = lax.scan(step, h0, xs)
        return np_mod.mean(hs * hs)
    return loss


def numpy_value_and_grad(params, xs):
    """Hand-written forward and backward (backprop through time)."""
    Wx, Wh, b = params
    Tn, Bn, _ = xs.shape
    hs = np.empty((Tn + 1, Bn, H), np.float32)
    hs[0] = 0.0
    for t in range(Tn):
        hs[t + 1] = np.tanh(xs[t] @ Wx + hs[t] @ Wh + b)
    n = hs[1:].size
    loss = np.float32(np.sum(hs[1:] * hs[1:]) / n)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh = np.zeros((Bn, H), np.float32)
    scale = np.float32(2.0 / n)
    for t in range(Tn - 1, -1, -1):
        h = hs[t + 1]
        dh = dh + scale * h
        dz = dh * (1.0 - h * h)
        dWx += xs[t].T @ dz
        dWh += hs[t].T @ dz
        db += dz.sum(axis=0)
        dh = dz @ Wh.T
    return loss, (dWx, dWh, db)


def _time(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def run_speed(rounds, calls):
    import funcgrad as fg
    import funcgrad.numpy as fjnp
    params, xs = init()
    fg_step = fg.jit(fg.value_and_grad(make_loss(fjnp, fg.lax)))
    contenders = {"funcgrad": lambda: fg_step(params, xs),
                  "numpy": lambda: numpy_value_and_grad(params, xs)}
    try:
        import jax
        import jax.numpy as jjnp
        jax_step = jax.jit(jax.value_and_grad(make_loss(jjnp, jax.lax)))
        jparams = tuple(jax.device_put(p) for p in params)
        jxs = jax.device_put(xs)
        contenders["jax"] = lambda: jax.block_until_ready(jax_step(jparams, jxs))
    except ImportError:
        print("jax is not installed: skipping it")
    # correctness first: every library agrees with the NumPy reference
    ref_loss, ref_grads = numpy_value_and_grad(params, xs)
    v, g = fg_step(params, xs)
    assert np.allclose(v, ref_loss, rtol=1e-4), (v, ref_loss)
    for a, r in zip(g, ref_grads):
        assert np.allclose(a, r, rtol=2e-3, atol=1e-6), np.abs(a - r).max()
    for fn in contenders.values():     # warm-up (compiles)
        fn()
    times = {k: [] for k in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            times[name].append(_time(fn, calls))
    print(f"RNN loss+grad via scan, H={H} I={I} T={T} B={B} float32: median ms/call over "
          f"{rounds} rounds x {calls} calls")
    for name, ts in times.items():
        print(f"  {name:9s} {1e3 * statistics.median(ts):8.3f} ms   "
              f"(min {1e3 * min(ts):.3f}, max {1e3 * max(ts):.3f})")
    for other in [k for k in times if k != "funcgrad"]:
        ratios = [a / b for a, b in zip(times["funcgrad"], times[other])]
        print(f"  funcgrad / {other}: median paired ratio {statistics.median(ratios):.3f} "
              f"(range {min(ratios):.3f} .. {max(ratios):.3f})")


_COMPILE_SCRIPT = """
import sys, time
import numpy as np
sys.path.insert(0, {bench_dir!r})
from bench_scan import init, make_loss
import funcgrad as fg, funcgrad.numpy as fjnp
T = int(sys.argv[1])
params, xs = init(T=T)
f = fg.jit(fg.value_and_grad(make_loss(fjnp, fg.lax)))
marks = [(time.perf_counter(), time.process_time())]
for _ in range(2):
    f(params, xs)
    marks.append((time.perf_counter(), time.process_time()))
(w0, c0), (w1, c1), (w2, c2) = marks
print(w1 - w0, c1 - c0, w2 - w1, c2 - c1)
"""


def run_compile(repeats=1):
    """Median over ``repeats`` of cold and warm first calls, T = 100 and 1000 alternating (so
    machine noise hits both alike). The compile time is the first call minus the second (which
    only runs the program), in wall-clock and in this process's CPU seconds (less disturbed by
    other jobs on a loaded machine)."""
    here = os.path.dirname(os.path.abspath(__file__))
    src = _COMPILE_SCRIPT.format(bench_dir=here)
    print(f"compile (trace + lower + Numba) of jit(value_and_grad(loss)), fresh process, "
          f"first call minus second call, median of {repeats}; wall s (CPU s):")
    res = {100: [], 1000: []}
    for _ in range(repeats):
        for Tn in res:
            with tempfile.TemporaryDirectory(prefix="fg-bench-scan-") as d:
                env = dict(os.environ, FUNCGRAD_CACHE_DIR=d)
                for cache in ("cold", "warm"):    # empty cache dir, then Numba's on-disk cache
                    out = subprocess.run([sys.executable, "-c", src, str(Tn)], env=env,
                                         capture_output=True, text=True, check=True)
                    w1, c1, w2, c2 = (float(x) for x in out.stdout.split()[-4:])
                    res[Tn].append((cache, w1 - w2, c1 - c2, w2))
    for Tn, rs in res.items():
        line = []
        for cache in ("cold", "warm"):
            sel = [r for r in rs if r[0] == cache]
            wall, cpu = (statistics.median(r[i] for r in sel) for i in (1, 2))
            line.append(f"{cache} {wall:6.2f} s ({cpu:5.2f} s)")
        run = statistics.median(r[3] for r in rs)
        print(f"  T={Tn:5d}: " + ", ".join(line) + f"; a call then takes {1e3 * run:.1f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--compile-only", action="store_true")
    ap.add_argument("--compile-repeats", type=int, default=1)
    args = ap.parse_args()
    if not args.compile_only:
        run_speed(args.rounds, args.calls)
    if not args.no_compile:
        run_compile(args.compile_repeats)


if __name__ == "__main__":
    main()
