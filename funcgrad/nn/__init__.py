"""``funcgrad.nn``: activations and the usual softmax family, as ``jax.nn``."""
from __future__ import annotations

import numpy as _np

from .. import lax
from .. import numpy as jnp
from ..core.trace import is_eager


def relu(x):
    return jnp.maximum(x, 0)


def relu6(x):
    return jnp.minimum(jnp.maximum(x, 0), 6.0)


def sigmoid(x):
    """``1 / (1 + exp(-x))``, as the ``logistic`` primitive."""
    x = jnp.asarray(x) if is_eager(x) else x
    from ..numpy._dtypes import promote_to_inexact
    return lax.logistic(promote_to_inexact(x))


def log_sigmoid(x):
    return -softplus(-x)


def softplus(x):
    """``log(1 + exp(x))``, computed stably as ``logaddexp(x, 0)``."""
    return jnp.logaddexp(x, 0.0)


def silu(x):
    return x * sigmoid(x)


swish = silu


def gelu(x, approximate: bool = True):
    if approximate:
        c = _np.sqrt(2 / _np.pi)
        return 0.5 * x * (1 + jnp.tanh(c * (x + 0.044715 * x ** 3)))
    from ..numpy._dtypes import promote_to_inexact
    x = promote_to_inexact(jnp.asarray(x) if is_eager(x) else x)
    return 0.5 * x * (1 + lax.erf(x / _np.sqrt(2).astype(jnp.result_type(x))))


def elu(x, alpha=1.0):
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0.0, x)))


def leaky_relu(x, negative_slope=0.01):
    return jnp.where(x >= 0, x, negative_slope * x)


def celu(x, alpha=1.0):
    return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


def selu(x):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * elu(x, alpha)


def hard_tanh(x):
    return jnp.clip(x, -1.0, 1.0)


def soft_sign(x):
    return x / (jnp.abs(x) + 1)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """``log(sum(b * exp(a)))`` computed stably; the max is treated as a constant
    (``stop_gradient``), as JAX does, so the gradient is exactly softmax."""
    a = jnp.asarray(a) if is_eager(a) else a
    amax = lax.stop_gradient(jnp.max(a, axis=axis, keepdims=True))
    amax = jnp.where(jnp.isfinite(amax), amax, 0.0)
    e = jnp.exp(a - amax)
    if b is not None:
        e = e * b
    s = jnp.sum(e, axis=axis, keepdims=True)
    sign = jnp.sign(s)
    out = jnp.log(jnp.abs(s)) + amax
    if not keepdims:
        out = jnp.squeeze(out, axis=axis) if axis is not None else jnp.reshape(out, ())
        sign = jnp.squeeze(sign, axis=axis) if axis is not None else jnp.reshape(sign, ())
    return (out, sign) if return_sign else out


def log_softmax(x, axis=-1):
    x = jnp.asarray(x) if is_eager(x) else x
    shifted = x - lax.stop_gradient(jnp.max(x, axis=axis, keepdims=True))
    return shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    x = jnp.asarray(x) if is_eager(x) else x
    unnormalized = jnp.exp(x - lax.stop_gradient(jnp.max(x, axis=axis, keepdims=True)))
    return unnormalized / jnp.sum(unnormalized, axis=axis, keepdims=True)


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5):
    if mean is None:
        mean = jnp.mean(x, axis, keepdims=True)
    if variance is None:
        variance = jnp.mean(jnp.square(x), axis, keepdims=True) - jnp.square(mean)
    return (x - mean) * lax.rsqrt(variance + epsilon)


def one_hot(x, num_classes: int, dtype=None, axis=-1):
    """``x[..., None] == arange(num_classes)`` as floats (``num_classes`` must be concrete)."""
    num_classes = int(num_classes)
    dtype = dtype or jnp.canonicalize_dtype(_np.float64)
    x = jnp.asarray(x) if is_eager(x) else x
    cls = jnp.arange(num_classes)
    out = jnp.expand_dims(x, axis) == jnp.reshape(cls, [num_classes if i == (axis % (jnp.ndim(x) + 1)) else 1
                                                       for i in range(jnp.ndim(x) + 1)])
    return jnp.astype(out, dtype)
