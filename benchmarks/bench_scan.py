"""RNN loss + gradient through ``lax.scan``, jitted: funcgrad vs hand-written NumPy vs JAX.

The model (issue #10's acceptance): hidden 128, input 64, T = 100 steps, batch 32, float32::

    h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b),   loss = mean(h_t ** 2 over t, batch, units)

``value_and_grad`` with respect to (Wx, Wh, b). All libraries run in one process, in alternating
rounds (so machine noise hits each alike); each round times ``--calls`` calls; we print the
median per-call time of each and the median of the per-round (paired) ratios.

Compile time: a fresh interpreter with an empty funcgrad cache directory traces and compiles the
jitted loss+grad for T = 100 and T = 1000 (the region's code does not depend on T, so neither
should the compile time); the warm time (second process, same cache) is reported too.

    python benchmarks/bench_scan.py [--rounds 15] [--calls 10] [--no-compile]
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
t0 = time.perf_counter()
import numpy as np
sys.path.insert(0, {bench_dir!r})
from bench_scan import init, make_loss
import funcgrad as fg, funcgrad.numpy as fjnp
T = int(sys.argv[1])
params, xs = init(T=T)
t1 = time.perf_counter()
f = fg.jit(fg.value_and_grad(make_loss(fjnp, fg.lax)))
f(params, xs)
t2 = time.perf_counter()
f(params, xs)
t3 = time.perf_counter()
print(t2 - t1, t3 - t2)
"""


def run_compile():
    here = os.path.dirname(os.path.abspath(__file__))
    src = _COMPILE_SCRIPT.format(bench_dir=here)
    print("compile (trace + lower + Numba) of jit(value_and_grad(loss)), fresh process:")
    for Tn in (100, 1000):
        with tempfile.TemporaryDirectory(prefix="fg-bench-scan-") as d:
            env = dict(os.environ, FUNCGRAD_CACHE_DIR=d)
            res = []
            for _ in range(2):       # cold cache, then warm (Numba's on-disk cache)
                out = subprocess.run([sys.executable, "-c", src, str(Tn)], env=env,
                                     capture_output=True, text=True, check=True)
                res.append([float(x) for x in out.stdout.split()[-2:]])
        (cold, run1), (warm, _) = res
        print(f"  T={Tn:5d}: cold cache {cold:6.2f} s, warm cache {warm:6.2f} s "
              f"(then {1e3 * run1:.1f} ms per call)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    run_speed(args.rounds, args.calls)
    if not args.no_compile:
        run_compile()


if __name__ == "__main__":
    main()
