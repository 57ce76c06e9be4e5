"""``jit`` composes with every transform, in both orders (the ``call`` equation's rules).

The permanent composition test of DESIGN §7: ``f``, ``jit(f)``, ``grad(jit(f))``, ``jit(grad(f))``,
``grad(grad(f))``, ``vmap(grad(f))`` ... agree with each other and with finite differences.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.test_util import check_grads


def f_smooth(x):
    return jnp.sum(jnp.tanh(x) * jnp.exp(-x * x) + jnp.log1p(x * x))


def f_matrix(x):
    w = jnp.reshape(jnp.arange(12.0), (4, 3)) / 10.0
    h = jnp.tanh(jnp.reshape(x, (1, 4)) @ w)
    return jnp.sum(h ** 2) + jnp.max(x)


def f_scan_cond(x):
    """Control flow (issue #10): a scan whose step takes a cond on the carry."""
    def step(c, xt):
        c = fg.lax.cond(jnp.sum(c) > 0.0, lambda v: jnp.tanh(v + xt), lambda v: v * xt, c)
        return c, jnp.sum(c * c)
    c, ys = fg.lax.scan(step, x, jnp.reshape(jnp.arange(8.0), (2, 4)) / 8.0)
    return jnp.sum(c) + jnp.sum(ys)


FUNCS = [f_smooth, f_matrix, f_scan_cond]


@pytest.fixture(autouse=True, params=["python"])
def backend(request, monkeypatch):
    """These tests are about the transforms and the ``call`` rules: they run the generated
    source on the Python backend (no compile time). ``test_numba_backend_agrees`` and the
    rule table cover the Numba kernels."""
    monkeypatch.setenv("FUNCGRAD_BACKEND", request.param)
    return request.param


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_all_orders_agree(f, rng):
    x = rng.randn(4)
    g = fg.grad(f)(x)
    variants = {
        "jit(f)": (fg.jit(f)(x), f(x)),
        "grad(jit(f))": (fg.grad(fg.jit(f))(x), g),
        "jit(grad(f))": (fg.jit(fg.grad(f))(x), g),
        "jit(grad(jit(f)))": (fg.jit(fg.grad(fg.jit(f)))(x), g),
        "grad(grad(jit(f)))[sum]": (fg.grad(lambda y: jnp.sum(fg.grad(fg.jit(f))(y)))(x),
                                    fg.grad(lambda y: jnp.sum(fg.grad(f)(y)))(x)),
        "jit(hessian(f))": (fg.jit(fg.hessian(f))(x), fg.hessian(f)(x)),
        "hessian(jit(f))": (fg.hessian(fg.jit(f))(x), fg.hessian(f)(x)),
    }
    for name, (got, want) in variants.items():
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_batched_and_forward(f, rng):
    xs = rng.randn(3, 4)
    want = np.stack([fg.grad(f)(x) for x in xs])
    for name, h in {"vmap(grad(jit(f)))": fg.vmap(fg.grad(fg.jit(f))),
                    "jit(vmap(grad(f)))": fg.jit(fg.vmap(fg.grad(f))),
                    "vmap(jit(grad(f)))": fg.vmap(fg.jit(fg.grad(f)))}.items():
        np.testing.assert_allclose(np.asarray(h(xs)), want, rtol=1e-10, err_msg=name)
    np.testing.assert_allclose(fg.vmap(fg.jit(f))(xs), [f(x) for x in xs], rtol=1e-12)
    t = rng.randn(4)
    y1, dy1 = fg.jvp(fg.jit(f), (xs[0],), (t,))
    y2, dy2 = fg.jvp(f, (xs[0],), (t,))
    np.testing.assert_allclose([y1, dy1], [y2, dy2], rtol=1e-12)
    y3, dy3 = fg.jit(lambda x, t: fg.jvp(f, (x,), (t,)))(xs[0], t)
    np.testing.assert_allclose([y3, dy3], [y2, dy2], rtol=1e-12)


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_jit_against_finite_differences(f, rng):
    check_grads(fg.jit(f), (rng.randn(4),), order=2, modes=("fwd", "rev"))


def test_closure_over_an_outer_tracer():
    def outer(y):
        return fg.jit(lambda x: jnp.sum(x * y ** 2))(jnp.ones(3))
    assert float(fg.grad(outer)(2.0)) == pytest.approx(12.0)
    assert float(fg.jit(fg.grad(outer))(2.0)) == pytest.approx(12.0)


def test_jit_of_value_and_grad_with_pytrees(rng):
    params = {"w": rng.randn(3, 2), "b": rng.randn(2)}
    x = rng.randn(5, 3)

    def loss(p, x):
        return jnp.mean(jnp.tanh(x @ p["w"] + p["b"]) ** 2)

    v1, g1 = fg.jit(fg.value_and_grad(loss))(params, x)
    v2, g2 = fg.value_and_grad(loss)(params, x)
    np.testing.assert_allclose(v1, v2, rtol=1e-12)
    for k in params:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-10)


def test_linear_output_of_integer_input_and_stop_gradient():
    f = fg.jit(lambda x, n: jnp.sum(x * n) + fg.lax.stop_gradient(jnp.sum(x)))
    g = fg.grad(f)(jnp.ones(3), np.arange(3))
    np.testing.assert_allclose(g, [0.0, 1.0, 2.0])


def test_float32_program_stays_float32(rng):
    x = rng.randn(4, 3).astype(np.float32)
    g = fg.jit(fg.grad(lambda x: jnp.sum(jnp.tanh(x) ** 2)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * np.tanh(x) * (1 - np.tanh(x) ** 2), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("backend", ["numba"], indirect=True)
def test_numba_backend_agrees(backend, rng):
    x = rng.randn(4)
    for f in FUNCS:
        np.testing.assert_allclose(fg.jit(fg.grad(f))(x), fg.grad(f)(x), rtol=1e-10)
        np.testing.assert_allclose(fg.grad(fg.jit(f))(x), fg.grad(f)(x), rtol=1e-10)
        np.testing.assert_allclose(fg.vmap(fg.jit(f))(np.stack([x, x])), [f(x), f(x)], rtol=1e-12)


def test_grad_of_jit_runs_the_forward_once():
    """grad(jit(f)): one forward program returning the residuals, one backward program reading
    them; the backward recomputes nothing of the forward (no tanh/sin in it)."""
    def f(x):
        return jnp.sum(jnp.tanh(x) ** 2 * jnp.sin(x))

    x = np.linspace(0.0, 1.0, 5)
    closed = fg.make_jaxpr(fg.grad(fg.jit(f)))(x)
    calls = [e for e in closed.eqns if e.primitive.name == "call"]
    assert [e.params["name"] for e in calls] == ["fwd_f", "bwd_f"], closed
    bwd = {e.primitive.name for e in calls[1].params["jaxpr"].eqns}
    assert not bwd & {"tanh", "sin"}, calls[1].params["jaxpr"]
    np.testing.assert_allclose(fg.grad(fg.jit(f))(x), fg.grad(f)(x), rtol=1e-12)
    # eagerly too: the recorded call saved its residuals for the backward sweep
    np.testing.assert_allclose(fg.jit(fg.grad(fg.jit(f)))(x), fg.grad(f)(x), rtol=1e-12)
