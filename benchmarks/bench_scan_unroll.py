"""Would honouring ``lax.scan(..., unroll=k)`` speed up funcgrad's compiled loop? (run by hand)

funcgrad accepts ``unroll`` and runs one step per iteration of the native loop. This measures
what unrolling would give: the same scan written with ``k`` copies of the step per iteration
(over ``k`` interleaved slices of ``xs``, so the region's loop runs ``T / k`` times with a body
``k`` steps long), jitted, forward and ``grad``, for a scalar carry and a 16-wide carry. The
numbers agree for every ``k``; we print the first call (trace + compile) and the best of
``--calls`` calls.

    python benchmarks/bench_scan_unroll.py [--T 20000] [--calls 7]
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def make(T, k):
    import funcgrad.numpy as jnp
    from funcgrad import lax

    def step(h, x):
        h = jnp.tanh(0.5 * h + x)
        return h, jnp.sum(h)

    def f(xs):
        xk = tuple(xs[j::k] for j in range(k))

        def body(h, xg):
            ys = []
            for j in range(k):
                h, y = step(h, xg[j])
                ys.append(y)
            return h, tuple(ys)
        h, ys = lax.scan(body, jnp.zeros(xs.shape[1:]), xk)
        return jnp.sum(h) + sum(jnp.sum(y) for y in ys)
    return f


def main():
    import funcgrad as fg
    ap = argparse.ArgumentParser()
    ap.add_argument("--T", type=int, default=20000)
    ap.add_argument("--calls", type=int, default=7)
    args = ap.parse_args()
    for shape in ((), (16,)):
        xs = np.random.RandomState(0).randn(args.T, *shape) * 0.1
        for name in ("forward", "grad"):
            ref = None
            for k in (1, 4, 8):
                fn = make(args.T, k)
                g = fg.jit(fg.grad(fn) if name == "grad" else fn)
                t0 = time.perf_counter()
                out = np.asarray(g(xs))
                first = time.perf_counter() - t0
                best = min(_timed(g, xs) for _ in range(args.calls))
                ref = out if ref is None else ref
                assert np.allclose(out, ref, rtol=1e-10), "unrolled copies disagree"
                print(f"carry {str(shape):6s} {name:7s} k={k}: first call {first:5.2f} s, "
                      f"then {1e3 * best:7.2f} ms")


def _timed(g, xs):
    t0 = time.perf_counter()
    g(xs)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
