"""``lax.cond`` / ``lax.switch``: values, every transform, and the error messages."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.control.subprograms import ControlFlowError
from funcgrad.core.ir import check_jaxpr
from funcgrad.test_util import check_grads


def f(x, w):
    return lax.cond(jnp.sum(x) > 0, lambda a: jnp.sin(a) * w, lambda a: a * a - w, x)


def f_py(x, w):
    return np.sin(x) * w if np.sum(x) > 0 else x * x - w


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_values_and_gradients_match_python(sign):
    x, w = sign * np.array([0.5, 1.5, 0.3]), 0.7
    np.testing.assert_allclose(f(x, w), f_py(x, w))
    np.testing.assert_allclose(fg.jit(f)(x, w), f_py(x, w))
    loss = lambda x, w: jnp.sum(f(x, w) ** 2)
    py_loss = lambda x, w: jnp.sum((jnp.sin(x) * w if float(jnp.sum(x)) > 0 else x * x - w) ** 2)
    for argnum in (0, 1):
        np.testing.assert_allclose(fg.grad(loss, argnum)(x, w), fg.grad(py_loss, argnum)(x, w))
        np.testing.assert_allclose(fg.jit(fg.grad(loss, argnum))(x, w), fg.grad(py_loss, argnum)(x, w))
    check_grads(loss, (x, w), order=2)


def test_vmap_with_batched_predicate_selects_per_example():
    xs = np.array([[0.5, 1.0, 0.2], [-1.0, -2.0, 0.1], [0.3, -0.1, 0.5]])
    got = fg.vmap(f, in_axes=(0, None))(xs, 0.7)
    np.testing.assert_allclose(got, np.stack([f_py(x, 0.7) for x in xs]))
    jaxpr = fg.make_jaxpr(fg.vmap(f, in_axes=(0, None)))(xs, 0.7)
    names = {e.primitive.name for e in jaxpr.eqns}
    assert "select_n" in names and "cond" not in names     # both branches, then a select
    g = fg.vmap(fg.grad(lambda x, w: jnp.sum(f(x, w))), in_axes=(0, None))(xs, 0.7)
    want = [fg.grad(lambda x: jnp.sum(f(x, 0.7)))(x) for x in xs]
    np.testing.assert_allclose(g, np.stack(want))


def test_vmap_with_unbatched_predicate_keeps_the_cond():
    ws = np.array([0.1, 0.2, 0.3])
    x = np.array([0.5, 1.0, 0.2])
    got = fg.vmap(f, in_axes=(None, 0))(x, ws)
    np.testing.assert_allclose(got, np.stack([f_py(x, w) for w in ws]))
    jaxpr = fg.make_jaxpr(fg.vmap(f, in_axes=(None, 0)))(x, ws)
    assert "cond" in {e.primitive.name for e in jaxpr.eqns}


def test_closure_over_an_outer_traced_value():
    def outer(w):
        return jnp.sum(lax.cond(w > 0, lambda: jnp.ones(2) * w ** 2, lambda: jnp.zeros(2)))
    assert float(fg.grad(outer)(3.0)) == pytest.approx(12.0)
    assert float(fg.jit(fg.grad(outer))(3.0)) == pytest.approx(12.0)
    assert float(fg.grad(outer)(-3.0)) == 0.0


def test_pytree_operands_and_outputs():
    def g(p):
        return lax.cond(p["a"] > 0, lambda q: {"s": q["a"] + q["b"], "t": (q["b"],)},
                        lambda q: {"s": q["a"] - q["b"], "t": (q["b"] * 2.0,)}, p)
    out = g({"a": 1.0, "b": np.arange(2.0)})
    np.testing.assert_allclose(out["s"], [1.0, 2.0])
    np.testing.assert_allclose(out["t"][0], [0.0, 1.0])


def test_switch_clamps_its_index_and_differentiates():
    branches = [lambda x: x * 2.0, jnp.sin, lambda x: x ** 3]
    for i in range(-2, 6):
        k = min(max(i, 0), 2)
        want = [2.0 * 0.5, np.sin(0.5), 0.5 ** 3][k]
        assert float(lax.switch(i, branches, 0.5)) == pytest.approx(want)
        assert float(fg.jit(lambda i, x: lax.switch(i, branches, x))(i, 0.5)) == pytest.approx(want)
        dwant = [2.0, np.cos(0.5), 3 * 0.25][k]
        assert float(fg.grad(lambda x: lax.switch(i, branches, x))(0.5)) == pytest.approx(dwant)
    got = fg.vmap(lambda i, x: lax.switch(i, branches, x))(np.array([0, 1, 2]), np.full(3, 0.5))
    np.testing.assert_allclose(got, [1.0, np.sin(0.5), 0.125])


def test_printed_ir_and_type_check():
    jaxpr = fg.make_jaxpr(lambda x: lax.cond(x > 0, jnp.sin, jnp.cos, x))(1.0)
    check_jaxpr(jaxpr.jaxpr)
    text = str(jaxpr)
    assert "cond[branches=(" in text and "sin" in text and "cos" in text
    assert "convert_element_type[new_dtype=int32" in text


def test_error_when_branch_shapes_differ_names_both():
    with pytest.raises(ControlFlowError) as e:
        lax.cond(True, lambda x: x, lambda x: x[:2], np.ones(3))
    msg = str(e.value)
    assert "f64[3]" in msg and "f64[2]" in msg and "test_cond.py" in msg


def test_error_when_branch_dtypes_differ_names_both():
    def true_fun(x):
        return x.astype(np.float32)

    def false_fun(x):
        return x
    with pytest.raises(ControlFlowError) as e:
        fg.jit(lambda x: lax.cond(x[0] > 0, true_fun, false_fun, x))(np.ones(3))
    msg = str(e.value)
    assert "f32[3]" in msg and "f64[3]" in msg and "true_fun" in msg and "false_fun" in msg


def test_error_when_branch_structures_differ():
    with pytest.raises(ControlFlowError, match="different structures"):
        lax.cond(True, lambda x: (x, x), lambda x: x, 1.0)


def test_error_for_a_non_scalar_predicate():
    with pytest.raises(ControlFlowError, match="scalar"):
        lax.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)
