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


def test_second_order_raises_a_clear_error():
    with pytest.raises(HigherOrderWhileError, match="fori_loop"):
        fg.grad(fg.grad(newton_sqrt))(4.0)


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
