"""Linear solves and matrix functions: ``triangular_solve``, ``solve``, ``solve_sylvester``,
``expm``, ``sqrtm``.

Every primitive here works on the trailing two dims and is batched over the leading ones (all
operands share the same leading dims; ``funcgrad.numpy.linalg`` broadcasts first). The impls
call LAPACK through NumPy/SciPy, as JAX's CPU backend calls LAPACK; ``jit`` emits the same call
in its generated driver. The matrix helpers (``matrix_transpose``, ``batch_matmul``, ``tril``...)
are bind-wrapper compositions, so the derivative programs the rules build are IR again.

Rules (``x`` the output, ``x̄`` its cotangent):

- ``triangular_solve`` (``op(a) x = b`` or ``x op(a) = b``): ``b̄ = op(a)⁻ᵀ x̄`` (a solve with
  ``transpose_a`` flipped); ``ā = -b̄ xᵀ`` (left, no transpose; the other cases permute the
  factors), masked to the triangle ``a``'s solve reads.
- ``solve`` (``a x = b``): ``b̄ = a⁻ᵀ x̄``, ``ā = -b̄ xᵀ``.
- ``expm``: the JVP is the Fréchet derivative ``L(A, Ȧ)``, the top-right block of
  ``expm([[A, Ȧ], [0, A]])``; the VJP is its adjoint ``L(Aᵀ, Ḡ)``.

>>> import numpy as np
>>> a = np.array([[2.0, 0.0], [1.0, 4.0]])
>>> print(triangular_solve(a, np.array([[2.0], [9.0]]), left_side=True, lower=True))
[[1.]
 [2.]]
>>> print(solve(np.array([[3.0, 1.0], [1.0, 2.0]]), np.array([[9.0], [8.0]])))
[[2.]
 [3.]]
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.errors import DTypeError, ShapeError
from ..core.lowering import Driver
from ..core.primitive import Zero, def_primitive
from .elementwise import add, instantiate, mul, neg, sub, zeros_like_aval
from .linalg import dot_general
from .reductions import reduce_sum
from .shape import (aval, bdim_to_front, concatenate, expand_dims, move_bdim, shape_of, slice_p_bind,
                    transpose)


# --------------------------------------------------------------------------- matrix helpers

def matrix_transpose(x):
    """Swap the last two dims."""
    nd = len(shape_of(x))
    return transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def batch_matmul(a, b):
    """``a @ b`` for operands of equal rank with equal leading (batch) dims."""
    nd = len(shape_of(a))
    bd = tuple(range(nd - 2))
    return dot_general(a, b, (((nd - 1,), (nd - 2,)), (bd, bd)))


def _mask_const(x, mask2d):
    s = shape_of(x)
    m = np.asarray(mask2d, dtype=aval(x).dtype)
    return m.reshape((1,) * (len(s) - 2) + m.shape)


def tril(x, k: int = 0):
    """Keep the entries on and below the ``k``-th diagonal of the trailing matrices."""
    s = shape_of(x)
    return mul(x, _mask_const(x, np.tri(s[-2], s[-1], k)))


def triu(x, k: int = 0):
    """Keep the entries on and above the ``k``-th diagonal of the trailing matrices."""
    s = shape_of(x)
    return mul(x, _mask_const(x, 1 - np.tri(s[-2], s[-1], k - 1)))


def eye_const(x, n=None):
    """An identity of ``x``'s dtype, shaped ``(1, ..., 1, n, n)`` to broadcast against ``x``."""
    s = shape_of(x)
    n = s[-1] if n is None else n
    return _mask_const(x, np.eye(n))


def diagonal(x):
    """The main diagonal of the trailing square matrices: ``(..., n, n) -> (..., n)``."""
    nd = len(shape_of(x))
    return reduce_sum(mul(x, eye_const(x)), (nd - 1,))


