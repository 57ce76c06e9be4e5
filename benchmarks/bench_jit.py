"""jit benchmarks W1-W4 (run by hand; results go to docs/performance.md).

    python benchmarks/bench_jit.py                 # all workloads, markdown tables on stdout
    python benchmarks/bench_jit.py --only W1 W3    # a subset
    python benchmarks/bench_jit.py --repeats 50

Each workload is timed in one run against NumPy written by hand, and against JAX and PyTorch
when they are installed (``pip install -e .[bench]``, or a separate venv). Times are medians
over ``--repeats`` calls after warm-up; the last column is funcgrad's time / the other's (below
1.0 = funcgrad faster). W1 and W2 run every implementation in its own process (thread pools of
different libraries slow each other down), alternating over 4 rounds; W3 interleaves the
implementations call by call in one process.

- W1: SGD step of a 784-512-512-10 MLP (tanh hidden layers, softmax cross-entropy), batch 128,
  float32; the whole step (gradient and update) under one ``jit``.
- W2: gradient of a 12-op elementwise function of 1e6 float32 values.
- W3: per-call time of a jitted gradient of a tiny function (3 elements).
- W4: time to the first W1 result in a fresh process: cold cache (new cache directory) and warm
  cache (the same directory again), both including ``import funcgrad``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

SIZES = [784, 512, 512, 10]
BATCH = 128
LR = 0.01


def compare(fns: dict, repeats: int, inner: int = 1, warmup: int = 3) -> dict:
    """Median ms per call of each function, measured *interleaved* (round robin, one sample of
    ``inner`` calls per function per round), so that load changes on a shared machine hit every
    implementation alike."""
    for f in fns.values():
        for _ in range(warmup):
            f()
    samples = {k: [] for k in fns}
    names = list(fns)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            f = fns[name]
            t = time.perf_counter()
            for _ in range(inner):
                f()
            samples[name].append((time.perf_counter() - t) / inner)
    return {k: float(np.median(v)) * 1e3 for k, v in samples.items()}


def mlp_data(seed=0):
    rng = np.random.RandomState(seed)
    params = [((rng.randn(m, n) / np.sqrt(m)).astype(np.float32), np.zeros(n, np.float32))
              for m, n in zip(SIZES[:-1], SIZES[1:])]
    x = rng.rand(BATCH, SIZES[0]).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.randint(0, SIZES[-1], BATCH)]
    return params, x, y


# --------------------------------------------------------------------------- W1

def w1_funcgrad():
    import funcgrad as fg
    import funcgrad.numpy as jnp

    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = jnp.tanh(h @ w + b)
        w, b = params[-1]
        return -jnp.mean(jnp.sum(fg.nn.log_softmax(h @ w + b) * y, axis=-1))

    @fg.jit
    def step(params, x, y):
        value, grads = fg.value_and_grad(loss)(params, x, y)
        return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads)], value

    return step


def w1_numpy(params, x, y):
    """The same step written by hand with NumPy (forward, backward, update)."""
    hs = [x]
    h = x
    for w, b in params[:-1]:
        h = np.tanh(h @ w + b)
        hs.append(h)
    w, b = params[-1]
    z = h @ w + b
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    loss = -np.mean(np.sum((z - np.log(s)) * y, axis=1))
    d = (e / s - y) * np.float32(1.0 / x.shape[0])
    new = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        w, b = params[i]
        gw, gb = hs[i].T @ d, d.sum(axis=0)
        if i:
            d = (d @ w.T) * (1 - hs[i] * hs[i])
        new[i] = (w - LR * gw, b - LR * gb)
    return new, loss


def w1_jax():
    import jax
    import jax.numpy as jnp

    def loss(params, x, y):
        h = x
        for w, b in params[:-1]:
            h = jnp.tanh(h @ w + b)
        w, b = params[-1]
        return -jnp.mean(jnp.sum(jax.nn.log_softmax(h @ w + b) * y, axis=-1))

    @jax.jit
    def step(params, x, y):
        value, grads = jax.value_and_grad(loss)(params, x, y)
        return [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads)], value

    return step


def w1_torch(params, x, y):
    import torch
    tp = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in params]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def step():
        h = tx
        for w, b in tp[:-1]:
            h = torch.tanh(h @ w + b)
        w, b = tp[-1]
        loss = -(torch.log_softmax(h @ w + b, dim=-1) * ty).sum(-1).mean()
        grads = torch.autograd.grad(loss, [p for wb in tp for p in wb])
        with torch.no_grad():
            return [p - LR * g for p, g in zip([p for wb in tp for p in wb], grads)], loss
    return step


# --------------------------------------------------------------------------- W2

def w2_f(np_or_jnp, x):
    """12 elementwise ops, summed."""
    m = np_or_jnp
    u = x * x
    return m.sum(m.tanh(x) * m.exp(-u) + m.log1p(u) * m.sin(x) - 0.5 * x / (1.0 + u))


def w2_numpy_grad(x):
    """d/dx of w2_f, written by hand."""
    u = x * x
    t = np.tanh(x)
    e = np.exp(-u)
    q = 1.0 / (1.0 + u)
    s, c = np.sin(x), np.cos(x)
    return ((1 - t * t) * e - 2 * x * t * e + 2 * x * q * s + np.log1p(u) * c
            - 0.5 * q + x * x * q * q)


# --------------------------------------------------------------------------- W3

def w3_f(m, x):
    return m.sum(m.sin(x) * x * x)


# --------------------------------------------------------------------------- W4

W4_SCRIPT = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import sys
    sys.path.insert(0, {bench_dir!r})
    import numpy as np
    import bench_jit as b
    step = b.w1_funcgrad()
    params, x, y = b.mlp_data()
    t1 = time.perf_counter()
    out = step(params, x, y)
    float(out[1])
    t2 = time.perf_counter()
    print(f"{{t2 - t1:.4f}} {{t2 - t0:.4f}}")
""")

