"""Matrix decompositions: ``cholesky``, ``lu``, ``eigh``, ``svd``, ``qr``; and ``pinv``, ``det``.

Each works on the trailing two dims, batched over the leading ones; the impls call LAPACK through
NumPy/SciPy (``jit`` emits the same call in its driver). The derivative rules are JAX's, written
with bind wrappers so they differentiate again:

- ``cholesky`` (Murray 2016): ``L̇ = L Φ(L⁻¹ Σ̇ L⁻ᵀ)``, ``Σ̄ = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹`` with ``Φ`` the
  lower triangle with its diagonal halved. Reads the lower triangle; a matrix that is not
  positive definite gives NaN (as JAX).
- ``lu`` (``P a = L U``): ``M = L⁻¹ P ȧ U⁻¹``, ``L̇ = L tril(M, -1)``, ``U̇ = triu(M) U``; the VJP
  is its adjoint ``ā = Pᵀ L⁻ᵀ (tril(Lᵀ C, -1) + triu(C Uᵀ)) U⁻ᵀ``.
- ``eigh``: ``ẇ = diag(Vᵀ ȧ V)``, ``V̇ = V (F ∘ Vᵀ ȧ V)`` with ``F_ij = 1/(w_j - w_i)`` off the
  diagonal (0 where eigenvalues tie exactly); ``ā = V (diag(w̄) + F ∘ Vᵀ V̄) Vᵀ``.
- ``svd`` (``full_matrices=False``): JAX's rule with ``F_ij = 1/(s_j² - s_i²)`` and the
  projections for non-square inputs; its adjoint for the VJP.
- ``qr`` (reduced, ``m >= n``): JAX's rule ``dq = q (Ω - C) + ȧ r⁻¹``, ``dr = (C - Ω) r`` with
  ``C = qᵀ ȧ r⁻¹``, ``Ω = tril(C, -1) - tril(C, -1)ᵀ``; its adjoint for the VJP.
- ``pinv``: ``ṗ = -p ȧ p + p pᵀ ȧᵀ (I - a p) + (I - p a) ȧᵀ pᵀ p`` (no division by singular
  value gaps, unlike a composition through ``svd``); its adjoint for the VJP.
- ``det``: ``d det = ⟨cof(a), ȧ⟩`` with the cofactor matrix from the SVD (exact at singular ``a``).

>>> import numpy as np
>>> print(cholesky(np.array([[4.0, 2.0], [2.0, 2.0]])))
[[2. 0.]
 [1. 1.]]
>>> w, v = eigh(np.diag([3.0, 1.0]))[::-1]
>>> print(w)
[1. 3.]
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.primitive import Zero, def_primitive
from .elementwise import (add, convert_element_type, div, eq, instantiate, mul, neg, stop_gradient, sub,
                          zeros_like_aval)
from .reductions import reduce_prod, reduce_sum
from .shape import aval, concatenate, expand_dims, shape_of
from .solves import (LAPACK_DRIVER, batch_matmul, batch_unary, check_float_matrix, diag_matrix, diagonal,
                     eye_const, matrix_transpose as mT, nan_on_failure, scale_columns, scale_rows,
                     slice_last2, triangular_solve, tril, triu)


def _sym_part_lower_half(x):
    """``Φ(x)``: the lower triangle with the diagonal halved (self-adjoint under ⟨·,·⟩_F)."""
    return sub(tril(x), mul(x, mul(eye_const(x), np.asarray(0.5, aval(x).dtype))))


def _zero_tangents(outs):
    return [Zero(aval(o)) for o in outs]


# --------------------------------------------------------------------------- cholesky

def _cholesky_abstract(a):
    check_float_matrix("cholesky", a)
    return Aval(a.shape, a.dtype)


def _cholesky_impl(a):
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape, a.dtype)
    return np.asarray(nan_on_failure(np.linalg.cholesky, [a], [a.shape[-2:]], [a.dtype]), dtype=a.dtype)


def _cholesky_vjp(ct, a, *, out):
    def ct_a():
        p = _sym_part_lower_half(batch_matmul(mT(out), ct))                       # Φ(Lᵀ L̄)
        t = triangular_solve(out, p, left_side=True, lower=True, transpose_a=True)  # L⁻ᵀ Φ
        return triangular_solve(out, t, left_side=False, lower=True)              # … L⁻¹
    return [ct_a]


def _cholesky_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    chol = cholesky(a)
    t = instantiate(t)
    tmp = triangular_solve(chol, t, left_side=False, lower=True, transpose_a=True)      # Σ̇ L⁻ᵀ
    inner = triangular_solve(chol, tmp, left_side=True, lower=True)                    # L⁻¹ Σ̇ L⁻ᵀ
    return chol, batch_matmul(chol, _sym_part_lower_half(inner))


cholesky_p = def_primitive(
    "cholesky", abstract_eval=_cholesky_abstract, impl=_cholesky_impl, vjp=_cholesky_vjp,
    jvp=_cholesky_jvp, batch=batch_unary(lambda a: cholesky_p.bind(a)), lower=LAPACK_DRIVER)


def cholesky(a):
    """The lower Cholesky factor ``L`` of ``a = L Lᵀ`` (reads ``a``'s lower triangle)."""
    return cholesky_p.bind(a)


# --------------------------------------------------------------------------- lu

def _lu_abstract(a):
    check_float_matrix("lu", a, square=False)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    i32 = np.dtype(np.int32)
    return [Aval(a.shape, a.dtype), Aval(lead + (min(m, n),), i32), Aval(lead + (m,), i32)]


def _lu_impl(a):
    a = np.asarray(a)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        perm = np.broadcast_to(np.arange(m, dtype=np.int32), lead + (m,)).copy()
        return np.zeros(a.shape, a.dtype), np.zeros(lead + (k,), np.int32), perm
    from scipy.linalg import lu_factor
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # an exactly singular matrix: U has a zero pivot, as JAX
        lu, piv = lu_factor(a, check_finite=False)
    piv = np.asarray(piv, np.int32).reshape(lead + (k,))
    perm = np.broadcast_to(np.arange(m, dtype=np.int32), lead + (m,)).copy()
    flat_perm, flat_piv = perm.reshape(-1, m), piv.reshape(-1, k)
    rows = np.arange(flat_perm.shape[0])
    for i in range(k):                      # apply LAPACK's row swaps, all matrices at once
        j = flat_piv[:, i]
        at_i = flat_perm[:, i].copy()
        flat_perm[:, i] = flat_perm[rows, j]
        flat_perm[rows, j] = at_i
    return np.ascontiguousarray(lu, dtype=a.dtype), piv, flat_perm.reshape(lead + (m,))


def permutation_matrix(perm, dtype):
    """``P`` with ``P @ a == a[..., perm, :]``, as a float matrix (differentiable products)."""
    s = shape_of(perm)
    n = s[-1]
    cols = np.arange(n, dtype=aval(perm).dtype).reshape((1,) * len(s) + (n,))
    return convert_element_type(eq(expand_dims(perm, (len(s),)), cols), dtype)


def _lu_factors(lu):
    """``L`` as an ``m x m`` unit lower matrix and ``U`` as an ``n x n`` upper one: the factors of
    the packed ``m x n`` ``lu``, padded with the identity when ``m != n`` (JAX's construction)."""
    s = shape_of(lu)
    lead, (m, n) = tuple(s[:-2]), tuple(s[-2:])
    k = min(m, n)
    dtype = aval(lu).dtype
    lower = tril(slice_last2(lu, (0, m), (0, k)) if k < n else lu, -1)
    if k < m:
        lower = concatenate([lower, zeros_like_aval(Aval(lead + (m, m - k), dtype))], len(s) - 1)
    upper = triu(slice_last2(lu, (0, k), (0, n)) if k < m else lu)
    if k < n:
        upper = concatenate([upper, zeros_like_aval(Aval(lead + (n - k, n), dtype))], len(s) - 2)
        upper = add(upper, _mask_like(upper, np.diag([0.0] * k + [1.0] * (n - k))))
    return add(lower, eye_const(lower)), upper


def _mask_like(x, mat):
    m = np.asarray(mat, dtype=aval(x).dtype)
    return m.reshape((1,) * (len(shape_of(x)) - 2) + m.shape)


def _lu_vjp(ct, a, *, out):
    lu, _, perm = out
    c = ct[0]

    def ct_a():
        lower, upper = _lu_factors(lu)
        m_bar = add(tril(batch_matmul(mT(lower), c), -1), triu(batch_matmul(c, mT(upper))))
        t = triangular_solve(lower, m_bar, left_side=True, lower=True, transpose_a=True, unit_diagonal=True)
        t = triangular_solve(upper, t, left_side=False, lower=False, transpose_a=True)
        return batch_matmul(mT(permutation_matrix(perm, aval(a).dtype)), t)
    return [ct_a]


def _lu_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    outs = lu(a)
    lu_, _, perm = outs
    lower, upper = _lu_factors(lu_)
    pa = batch_matmul(permutation_matrix(perm, aval(a).dtype), instantiate(t))
    la = triangular_solve(lower, pa, left_side=True, lower=True, unit_diagonal=True)
    m = triangular_solve(upper, la, left_side=False, lower=False)
    dlu = add(batch_matmul(lower, tril(m, -1)), batch_matmul(triu(m), upper))
    return outs, [dlu] + _zero_tangents(outs[1:])


lu_p = def_primitive(
    "lu", abstract_eval=_lu_abstract, impl=_lu_impl, vjp=_lu_vjp, jvp=_lu_jvp,
    batch=batch_unary(lambda a: lu_p.bind(a)), lower=LAPACK_DRIVER, multiple_results=True)


def lu(a):
    """``lax.linalg.lu``: ``(lu, pivots, permutation)`` with ``a[..., permutation, :] == L @ U``,
    ``L`` unit lower (below the diagonal of ``lu``), ``U`` upper; ``pivots`` are LAPACK's
    (0-based) row swaps. ``a`` may be rectangular (``m x n``: ``L`` is ``m x k``, ``U`` is
    ``k x n``, ``k = min(m, n)``)."""
    return lu_p.bind(a)


# --------------------------------------------------------------------------- eigh

def _eigh_abstract(a, *, lower):
    check_float_matrix("eigh", a)
    return [Aval(a.shape, a.dtype), Aval(a.shape[:-1], a.dtype)]


def _eigh_impl(a, *, lower):
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape, a.dtype), np.zeros(a.shape[:-1], a.dtype)
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")
    return np.ascontiguousarray(v, dtype=a.dtype), np.asarray(w, dtype=a.dtype)


