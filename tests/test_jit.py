"""``jit``: caching and retracing, static arguments, pytrees, errors, introspection."""
import dataclasses

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp


def _counting(fn):
    """``fn`` plus a counter of how many times Python ran it (= traces)."""
    calls = []

    def f(*args, **kwargs):
        calls.append(1)
        return fn(*args, **kwargs)
    f.__name__ = fn.__name__
    return f, calls


def test_new_values_do_not_retrace_new_types_do(rng):
    f, calls = _counting(lambda x: jnp.tanh(x) * 2.0)
    jf = fg.jit(f)
    x = rng.randn(3)
    np.testing.assert_allclose(jf(x), np.tanh(x) * 2.0, rtol=1e-14)
    jf(rng.randn(3))
    assert len(calls) == 1 and jf._cache_size() == 1
    jf(rng.randn(4))                                   # new shape
    jf(rng.randn(3).astype(np.float32))                # new dtype
    assert len(calls) == 3
    jf(np.float64(1.0))
    jf(1.0)                                            # Python float: weakly typed
    jf(2.0)
    assert len(calls) == 5


def test_pytree_structure_is_part_of_the_key():
    f, calls = _counting(lambda t: t[0] * t[1])
    jf = fg.jit(f)
    jf((np.ones(2), np.ones(2)))
    jf([np.ones(2), np.ones(2)])
    jf((np.ones(2), np.ones(2)))
    assert len(calls) == 2


def test_pytrees_in_and_out_and_kwargs():
    @fg.jit
    def f(params, x, *, scale):
        return {"y": params["w"] @ x * scale, "n": (jnp.sum(x), x.shape[0])}

    params = {"w": np.eye(3)}
    out = f(params, np.arange(3.0), scale=2.0)
    assert set(out) == {"y", "n"}
    np.testing.assert_allclose(out["y"], [0.0, 2.0, 4.0])
    assert float(out["n"][0]) == 3.0 and int(out["n"][1]) == 3
    assert isinstance(out["y"], fg.Array)


def test_static_argnums_and_argnames():
    f, calls = _counting(lambda x, n, *, mode="sum": jnp.sum(x ** n) if mode == "sum" else jnp.max(x ** n))
    jf = fg.jit(f, static_argnums=1, static_argnames="mode")
    x = np.arange(1.0, 4.0)
    assert float(jf(x, 2)) == 14.0
    assert float(jf(x, 3)) == 36.0
    assert float(jf(x, 2)) == 14.0
    assert float(jf(x, 2, mode="max")) == 9.0
    assert len(calls) == 3
    # a static argnum can also be passed by keyword
    g = fg.jit(lambda x, n: x * n, static_argnums=1)
    assert float(g(np.float64(2.0), n=3)) == 6.0


def test_unhashable_static_argument_names_the_argument():
    jf = fg.jit(lambda x, cfg: x * len(cfg), static_argnums=1)
    with pytest.raises(ValueError, match=r"(?s)Non-hashable static arguments.*argument 1.*tuple instead of a list"):
        jf(np.ones(2), [1, 2])


def test_frozen_dataclass_static_argument():
    @dataclasses.dataclass(frozen=True)
    class Cfg:
        k: int

    jf = fg.jit(lambda x, c: x * c.k, static_argnums=(1,))
    np.testing.assert_allclose(jf(np.ones(2), Cfg(3)), [3.0, 3.0])


def test_decorator_factory_and_donate_is_accepted():
    @fg.jit(static_argnums=(1,), donate_argnums=(0,))
    def f(x, n):
        return x + n

    x = np.ones(3)
    np.testing.assert_allclose(f(x, 2), 3.0)
    np.testing.assert_allclose(x, 1.0)      # donation is a no-op: the input is untouched


def test_outputs_never_alias_intermediates_and_inputs_are_not_written(rng):
    x = rng.randn(4, 5)
    w = rng.randn(5, 3)
    x0, w0 = x.copy(), w.copy()
    f = fg.jit(lambda x, w: (jnp.tanh(x @ w + 1.0), x, w * 2))
    a, b, c = f(x, w)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(a, np.tanh(x @ w + 1.0), rtol=1e-13)
    np.testing.assert_array_equal(b, x)


def test_constant_and_literal_outputs():
    f = fg.jit(lambda x: (x, 2.0, jnp.ones(2)))
    a, b, c = f(np.float32(1))
    assert float(b) == 2.0 and b.shape == () and c.shape == (2,)


