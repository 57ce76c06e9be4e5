"""jvp and linearize: pytrees, dtypes, symbolic zeros, Python control flow, nesting with grad
and vmap, the staged linear program, and the errors users hit."""
import collections

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.core.ir import check_jaxpr
from funcgrad.core.primitive import LINEAR, PRIMITIVES, Marker
from funcgrad.test_util import assert_ir, check_grads, numerical_jvp


def f_mix(x, y):
    return jnp.sum(jnp.tanh(x) * y ** 2) + jnp.max(x * y) - jnp.mean(jnp.exp(-x) / (1.0 + y * y))


@pytest.fixture
def xy(rng):
    return rng.randn(3, 4), rng.randn(3, 4)


def test_jvp_matches_finite_differences(xy, rng):
    x, y = xy
    tx, ty = rng.randn(3, 4), rng.randn(3, 4)
    out, t = fg.jvp(f_mix, (x, y), (tx, ty))
    np.testing.assert_allclose(out, f_mix(x, y), rtol=1e-12)
    np.testing.assert_allclose(t, numerical_jvp(f_mix, (x, y), (tx, ty)), rtol=1e-6)
    check_grads(f_mix, (x, y), order=2, modes=("fwd",))


def test_jvp_agrees_with_vjp_adjoint(xy, rng):
    """<u, J v> == <J^T u, v> for a vector-valued function."""
    def f(x, y):
        return jnp.sin(x) @ y.T + x[:, :3] * jnp.exp(y[:, 1:])
    x, y = xy
    v = (rng.randn(3, 4), rng.randn(3, 4))
    out, jv = fg.jvp(f, (x, y), v)
    u = rng.randn(*np.shape(out))
    _, f_vjp = fg.vjp(f, x, y)
    jtu = f_vjp(u)
    assert np.isclose(np.vdot(u, jv), np.vdot(jtu[0], v[0]) + np.vdot(jtu[1], v[1]), rtol=1e-12)


Pair = collections.namedtuple("Pair", "a b")


def test_pytrees_in_and_out():
    def f(p):
        return {"prod": p["w"] * p["v"].a, "sums": (jnp.sum(p["v"].b), p["v"].a ** 2)}

    p = {"w": jnp.arange(3.0), "v": Pair(2.0, jnp.ones((2, 2)))}
    t = {"w": jnp.ones(3), "v": Pair(1.0, jnp.full((2, 2), 0.5))}
    out, tan = fg.jvp(f, (p,), (t,))
    assert fg.tree_util.tree_structure(tan) == fg.tree_util.tree_structure(out)
    np.testing.assert_allclose(tan["prod"], 1.0 * 2.0 + np.arange(3.0) * 1.0)
    np.testing.assert_allclose(tan["sums"][0], 2.0)
    np.testing.assert_allclose(tan["sums"][1], 4.0)
    assert isinstance(tan["sums"][0], fg.Array)


