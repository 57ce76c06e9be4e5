"""``funcgrad.numpy.linalg``: ``jax.numpy.linalg``'s names on NumPy semantics (real dtypes).

Argument handling (integer inputs become float, batch dims broadcast, NumPy's vector/matrix
conventions) lives here; the decompositions and solves are the primitives of
``funcgrad.primitives.decompositions`` / ``solves`` (LAPACK through NumPy/SciPy, batched over
leading dims, with JAX's derivative rules). Everything else is a composition, so gradients,
``vmap`` and ``jit`` follow. Complex inputs are not supported (funcgrad has no complex dtypes):
``eig``/``eigvals`` run eagerly through NumPy and cannot be traced.

>>> import funcgrad as fg
>>> import funcgrad.numpy as jnp
>>> a = jnp.array([[3.0, 1.0], [1.0, 2.0]])
>>> jnp.linalg.det(a)
Array(5., dtype=float64)
>>> fg.grad(lambda m: jnp.linalg.slogdet(m)[1])(a)   # d log|det a| / da = inv(a).T
Array([[ 0.4, -0.2],
       [-0.2,  0.6]], dtype=float64)
"""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from ..core.errors import ShapeError
from ..core.avals import is_float
from ..core.source_info import user_frame_info
from ..core.trace import EVAL, Tracer, _state
from ..lax import linalg as _la
from ._creation import asarray, eye, zeros
from ._dtypes import base, default_float_dtype, dtype_of, result_type, to_dtype, untraced, wrap
from ._indexing import diagonal as _diagonal_axes
from ._linalg import matmul, outer as _outer, tensordot as _tensordot
from ._reductions import max as _max, min as _min, prod as _prod, sum as _sum
from ._shape import (broadcast_to, expand_dims, matrix_transpose, moveaxis, reshape, squeeze,
                     stack)
from ._ufuncs import abs as _abs, divide, log, multiply, not_equal, power, sign, sqrt, subtract

__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh", "inv",
           "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
           "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
           "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot", "vector_norm"]


class EighResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


class SVDResult(NamedTuple):
    U: object
    S: object
    Vh: object


class QRResult(NamedTuple):
    Q: object
    R: object


class SlogdetResult(NamedTuple):
    sign: object
    logabsdet: object


class EigResult(NamedTuple):
    eigenvalues: object
    eigenvectors: object


# --------------------------------------------------------------------------- argument handling

def _float(x, name):
    """``x`` as a float array (integers and bool become the default float, float16 float32, as
    LAPACK needs); complex input is refused with a clear error."""
    x = asarray(x)
    dt = dtype_of(x)
    if np.issubdtype(dt, np.complexfloating):
        raise TypeError(f"linalg.{name}: complex input {dt} is not supported (funcgrad has no "
                        f"complex dtypes) (at {user_frame_info()})")
    if not is_float(dt):
        return to_dtype(x, default_float_dtype())
    return to_dtype(x, np.float32) if dt == np.float16 else x


def _concrete(*args) -> bool:
    """Eager: no transform is active, or the arguments are constants to it. Such calls go to
    NumPy directly (its speed plus a dispatch check); the primitives handle traced values."""
    return _state.trace is EVAL or untraced(*args)


def _eager(fn, *xs):
    """``fn`` on the base arrays, wrapped; ``None`` when LAPACK reports a failure (singular, not
    positive definite): the primitive path then gives JAX's NaN result."""
    try:
        out = fn(*[base(x) for x in xs])
    except np.linalg.LinAlgError:
        return None
    if isinstance(out, tuple):
        return tuple(wrap(np.asarray(o)) for o in out)
    return wrap(np.asarray(out))


def _matrix(x, name, square=True):
    x = _float(x, name)
    s = _shape(x)
    if len(s) < 2:
        raise ShapeError(f"linalg.{name}: needs an array of at least 2 dims (..., M, N), got shape "
                         f"{tuple(s)} (at {user_frame_info()})")
    if square and s[-1] != s[-2]:
        raise ShapeError(f"linalg.{name}: needs square matrices in the last two dims, got shape "
                         f"{tuple(s)} (at {user_frame_info()})")
    return x


