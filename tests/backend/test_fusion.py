"""Fusion plans and generated kernels: what ends up in one loop nest, what is shared."""
import re

import numpy as np

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.backend.driver import generate
from funcgrad.backend.fusion import plan
from funcgrad.transforms.passes import optimize


def lowered(f, *args):
    return fg.jit(f).lower(*args)


def kernel_names(text):
    return re.findall(r"^def (k_[0-9a-f]+)\(", text, re.M)


def steps(f, *args):
    closed = optimize(fg.make_jaxpr(f)(*args))
    return [(s.kind, [e.primitive.name for e in s.eqns]) for s in plan(closed.jaxpr).steps]


def test_bias_and_activation_fuse_into_the_matmul_output(rng):
    x, w, b = rng.randn(8, 5), rng.randn(5, 4), rng.randn(4)
    assert steps(lambda x, w, b: jnp.tanh(x @ w + b), x, w, b) == [
        ("driver", ["dot_general"]), ("kernel", ["add", "tanh"])]
    text = lowered(lambda x, w, b: jnp.tanh(x @ w + b), x, w, b).as_text()
    assert "# written in place" in text


def test_gradient_of_an_elementwise_function_is_one_kernel(rng):
    def f(x):
        return jnp.sum(jnp.tanh(x) * jnp.exp(-x * x) + jnp.log1p(x * x) * jnp.sin(x))
    x = rng.randn(100).astype(np.float32)
    assert [k for k, _ in steps(fg.grad(f), x)] == ["kernel"]
    np.testing.assert_allclose(fg.jit(fg.grad(f))(x), fg.grad(f)(x), rtol=2e-5, atol=1e-6)


def test_reduction_with_prologue_and_multi_output(rng):
    # d = ct * (1 - h*h) is both an output and the operand of its column sum: one pass
    h, ct = rng.randn(6, 5), rng.randn(6, 5)
    f = lambda h, ct: (ct * (1 - h * h), jnp.sum(ct * (1 - h * h), axis=0))  # noqa: E731
    assert steps(f, h, ct) == [("kernel", ["mul", "sub", "mul", "reduce_sum"])]
    text = lowered(f, h, ct).as_text()
    assert "o1[i1] = np.float64(o1[i1] +" in text          # column sum: accumulate in the row
    a, b = fg.jit(f)(h, ct)
    np.testing.assert_allclose(b, (ct * (1 - h * h)).sum(0), rtol=1e-13)


def test_row_reduction_accumulates_in_a_scalar_and_uses_lanes_with_runtime_calls(rng):
    x = rng.randn(4, 200)
    plain = lowered(lambda x: jnp.sum(x * x, axis=1), x).as_text()
    assert "'reassoc'" in plain and "s1 = np.float64(s1 +" in plain
    withexp = lowered(lambda x: jnp.sum(jnp.exp(x), axis=1), x).as_text()
    assert "'reassoc'" not in withexp and "for q in range(8):" in withexp
    np.testing.assert_allclose(fg.jit(lambda x: jnp.sum(jnp.exp(x), axis=1))(x),
                               np.exp(x).sum(1), rtol=1e-13)


def test_kernels_are_shape_polymorphic_and_shared(rng):
    f = lambda x, y: jnp.tanh(x) * y + 1.0  # noqa: E731
    names = set()
    for shape in [(3,), (4, 5), (2, 3, 4), ()]:
        x = rng.randn(*shape)
        names.update(kernel_names(lowered(f, x, x).as_text()))
    assert len(names) == 1
    x32 = rng.randn(4).astype(np.float32)
    assert kernel_names(lowered(f, x32, x32).as_text())[0] not in names


def test_broadcast_patterns_collapse_dimensions(rng):
    x, b = rng.randn(2, 3, 4), rng.randn(4)
    text = lowered(lambda x, b: x * b, x, b).as_text()
    assert "k_" in text and "(6, 4)" in text          # (2, 3) merged: one 2-D loop nest
    np.testing.assert_allclose(fg.jit(lambda x, b: x * b)(x, b), x * b)


def test_in_place_reuse_never_reads_a_transposed_buffer(rng):
    a = rng.randn(5, 5)
    f = fg.jit(lambda a: (lambda t: t + t.T)(a @ a))
    np.testing.assert_allclose(f(a), a @ a + (a @ a).T, rtol=1e-13)


def test_in_place_reuse_never_overwrites_a_buffer_the_epilogue_reads():
    # Found by test_random_programs_long: argmax over an axis of length 1 makes the epilogue's
    # index text "0" equal the loop's; an output written before the reduction overwrote a dead
    # input that the epilogue (after the reduction) still read: jit(grad) gave 0.317, not 0.401.
    def f(a):
        p = jnp.reshape(a, (-1,)) + 0.25
        return jnp.sum(jnp.tanh(p)) + 2 * jnp.tanh(jnp.abs(a)) + jnp.tanh(a + jnp.argmax(p, axis=0))
    a = np.float32(1.7640524)
    g = fg.grad(f)
    want = (1 - np.tanh(np.float64(a) + 0.25) ** 2) + 2 * (1 - np.tanh(np.float64(a)) ** 2) \
        + (1 - np.tanh(np.float64(a)) ** 2)
    np.testing.assert_allclose(g(a), want, rtol=1e-6)
    np.testing.assert_allclose(fg.jit(g)(a), want, rtol=1e-6)


def test_argmax_along_an_outer_axis(rng):
    x = rng.randn(7, 3)
    x[2, 1] = np.nan
    f = fg.jit(lambda x: (jnp.argmax(x, axis=0), jnp.argmin(x, axis=1)))
    a, b = f(x)
    np.testing.assert_array_equal(a, np.argmax(x, axis=0))
    np.testing.assert_array_equal(b, np.argmin(x, axis=1))


def test_driver_names_match_the_printed_jaxpr(rng):
    x = rng.randn(3)
    closed = optimize(fg.make_jaxpr(lambda x: jnp.sin(x) @ x)(x))
    src = generate(closed.jaxpr, plan(closed.jaxpr)).driver_source
    assert "def run(a):" in src and "return (c,)" in src


def test_reduction_epilogue_runs_after_each_row(rng):
    x = rng.randn(6, 9)
    f = lambda x: fg.nn.log_softmax(x, axis=-1)  # noqa: E731
    kinds = steps(f, x)
    assert ("kernel", ["sub", "exp", "reduce_sum", "log"]) in kinds
    np.testing.assert_allclose(fg.jit(f)(x), f(x), rtol=1e-13)
    g = lambda x: jnp.mean(x, axis=1) + jnp.var(x, axis=1)  # noqa: E731
    assert len(steps(g, x)) == 2
    np.testing.assert_allclose(fg.jit(g)(x), g(x), rtol=1e-13)


def test_groups_that_need_each_others_results_are_not_merged(rng):
    # two reductions whose epilogues read each other's results: merging either epilogue into
    # the wrong group would make the two kernels wait on each other
    def norm_ratio(x):
        return jnp.sqrt(jnp.sum(x ** 2) + 1.0) / (1.0 + jnp.sum(jnp.abs(x) ** 3))
    x = rng.randn(5)
    np.testing.assert_allclose(fg.jit(fg.grad(norm_ratio))(x), fg.grad(norm_ratio)(x), rtol=1e-13)
