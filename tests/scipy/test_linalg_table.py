"""Every public name of ``funcgrad.scipy.linalg``: value vs SciPy, gradient vs finite
differences, jit and vmap rows (see ``tests/table_util.py``)."""
import numpy as np
import pytest
import scipy
import scipy.linalg  # noqa: F401

import funcgrad as fg
import funcgrad.scipy as fsp
from funcgrad.scipy import linalg as fsl

from ..table_util import (Row, check_gradient, check_jit, check_value, check_vmap, compile_with_numba, ids,
                          missing_rows)

rng = np.random.RandomState(1)


def general(n):
    return 0.3 * rng.standard_normal((n, n)) + 2.0 * np.eye(n)


def spd(n):
    x = rng.standard_normal((n, n))
    return x @ x.T + n * np.eye(n)


def spread(m, n):
    d = np.zeros((m, n))
    k = min(m, n)
    d[range(k), range(k)] = [3.0, 2.0, 1.0, 0.5][:k]
    return d + 0.1 * rng.standard_normal((m, n))


G, S, S2, T = general(3), spd(3), spd(3), spread(4, 3)
H = 0.15 * (lambda x: x + x.T)(rng.standard_normal((3, 3))) + np.diag([1.0, 4.0, 7.0])
B, b = rng.standard_normal((3, 2)), rng.standard_normal(3)
UPPER, LOWER = np.triu(np.ones((3, 3))), np.tril(np.ones((3, 3)))
PERMUTED = np.eye(3)[[2, 0, 1]] @ general(3)

ROWS = [
    Row("block_diag", lambda m, a, c, d: m.linalg.block_diag(a, c, d), [G, b, T]),
    Row("cho_factor", lambda m, a: m.linalg.cho_factor(a)[0] * UPPER, [S], "upper"),
    Row("cho_factor", lambda m, a: m.linalg.cho_factor(a, lower=True)[0] * LOWER, [S], "lower"),
    Row("cho_solve", lambda m, a, r: m.linalg.cho_solve(m.linalg.cho_factor(a), r), [S, B]),
    Row("cho_solve", lambda m, a, r: m.linalg.cho_solve(m.linalg.cho_factor(a, lower=True), r), [S, b],
        "lower-vector"),
    Row("cholesky", lambda m, a: m.linalg.cholesky(a), [S], "upper"),
    Row("cholesky", lambda m, a: m.linalg.cholesky(a, lower=True), [S], "lower"),
    Row("det", lambda m, a: m.linalg.det(a), [PERMUTED]),
    Row("eigh", lambda m, a: m.linalg.eigh(a, eigvals_only=True), [H], "values"),
    Row("eigh", lambda m, a: m.linalg.eigh(a)[1] ** 2, [H], "vectors-squared"),
    Row("eigh", lambda m, a, c: m.linalg.eigh(a, c)[0], [H, S], "generalized"),
    Row("eigh", lambda m, a, c: m.linalg.eigh(a, c)[1] ** 2, [H, S2], "generalized-vectors"),
    Row("eigh_tridiagonal", lambda m, d, e: m.linalg.eigh_tridiagonal(d, e, eigvals_only=True),
        [np.array([1.0, 4.0, 7.0, 10.0]), rng.standard_normal(3)]),
    Row("expm", lambda m, a: m.linalg.expm(a), [0.5 * rng.standard_normal((3, 3))]),
    Row("expm_frechet", lambda m, a, e: m.linalg.expm_frechet(a, e), [0.5 * G, rng.standard_normal((3, 3))],
        tol=1e-8),
    Row("expm_frechet", lambda m, a, e: m.linalg.expm_frechet(a, e, compute_expm=False),
        [0.5 * G, rng.standard_normal((3, 3))], "frechet-only", tol=1e-8),
    Row("inv", lambda m, a: m.linalg.inv(a), [G]),
    Row("lu", lambda m, a: m.linalg.lu(a), [PERMUTED]),
    Row("lu", lambda m, a: m.linalg.lu(a, permute_l=True), [PERMUTED], "permute_l"),
    Row("lu", lambda m, a: m.linalg.lu(a), [np.eye(4, 3)[[3, 0, 2, 1]] @ general(3)
                                           + 0.05 * rng.standard_normal((4, 3))], "tall"),
    Row("lu", lambda m, a: m.linalg.lu(a), [np.eye(3)[[1, 2, 0]] @ spread(3, 4) + np.eye(3, 4)], "wide"),
    Row("lu_factor", lambda m, a: m.linalg.lu_factor(a)[0], [spread(4, 3) + np.eye(4, 3)], "tall"),
    Row("lu_factor", lambda m, a: m.linalg.lu_factor(a)[0], [PERMUTED], "lu"),
    Row("lu_factor", lambda m, a: m.linalg.lu_factor(a)[1], [PERMUTED], "piv", grad=False),
    Row("lu_solve", lambda m, a, r: m.linalg.lu_solve(m.linalg.lu_factor(a), r), [PERMUTED, B]),
    Row("lu_solve", lambda m, a, r: m.linalg.lu_solve(m.linalg.lu_factor(a), r, trans=1), [PERMUTED, b],
        "transposed"),
    Row("qr", lambda m, a: m.linalg.qr(a, mode="economic"), [T], "economic"),
    Row("qr", lambda m, a: m.linalg.qr(a), [T], "full", grad=False),
    Row("qr", lambda m, a: m.linalg.qr(a, mode="r"), [G], "r"),
    Row("solve", lambda m, a, r: m.linalg.solve(a, r), [G, B]),
    Row("solve", lambda m, a, r: m.linalg.solve(a, r, assume_a="pos"), [S, b], "pos"),
    Row("solve_triangular", lambda m, a, r: m.linalg.solve_triangular(a, r, lower=True), [G, B], "lower"),
    Row("solve_triangular", lambda m, a, r: m.linalg.solve_triangular(a, r, trans="T"), [G, b], "upper-T"),
    Row("solve_triangular", lambda m, a, r: m.linalg.solve_triangular(a, r, lower=True, unit_diagonal=True),
        [G, B], "unit"),
    Row("svd", lambda m, a: m.linalg.svd(a, compute_uv=False), [T], "values"),
    Row("svd", lambda m, a: (lambda r: (r[0] * r[1]) @ r[2])(m.linalg.svd(a, full_matrices=False)), [T],
        "reconstruct"),
    Row("toeplitz", lambda m, c, r: m.linalg.toeplitz(c, r), [b, rng.standard_normal(4)]),
    Row("toeplitz", lambda m, c: m.linalg.toeplitz(c), [b], "symmetric"),
    Row("hankel", lambda m, c, r: m.linalg.hankel(c, r), [b, rng.standard_normal(4)]),
    Row("hankel", lambda m, c: m.linalg.hankel(c), [b], "zeros"),
    Row("circulant", lambda m, c: m.linalg.circulant(c), [rng.standard_normal(4)]),
    Row("companion", lambda m, a: m.linalg.companion(a), [np.array([2.0, -1.0, 0.5, 3.0])]),
    Row("leslie", lambda m, f, s_: m.linalg.leslie(f, s_), [rng.uniform(0, 2, 4), rng.uniform(0, 1, 3)]),
    Row("fiedler", lambda m, a: m.linalg.fiedler(a), [np.array([1.0, 4.0, 2.5, -3.0])]),
    Row("hilbert", lambda m: m.linalg.hilbert(4), [], grad=False, jit=False, vmap=False),
    Row("helmert", lambda m: m.linalg.helmert(5), [], grad=False, jit=False, vmap=False),
    Row("helmert", lambda m: m.linalg.helmert(4, full=True), [], "full", grad=False, jit=False, vmap=False),
    Row("sqrtm", lambda m, a: m.linalg.sqrtm(a), [S]),
    Row("sqrtm", lambda m, a: m.linalg.sqrtm(a), [G], "nonsymmetric"),
    Row("solve_sylvester", lambda m, a, b_, c: m.linalg.solve_sylvester(a, b_, c), [G, general(2), B]),
    Row("polar", lambda m, a: m.linalg.polar(a), [T]),
    Row("polar", lambda m, a: m.linalg.polar(a, "left"), [spread(3, 4)], "left"),
]