def _shape(x):
    return tuple(x.aval.shape) if isinstance(x, Tracer) else np.shape(x)


def _same_dtype(a, b):
    dt = result_type(a, b)
    return to_dtype(a, dt), to_dtype(b, dt)


def _broadcast_batch(a, b, name):
    """Broadcast the leading (batch) dims of two matrix stacks against each other."""
    sa, sb = _shape(a), _shape(b)
    try:
        batch = tuple(np.broadcast_shapes(sa[:-2], sb[:-2]))
    except ValueError:
        raise ShapeError(f"linalg.{name}: batch dims of shapes {sa} and {sb} do not broadcast "
                         f"(at {user_frame_info()})") from None
    if sa[:-2] != batch:
        a = broadcast_to(a, batch + sa[-2:])
    if sb[:-2] != batch:
        b = broadcast_to(b, batch + sb[-2:])
    return a, b


def _eye_like(a):
    s = _shape(a)
    return broadcast_to(eye(s[-1], dtype=dtype_of(a)), s)


# --------------------------------------------------------------------------- solves and inverses

def solve(a, b):
    """Solve ``a @ x = b``. ``b`` is a vector when it is 1-D (NumPy 2's rule), else a stack of
    ``(n, k)`` matrices; batch dims broadcast.

    >>> import funcgrad.numpy as jnp
    >>> jnp.linalg.solve(jnp.array([[3.0, 1.0], [1.0, 2.0]]), jnp.array([9.0, 8.0]))
    Array([2., 3.], dtype=float64)
    """
    a = _matrix(a, "solve")
    b = _float(b, "solve")
    a, b = _same_dtype(a, b)
    n = _shape(a)[-1]
    vector = len(_shape(b)) == 1
    if (_shape(b)[-1] if vector else (_shape(b)[-2] if len(_shape(b)) > 1 else None)) != n:
        raise ShapeError(f"linalg.solve: a of shape {_shape(a)} does not fit b of shape "
                         f"{_shape(b)} (at {user_frame_info()})")
    if _concrete(a, b):
        try:
            out = _eager(np.linalg.solve, a, b)
        except ValueError:
            out = None          # batch dims that NumPy does not broadcast: the message comes below
        if out is not None:
            return out
    if vector:
        b = expand_dims(b, -1)
    a, b = _broadcast_batch(a, b, "solve")
    x = _la.solve(a, b)
    return squeeze(x, -1) if vector else x


def inv(a):
    """The inverse of each square matrix (``solve(a, I)``)."""
    a = _matrix(a, "inv")
    if _concrete(a) and (out := _eager(np.linalg.inv, a)) is not None:
        return out
    return _la.solve(a, _eye_like(a))


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
    """Moore-Penrose pseudo-inverse; singular values below ``rtol * max(s)`` (default
    ``10 * max(M, N) * eps``, JAX's) are dropped. The gradient is the pseudo-inverse's own rule
    (finite at repeated singular values), valid where the rank does not change."""
    a = _matrix(a, "pinv", square=False)
    m, n = _shape(a)[-2:]
    if rtol is None:
        rtol = rcond
    if rtol is None:
        rtol = 10 * max(m, n) * np.finfo(dtype_of(a)).eps
    if _concrete(a) and (out := _eager(lambda x: np.linalg.pinv(x, rtol=rtol), a)) is not None:
        return out
    return _la.pinv(a, rtol)


def _lu_det_parts(a):
    lu, pivots, _ = _la.lu(a)
    n = _shape(a)[-1]
    diag = _diagonal_axes(lu, 0, -2, -1)
    swaps = _sum(not_equal(pivots, np.arange(n, dtype=np.int32)), axis=-1)
    parity_sign = to_dtype(subtract(1, multiply(2, swaps % 2)), dtype_of(a))
    return diag, parity_sign


