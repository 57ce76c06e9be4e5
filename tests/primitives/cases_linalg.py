import numpy as _np

from funcgrad import lax
from funcgrad.primitives import decompositions as _dec, elementwise as _ew, normal_special as _ns
from funcgrad.primitives import solves as _sol
from funcgrad.primitives.shape import concatenate as _concat, shape_of as _shape
from funcgrad.primitives.solves import batch_matmul as _mm, matrix_transpose as _mT, scale_columns as _scale_cols

from .cases import Arg, Case

MM = (((1,), (0,)), ((), ()))
CASES = [
    Case("dot_general", lambda a, b: lax.dot_general(a, b, MM), [Arg((3, 4)), Arg((4, 2))], order=2),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((0,), (0,)), ((), ()))),
         [Arg((4,)), Arg((4,))], name="vecvec"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((0,), (1,)), ((), ()))),
         [Arg((4, 3)), Arg((2, 4))], name="transposed"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,)))),
         [Arg((2, 3, 4)), Arg((2, 4, 5))], name="batched"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((1, 3), (2, 0)), ((0,), (1,)))),
         [Arg((2, 3, 5, 4)), Arg((4, 2, 3, 6))], name="general"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((), ()), ((), ()))),
         [Arg((3,)), Arg((2,))], name="outer"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, MM), [Arg((0, 4)), Arg((4, 2))], name="empty"),
]


# --------------------------------------------------------------------------- decompositions and solves
# Inputs are built inside each row from the random draw so they are well conditioned: SPD
# matrices, diagonally dominant triangular factors, spread-out eigen/singular values. Rows that
# expose eigenvectors or singular vectors return gauge-invariant functions of them.

def _const(x, mat):
    """A constant (1, ..., 1, m, n) of ``x``'s dtype, broadcasting against ``x``."""
    s = _shape(x)
    m = _np.asarray(mat, dtype=_dt(x))
    return m.reshape((1,) * (len(s) - 2) + m.shape)


def _shifted(x, diag, scale=0.3):
    """``scale * x + diag(diag)`` (rectangular diag allowed)."""
    s = _shape(x)
    d = _np.zeros(s[-2:])
    k = min(s[-2:])
    d[range(k), range(k)] = diag[:k]
    return _ew.add(_ew.mul(x, _np.asarray(scale, _dt(x))), _const(x, d))


def _dt(x):
    return x.aval.dtype if hasattr(x, "aval") else _np.asarray(x).dtype


def _spd(x):
    n = _shape(x)[-1]
    return _ew.add(_mm(x, _mT(x)), _const(x, n * _np.eye(n)))


def _sym_spread(x):
    """A symmetric matrix with eigenvalues near 1, 4, 7, ... (distinct)."""
    n = _shape(x)[-1]
    half = _ew.mul(_ew.add(x, _mT(x)), _np.asarray(0.15, _dt(x)))
    return _ew.add(half, _const(x, _np.diag(1.0 + 3.0 * _np.arange(n))))


def _tri_a(x):
    n = _shape(x)[-1]
    return _ew.add(x, _const(x, 3 * _np.eye(n)))


_PERM = _np.eye(3)[[2, 0, 1]]


def _lu_input(x):
    """Rows of a diagonally dominant matrix in a fixed shuffled order: LU pivots undo the shuffle."""
    s = _shape(x)
    perm = _np.broadcast_to(_const(x, _PERM), tuple(s))
    return _mm(_np.ascontiguousarray(perm), _tri_a(x))


def _ts(**params):
    return lambda a, b: _sol.triangular_solve(_tri_a(a), b, **params)


def _eigh_vectors(x):
    v, w = _dec.eigh(_sym_spread(x), lower=True)
    return _ew.mul(v, v)


def _eigh_both(x):
    v, w = _dec.eigh(_sym_spread(x), lower=True)
    return _mm(_scale_cols(v, w), _mT(v))


def _svd_case(x):
    s, u, vt = _dec.svd(_shifted(x, [3.0, 2.0, 1.0, 0.5]), full_matrices=False, compute_uv=True)
    # gauge-invariant: u diag(s) vt, u ∘ u and vt ∘ vt (column/row signs cancel), and s
    recon = _mm(_scale_cols(u, s), vt)
    return _ew.add(_ew.add(_ew.mul(recon, recon), _mm(_ew.mul(u, u), _ew.mul(vt, vt))),
                   _mm(_scale_cols(_ew.mul(u, u), s), _ew.mul(vt, vt)))


def _qr_case(x):
    q, r = _dec.qr(_shifted(x, [3.0, 2.5, 2.0, 1.5]), full_matrices=False)
    nd = len(_shape(x))
    return _concat([q, r], nd - 2)


