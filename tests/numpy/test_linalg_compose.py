"""Linear algebra under every transform order: ``f``, ``jit(f)``, ``grad(jit(f))``,
``jit(grad(f))``, ``hessian(f)`` (rules differentiated again), ``vmap(grad(f))``, ``jvp`` of
``grad`` agree with each other and with finite differences; plus the errors users see."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.errors import ShapeError
from funcgrad.scipy import linalg as fsl
from funcgrad.scipy.stats import multivariate_normal
from funcgrad.test_util import check_grads


def _spd(x):
    m = jnp.reshape(x, (3, 3))
    return m @ m.T + 3.0 * jnp.eye(3)


def _general(x):
    return 0.3 * jnp.reshape(x, (3, 3)) + 2.0 * jnp.eye(3)


def logdet_lu(x):
    return jnp.linalg.slogdet(_general(x)).logabsdet


def logdet_cholesky(x):
    return 2.0 * jnp.sum(jnp.log(jnp.diagonal(jnp.linalg.cholesky(_spd(x)))))


def solve_quadratic(x):
    b = jnp.arange(3.0)
    return jnp.sum(jnp.linalg.solve(_general(x), b) ** 2) + jnp.sum(jnp.linalg.inv(_general(x)))


def eigh_energy(x):
    w, v = jnp.linalg.eigh(_spd(x))
    return jnp.sum(w ** 2) + jnp.sum((v ** 2) * jnp.arange(3.0)[:, None] * w)


def svd_nuclear_and_vectors(x):
    u, s, vt = jnp.linalg.svd(0.2 * jnp.reshape(x, (3, 3)) + jnp.diag(jnp.array([3.0, 2.0, 1.0])))
    return jnp.sum(s) + jnp.sum(u ** 2 * s) + jnp.sum(vt[0] ** 2 * jnp.arange(3.0))


def qr_parts(x):
    q, r = jnp.linalg.qr(0.2 * jnp.reshape(x, (3, 3)) + jnp.diag(jnp.array([3.0, 2.0, 1.0])))
    return jnp.sum(q[:, 0] * jnp.arange(3.0)) + jnp.sum(r ** 2)


def expm_trace(x):
    return jnp.trace(fsl.expm(0.3 * jnp.reshape(x, (3, 3))))


def triangular_and_lu(x):
    a = _general(x)
    y = fsl.solve_triangular(a, jnp.ones(3), lower=True)
    return jnp.sum(y ** 2) + jnp.sum(fsl.lu_solve(fsl.lu_factor(a), y))


def mvn(x):
    return multivariate_normal.logpdf(jnp.ones(3), jnp.zeros(3), _spd(x))


FUNCS = [logdet_lu, logdet_cholesky, solve_quadratic, eigh_energy, svd_nuclear_and_vectors, qr_parts,
         expm_trace, triangular_and_lu, mvn]


@pytest.fixture(autouse=True)
def python_backend(monkeypatch):
    """The transforms are under test here (the rule table covers the Numba kernels)."""
    monkeypatch.setenv("FUNCGRAD_BACKEND", "python")


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_all_orders_agree(f):
    x = np.random.RandomState(0).standard_normal(9)
    g = fg.grad(f)(x)
    h = fg.hessian(f)(x)
    variants = {
        "jit(f)": (fg.jit(f)(x), f(x)),
        "grad(jit(f))": (fg.grad(fg.jit(f))(x), g),
        "jit(grad(f))": (fg.jit(fg.grad(f))(x), g),
        "jacfwd(f)": (fg.jacfwd(f)(x), g),
        "jit(hessian(f))": (fg.jit(fg.hessian(f))(x), h),
        "jacfwd(jacrev(f))": (fg.jacfwd(fg.jacrev(f))(x), h),
        "vmap(grad(f))": (fg.vmap(fg.grad(f))(np.stack([x, x])), np.stack([g, g])),
    }
    for name, (got, want) in variants.items():
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-9, atol=1e-10, err_msg=name)
    np.testing.assert_allclose(np.asarray(h), np.asarray(h).T, rtol=1e-8, atol=1e-10, err_msg="hessian symmetry")


@pytest.mark.parametrize("f", FUNCS, ids=lambda f: f.__name__)
def test_second_order_matches_finite_differences(f):
    x = np.random.RandomState(1).standard_normal(9)
    check_grads(f, (x,), order=2, modes=("rev", "fwd"))


def test_logdet_hessian_is_the_known_formula():
    """d² log|det A| = -tr(A⁻¹ dA A⁻¹ dA): through the LU rules, differentiated twice."""
    a = np.random.RandomState(2).standard_normal((3, 3)) + 3 * np.eye(3)
    h = fg.hessian(lambda m: jnp.linalg.slogdet(m).logabsdet)(a)
    inv = np.linalg.inv(a)
    np.testing.assert_allclose(np.asarray(h), -np.einsum("jk,li->ijkl", inv, inv), rtol=1e-9, atol=1e-12)


def test_float32_stays_float32():
    a = (np.random.RandomState(3).standard_normal((3, 3)) + 3 * np.eye(3)).astype(np.float32)
    for fn in (jnp.linalg.inv, jnp.linalg.det, jnp.linalg.cholesky, lambda m: jnp.linalg.eigh(m @ m.T)[0],
               jnp.linalg.svdvals, lambda m: jnp.linalg.qr(m)[1], fsl.expm, lambda m: jnp.linalg.solve(m, m[0])):
        assert fn(a).dtype == np.float32
        assert fg.jit(fn)(a).dtype == np.float32
        assert fg.grad(lambda m: jnp.sum(fn(m)))(a).dtype == np.float32


def test_integers_become_float():
    assert jnp.linalg.inv(np.array([[2, 0], [0, 4]])).dtype == np.float64
    assert jnp.linalg.det(np.eye(2, dtype=np.int32)).dtype == np.float64


def test_empty_matrices():
    e = np.zeros((0, 0))
    assert float(jnp.linalg.det(e)) == 1.0
    assert jnp.linalg.inv(e).shape == (0, 0)
    assert jnp.linalg.cholesky(np.zeros((2, 0, 0))).shape == (2, 0, 0)


def test_failures_give_nan_like_jax():
    """A singular matrix (solve/inv) or one that is not positive definite (cholesky) gives NaN,
    batch element by batch element, where NumPy raises."""
    a = np.stack([np.eye(2), np.zeros((2, 2))])
    x = np.asarray(jnp.linalg.inv(a))
    np.testing.assert_allclose(x[0], np.eye(2))
    assert np.isnan(x[1]).all()
    c = np.asarray(jnp.linalg.cholesky(np.stack([np.eye(2), -np.eye(2)])))
    assert not np.isnan(c[0]).any() and np.isnan(c[1]).all()
    assert float(jnp.linalg.det(np.ones((2, 2)))) == 0.0


def test_shape_errors_name_the_shapes_and_the_line():
    with pytest.raises(ShapeError, match=r"square.*\(2, 3\).*test_linalg_compose.py"):
        jnp.linalg.inv(np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"\(3, 3\).*\(4,\)"):
        jnp.linalg.solve(np.eye(3), np.ones(4))
    with pytest.raises(ShapeError, match="at least 2 dims"):
        fg.jit(jnp.linalg.det)(np.ones(3))
    with pytest.raises(TypeError, match="complex"):
        jnp.linalg.det(np.eye(2, dtype=complex))


def test_derivatives_that_jax_also_refuses():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        fg.grad(lambda m: jnp.sum(jnp.linalg.svd(m)[0]))(np.random.RandomState(0).standard_normal((4, 3)))
    with pytest.raises(NotImplementedError, match="m >= n"):
        fg.grad(lambda m: jnp.sum(jnp.linalg.qr(m)[1]))(np.random.RandomState(0).standard_normal((2, 3)))


def test_pinv_and_lstsq_gradients_at_repeated_singular_values():
    """At an orthogonal matrix every singular value is 1: pinv's own rule still gives the exact
    derivative (pinv = inv there: d<pinv(A), C> = -<A⁻¹ dA A⁻¹, C>)."""
    q = np.linalg.qr(np.random.RandomState(4).standard_normal((3, 3)))[0]
    c = np.random.RandomState(5).standard_normal((3, 3))
    g = fg.grad(lambda a: jnp.sum(jnp.linalg.pinv(a) * c))(q)
    np.testing.assert_allclose(np.asarray(g), -q @ c @ q, rtol=1e-10, atol=1e-12)   # -A⁻ᵀ C A⁻ᵀ, A⁻ᵀ = q
    tall = np.linalg.qr(np.random.RandomState(6).standard_normal((5, 3)))[0]         # orthonormal columns
    b = np.random.RandomState(7).standard_normal(5)
    f = lambda a: jnp.sum(jnp.linalg.lstsq(a, b)[0] ** 2)  # noqa: E731
    assert np.isfinite(np.asarray(fg.grad(f)(tall))).all()
    check_grads(f, (tall,), order=1, modes=("rev", "fwd"))


def test_tied_eigenvalues_and_singular_values():
    """At exact ties the vector derivative is undefined, but functions that do not depend on the
    basis inside a tied block have exact gradients: symmetric functions of the values, and
    projectors onto a whole tied eigenspace (no NaN from 0 · inf)."""
    eye = np.eye(3)
    for g in (fg.grad(lambda a: jnp.sum(jnp.linalg.eigvalsh(a) ** 2))(eye),
              fg.grad(lambda a: jnp.sum(jnp.linalg.svd(a)[1] ** 2))(eye)):
        np.testing.assert_allclose(np.asarray(g), 2 * eye, atol=1e-12)
    tall = fg.grad(lambda a: jnp.sum(jnp.linalg.svd(a, full_matrices=False)[1] ** 2))(np.eye(4, 3))
    np.testing.assert_allclose(np.asarray(tall), 2 * np.eye(4, 3), atol=1e-12)
    c = np.random.RandomState(0).standard_normal((3, 3))

    def projector_loss(a):   # projector onto the eigenspace of the tied eigenvalue 1
        v = jnp.linalg.eigh(a).eigenvectors[:, :2]
        return jnp.sum((v @ v.T) * c)

    check_grads(projector_loss, (np.diag([1.0, 1.0, 2.0]),), order=1, modes=("rev", "fwd"))


def test_det_gradient_at_singular_matrices_is_the_cofactor():
    a = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(np.asarray(fg.grad(jnp.linalg.det)(a)), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    z = np.zeros((3, 3))
    np.testing.assert_allclose(np.asarray(fg.grad(jnp.linalg.det)(z)), z, atol=1e-12)
    rank2 = np.random.RandomState(8).standard_normal((3, 2)) @ np.random.RandomState(9).standard_normal((2, 3))
    check_grads(jnp.linalg.det, (rank2,), order=2, modes=("rev", "fwd"))