def det(a):
    """Determinant of each square matrix (LAPACK's LU). The gradient is the cofactor matrix,
    exact at singular matrices too (as JAX)."""
    a = _matrix(a, "det")
    if _concrete(a):
        return _eager(np.linalg.det, a)
    return _la.det(a)


def slogdet(a, *, method=None) -> SlogdetResult:
    """``(sign, log|det|)`` of each square matrix, from its LU factorization."""
    a = _matrix(a, "slogdet")
    if _concrete(a):
        return SlogdetResult(*_eager(np.linalg.slogdet, a))
    diag, parity_sign = _lu_det_parts(a)
    sgn = multiply(parity_sign, _prod(sign(diag), axis=-1))
    return SlogdetResult(sgn, _sum(log(_abs(diag)), axis=-1))


def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
    """Lower (or ``upper``) Cholesky factor. As JAX, reads ``(a + aᵀ)/2`` and returns NaN for a
    matrix that is not positive definite (NumPy raises)."""
    a = _matrix(a, "cholesky")
    if _concrete(a):
        sym = (lambda m: 0.5 * (m + np.swapaxes(m, -1, -2))) if symmetrize_input else (lambda m: m)
        out = _eager(lambda m: np.linalg.cholesky(sym(m), upper=upper), a)
        if out is not None:
            return out
    factor = _la.cholesky(a, symmetrize_input=symmetrize_input)
    return matrix_transpose(factor) if upper else factor


def matrix_power(a, n: int):
    """``a`` to the integer power ``n`` by repeated squaring (negative: of ``inv(a)``)."""
    a = _matrix(a, "matrix_power")
    n = operator.index(n)
    if n == 0:
        return _eye_like(a)
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while n:
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if n:
            square = matmul(square, square)
    return result


def multi_dot(arrays, *, precision=None):
    """``arrays[0] @ arrays[1] @ ...``; a 1-D first (last) array is a row (column) vector."""
    arrays = [_float(x, "multi_dot") for x in arrays]
    if len(arrays) < 2:
        raise ValueError("linalg.multi_dot: needs at least two arrays")
    first_1d, last_1d = len(_shape(arrays[0])) == 1, len(_shape(arrays[-1])) == 1
    if first_1d:
        arrays[0] = expand_dims(arrays[0], 0)
    if last_1d:
        arrays[-1] = expand_dims(arrays[-1], -1)
    out = arrays[0]
    for x in arrays[1:]:
        out = matmul(out, x)
    if first_1d and last_1d:
        return reshape(out, ())
    if first_1d:
        return squeeze(out, 0)
    return squeeze(out, -1) if last_1d else out


