"""``lax.scan`` / ``fori_loop`` / ``map`` / ``while_loop``: values against Python loops, gradients
against unrolled Python loops and finite differences, vmap against loops, jit against eager, and
the error messages."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.control.subprograms import ControlFlowError
from funcgrad.core.ir import check_jaxpr
from funcgrad.test_util import check_grads

RNG = np.random.RandomState(0)
W = RNG.randn(4, 4) * 0.4
XS = RNG.randn(6, 4)


def rnn_scan(w, xs, reverse=False):
    def step(carry, x):
        h, n = carry
        h = jnp.tanh(w @ h + x["in"]) * x["gate"]
        return (h, n + 1), {"h": h, "norm": jnp.sum(h * h)}
    (h, n), ys = lax.scan(step, (jnp.zeros(4), 0), {"in": xs, "gate": jnp.ones_like(xs)},
                          reverse=reverse)
    return h, n, ys


def rnn_python(w, xs, reverse=False):
    h, hs, norms = jnp.zeros(4), [], []
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    for t in order:
        h = jnp.tanh(w @ h + xs[t])
        hs.append(h)
        norms.append(jnp.sum(h * h))
    if reverse:
        hs, norms = hs[::-1], norms[::-1]
    return h, len(xs), {"h": jnp.stack(hs), "norm": jnp.stack(norms)}


def loss(fn, reverse=False):
    def f(w, xs):
        h, _, ys = fn(w, xs, reverse)
        return jnp.sum(h) + jnp.sum(ys["norm"] * jnp.arange(1.0, 7.0)) + jnp.sum(ys["h"][2])
    return f


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_pytrees_and_reverse_match_a_python_loop(reverse):
    h, n, ys = rnn_scan(W, XS, reverse)
    h2, n2, ys2 = rnn_python(W, XS, reverse)
    np.testing.assert_allclose(h, h2, rtol=1e-13)
    assert int(n) == n2
    np.testing.assert_allclose(ys["h"], ys2["h"], rtol=1e-13)
    np.testing.assert_allclose(ys["norm"], ys2["norm"], rtol=1e-13)
    hj, nj, ysj = fg.jit(lambda w, xs: rnn_scan(w, xs, reverse))(W, XS)
    np.testing.assert_allclose(hj, h2, rtol=1e-12)
    np.testing.assert_allclose(ysj["h"], ys2["h"], rtol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_gradients_match_the_unrolled_loop(reverse):
    f, f_py = loss(rnn_scan, reverse), loss(rnn_python, reverse)
    for argnum in (0, 1):
        want = fg.grad(f_py, argnum)(W, XS)
        np.testing.assert_allclose(fg.grad(f, argnum)(W, XS), want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(fg.jit(fg.grad(f, argnum))(W, XS), want, rtol=1e-10, atol=1e-12)
    check_grads(f, (W, XS), order=2, atol=1e-5, rtol=1e-5)


def test_scan_vmap_matches_a_loop():
    f = loss(rnn_scan)
    ws = np.stack([W, W * 0.5, -W])
    np.testing.assert_allclose(fg.vmap(f, in_axes=(0, None))(ws, XS), [f(w, XS) for w in ws])
    xss = np.stack([XS, XS[::-1], XS * 2])
    np.testing.assert_allclose(fg.vmap(f, in_axes=(None, 0))(W, xss), [f(W, x) for x in xss])
    np.testing.assert_allclose(fg.vmap(f, in_axes=(None, 1))(W, np.moveaxis(xss, 0, 1)),
                               [f(W, x) for x in xss])
    g = fg.vmap(fg.grad(f), in_axes=(0, None))(ws, XS)
    np.testing.assert_allclose(g, np.stack([fg.grad(f)(w, XS) for w in ws]), rtol=1e-12)


_UNROLLS = [1, 2, 3, 6, 7, 0, True, False, np.int32(4)]


def test_scan_unroll_is_a_hint_every_value_gives_the_same_numbers():
    """JAX: ``unroll`` (int >= 0, 0 or True = fully unrolled, False = 1) changes no result."""
    def make(unroll):
        def f(w, xs):                        # length 6: unroll 4 leaves a remainder of 2
            def step(c, x):
                h = jnp.tanh(w @ c + x)
                return h, jnp.sum(h * h)
            h, ys = lax.scan(step, jnp.zeros(4), xs, unroll=unroll)
            return jnp.sum(h) + jnp.sum(ys * jnp.arange(1.0, 7.0))
        return f
    base = make(1)
    ws = np.stack([W, 0.5 * W])
    want = (base(W, XS), fg.grad(base)(W, XS), fg.jit(fg.value_and_grad(base))(W, XS),
            fg.vmap(fg.grad(base), in_axes=(0, None))(ws, XS))
    for u in _UNROLLS:
        f = make(u)
        got = (f(W, XS), fg.grad(f)(W, XS), fg.jit(fg.value_and_grad(f))(W, XS),
               fg.vmap(fg.grad(f), in_axes=(0, None))(ws, XS))
        for g, w in zip(fg.tree_util.tree_leaves(got), fg.tree_util.tree_leaves(want)):
            np.testing.assert_array_equal(g, w)
    assert float(lax.fori_loop(0, 5, lambda i, c: c + i, 0.0, unroll=True)) == 10.0
    assert float(lax.fori_loop(0, 5, lambda i, c: c + i, 0.0, unroll=2)) == 10.0


def test_scan_unroll_is_checked_as_jax_checks_it():
    step = lambda c, x: (c + x, c)
    with pytest.raises(ValueError, match="non-negative"):
        lax.scan(step, 0.0, np.ones(3), unroll=-1)
    with pytest.raises(TypeError, match="non-negative `int`, got 2.5"):
        lax.scan(step, 0.0, np.ones(3), unroll=2.5)
    with pytest.raises(TypeError, match="got None"):
        lax.scan(step, 0.0, np.ones(3), unroll=None)
    with pytest.raises(TypeError, match="concrete"):       # a ConcretizationError, as in JAX
        fg.jit(lambda u: lax.scan(step, 0.0, np.ones(3), unroll=u))(2)
    # traced bounds: fori_loop is a while loop, which cannot unroll
    dyn = lambda n, u: lax.fori_loop(0, n, lambda i, c: c + i, 0.0, unroll=u)
    assert float(fg.jit(lambda n: dyn(n, True))(4)) == 6.0
    with pytest.raises(ValueError, match="statically known"):
        fg.jit(lambda n: dyn(n, 2))(4)


def test_scan_without_xs_and_with_length():
    def f(x):
        c, ys = lax.scan(lambda c, _: (c * x, c), 1.0, None, length=4)
        return c, ys
    c, ys = f(2.0)
    assert float(c) == 16.0
    np.testing.assert_allclose(ys, [1.0, 2.0, 4.0, 8.0])
    assert float(fg.grad(lambda x: f(x)[0])(2.0)) == pytest.approx(32.0)


def test_scan_of_length_zero_returns_the_initial_carry():
    c, ys = lax.scan(lambda c, x: (c + x, c), 1.0, np.zeros((0,)))
    assert np.shape(ys) == (0,) and float(c) == 1.0


def test_scan_closes_over_outer_traced_values():
    def f(w):
        c, _ = lax.scan(lambda c, x: (c * w + x, None), 0.0, jnp.arange(3.0))
        return c          # c = (0*w + 0)*w + 1)*w + 2 = w + 2
    assert float(fg.grad(f)(3.0)) == pytest.approx(1.0)
    assert float(fg.jit(fg.grad(f))(3.0)) == pytest.approx(1.0)
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(np.arange(3.0)), [1.0, 1.0, 1.0])


def test_scan_ir_prints_and_type_checks():
    jaxpr = fg.make_jaxpr(loss(rnn_scan))(W, XS)
    check_jaxpr(jaxpr.jaxpr)
    assert "scan[jaxpr={" in str(jaxpr) and "length=6" in str(jaxpr)
    grad_jaxpr = fg.make_jaxpr(fg.grad(loss(rnn_scan)))(W, XS)
    check_jaxpr(grad_jaxpr.jaxpr)
    assert "reverse=True" in str(grad_jaxpr)      # the backward scan runs the other way


def test_fori_loop_static_is_a_scan_dynamic_is_a_while():
    body = lambda i, x: x * 0.5 + jnp.sin(x) * i
    py = 0.3
    for i in range(1, 5):
        py = py * 0.5 + np.sin(py) * i
    assert float(lax.fori_loop(1, 5, body, 0.3)) == pytest.approx(py)
    static = fg.make_jaxpr(lambda x: lax.fori_loop(1, 5, body, x))(0.3)
    assert "scan" in {e.primitive.name for e in static.eqns}
    dynamic = fg.make_jaxpr(lambda n, x: lax.fori_loop(1, n, body, x))(5, 0.3)
    assert "while" in {e.primitive.name for e in dynamic.eqns}
    assert float(fg.jit(lambda n, x: lax.fori_loop(1, n, body, x))(5, 0.3)) == pytest.approx(py)
    check_grads(lambda x: lax.fori_loop(1, 5, body, x), (0.3,), order=2)
    # the counter is weakly typed: float32 carries stay float32
    assert lax.fori_loop(0, 3, lambda i, x: x + i, np.float32(1.0)).dtype == np.float32


def test_map_matches_a_python_loop_with_and_without_batches():
    xs = RNG.randn(7, 3)
    want = np.stack([np.sum(np.exp(x)) * x for x in xs])
    for bs in (None, 2, 7, 10):
        got = lax.map(lambda x: jnp.sum(jnp.exp(x)) * x, xs, batch_size=bs)
        np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(fg.jit(lambda xs: lax.map(jnp.sin, xs))(xs), np.sin(xs))


def newton_sqrt(a):
    """Newton's iterations to a tolerance: the trip count depends on ``a``."""
    return lax.while_loop(lambda x: jnp.abs(x * x - a) > 1e-10 * a,
                          lambda x: 0.5 * (x + a / x), a)