def _gap_inverse(w, squared=False):
    """``F_ij = 1/(w_j - w_i)`` (or ``1/(w_j² - w_i²)``) off the diagonal, 0 on it and where two
    values tie exactly. At a tie the vector derivative is undefined; 0 there keeps the gradient of
    functions that do not depend on the choice of basis within the tied block (the eigenvalues,
    ``v vᵀ`` projectors...) exact instead of ``0 · inf = NaN``, as JAX does for ``svd``."""
    nd = len(shape_of(w))
    if squared:
        w = mul(w, w)
    gaps = sub(expand_dims(w, (nd - 1,)), expand_dims(w, (nd,)))
    tie = convert_element_type(eq(gaps, np.zeros((), aval(gaps).dtype)), aval(gaps).dtype)
    return div(sub(np.ones((), aval(gaps).dtype), tie), add(gaps, tie))


def _safe_reciprocal(s):
    """``1/s`` with 0 where ``s == 0`` (JAX's ``s_inv`` in the svd rule)."""
    zero = convert_element_type(eq(s, np.zeros((), aval(s).dtype)), aval(s).dtype)
    return div(sub(np.ones((), aval(s).dtype), zero), add(s, zero))


def _eigh_vjp(ct, a, *, out, lower):
    v, w = out
    ct_v, ct_w = ct

    def ct_a():
        inner = add(diag_matrix(ct_w), mul(_gap_inverse(w), batch_matmul(mT(v), ct_v)))
        return batch_matmul(v, batch_matmul(inner, mT(v)))
    return [ct_a]


