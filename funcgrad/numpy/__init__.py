"""``funcgrad.numpy``: ``jax.numpy``'s names on NumPy semantics.

Outside any transform every function calls NumPy directly and wraps the result as a
``funcgrad.Array`` (zero-copy). Inside a transform it promotes and broadcasts explicitly and
calls ``funcgrad.lax``, so the operation is traced. This package holds no differentiation rules.

>>> import funcgrad.numpy as jnp
>>> jnp.sum(jnp.arange(4.0) * 2)
Array(12., dtype=float64)
"""
from __future__ import annotations

import numpy as _np

from ..core.array import Array
from ._creation import (arange, array, asarray, astype, copy, diag, empty, empty_like, eye,  # noqa: F401
                        full, full_like, identity, linspace, logspace, meshgrid, ones, ones_like, tri,
                        tril, triu, zeros, zeros_like)
from ._dtypes import canonicalize_dtype, result_type as _result_type  # noqa: F401
from ._einsum import einsum  # noqa: F401
from ._indexing import diagonal, getitem as _getitem, trace  # noqa: F401
from ._advanced_indexing import NonConcreteBooleanIndexError, take, take_along_axis  # noqa: F401
from ._linalg import dot, inner, matmul, outer, tensordot, vdot  # noqa: F401
from ._reductions import (all, amax, amin, any, argmax, argmin, average, count_nonzero, max,  # noqa: F401
                          mean, min, nanmax, nanmean, nanmin, nansum, prod, ptp, std, sum, var)
from ._shape import (array_split, atleast_1d, atleast_2d, atleast_3d, broadcast_arrays,  # noqa: F401
                     broadcast_shapes, broadcast_to, column_stack, concat, concatenate, dstack, expand_dims,
                     flip, fliplr, flipud, hstack, matrix_transpose, moveaxis, ndim, ravel, repeat, reshape,
                     roll, rot90, shape, size, split, squeeze, stack, swapaxes, tile, transpose, vstack)
from ._ufuncs import (abs, absolute, acos, acosh, add, arccos, arccosh, arcsin, arcsinh,  # noqa: F401
                      arctan, arctan2, arctanh, around, asin, asinh, atan, atan2, atanh, bitwise_and,
                      bitwise_not, bitwise_or, bitwise_xor, cbrt, ceil, clip, conj, conjugate, copysign,
                      cos, cosh, deg2rad, degrees, divide, divmod, equal, exp, exp2, expm1, fix, float_power,
                      floor, floor_divide, fmax, fmin, fmod, greater, greater_equal, heaviside, hypot, imag,
                      invert, isfinite,
                      isinf, isnan, less, less_equal, log, log1p, log2, log10, logaddexp, logical_and,
                      logical_not, logical_or, logical_xor, maximum, minimum, mod, multiply, nan_to_num,
                      negative, nonzero, not_equal, positive, pow, power, rad2deg, radians, real, reciprocal,
                      remainder, rint, round, sign, signbit, sin, sinc, sinh, sqrt, square, subtract,
                      tan, tanh, true_divide, trunc, where)
from ._cumulative import (bincount, convolve, corrcoef, correlate, cov, cumprod, cumsum,  # noqa: F401
                          cumulative_prod, cumulative_sum, diff, ediff1d, gradient, histogram,
                          histogram_bin_edges, interp, nancumprod, nancumsum, trapezoid, unwrap)
from ._index_tricks import (apply_along_axis, apply_over_axes, argwhere, bartlett, blackman,  # noqa: F401
                            choose, compress, diag_indices, diag_indices_from, diagflat, extract,
                            flatnonzero, fromfunction, geomspace, hamming, hanning, indices, ix_, kaiser,
                            piecewise, ravel_multi_index, select, tril_indices, tril_indices_from,
                            triu_indices, triu_indices_from, unravel_index, vectorize)