W4_JAX = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import sys
    sys.path.insert(0, {bench_dir!r})
    import bench_jit as b
    step = b.w1_jax()
    params, x, y = b.mlp_data()
    t1 = time.perf_counter()
    out = step(params, x, y)
    float(out[1])
    t2 = time.perf_counter()
    print(f"{{t2 - t1:.4f}} {{t2 - t0:.4f}}")
""")


def _fresh(script, env):
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                       timeout=900)
    if r.returncode:
        raise RuntimeError(r.stderr)
    first, total = r.stdout.split()
    return float(first), float(total)


# --------------------------------------------------------------------------- running

def have(mod):
    """Whether ``mod`` is installed, *without importing it*: importing PyTorch or JAX starts
    their thread pools, which would slow down the other implementations' BLAS threads."""
    import importlib.util
    return importlib.util.find_spec(mod) is not None


def w1_impls():
    """name -> builder of a zero-argument function running one W1 step."""
    impls = {"funcgrad.jit": _w1_funcgrad_call, "NumPy (by hand)": _w1_numpy_call}
    if have("jax"):
        impls["JAX jit"] = _w1_jax_call
    if have("torch"):
        impls["PyTorch eager"] = _w1_torch_call
    return impls


def _w1_funcgrad_call():
    params, x, y = mlp_data()
    step = w1_funcgrad()

    def verify():
        new, loss = step(params, x, y)
        new_np, loss_np = w1_numpy(params, x, y)
        err = max(float(np.abs(np.asarray(a) - b).max()) for (a, _), (b, _) in zip(new, new_np))
        assert abs(float(loss) - float(loss_np)) < 1e-4 and err < 1e-5, (loss, loss_np, err)
    fn = lambda: step(params, x, y)   # noqa: E731
    fn.verify = verify
    return fn


def _w1_numpy_call():
    params, x, y = mlp_data()
    return lambda: w1_numpy(params, x, y)


def _w1_jax_call():
    import jax
    params, x, y = mlp_data()
    jstep = w1_jax()
    jp = jax.device_put(params)
    jx, jy = jax.device_put(x), jax.device_put(y)
    jax.block_until_ready(jstep(jp, jx, jy))
    return lambda: jax.block_until_ready(jstep(jp, jx, jy))


def _w1_torch_call():
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    return w1_torch(*mlp_data())


def w2_impls():
    impls = {"funcgrad.jit": _w2_funcgrad_call, "NumPy (by hand)": _w2_numpy_call}
    if have("jax"):
        impls["JAX jit"] = _w2_jax_call
    if have("torch"):
        impls["PyTorch eager"] = _w2_torch_call
    return impls


def _w2_x():
    return np.random.RandomState(1).uniform(-3, 3, 1_000_000).astype(np.float32)


def _w2_funcgrad_call():
    import funcgrad as fg
    import funcgrad.numpy as jnp
    x = _w2_x()
    g = fg.jit(fg.grad(lambda x: w2_f(jnp, x)))
    fn = lambda: g(x)   # noqa: E731
    fn.verify = lambda: np.testing.assert_allclose(np.asarray(g(x)), w2_numpy_grad(x),
                                                   rtol=2e-4, atol=2e-5)
    return fn


def _w2_numpy_call():
    x = _w2_x()
    return lambda: w2_numpy_grad(x)


def _w2_jax_call():
    import jax
    import jax.numpy as jjnp
    jg = jax.jit(jax.grad(lambda x: w2_f(jjnp, x)))
    jx = jax.device_put(_w2_x())
    jax.block_until_ready(jg(jx))
    return lambda: jax.block_until_ready(jg(jx))


def _w2_torch_call():
    import torch
    torch.set_num_threads(os.cpu_count() or 1)
    tx = torch.tensor(_w2_x())

    def tgrad():
        xx = tx.clone().requires_grad_(True)
        (gx,) = torch.autograd.grad(w2_f(torch, xx), [xx])
        return gx
    return tgrad


IMPLS = {"W1": w1_impls, "W2": w2_impls}


