"""``checkpoint`` (rematerialization) on the backward pass of a 20-layer tanh MLP.

Three variants of one loss, eager ``grad`` (``funcgrad.vjp``): no checkpoint; each layer
checkpointed; blocks of 5 layers checkpointed. For each, in a fresh measurement:

- *retained bytes*: memory (``tracemalloc``, which sees NumPy's buffers) still held after the
  forward pass, i.e. what the backward pass will read (the residuals);
- *peak bytes*: peak traced memory over forward + backward;
- the forward+backward time (median of ``--repeats`` rounds, the variants interleaved) and its
  ratio to no checkpoint: the extra compute of recomputing the forward pass;
- that the gradients equal the plain ones.

    python benchmarks/bench_checkpoint.py [--width 512] [--batch 512] [--layers 20] [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

import funcgrad as fg
import funcgrad.numpy as jnp


def mlp(params, x):
    for w, b in params:
        x = jnp.tanh(x @ w + b)
    return x


def make_loss(block: int | None, x):
    """``block`` layers per checkpoint (None: no checkpoint)."""
    def loss(params):
        h = x
        if block is None:
            h = mlp(params, h)
        else:
            for i in range(0, len(params), block):
                h = fg.checkpoint(mlp)(params[i:i + block], h)
        return jnp.sum(h ** 2)
    return loss


def measure(loss, params):
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    _, pullback = fg.vjp(loss, params)
    retained = tracemalloc.get_traced_memory()[0] - base
    grads = pullback(1.0)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del pullback
    return retained, peak, grads


def timed(losses, params, repeats):
    """Median forward+backward time of each loss; the variants take turns in every round, so
    a burst of load on the machine hits them alike."""
    grads = [fg.grad(loss) for loss in losses]
    for g in grads:
        g(params)   # warm-up
    times = [[] for _ in grads]
    for _ in range(repeats):
        for g, ts in zip(grads, times):
            t0 = time.perf_counter()
            g(params)
            ts.append(time.perf_counter() - t0)
    return [statistics.median(ts) for ts in times]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--layers", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.RandomState(0)
    params = [(rng.randn(a.width, a.width) / np.sqrt(a.width), np.zeros(a.width))
              for _ in range(a.layers)]
    x = rng.randn(a.batch, a.width)
    act = a.batch * a.width * 8
    print(f"{a.layers}-layer tanh MLP, width {a.width}, batch {a.batch}: one activation "
          f"= {act / 2**20:.1f} MiB, parameters = {a.layers * (a.width ** 2 + a.width) * 8 / 2**20:.1f} MiB")
    print(f"{'variant':<26}{'retained MiB':>14}{'peak MiB':>10}{'time s':>9}{'time ratio':>12}")
    variants = (("no checkpoint", None), ("checkpoint per layer", 1),
                ("checkpoint 5-layer blocks", 5))
    losses = [make_loss(block, x) for _, block in variants]
    _, _, ref = measure(losses[0], params)
    mem = []
    for loss in losses:
        retained, peak, grads = measure(loss, params)
        for (gw, gb), (rw, rb) in zip(grads[0], ref[0]):
            np.testing.assert_allclose(gw, rw, rtol=1e-10, atol=1e-12)
        mem.append((retained, peak))
    times = timed(losses, params, a.repeats)
    for (name, _), (retained, peak), t in zip(variants, mem, times):
        print(f"{name:<26}{retained / 2**20:>14.1f}{peak / 2**20:>10.1f}{t:>9.3f}{t / times[0]:>12.2f}")


if __name__ == "__main__":
    main()