def _eigh_jvp(primals, tangents, *, lower):
    (a,), (t,) = primals, tangents
    v, w = eigh(a, lower=lower)
    c = batch_matmul(mT(v), batch_matmul(instantiate(t), v))
    return [v, w], [batch_matmul(v, mul(_gap_inverse(w), c)), diagonal(c)]


eigh_p = def_primitive(
    "eigh", abstract_eval=_eigh_abstract, impl=_eigh_impl, vjp=_eigh_vjp, jvp=_eigh_jvp,
    batch=batch_unary(lambda a, **p: eigh_p.bind(a, **p)), lower=LAPACK_DRIVER, multiple_results=True)


def eigh(a, lower: bool = True):
    """``lax.linalg.eigh``: ``(v, w)``, eigenvectors (columns) and ascending eigenvalues of the
    symmetric matrix whose ``lower`` (or upper) triangle is read."""
    return eigh_p.bind(a, lower=bool(lower))


# --------------------------------------------------------------------------- svd

def _svd_abstract(a, *, full_matrices, compute_uv):
    check_float_matrix("svd", a, square=False)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    s = Aval(lead + (k,), a.dtype)
    if not compute_uv:
        return [s]
    ucols, vrows = (m, n) if full_matrices else (k, k)
    return [s, Aval(lead + (m, ucols), a.dtype), Aval(lead + (vrows, n), a.dtype)]