def tensorinv(a, ind: int = 2):
    """The inverse of ``a`` seen as a linear map from its first ``ind`` dims to the rest."""
    a = _float(a, "tensorinv")
    s = _shape(a)
    rows = int(np.prod(s[:ind]))
    return reshape(inv(reshape(a, (rows, -1))), s[ind:] + s[:ind])


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, x.ndim) = b`` for ``x``."""
    a, b = _float(a, "tensorsolve"), _float(b, "tensorsolve")
    if axes is not None:
        nd = len(_shape(a))
        axes = [ax % nd for ax in axes]
        a = moveaxis(a, axes, list(range(nd - len(axes), nd)))
    sa, sb = _shape(a), _shape(b)
    x_shape = sa[len(sb):]
    size = int(np.prod(x_shape))
    return reshape(solve(reshape(a, (-1, size)), reshape(b, (-1,))), x_shape)


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
    """Least-squares solution of ``a @ x ≈ b``: ``(x, residuals, rank, s)``, ``x = pinv(a) @ b``.
    As JAX (``numpy_resid=False``), ``residuals`` is always the squared residual norm per column
    of ``b`` (NumPy returns an empty array when ``a`` is rank deficient or ``m <= n``)."""
    a = _matrix(a, "lstsq", square=False)
    b = _float(b, "lstsq")
    a, b = _same_dtype(a, b)
    if len(_shape(a)) != 2:
        raise ShapeError(f"linalg.lstsq: a must be 2-D, got shape {_shape(a)} (at {user_frame_info()})")
    vector = len(_shape(b)) == 1
    if vector:
        b = expand_dims(b, -1)
    m, n = _shape(a)
    if _shape(b)[0] != m:
        raise ShapeError(f"linalg.lstsq: a of shape {_shape(a)} does not fit b of shape {_shape(b)} "
                         f"(at {user_frame_info()})")
    if rcond is None:
        rcond = np.finfo(dtype_of(a)).eps * max(m, n)
    s = svdvals(a)
    keep = s > multiply(asarray(rcond, dtype=dtype_of(a)), _max(s)) if min(m, n) else s > 0
    rank = _sum(keep)
    x = matmul(pinv(a, rtol=rcond), b)          # the minimum-norm solution, pinv's gradient rule
    r = subtract(b, matmul(a, x))
    resid = _sum(multiply(r, r), axis=0)
    if vector:
        x = squeeze(x, -1)
    if numpy_resid and not isinstance(rank, Tracer) and (int(rank) < n or m <= n):
        resid = zeros((0,), dtype=dtype_of(a))
    return x, resid, rank, s


# --------------------------------------------------------------------------- decompositions

def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices. As JAX, reads
    ``(a + aᵀ)/2`` by default, so gradients are symmetric. Eigenvector gradients need distinct
    eigenvalues.

    >>> import funcgrad.numpy as jnp
    >>> jnp.linalg.eigh(jnp.array([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    Array([1., 3.], dtype=float64)
    """
    a = _matrix(a, "eigh")
    if UPLO not in (None, "L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    if _concrete(a):
        sym = (lambda m: 0.5 * (m + np.swapaxes(m, -1, -2))) if symmetrize_input else (lambda m: m)
        out = _eager(lambda m: tuple(np.linalg.eigh(sym(m), UPLO=UPLO or "L")), a)
        if out is not None:
            return EighResult(*out)
    v, w = _la.eigh(a, lower=UPLO != "U", symmetrize_input=symmetrize_input)
    return EighResult(w, v)


def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):
    """Eigenvalues (ascending) of symmetric matrices."""
    return eigh(a, UPLO, symmetrize_input).eigenvalues


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """``SVDResult(U, S, Vh)`` with ``a = U @ diag(S) @ Vh`` (``S`` descending), or ``S``.
    Gradients need ``full_matrices=False`` for non-square ``a`` (as JAX) and distinct singular
    values when ``U``/``Vh`` are used."""
    a = _matrix(a, "svd", square=False)
    if _concrete(a) and min(_shape(a)[-2:]) > 0:
        out = _eager(lambda m: np.linalg.svd(m, full_matrices=full_matrices, compute_uv=compute_uv), a)
        if out is not None:
            return SVDResult(*out) if compute_uv else out
    if not compute_uv:
        return _la.svd(a, full_matrices=False, compute_uv=False)
    s, u, vt = _la.svd(a, full_matrices=full_matrices)
    return SVDResult(u, s, vt)


def svdvals(x):
    """Singular values, descending."""
    return svd(x, compute_uv=False)


def qr(a, mode: str = "reduced"):
    """``QRResult(Q, R)`` (``mode='reduced'`` or ``'complete'``) or ``R`` (``mode='r'``).
    Gradients need ``M >= N`` and the reduced factorization (as JAX)."""
    a = _matrix(a, "qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"linalg.qr: mode must be 'reduced', 'complete' or 'r', got {mode!r} "
                         "('raw' is not supported)")
    if _concrete(a) and min(_shape(a)[-2:]) > 0:
        out = _eager(lambda m: np.linalg.qr(m, mode=mode), a)
        if out is not None:
            return out if mode == "r" else QRResult(*out)
    q, r = _la.qr(a, full_matrices=mode == "complete")
    return r if mode == "r" else QRResult(q, r)