def test_every_public_name_has_a_row():
    missing, unknown = missing_rows(fsl.__all__, ROWS)
    assert not missing, f"public names of funcgrad.scipy.linalg without a table row: {missing}"
    assert not unknown, f"rows for names funcgrad.scipy.linalg does not export: {unknown}"


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_value_matches_scipy(row):
    check_value(row, fsp, scipy)


GRAD = [r for r in ROWS if r.grad]


@pytest.mark.parametrize("row", GRAD, ids=ids(GRAD))
def test_gradient_matches_finite_differences(row):
    check_gradient(row, fsp)


compile_with_numba(ROWS, ["cho_solve", "lu_solve", "expm", "solve_triangular", "eigh"])
JIT = [r for r in ROWS if r.jit]


@pytest.mark.parametrize("row", JIT, ids=ids(JIT))
def test_jit_matches_eager(row, monkeypatch):
    check_jit(row, monkeypatch=monkeypatch, mine=fsp)


VMAP = [r for r in ROWS if r.vmap]


@pytest.mark.parametrize("row", VMAP, ids=ids(VMAP))
def test_vmap_matches_loop(row):
    check_vmap(row, fsp)


def test_cho_factor_reads_one_triangle():
    """SciPy's ``cho_factor`` keeps the other triangle of its input; ours is clean (as JAX)."""
    c, lower = fsl.cho_factor(S)
    assert not lower and np.allclose(np.tril(np.asarray(c), -1), 0)


def test_sqrtm_without_a_real_root_is_nan():
    assert np.isnan(np.asarray(fsl.sqrtm(-np.eye(2)))).all()
    np.testing.assert_allclose(np.asarray(fsl.sqrtm(np.diag([4.0, 9.0]))), np.diag([2.0, 3.0]))


def test_lu_solve_batched():
    a = np.stack([general(3), general(3)])
    x = fsl.lu_solve(fsl.lu_factor(a), B)
    np.testing.assert_allclose(np.asarray(x), np.linalg.solve(a, B), rtol=1e-12)


def test_grad_of_logdet_through_cholesky_is_inverse():
    f = lambda a: 2 * fg.numpy.sum(fg.numpy.log(fg.numpy.diagonal(fsl.cholesky(a, lower=True))))  # noqa: E731
    np.testing.assert_allclose(np.asarray(fg.grad(f)(S)), np.linalg.inv(S), rtol=1e-10)
    h = fg.hessian(f)(S)
    inv = np.linalg.inv(S)
    sym = -0.5 * (np.einsum("ik,lj->ijkl", inv, inv) + np.einsum("il,kj->ijkl", inv, inv))
    np.testing.assert_allclose(np.asarray(h), sym, rtol=1e-8, atol=1e-12)