def diag_matrix(v):
    """``(..., n) -> (..., n, n)`` with ``v`` on the diagonal."""
    nd = len(shape_of(v))
    return mul(expand_dims(v, (nd - 1,)), _mask_const(expand_dims(v, (nd,)), np.eye(shape_of(v)[-1])))


def scale_columns(x, s):
    """``x @ diag(s)``: column ``j`` times ``s[..., j]``."""
    return mul(x, expand_dims(s, (len(shape_of(s)) - 1,)))


def scale_rows(x, s):
    """``diag(s) @ x``: row ``i`` times ``s[..., i]``."""
    return mul(x, expand_dims(s, (len(shape_of(s)),)))


def slice_last2(x, rows, cols):
    """``x[..., r0:r1, c0:c1]``."""
    s = shape_of(x)
    lead = len(s) - 2
    return slice_p_bind(x, (0,) * lead + (rows[0], cols[0]), tuple(s[:lead]) + (rows[1], cols[1]))


def _impl_call(ctx, *names, **params):
    return ctx.impl_call(*names, **params)


LAPACK_DRIVER = Driver(_impl_call)   # jit: the generated driver calls the NumPy/SciPy impl


def check_float_matrix(name, x, square=True):
    """Shape/dtype check shared by the abstract rules: a float ``(..., m, n)`` operand."""
    if not np.issubdtype(x.dtype, np.floating):
        raise DTypeError(f"{name}: needs a floating-point operand, got {x} "
                         "(funcgrad.numpy.linalg converts integers to float first)")
    if x.ndim < 2:
        raise ShapeError(f"{name}: needs a matrix (..., m, n), got {x}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ShapeError(f"{name}: needs square matrices, got {x}")


def batch_unary(bind):
    """Batching rule of a primitive on the trailing matrix dims: move the batch dim to the front."""
    def rule(args, dims, **params):
        x = move_bdim(args[0], dims[0], 0)
        out = bind(x, **params)
        return (out, [0] * len(out)) if isinstance(out, (list, tuple)) else (out, 0)
    return rule


def batch_binary(bind):
    def rule(args, dims, **params):
        a, b = bdim_to_front(args, dims)
        return bind(a, b, **params), 0
    return rule


# --------------------------------------------------------------------------- triangular_solve

def _tri_abstract(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    check_float_matrix("triangular_solve", a)
    if b.dtype != a.dtype:
        raise DTypeError(f"triangular_solve: operands must share a dtype, got {a} and {b}")
    if b.ndim != a.ndim or a.shape[:-2] != b.shape[:-2]:
        raise ShapeError(f"triangular_solve: batch dims differ: {a} and {b}")
    n = a.shape[-1]
    if (b.shape[-2] if left_side else b.shape[-1]) != n:
        raise ShapeError(f"triangular_solve: {a} does not fit {b} (left_side={left_side})")
    return Aval(b.shape, b.dtype)


def _tri_impl(a, b, *, left_side, lower, transpose_a, unit_diagonal):
    a, b = np.asarray(a), np.asarray(b)
    if a.size == 0 or b.size == 0:
        return np.zeros(b.shape, b.dtype)
    from scipy.linalg import solve_triangular
    if left_side:
        x = solve_triangular(a, b, trans=1 if transpose_a else 0, lower=lower, unit_diagonal=unit_diagonal)
    else:   # x op(a) = b  <=>  op(a)ᵀ xᵀ = bᵀ
        x = np.swapaxes(solve_triangular(a, np.swapaxes(b, -1, -2), trans=0 if transpose_a else 1,
                                         lower=lower, unit_diagonal=unit_diagonal), -1, -2)
    return np.ascontiguousarray(x, dtype=b.dtype)


def _tri_mask(g, lower, unit_diagonal):
    k = -1 if unit_diagonal else 0
    return tril(g, k) if lower else triu(g, -k)


def _tri_vjp(ct, a, b, *, out, left_side, lower, transpose_a, unit_diagonal):
    ct_b = triangular_solve(a, ct, left_side=left_side, lower=lower, transpose_a=not transpose_a,
                            unit_diagonal=unit_diagonal)

    def ct_a():
        x, mt = out, matrix_transpose
        if left_side:
            g = batch_matmul(x, mt(ct_b)) if transpose_a else batch_matmul(ct_b, mt(x))
        else:
            g = batch_matmul(mt(ct_b), x) if transpose_a else batch_matmul(mt(x), ct_b)
        return neg(_tri_mask(g, lower, unit_diagonal))

    return [ct_a, ct_b]


def _tri_jvp(primals, tangents, *, left_side, lower, transpose_a, unit_diagonal):
    a, b = primals
    ta, tb = tangents
    params = dict(left_side=left_side, lower=lower, transpose_a=transpose_a, unit_diagonal=unit_diagonal)
    x = triangular_solve(a, b, **params)
    rhs = None if isinstance(tb, Zero) else tb
    if not isinstance(ta, Zero):
        da = _tri_mask(ta, lower, unit_diagonal)
        da = matrix_transpose(da) if transpose_a else da
        prod = batch_matmul(da, x) if left_side else batch_matmul(x, da)
        rhs = neg(prod) if rhs is None else sub(rhs, prod)
    if rhs is None:
        return x, Zero(aval(x))
    return x, triangular_solve(a, rhs, **params)


triangular_solve_p = def_primitive(
    "triangular_solve", abstract_eval=_tri_abstract, impl=_tri_impl, vjp=_tri_vjp, jvp=_tri_jvp,
    batch=batch_binary(lambda a, b, **p: triangular_solve_p.bind(a, b, **p)), lower=LAPACK_DRIVER)


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False, transpose_a: bool = False,
                     unit_diagonal: bool = False):
    """``lax.linalg.triangular_solve``: solve ``op(a) x = b`` (``left_side``) or ``x op(a) = b``,
    ``op(a) = aᵀ`` if ``transpose_a``; only the ``lower`` (or upper) triangle of ``a`` is read
    (and not its diagonal if ``unit_diagonal``)."""
    return triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                   transpose_a=bool(transpose_a), unit_diagonal=bool(unit_diagonal))