def _eager_only(name):
    raise NotImplementedError(f"linalg.{name} has complex results, and funcgrad has no complex dtypes: "
                              f"it runs eagerly through NumPy only, not under grad/jit/vmap "
                              f"(at {user_frame_info()})")


def eig(a) -> EigResult:
    """Eigen-decomposition of general square matrices, eagerly through NumPy (complex results;
    not traceable, no gradient)."""
    if isinstance(a, Tracer):
        _eager_only("eig")
    w, v = np.linalg.eig(np.asarray(a))
    return EigResult(w, v)


def eigvals(a):
    """Eigenvalues of general square matrices, eagerly through NumPy (complex; not traceable)."""
    if isinstance(a, Tracer):
        _eager_only("eigvals")
    return np.linalg.eigvals(np.asarray(a))


# --------------------------------------------------------------------------- norms and friends

def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):
    """The vector ``ord``-norm over ``axis`` (all axes flattened when ``None``)."""
    x = _float(x, "vector_norm")
    if axis is None:
        out = vector_norm(reshape(x, (-1,)), axis=0, ord=ord)
        return reshape(out, (1,) * len(_shape(x))) if keepdims else out
    ax = axis
    if ord is None or ord == 2:
        return sqrt(_sum(multiply(x, x), axis=ax, keepdims=keepdims))
    if ord == np.inf:
        return _max(_abs(x), axis=ax, keepdims=keepdims)
    if ord == -np.inf:
        return _min(_abs(x), axis=ax, keepdims=keepdims)
    if ord == 0:
        return _sum(to_dtype(not_equal(x, 0), dtype_of(x)), axis=ax, keepdims=keepdims)
    if ord == 1:
        return _sum(_abs(x), axis=ax, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: invalid ord {ord!r}")
    p = float(ord)
    return power(_sum(power(_abs(x), p), axis=ax, keepdims=keepdims), 1.0 / p)


def _matrix_norm_axes(x, ord, axes, keepdims):
    nd = len(_shape(x))
    r, c = (ax % nd for ax in axes)
    if r == c:
        raise ValueError("linalg.norm: duplicate axes")
    if ord in (None, "fro"):
        out = sqrt(_sum(multiply(x, x), axis=(r, c), keepdims=keepdims))
        return out
    if ord in (1, -1, np.inf, -np.inf):
        red, keep = (r, c) if ord in (1, -1) else (c, r)
        sums = _sum(_abs(x), axis=red, keepdims=True)
        pick = _max if ord in (1, np.inf) else _min
        out = pick(sums, axis=keep, keepdims=True)
    elif ord in (2, -2, "nuc"):
        s = svdvals(moveaxis(x, (r, c), (-2, -1)))
        out = _max(s, axis=-1) if ord == 2 else _min(s, axis=-1) if ord == -2 else _sum(s, axis=-1)
        out = expand_dims(expand_dims(out, -1), -1)
        out = moveaxis(out, (-2, -1), (r, c)) if nd > 2 else out
    else:
        raise ValueError(f"linalg.norm: invalid ord {ord!r} for a matrix norm")
    return out if keepdims else squeeze(out, (r, c))


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):
    """The matrix ``ord``-norm of the last two dims (``'fro'``, ``'nuc'``, ±1, ±2, ±inf)."""
    x = _matrix(x, "matrix_norm", square=False)
    return _matrix_norm_axes(x, ord, (-2, -1), keepdims)