def _svd_impl(a, *, full_matrices, compute_uv):
    a = np.asarray(a)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        s = np.zeros(lead + (k,), a.dtype)
        if not compute_uv:
            return (s,)
        u = np.broadcast_to(np.eye(m, m if full_matrices else k, dtype=a.dtype), lead + (m, m if full_matrices else k))
        vt = np.broadcast_to(np.eye(n if full_matrices else k, n, dtype=a.dtype), lead + (n if full_matrices else k, n))
        return s, u.copy(), vt.copy()
    if not compute_uv:
        return (np.asarray(np.linalg.svd(a, compute_uv=False), dtype=a.dtype),)
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    return (np.asarray(s, dtype=a.dtype), np.ascontiguousarray(u, dtype=a.dtype),
            np.ascontiguousarray(vt, dtype=a.dtype))


def _svd_check_diff(a, full_matrices):
    m, n = shape_of(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError("svd: derivatives need full_matrices=False for non-square matrices "
                                  f"(got a {m}x{n} matrix), as in JAX")


def _svd_vjp(ct, a, *, out, full_matrices, compute_uv):
    _svd_check_diff(a, full_matrices)
    if not compute_uv:
        s, u, vt = svd(a, full_matrices=False, compute_uv=True)
        ct_s, ct_u, ct_vt = ct[0], None, None
    else:
        s, u, vt = out
        ct_s, ct_u, ct_vt = ct
    m, n = shape_of(a)[-2:]

    def ct_a():
        v = mT(vt)
        g = diag_matrix(ct_s)
        if ct_u is None:
            return batch_matmul(u, batch_matmul(g, vt))
        f = _gap_inverse(s, squared=True)
        ct_v = mT(ct_vt)
        y = mul(f, batch_matmul(mT(u), ct_u))
        z = mul(f, batch_matmul(vt, ct_v))
        g = add(g, add(scale_columns(add(y, mT(y)), s), scale_rows(add(z, mT(z)), s)))
        out_ = batch_matmul(u, batch_matmul(g, vt))
        inv_s = _safe_reciprocal(s)
        if m > n:
            proj = sub(ct_u, batch_matmul(u, batch_matmul(mT(u), ct_u)))
            out_ = add(out_, batch_matmul(scale_columns(proj, inv_s), vt))
        if n > m:
            proj = sub(ct_v, batch_matmul(v, batch_matmul(vt, ct_v)))
            out_ = add(out_, batch_matmul(u, mT(scale_columns(proj, inv_s))))
        return out_
    return [ct_a]


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv):
    (a,), (t,) = primals, tangents
    _svd_check_diff(a, full_matrices)
    s, u, vt = svd(a, full_matrices=False, compute_uv=True)
    t = instantiate(t)
    v = mT(vt)
    ds = batch_matmul(mT(u), batch_matmul(t, v))
    s_dot = diagonal(ds)
    if not compute_uv:
        return [s], [s_dot]
    f = _gap_inverse(s, squared=True)
    dss, sds = scale_columns(ds, s), scale_rows(ds, s)
    du = batch_matmul(u, mul(f, add(dss, mT(dss))))
    dv = batch_matmul(v, mul(f, add(sds, mT(sds))))
    m, n = shape_of(a)[-2:]
    inv_s = _safe_reciprocal(s)
    if m > n:
        dav = batch_matmul(t, v)
        du = add(du, scale_columns(sub(dav, batch_matmul(u, batch_matmul(mT(u), dav))), inv_s))
    if n > m:
        dau = batch_matmul(mT(t), u)
        dv = add(dv, scale_columns(sub(dau, batch_matmul(v, batch_matmul(vt, dau))), inv_s))
    return [s, u, vt], [s_dot, du, mT(dv)]


