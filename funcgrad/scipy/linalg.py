"""``funcgrad.scipy.linalg``: ``jax.scipy.linalg``'s names on SciPy semantics (real dtypes).

The factorizations and solves are the primitives of ``funcgrad.lax.linalg`` (LAPACK through
NumPy/SciPy, with JAX's derivative rules); the rest are compositions, so ``grad``/``vmap``/``jit``
apply. Differences from SciPy, as in JAX: ``cho_factor`` returns a clean triangle (SciPy leaves
the other triangle of its input in place), ``cholesky``/``eigh`` read ``(a + aᵀ)/2``, a factor
that fails (not positive definite, singular) gives NaN rather than raising.

>>> import funcgrad.numpy as jnp
>>> from funcgrad.scipy import linalg
>>> a = jnp.array([[4.0, 2.0], [2.0, 3.0]])
>>> linalg.cho_solve(linalg.cho_factor(a), jnp.array([6.0, 5.0]))
Array([1., 1.], dtype=float64)
"""
from __future__ import annotations

import numpy as np

from .. import numpy as jnp
from ..api import vmap
from ..core.errors import ShapeError
from ..core.source_info import user_frame_info
from ..core.trace import Tracer
from ..lax import linalg as _la
from ..numpy import linalg as _nla
from ..numpy._dtypes import base, wrap

from ._special_matrices import (circulant, companion, fiedler, hankel, helmert, hilbert, leslie,  # noqa: F401
                                toeplitz)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "circulant", "companion", "det", "eigh",
           "eigh_tridiagonal", "expm", "expm_frechet", "fiedler", "hankel", "helmert", "hilbert", "inv",
           "leslie", "lu", "lu_factor", "lu_solve", "polar", "qr", "solve", "solve_sylvester",
           "solve_triangular", "sqrtm", "svd", "toeplitz"]


def _shape(x):
    return tuple(x.aval.shape) if isinstance(x, Tracer) else np.shape(x)


def _vectorized_rhs(b):
    """SciPy's rule: a 1-D ``b`` is one right-hand side; an N-D ``b`` is ``(..., n, k)``."""
    return len(_shape(b)) == 1