def test_float32_and_python_scalar_tangents():
    x = np.float32(1.5) * np.ones(3, np.float32)
    out, t = fg.jvp(lambda x: jnp.sin(x) * 2.0, (x,), (np.ones(3, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32
    y, ty = fg.jvp(lambda x: x * x, (np.float32(3.0),), (1.0,))   # a Python scalar takes f32
    assert ty.dtype == np.float32 and ty == 6.0


def test_integer_inputs_carry_no_tangent():
    def f(x, n):
        return x * n, n * 2
    (y, m), (ty, tm) = fg.jvp(f, (2.0, 3), (1.0, 5))
    assert ty == 3.0                           # n's tangent value is ignored
    assert m == 6 and tm == 0 and np.asarray(tm).dtype == np.asarray(m).dtype


def test_output_independent_of_input_gets_zero_tangent():
    out, t = fg.jvp(lambda x: (jnp.ones(2), 3.0), (1.0,), (1.0,))
    np.testing.assert_array_equal(t[0], np.zeros(2))
    assert t[1] == 0.0 and isinstance(t[1], fg.Array) and isinstance(out[1], fg.Array)


def test_has_aux():
    out, t, aux = fg.jvp(lambda x: (x ** 3, {"x2": x ** 2}), (2.0,), (1.0,), has_aux=True)
    assert out == 8.0 and t == 12.0 and aux["x2"] == 4.0
    assert not isinstance(aux["x2"], fg.core.trace.Tracer)
    with pytest.raises(TypeError, match="must return a pair"):
        fg.jvp(lambda x: x, (1.0,), (1.0,), has_aux=True)


def test_python_control_flow_on_values_when_eager():
    def f(x):
        if x > 0:
            y = jnp.sin(x)
        else:
            y = jnp.cos(x)
        while y < 10.0:
            y = y * 3.0
        return y

    out, t = fg.jvp(f, (0.5,), (1.0,))
    k = 3 ** int(np.ceil(np.log(10.0 / np.sin(0.5)) / np.log(3.0)))
    assert np.isclose(out, np.sin(0.5) * k) and np.isclose(t, np.cos(0.5) * k)
    out, t = fg.jvp(f, (-0.5,), (1.0,))
    assert np.isclose(t, np.sin(0.5) * 27)   # cos branch: d cos(x) = -sin(x) = sin(0.5)


def test_jvp_of_jvp_is_second_derivative():
    f = lambda x: jnp.sin(x) * x ** 2  # noqa: E731
    d1 = lambda x: fg.jvp(f, (x,), (1.0,))[1]  # noqa: E731
    _, d2 = fg.jvp(d1, (0.7,), (1.0,))
    want = -np.sin(0.7) * 0.49 + 4 * 0.7 * np.cos(0.7) + 2 * np.sin(0.7)
    assert np.isclose(d2, want, rtol=1e-12)


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1, not 2: the inner jvp must not see x's tangent as its own
    f = lambda x: x * fg.jvp(lambda y: x + y, (1.0,), (1.0,))[1]  # noqa: E731
    assert fg.jvp(f, (2.0,), (1.0,))[1] == 1.0
    # closing over an outer jvp tracer inside grad and vice versa
    g = lambda x: fg.grad(lambda y: x * y ** 2)(3.0)  # noqa: E731   g(x) = 6x
    assert fg.jvp(g, (2.0,), (1.0,))[1] == 6.0
    h = lambda x: fg.jvp(lambda y: x * y ** 2, (3.0,), (1.0,))[1]  # noqa: E731   h(x) = 6x
    assert fg.grad(h)(2.0) == 6.0


def test_forward_over_reverse_hvp(rng):
    def f(x):
        return jnp.sum(jnp.tanh(x) ** 2 * jnp.arange(1.0, 5.0))
    x, v = rng.randn(4), rng.randn(4)
    hvp = fg.jvp(fg.grad(f), (x,), (v,))[1]
    np.testing.assert_allclose(hvp, fg.hessian(f)(x) @ v, rtol=1e-12)
    # reverse-over-forward gives the same thing
    rof = fg.grad(lambda x: fg.jvp(f, (x,), (v,))[1])(x)
    np.testing.assert_allclose(rof, hvp, rtol=1e-12)


def test_jvp_composes_with_vmap(rng):
    xs, ts = rng.randn(5, 3), rng.randn(5, 3)
    f = lambda x: jnp.sum(jnp.sin(x) * x)  # noqa: E731
    batched = fg.vmap(lambda x, t: fg.jvp(f, (x,), (t,)))(xs, ts)
    outer = fg.jvp(fg.vmap(f), (xs,), (ts,))
    loop = [fg.jvp(f, (x,), (t,)) for x, t in zip(xs, ts)]
    for got in (batched, outer):
        np.testing.assert_allclose(got[0], [o for o, _ in loop], rtol=1e-12)
        np.testing.assert_allclose(got[1], [t for _, t in loop], rtol=1e-12)


def test_staged_jvp_program():
    """The JVP program of sin(x) * x: primal and tangent equations interleaved, tangents only
    where they are nonzero."""
    closed = fg.make_jaxpr(lambda x, t: fg.jvp(lambda x: jnp.sin(x) * x, (x,), (t,)))(1.0, 1.0)
    check_jaxpr(closed.jaxpr)
    assert_ir(closed, """
        { lambda ; a:f64[] b:f64[]. let
            c:f64[] = sin a
            d:f64[] = cos a
            e:f64[] = mul b d
            f:f64[] = mul c a
            g:f64[] = mul e a
            h:f64[] = mul b c
            i:f64[] = add_any g h
          in (f, i) }""")


def test_symbolic_zero_tangents_do_no_work():
    # y has no tangent: nothing is differentiated for ops that only touch y, and mul skips y's term
    closed = fg.make_jaxpr(lambda x, y, t: fg.jvp(lambda x: x * jnp.exp(y), (x,), (t,)))(1.0, 2.0, 1.0)
    names = [e.primitive.name for e in closed.eqns]
    assert names == ["exp", "mul", "mul"], closed
    # stop_gradient cuts the tangent
    out, t = fg.jvp(lambda x: lax.stop_gradient(x) * 2.0 + x, (1.0,), (1.0,))
    assert t == 1.0


def test_every_primitive_has_a_jvp_rule():
    missing = sorted(n for n, p in PRIMITIVES.items()
                     if isinstance(p.jvp, Marker) and p.jvp.kind == "PENDING")
    assert not missing, f"primitives without a JVP rule: {missing}"
    # the shape primitives and reduce_sum are linear: their JVP is derived, not written
    for name in ("reshape", "transpose", "broadcast_in_dim", "reduce_sum", "slice", "pad",
                 "concatenate", "squeeze", "expand_dims", "rev", "neg"):
        assert PRIMITIVES[name].jvp is LINEAR, name


def test_errors():
    with pytest.raises(TypeError, match="tuples or lists"):
        fg.jvp(jnp.sin, 1.0, 1.0)
    with pytest.raises(TypeError, match="same tree structure"):
        fg.jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match=r"shapes differ.*f64\[3\].*f64\[2\]"):
        fg.jvp(jnp.sin, (jnp.ones(3),), (jnp.ones(2),))
    with pytest.raises(TypeError, match=r"float32 primal must be float32.*astype"):
        fg.jvp(jnp.sin, (jnp.ones(3, np.float32),), (jnp.ones(3),))


def test_leaked_jvp_tracer():
    leaked = []
    fg.jvp(lambda x: leaked.append(x) or x * 2, (1.0,), (1.0,))
    with pytest.raises(fg.UnexpectedTracerError, match="`jvp` transform that has already returned"):
        jnp.sin(leaked[0])


# --------------------------------------------------------------------------- linearize

def test_linearize_matches_jvp_and_is_linear(rng):
    x = rng.randn(3, 4)
    f = lambda x: jnp.sum(jnp.tanh(x) * x, axis=0) ** 2  # noqa: E731
    y, f_jvp = fg.linearize(f, x)
    np.testing.assert_allclose(y, f(x), rtol=1e-12)
    u, v = rng.randn(3, 4), rng.randn(3, 4)
    np.testing.assert_allclose(f_jvp(u), fg.jvp(f, (x,), (u,))[1], rtol=1e-12)
    np.testing.assert_allclose(f_jvp(2.0 * u - 3.0 * v), 2.0 * f_jvp(u) - 3.0 * f_jvp(v), rtol=1e-10)
    assert isinstance(f_jvp(u), fg.Array)


def test_linearize_runs_the_forward_pass_once():
    calls = []

    def f(x):
        calls.append(1)
        return jnp.sin(x) * jnp.exp(x)

    y, f_jvp = fg.linearize(f, 0.3)
    for t in (1.0, 2.0, -1.0):
        assert np.isclose(f_jvp(t), t * (np.cos(0.3) + np.sin(0.3)) * np.exp(0.3))
    assert len(calls) == 1


def test_linearize_stages_only_the_tangent_program():
    """sin, cos and exp of the primal were computed at linearize time; the staged program is
    linear in its input (multiplications by constants and additions)."""
    y, f_jvp = fg.linearize(lambda x: jnp.sin(x) * jnp.exp(x), 0.3)
    check_jaxpr(f_jvp.jaxpr.jaxpr)
    names = {e.primitive.name for e in f_jvp.jaxpr.eqns}
    assert names <= {"mul", "add_any", "neg"}, f_jvp.jaxpr
    assert_ir(f_jvp.jaxpr, """
        { lambda ; a:f64[]. let
            b:f64[] = mul a 0.955336489125606:f64[]
            c:f64[] = mul a 1.3498588075760032:f64[]
            d:f64[] = mul b 1.3498588075760032:f64[]
            e:f64[] = mul c 0.29552020666133955:f64[]
            f:f64[] = add_any d e
          in (f,) }""")


def test_linearize_control_flow_pytrees_aux_and_ints():
    def f(p, n):
        s = p["a"] * n
        if s > 1.0:                      # concrete at linearize time
            s = s * p["b"]
        return (s, jnp.sum(p["b"])), {"n": n}

    (y0, y1), f_jvp, aux = fg.linearize(f, {"a": 1.0, "b": jnp.ones(2) * 3.0}, 2, has_aux=True)
    assert aux["n"] == 2
    t0, t1 = f_jvp({"a": 1.0, "b": jnp.array([1.0, 0.0])}, 0)
    np.testing.assert_allclose(t0, [6.0 + 2.0, 6.0])
    assert t1 == 1.0
    with pytest.raises(TypeError, match="same tree structure"):
        f_jvp(1.0, 0)


def test_linearize_composes_with_vmap_and_grad(rng):
    xs = rng.randn(4)
    got = fg.vmap(lambda x: fg.linearize(jnp.sin, x)[1](2.0))(xs)
    np.testing.assert_allclose(got, 2.0 * np.cos(xs), rtol=1e-12)
    _, f_jvp = fg.linearize(fg.vmap(jnp.sin), xs)
    np.testing.assert_allclose(f_jvp(np.ones(4)), np.cos(xs), rtol=1e-12)
    g = fg.grad(lambda x: fg.linearize(lambda z: z ** 3, x)[1](1.0))(0.5)   # d/dx 3x^2 = 6x
    assert np.isclose(g, 3.0)
