"""Reverse mode through ``while_loop`` with a data-dependent trip count (JAX refuses this)."""
import tracemalloc

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.control.while_grad import HigherOrderWhileError


def newton_sqrt(a, tol=1e-12):
    """Newton's iterations to a tolerance: the trip count depends on ``a``."""
    return lax.while_loop(lambda x: jnp.abs(x * x - a) > tol * a, lambda x: 0.5 * (x + a / x), a)


def fd(f, x, eps=1e-6):
    return (float(f(x + eps)) - float(f(x - eps))) / (2 * eps)


@pytest.mark.parametrize("a", [0.3, 4.0, 50.0, 1e4])
def test_newton_gradient_matches_finite_differences(a):
    want = 0.5 / np.sqrt(a)
    g = float(fg.grad(newton_sqrt)(a))
    assert g == pytest.approx(want, rel=1e-7)
    assert g == pytest.approx(fd(newton_sqrt, a), rel=1e-5)
    assert float(fg.jit(fg.grad(newton_sqrt))(a)) == pytest.approx(want, rel=1e-7)
    v, g2 = fg.jit(fg.value_and_grad(newton_sqrt))(a)
    assert float(v) == pytest.approx(np.sqrt(a)) and float(g2) == pytest.approx(want, rel=1e-7)


def test_gradient_through_pytree_carry_consts_and_counter():
    def f(x, w):
        def body(c):
            v, k = c["v"], c["k"]
            return {"v": jnp.tanh(v * w) + x, "k": k + 1}
        out = lax.while_loop(lambda c: (jnp.sum(c["v"]) < 3.0) & (c["k"] < 20), body,
                             {"v": x, "k": 0})
        return jnp.sum(out["v"] ** 2) * out["k"]
    x, w = np.array([0.2, 0.3]), 1.3

    def unrolled(x, w):       # the same loop in Python (eager grad records the taken iterations)
        v, k = x, 0
        while float(jnp.sum(v)) < 3.0 and k < 20:
            v, k = jnp.tanh(v * w) + x, k + 1
        return jnp.sum(v ** 2) * k
    for argnum in (0, 1):
        want = fg.grad(unrolled, argnum)(x, w)
        np.testing.assert_allclose(fg.grad(f, argnum)(x, w), want, rtol=1e-12)
        np.testing.assert_allclose(fg.jit(fg.grad(f, argnum))(x, w), want, rtol=1e-12)


def test_vmap_of_grad_with_different_trip_counts_per_example():
    a = np.array([0.5, 4.0, 100.0, 1e5])
    np.testing.assert_allclose(fg.vmap(fg.grad(newton_sqrt))(a), 0.5 / np.sqrt(a), rtol=1e-7)
    np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(newton_sqrt)))(a), 0.5 / np.sqrt(a), rtol=1e-7)


def test_zero_iterations_pass_the_cotangent_through():
    f = lambda x: lax.while_loop(lambda c: c < 10.0, lambda c: c * c, x)
    assert float(fg.grad(f)(11.0)) == 1.0
    assert float(fg.jit(fg.grad(f))(11.0)) == 1.0
    assert float(fg.grad(f)(3.0)) == pytest.approx(4 * 3.0 ** 3)   # two iterations: x^4


def _loop5(x):     # 5 iterations at x = 0.7; the trip count depends on x
    return lax.while_loop(lambda c: c[0] < 10.0,
                          lambda c: (c[0] * 1.5 + c[1], c[1] * jnp.sin(x)), (x, x))[1]


def _loop5_python(x):
    c = (x, x)
    while c[0] < 10.0:
        c = (c[0] * 1.5 + c[1], c[1] * jnp.sin(x))
    return c[1]


def test_second_order_with_reverse_mode_first_raises_a_clear_error():
    for i, second_order in enumerate((
            fg.grad(fg.grad(newton_sqrt)), fg.hessian(newton_sqrt),
            fg.jacfwd(fg.grad(newton_sqrt)), fg.jit(fg.grad(fg.grad(newton_sqrt))),
            fg.vmap(fg.grad(fg.grad(newton_sqrt))))):
        with pytest.raises(HigherOrderWhileError, match=r"jacrev\(jacfwd\(f\)\)") as info:
            second_order(np.array([4.0]) if i == 4 else 4.0)
        assert "test_while_grad.py" in str(info.value)       # names the user's line


def test_second_order_with_reverse_mode_last_is_exact():
    """The jvp of a while is a while, and its VJP is first order: jacrev(jacfwd) and grad of
    jvp give the second derivative the eager Python loop gives."""
    want = float(fg.grad(fg.grad(_loop5_python))(0.7))
    assert float(fg.jacrev(fg.jacfwd(_loop5))(0.7)) == pytest.approx(want, rel=1e-12)
    assert float(fg.jit(fg.jacrev(fg.jacfwd(_loop5)))(0.7)) == pytest.approx(want, rel=1e-12)
    hvp = fg.grad(lambda x: fg.jvp(_loop5, (x,), (1.0,))[1])
    assert float(hvp(0.7)) == pytest.approx(want, rel=1e-12)
    assert float(fg.jacfwd(fg.jacfwd(_loop5))(0.7)) == pytest.approx(want, rel=1e-12)


def test_jacrev_batches_only_the_cotangents():
    """jacrev vmaps the pullback over the cotangent basis: the loop's operands are unbatched
    (this raised a bare StopIteration)."""
    def fv(x):
        return lax.while_loop(lambda c: jnp.sum(c[0]) < 10.0,
                              lambda c: (c[0] * 1.5 + c[1], c[1] * jnp.sin(x)), (x, x))[1]

    def fv_python(x):
        c = (x, x)
        while jnp.sum(c[0]) < 10.0:
            c = (c[0] * 1.5 + c[1], c[1] * jnp.sin(x))
        return c[1]
    x = np.array([0.7, 0.2])
    want = fg.jacfwd(fv_python)(x)
    np.testing.assert_allclose(fg.jacrev(fv)(x), want, rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.jacrev(fv))(x), want, rtol=1e-12)
    assert float(fg.jacrev(_loop5)(0.7)) == pytest.approx(float(fg.grad(_loop5_python)(0.7)))


def _peak_bytes(fn, *args):
    tracemalloc.start()
    try:
        fn(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_with_the_iterations_actually_run():
    """Each iteration keeps its carry (8 KB here): peak memory is about n x 8 KB, for the n
    iterations the data asked for (no preallocated maximum)."""
    def f(x, n):
        return jnp.sum(lax.while_loop(lambda c: c[1] < n, lambda c: (jnp.sin(c[0]), c[1] + 1),
                                      (x, 0))[0])
    g = fg.grad(f)
    x = np.linspace(0.0, 1.0, 1000)
    g(x, 5)
    small, big = _peak_bytes(g, x, 10), _peak_bytes(g, x, 200)
    per_iteration = (big - small) / 190
    assert 0.8 * x.nbytes < per_iteration < 3 * x.nbytes, (small, big)
