"""The multivariate normal distribution (``jax.scipy.stats.multivariate_normal``): density
through the Cholesky factor of ``cov`` and one triangular solve.

>>> import numpy as np
>>> from funcgrad.scipy.stats import multivariate_normal
>>> round(float(multivariate_normal.logpdf(np.zeros(2), np.zeros(2), np.eye(2))), 6)
-1.837877
"""
from __future__ import annotations

import numpy as np

from ... import numpy as jnp
from ...core.errors import ShapeError
from ...core.trace import Tracer
from ...lax import linalg as _la
from ._util import LOG_2PI, promote

__all__ = ["logpdf", "pdf"]


def _shape(x):
    return tuple(x.aval.shape) if isinstance(x, Tracer) else np.shape(x)


def logpdf(x, mean=None, cov=1, allow_singular=None):
    """``log N(x; mean, cov)`` over the last axis of ``x`` (``cov`` a matrix, a vector of
    variances, or a scalar variance, as SciPy). ``cov`` must be positive definite."""
    if allow_singular:
        raise NotImplementedError("multivariate_normal.logpdf: allow_singular=True is not supported")
    mean = 0.0 if mean is None else mean
    x, mean, cov = promote(x, mean, cov)
    k = max(_shape(x)[-1:] + _shape(mean)[-1:] + _shape(cov)[-1:] or (1,))
    if len(_shape(cov)) < 2:
        cov = jnp.broadcast_to(cov, (k,)) * np.eye(k, dtype=cov.dtype)
    if len(_shape(x)) == 0:
        x = jnp.reshape(x, (1,))
    if _shape(cov)[-2:] != (k, k) or _shape(x)[-1] != k:
        raise ShapeError(f"multivariate_normal.logpdf: x {_shape(x)}, mean {_shape(mean)} and cov "
                         f"{_shape(cov)} do not describe one dimension")
    diff = x - mean
    batch = _shape(diff)[:-1]
    chol = _la.cholesky(cov)
    cols = jnp.transpose(jnp.reshape(diff, (-1, k)))                     # (k, N)
    y = _la.triangular_solve(chol, cols, left_side=True, lower=True)
    maha = jnp.reshape(jnp.sum(y * y, axis=0), batch)
    log_det = 2.0 * jnp.sum(jnp.log(jnp.diagonal(chol)))
    return -0.5 * (k * LOG_2PI + log_det + maha)


def pdf(x, mean=None, cov=1, allow_singular=None):
    return jnp.exp(logpdf(x, mean, cov, allow_singular))
