"""The normal distribution truncated to ``[a, b]`` (standardized bounds, as SciPy)
(``jax.scipy.stats.truncnorm``). The normalizing mass ``Φ(b) - Φ(a)`` is computed in log space
from the tail that keeps it accurate, so far-tail truncations stay finite."""
from __future__ import annotations

import numpy as np

from ... import numpy as jnp
from ...primitives.normal_special import log_ndtr
from ._util import log_diff_exp, promote

__all__ = ["cdf", "logcdf", "logpdf", "logsf", "pdf", "sf"]


def _log_mass(lo, hi):
    """``log(Φ(hi) - Φ(lo))`` for ``lo < hi``."""
    left = log_diff_exp(log_ndtr(hi), log_ndtr(lo))              # both below 0: accurate as is
    right = log_diff_exp(log_ndtr(-lo), log_ndtr(-hi))           # both above 0: mirror
    middle = jnp.log1p(-jnp.exp(log_ndtr(lo)) - jnp.exp(log_ndtr(-hi)))
    return jnp.where(hi <= 0, left, jnp.where(lo >= 0, right, middle))


def _std(x, a, b, loc, scale):
    x, a, b, loc, scale = promote(x, a, b, loc, scale)
    return (x - loc) / scale, a, b, scale


def logpdf(x, a, b, loc=0, scale=1):
    z, a, b, scale = _std(x, a, b, loc, scale)
    log_p = -0.5 * z * z - 0.5 * np.log(2 * np.pi) - jnp.log(scale) - _log_mass(a, b)
    return jnp.where((z >= a) & (z <= b), log_p, -jnp.inf)


def pdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
    z, a, b, _ = _std(x, a, b, loc, scale)
    inside = (z > a) & (z < b)
    zs = jnp.where(inside, z, 0.5 * (a + b))
    log_c = _log_mass(a, zs) - _log_mass(a, b)
    return jnp.where(inside, log_c, jnp.where(z <= a, -jnp.inf, 0.0))


def cdf(x, a, b, loc=0, scale=1):
    return jnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
    z, a, b, _ = _std(x, a, b, loc, scale)
    inside = (z > a) & (z < b)
    zs = jnp.where(inside, z, 0.5 * (a + b))
    log_s = _log_mass(zs, b) - _log_mass(a, b)
    return jnp.where(inside, log_s, jnp.where(z <= a, 0.0, -jnp.inf))


def sf(x, a, b, loc=0, scale=1):
    return jnp.exp(logsf(x, a, b, loc, scale))
