"""Eager ``fg.value_and_grad`` of an MLP's loss vs the same forward+backward written by hand in NumPy.

Network: 784-512-512-10, tanh hidden layers, softmax cross-entropy, batch 128, float32.
Both sides run in the same process, interleaved, on the same data; the script checks that the
gradients agree and prints the median time per step of each and their ratio (funcgrad / NumPy).

    python benchmarks/bench_mlp_eager.py [--repeats 50] [--threads 1]

``--threads`` pins the BLAS thread count (via threadpoolctl when installed) so that both sides
see the same matmul cost; use 0 to leave BLAS alone.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as jnp

SIZES = (784, 512, 512, 10)
BATCH = 128


def init(rng, sizes=SIZES, dtype=np.float32):
    params = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        w = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(dtype)
        b = (0.1 * rng.standard_normal(n)).astype(dtype)
        params.append((w, b))
    return params


# --------------------------------------------------------------------------- funcgrad (JAX style)

def fg_loss(params, x, targets):
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    logits = x @ w + b
    return -jnp.mean(jnp.sum(targets * fg.nn.log_softmax(logits), axis=-1))


fg_value_and_grad = fg.value_and_grad(fg_loss)


# --------------------------------------------------------------------------- NumPy by hand

def np_value_and_grad(params, x, targets):
    """The same loss and its gradient, forward and backward written out in NumPy."""
    acts = [x]
    h = x
    for w, b in params[:-1]:
        h = np.tanh(h @ w + b)
        acts.append(h)
    w, b = params[-1]
    logits = h @ w + b
    shifted = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=-1, keepdims=True)
    log_probs = shifted - np.log(s)
    n = x.shape[0]
    loss = -(targets * log_probs).sum() / n
    # backward
    d_logits = (e / s * targets.sum(axis=-1, keepdims=True) - targets) / n
    grads = []
    delta = d_logits
    for i in range(len(params) - 1, -1, -1):
        w, _ = params[i]
        a = acts[i]
        grads.append((a.T @ delta, delta.sum(axis=0)))
        if i:
            delta = (delta @ w.T) * (1 - a * a)
    return loss, grads[::-1]


# --------------------------------------------------------------------------- harness

def _limit_threads(n):
    if n <= 0:
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print(f"(threadpoolctl not installed; set OMP_NUM_THREADS={n} to pin BLAS threads)")
        return None
    return threadpool_limits(limits=n, user_api="blas")


def check_agreement(params, x, t):
    v_fg, g_fg = fg_value_and_grad(params, x, t)
    v_np, g_np = np_value_and_grad(params, x, t)
    assert v_fg.dtype == np.float32, v_fg.dtype
    np.testing.assert_allclose(v_fg, v_np, rtol=1e-5)
    for (gw, gb), (nw, nb) in zip(g_fg, g_np):
        assert gw.dtype == np.float32 and gb.dtype == np.float32, (gw.dtype, gb.dtype)
        np.testing.assert_allclose(gw, nw, rtol=2e-4, atol=2e-6)
        np.testing.assert_allclose(gb, nb, rtol=2e-4, atol=2e-6)


def run(repeats: int = 50, warmup: int = 5, seed: int = 0, sizes=SIZES, batch=BATCH):
    """Median and minimum time per step of each side, interleaved run by run."""
    rng = np.random.default_rng(seed)
    params = init(rng, sizes)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    t = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)]
    check_agreement(params, x, t)
    times = {"funcgrad": [], "numpy": []}
    fns = {"funcgrad": fg_value_and_grad, "numpy": np_value_and_grad}
    for i in range(warmup + repeats):
        for name, fn in fns.items():       # interleaved, so both see the same machine state
            t0 = time.perf_counter()
            fn(params, x, t)
            dt = time.perf_counter() - t0
            if i >= warmup:
                times[name].append(dt)
    return ({k: statistics.median(v) for k, v in times.items()},
            {k: min(v) for k, v in times.items()})


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=50)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (0 = leave alone)")
    args = p.parse_args(argv)
    limiter = _limit_threads(args.threads)
    try:
        med, best = run(args.repeats)
        # The same step on a tiny network (8-8-8-10, batch 4): NumPy time is negligible there,
        # so funcgrad's time is its per-step Python overhead (recording + backward sweep).
        tiny_med, _ = run(max(args.repeats, 200), sizes=(8, 8, 8, 10), batch=4)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    ratio = med["funcgrad"] / med["numpy"]
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cpus, BLAS threads={args.threads or 'default'}")
    print(f"MLP {'-'.join(map(str, SIZES))} tanh, batch {BATCH}, float32, {args.repeats} runs each")
    print(f"                            median       min")
    print(f"  numpy by hand            {med['numpy'] * 1e3:7.3f} ms {best['numpy'] * 1e3:7.3f} ms")
    print(f"  fg.value_and_grad eager  {med['funcgrad'] * 1e3:7.3f} ms {best['funcgrad'] * 1e3:7.3f} ms")
    print(f"  ratio funcgrad / numpy   {ratio:7.3f}    {best['funcgrad'] / best['numpy']:7.3f}"
          f"      (target: median ratio <= 1.5)")
    print(f"  tiny network 8-8-8-10, batch 4 (overhead): funcgrad {tiny_med['funcgrad'] * 1e6:.0f} us, "
          f"numpy {tiny_med['numpy'] * 1e6:.0f} us per step")
    return ratio


if __name__ == "__main__":
    sys.exit(0 if main() <= 1.5 else 1)