def norm(x, ord=None, axis=None, keepdims: bool = False):
    """NumPy's ``linalg.norm``: a vector norm over one axis, a matrix norm over two.

    >>> import funcgrad.numpy as jnp
    >>> jnp.linalg.norm(jnp.array([3.0, 4.0]))
    Array(5., dtype=float64)
    """
    x = _float(x, "norm")
    nd = len(_shape(x))
    if axis is None:
        if ord is None:
            return vector_norm(x, axis=None, keepdims=keepdims)
        if nd not in (1, 2):
            raise ValueError(f"linalg.norm: ord={ord!r} needs a 1-D or 2-D input, got shape {_shape(x)}")
        axis = tuple(range(nd))
    if isinstance(axis, int):
        axis = (axis,)
    axis = tuple(axis)
    if len(axis) == 1:
        if isinstance(ord, str):
            raise ValueError(f"linalg.norm: invalid ord {ord!r} for a vector norm")
        return vector_norm(x, axis=axis[0], keepdims=keepdims, ord=ord)
    if len(axis) == 2:
        return _matrix_norm_axes(x, ord, axis, keepdims)
    raise ValueError(f"linalg.norm: axis must name 1 or 2 axes, got {axis}")


def cond(x, p=None):
    """Condition number: ``s_max / s_min`` for ``p`` in (None, 2, -2), else
    ``norm(x, p) * norm(inv(x), p)``."""
    x = _matrix(x, "cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(x)
        ratio = divide(s[..., 0], s[..., -1])
        return divide(1.0, ratio) if p == -2 else ratio
    return multiply(matrix_norm(x, ord=p), matrix_norm(inv(x), ord=p))


def matrix_rank(M, rtol=None, *, tol=None):
    """Number of singular values above ``tol`` (default ``max(s) * max(M, N) * eps``)."""
    M = _float(M, "matrix_rank")
    s_ = _shape(M)
    if len(s_) < 2:
        return to_dtype(_sum(not_equal(M, 0)) > 0, np.int64)
    s = svdvals(M)
    if tol is None:
        r = max(s_[-2:]) * np.finfo(dtype_of(M)).eps if rtol is None else rtol
        tol = multiply(_max(s, axis=-1, keepdims=True), asarray(r, dtype=dtype_of(M)))
    else:
        tol = expand_dims(asarray(tol, dtype=dtype_of(M)), -1)
    return _sum(s > tol, axis=-1)


def cross(x1, x2, /, *, axis: int = -1):
    """Cross product of 3-vectors along ``axis`` (NumPy 2's ``linalg.cross``)."""
    x1, x2 = _same_dtype(asarray(x1), asarray(x2))
    if _shape(x1)[axis] != 3 or _shape(x2)[axis] != 3:
        raise ShapeError(f"linalg.cross: needs 3-vectors along axis {axis}, got shapes {_shape(x1)} "
                         f"and {_shape(x2)} (at {user_frame_info()})")
    a, b = moveaxis(x1, axis, -1), moveaxis(x2, axis, -1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = stack([subtract(multiply(a1, b2), multiply(a2, b1)), subtract(multiply(a2, b0), multiply(a0, b2)),
                 subtract(multiply(a0, b1), multiply(a1, b0))], axis=-1)
    return moveaxis(out, -1, axis)


def outer(x1, x2, /):
    """Outer product of two 1-D arrays."""
    if len(_shape(x1)) != 1 or len(_shape(x2)) != 1:
        raise ShapeError(f"linalg.outer: needs 1-D inputs, got shapes {_shape(x1)} and {_shape(x2)} "
                         f"(at {user_frame_info()})")
    return _outer(x1, x2)


def trace(x, /, *, offset: int = 0, dtype=None):
    """Sum of the ``offset`` diagonal of the last two dims."""
    return _sum(_diagonal_axes(x, offset, -2, -1), axis=-1, dtype=dtype)


def diagonal(x, /, *, offset: int = 0):
    """The ``offset`` diagonal of the last two dims."""
    return _diagonal_axes(x, offset, -2, -1)


def vecdot(x1, x2, /, *, axis: int = -1):
    """Dot product of vectors along ``axis`` (real inputs: no conjugation needed)."""
    return _sum(multiply(x1, x2), axis=axis)


def tensordot(x1, x2, /, *, axes=2):
    """``tensordot`` with the array-API keyword ``axes``."""
    return _tensordot(x1, x2, axes)
