"""Every public name of ``funcgrad.numpy.linalg``: value vs NumPy, gradient vs finite
differences, jit and vmap rows (see ``tests/table_util.py``). Inputs are well conditioned:
SPD / diagonally dominant matrices, distinct eigen- and singular values; rows that use
eigenvectors or singular vectors return gauge-invariant functions of them."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.numpy import linalg as fla

from ..table_util import (Row, check_gradient, check_jit, check_value, check_vmap, compile_with_numba, ids,
                          missing_rows)

rng = np.random.RandomState(0)


def general(*shape):
    n = shape[-1]
    return 0.3 * rng.standard_normal(shape) + 2.0 * np.eye(n)


def spd(*shape):
    x = rng.standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def spread(m, n):
    """A matrix with singular values near 3, 2, 1, 0.5 (distinct)."""
    d = np.zeros((m, n))
    k = min(m, n)
    d[range(k), range(k)] = [3.0, 2.0, 1.0, 0.5, 0.25][:k]
    return d + 0.1 * rng.standard_normal((m, n))


def sym_spread(n):
    x = rng.standard_normal((n, n))
    return 0.15 * (x + x.T) + np.diag(1.0 + 3.0 * np.arange(n))


G, G2, S, S2 = general(3, 3), general(2, 3, 3), spd(3, 3), spd(2, 3, 3)
H = sym_spread(3)
T, W = spread(4, 3), spread(3, 5)
NEG = general(3, 3) @ np.diag([1.0, 1.0, -1.0])          # negative determinant
LOWRANK = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))
v3, u3, B = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((3, 2))
G6 = general(6, 6)

L = "linalg"
ROWS = [
    Row("cholesky", lambda m, a: m.linalg.cholesky(a), [S]),
    Row("cholesky", lambda m, a: m.linalg.cholesky(a), [S2], "batched"),
    Row("cholesky", lambda m, a: m.linalg.cholesky(a, upper=True), [S], "upper"),
    Row("cond", lambda m, a: m.linalg.cond(a), [T], "2-norm"),
    Row("cond", lambda m, a: m.linalg.cond(a, "fro"), [G], "fro"),
    Row("cond", lambda m, a: m.linalg.cond(a, 1), [G], "1-norm"),
    Row("cross", lambda m, a, b: m.linalg.cross(a, b), [v3, u3]),
    Row("cross", lambda m, a, b: m.linalg.cross(a, b), [rng.standard_normal((2, 3)), rng.standard_normal((2, 3))],
        "batched"),
    Row("det", lambda m, a: m.linalg.det(a), [G]),
    Row("det", lambda m, a: m.linalg.det(a), [G2], "batched"),
    Row("det", lambda m, a: m.linalg.det(a), [NEG], "negative"),
    Row("diagonal", lambda m, a: m.linalg.diagonal(a, offset=1), [G2]),
    Row("eig", lambda m, a: np.sort_complex(m.linalg.eig(a).eigenvalues), [G], "eager-only",
        grad=False, jit=False, vmap=False, ref_dtype=True),
    Row("eigvals", lambda m, a: np.sort_complex(m.linalg.eigvals(a)), [G], "eager-only",
        grad=False, jit=False, vmap=False),
    Row("eigh", lambda m, a: m.linalg.eigh(a).eigenvalues, [H], "values"),
    Row("eigh", lambda m, a: m.linalg.eigh(a).eigenvectors ** 2, [H], "vectors-squared"),
    Row("eigh", lambda m, a: (lambda r: (r.eigenvectors * r.eigenvalues[..., None, :] ** 2)
                              @ m.linalg.matrix_transpose(r.eigenvectors))(m.linalg.eigh(a)),
        [np.stack([H, sym_spread(3)])], "both-batched"),
    Row("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), [H]),
    Row("inv", lambda m, a: m.linalg.inv(a), [G]),
    Row("inv", lambda m, a: m.linalg.inv(a), [G2], "batched"),
    Row("lstsq", lambda m, a, b: m.linalg.lstsq(a, b, rcond=None)[0], [T, rng.standard_normal(4)], "x"),
    Row("lstsq", lambda m, a, b: m.linalg.lstsq(a, b, rcond=None)[1], [T, rng.standard_normal((4, 2))],
        "residuals"),
    Row("lstsq", lambda m, a, b: m.linalg.lstsq(a, b, rcond=None)[3], [T, rng.standard_normal(4)], "s"),
    Row("matmul", lambda m, a, b: m.linalg.matmul(a, b), [G2, B]),
    Row("matrix_norm", lambda m, a: m.linalg.matrix_norm(a), [T], "fro"),
    Row("matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord="nuc"), [T], "nuc"),
    Row("matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord=2), [W], "2"),
    Row("matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord=-2), [T], "-2"),
    Row("matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord=1, keepdims=True), [G2], "1-keepdims"),
    Row("matrix_norm", lambda m, a: m.linalg.matrix_norm(a, ord=np.inf), [T], "inf"),
    Row("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3), [G], "3"),
    Row("matrix_power", lambda m, a: m.linalg.matrix_power(a, -2), [G], "-2"),
    Row("matrix_power", lambda m, a: m.linalg.matrix_power(a, 0), [G2], "0"),
    Row("matrix_rank", lambda m, a: m.linalg.matrix_rank(a), [T], "full", grad=False),
    Row("matrix_rank", lambda m, a: m.linalg.matrix_rank(a), [LOWRANK], "deficient", grad=False, vmap=False),
    Row("matrix_transpose", lambda m, a: m.linalg.matrix_transpose(a), [G2]),
    Row("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [v3, G, T.T]),
    Row("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [G, T.T, rng.standard_normal(4)],
        "last-vector"),
    Row("norm", lambda m, a: m.linalg.norm(a), [T], "default"),
    Row("norm", lambda m, a: m.linalg.norm(a, 1), [v3], "vector-1"),
    Row("norm", lambda m, a: m.linalg.norm(a, np.inf), [v3], "vector-inf"),
    Row("norm", lambda m, a: m.linalg.norm(a, 3), [v3], "vector-3"),
    Row("norm", lambda m, a: m.linalg.norm(a, axis=1, keepdims=True), [T], "rows"),
    Row("norm", lambda m, a: m.linalg.norm(a, "nuc"), [T], "nuc"),
    Row("norm", lambda m, a: m.linalg.norm(a, 2), [T], "spectral"),
    Row("norm", lambda m, a: m.linalg.norm(a, -np.inf), [T], "matrix-neg-inf"),
    Row("norm", lambda m, a: m.linalg.norm(a, "fro", axis=(0, 2)), [G2], "fro-axes"),
    Row("outer", lambda m, a, b: m.linalg.outer(a, b), [v3, rng.standard_normal(4)]),
    Row("pinv", lambda m, a: m.linalg.pinv(a), [T]),
    Row("pinv", lambda m, a: m.linalg.pinv(a), [W], "wide"),
    Row("qr", lambda m, a: m.linalg.qr(a).Q, [T], "Q"),
    Row("qr", lambda m, a: m.linalg.qr(a).R, [T], "R"),
    Row("qr", lambda m, a: m.linalg.qr(a, mode="r"), [G2], "mode-r"),
    Row("qr", lambda m, a: m.linalg.qr(a, mode="complete").Q, [T], "complete", grad=False),
    Row("slogdet", lambda m, a: m.linalg.slogdet(a).logabsdet, [NEG], "logabsdet"),
    Row("slogdet", lambda m, a: m.linalg.slogdet(a).sign, [NEG], "sign", grad=False),
    Row("slogdet", lambda m, a: m.linalg.slogdet(a).logabsdet, [G2], "batched"),
    Row("solve", lambda m, a, b: m.linalg.solve(a, b), [G, v3], "vector"),
    Row("solve", lambda m, a, b: m.linalg.solve(a, b), [G, B], "matrix"),
    Row("solve", lambda m, a, b: m.linalg.solve(a, b), [G2, B], "broadcast"),
    Row("svd", lambda m, a: m.linalg.svd(a, compute_uv=False), [T], "values"),
    Row("svd", lambda m, a: (lambda r: (r.U * r.S[..., None, :]) @ r.Vh)(m.linalg.svd(a, full_matrices=False)),
        [W], "reconstruct"),
    Row("svd", lambda m, a: m.linalg.svd(a, full_matrices=False).U ** 2, [T], "U-squared"),
    Row("svd", lambda m, a: m.linalg.svd(a).Vh ** 2, [spread(3, 3)], "square-Vh-squared"),
    Row("svdvals", lambda m, a: m.linalg.svdvals(a), [W]),
    Row("tensordot", lambda m, a, b: m.linalg.tensordot(a, b, axes=2),
        [rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 2))]),
    Row("tensorinv", lambda m, a: m.linalg.tensorinv(a, ind=2), [G6.reshape(2, 3, 6)]),
    Row("tensorsolve", lambda m, a, b: m.linalg.tensorsolve(a, b), [G6.reshape(6, 2, 3), rng.standard_normal(6)]),
    Row("trace", lambda m, a: m.linalg.trace(a, offset=1), [G2]),
    Row("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [T, T[::-1]]),
    Row("vector_norm", lambda m, a: m.linalg.vector_norm(a), [T], "all"),
    Row("vector_norm", lambda m, a: m.linalg.vector_norm(a, axis=0, ord=1), [T], "1"),
    Row("vector_norm", lambda m, a: m.linalg.vector_norm(a, axis=-1, ord=-np.inf), [T], "neg-inf"),
    Row("vector_norm", lambda m, a: m.linalg.vector_norm(a, axis=(0, 1), ord=2.5, keepdims=True), [G2], "p"),
]


def test_every_public_name_has_a_row():
    missing, unknown = missing_rows(fla.__all__, ROWS)
    assert not missing, f"public names of funcgrad.numpy.linalg without a table row: {missing}"
    assert not unknown, f"rows for names funcgrad.numpy.linalg does not export: {unknown}"


def test_all_names_are_callable_attributes():
    for name in fla.__all__:
        assert callable(getattr(jnp.linalg, name)), name


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_value_matches_numpy(row):
    check_value(row, jnp, np)


GRAD = [r for r in ROWS if r.grad]


@pytest.mark.parametrize("row", GRAD, ids=ids(GRAD))
def test_gradient_matches_finite_differences(row):
    check_gradient(row, jnp)


compile_with_numba(ROWS, ["det", "slogdet", "inv", "solve", "cholesky", "eigh", "svd", "qr", "norm", "lstsq"])
JIT = [r for r in ROWS if r.jit]


@pytest.mark.parametrize("row", JIT, ids=ids(JIT))
def test_jit_matches_eager(row, monkeypatch):
    check_jit(row, monkeypatch=monkeypatch, mine=jnp)


VMAP = [r for r in ROWS if r.vmap]


@pytest.mark.parametrize("row", VMAP, ids=ids(VMAP))
def test_vmap_matches_loop(row):
    check_vmap(row, jnp)


@pytest.mark.parametrize("name", ["eig", "eigvals"])
def test_eig_is_eager_only(name):
    with pytest.raises(NotImplementedError, match="complex"):
        fg.jit(lambda a: getattr(jnp.linalg, name)(a))(G)
