"""custom_jvp, custom_vjp, stop_gradient and checkpoint under every transform."""
import tracemalloc

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.control.custom import CustomDerivativeError
from funcgrad.test_util import check_grads


# --------------------------------------------------------------------------- custom_jvp

@fg.custom_jvp
def log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


@log1pexp.defjvp
def _log1pexp_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return log1pexp(x), t * (1.0 - 1.0 / (1.0 + jnp.exp(x)))


def test_custom_jvp_rule_is_used():
    """JAX's docs example: the naive derivative is nan at 100; the rule's is 1."""
    assert float(fg.grad(log1pexp)(100.0)) == 1.0
    assert float(fg.jit(fg.grad(log1pexp))(100.0)) == 1.0
    np.testing.assert_allclose(fg.vmap(fg.grad(log1pexp))(jnp.array([0.0, 100.0])), [0.5, 1.0])
    out, t = fg.jvp(log1pexp, (3.0,), (2.0,))
    np.testing.assert_allclose([float(out), float(t)], [np.log1p(np.exp(3.0)), 2 / (1 + np.exp(-3.0))])
    assert float(log1pexp(1.0)) == float(np.log(1.0 + np.exp(1.0)))


def test_custom_jvp_composes_and_matches_finite_differences():
    x = np.linspace(-2, 2, 5)
    check_grads(log1pexp, (x,), order=2)
    f = lambda x: jnp.sum(log1pexp(x) ** 2)
    g = fg.grad(f)(x)
    for h in (fg.jit(fg.grad(f)), fg.grad(fg.jit(f))):
        np.testing.assert_allclose(h(x), g, rtol=1e-13)
    np.testing.assert_allclose(fg.jacfwd(fg.grad(f))(x), fg.hessian(f)(x), rtol=1e-12)


def test_defjvps_and_nondiff_argnums():
    @fg.custom_jvp
    def f(x, y):
        return x * y

    f.defjvps(lambda tx, out, x, y: 10.0 * tx * y, lambda ty, out, x, y: x * ty)
    assert float(fg.grad(f)(2.0, 3.0)) == 30.0
    assert float(fg.grad(f, 1)(2.0, 3.0)) == 2.0

    from functools import partial

    @partial(fg.custom_jvp, nondiff_argnums=(0,))
    def app(fn, x):
        return fn(x)

    @app.defjvp
    def _app_jvp(fn, primals, tangents):
        (x,), (t,) = primals, tangents
        return app(fn, x), 3.0 * t

    assert float(fg.grad(lambda x: app(jnp.sin, x))(0.1)) == 3.0
    assert float(fg.jit(fg.grad(lambda x: app(jnp.sin, x)))(0.1)) == 3.0


def test_custom_jvp_pytrees_and_kwargs():
    @fg.custom_jvp
    def f(d, scale=1.0):
        return {"s": jnp.sum(d["a"] * scale), "p": d["b"] * 2.0}

    @f.defjvp
    def _f_jvp(primals, tangents):
        (d, scale), (td, tscale) = primals, tangents
        return f(d, scale), {"s": jnp.sum(td["a"] * scale) + jnp.sum(d["a"]) * tscale,
                             "p": td["b"] * 2.0}

    d = {"a": jnp.arange(3.0), "b": jnp.ones(2)}
    g = fg.grad(lambda d: f(d, scale=2.0)["s"] + jnp.sum(f(d)["p"]))(d)
    np.testing.assert_allclose(g["a"], [2.0, 2.0, 2.0])
    np.testing.assert_allclose(g["b"], [2.0, 2.0])


def test_custom_jvp_errors():
    @fg.custom_jvp
    def f(x):
        return x

    with pytest.raises(AttributeError, match="No JVP defined"):
        f(1.0)

    @f.defjvp
    def _bad(primals, tangents):
        return primals[0], (tangents[0], tangents[0])

    with pytest.raises(CustomDerivativeError, match="output structure"):
        fg.grad(f)(1.0)

    @fg.custom_jvp
    def h(x):
        return x * 2.0

    h.defjvp(lambda p, t: (h(*p), 2.0 * t[0]))
    with pytest.raises(CustomDerivativeError, match="closes over"):
        fg.grad(_closure)(1.0)


def _closure(y):
    @fg.custom_jvp
    def g(x):
        return x * y

    g.defjvp(lambda p, t: (g(*p), t[0] * y))
    return g(1.0)


# --------------------------------------------------------------------------- custom_vjp

@fg.custom_vjp
def clip_gradient(lo, hi, x):
    return x


