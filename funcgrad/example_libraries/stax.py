"""``stax``: JAX's tiny neural-network library (``jax.example_libraries.stax``).

A layer is a pair ``(init_fun, apply_fun)``: ``init_fun(rng, input_shape) -> (output_shape,
params)`` and ``apply_fun(params, inputs, **kwargs) -> outputs``. Initialization draws from
``funcgrad.random`` exactly as JAX's stax does, so ``init_fun(PRNGKey(0), shape)`` gives JAX's
parameters (float64 by default; JAX with ``jax_enable_x64``).

>>> import funcgrad.numpy as jnp
>>> from funcgrad import random
>>> from funcgrad.example_libraries import stax
>>> init, apply = stax.serial(stax.Dense(4), stax.Relu, stax.Dense(2), stax.LogSoftmax)
>>> out_shape, params = init(random.PRNGKey(0), (-1, 3))
>>> out_shape
(-1, 2)
>>> apply(params, jnp.ones((5, 3))).shape
(5, 2)

Not provided: ``Conv``/``ConvTranspose``/``MaxPool``/``AvgPool``/``SumPool`` (funcgrad has no
convolution or windowed-reduction primitive yet).
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from .. import nn
from .. import numpy as jnp
from .. import random
from ..core.config import config


# --------------------------------------------------------------------------- initializers
# (the ones stax uses, with jax.nn.initializers' arithmetic)

def _float():
    return np.dtype(np.float64 if config.jax_enable_x64 else np.float32)


def zeros(key, shape, dtype=None):
    return jnp.zeros(shape, dtype or _float())


def ones(key, shape, dtype=None):
    return jnp.ones(shape, dtype or _float())


def normal(stddev=1e-2):
    def init(key, shape, dtype=None):
        dtype = dtype or _float()
        return random.normal(key, shape, dtype) * jnp.asarray(stddev, dtype)
    return init


def glorot_normal(in_axis=-2, out_axis=-1, dtype=None):
    """``variance_scaling(1.0, "fan_avg", "truncated_normal")``, as ``jax.nn.initializers``."""
    def init(key, shape, dtype=dtype):
        dtype = dtype or _float()
        shape = tuple(shape)
        receptive = np.prod([d for i, d in enumerate(shape)
                             if i not in (in_axis % len(shape), out_axis % len(shape))])
        fan_in, fan_out = shape[in_axis] * receptive, shape[out_axis] * receptive
        variance = np.array(1.0 / ((fan_in + fan_out) / 2), dtype=dtype)
        stddev = np.sqrt(variance) / np.array(.87962566103423978, dtype)
        return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
    return init


def randn(stddev=1e-2):
    return normal(stddev)


glorot = glorot_normal


# --------------------------------------------------------------------------- layers

def Dense(out_dim, W_init=glorot_normal(), b_init=normal()):
    """A fully connected layer: ``inputs @ W + b``."""
    def init_fun(rng, input_shape):
        output_shape = tuple(input_shape[:-1]) + (out_dim,)
        k1, k2 = random.split(rng)
        return output_shape, (W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,)))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return jnp.dot(inputs, W) + b

    return init_fun, apply_fun


def elementwise(fun, **fun_kwargs):
    """A parameterless layer applying ``fun`` elementwise."""
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        return fun(inputs, **fun_kwargs)

    return init_fun, apply_fun


Tanh = elementwise(jnp.tanh)
Relu = elementwise(nn.relu)
Exp = elementwise(jnp.exp)
LogSoftmax = elementwise(nn.log_softmax, axis=-1)
Softmax = elementwise(nn.softmax, axis=-1)
Softplus = elementwise(nn.softplus)
Sigmoid = elementwise(nn.sigmoid)
Elu = elementwise(nn.elu)
LeakyRelu = elementwise(nn.leaky_relu)
Selu = elementwise(nn.selu)
Gelu = elementwise(nn.gelu)


def _identity():
    return (lambda rng, input_shape: (input_shape, ())), (lambda params, inputs, **kw: inputs)


Identity = _identity()


def Flatten():
    def init_fun(rng, input_shape):
        return (input_shape[0], functools.reduce(operator.mul, input_shape[1:], 1)), ()

    def apply_fun(params, inputs, **kwargs):
        return jnp.reshape(inputs, (inputs.shape[0], -1))

    return init_fun, apply_fun


Flatten = Flatten()


def FanOut(num):
    """Copy the input ``num`` times (for ``parallel``)."""
    return (lambda rng, input_shape: ([input_shape] * num, ()),
            lambda params, inputs, **kwargs: [inputs] * num)


def FanInSum():
    return (lambda rng, input_shape: (input_shape[0], ()),
            lambda params, inputs, **kwargs: sum(inputs[1:], inputs[0]))


FanInSum = FanInSum()


def FanInConcat(axis=-1):
    def init_fun(rng, input_shape):
        ax = axis % len(input_shape[0])
        size = sum(s[ax] for s in input_shape)
        return tuple(input_shape[0][:ax]) + (size,) + tuple(input_shape[0][ax + 1:]), ()

    def apply_fun(params, inputs, **kwargs):
        return jnp.concatenate(inputs, axis)

    return init_fun, apply_fun


def Dropout(rate, mode="train"):
    """As JAX's stax: ``rate`` is the *keep* probability; pass ``rng=`` to ``apply_fun``."""
    def init_fun(rng, input_shape):
        return input_shape, ()

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.get("rng", None)
        if rng is None:
            raise ValueError("Dropout layer requires apply_fun to be called with a PRNG key "
                             "argument. That is, instead of `apply_fun(params, inputs)`, call "
                             "it like `apply_fun(params, inputs, rng)` where `rng` is a "
                             "PRNG key (e.g. from `funcgrad.random.PRNGKey`).")
        if mode == "train":
            keep = random.bernoulli(rng, rate, inputs.shape)
            return jnp.where(keep, inputs / rate, 0)
        return inputs

    return init_fun, apply_fun