# --------------------------------------------------------------------------- solve

def _solve_abstract(a, b):
    check_float_matrix("solve", a)
    if b.dtype != a.dtype:
        raise DTypeError(f"solve: operands must share a dtype, got {a} and {b}")
    if b.ndim != a.ndim or a.shape[:-2] != b.shape[:-2] or b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"solve: {a} does not fit {b} (the primitive wants equal batch dims)")
    return Aval(b.shape, b.dtype)


def nan_on_failure(fn, xs, out_shapes, dtypes):
    """Call ``fn(*xs)`` on stacks of matrices (equal leading dims); where LAPACK reports a failure
    (singular, not positive definite) the results of that matrix are NaN, as JAX returns (never an
    exception). ``out_shapes`` are the trailing shapes of one matrix's results."""
    try:
        return fn(*xs)
    except np.linalg.LinAlgError:
        pass
    lead = xs[0].shape[:-2]
    flat = [x.reshape((-1,) + x.shape[-2:]) for x in xs]
    count = flat[0].shape[0]
    outs = [np.full((count,) + tuple(s), np.nan if np.dtype(d).kind == "f" else 0, d)
            for s, d in zip(out_shapes, dtypes)]
    for i in range(count):
        try:
            r = fn(*[x[i] for x in flat])
        except np.linalg.LinAlgError:
            continue
        for o, v in zip(outs, r if isinstance(r, tuple) else (r,)):
            o[i] = v
    outs = [o.reshape(lead + o.shape[1:]) for o in outs]
    return tuple(outs) if len(outs) > 1 else outs[0]