CASES += [
    Case("cholesky", lambda x: _dec.cholesky(_spd(x)), [Arg((3, 3))], order=2),
    Case("cholesky", lambda x: _dec.cholesky(_spd(x)), [Arg((2, 4, 4))], name="batched"),
    Case("triangular_solve", _ts(left_side=True, lower=True), [Arg((3, 3), "small"), Arg((3, 2))], order=2),
    Case("triangular_solve", _ts(left_side=True, lower=False, transpose_a=True),
         [Arg((3, 3), "small"), Arg((3, 2))], name="left-upper-T"),
    Case("triangular_solve", _ts(left_side=False, lower=True, transpose_a=True),
         [Arg((3, 3), "small"), Arg((2, 3))], name="right-lower-T"),
    Case("triangular_solve", _ts(left_side=False, lower=False, unit_diagonal=True),
         [Arg((3, 3), "small"), Arg((2, 3))], name="right-upper-unit"),
    Case("triangular_solve", _ts(left_side=True, lower=True, unit_diagonal=True),
         [Arg((2, 3, 3), "small"), Arg((2, 3, 4))], name="batched-unit"),
    Case("solve", lambda a, b: _sol.solve(_tri_a(a), b), [Arg((3, 3), "small"), Arg((3, 2))], order=2),
    Case("solve", lambda a, b: _sol.solve(_tri_a(a), b), [Arg((2, 3, 3), "small"), Arg((2, 3, 1))],
         name="batched"),
    Case("lu", lambda x: _dec.lu(_lu_input(x))[0], [Arg((3, 3), "small")], order=2),
    Case("lu", lambda x: _dec.lu(_lu_input(x))[0], [Arg((2, 3, 3), "small")], name="batched"),
    Case("lu", lambda x: _dec.lu(_shifted(x, [3.0, 2.5, 2.0]))[0], [Arg((4, 3))], name="tall", order=2),
    Case("lu", lambda x: _dec.lu(_shifted(x, [3.0, 2.5, 2.0]))[0], [Arg((2, 2, 4))], name="wide-batched"),
    Case("eigh", lambda x: _dec.eigh(_sym_spread(x), lower=True)[1], [Arg((3, 3))], name="values", order=2),
    Case("eigh", _eigh_vectors, [Arg((3, 3))], name="vectors"),
    Case("eigh", _eigh_both, [Arg((2, 4, 4))], name="both-batched"),
    Case("svd", _svd_case, [Arg((3, 3))], name="square", order=2),
    Case("svd", _svd_case, [Arg((4, 3))], name="tall"),
    Case("svd", _svd_case, [Arg((2, 3, 5))], name="wide-batched"),
    Case("svd", lambda x: _dec.svd(_shifted(x, [3.0, 2.0, 1.0]), compute_uv=False),
         [Arg((4, 3))], name="values-only", order=2),
    Case("qr", _qr_case, [Arg((3, 3))], name="square", order=2),
    Case("qr", _qr_case, [Arg((2, 5, 3))], name="tall-batched"),
    Case("expm", lambda x: _sol.expm(_ew.mul(x, _np.asarray(0.5, _dt(x)))), [Arg((3, 3))], order=2),
    Case("expm", lambda x: _sol.expm(x), [Arg((2, 2, 2), "small")], name="batched"),
    Case("pinv", lambda x: _dec.pinv(_shifted(x, [3.0, 2.0, 1.0]), 1e-10), [Arg((4, 3))], name="tall", order=2),
    Case("pinv", lambda x: _dec.pinv(_shifted(x, [3.0, 2.0, 1.0]), 1e-10), [Arg((2, 2, 3))], name="wide-batched"),
    Case("solve_sylvester", lambda a, b, c: _sol.solve_sylvester(_tri_a(a), _tri_a(b), c),
         [Arg((3, 3), "small"), Arg((2, 2), "small"), Arg((3, 2))], order=2),
    Case("solve_sylvester", lambda a, b, c: _sol.solve_sylvester(_tri_a(a), _tri_a(b), c),
         [Arg((2, 2, 2), "small"), Arg((2, 3, 3), "small"), Arg((2, 2, 3))], name="batched"),
    Case("sqrtm", lambda x: _sol.sqrtm(_shifted(x, [2.0, 2.0, 2.0])), [Arg((3, 3))], name="general", order=2),
    Case("sqrtm", lambda x: _sol.sqrtm(_spd(x)), [Arg((2, 3, 3))], name="spd-batched"),
    Case("det", lambda x: _dec.det(_tri_a(x)), [Arg((3, 3), "small")], order=2),
    Case("det", lambda x: _dec.det(_tri_a(x)), [Arg((2, 3, 3), "small")], name="batched"),
    # rank 2 (singular): the cofactor gradient has no division by a zero singular value
    Case("det", lambda x, y: _dec.det(_mm(x, y)), [Arg((3, 2)), Arg((2, 3))], name="singular", order=2),
    # repeated singular values (all 1): a gradient through svd would divide by zero gaps
    Case("pinv", lambda x: _dec.pinv(_shifted(x, [1.0, 1.0, 1.0], scale=0.05), 1e-10), [Arg((3, 3))],
         name="near-orthogonal"),
]


# --------------------------------------------------------------------------- normal special functions
# (the primitives behind funcgrad.scipy.stats.norm; kept with the linalg rows of that issue)

CASES += [
    Case("log_ndtr", _ns.log_ndtr, [Arg((5,))], order=2),
    Case("log_ndtr", lambda x: _ns.log_ndtr(_ew.mul(x, _np.asarray(-12.0, _dt(x)))), [Arg((4,), "positive")],
         name="lower-tail"),
    Case("ndtri", lambda x: _ns.ndtri(_ew.add(_ew.mul(x, _np.asarray(0.5, _dt(x))), _np.asarray(0.5, _dt(x)))),
         [Arg((5,), "unit")], order=2),
]
