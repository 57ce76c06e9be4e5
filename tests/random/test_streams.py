"""funcgrad.random against JAX's default Threefry stream (partitionable mode).

The expected values are literals recorded from JAX 0.10.2 (``jax_enable_x64=True`` for the
64-bit defaults, ``False`` for the 32-bit rows): this test does not import JAX.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import random
from funcgrad.primitives.random_bits import threefry2x32

K0 = random.PRNGKey(0)


def _exact(got, want, dtype=None):
    got = np.asarray(got)
    want = np.asarray(want, dtype=dtype or got.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if dtype is not None:
        assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)


def _ulps(got, want, n):
    got = np.asarray(got)
    want = np.asarray(want, got.dtype)
    assert got.shape == want.shape
    assert np.all(np.abs(got - want) <= n * np.spacing(np.abs(want))), (got, want)


# --------------------------------------------------------------------------- the cipher

@pytest.mark.parametrize("key,ctr,want", [
    ((0, 0), (0, 0), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
])
def test_threefry_known_answers(key, ctr, want):
    """Random123's known-answer vectors: uint32 arithmetic wraps correctly."""
    u = np.uint32
    args = [u(key[0]), u(key[1]), np.array([ctr[0]], u), np.array([ctr[1]], u)]
    eager = [int(v[0]) for v in threefry2x32(*args)]
    jitted = [int(v[0]) for v in fg.jit(lambda *a: threefry2x32(*a))(*args)]
    staged = fg.make_jaxpr(lambda *a: threefry2x32(*a))(*args)
    assert eager == list(want) and jitted == list(want)
    assert "threefry2x32" in str(staged)


# --------------------------------------------------------------------------- keys

def test_keys():
    _exact(random.PRNGKey(0), [0, 0], np.uint32)
    _exact(random.PRNGKey(42), [0, 42], np.uint32)
    _exact(random.PRNGKey(-1), [4294967295, 4294967295])
    _exact(random.PRNGKey(2 ** 40 + 5), [256, 5])
    _exact(random.key(42), random.PRNGKey(42))
    _exact(random.key_data(random.key(1)), random.PRNGKey(1))
    _exact(random.PRNGKey(np.int32(-1)), [0, 4294967295])   # a 32-bit seed: zero high word


def test_split_and_fold_in():
    _exact(random.split(K0), [[1797259609, 2579123966], [928981903, 3453687069]])
    _exact(random.split(random.PRNGKey(1), 3),
           [[507451445, 1853169794], [1948878966, 4237131848], [2441914641, 3819641963]])
    _exact(random.split(K0, (2, 3)),
           [[[1797259609, 2579123966], [928981903, 3453687069], [4146024105, 2718843009]],
            [[2467461003, 3840466878], [2285895361, 433833334], [1524306142, 1887795613]]])
    _exact(random.fold_in(K0, 1), [928981903, 3453687069])
    _exact(random.fold_in(random.PRNGKey(3), 123456), [2305098257, 124646918])


def test_bits():
    _exact(random.bits(K0, (5,), jnp.uint32),
           [4070199207, 4202968722, 1427181096, 2012915765, 2447653815])
    _exact(random.bits(K0, (), jnp.uint32), 4070199207)
    _exact(random.bits(K0, (4,), jnp.uint8), [167, 146, 40, 53])
    _exact(random.bits(K0, (3,)), [7719171245655871230, 3989946895414531357, 17807037942121513089],
           np.uint64)


# --------------------------------------------------------------------------- samplers

def test_uniform():
    _exact(random.uniform(K0, (5,)), [0.41845711171638644, 0.21629545460551136, 0.9653214611189975,
                                      0.5745005337275046, 0.5322264882505428], np.float64)
    _exact(random.uniform(K0, (5,), jnp.float32),
           [0.9476670026779175, 0.9785798788070679, 0.33229148387908936, 0.46866846084594727,
            0.569888710975647], np.float32)
    _exact(random.uniform(K0), 0.41845711171638644)
    # with minval/maxval, XLA contracts u*(hi-lo)+lo into one FMA; funcgrad rounds twice
    _ulps(random.uniform(K0, (2, 3), minval=-2.0, maxval=3.0),
          [[0.09228555858193221, -0.9185227269724432, 2.8266073055949876],
           [0.8725026686375232, 0.6611324412527138, -0.22547409865127865]], 2)


def test_normal_within_a_few_ulp():
    """JAX's erf_inv is its own polynomial; funcgrad's is SciPy's: a few ulp apart."""
    _ulps(random.normal(K0, (5,)), [-0.2058421394796434, -0.7847657764467411, 1.8160866726679836,
                                    0.1878440128937887, 0.08086788103743275], 4)
    _ulps(random.normal(K0, (5,), jnp.float32),
          [1.622642159461975, 2.0252647399902344, -0.4335944354534149, -0.07861734926700592,
           0.17609089612960815], 4)
    assert random.normal(K0, (2,)).dtype == np.float64


def test_randint():
    _exact(random.randint(random.split(K0)[1], (5,), 0, 10), [8, 2, 3, 5, 0], np.int64)
    _exact(random.randint(K0, (6,), -5, 1000), [175, 501, 375, 717, 928, 395])
    _exact(random.randint(K0, (6,), 0, 100, jnp.int32), [89, 0, 12, 73, 71, 47], np.int32)
    _exact(random.randint(K0, (6,), 0, 256, jnp.uint8), [101, 80, 200, 61, 3, 211], np.uint8)
    r = np.asarray(random.randint(K0, (1000,), 3, 4))
    assert np.all(r == 3)
    r = np.asarray(random.randint(K0, (1000,), 5, 2))   # empty range: minval, as JAX
    assert np.all(r == 5)


