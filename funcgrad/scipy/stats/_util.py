"""Shared helpers of the ``funcgrad.scipy.stats`` distributions."""
from __future__ import annotations

import numpy as np

from ... import numpy as jnp
from ...core.trace import Tracer
from ...numpy._dtypes import inexact_dtype, result_type, to_dtype


def promote(*args):
    """Every argument converted to one float dtype (NumPy's promotion with Python scalars weak;
    integers become float). Concrete values become ``funcgrad.Array``s."""
    args = [a if isinstance(a, (int, float, Tracer)) else jnp.asarray(a) for a in args]
    dt = inexact_dtype(result_type(*args))
    return [to_dtype(a, dt) if isinstance(a, Tracer) else jnp.asarray(a, dtype=dt) for a in args]


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0`` (also when ``y == 0``), with a finite gradient there."""
    zero = x == 0
    return jnp.where(zero, 0.0, x * jnp.log(jnp.where(zero, 1.0, y)))


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x == 0``."""
    zero = x == 0
    return jnp.where(zero, 0.0, x * jnp.log1p(jnp.where(zero, 0.0, y)))


LOG_2PI = float(np.log(2 * np.pi))


def betaln(a, b):
    """``log B(a, b)``."""
    from ... import lax
    return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def is_count(x, low=0.0):
    """``x`` is an integer ``>= low`` (the support test of the discrete distributions)."""
    return (x >= low) & (x == jnp.floor(x))


def log_diff_exp(big, small):
    """``log(exp(big) - exp(small))`` for ``big > small``, without cancellation."""
    return big + jnp.log(-jnp.expm1(small - big))