def _clip_fwd(lo, hi, x):
    return x, (lo, hi)


def _clip_bwd(res, g):
    lo, hi = res
    return (None, None, jnp.clip(g, lo, hi))


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


def test_custom_vjp_clip_gradient():
    f = lambda x: 5.0 * clip_gradient(-1.0, 1.0, x)
    assert float(fg.grad(f)(2.0)) == 1.0
    assert float(fg.jit(fg.grad(f))(2.0)) == 1.0
    np.testing.assert_array_equal(fg.vmap(fg.grad(lambda x: 0.5 * clip_gradient(-1.0, 1.0, x)))
                                  (jnp.arange(3.0)), [0.5, 0.5, 0.5])
    assert float(f(2.0)) == 10.0


@fg.custom_vjp
def softplus(x):
    return jnp.log1p(jnp.exp(x))


def _softplus_fwd(x):
    return softplus(x), (x,)        # calls the function itself, as JAX programs often do


def _softplus_bwd(res, g):
    (x,) = res
    return (g * (1.0 / (1.0 + jnp.exp(-x))),)


softplus.defvjp(_softplus_fwd, _softplus_bwd)


def test_custom_vjp_true_derivative_matches_finite_differences_to_second_order():
    x = np.array([-1.5, 0.3, 2.0])
    check_grads(softplus, (x,), order=2, modes=("rev",))
    hess = fg.grad(lambda x: fg.grad(lambda y: jnp.sum(softplus(y)))(x).sum())(x)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(hess, s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.grad(lambda x: jnp.sum(softplus(x))))(x), s, rtol=1e-14)


def test_custom_vjp_forward_mode_is_refused():
    with pytest.raises(CustomDerivativeError, match="forward-mode"):
        fg.jvp(softplus, (1.0,), (1.0,))


def test_custom_vjp_nondiff_argnums_and_pytrees():
    from functools import partial

    @partial(fg.custom_vjp, nondiff_argnums=(0,))
    def scaled(k, p):
        return {"y": p["w"] * k}

    scaled.defvjp(lambda k, p: (scaled(k, p), None),
                  lambda k, res, g: ({"w": g["y"] * k * 100.0},))
    g = fg.grad(lambda p: jnp.sum(scaled(2.0, p)["y"]))({"w": jnp.ones(3)})
    np.testing.assert_allclose(g["w"], [200.0] * 3)


def test_custom_vjp_errors():
    @fg.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, None), lambda res, g: (g,))
    with pytest.raises(CustomDerivativeError, match="tuple of length"):
        fg.grad(f)(1.0, 2.0)
    with pytest.raises(CustomDerivativeError, match="closes over"):
        fg.grad(lambda y: _vjp_closure(y))(1.0)


def _vjp_closure(y):
    @fg.custom_vjp
    def g(x):
        return x * y

    g.defvjp(lambda x: (g(x), None), lambda res, ct: (ct,))
    return g(1.0)


# --------------------------------------------------------------------------- stop_gradient

def test_stop_gradient():
    f = lambda x: x * lax.stop_gradient(x)
    assert float(fg.grad(f)(3.0)) == 3.0
    assert float(fg.jit(fg.grad(f))(3.0)) == 3.0
    assert float(fg.jvp(f, (3.0,), (1.0,))[1]) == 3.0


# --------------------------------------------------------------------------- checkpoint

def _mlp(params, x):
    for w, b in params:
        x = jnp.tanh(x @ w + b)
    return x


def _params(n_layers=6, width=8, seed=0):
    rng = np.random.RandomState(seed)
    return [(rng.randn(width, width) / np.sqrt(width), rng.randn(width) * 0.1) for _ in range(n_layers)]


