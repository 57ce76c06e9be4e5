"""Per-example gradients with ``vmap(grad)`` and the Hessian of Rosenbrock, against a Python loop
and against JAX (when installed), all measured in the same run.

1. Per-example gradients of an MLP's loss (the network of ``examples/mlp_digits.py``: 64-128-10,
   tanh, softmax cross-entropy, float32) over a batch of 128: ``vmap(grad(loss))`` versus a
   Python loop of ``grad(loss)`` (target: vmap >= 10x faster) and versus JAX's
   ``vmap(grad(loss))`` (target: funcgrad within 1.5x of JAX).
2. ``hessian`` of the 50-dimensional Rosenbrock function (float64), eager and under ``jit``,
   against JAX's.

Rows that need ``funcgrad.jit`` run when it exists and are skipped with a note otherwise; JAX
rows run when ``import jax`` works (e.g. in a separate venv with funcgrad installed
``--no-deps``). Every number is the median over ``--repeats`` runs; the contenders of a table
run interleaved, so they see the same machine state, and each ratio is taken in the same run.

    python benchmarks/bench_vmap_hessian.py [--repeats 30] [--threads 1]

``--threads`` pins the BLAS thread count via threadpoolctl (0 = leave BLAS alone). The exit code
is 1 when a target is missed.
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
import funcgrad.numpy as fnp

SIZES = (64, 128, 10)
BATCH = 128
ROSEN_DIM = 50


# --------------------------------------------------------------------------- the functions

def make_mlp_loss(jnp, log_softmax):
    def loss(params, x, y):
        """Softmax cross-entropy of one example."""
        for w, b in params[:-1]:
            x = jnp.tanh(x @ w + b)
        w, b = params[-1]
        return -jnp.sum(y * log_softmax(x @ w + b))
    return loss


def make_rosenbrock(jnp):
    def rosenbrock(x):
        return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    return rosenbrock


def mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    params = [((rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32), np.zeros(n, np.float32))
              for m, n in zip(SIZES[:-1], SIZES[1:])]
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
    return params, x, y


# --------------------------------------------------------------------------- harness

def _import_jax():
    try:
        import jax
        import jax.numpy as jjnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)   # float64 where asked; float32 stays float32
    return jax, jjnp


def _limit_threads(n):
    if n <= 0:
        return None
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print(f"(threadpoolctl not installed; set OMP_NUM_THREADS={n} to pin BLAS threads)")
        return None
    return threadpool_limits(limits=n, user_api="blas")


def _block(x):
    for leaf in fg.tree_util.tree_leaves(x):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()
    return x


def interleaved(fns: dict, repeats: int, warmup: int = 2, every: dict | None = None):
    """Median seconds per call of each function, run round-robin. ``every[name] = k`` runs that
    one only every k-th round (for slow baselines)."""
    times = {k: [] for k in fns}
    every = every or {}
    for i in range(warmup + repeats):
        for name, fn in fns.items():
            if i >= warmup and (i - warmup) % every.get(name, 1):
                continue
            t0 = time.perf_counter()
            _block(fn())
            if i >= warmup:
                times[name].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def _close(a, b, rtol):
    for u, v in zip(fg.tree_util.tree_leaves(a), fg.tree_util.tree_leaves(b)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), rtol=rtol, atol=rtol * 1e-2)


# --------------------------------------------------------------------------- 1. per-example grads

def bench_per_example(repeats, jax_mods, notes):
    params, x, y = mlp_data()
    loss = make_mlp_loss(fnp, fg.nn.log_softmax)
    per_ex = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))
    grad = fg.grad(loss)

    def loop():
        return [grad(params, x[i], y[i]) for i in range(BATCH)]

    ref = per_ex(params, x, y)
    _close(ref, [np.stack(g) for g in zip(*[fg.tree_util.tree_leaves(t) for t in loop()])], 1e-4)
    fns = {"fg.vmap(fg.grad)": lambda: per_ex(params, x, y), "python loop of fg.grad": loop}
    if hasattr(fg, "jit"):
        jit_per_ex = fg.jit(per_ex)
        _close(jit_per_ex(params, x, y), ref, 1e-4)
        fns["fg.jit(fg.vmap(fg.grad))"] = lambda: jit_per_ex(params, x, y)
    else:
        notes.append("funcgrad.jit does not exist yet: the jit rows are skipped")
    if jax_mods:
        jax, jjnp = jax_mods
        jloss = make_mlp_loss(jjnp, jax.nn.log_softmax)
        jparams = jax.tree_util.tree_map(jjnp.asarray, params)
        jx, jy = jjnp.asarray(x), jjnp.asarray(y)
        jper_ex = jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0))
        jjit = jax.jit(jper_ex)
        _close(jax.tree_util.tree_leaves(jper_ex(jparams, jx, jy)), fg.tree_util.tree_leaves(ref), 1e-4)
        fns["jax.vmap(jax.grad)"] = lambda: jper_ex(jparams, jx, jy)
        fns["jax.jit(jax.vmap(jax.grad))"] = lambda: jjit(jparams, jx, jy)
    return interleaved(fns, repeats, every={"python loop of fg.grad": 5})


# --------------------------------------------------------------------------- 2. hessian

def bench_hessian(repeats, jax_mods, notes):
    x = np.random.default_rng(1).uniform(-1.0, 1.0, ROSEN_DIM)
    h = fg.hessian(make_rosenbrock(fnp))
    ref = h(x)
    fns = {"fg.hessian": lambda: h(x)}
    if hasattr(fg, "jit"):
        hj = fg.jit(h)
        _close(hj(x), ref, 1e-10)
        fns["fg.jit(fg.hessian)"] = lambda: hj(x)
    if jax_mods:
        jax, jjnp = jax_mods
        jh = jax.hessian(make_rosenbrock(jjnp))
        jhj = jax.jit(jh)
        jx = jjnp.asarray(x)
        _close(jh(jx), ref, 1e-10)
        fns["jax.hessian"] = lambda: jh(jx)
        fns["jax.jit(jax.hessian)"] = lambda: jhj(jx)
    return interleaved(fns, repeats)


# --------------------------------------------------------------------------- report

def _ratio_row(label, num, den, target=None, higher_is_better=False):
    ok = None
    if target is not None:
        ok = num / den >= target if higher_is_better else num / den <= target
    tag = "" if ok is None else ("  (target {}{}: {})".format(">=" if higher_is_better else "<=", target,
                                                              "met" if ok else "MISSED"))
    print(f"  {label:<44} {num / den:8.2f}x{tag}")
    return ok


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (0 = leave alone)")
    args = p.parse_args(argv)
    jax_mods = _import_jax()
    notes = []
    limiter = _limit_threads(args.threads)
    try:
        t1 = bench_per_example(args.repeats, jax_mods, notes)
        t2 = bench_hessian(args.repeats, jax_mods, notes)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
    jax_version = jax_mods[0].__version__ if jax_mods else "not installed"
    print(f"python {platform.python_version()}, numpy {np.__version__}, jax {jax_version}, "
          f"{platform.machine()}, {os.cpu_count()} cpus, BLAS threads={args.threads or 'default'}")
    if not jax_mods:
        notes.append("jax is not importable: the JAX rows are skipped")
    oks = []
    print(f"\n1. per-example gradients, MLP {'-'.join(map(str, SIZES))} tanh, batch {BATCH}, float32 "
          f"(median of {args.repeats} runs; the loop: of {len(range(0, args.repeats, 5))})")
    for k, v in t1.items():
        print(f"  {k:<44} {v * 1e3:9.3f} ms")
    oks.append(_ratio_row("loop of fg.grad / fg.vmap(fg.grad)", t1["python loop of fg.grad"],
                          t1["fg.vmap(fg.grad)"], 10, higher_is_better=True))
    if "jax.vmap(jax.grad)" in t1:
        oks.append(_ratio_row("fg.vmap(fg.grad) / jax.vmap(jax.grad)", t1["fg.vmap(fg.grad)"],
                              t1["jax.vmap(jax.grad)"], 1.5))
    if "fg.jit(fg.vmap(fg.grad))" in t1 and "jax.jit(jax.vmap(jax.grad))" in t1:
        _ratio_row("fg.jit(vmap(grad)) / jax.jit(vmap(grad))", t1["fg.jit(fg.vmap(fg.grad))"],
                   t1["jax.jit(jax.vmap(jax.grad))"])
    print(f"\n2. hessian of the {ROSEN_DIM}-dimensional Rosenbrock function, float64 "
          f"(median of {args.repeats} runs)")
    for k, v in t2.items():
        print(f"  {k:<44} {v * 1e3:9.3f} ms")
    if "jax.hessian" in t2:
        _ratio_row("fg.hessian / jax.hessian (eager)", t2["fg.hessian"], t2["jax.hessian"])
    if "fg.jit(fg.hessian)" in t2 and "jax.jit(jax.hessian)" in t2:
        _ratio_row("fg.jit(fg.hessian) / jax.jit(jax.hessian)", t2["fg.jit(fg.hessian)"],
                   t2["jax.jit(jax.hessian)"])
    for n in notes:
        print(f"note: {n}")
    return all(ok is not False for ok in oks)


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
