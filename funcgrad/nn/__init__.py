"""``funcgrad.nn``: activations and the softmax family, as ``jax.nn``.

Everything is written with ``funcgrad.numpy`` / ``funcgrad.lax``, so it runs eagerly on NumPy
and traces under every transform. Dtypes follow the input (float32 stays float32).

>>> import funcgrad.nn as nn, funcgrad.numpy as jnp
>>> nn.relu(jnp.array([-1.0, 0.0, 2.0]))
Array([0., 0., 2.], dtype=float64)
>>> nn.softmax(jnp.array([0.0, 0.0]))
Array([0.5, 0.5], dtype=float64)
>>> nn.one_hot(jnp.array([0, 2]), 3)
Array([[1., 0., 0.],
       [0., 0., 1.]], dtype=float64)
"""
from __future__ import annotations

import math

import numpy as _np

from .. import lax
from .. import numpy as jnp
from ..numpy._dtypes import canonicalize_dtype as _canonicalize_dtype
from ..numpy._dtypes import default_float_dtype as _default_float_dtype
from ..numpy._dtypes import promote_to_inexact as _promote_to_inexact


def _inexact(x):
    return _promote_to_inexact(jnp.asarray(x))


def relu(x):
    """``max(x, 0)``; its derivative at 0 is 0, as in JAX.

    >>> import funcgrad as fg
    >>> fg.grad(relu)(0.0)
    Array(0., dtype=float64)
    """
    return jnp.where(jnp.greater(x, 0), x, 0)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return jnp.where(jnp.greater(x, 0), jnp.where(jnp.less(x, 6), x, 6), 0)


def sigmoid(x):
    """``1 / (1 + exp(-x))``, as the ``logistic`` primitive."""
    return lax.logistic(_inexact(x))


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)``."""
    return jnp.negative(softplus(jnp.negative(x)))


def softplus(x):
    """``log(1 + exp(x))``, computed stably as ``logaddexp(x, 0)``."""
    return jnp.logaddexp(_inexact(x), 0)


def silu(x):
    """``x * sigmoid(x)``."""
    x = _inexact(x)
    return x * sigmoid(x)


swish = silu


def gelu(x, approximate: bool = True):
    """Gaussian error linear unit (the tanh approximation unless ``approximate=False``)."""
    x = _inexact(x)
    if approximate:
        c = math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + jnp.tanh(c * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + lax.erf(x * (1 / math.sqrt(2))))


def elu(x, alpha=1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    x = _inexact(x)
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0.0, x)))


def leaky_relu(x, negative_slope=0.01):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return jnp.where(jnp.greater_equal(x, 0), x, jnp.multiply(negative_slope, x))


def celu(x, alpha=1.0):
    """``max(x, 0) + alpha * min(exp(x / alpha) - 1, 0)``."""
    x = _inexact(x)
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return jnp.clip(x, -1.0, 1.0)


def soft_sign(x):
    """``x / (|x| + 1)``."""
    return jnp.divide(x, jnp.add(jnp.abs(x), 1))


def _reduce_where_max(x, axis, where):
    m = jnp.max(x, axis=axis, keepdims=True, where=where, initial=-_np.inf) if where is not None \
        else jnp.max(x, axis=axis, keepdims=True)
    return lax.stop_gradient(m)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """``log(sum(b * exp(a)))`` computed stably. The max is a constant to differentiation
    (``stop_gradient``), as in JAX, so the gradient is exactly the softmax. Without
    ``return_sign`` a negative sum gives NaN.

    >>> import funcgrad.numpy as jnp
    >>> logsumexp(jnp.array([1000.0, 1000.0]))
    Array(1000.69314718, dtype=float64)
    """
    a = _inexact(a)
    amax = _reduce_where_max(a, axis, where)
    amax = jnp.where(jnp.isfinite(amax), amax, 0)
    e = jnp.exp(a - amax)
    if b is not None:
        e = e * b
    s = jnp.sum(e, axis=axis, keepdims=True, where=where)
    sign = jnp.sign(s)
    with _np.errstate(divide="ignore"):          # log(0) = -inf is the right answer here
        out = jnp.log(jnp.abs(s)) + amax
    if not keepdims:
        out = jnp.squeeze(out, axis=axis)
        sign = jnp.squeeze(sign, axis=axis)
    if return_sign:
        return out, sign
    if b is not None:
        out = jnp.where(sign < 0, _np.nan, out)
    return out


def log_softmax(x, axis=-1, where=None):
    """``x - logsumexp(x, axis, keepdims=True)``, stably."""
    x = _inexact(x)
    shifted = x - _reduce_where_max(x, axis, where)
    out = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=axis, keepdims=True, where=where))
    return out if where is None else jnp.where(where, out, -_np.inf)


def softmax(x, axis=-1, where=None):
    """``exp(x) / sum(exp(x), axis)``, stably (the max is subtracted first)."""
    x = _inexact(x)
    unnormalized = jnp.exp(x - _reduce_where_max(x, axis, where))
    out = unnormalized / jnp.sum(unnormalized, axis=axis, keepdims=True, where=where)
    return out if where is None else jnp.where(where, out, 0)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5):
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis``."""
    x = _inexact(x)
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True)
    if variance is None:
        variance = jnp.mean(jnp.square(x), axis, keepdims=True) - jnp.square(mean)
    return (x - mean) * lax.rsqrt(variance + epsilon)


def one_hot(x, num_classes: int, *, dtype=None, axis=-1):
    """``x[..., None] == arange(num_classes)``, as ``dtype`` (default float). Out-of-range
    values give all-zero rows. ``num_classes`` must be concrete.

    >>> import funcgrad.numpy as jnp
    >>> one_hot(jnp.array([1, 5]), 3, dtype=jnp.int32)
    Array([[0, 1, 0],
           [0, 0, 0]], dtype=int32)
    """
    num_classes = int(num_classes)
    dtype = _canonicalize_dtype(dtype) if dtype is not None else _default_float_dtype()
    x = jnp.asarray(x)
    nd = jnp.ndim(x) + 1
    ax = axis % nd if -nd <= axis < nd else None
    if ax is None:
        raise ValueError(f"one_hot: axis {axis} is out of bounds for a result of dimension {nd}")
    shape = [1] * nd
    shape[ax] = num_classes
    cls = _np.arange(num_classes).reshape(shape)
    return jnp.astype(jnp.equal(jnp.expand_dims(x, ax), cls), dtype)


from ._activations import (dot_product_attention, glu, hard_sigmoid, hard_silu, hard_swish,  # noqa: E402,F401
                           identity, log1mexp, logmeanexp, mish, normalize, sparse_plus,
                           sparse_sigmoid, squareplus, tanh)
from . import initializers  # noqa: E402,F401