def test_closed_over_arrays_are_constants(rng):
    table = rng.randn(3)
    f = fg.jit(lambda x: x * table + table.sum())
    np.testing.assert_allclose(f(np.ones(3)), table + table.sum(), rtol=1e-14)


def test_concretization_error_names_the_fix():
    @fg.jit
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(fg.ConcretizationError, match="static_argnums"):
        f(1.0)


def test_non_array_argument_error():
    with pytest.raises(TypeError, match="not a valid JAX type"):
        fg.jit(lambda x: x)("a string")


def test_disable_jit_runs_python():
    f, calls = _counting(lambda x: x + 1)
    jf = fg.jit(f)
    fg.config.update("jax_disable_jit", True)
    try:
        jf(1.0)
        jf(1.0)
    finally:
        fg.config.update("jax_disable_jit", False)
    assert len(calls) == 2 and jf._cache_size() == 0


def test_nested_jit_inlines_into_one_program(rng):
    inner = fg.jit(lambda x: jnp.sin(x) * 2.0)
    outer = fg.jit(lambda x: inner(x) + inner(x * 3.0))
    x = rng.randn(5)
    np.testing.assert_allclose(outer(x), np.sin(x) * 2 + np.sin(3 * x) * 2, rtol=1e-13)
    staged = fg.make_jaxpr(outer.fun)(x)
    assert [e.primitive.name for e in staged.eqns].count("call") == 2
    lowered = outer.lower(x)
    assert "call" not in {e.primitive.name for e in lowered.jaxpr.eqns}


def test_jit_under_make_jaxpr_records_a_call():
    text = str(fg.make_jaxpr(fg.jit(lambda x: x * 2.0))(1.0))
    assert "call[" in text and "name=" in text


def test_lower_as_text_shows_the_generated_source(rng):
    x, b = rng.randn(8, 4).astype(np.float32), rng.randn(4).astype(np.float32)
    lowered = fg.jit(lambda x, b: jnp.tanh(x + b)).lower(x, b)
    text = lowered.as_text()
    assert "def run(a, b):" in text
    assert "rt.tanh_f32" in text and "@njit(cache=True" in text
    assert "(8, 4)" not in text.split("# ---- ")[1]      # kernels carry no shapes
    f = lowered.compile()
    np.testing.assert_allclose(f(x, b), np.tanh(x + b), rtol=1e-6)


def test_method_decorated_with_jit():
    class Model:
        def __init__(self, k):
            self.k = k

        @fg.jit(static_argnums=0)       # as in JAX, ``self`` must be static (or a pytree)
        def apply(self, x):
            return x * self.k

    np.testing.assert_allclose(Model(3.0).apply(np.ones(2)), 3.0)


def test_x64_flag_is_part_of_the_key():
    jf = fg.jit(lambda x: x * 1.5)
    assert jf(1.0).dtype == np.float64
    fg.config.update("jax_enable_x64", False)
    assert jf(1.0).dtype == np.float32


def test_readonly_and_noncontiguous_inputs(rng):
    x = rng.randn(6, 4)
    ro = np.broadcast_to(rng.randn(4), (6, 4))
    f = fg.jit(lambda a, b: a * b + 1.0)
    np.testing.assert_allclose(f(x.T, x.T), x.T * x.T + 1.0)
    np.testing.assert_allclose(f(ro, x), ro * x + 1.0)


def test_compiled_signatures_are_bounded_lru(monkeypatch):
    """A function called at many shapes keeps at most FUNCGRAD_JIT_CACHE_SIZE programs, dropping
    the least recently used (a recent one survives)."""
    import sys
    fj = sys.modules["funcgrad.jit"]
    monkeypatch.setattr(fj, "_CACHE_SIZE", 3)
    f = fg.jit(lambda x: x * 2.0)
    for n in range(1, 6):
        f(np.ones(n))
        f(np.ones(1))            # keep n=1 the most recently used
    assert f._cache_size() == 3
    sizes = sorted(k[1][0][0][0] for k in f._cache.keys())   # the first leaf's length
    assert sizes == [1, 4, 5], sizes
    np.testing.assert_allclose(f(np.ones(2)), 2.0)   # an evicted signature compiles again


