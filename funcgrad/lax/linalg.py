"""``jax.lax.linalg``: the linear-algebra primitives (LAPACK through NumPy/SciPy).

>>> import numpy as np
>>> from funcgrad.lax import linalg
>>> l = linalg.cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
>>> print(linalg.triangular_solve(l, np.array([[2.0], [2.0]]), left_side=True, lower=True))
[[1.]
 [1.]]
"""
from __future__ import annotations

import numpy as np

from ..primitives.decompositions import (cholesky as _cholesky, eigh as _eigh, lu, qr as _qr,  # noqa: F401
                                         svd as _svd, permutation_matrix, pinv, det)
from ..primitives.elementwise import add, mul
from ..primitives.shape import aval
from ..primitives.solves import (expm, matrix_transpose, solve, solve_sylvester, sqrtm,  # noqa: F401
                                 triangular_solve)


def symmetrize(x):
    """``(x + xᵀ) / 2``: what the decompositions of symmetric matrices read (JAX's ``symmetrize``)."""
    return mul(add(x, matrix_transpose(x)), np.asarray(0.5, aval(x).dtype))


def cholesky(x, *, symmetrize_input: bool = True):
    """Lower Cholesky factor; with ``symmetrize_input`` (the default, as JAX) the factor of
    ``(x + xᵀ)/2``, so gradients are symmetric."""
    return _cholesky(symmetrize(x) if symmetrize_input else x)


def eigh(x, *, lower: bool = True, symmetrize_input: bool = True):
    """``(v, w)``: eigenvectors (columns) and ascending eigenvalues of a symmetric matrix."""
    v, w = _eigh(symmetrize(x) if symmetrize_input else x, lower=lower)
    return v, w


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True):
    """``(s, u, vt)`` (``compute_uv``) or ``s``; JAX's ``lax.linalg.svd`` argument order."""
    out = _svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def qr(x, *, full_matrices: bool = True):
    """``(q, r)``."""
    q, r = _qr(x, full_matrices=full_matrices)
    return q, r


__all__ = ["cholesky", "eigh", "expm", "lu", "qr", "solve", "svd", "symmetrize", "triangular_solve",
           "permutation_matrix", "pinv", "det", "solve_sylvester", "sqrtm"]
