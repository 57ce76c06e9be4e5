"""funcgrad.nn: values vs references, dtypes kept, staged/recorded == eager, gradients."""
import numpy as np
import pytest
from scipy import special

import funcgrad as fg
import funcgrad.nn as nn
import funcgrad.numpy as jnp
from funcgrad.test_util import check_grads

from .numpy.checks import F32, F64, assert_same, check_traced

X = np.array([[-3.0, -0.5, 0.0, 0.7, 4.0], [1.0, 2.0, -1.0, 30.0, -20.0]])

REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "sigmoid": special.expit,
    "log_sigmoid": special.log_expit,
    "softplus": lambda x: np.logaddexp(x, 0),
    "silu": lambda x: x * special.expit(x),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.01 * x),
    "celu": lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "soft_sign": lambda x: x / (np.abs(x) + 1),
    "softmax": lambda x: special.softmax(x, axis=-1),
    "log_softmax": lambda x: special.log_softmax(x, axis=-1),
    "logsumexp": lambda x: special.logsumexp(x),
    "standardize": lambda x: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5),
}


@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_values_dtypes_and_tracing(name, dtype):
    x = X.astype(dtype)
    fn = getattr(nn, name)
    got = fn(x)
    want = REFERENCES[name](X).astype(dtype)
    assert_same(got, want, rtol=2e-6 if dtype == F32 else 1e-12)
    check_traced(fn, x, rtol=1e-6 if dtype == F32 else None)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_grads(name):
    x = np.array([[-1.3, -0.4, 0.6, 2.1], [0.3, -2.2, 1.7, 0.9]])
    check_grads(getattr(nn, name), (x,), order=2 if name not in ("relu6", "hard_tanh") else 1)


def test_gelu_exact_and_int_inputs():
    x = np.linspace(-3, 3, 7)
    assert_same(nn.gelu(x, approximate=False), 0.5 * x * (1 + special.erf(x / np.sqrt(2))))
    check_grads(lambda a: nn.gelu(a, approximate=False), (x,), order=1)
    i = np.arange(-2, 3)
    assert nn.sigmoid(i).dtype == F64 and nn.relu(i).dtype == i.dtype
    check_traced(nn.softplus, i)
    check_traced(nn.sigmoid, 2)


def test_relu_grad_at_zero_is_zero():
    np.testing.assert_array_equal(fg.grad(lambda x: jnp.sum(nn.relu(x)))(np.array([-1.0, 0.0, 2.0])),
                                  [0.0, 0.0, 1.0])


def test_softmax_family_axes_and_stability():
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 4) * 50
    for axis in (-1, 0, 1, (0, 2)):
        assert_same(nn.softmax(x, axis=axis), special.softmax(x, axis=axis))
        assert_same(nn.log_softmax(x, axis=axis), special.log_softmax(x, axis=axis), rtol=1e-10)
        check_traced(lambda a: nn.softmax(a, axis=axis), x)
        check_traced(lambda a: nn.log_softmax(a, axis=axis), x)
    big = np.array([1000.0, 1000.0, -np.inf])
    assert_same(nn.softmax(big), np.array([0.5, 0.5, 0.0]))
    assert_same(nn.logsumexp(big), np.float64(1000 + np.log(2)))
    assert_same(nn.logsumexp(np.full(3, -np.inf)), np.float64(-np.inf))
    g = fg.grad(lambda a: nn.logsumexp(a))(np.array([1.0, 2.0, 3.0]))
    assert_same(g, special.softmax([1.0, 2.0, 3.0]))
    check_grads(lambda a: nn.log_softmax(a, axis=1), (x[:, :, 0] / 50,), order=2)


def test_softmax_where():
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]])
    m = np.array([[True, False, True], [True, True, False]])
    got = nn.softmax(x, where=m)
    want = np.where(m, np.exp(x) / np.sum(np.exp(x) * m, axis=-1, keepdims=True), 0)
    assert_same(got, want)
    check_traced(lambda a: nn.softmax(a, where=m), x)
    check_traced(lambda a: nn.log_softmax(a, where=m), x)
    check_grads(lambda a: nn.softmax(a, where=m), (x,), order=1)


def test_logsumexp_options():
    rng = np.random.RandomState(1)
    x, b = rng.randn(3, 4), rng.randn(3, 4)
    for kw in (dict(axis=0), dict(axis=-1, keepdims=True), dict(axis=(0, 1)), dict(b=np.abs(b), axis=1)):
        want = special.logsumexp(x, **kw)
        assert_same(nn.logsumexp(x, **kw), want, rtol=1e-12)
        check_traced(lambda a: nn.logsumexp(a, **kw), x)
        check_grads(lambda a: nn.logsumexp(a, **kw), (x,), order=2)
    out, sign = nn.logsumexp(x, b=b, axis=1, return_sign=True)
    want, wsign = special.logsumexp(x, b=b, axis=1, return_sign=True)
    assert_same(out, want, rtol=1e-12)
    assert_same(sign, wsign)
    neg = nn.logsumexp(np.zeros(2), b=np.array([-1.0, -1.0]))
    assert np.isnan(neg)


def test_one_hot():
    x = np.array([[0, 2], [1, 5]])
    for axis in (-1, 0, 1, 2):
        got = nn.one_hot(x, 3, axis=axis)
        want = np.moveaxis((x[..., None] == np.arange(3)).astype(np.float64), -1, axis)
        assert_same(got, want)
        check_traced(lambda a: nn.one_hot(a, 3, axis=axis), x)
    assert nn.one_hot(x, 3, dtype=jnp.int32).dtype == np.int32
    assert_same(nn.one_hot(np.array([-1, 3]), 3), np.zeros((2, 3)))
    fg.config.update("jax_enable_x64", False)
    assert nn.one_hot(x, 4).dtype == np.float32


def test_x64_off_keeps_32_bit():
    fg.config.update("jax_enable_x64", False)
    x = X.astype(np.float32)
    for name in ("relu", "sigmoid", "softplus", "softmax", "log_softmax", "logsumexp", "gelu"):
        assert getattr(nn, name)(x).dtype == F32
        assert getattr(nn, name)(X).dtype == F32
        assert fg.make_jaxpr(getattr(nn, name))(x).out_avals[0].dtype == F32


def test_softplus_and_logaddexp_second_derivatives_are_exact_at_ties():
    """The max/abs form of logaddexp has a kink at x == y; ours is smooth there."""
    assert abs(float(fg.grad(fg.grad(fg.nn.softplus))(0.0)) - 0.25) < 1e-12
    h = fg.hessian(lambda v: jnp.logaddexp(v[0], v[1]))(jnp.array([0.3, 0.3]))
    np.testing.assert_allclose(h, [[0.25, -0.25], [-0.25, 0.25]], atol=1e-12)