svd_p = def_primitive(
    "svd", abstract_eval=_svd_abstract, impl=_svd_impl, vjp=_svd_vjp, jvp=_svd_jvp,
    batch=batch_unary(lambda a, **p: svd_p.bind(a, **p)), lower=LAPACK_DRIVER, multiple_results=True)


def svd(a, full_matrices: bool = False, compute_uv: bool = True):
    """``lax.linalg.svd``: ``[s, u, vt]`` (descending ``s``; ``a = u diag(s) vt``) or ``[s]``."""
    out = svd_p.bind(a, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv))
    return out if compute_uv else out[0]


# --------------------------------------------------------------------------- qr

def _qr_abstract(a, *, full_matrices):
    check_float_matrix("qr", a, square=False)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    k = m if full_matrices else min(m, n)
    return [Aval(lead + (m, k), a.dtype), Aval(lead + (k, n), a.dtype)]


def _qr_impl(a, *, full_matrices):
    a = np.asarray(a)
    lead, (m, n) = a.shape[:-2], a.shape[-2:]
    k = m if full_matrices else min(m, n)
    if a.size == 0:
        return np.broadcast_to(np.eye(m, k, dtype=a.dtype), lead + (m, k)).copy(), np.zeros(lead + (k, n), a.dtype)
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return np.ascontiguousarray(q, dtype=a.dtype), np.ascontiguousarray(r, dtype=a.dtype)


def _qr_check_diff(a, full_matrices):
    m, n = shape_of(a)[-2:]
    if m < n or (full_matrices and m != n):
        raise NotImplementedError(f"qr: derivatives need m >= n and the reduced factorization (got {m}x{n}, "
                                  f"full_matrices={full_matrices}), as in JAX")


def _qr_vjp(ct, a, *, out, full_matrices):
    _qr_check_diff(a, full_matrices)
    q, r = out
    ct_q, ct_r = ct

    def ct_a():
        m1 = batch_matmul(mT(q), ct_q)
        m2 = batch_matmul(ct_r, mT(r))
        omega_bar = sub(m1, m2)
        c_bar = add(neg(omega_bar), tril(sub(omega_bar, mT(omega_bar)), -1))
        b_bar = add(ct_q, batch_matmul(q, c_bar))
        return triangular_solve(r, b_bar, left_side=False, lower=False, transpose_a=True)
    return [ct_a]


def _qr_jvp(primals, tangents, *, full_matrices):
    (a,), (t,) = primals, tangents
    _qr_check_diff(a, full_matrices)
    q, r = qr(a, full_matrices=full_matrices)
    dx_rinv = triangular_solve(r, instantiate(t), left_side=False, lower=False)
    c = batch_matmul(mT(q), dx_rinv)
    low = tril(c, -1)
    omega = sub(low, mT(low))
    dq = add(batch_matmul(q, sub(omega, c)), dx_rinv)
    dr = batch_matmul(sub(c, omega), r)
    return [q, r], [dq, dr]


qr_p = def_primitive(
    "qr", abstract_eval=_qr_abstract, impl=_qr_impl, vjp=_qr_vjp, jvp=_qr_jvp,
    batch=batch_unary(lambda a, **p: qr_p.bind(a, **p)), lower=LAPACK_DRIVER, multiple_results=True)


def qr(a, full_matrices: bool = False):
    """``lax.linalg.qr``: ``[q, r]`` with orthonormal columns in ``q`` and upper ``r``."""
    return qr_p.bind(a, full_matrices=bool(full_matrices))



# --------------------------------------------------------------------------- pinv

def _pinv_abstract(a, *, rtol):
    check_float_matrix("pinv", a, square=False)
    return Aval(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)


def _pinv_impl(a, *, rtol):
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)
    return np.ascontiguousarray(np.linalg.pinv(a, rtol=rtol), dtype=a.dtype)