def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """The Cholesky factor: upper (SciPy's default) or ``lower``."""
    return _nla.cholesky(a, upper=not lower)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """``(c, lower)`` for ``cho_solve``; ``c`` is the clean triangular factor (as JAX)."""
    return cholesky(a, lower=lower), lower


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
    """Solve ``op(a) x = b`` reading one triangle of ``a``; ``trans`` is 0/'N', 1/'T' (or 2/'C',
    the same for real input). A 1-D ``b`` is one right-hand side."""
    transpose_a = {0: False, "N": False, 1: True, "T": True, 2: True, "C": True}.get(trans)
    if transpose_a is None:
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    a = _nla._matrix(a, "solve_triangular")
    b = _nla._float(b, "solve_triangular")
    a, b = _nla._same_dtype(a, b)
    vector = _vectorized_rhs(b)
    if vector:
        b = jnp.expand_dims(b, -1)
    if _shape(b)[-2] != _shape(a)[-1]:
        raise ShapeError(f"solve_triangular: a of shape {_shape(a)} does not fit b of shape "
                         f"{_shape(b)[:-1] if vector else _shape(b)} (at {user_frame_info()})")
    a, b = _nla._broadcast_batch(a, b, "solve_triangular")
    x = _la.triangular_solve(a, b, left_side=True, lower=lower, transpose_a=transpose_a,
                             unit_diagonal=unit_diagonal)
    return jnp.squeeze(x, -1) if vector else x


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` given ``cho_factor(a)``: two triangular solves."""
    c, lower = c_and_lower
    if lower:
        y = solve_triangular(c, b, lower=True)
        return solve_triangular(c, y, trans=1, lower=True)
    y = solve_triangular(c, b, trans=1, lower=False)
    return solve_triangular(c, y, lower=False)


def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
    """``(lu, piv)``: ``L`` (unit diagonal) below and ``U`` on/above the diagonal of ``lu``;
    ``piv[i]`` is the row swapped with row ``i`` (0-based, int32), as SciPy. ``a`` may be
    rectangular."""
    a = _nla._matrix(a, "lu_factor", square=False)
    lu_, piv, _ = _la.lu(a)
    return lu_, piv


def _apply_swaps(b, piv, reverse):
    n = _shape(piv)[-1]
    order = range(n - 1, -1, -1) if reverse else range(n)
    for i in order:
        j = piv[i]
        row_i, row_j = b[i], b[j]
        b = b.at[i].set(row_j).at[j].set(row_i)
    return b


def _lu_solve_2d(lu_, piv, b, trans):
    if trans == 0:   # P a = L U:  x = U⁻¹ L⁻¹ P b
        y = _la.triangular_solve(lu_, _apply_swaps(b, piv, False), left_side=True, lower=True, unit_diagonal=True)
        return _la.triangular_solve(lu_, y, left_side=True, lower=False)
    y = _la.triangular_solve(lu_, b, left_side=True, lower=False, transpose_a=True)   # aᵀ = Uᵀ Lᵀ P
    y = _la.triangular_solve(lu_, y, left_side=True, lower=True, transpose_a=True, unit_diagonal=True)
    return _apply_swaps(y, piv, True)


def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False, check_finite: bool = True):
    """Solve ``a x = b`` (``trans=0``) or ``aᵀ x = b`` (1 or 2) given ``lu_factor(a)``."""
    lu_, piv = lu_and_piv
    if trans not in (0, 1, 2):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    lu_ = _nla._matrix(lu_, "lu_solve")
    b = _nla._float(b, "lu_solve")
    lu_, b = _nla._same_dtype(lu_, b)
    vector = _vectorized_rhs(b)
    if _shape(b)[0 if vector else -2] != _shape(lu_)[-1]:
        raise ShapeError(f"lu_solve: lu of shape {_shape(lu_)} does not fit b of shape {_shape(b)} "
                         f"(at {user_frame_info()})")
    if _nla._concrete(lu_, piv, b) and len(_shape(lu_)) == 2 and len(_shape(b)) <= 2:
        from scipy.linalg import lu_solve as scipy_lu_solve     # eager: LAPACK's getrs directly
        return wrap(np.asarray(scipy_lu_solve((base(lu_), np.asarray(piv)), base(b), trans=trans)))
    if vector:
        b = jnp.expand_dims(b, -1)
    lu_, b = _nla._broadcast_batch(lu_, b, "lu_solve")
    piv = jnp.broadcast_to(piv, _shape(lu_)[:-1])
    fn = lambda m, p, r: _lu_solve_2d(m, p, r, trans)  # noqa: E731
    for _ in range(len(_shape(lu_)) - 2):
        fn = vmap(fn)
    x = fn(lu_, piv, b)
    return jnp.squeeze(x, -1) if vector else x


def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
    """``(p, l, u)`` with ``a = p @ l @ u`` (``p`` a permutation matrix, ``l`` unit lower
    ``m x k``, ``u`` upper ``k x n``, ``k = min(m, n)``), or ``(p @ l, u)``."""
    a = _nla._matrix(a, "lu", square=False)
    lu_, _, perm = _la.lu(a)
    m, n = _shape(a)[-2:]
    k = min(m, n)
    lower = jnp.tril(lu_[..., :, :k], -1) + jnp.eye(m, k, dtype=lu_.dtype)
    upper = jnp.triu(lu_[..., :k, :])
    p = jnp.swapaxes(_la.permutation_matrix(perm, lu_.dtype), -1, -2)
    return (jnp.matmul(p, lower), upper) if permute_l else (p, lower, upper)


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False, debug: bool = False,
          check_finite: bool = True, assume_a: str = "gen"):
    """Solve ``a x = b``. ``assume_a='pos'`` uses a Cholesky factorization (reading ``lower``
    or upper triangle); 'gen', 'sym' and 'her' use LU. A 1-D ``b`` is one right-hand side."""
    if assume_a in ("pos", "positive definite"):
        a = _nla._matrix(a, "solve")
        tri = jnp.tril(a) if lower else jnp.triu(a)
        full = tri + jnp.swapaxes(tri, -1, -2) - jnp.tril(jnp.triu(a))
        return cho_solve(cho_factor(full, lower=True), b)
    if assume_a not in ("gen", "general", "sym", "symmetric", "her", "hermitian", "diagonal",
                        "tridiagonal", "banded", "upper triangular", "lower triangular"):
        raise ValueError(f"solve: unknown assume_a {assume_a!r}")
    return _nla.solve(a, b)


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
    """Inverse of square matrices."""
    return _nla.inv(a)


def det(a, overwrite_a: bool = False, check_finite: bool = True):
    """Determinant (LU)."""
    return _nla.det(a)


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals=None, type: int = 1,  # noqa: A002
         check_finite: bool = True):
    """``(w, v)`` of symmetric ``a``; with ``b`` (SPD) the generalized problem ``a v = w b v``
    through ``b = L Lᵀ`` (eigenvectors normalized so ``vᵀ b v = I``, as SciPy)."""
    if eigvals is not None or type != 1:
        raise NotImplementedError("eigh: only type=1 and all eigenvalues (eigvals=None) are supported")
    a = _nla._matrix(a, "eigh")
    if b is None:
        v, w = _la.eigh(a, lower=lower)
    else:
        chol = _nla.cholesky(b)
        c = _la.triangular_solve(chol, a, left_side=True, lower=True)               # L⁻¹ a
        c = _la.triangular_solve(chol, c, left_side=False, lower=True, transpose_a=True)  # … L⁻ᵀ
        v, w = _la.eigh(c, lower=lower)
        v = _la.triangular_solve(chol, v, left_side=True, lower=True, transpose_a=True)   # L⁻ᵀ y
    return w if eigvals_only else (w, v)


def eigh_tridiagonal(d, e, *, eigvals_only: bool = False, select: str = "a", select_range=None,
                     tol=None):
    """Eigenvalues of the symmetric tridiagonal matrix with diagonal ``d`` and off-diagonal
    ``e`` (JAX supports ``eigvals_only=True`` only, and so does this)."""
    if not eigvals_only or select != "a":
        raise NotImplementedError("eigh_tridiagonal: only eigvals_only=True, select='a' (as JAX)")
    d = _nla._float(d, "eigh_tridiagonal")
    e = jnp.asarray(e, dtype=d.dtype)
    t = jnp.diag(d) + jnp.diag(e, -1) + jnp.diag(e, 1)
    return _la.eigh(t)[1]


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
    """``(U, s, Vh)`` or ``s``."""
    r = _nla.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(r) if compute_uv else r


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
    """``(Q, R)`` for ``mode='full'`` / ``'economic'``, ``(R,)`` for ``mode='r'`` (as SciPy)."""
    if pivoting:
        raise NotImplementedError("qr: pivoting=True is not supported")
    if mode not in ("full", "economic", "r"):
        raise ValueError(f"qr: mode must be 'full', 'economic' or 'r', got {mode!r} ('raw' is not supported)")
    a = _nla._matrix(a, "qr", square=False)
    q, r = _la.qr(a, full_matrices=mode == "full")
    return (r,) if mode == "r" else (q, r)


def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
    """Matrix exponential (SciPy's Padé approximation); the gradient is the adjoint Fréchet
    derivative ``L(Aᵀ, Ḡ)`` (Higham's block-matrix form)."""
    return _la.expm(_nla._matrix(A, "expm"))


def expm_frechet(A, E, *, method=None, compute_expm: bool = True):
    """``(expm(A), L(A, E))`` (or the Fréchet derivative alone) of the matrix exponential."""
    A, E = _nla._same_dtype(_nla._matrix(A, "expm_frechet"), _nla._matrix(E, "expm_frechet"))
    if _shape(A) != _shape(E):
        raise ShapeError(f"expm_frechet: A {_shape(A)} and E {_shape(E)} must have one shape")
    from ..primitives.solves import expm_frechet as _frechet
    frechet = _frechet(A, E)
    return (_la.expm(A), frechet) if compute_expm else frechet


def block_diag(*arrs):
    """The block-diagonal matrix of the given arrays (0-D/1-D inputs are ``1 x n`` rows, as SciPy)."""
    if not arrs:
        return jnp.zeros((1, 0))
    mats = [jnp.atleast_2d(jnp.asarray(a)) for a in arrs]
    if any(len(_shape(m)) != 2 for m in mats):
        raise ShapeError("block_diag: arguments must have at most 2 dims")
    dtype = jnp.result_type(*mats)
    total = sum(_shape(m)[1] for m in mats)
    rows, col = [], 0
    for m in mats:
        r, c = _shape(m)
        rows.append(jnp.concatenate([jnp.zeros((r, col), dtype), m.astype(dtype),
                                     jnp.zeros((r, total - col - c), dtype)], axis=1))
        col += c
    return jnp.concatenate(rows, axis=0)


def polar(a, side: str = "right", *, method: str = "svd", eps=None, max_iterations=None):
    """Polar decomposition ``a = u p`` (``side='right'``) or ``p u`` (``'left'``), ``u`` with
    orthonormal columns and ``p`` symmetric positive semi-definite, through the SVD (JAX's default
    method is QDWH; the factors are the same). Gradients need distinct singular values."""
    if side not in ("right", "left"):
        raise ValueError(f"polar: side must be 'right' or 'left', got {side!r}")
    a = _nla._matrix(a, "polar", square=False)
    s, w, vh = _la.svd(a, full_matrices=False)
    u = jnp.matmul(w, vh)
    if side == "right":
        p = jnp.matmul(jnp.swapaxes(vh, -1, -2) * jnp.expand_dims(s, -2), vh)
    else:
        p = jnp.matmul(w * jnp.expand_dims(s, -2), jnp.swapaxes(w, -1, -2))
    return u, p


def sqrtm(A, blocksize: int = 1):
    """The principal matrix square root, for real matrices whose principal root is real (no
    eigenvalues on the closed negative real axis); NaN otherwise (JAX returns a complex array:
    funcgrad has no complex dtypes). The derivative solves ``S Ṡ + Ṡ S = Ȧ``."""
    return _la.sqrtm(_nla._matrix(A, "sqrtm"))


def solve_sylvester(A, B, C, *, method: str = "schur", tol: float = 1e-8):
    """Solve ``A X + X B = C`` (Bartels-Stewart); gradients for ``A``, ``B`` and ``C``."""
    a, b, c = (_nla._float(x, "solve_sylvester") for x in (A, B, C))
    dt = jnp.result_type(a, b, c)
    a, b, c = (jnp.astype(x, dt) for x in (a, b, c))
    lead = np.broadcast_shapes(_shape(a)[:-2], _shape(b)[:-2], _shape(c)[:-2])
    a = jnp.broadcast_to(a, lead + _shape(a)[-2:])
    b = jnp.broadcast_to(b, lead + _shape(b)[-2:])
    c = jnp.broadcast_to(c, lead + _shape(c)[-2:])
    return _la.solve_sylvester(a, b, c)