def worker(spec, repeats):
    """Run one implementation (``W1:name``) in this fresh process; print its per-call times."""
    workload, name = spec.split(":", 1)
    fn = IMPLS[workload]()[name]()
    # warm up for at least 5 calls and 0.5 s: a fresh process needs a moment to settle (thread
    # pools started at import spin before they sleep; caches and page tables fill), and a
    # training loop runs for far longer than that
    t_end = time.perf_counter() + 0.5
    for k in range(10 ** 6):
        fn()
        if k >= 4 and time.perf_counter() > t_end:
            break
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    # checked after the timing: NumPy's reference uses OpenBLAS's thread pool, whose threads
    # keep spinning for a while after each call and would slow down the calls timed next
    if hasattr(fn, "verify"):
        fn.verify()
    print(json.dumps(ts))


def run_isolated(workload, repeats, rounds=4):
    """Each implementation in its own process (their thread pools would slow each other down:
    OpenBLAS's, XLA's and PyTorch's OpenMP threads spin between calls); the processes alternate
    over ``rounds`` rounds and the medians pool every round's samples."""
    samples = {name: [] for name in IMPLS[workload]()}
    names = list(samples)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker",
                                  f"{workload}:{name}", "--repeats", str(max(1, repeats // rounds))],
                                 capture_output=True, text=True, timeout=900)
            if out.returncode:
                raise RuntimeError(out.stderr)
            samples[name] += json.loads(out.stdout.strip().splitlines()[-1])
    return {k: float(np.median(v)) * 1e3 for k, v in samples.items()}


ROUNDS = [4]


def run_w1(repeats):
    return run_isolated("W1", repeats, ROUNDS[0])


def run_w2(repeats):
    return run_isolated("W2", repeats, ROUNDS[0])


def run_w3(repeats):
    import funcgrad as fg
    import funcgrad.numpy as jnp
    x = np.array([0.1, 0.2, 0.3])
    g = fg.jit(fg.grad(lambda x: w3_f(jnp, x)))
    np.testing.assert_allclose(g(x), np.cos(x) * x * x + 2 * x * np.sin(x), rtol=1e-12)
    fns = {"funcgrad.jit": lambda: g(x),
           "NumPy (by hand)": lambda: np.cos(x) * x * x + 2 * x * np.sin(x)}
    if have("jax"):
        import jax
        import jax.numpy as jjnp
        jg = jax.jit(jax.grad(lambda x: w3_f(jjnp, x)))
        jx = jax.device_put(x.astype(np.float32))     # JAX's default: no float64
        fns["JAX jit"] = lambda: jax.block_until_ready(jg(jx))
    res = compare(fns, max(repeats, 200), inner=100, warmup=200)
    return {k: v * 1e3 for k, v in res.items()}


def run_w4():
    bench_dir = os.path.dirname(os.path.abspath(__file__))
    res = {}
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, FUNCGRAD_CACHE_DIR=d)
        res["funcgrad, cold cache"] = _fresh(W4_SCRIPT.format(bench_dir=bench_dir), env)
        warm = [_fresh(W4_SCRIPT.format(bench_dir=bench_dir), env) for _ in range(3)]
        res["funcgrad, warm cache"] = tuple(np.median(np.array(warm), axis=0))
    if have("jax"):
        res["JAX jit (no persistent cache)"] = _fresh(W4_JAX.format(bench_dir=bench_dir), dict(os.environ))
    return res


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib.metadata import version
    vers = f"Python {platform.python_version()}, NumPy {np.__version__}, Numba {version('numba')}"
    if have("jax"):
        vers += f", JAX {version('jax')}"
    if have("torch"):
        vers += f", PyTorch {version('torch')}"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, load {load:.2f} at start; {vers}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=["W1", "W2", "W3", "W4"])
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=4,
                    help="W1/W2: processes per implementation, alternating (more: less noise)")
    ap.add_argument("--json", action="store_true", help="print the raw numbers as JSON too")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.repeats)
    ROUNDS[0] = args.rounds
    print(f"Machine: {machine()}\n")
    print(f"Command: python {' '.join(sys.argv)}\n")
    raw = {}
    units = {"W1": "ms", "W2": "ms", "W3": "µs"}
    titles = {"W1": "W1: MLP 784-512-512-10 SGD step, batch 128, float32",
              "W2": "W2: gradient of a 12-op elementwise function, 1e6 float32",
              "W3": "W3: per-call time of a jitted gradient of a tiny function (3 elements)"}
    for w, fn in (("W1", run_w1), ("W2", run_w2), ("W3", run_w3)):
        if w not in args.only:
            continue
        res = fn(args.repeats)
        raw[w] = res
        ref = res["funcgrad.jit"]
        print(f"### {titles[w]}\n\n| implementation | median ({units[w]}) | funcgrad / this |\n|---|---|---|")
        for name, v in res.items():
            print(f"| {name} | {v:.3f} | {ref / v:.2f} |")
        print()
    if "W4" in args.only:
        res = run_w4()
        raw["W4"] = res
        print("### W4: time to the first W1 result in a fresh process\n\n"
              "| run | first call (s) | process start to result (s) |\n|---|---|---|")
        for name, (first, total) in res.items():
            print(f"| {name} | {first:.2f} | {total:.2f} |")
        print()
    if args.json:
        print(json.dumps(raw, indent=1, default=float))


if __name__ == "__main__":
    main()