def _projector_complement(x, y):
    """``I - x @ y`` (square)."""
    xy = batch_matmul(x, y)
    return sub(eye_const(xy), xy)


def _pinv_vjp(ct, a, *, out, rtol):
    def ct_a():
        p, pt, ct_t = out, mT(out), mT(ct)
        term1 = neg(batch_matmul(pt, batch_matmul(ct, pt)))
        term2 = batch_matmul(_projector_complement(a, p), batch_matmul(ct_t, batch_matmul(p, pt)))
        term3 = batch_matmul(batch_matmul(pt, p), batch_matmul(ct_t, _projector_complement(p, a)))
        return add(term1, add(term2, term3))
    return [ct_a]


def _pinv_jvp(primals, tangents, *, rtol):
    (a,), (t,) = primals, tangents
    p = pinv(a, rtol)
    t = instantiate(t)
    tt, pt = mT(t), mT(p)
    term1 = neg(batch_matmul(p, batch_matmul(t, p)))
    term2 = batch_matmul(batch_matmul(p, pt), batch_matmul(tt, _projector_complement(a, p)))
    term3 = batch_matmul(_projector_complement(p, a), batch_matmul(tt, batch_matmul(pt, p)))
    return p, add(term1, add(term2, term3))


pinv_p = def_primitive(
    "pinv", abstract_eval=_pinv_abstract, impl=_pinv_impl, vjp=_pinv_vjp, jvp=_pinv_jvp,
    batch=batch_unary(lambda a, **p: pinv_p.bind(a, **p)), lower=LAPACK_DRIVER)


def pinv(a, rtol: float):
    """The Moore-Penrose pseudo-inverse (singular values below ``rtol * max(s)`` dropped). The
    derivative is the pseudo-inverse's own (Golub & Pereyra 1973, JAX's ``_pinv_jvp``), valid
    where the rank is locally constant, also at repeated singular values."""
    return pinv_p.bind(a, rtol=float(rtol))


# --------------------------------------------------------------------------- det

def _det_abstract(a):
    check_float_matrix("det", a)
    return Aval(a.shape[:-2], a.dtype)


def _det_impl(a):
    a = np.asarray(a)
    return np.asarray(np.linalg.det(a) if a.shape[-1] else np.ones(a.shape[:-2]), dtype=a.dtype)


def cofactor(a):
    """The cofactor matrix ``adj(a)ᵀ`` (``= det(a) a⁻ᵀ`` where ``a`` is invertible), continuous
    through singular matrices: with ``a = U S Vᵀ`` it is ``det(U Vᵀ) U diag(c) Vᵀ``,
    ``c_i = Π_{j≠i} s_j`` (no division by a singular value)."""
    s, u, vt = svd(a, full_matrices=False, compute_uv=True)
    n = shape_of(s)[-1]
    others = add(mul(expand_dims(s, (len(shape_of(s)) - 1,)), _mask_like(u, 1 - np.eye(n))),
                 _mask_like(u, np.eye(n)))                             # row i: s with s_i replaced by 1
    c = reduce_prod(others, (len(shape_of(others)) - 1,))
    sign = stop_gradient(det(batch_matmul(u, vt)))                     # ±1, locally constant
    nd = len(shape_of(a))
    return mul(batch_matmul(scale_columns(u, c), vt), expand_dims(sign, (nd - 2, nd - 1)))


def _det_vjp(ct, a, *, out):
    nd = len(shape_of(a))
    return [lambda: mul(expand_dims(ct, (nd - 2, nd - 1)), cofactor(a))]


def _det_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    nd = len(shape_of(a))
    return det(a), reduce_sum(mul(cofactor(a), instantiate(t)), (nd - 2, nd - 1))


det_p = def_primitive(
    "det", abstract_eval=_det_abstract, impl=_det_impl, vjp=_det_vjp, jvp=_det_jvp,
    batch=batch_unary(lambda a: det_p.bind(a)), lower=LAPACK_DRIVER)


def det(a):
    """The determinant of the trailing square matrices (LAPACK's LU). Its derivative is the
    cofactor matrix, computed through the SVD so it stays exact at singular matrices (JAX
    special-cases them too)."""
    return det_p.bind(a)