from ._index_tricks import c_, index_exp, mgrid, ogrid, r_, s_  # noqa: F401
from ._manipulation import (append, block, cross, delete, dsplit, fill_diagonal, hsplit,  # noqa: F401
                            insert, kron, pad, permute_dims, place, put, put_along_axis, resize,
                            rollaxis, trim_zeros, unstack, vander, vsplit)
from ._special_ufuncs import (angle, array_equiv, bitwise_count, bitwise_left_shift,  # noqa: F401
                              bitwise_right_shift, fabs, frexp, gcd, i0, iscomplex, iscomplexobj,
                              isneginf, isposinf, isreal, isrealobj, isscalar, iterable, lcm, ldexp,
                              left_shift, logaddexp2, modf, nanargmax, nanargmin, nanprod, nanstd,
                              nanvar, right_shift)
from ._misc import (ComplexWarning, array_repr, array_str, einsum_path, from_dlpack, frombuffer,  # noqa: F401
                    fromfile, fromiter, fromstring, get_printoptions, histogram2d, histogramdd, isdtype,
                    load, mask_indices, matvec, nextafter, packbits, printoptions, save, savez,
                    set_printoptions, spacing, unpackbits, vecdot, vecmat)
from ._polynomial import (poly, polyadd, polyder, polydiv, polyfit, polyint, polymul, polysub,  # noqa: F401
                          polyval, roots)
from ._setops import (intersect1d, isin, setdiff1d, setxor1d, union1d, unique, unique_all,  # noqa: F401
                      unique_counts, unique_inverse, unique_values)
from ._sorting import (argpartition, argsort, digitize, lexsort, median, nanmedian,  # noqa: F401
                       nanpercentile, nanquantile, partition, percentile, quantile, searchsorted, sort,
                       sort_complex)
from . import _methods  # noqa: F401  (attaches Tracer operators)
from . import linalg  # noqa: F401,E402

ndarray = Array
newaxis = None
pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
euler_gamma = _np.euler_gamma

float16, float32, float64 = _np.float16, _np.float32, _np.float64
int8, int16, int32, int64 = _np.int8, _np.int16, _np.int32, _np.int64
uint8, uint16, uint32, uint64 = _np.uint8, _np.uint16, _np.uint32, _np.uint64
complex64, complex128 = _np.complex64, _np.complex128
bool_ = _np.bool_
dtype = _np.dtype
finfo, iinfo = _np.finfo, _np.iinfo
issubdtype = _np.issubdtype
promote_types = _np.promote_types
bitwise_invert = bitwise_not
double, single, half = _np.float64, _np.float32, _np.float16
cdouble, csingle = _np.complex128, _np.complex64
int_, uint, float_, complex_ = _np.int64, _np.uint64, _np.float64, _np.complex128
bool = _np.bool_  # noqa: A001 - JAX's name
generic, flexible, character, object_ = _np.generic, _np.flexible, _np.character, _np.object_
can_cast = _np.can_cast
inexact, floating, integer, number, signedinteger, unsignedinteger, complexfloating = (
    _np.inexact, _np.floating, _np.integer, _np.number, _np.signedinteger, _np.unsignedinteger,
    _np.complexfloating)


def result_type(*args):
    """NumPy's promotion, with Python scalars weak."""
    return _result_type(*args)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b)))) if not equal_nan else \
        logical_or(less_equal(abs(subtract(a, b)), add(atol, multiply(rtol, abs(b)))),
                   logical_and(isnan(a), isnan(b)))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    if shape(a1) != shape(a2):
        return asarray(False)
    return all(equal(a1, a2)) if not equal_nan else all(logical_or(equal(a1, a2),
                                                                  logical_and(isnan(a1), isnan(a2))))


from . import fft  # noqa: E402,F401
from ._ufunc import _attach as _attach_ufunc_methods, frompyfunc, ufunc  # noqa: E402,F401

_attach_ufunc_methods()
