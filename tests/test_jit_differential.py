"""Differential test: random compositions of primitives on random shapes give the same values
eagerly, under ``jit`` (Numba kernels), under the Python backend (the same generated source
run without Numba), and with every step that can split over lanes split (``backend/lanes.py``).

A program is a random sequence of operations over a growing pool of values (inputs of random
rank, size and dtype); every operation keeps values in a moderate range so that the three
results can be compared with a tight tolerance. The default run draws a few programs;
``pytest -m slow`` runs many more.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as jnp

# no "explain" phase: it traces every line (Numba's compiler included) and takes minutes
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]
SHORT = settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck),
                 phases=PHASES)
LONG = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck),
                phases=PHASES)

UNARY = {
    "tanh": jnp.tanh, "sin": jnp.sin, "neg": jnp.negative, "abs": jnp.abs,
    "exp_t": lambda x: jnp.exp(jnp.tanh(x)), "log_p": lambda x: jnp.log(jnp.abs(x) + 0.5),
    "log1p": lambda x: jnp.log1p(jnp.abs(x)), "expm1_t": lambda x: jnp.expm1(jnp.tanh(x)),
    "sigmoid": fg.nn.sigmoid, "sqrt": lambda x: jnp.sqrt(jnp.abs(x)), "square": jnp.square,
    "floor": jnp.floor, "cube": lambda x: x ** 3 / 10.0, "relu": fg.nn.relu,
    "softplus": fg.nn.softplus,
}
BINARY = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply,
    "div": lambda x, y: x / (jnp.abs(y) + 1.0), "max": jnp.maximum, "min": jnp.minimum,
    "where": lambda x, y: jnp.where(x > y, x, y * 0.5),
    "pow": lambda x, y: (jnp.abs(x) + 0.5) ** jnp.tanh(y),
}
REDUCE = {
    "sum": lambda x, ax: jnp.sum(x, axis=ax), "max": lambda x, ax: jnp.max(x, axis=ax),
    "mean_keep": lambda x, ax: jnp.mean(x, axis=ax, keepdims=True),
    "logsumexp": lambda x, ax: fg.nn.logsumexp(x, axis=ax),
    "argmax": lambda x, ax: jnp.argmax(x, axis=ax).astype(x.dtype),
}


@st.composite
def programs(draw):
    dtype = draw(st.sampled_from(["float32", "float64"]))
    n_in = draw(st.integers(1, 3))
    rank = draw(st.integers(0, 3))
    full = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    shapes = [tuple(d if draw(st.booleans()) else 1 for d in full) for _ in range(n_in)]
    ops = []
    for _ in range(draw(st.integers(1, 7))):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "shape", "matmul"]))
        if kind == "unary":
            ops.append(("unary", draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, 20))))
        elif kind == "binary":
            ops.append(("binary", draw(st.sampled_from(sorted(BINARY))),
                        draw(st.integers(0, 20)), draw(st.integers(0, 20))))
        elif kind == "reduce":
            ops.append(("reduce", draw(st.sampled_from(sorted(REDUCE))), draw(st.integers(0, 20)),
                        draw(st.integers(0, 3))))
        elif kind == "shape":
            ops.append(("shape", draw(st.sampled_from(["T", "flat", "expand", "slice"])),
                        draw(st.integers(0, 20))))
        else:
            ops.append(("matmul", draw(st.integers(0, 20)), draw(st.integers(0, 20))))
    seed = draw(st.integers(0, 2 ** 16))
    return dtype, shapes, ops, seed


def build(ops):
    """The program as a function of its inputs; ops that do not fit the shapes are skipped."""
    def f(*xs):
        pool = list(xs)
        for op in ops:
            kind = op[0]
            try:
                if kind == "unary":
                    x = pool[op[2] % len(pool)]
                    pool.append(UNARY[op[1]](x))
                elif kind == "binary":
                    x, y = pool[op[2] % len(pool)], pool[op[3] % len(pool)]
                    np.broadcast_shapes(np.shape(x), np.shape(y))
                    pool.append(BINARY[op[1]](x, y))
                elif kind == "reduce":
                    x = pool[op[2] % len(pool)]
                    if np.ndim(x) == 0:
                        continue
                    pool.append(REDUCE[op[1]](x, op[3] % np.ndim(x)))
                elif kind == "shape":
                    x = pool[op[2] % len(pool)]
                    if op[1] == "T":
                        pool.append(x.T * 1.5)
                    elif op[1] == "flat":
                        pool.append(jnp.reshape(x, (-1,)) + 0.25)
                    elif op[1] == "expand":
                        pool.append(jnp.expand_dims(x, 0) - 0.5)
                    elif np.ndim(x):
                        pool.append(x[::2] * 2.0)
                else:
                    x, y = pool[op[1] % len(pool)], pool[op[2] % len(pool)]
                    if np.ndim(x) >= 1 and np.ndim(y) >= 1 and np.shape(x)[-1] == np.shape(y)[0]:
                        pool.append(jnp.tanh(x @ y))
            except (ValueError, TypeError):
                continue
        return pool[len(xs):] or [pool[0] * 1.0]
    return f


def _inputs(dtype, shapes, seed):
    rng = np.random.RandomState(seed)
    return [np.asarray(rng.randn(*s), dtype=dtype) for s in shapes]


def _compare(got, want, dtype, what):
    assert len(got) == len(want)
    tol = 1e-4 if dtype == "float32" else 1e-10
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, what
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, equal_nan=True, err_msg=what)


def check_program(dtype, shapes, ops, seed, monkeypatch):
    f = build(ops)
    xs = _inputs(dtype, shapes, seed)
    want = f(*xs)
    _compare(fg.jit(f)(*xs), want, dtype, f"jit {ops}")
    grad = fg.grad(lambda *a: sum(jnp.sum(jnp.tanh(o)) for o in f(*a)), argnums=tuple(range(len(xs))))
    _compare(fg.jit(grad)(*xs), grad(*xs), dtype, f"jit(grad) {ops}")
    with monkeypatch.context() as m:
        m.setenv("FUNCGRAD_BACKEND", "python")
        _compare(fg.jit(f)(*xs), want, dtype, f"python backend {ops}")
    with monkeypatch.context() as m:    # every splittable step split over lanes
        m.setenv("FUNCGRAD_LANES", "2")
        m.setenv("FUNCGRAD_LANES_MIN_WORK", "0")
        _compare(fg.jit(f)(*xs), want, dtype, f"jit on 2 lanes {ops}")
        _compare(fg.jit(grad)(*xs), grad(*xs), dtype, f"jit(grad) on 2 lanes {ops}")


@SHORT
@given(programs())
def test_random_programs(monkeypatch, prog):
    check_program(*prog, monkeypatch)


@pytest.mark.slow
@LONG
@given(programs())
def test_random_programs_long(monkeypatch, prog):
    check_program(*prog, monkeypatch)