def test_while_loop_values_vmap_and_jit():
    a = np.array([0.5, 4.0, 100.0, 1e4])
    np.testing.assert_allclose([newton_sqrt(x) for x in a], np.sqrt(a), rtol=1e-9)
    np.testing.assert_allclose(fg.vmap(newton_sqrt)(a), np.sqrt(a), rtol=1e-9)
    np.testing.assert_allclose(fg.jit(fg.vmap(newton_sqrt))(a), np.sqrt(a), rtol=1e-9)
    np.testing.assert_allclose(fg.jit(newton_sqrt)(a[2]), 10.0, rtol=1e-9)


def test_while_loop_under_vmap_masks_finished_lanes():
    # lane i runs i+1 iterations; finished lanes must not keep counting
    def count(n):
        return lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, c[1] * 2.0), (0, 1.0))
    ns = np.array([1, 2, 3, 5])
    i, v = fg.vmap(count)(ns)
    np.testing.assert_array_equal(i, ns)
    np.testing.assert_allclose(v, 2.0 ** ns)


def test_while_loop_forward_mode():
    a = 4.0
    y, t = fg.jvp(newton_sqrt, (a,), (1.0,))
    assert float(y) == pytest.approx(2.0) and float(t) == pytest.approx(0.25, rel=1e-8)
    J = fg.jacfwd(fg.vmap(newton_sqrt))(np.array([4.0, 9.0]))
    np.testing.assert_allclose(J, np.diag([0.25, 1 / 6]), rtol=1e-8)


