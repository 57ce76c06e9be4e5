"""grad / value_and_grad / vjp: argnums, has_aux, pytrees, higher order, closures, control flow,
and the errors users hit."""
import collections

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.ir import check_jaxpr
from funcgrad.test_util import check_grads


def test_scalar_grad_and_value():
    v, g = fg.value_and_grad(lambda x: jnp.sin(x) * x)(0.5)
    assert np.isclose(v, np.sin(0.5) * 0.5)
    assert np.isclose(g, np.cos(0.5) * 0.5 + np.sin(0.5))


def test_argnums_int_and_tuple():
    f = lambda x, y, z: x * y ** 2 + z  # noqa: E731
    assert np.isclose(fg.grad(f, argnums=1)(2.0, 3.0, 1.0), 12.0)
    gx, gz = fg.grad(f, argnums=(0, 2))(2.0, 3.0, 1.0)
    assert np.isclose(gx, 9.0) and np.isclose(gz, 1.0)
    assert np.isclose(fg.grad(f, argnums=-1)(2.0, 3.0, 1.0), 1.0)


def test_has_aux():
    def f(x):
        return jnp.sum(x ** 2), {"norm": jnp.sqrt(jnp.sum(x ** 2))}
    g, aux = fg.grad(f, has_aux=True)(jnp.array([3.0, 4.0]))
    np.testing.assert_allclose(g, [6.0, 8.0])
    assert np.isclose(aux["norm"], 5.0)
    (v, aux2), g2 = fg.value_and_grad(f, has_aux=True)(jnp.array([3.0, 4.0]))
    assert np.isclose(v, 25.0) and np.isclose(aux2["norm"], 5.0)
    np.testing.assert_allclose(g2, g)


Point = collections.namedtuple("Point", "x y")


def test_pytree_params_keep_structure():
    params = {"w": [jnp.ones(3), (jnp.ones((2, 2)), None)], "b": Point(1.0, jnp.zeros(2))}

    def loss(p):
        return (jnp.sum(p["w"][0] ** 2) + jnp.sum(p["w"][1][0] * 3.0) + p["b"].x ** 2
                + jnp.sum(p["b"].y + 1.0))

    g = fg.grad(loss)(params)
    assert fg.tree_util.tree_structure(g) == fg.tree_util.tree_structure(params)
    np.testing.assert_allclose(g["w"][0], 2 * np.ones(3))
    np.testing.assert_allclose(g["w"][1][0], 3 * np.ones((2, 2)))
    assert np.isclose(g["b"].x, 2.0)
    np.testing.assert_allclose(g["b"].y, np.ones(2))


def test_unused_input_gets_zeros_of_its_dtype():
    g = fg.grad(lambda x, y: jnp.sum(x), argnums=(0, 1))(jnp.ones(2, np.float32), jnp.ones(3))
    assert g[1].shape == (3,) and not np.any(g[1])
    assert g[0].dtype == np.float32


def test_float32_stays_float32():
    W = jnp.ones((4, 3), np.float32)
    x = jnp.ones((2, 4), np.float32)
    g = fg.grad(lambda W: jnp.mean(jnp.tanh(x @ W) * 2.0))(W)
    assert g.dtype == np.float32


def test_higher_order():
    f = lambda x: x ** 4  # noqa: E731
    assert np.isclose(fg.grad(f)(2.0), 32.0)
    assert np.isclose(fg.grad(fg.grad(f))(2.0), 48.0)
    assert np.isclose(fg.grad(fg.grad(fg.grad(f)))(2.0), 48.0)
    check_grads(lambda x: jnp.sum(jnp.tanh(x) * jnp.exp(-x ** 2)), (np.linspace(-1, 1, 4),), order=3)


def test_closure_over_outer_traced_value_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1  (the classic perturbation-confusion check)
    f = lambda x: x * fg.grad(lambda y: x + y)(1.0)  # noqa: E731
    assert np.isclose(fg.grad(f)(3.0), 1.0)
    # d/dx grad_y(x*y)(1) = d/dx x = 1
    assert np.isclose(fg.grad(lambda x: fg.grad(lambda y: x * y)(1.0))(2.0), 1.0)
    # nested with both used: g(x) = d/dy (x*y^2) at y=x -> 2x*x = 2x^2 ; g' = 4x
    assert np.isclose(fg.grad(lambda x: fg.grad(lambda y: x * y ** 2)(x))(1.5), 6.0)


def test_python_control_flow_on_values():
    def f(x):
        if x > 0:
            return x ** 2
        while x < -1:
            x = x / 2
        return -x
    assert np.isclose(fg.grad(f)(3.0), 6.0)
    assert np.isclose(fg.grad(f)(-0.5), -1.0)
    assert np.isclose(fg.grad(f)(-4.0), -0.25)


def test_stop_gradient_has_zero_gradient():
    g = fg.grad(lambda x: jnp.sum(fg.lax.stop_gradient(x) * x))(jnp.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [1.0, 2.0])


def test_vjp_multiple_outputs_and_cotangent_checks():
    y, f_vjp = fg.vjp(lambda x: (x * 2.0, jnp.sum(x)), jnp.ones(3))
    (g,) = f_vjp((jnp.ones(3), 1.0))
    np.testing.assert_allclose(g, 3 * np.ones(3))
    with pytest.raises(ValueError, match=r"cotangent shape \(2,\) does not match the primal output shape \(3,\)"):
        f_vjp((jnp.ones(2), 1.0))
    with pytest.raises(TypeError, match="structure"):
        f_vjp(jnp.ones(3))


def test_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs.*int64"):
        fg.grad(lambda x: x * 2.0)(3)
    # allow_int returns zeros for the integer input
    assert fg.grad(lambda x: x * 2.0, allow_int=True)(3) == 0


def test_non_scalar_output_is_a_type_error():
    with pytest.raises(TypeError, match=r"Gradient only defined for scalar-output functions. Output had shape: \(3,\)"):
        fg.grad(lambda x: x * 2.0)(jnp.ones(3))


def test_bad_argnums():
    with pytest.raises(TypeError, match="argnums"):
        fg.grad(lambda x: x, argnums=2)(1.0)


def test_grad_program_is_ir_and_type_checks():
    def loss(w, x):
        return jnp.mean((jnp.tanh(x @ w) - 1.0) ** 2)
    closed = fg.make_jaxpr(fg.grad(loss))(jnp.ones((3, 2)), jnp.ones((4, 3)))
    check_jaxpr(closed.jaxpr)
    names = [e.primitive.name for e in closed.eqns]
    assert "dot_general" in names and "tanh" in names
    assert closed.out_avals[0].shape == (3, 2)


def test_backward_sweep_visits_each_equation_once_not_paths():
    """A chain of n doublings x -> x + x has 2**n paths; backprop is linear in n."""
    def f(x):
        for _ in range(60):
            x = x + x
        return x
    closed = fg.make_jaxpr(fg.grad(f))(1.0)
    assert len(closed.eqns) < 4 * 60
    assert np.isclose(fg.grad(f)(1.0), 2.0 ** 60)


def test_skips_cotangents_for_constants():
    """The data input of the first matmul needs no cotangent: no dot_general computes it."""
    x = jnp.ones((5, 3))
    closed = fg.make_jaxpr(fg.grad(lambda w: jnp.sum(jnp.tanh(x @ w))))(jnp.ones((3, 2)))
    dots = [e for e in closed.eqns if e.primitive.name == "dot_general"]
    assert len(dots) == 2   # forward + the weight gradient only
