"""How close W1 (the jitted MLP training step) can get to JAX: the matmul floor, in one process.

    python benchmarks/bench_w1_floor.py              # needs jax; --rounds 15 --calls 40

W1 is a 784-512-512-10 tanh MLP, softmax cross-entropy, batch 128, float32: loss, gradient and
SGD update under one ``jit``. Its eight matrix products (3 forward, 2 input-gradient, 3
weight-gradient: 0.51 GFLOP) are most of the step. funcgrad runs them with NumPy's BLAS
(OpenBLAS); JAX runs them with XLA's own CPU GEMM. This script times, in the same rounds (the
order rotates each round; medians of paired ratios against JAX's whole step):

- ``funcgrad step``   the jitted W1 step;
- ``jax step``        the same step in JAX;
- ``jax gemms``       only the step's eight products, jitted in JAX;
- ``blas gemms``      only the eight products, ``np.matmul`` into preallocated outputs on NumPy's
                      BLAS with its threads (what funcgrad's driver calls, without the lanes);
- ``blas gemms split`` the same products split by rows over two threads, one BLAS thread each
                      (what funcgrad's lanes do).

If ``blas gemms`` alone is near or above 0.9x ``jax step``, no schedule of the elementwise work
around OpenBLAS reaches 0.9x: the remaining gap is the GEMM library. Before each batch the script
settles for 0.2 s and then calls the case for 50 ms untimed, as ``../shared/bench`` does (on this
2-core VM a thread woken after idling runs late for tens of milliseconds; with a single warm-up
call JAX's step measured 8% slower, which flattered every ratio).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def _data(seed=0):
    rng = np.random.RandomState(seed)
    sizes = [784, 512, 512, 10]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params += [(rng.randn(a, b) / np.sqrt(a)).astype(np.float32), np.zeros(b, np.float32)]
    x = rng.randn(128, 784).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.randint(0, 10, 128)]
    return params, x, y


def _step_of(jax, jnp):
    def loss(p, x, y):
        W1, b1, W2, b2, W3, b3 = p
        h1 = jnp.tanh(x @ W1 + b1)
        h2 = jnp.tanh(h1 @ W2 + b2)
        z = h2 @ W3 + b3
        z = z - jnp.max(z, axis=-1, keepdims=True)
        logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=-1, keepdims=True))
        return -jnp.mean(jnp.sum(y * logp, axis=1))

    def step(p, x, y):
        value, grads = jax.value_and_grad(loss)(p, x, y)
        return [a - 0.01 * g for a, g in zip(p, grads)], value
    return jax.jit(step)


class _Gemms:
    """The step's eight products on NumPy's BLAS, into preallocated outputs."""

    def __init__(self, params, x):
        f = np.float32
        rng = np.random.RandomState(1)
        self.W1, self.W2, self.W3 = params[0], params[2], params[4]
        self.x = x
        self.h1, self.h2 = rng.randn(128, 512).astype(f), rng.randn(128, 512).astype(f)
        self.dz = rng.randn(128, 10).astype(f)
        self.d2, self.d1 = rng.randn(128, 512).astype(f), rng.randn(128, 512).astype(f)
        self.out = [np.empty(s, f) for s in [(128, 512), (128, 512), (128, 10), (128, 512),
                                             (128, 512), (512, 10), (512, 512), (784, 512)]]

    def rows(self, r):
        """The forward and input-gradient products of rows ``r``; the weight gradients of the
        output rows ``r`` scaled to each matrix (as the lanes split them)."""
        o = self.out
        np.matmul(self.x[r], self.W1, out=o[0][r])
        np.matmul(self.h1[r], self.W2, out=o[1][r])
        np.matmul(self.h2[r], self.W3, out=o[2][r])
        np.matmul(self.dz[r], self.W3.T, out=o[3][r])
        np.matmul(self.d2[r], self.W2.T, out=o[4][r])

    def weights(self, lane, lanes):
        o = self.out
        for src, d, out in [(self.h2, self.dz, o[5]), (self.h1, self.d2, o[6]), (self.x, self.d1, o[7])]:
            n = src.shape[1]
            c = slice(n * lane // lanes, n * (lane + 1) // lanes)
            np.matmul(src[:, c].T, d, out=out[c])

    def all(self):
        self.rows(slice(None))
        self.weights(0, 1)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=40)
    a = ap.parse_args(argv)
    import funcgrad
    import funcgrad.numpy as fnp
    import jax
    import jax.numpy as jjnp
    from funcgrad.backend import process
    params, x, y = _data()

    fg_step = _step_of(funcgrad, fnp)
    fg_state = {"p": [fnp.asarray(p) for p in params]}

    def fg_run():
        fg_state["p"], _ = fg_step(fg_state["p"], x, y)

    jx_step = _step_of(jax, jjnp)
    jx_state = {"p": [jjnp.asarray(p) for p in params]}
    jx, jy = jjnp.asarray(x), jjnp.asarray(y)

    def jx_run():
        jx_state["p"], v = jx_step(jx_state["p"], jx, jy)
        jax.block_until_ready(v)

    @jax.jit
    def jx_gemms(x, W1, W2, W3, h1, h2, dz, d2, d1):
        return (x @ W1, h1 @ W2, h2 @ W3, dz @ W3.T, d2 @ W2.T, h2.T @ dz, h1.T @ d2, x.T @ d1)
    g = _Gemms(params, x)
    gemm_args = [jjnp.asarray(v) for v in (x, g.W1, g.W2, g.W3, g.h1, g.h2, g.dz, g.d2, g.d1)]

    def jx_gemms_run():
        jax.block_until_ready(jx_gemms(*gemm_args))

    set_blas = process.blas_threads_control()

    def split_run():
        def lane(k):
            g.rows(slice(64 * k, 64 * k + 64))
            g.weights(k, 2)
        prev = set_blas(1) if set_blas else None      # (process-wide: set once for both lanes)
        t = threading.Thread(target=lane, args=(1,))
        t.start()
        lane(0)
        t.join()
        if set_blas:
            set_blas(prev)

    cases = {"funcgrad step": fg_run, "jax step": jx_run, "jax gemms": jx_gemms_run,
             "blas gemms": g.all, "blas gemms split": split_run}
    times = {k: [] for k in cases}
    for fn in cases.values():
        for _ in range(10):
            fn()
    names = list(cases)
    for r in range(a.rounds):
        for k in names[r % len(names):] + names[:r % len(names)]:
            gc.collect()
            time.sleep(0.2)     # the shared bench's rule: settle, then 50 ms of untimed calls
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < 0.05:
                cases[k]()
            t0 = time.perf_counter()
            for _ in range(a.calls):
                cases[k]()
            times[k].append((time.perf_counter() - t0) / a.calls)
    ref = np.array(times["jax step"])
    print(f"W1 matmul floor, {a.rounds} rounds x {a.calls} calls (median ms; median of paired "
          f"ratios to 'jax step')")
    for k in names:
        t = np.array(times[k])
        print(f"  {k:18s} {np.median(t) * 1e3:7.3f} ms   {np.median(t / ref):5.2f}x jax step")


if __name__ == "__main__":
    main()