def test_carry_type_change_is_an_error_naming_both_types():
    with pytest.raises(ControlFlowError) as e:
        lax.scan(lambda c, x: (c.astype(np.float32) + x, None), np.zeros(2), np.ones((3, 2), np.float32))
    msg = str(e.value)
    assert "f64[2]" in msg and "f32[2]" in msg and "test_loops.py" in msg
    with pytest.raises(ControlFlowError) as e:
        lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, jnp.ones(3)), (0, jnp.ones(2)))
    msg = str(e.value)
    assert "carry[1]" in msg and "f64[2]" in msg and "f64[3]" in msg
    with pytest.raises(ControlFlowError, match="structure"):
        lax.scan(lambda c, x: ((c, c), x), 0.0, np.ones(3))


def test_other_loop_errors():
    with pytest.raises(ControlFlowError, match="boolean scalar"):
        lax.while_loop(lambda c: c, lambda c: c + 1.0, 0.0)
    with pytest.raises(ControlFlowError, match="pair"):
        lax.scan(lambda c, x: c, 0.0, np.ones(3))
    with pytest.raises(ValueError, match="length"):
        lax.scan(lambda c, x: (c, x), 0.0, None)
    with pytest.raises(ValueError, match="leading axes"):
        lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))


def test_weak_initial_carry_takes_the_body_dtype():
    c, _ = lax.scan(lambda c, x: (c + jnp.sum(x), None), 0.0, np.ones((3, 2), np.float32))
    assert c.dtype == np.float32 and float(c) == 6.0


def test_nested_gradients_through_scan_residuals():
    """grad over x of (grad over w): the inner forward scan stacks residuals for its own VJP; the
    outer gradient must flow through them (and through the scanned x the inner grad ignores)."""
    def f(w, x, scan):
        xs = jnp.stack([x, 2.0 * x, x * x])
        if scan:
            h, _ = lax.scan(lambda h, xt: (jnp.tanh(w * h + xt), None), 0.3, xs)
        else:
            h = 0.3
            for t in range(3):
                h = jnp.tanh(w * h + xs[t])
        return h

    def outer(x, scan):
        return fg.grad(f)(0.7, x, scan)
    want = fg.grad(outer)(0.4, False)
    assert float(fg.grad(outer)(0.4, True)) == pytest.approx(float(want), rel=1e-10)
    assert float(fg.jit(fg.grad(outer), static_argnums=1)(0.4, True)) == pytest.approx(float(want), rel=1e-10)
    h_want = fg.hessian(lambda wx: f(wx[0], wx[1], False))(np.array([0.7, 0.4]))
    h_got = fg.hessian(lambda wx: f(wx[0], wx[1], True))(np.array([0.7, 0.4]))
    np.testing.assert_allclose(h_got, h_want, rtol=1e-9)