def BatchNorm(axis=(0, 1, 2), epsilon=1e-5, center=True, scale=True,
              beta_init=zeros, gamma_init=ones):
    """Normalize over ``axis`` with learned scale and offset (batch statistics)."""
    def init_fun(rng, input_shape):
        shape = tuple(d for i, d in enumerate(input_shape) if i not in axis)
        k1, k2 = random.split(rng)
        beta = beta_init(k1, shape) if center else ()
        gamma = gamma_init(k2, shape) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        ed = tuple(None if i in axis else slice(None) for i in range(jnp.ndim(x)))
        z = nn.standardize(x, axis, epsilon=epsilon)
        if center and scale:
            return gamma[ed] * z + beta[ed]
        if center:
            return z + beta[ed]
        if scale:
            return gamma[ed] * z
        return z

    return init_fun, apply_fun


# --------------------------------------------------------------------------- combinators

def serial(*layers):
    """Compose layers in sequence; the rng passed to ``apply_fun`` is split per layer."""
    nlayers = len(layers)
    init_funs, apply_funs = zip(*layers)

    def init_fun(rng, input_shape):
        params = []
        for init in init_funs:
            rng, layer_rng = random.split(rng)
            input_shape, param = init(layer_rng, input_shape)
            params.append(param)
        return input_shape, params

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, nlayers) if rng is not None else (None,) * nlayers
        for fun, param, r in zip(apply_funs, params, rngs):
            inputs = fun(param, inputs, rng=r, **kwargs)
        return inputs

    return init_fun, apply_fun


def parallel(*layers):
    """Apply layers to the elements of a list input, one each."""
    nlayers = len(layers)
    init_funs, apply_funs = zip(*layers)

    def init_fun(rng, input_shape):
        rngs = random.split(rng, nlayers)
        return tuple(zip(*[init(r, s) for init, r, s in zip(init_funs, rngs, input_shape)]))

    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.pop("rng", None)
        rngs = random.split(rng, nlayers) if rng is not None else (None,) * nlayers
        return [f(p, x, rng=r, **kwargs) for f, p, x, r in zip(apply_funs, params, inputs, rngs)]

    return init_fun, apply_fun


def shape_dependent(make_layer):
    """A layer built by ``make_layer(input_shape)`` when the input shape is known."""
    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(inputs.shape)[1](params, inputs, **kwargs)

    return init_fun, apply_fun