def _solve_impl(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.size == 0 or b.size == 0:
        return np.zeros(b.shape, b.dtype)
    return np.asarray(nan_on_failure(np.linalg.solve, [a, b], [b.shape[-2:]], [b.dtype]), dtype=b.dtype)


def _solve_vjp(ct, a, b, *, out):
    ct_b = solve(matrix_transpose(a), ct)
    return [lambda: neg(batch_matmul(ct_b, matrix_transpose(out))), ct_b]


def _solve_jvp(primals, tangents):
    a, b = primals
    ta, tb = tangents
    x = solve(a, b)
    rhs = None if isinstance(tb, Zero) else tb
    if not isinstance(ta, Zero):
        prod = batch_matmul(ta, x)
        rhs = neg(prod) if rhs is None else sub(rhs, prod)
    if rhs is None:
        return x, Zero(aval(x))
    return x, solve(a, rhs)


solve_p = def_primitive(
    "solve", abstract_eval=_solve_abstract, impl=_solve_impl, vjp=_solve_vjp, jvp=_solve_jvp,
    batch=batch_binary(lambda a, b: solve_p.bind(a, b)), lower=LAPACK_DRIVER)


def solve(a, b):
    """Solve ``a x = b`` for square ``a (..., n, n)`` and ``b (..., n, k)`` with the same batch
    dims (LU with partial pivoting; a singular matrix gives NaN, as in JAX)."""
    return solve_p.bind(a, b)


# --------------------------------------------------------------------------- expm

def _expm_abstract(a):
    check_float_matrix("expm", a)
    return Aval(a.shape, a.dtype)


def _expm_impl(a):
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape, a.dtype)
    from scipy.linalg import expm as sp_expm
    return np.ascontiguousarray(sp_expm(a), dtype=a.dtype)


def expm_frechet(a, e):
    """The Fréchet derivative ``L(a, e)`` of ``expm`` at ``a`` in direction ``e``: the top-right
    block of ``expm([[a, e], [0, a]])`` (Higham 2008, eq. 10.15)."""
    s = shape_of(a)
    n, nd = s[-1], len(s)
    top = concatenate([a, e], nd - 1)
    bottom = concatenate([zeros_like_aval(aval(a)), a], nd - 1)
    big = expm(concatenate([top, bottom], nd - 2))
    return slice_last2(big, (0, n), (n, 2 * n))


def _expm_vjp(ct, a, *, out):
    return [lambda: expm_frechet(matrix_transpose(a), ct)]


def _expm_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    return expm(a), expm_frechet(a, instantiate(t))


expm_p = def_primitive(
    "expm", abstract_eval=_expm_abstract, impl=_expm_impl, vjp=_expm_vjp, jvp=_expm_jvp,
    batch=batch_unary(lambda a: expm_p.bind(a)), lower=LAPACK_DRIVER)


def expm(a):
    """The matrix exponential of the trailing square matrices (SciPy's Padé approximation)."""
    return expm_p.bind(a)


# --------------------------------------------------------------------------- solve_sylvester

def _sylvester_abstract(a, b, c):
    check_float_matrix("solve_sylvester", a)
    check_float_matrix("solve_sylvester", b)
    if not (a.dtype == b.dtype == c.dtype):
        raise DTypeError(f"solve_sylvester: operands must share a dtype, got {a}, {b}, {c}")
    lead = a.shape[:-2]
    if b.shape[:-2] != lead or c.shape != lead + (a.shape[-1], b.shape[-1]):
        raise ShapeError(f"solve_sylvester: a {a}, b {b} and c {c} do not fit a x + x b = c")
    return Aval(c.shape, c.dtype)


def _sylvester_impl(a, b, c):
    a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
    if c.size == 0:
        return np.zeros(c.shape, c.dtype)
    from scipy.linalg import solve_sylvester as sp_sylvester
    return np.ascontiguousarray(nan_on_failure(sp_sylvester, [a, b, c], [c.shape[-2:]], [c.dtype]),
                                dtype=c.dtype)


