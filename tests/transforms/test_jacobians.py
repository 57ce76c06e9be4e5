"""jacfwd, jacrev, hessian: values vs finite differences, JAX's output structure for argnums and
pytrees, has_aux, dtypes, holomorphic, the errors, and that they are batched (no Python loop)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.ir import check_jaxpr
from funcgrad.test_util import numerical_jvp


def numerical_jacobian(f, x, eps=1e-5):
    """d f / d x by central differences, shape f(x).shape + x.shape."""
    x = np.asarray(x, np.float64)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        cols.append(np.asarray(numerical_jvp(f, (x,), (e.reshape(x.shape),), eps)))
    out_shape = np.shape(cols[0])
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


def f_vec(x):
    return jnp.concatenate([jnp.sin(x) * x[::-1], x[:2] * x[-2:], jnp.sum(x ** 2, keepdims=True)])


def f_mat(X):
    return jnp.tanh(X @ X.T) / (1.0 + jnp.sum(X ** 2))


@pytest.mark.parametrize("jac", [fg.jacfwd, fg.jacrev, fg.jacobian], ids=["jacfwd", "jacrev", "jacobian"])
@pytest.mark.parametrize("f, shape", [(f_vec, (4,)), (f_mat, (3, 2)), (lambda x: jnp.prod(x), (3,)),
                                      (lambda x: x * 3.0, ()), (lambda x: jnp.outer(x, x), (3,))],
                         ids=["vec", "mat", "scalar_out", "scalar_in", "outer"])
def test_jacobian_matches_finite_differences(jac, f, shape, rng):
    x = np.asarray(rng.randn(*shape))
    J = jac(f)(x)
    want = numerical_jacobian(f, x)
    assert J.shape == np.shape(f(x)) + x.shape
    np.testing.assert_allclose(J, want, rtol=1e-6, atol=1e-8)
    assert isinstance(J, fg.Array)


def test_argnums_and_jax_output_structure(rng):
    a, b = rng.randn(3), rng.randn(2, 2)

    def f(a, b, c):
        return {"u": a * jnp.sum(b) * c, "v": (jnp.sum(a) * b, jnp.sum(b ** 2))}

    for jac in (fg.jacfwd, fg.jacrev):
        J = jac(f, argnums=1)(a, b, 2.0)
        assert set(J) == {"u", "v"}
        assert J["u"].shape == (3, 2, 2) and J["v"][0].shape == (2, 2, 2, 2) and J["v"][1].shape == (2, 2)
        np.testing.assert_allclose(J["v"][1], 2 * b, rtol=1e-12)
        J = jac(f, argnums=(0, 1))(a, b, 2.0)
        # each output leaf holds a tuple with one block per argnum
        assert isinstance(J["u"], tuple) and len(J["u"]) == 2
        assert J["u"][0].shape == (3, 3) and J["u"][1].shape == (3, 2, 2)
        assert J["v"][0][0].shape == (2, 2, 3) and J["v"][1][1].shape == (2, 2)
        np.testing.assert_allclose(J["u"][0], np.eye(3) * np.sum(b) * 2.0, rtol=1e-12)
        np.testing.assert_allclose(J["v"][0][0], np.broadcast_to(b[:, :, None], (2, 2, 3)), rtol=1e-12)
        J = jac(f, argnums=-1)(a, b, 2.0)
        np.testing.assert_allclose(J["u"], a * np.sum(b), rtol=1e-12)


def test_pytree_inputs_and_outputs_match_between_modes(rng):
    p = {"w": rng.randn(3, 2), "b": rng.randn(2)}
    x = rng.randn(4, 3)

    def f(p):
        return jnp.tanh(x @ p["w"] + p["b"]), jnp.sum(p["w"])

    Jf, Jr = fg.jacfwd(f)(p), fg.jacrev(f)(p)
    assert fg.tree_util.tree_structure(Jf) == fg.tree_util.tree_structure(Jr)
    assert Jf[0]["w"].shape == (4, 2, 3, 2) and Jf[0]["b"].shape == (4, 2, 2)
    assert Jf[1]["w"].shape == (3, 2) and Jf[1]["b"].shape == (2,)
    for u, v in zip(fg.tree_util.tree_leaves(Jf), fg.tree_util.tree_leaves(Jr)):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-14)
    want_b = numerical_jacobian(lambda b: f({"w": p["w"], "b": b})[0], p["b"])
    np.testing.assert_allclose(Jf[0]["b"], want_b, rtol=1e-6, atol=1e-9)


def test_has_aux(rng):
    x = rng.randn(3)

    def f(x):
        return jnp.sin(x) * jnp.sum(x), {"norm": jnp.sum(x ** 2)}

    for jac in (fg.jacfwd, fg.jacrev):
        J, aux = jac(f, has_aux=True)(x)
        np.testing.assert_allclose(J, numerical_jacobian(lambda x: f(x)[0], x), rtol=1e-6)
        assert np.isclose(aux["norm"], np.sum(x ** 2)) and not isinstance(aux["norm"], fg.core.trace.Tracer)
    H, aux = fg.hessian(lambda x: (jnp.sum(x ** 3), x * 2), has_aux=True)(x)
    np.testing.assert_allclose(H, np.diag(6 * x), rtol=1e-12)
    np.testing.assert_allclose(aux, 2 * x)


def rosenbrock(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
    return H


def test_hessian_all_compositions_agree(rng):
    x = rng.randn(6)
    H = fg.hessian(rosenbrock)(x)
    np.testing.assert_allclose(H, rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)
    for h in (fg.jacfwd(fg.jacrev(rosenbrock)), fg.jacrev(fg.jacfwd(rosenbrock)),
              fg.jacrev(fg.jacrev(rosenbrock)), fg.jacfwd(fg.jacfwd(rosenbrock)),
              fg.jacfwd(fg.grad(rosenbrock))):
        np.testing.assert_allclose(h(x), H, rtol=1e-12, atol=1e-10)


def test_hessian_of_pytree_input(rng):
    p = {"a": rng.randn(2), "b": rng.randn(3)}

    def f(p):
        return jnp.sum(p["a"] ** 2) * jnp.sum(jnp.sin(p["b"]))

    H = fg.hessian(f)(p)
    assert H["a"]["a"].shape == (2, 2) and H["a"]["b"].shape == (2, 3) and H["b"]["a"].shape == (3, 2)
    np.testing.assert_allclose(H["a"]["b"], H["b"]["a"].T, rtol=1e-12)
    np.testing.assert_allclose(H["a"]["b"], 2 * p["a"][:, None] * np.cos(p["b"])[None, :], rtol=1e-12)
    H01 = fg.hessian(lambda a, b: jnp.sum(a ** 2) * jnp.sum(jnp.sin(b)), argnums=(0, 1))(p["a"], p["b"])
    np.testing.assert_allclose(H01[1][0], H["b"]["a"], rtol=1e-12)


def test_dtypes_and_holomorphic():
    x32 = np.linspace(0.1, 1, 3).astype(np.float32)
    for jac in (fg.jacfwd, fg.jacrev, fg.hessian):
        f = (lambda x: jnp.sum(jnp.sin(x))) if jac is fg.hessian else jnp.sin
        assert jac(f)(x32).dtype == np.float32
    z = np.array([1 + 1j, 2 - 1j])
    f = lambda z: z ** 2 * jnp.sin(z)  # noqa: E731
    for jac in (fg.jacfwd, fg.jacrev):     # transforms trace real values only (docs/errors.md)
        with pytest.raises(TypeError, match="complex numbers are not supported.*complex128"):
            jac(f, holomorphic=True)(z)


def test_errors():
    with pytest.raises(TypeError, match="jacfwd requires real-valued inputs.*int64"):
        fg.jacfwd(lambda x: x * 2.0)(jnp.arange(3))
    with pytest.raises(TypeError, match="jacrev requires real-valued inputs.*allow_int"):
        fg.jacrev(lambda x: x * 2.0)(jnp.arange(3))
    with pytest.raises(TypeError, match="jacrev requires real-valued outputs.*int64"):
        fg.jacrev(lambda x: jnp.argmax(x))(jnp.ones(3))
    with pytest.raises(TypeError, match="holomorphic=True"):
        fg.jacfwd(jnp.sin)(np.array([1j]))
    with pytest.raises(TypeError, match="holomorphic=True requires inputs with complex dtype"):
        fg.jacrev(jnp.sin, holomorphic=True)(np.ones(2))
    with pytest.raises(TypeError, match="argnums=3 is out of range"):
        fg.jacfwd(lambda x: x, argnums=3)(1.0)
    # jacfwd takes integer outputs (their block is zero), as JAX
    J = fg.jacfwd(lambda x: (jnp.argmax(x), x * 2.0))(jnp.ones(2))
    assert J[0].shape == (2,) and not np.any(J[0])
    np.testing.assert_allclose(J[1], 2 * np.eye(2))
    # allow_int: the integer input's block is zero
    J = fg.jacrev(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
    assert J[0] == 3.0 and J[1] == 0


def _eqn_names(f, *args):
    closed = fg.make_jaxpr(f)(*args)
    check_jaxpr(closed.jaxpr)
    return [e.primitive.name for e in closed.eqns]


def test_jacobians_are_batched_not_looped():
    """The staged jacobian programs have the same equations for 3 and 9 inputs/outputs: jacrev
    is vmap of the pullback, jacfwd vmap of jvp, hessian their composition."""
    f = lambda x: jnp.tanh(x) * jnp.sum(x ** 2)  # noqa: E731
    for jac in (fg.jacfwd, fg.jacrev, lambda f: fg.hessian(lambda x: jnp.sum(f(x)))):
        assert _eqn_names(jac(f), jnp.ones(3)) == _eqn_names(jac(f), jnp.ones(9))


def test_jacobians_under_vmap(rng):
    xs = rng.randn(4, 3)
    Js = fg.vmap(fg.jacrev(f_mat))(xs.reshape(4, 3, 1))
    for i in range(4):
        np.testing.assert_allclose(Js[i], fg.jacfwd(f_mat)(xs[i].reshape(3, 1)), rtol=1e-12)
    Hs = fg.vmap(fg.hessian(rosenbrock))(xs)
    for i in range(4):
        np.testing.assert_allclose(Hs[i], rosenbrock_hessian(xs[i]), rtol=1e-12, atol=1e-10)


def test_example_newton_logistic():
    """examples/newton_logistic.py: Newton with fg.hessian converges in a few steps to the
    gradient-descent solution (the example asserts the gap, the gradient norm and the exact
    Hessian)."""
    pytest.importorskip("sklearn")
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / "newton_logistic.py"
    spec = importlib.util.spec_from_file_location("example_newton_logistic", path)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    theta, gap, steps = ex.main(verbose=False)
    assert steps <= 8 and gap < 1e-7