def test_checkpoint_gradients_equal_plain_gradients():
    params, x = _params(), np.random.RandomState(1).randn(4, 8)
    block = fg.checkpoint(lambda ps, x: _mlp(ps, x))
    plain = lambda ps: jnp.sum(_mlp(ps, x) ** 2)
    remat = lambda ps: jnp.sum(block(ps, x) ** 2)
    want = fg.grad(plain)(params)
    for got in (fg.grad(remat)(params), fg.jit(fg.grad(remat))(params),
                fg.grad(fg.jit(remat))(params)):
        for (gw, gb), (ww, wb) in zip(got, want):
            np.testing.assert_allclose(gw, ww, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(gb, wb, rtol=1e-12, atol=1e-14)
    xs = np.random.RandomState(2).randn(3, 4, 8)
    per = fg.vmap(lambda x: fg.grad(lambda ps: jnp.sum(block(ps, x) ** 2))(params))(xs)
    per_plain = fg.vmap(lambda x: fg.grad(lambda ps: jnp.sum(_mlp(ps, x) ** 2))(params))(xs)
    np.testing.assert_allclose(per[0][0], per_plain[0][0], rtol=1e-12)
    check_grads(fg.checkpoint(lambda x: jnp.sin(x) * jnp.cos(x)), (np.array([0.3, 1.2]),), order=2)


def test_checkpoint_recomputes_in_the_backward_program():
    f = fg.checkpoint(lambda x: jnp.sin(jnp.sin(x)))
    text = str(fg.make_jaxpr(fg.grad(f))(0.5))
    # the backward program recomputes both sines from the (barrier-protected) input
    assert "optimization_barrier" in text
    assert text.count("= sin") == 2 + 2       # twice inside the checkpoint body, twice recomputed
    text = str(fg.make_jaxpr(fg.grad(fg.checkpoint(lambda x: jnp.sin(jnp.sin(x)),
                                                   prevent_cse=False)))(0.5))
    assert "optimization_barrier" not in text


def test_checkpoint_static_argnums_and_policies():
    f = fg.checkpoint(lambda n, x: x ** n, static_argnums=(0,))
    assert float(fg.grad(f, 1)(3, 2.0)) == 12.0
    g = fg.checkpoint(jnp.sin, policy=fg.checkpoint_policies.everything_saveable)
    assert g is jnp.sin
    pol = fg.checkpoint_policies
    for policy in (pol.dots_saveable, pol.dots_with_no_batch_dims_saveable,
                   pol.save_only_these_names("h"), lambda *a, **k: True):
        h = fg.checkpoint(lambda x: fg.checkpoint_name(jnp.sin(x), "h") * x, policy=policy)
        assert float(fg.grad(h)(0.5)) == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5), rel=1e-14)
        assert "checkpoint" in str(fg.make_jaxpr(h)(0.5))
    with pytest.raises(TypeError, match="callable"):
        fg.checkpoint(jnp.sin, policy="dots")
    assert fg.remat is fg.checkpoint


def test_checkpoint_keeps_fewer_bytes_alive_between_passes():
    """Retained memory after the forward pass of vjp (what the backward pass will read): with
    each 5-layer block checkpointed, only block inputs are stored."""
    width, batch = 256, 256
    params = _params(20, width)
    x = np.random.RandomState(0).randn(batch, width)

    def blocks(ps, x, remat):
        for i in range(0, 20, 5):
            body = lambda p, h: _mlp(p, h)
            x = (fg.checkpoint(body) if remat else body)(ps[i:i + 5], x)
        return jnp.sum(x ** 2)

    def retained(remat):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        out, pullback = fg.vjp(lambda ps: blocks(ps, x, remat), params)
        kept = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        g = pullback(1.0)
        return kept, g

    kept_plain, g_plain = retained(False)
    kept_remat, g_remat = retained(True)
    assert kept_remat < 0.4 * kept_plain, (kept_remat, kept_plain)
    np.testing.assert_allclose(g_remat[0][7][0], g_plain[0][7][0], rtol=1e-12)


def test_custom_vjp_first_order_does_not_recompute_fwd():
    """Residual outputs get no cotangent in a first-order backward pass: the backward program
    is the user's bwd only (no re-run of fwd), also when staged for jit."""
    text = str(fg.make_jaxpr(fg.grad(lambda x: jnp.sum(softplus(x))))(np.ones(3)))
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "custom_vjp_call" in line)
    assert "log1p" in lines[at]          # inside the fwd program
    assert not any("log1p" in line or "custom_vjp_call" in line for line in lines[at + 1:])
    np.testing.assert_array_equal(fg.jit(fg.grad(lambda x: jnp.sum(softplus(x))))(np.zeros(2)), [0.5, 0.5])


def test_custom_jvp_tangent_cast_to_output_dtype_and_plain_call_outside_transforms():
    @fg.custom_jvp
    def f(x):
        return x * 2

    f.defjvp(lambda p, t: (f(*p), t[0] * np.float64(3.0)))      # a float64 tangent
    g = fg.grad(lambda x: jnp.sum(f(x)))(np.ones(2, np.float32))
    assert g.dtype == np.float32 and g.tolist() == [3.0, 3.0]
    calls = []
    h = fg.checkpoint(lambda x: calls.append(1) or x + 1)
    assert float(h(1.0)) == 2.0 and calls == [1]                 # eager: just a call
    assert "checkpoint" in str(fg.make_jaxpr(h)(1.0))
