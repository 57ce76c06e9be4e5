"""Eager per-op overhead of ``funcgrad.numpy`` over the NumPy call it wraps, and import time.

For ~20 common operations on small arrays (where fixed per-call costs dominate), times the
funcgrad call on ``funcgrad.Array`` operands and the equivalent NumPy call on plain ndarrays,
interleaved in the same process, and prints the median time per call of each and the
difference (the overhead; the acceptance target is < 2 µs). Then measures ``import funcgrad``
with ``python -X importtime`` in fresh interpreters (median of several runs; target < 150 ms on
top of NumPy) and checks that numba and scipy are not imported.

    python benchmarks/bench_eager_overhead.py [--calls 2000] [--repeats 25] [--import-runs 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import timeit

import numpy as np

import funcgrad.numpy as jnp


def _cases():
    rng = np.random.RandomState(0)
    xn, yn = rng.randn(8, 8), rng.randn(8, 8)
    vn, cn = rng.randn(8), xn > 0
    x, y, v, c = jnp.asarray(xn), jnp.asarray(yn), jnp.asarray(vn), jnp.asarray(cn)
    return [
        ("add(x, y)", lambda: jnp.add(x, y), lambda: np.add(xn, yn)),
        ("x + y", lambda: x + y, lambda: xn + yn),
        ("x * 2.0", lambda: x * 2.0, lambda: xn * 2.0),
        ("x - v (broadcast)", lambda: x - v, lambda: xn - vn),
        ("x / y", lambda: x / y, lambda: xn / yn),
        ("maximum(x, 0.0)", lambda: jnp.maximum(x, 0.0), lambda: np.maximum(xn, 0.0)),
        ("exp(x)", lambda: jnp.exp(x), lambda: np.exp(xn)),
        ("tanh(x)", lambda: jnp.tanh(x), lambda: np.tanh(xn)),
        ("sum(x)", lambda: jnp.sum(x), lambda: np.sum(xn)),
        ("sum(x, axis=1)", lambda: jnp.sum(x, axis=1), lambda: np.sum(xn, axis=1)),
        ("mean(x, axis=0)", lambda: jnp.mean(x, axis=0), lambda: np.mean(xn, axis=0)),
        ("max(x)", lambda: jnp.max(x), lambda: np.max(xn)),
        ("x @ y", lambda: x @ y, lambda: xn @ yn),
        ("dot(x, v)", lambda: jnp.dot(x, v), lambda: np.dot(xn, vn)),
        ("reshape(x, (4, 16))", lambda: jnp.reshape(x, (4, 16)), lambda: np.reshape(xn, (4, 16))),
        ("transpose(x)", lambda: jnp.transpose(x), lambda: np.transpose(xn)),
        ("where(c, x, y)", lambda: jnp.where(c, x, y), lambda: np.where(cn, xn, yn)),
        ("concatenate([x, y])", lambda: jnp.concatenate([x, y]), lambda: np.concatenate([xn, yn])),
        ("zeros((8, 8))", lambda: jnp.zeros((8, 8)), lambda: np.zeros((8, 8))),
        ("asarray(ndarray)", lambda: jnp.asarray(xn), lambda: np.asarray(xn)),
        ("einsum('ij,jk', x, y)", lambda: jnp.einsum("ij,jk", x, y), lambda: np.einsum("ij,jk", xn, yn)),
    ]


def _per_call(fn, calls):
    return timeit.timeit(fn, number=calls) / calls


def bench_ops(calls: int, repeats: int):
    rows = []
    for name, fg_fn, np_fn in _cases():
        fg_fn(), np_fn()                                   # warm up
        fg_t, np_t = [], []
        for _ in range(repeats):                           # interleaved: both see the same load
            fg_t.append(_per_call(fg_fn, calls))
            np_t.append(_per_call(np_fn, calls))
        a, b = statistics.median(fg_t) * 1e6, statistics.median(np_t) * 1e6
        rows.append((name, a, b, a - b))
    return rows


_SNIPPET = "import funcgrad, sys; print('numba' in sys.modules, 'scipy' in sys.modules)"


_PYCACHE = os.path.join(tempfile.gettempdir(), "funcgrad_bench_pycache")


def _importtime(stmt: str):
    """{module: cumulative µs} from ``python -X importtime -c stmt`` in a fresh interpreter
    (lines look like ``import time:  self | cumulative |   name``, nesting shown by indentation).

    Bytecode caching is on (as in a normal install; the cache goes to a temp dir, not the repo),
    so the timing is of importing, not of compiling the sources."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    p = subprocess.run([sys.executable, "-X", f"pycache_prefix={_PYCACHE}", "-X", "importtime", "-c", stmt],
                       capture_output=True, text=True, check=True, env=env)
    cum: dict = {}
    for line in p.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or "cumulative" in parts[1]:
            continue
        name = parts[2].strip()
        cum[name] = max(cum.get(name, 0), int(parts[1]))
    return cum, p.stdout


def bench_import(runs: int):
    totals, numpys, flags = [], [], None
    _importtime(_SNIPPET)                                  # warm the bytecode cache
    for _ in range(runs):
        cum, out = _importtime(_SNIPPET)
        totals.append(cum["funcgrad"] / 1e3)
        numpys.append(cum.get("numpy", 0) / 1e3)
        flags = out.split()
    fg_ms, np_ms = statistics.median(totals), statistics.median(numpys)
    return fg_ms, np_ms, flags == ["False", "False"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=25)
    ap.add_argument("--import-runs", type=int, default=5)
    args = ap.parse_args(argv)

    rows = bench_ops(args.calls, args.repeats)
    w = max(len(r[0]) for r in rows)
    print(f"eager per-call time, median of {args.repeats} x {args.calls} calls, float64 (8, 8) operands")
    print(f"{'operation':<{w}}  {'funcgrad µs':>11}  {'NumPy µs':>9}  {'overhead µs':>11}")
    for name, a, b, d in rows:
        print(f"{name:<{w}}  {a:>11.2f}  {b:>9.2f}  {d:>11.2f}{'' if d < 2.0 else '  > 2 µs'}")
    worst = max(rows, key=lambda r: r[3])
    print(f"max overhead: {worst[3]:.2f} µs ({worst[0]}); median overhead: "
          f"{statistics.median(r[3] for r in rows):.2f} µs")

    fg_ms, np_ms, clean = bench_import(args.import_runs)
    print(f"\nimport funcgrad (python -X importtime, median of {args.import_runs} fresh interpreters): "
          f"{fg_ms:.1f} ms cumulative, of which numpy {np_ms:.1f} ms -> {fg_ms - np_ms:.1f} ms on top of "
          f"NumPy; numba/scipy not imported: {clean}")


if __name__ == "__main__":
    main()