def test_bernoulli_permutation_categorical_choice():
    _exact(random.bernoulli(K0, 0.3, (8,)), [False, True] + [False] * 6, np.bool_)
    _exact(random.bernoulli(K0, jnp.float32(0.3), (8,)), [False] * 5 + [True, False, False])
    _exact(random.permutation(K0, 5), [0, 1, 4, 3, 2], np.int64)
    _exact(random.permutation(random.PRNGKey(3), jnp.arange(10.0)),
           [0.0, 5.0, 6.0, 7.0, 4.0, 2.0, 1.0, 3.0, 9.0, 8.0], np.float64)
    x = jnp.arange(12).reshape(4, 3)
    _exact(random.permutation(K0, x), [[0, 1, 2], [3, 4, 5], [9, 10, 11], [6, 7, 8]])
    _exact(random.permutation(K0, x, axis=1, independent=True),
           [[0, 1, 2], [5, 4, 3], [8, 6, 7], [10, 11, 9]])
    _exact(random.categorical(K0, jnp.array([0.1, 1.0, 2.0, -1.0]), shape=(6,)),
           [2, 2, 2, 1, 2, 2], np.int64)
    _exact(random.categorical(K0, jnp.log(jnp.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]]))), [2, 0])
    _exact(random.categorical(K0, jnp.array([0.1, 1.0, 2.0, -1.0], jnp.float32), shape=(6,)),
           [1, 2, 2, 2, 2, 1])
    _exact(random.choice(K0, 10, (4,)), [5, 1, 5, 7])
    _exact(random.choice(K0, jnp.arange(10) * 2, (4,), replace=False), [0, 2, 16, 10])
    _exact(random.choice(K0, 4, (6,), p=jnp.array([0.1, 0.2, 0.3, 0.4])), [2, 3, 0, 2, 2, 3])
    _exact(random.choice(K0, 4, (3,), replace=False, p=jnp.array([0.1, 0.2, 0.3, 0.4])), [2, 3, 1])


def test_other_distributions_match_jax():
    _ulps(random.gumbel(K0, (4,)),
          [0.13790565977540292, -0.4259929367942607, 3.344039105585023, 0.5901317576885231], 2)
    _ulps(random.truncated_normal(K0, -1.0, 2.0, (5,))[1:],
          [-0.4241902151456523, 1.6339202640360784, 0.32904270893046433, 0.23870541367554615], 8)
    _ulps(random.exponential(K0, (3,)), [0.5420705551711603, 0.24372318502372997,
                                         3.3616342594163338], 2)
    _ulps(random.laplace(K0, (3,)), [0.17803369470862349, 0.8379627799904482, -2.66848707885639], 2)
    _ulps(random.cauchy(K0, (3,)), [-0.2619295066536063, -1.2378460184296847, 9.142528431003585], 4)
    _exact(random.rademacher(K0, (6,)), [1, 1, -1, -1, -1, 1])


def test_x64_off_gives_jax_default_stream():
    fg.config.update("jax_enable_x64", False)
    try:
        u = random.uniform(K0, (3,))
        assert u.dtype == np.float32
        _exact(u, [0.9476670026779175, 0.9785798788070679, 0.33229148387908936])
        _exact(random.randint(random.split(K0)[1], (5,), 0, 10), [2, 2, 6, 5, 1], np.int32)
        _exact(random.bits(K0, (2,)), [4070199207, 4202968722], np.uint32)
        _exact(random.categorical(K0, jnp.array([0.1, 1.0, 2.0, -1.0]), shape=(6,)),
               [1, 2, 2, 2, 2, 1])
    finally:
        fg.config.update("jax_enable_x64", True)


# --------------------------------------------------------------------------- errors

def test_bad_keys_raise():
    with pytest.raises(TypeError, match="PRNG key"):
        random.normal(np.zeros(2), (3,))
    with pytest.raises(TypeError, match="vmap"):
        random.normal(random.split(K0, 3), (3,))
    with pytest.raises(ValueError, match="float dtype"):
        random.uniform(K0, (2,), jnp.int32)
    with pytest.raises(TypeError, match="seed must be an integer"):
        random.PRNGKey(1.5)


def test_multivariate_normal():
    cov = jnp.array([[2.0, 0.5], [0.5, 1.0]])
    # JAX (x64): multivariate_normal(PRNGKey(0), zeros(2), cov, (3,)); Cholesky and erf_inv
    # differ by ulps
    want = [[-0.291104745360006, -0.8068573524223356], [2.5683344029320905, 0.8177955853343485],
            [0.11436445412351144, -0.31948666111382057]]
    got = random.multivariate_normal(K0, jnp.zeros(2), cov, (3,))
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    x = np.asarray(random.multivariate_normal(K0, jnp.zeros(2), cov, (20000,)))
    np.testing.assert_allclose(np.cov(x.T), np.asarray(cov), atol=0.06)
    for method in ("eigh", "svd"):
        x = np.asarray(random.multivariate_normal(K0, jnp.ones(2), cov, (20000,), method=method))
        np.testing.assert_allclose(np.cov(x.T), np.asarray(cov), atol=0.06)
        np.testing.assert_allclose(x.mean(0), [1.0, 1.0], atol=0.05)
    vm = fg.vmap(lambda k: random.multivariate_normal(k, jnp.zeros(2), cov))(random.split(K0, 3))
    assert vm.shape == (3, 2)
    if not hasattr(jnp, "linalg"):
        with pytest.raises(NotImplementedError, match="linalg"):
            fg.jit(lambda c: random.multivariate_normal(K0, jnp.zeros(2), c))(cov)