def test_jit_is_thread_safe_on_first_calls():
    import threading
    f = fg.jit(lambda x: jnp.tanh(x) * 3.0)
    xs = [np.full(n, 0.5) for n in (3, 4, 3, 4, 5, 3)]
    out = [None] * len(xs)

    def work(i):
        out[i] = f(xs[i])

    ts = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for x, o in zip(xs, out):
        np.testing.assert_allclose(o, np.tanh(x) * 3.0)


def test_long_float32_sums_are_accurate():
    """Float sums accumulate in blocks added pairwise: over 2e6 float32 values the error stays
    near NumPy's (a running sum was off by 5e-5), with and without fused transcendentals, over
    rows, and split across lanes."""
    x = np.random.RandomState(0).rand(2_000_000).astype(np.float32)
    x64 = x.astype(np.float64)
    cases = [(lambda v: jnp.sum(v), x64.sum()),
             (lambda v: jnp.mean(jnp.tanh(v)), np.tanh(x64).mean()),
             (lambda v: jnp.sum(v.reshape(20, 100_000), axis=1), x64.reshape(20, 100_000).sum(1))]
    for f, want in cases:
        got = np.asarray(fg.jit(f)(x), np.float64)
        assert np.max(np.abs(got - want) / np.abs(want)) < 3e-7, (got, want)


def test_a_new_batch_size_compiles_no_new_kernel():
    """Kernels are keyed by structure (rank and dtype), not sizes or constants: the MLP step at a
    second batch size (and so a second 1/batch constant in its mean) loads no new kernel."""
    from funcgrad.backend import numba_backend as nb
    from tests.backend.test_lanes import mlp_data, mlp_step
    step = fg.jit(mlp_step)
    params, _, _ = mlp_data(sizes=(20, 16, 16, 5), dtype=np.float32)

    def batch(b):
        _, x, y = mlp_data(batch=b, sizes=(20, 16, 16, 5), dtype=np.float32)
        return x, y

    step(params, *batch(32))
    n_log = len(nb.compile_log)          # every kernel compiled or loaded from disk is logged
    step(params, *batch(24))
    assert step._cache_size() == 2                                  # a new program was traced...
    assert nb.compile_log[n_log:] == [], nb.compile_log[n_log:]    # ...with no new kernel


def _assigned_parameters(source: str) -> set:
    """Parameters of the kernel function in ``source`` that its body rebinds."""
    import ast
    fn = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef))
    params = {a.arg for a in fn.args.args}
    return {t.id for n in ast.walk(fn) if isinstance(n, (ast.Assign, ast.AugAssign))
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
            if isinstance(t, ast.Name) and t.id in params}


def test_kernel_locals_never_rebind_a_kernel_argument():
    """An argmax's comparison temporary was once named like the first scalar-literal argument
    (``c0``): ``argmax(x) ** 3 / 10`` divided by a boolean (found by the differential test)."""
    x = np.array([[[0.3], [-1.2]]], np.float32)

    def f(x):
        c = jnp.argmax(x, axis=1).astype(x.dtype)
        return c, c ** 3 / 10.0, jnp.max(x, axis=1) * 2.5
    lowered = fg.jit(f).lower(x)
    for k in lowered.program.kernels.values():
        assert not _assigned_parameters(k.source), k.source
    for got, want in zip(fg.jit(f)(x), f(x)):
        np.testing.assert_array_equal(got, want)


def test_call_fast_path_of_array_pytrees_keys_on_structure_shape_and_dtype():
    """The second call of a signature takes the fast path; a list and a tuple of the same
    arrays, or another shape or dtype, each get their own entry and the right result."""
    f = fg.jit(lambda ps, x: [p * x for p in ps])
    a, b = np.arange(3.0), np.ones(3)
    x = np.float64(2.0) * np.ones(3)
    for _ in range(2):
        out = f([a, b], x)
        assert isinstance(out, list) and len(out) == 2
        np.testing.assert_array_equal(out[0], a * x)
    out = f((a, b), x[::-1])                       # a tuple; a non-contiguous view
    assert isinstance(out, list)
    np.testing.assert_array_equal(out[1], b * x[::-1])
    out = f([a.astype(np.float32), b.astype(np.float32)], x.astype(np.float32))
    assert out[0].dtype == np.float32
    out = f([a[:2], b[:2]], x[:2])
    np.testing.assert_array_equal(out[0], a[:2] * x[:2])
    assert len(f._fast) >= 3
    np.asarray(out[0])[...] = 7.0                   # outputs are fresh arrays every call
    np.testing.assert_array_equal(f([a[:2], b[:2]], x[:2])[0], a[:2] * x[:2])