def _sylvester_vjp(ct, a, b, c, *, out):
    ct_c = solve_sylvester(matrix_transpose(a), matrix_transpose(b), ct)
    return [lambda: neg(batch_matmul(ct_c, matrix_transpose(out))),
            lambda: neg(batch_matmul(matrix_transpose(out), ct_c)), ct_c]


def _sylvester_jvp(primals, tangents):
    a, b, c = primals
    ta, tb, tc = tangents
    x = solve_sylvester(a, b, c)
    terms = [] if isinstance(tc, Zero) else [tc]
    if not isinstance(ta, Zero):
        terms.append(neg(batch_matmul(ta, x)))
    if not isinstance(tb, Zero):
        terms.append(neg(batch_matmul(x, tb)))
    rhs = terms[0]
    for t in terms[1:]:
        rhs = add(rhs, t)
    return x, solve_sylvester(a, b, rhs)


def _sylvester_batch(args, dims):
    return solve_sylvester(*bdim_to_front(args, dims)), 0


solve_sylvester_p = def_primitive(
    "solve_sylvester", abstract_eval=_sylvester_abstract, impl=_sylvester_impl, vjp=_sylvester_vjp,
    jvp=_sylvester_jvp, batch=_sylvester_batch, lower=LAPACK_DRIVER)


def solve_sylvester(a, b, c):
    """Solve ``a x + x b = c`` (Bartels-Stewart, SciPy's); needs the spectra of ``a`` and ``-b``
    to be disjoint (otherwise NaN). ``d x = L⁻¹(ċ - ȧ x - x ḃ)``, ``c̄ = solve_sylvester(aᵀ, bᵀ, x̄)``,
    ``ā = -c̄ xᵀ``, ``b̄ = -xᵀ c̄``."""
    return solve_sylvester_p.bind(a, b, c)


# --------------------------------------------------------------------------- sqrtm

def _sqrtm_abstract(a):
    check_float_matrix("sqrtm", a)
    return Aval(a.shape, a.dtype)


def _sqrtm_impl(a):
    a = np.asarray(a)
    if a.size == 0:
        return np.zeros(a.shape, a.dtype)
    import warnings
    from scipy.linalg import sqrtm as sp_sqrtm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # a singular matrix: scipy warns; its result stands
        r = np.asarray(sp_sqrtm(a))
    if np.iscomplexobj(r):                    # the principal root is complex: no real answer
        imag = np.abs(r.imag).max(axis=(-2, -1), keepdims=True)
        scale = np.maximum(np.abs(r.real).max(axis=(-2, -1), keepdims=True), 1.0)
        r = np.where(imag <= 1e3 * np.finfo(a.dtype).eps * scale, r.real, np.nan)
    return np.ascontiguousarray(r, dtype=a.dtype)


def _sqrtm_vjp(ct, a, *, out):
    st = matrix_transpose(out)
    return [lambda: solve_sylvester(st, st, ct)]


def _sqrtm_jvp(primals, tangents):
    (a,), (t,) = primals, tangents
    s = sqrtm(a)
    return s, solve_sylvester(s, s, instantiate(t))


sqrtm_p = def_primitive(
    "sqrtm", abstract_eval=_sqrtm_abstract, impl=_sqrtm_impl, vjp=_sqrtm_vjp, jvp=_sqrtm_jvp,
    batch=batch_unary(lambda a: sqrtm_p.bind(a)), lower=LAPACK_DRIVER)


def sqrtm(a):
    """The principal square root ``s`` (``s @ s = a``) of real matrices whose principal root is
    real (no eigenvalues on the negative real axis); NaN otherwise. ``s ṡ + ṡ s = ȧ``: the JVP and
    the VJP are Sylvester solves."""
    return sqrtm_p.bind(a)


__all__ = ["triangular_solve", "solve", "expm", "solve_sylvester", "sqrtm", "expm_frechet", "matrix_transpose", "batch_matmul",
           "tril", "triu", "diagonal", "diag_matrix", "scale_rows", "scale_columns", "eye_const"]
