"""First-call compile time of a Python-unrolled tanh RNN, funcgrad beside JAX (run by hand).

    python benchmarks/bench_compile.py                    # T = 50 100 200 400
    python benchmarks/bench_compile.py --steps 100 400 --repeats 3

The program is ``jit(value_and_grad(loss))`` of an RNN unrolled by a Python loop over T steps
(hidden 128, input 64, batch 32, float32): its jaxpr grows linearly with T (about 17 equations a
step after grad). Each measurement is a fresh process timing the first call (trace, optimize,
plan, generate, compile or load kernels, run):

- funcgrad cold: a new, empty cache directory;
- funcgrad warm: the same directory again (kernels come from the on-disk cache);
- JAX: a fresh process (no persistent compilation cache).

The report gives medians over ``--repeats`` and the slope (seconds per unrolled step, least
squares over the step counts): compile cost must be linear in program size.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

CHILD = textwrap.dedent("""
    import sys, time
    T, lib = int(sys.argv[1]), sys.argv[2]
    import numpy as np
    if lib == "jax":
        import jax, jax.numpy as jnp
        jax.config.update("jax_enable_x64", False)
    else:
        import funcgrad as jax, funcgrad.numpy as jnp
    H, I, B = 128, 64, 32
    rng = np.random.RandomState(0)
    params = (rng.randn(I, H).astype(np.float32) * 0.1, rng.randn(H, H).astype(np.float32) * 0.1,
              np.zeros(H, np.float32), rng.randn(H, 1).astype(np.float32) * 0.1)
    xs = rng.randn(T, B, I).astype(np.float32)
    y = rng.randn(B, 1).astype(np.float32)

    def loss(params, xs, y):
        wx, wh, b, wo = params
        h = jnp.zeros((B, H), jnp.float32)
        for t in range(T):
            h = jnp.tanh(xs[t] @ wx + h @ wh + b)
        return jnp.mean((h @ wo - y) ** 2)

    f = jax.jit(jax.value_and_grad(loss))
    t0 = time.perf_counter()
    v, g = f(params, xs, y)
    float(np.asarray(v))
    print(time.perf_counter() - t0)
""")


def first_call(T: int, lib: str, cache: str | None) -> float:
    env = dict(os.environ)
    if cache is not None:
        env["FUNCGRAD_CACHE_DIR"] = cache
    out = subprocess.run([sys.executable, "-c", CHILD, str(T), lib], env=env, check=True,
                         capture_output=True, text=True, timeout=1800).stdout
    return float(out.strip().splitlines()[-1])


def slope(steps, times) -> float:
    """Least-squares seconds per step."""
    return float(np.polyfit(np.asarray(steps, float), np.asarray(times, float), 1)[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, nargs="*", default=[50, 100, 200, 400])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--no-jax", action="store_true")
    a = ap.parse_args()
    try:
        import jax  # noqa: F401
        have_jax = not a.no_jax
    except ImportError:
        have_jax = False
    rows = {"funcgrad cold": [], "funcgrad warm": [], "JAX": []}
    for T in a.steps:
        cold, warm, jx = [], [], []
        for _ in range(a.repeats):
            d = tempfile.mkdtemp(prefix="fg-bench-compile-")
            try:
                cold.append(first_call(T, "funcgrad", d))
                warm.append(first_call(T, "funcgrad", d))
            finally:
                shutil.rmtree(d, ignore_errors=True)
            if have_jax:
                jx.append(first_call(T, "jax", None))
        rows["funcgrad cold"].append(float(np.median(cold)))
        rows["funcgrad warm"].append(float(np.median(warm)))
        if have_jax:
            rows["JAX"].append(float(np.median(jx)))
        print(f"T={T}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in rows.items() if v),
              file=sys.stderr, flush=True)
    print("| first call (s) | " + " | ".join(f"T={T}" for T in a.steps) + " | slope (ms/step) |")
    print("|---" * (len(a.steps) + 2) + "|")
    for k, v in rows.items():
        if v:
            print(f"| {k} | " + " | ".join(f"{t:.2f}" for t in v) +
                  f" | {1e3 * slope(a.steps, v):.1f} |")
    if have_jax:
        r = [w / j for w, j in zip(rows["funcgrad warm"], rows["JAX"])]
        print("\nfuncgrad warm / JAX: " + ", ".join(f"T={T}: {x:.2f}" for T, x in zip(a.steps, r)))


if __name__ == "__main__":
    main()
