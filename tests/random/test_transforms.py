"""Random streams are bitwise identical eagerly, under jit and under vmap; moments check out."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import random

K0 = random.PRNGKey(0)
KEYS = random.split(random.PRNGKey(7), 4)

SAMPLERS = {
    "split": lambda k: random.split(k, 5),
    "fold_in": lambda k: random.fold_in(k, 77),
    "bits32": lambda k: random.bits(k, (64,), jnp.uint32),
    "bits64": lambda k: random.bits(k, (64,)),
    "uniform": lambda k: random.uniform(k, (64,)),
    "uniform_range": lambda k: random.uniform(k, (8, 8), minval=-2.0, maxval=3.0),
    "uniform32": lambda k: random.uniform(k, (64,), jnp.float32),
    "normal": lambda k: random.normal(k, (64,)),
    "normal32": lambda k: random.normal(k, (64,), jnp.float32),
    "truncated_normal": lambda k: random.truncated_normal(k, -1.0, 2.0, (64,)),
    "randint32": lambda k: random.randint(k, (64,), -5, 1000, jnp.int32),
    "randint8": lambda k: random.randint(k, (64,), 0, 256, jnp.uint8),
    "bernoulli": lambda k: random.bernoulli(k, 0.3, (64,)),
    "permutation": lambda k: random.permutation(k, jnp.arange(50.0)),
    "permutation2d": lambda k: random.permutation(k, jnp.arange(12.0).reshape(4, 3)),
    "categorical": lambda k: random.categorical(k, jnp.array([0.1, 1.0, 2.0, -1.0]), shape=(64,)),
    "choice": lambda k: random.choice(k, 10, (6,), replace=False),
    "choice_p": lambda k: random.choice(k, 4, (16,), p=jnp.array([0.1, 0.2, 0.3, 0.4])),
}

# Samplers that apply a logarithm after the uniform draw: the jit backend compiles ``log`` with
# its own math library, which may differ from NumPy's in the last bit (same uniforms underneath).
FLOAT_MATH = {
    "gumbel": lambda k: random.gumbel(k, (64,)),
    "exponential": lambda k: random.exponential(k, (64,)),
    "logistic": lambda k: random.logistic(k, (64,)),
    "laplace": lambda k: random.laplace(k, (64,)),
    "cauchy": lambda k: random.cauchy(k, (64,), dtype=np.float32),
    "lognormal": lambda k: random.lognormal(k, 0.5, (64,)),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_eager_jit_vmap_bitwise(name):
    f = SAMPLERS[name]
    eager = np.asarray(f(K0))
    np.testing.assert_array_equal(np.asarray(fg.jit(f)(K0)), eager)
    loop = np.stack([np.asarray(f(k)) for k in KEYS])
    np.testing.assert_array_equal(np.asarray(fg.vmap(f)(KEYS)), loop)
    np.testing.assert_array_equal(np.asarray(fg.jit(fg.vmap(f))(KEYS)), loop)
    # a key made inside the traced function (traced seed) gives the same stream
    np.testing.assert_array_equal(np.asarray(fg.jit(lambda s: f(random.PRNGKey(s)))(0)), eager)


def test_randint64_under_jit():
    """uint64 division and remainder under jit stay integers (rt.idiv takes a typed 1)."""
    f = lambda k: random.randint(k, (64,), -5, 1000)
    np.testing.assert_array_equal(np.asarray(fg.jit(f)(K0)), np.asarray(f(K0)))


def test_randint64_under_vmap():
    f = lambda k: random.randint(k, (64,), -5, 1000)
    np.testing.assert_array_equal(np.asarray(fg.vmap(f)(KEYS)),
                                  np.stack([np.asarray(f(k)) for k in KEYS]))


@pytest.mark.parametrize("name", sorted(FLOAT_MATH))
def test_log_based_samplers_under_jit(name):
    f = FLOAT_MATH[name]
    eager = np.asarray(f(K0))
    np.testing.assert_array_equal(np.asarray(fg.jit(f)(K0)), eager)   # bit for bit
    loop = np.stack([np.asarray(f(k)) for k in KEYS])
    np.testing.assert_array_equal(np.asarray(fg.vmap(f)(KEYS)), loop)


def test_vmap_over_fold_in_data_and_seeds():
    ks = fg.vmap(lambda i: random.fold_in(K0, i))(jnp.arange(5))
    np.testing.assert_array_equal(np.asarray(ks), np.stack([random.fold_in(K0, i) for i in range(5)]))
    seeds = fg.vmap(random.PRNGKey)(jnp.arange(3))
    np.testing.assert_array_equal(np.asarray(seeds), np.stack([random.PRNGKey(i) for i in range(3)]))


def test_vmap_key_in_axis_1():
    keys_t = jnp.transpose(KEYS)        # (2, 4): keys along axis 1
    got = fg.vmap(lambda k: random.normal(k, (3,)), in_axes=1)(keys_t)
    np.testing.assert_array_equal(np.asarray(got), np.stack([random.normal(k, (3,)) for k in KEYS]))


def test_grad_through_samplers():
    """Reparameterization: d/dmu sum(mu + sigma * eps) = n; d/dsigma = sum(eps)."""
    eps = random.normal(K0, (10,))

    def f(mu, sigma):
        return jnp.sum(mu + sigma * random.normal(K0, (10,)))

    g_mu, g_sigma = fg.grad(f, argnums=(0, 1))(0.5, 2.0)
    assert float(g_mu) == 10.0
    np.testing.assert_allclose(float(g_sigma), float(jnp.sum(eps)), rtol=1e-14)
    g = fg.grad(lambda hi: jnp.sum(random.uniform(K0, (5,), minval=0.0, maxval=hi)))(2.0)
    np.testing.assert_allclose(float(g), float(jnp.sum(random.uniform(K0, (5,)))), rtol=1e-14)
    g = fg.jit(fg.grad(f, argnums=1))(0.5, 2.0)
    np.testing.assert_allclose(float(g), float(jnp.sum(eps)), rtol=1e-14)


# --------------------------------------------------------------------------- moments

N = 200_000
KM = random.PRNGKey(123)


def _z(sample_mean, mean, var, n=N):
    return abs(sample_mean - mean) / np.sqrt(var / n)


def test_uniform_and_normal_moments():
    u = np.asarray(random.uniform(KM, (N,)))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert _z(u.mean(), 0.5, 1 / 12) < 5
    assert abs(u.var() - 1 / 12) < 0.002
    x = np.asarray(random.normal(KM, (N,)))
    assert _z(x.mean(), 0.0, 1.0) < 5 and abs(x.var() - 1.0) < 0.02
    assert abs(np.mean(x ** 3)) < 0.05 and abs(np.mean(x ** 4) - 3) < 0.1
    x = np.asarray(random.normal(KM, (N,), jnp.float32))
    assert _z(x.mean(), 0.0, 1.0) < 5 and abs(x.var() - 1.0) < 0.02


def test_truncated_normal_moments():
    from scipy import stats
    x = np.asarray(random.truncated_normal(KM, -1.0, 2.0, (N,)))
    assert x.min() > -1.0 and x.max() < 2.0
    ref = stats.truncnorm(-1.0, 2.0)
    assert _z(x.mean(), ref.mean(), ref.var()) < 5
    assert abs(x.var() - ref.var()) < 0.02


def test_discrete_moments():
    b = np.asarray(random.bernoulli(KM, 0.3, (N,)))
    assert _z(b.mean(), 0.3, 0.21) < 5
    r = np.asarray(random.randint(KM, (N,), 0, 10))
    assert r.min() == 0 and r.max() == 9
    counts = np.bincount(r, minlength=10)
    chi2 = np.sum((counts - N / 10) ** 2 / (N / 10))
    assert chi2 < 40          # 9 dof: p < 1e-5
    p = np.array([0.1, 0.2, 0.3, 0.4])
    c = np.asarray(random.categorical(KM, jnp.log(jnp.asarray(p)), shape=(N,)))
    np.testing.assert_allclose(np.bincount(c, minlength=4) / N, p, atol=0.006)
    c = np.asarray(random.choice(KM, 4, (N,), p=jnp.asarray(p)))
    np.testing.assert_allclose(np.bincount(c, minlength=4) / N, p, atol=0.006)
    perms = np.stack([np.asarray(random.permutation(k, 4)) for k in random.split(KM, 2000)])
    assert all(sorted(row) == [0, 1, 2, 3] for row in perms)
    first = np.bincount(perms[:, 0], minlength=4) / 2000
    np.testing.assert_allclose(first, 0.25, atol=0.05)


def test_gumbel_exponential_moments():
    g = np.asarray(random.gumbel(KM, (N,)))
    assert _z(g.mean(), np.euler_gamma, np.pi ** 2 / 6) < 5
    e = np.asarray(random.exponential(KM, (N,)))
    assert _z(e.mean(), 1.0, 1.0) < 5 and abs(e.var() - 1.0) < 0.05


def test_split_keys_are_independent():
    a, b = random.split(KM)
    x, y = np.asarray(random.normal(a, (N,))), np.asarray(random.normal(b, (N,)))
    assert abs(np.corrcoef(x, y)[0, 1]) < 5 / np.sqrt(N)
    assert not np.array_equal(x[:10], y[:10])


def test_remaining_distributions_moments():
    lap = np.asarray(random.laplace(KM, (N,)))
    assert _z(lap.mean(), 0.0, 2.0) < 5 and abs(lap.var() - 2.0) < 0.1
    logi = np.asarray(random.logistic(KM, (N,)))
    assert _z(logi.mean(), 0.0, np.pi ** 2 / 3) < 5 and abs(logi.var() - np.pi ** 2 / 3) < 0.1
    cau = np.asarray(random.cauchy(KM, (N,)))
    q1, q2, q3 = np.percentile(cau, [25, 50, 75])
    assert abs(q2) < 0.02 and abs(q1 + 1) < 0.03 and abs(q3 - 1) < 0.03
    rad = np.asarray(random.rademacher(KM, (N,)))
    assert set(np.unique(rad)) == {-1, 1} and _z(rad.mean(), 0.0, 1.0) < 5
    ln = np.asarray(random.lognormal(KM, 0.5, (N,)))
    assert _z(np.log(ln).mean(), 0.0, 0.25) < 5 and abs(np.log(ln).var() - 0.25) < 0.01
    for dt, nbits in ((jnp.uint32, 32), (jnp.uint64, 64), (jnp.uint8, 8)):
        b = np.asarray(random.bits(KM, (20000,), dt)).astype(np.uint64)
        ones = np.array([((b >> np.uint64(i)) & np.uint64(1)).mean() for i in range(nbits)])
        assert np.all(np.abs(ones - 0.5) < 5 * np.sqrt(0.25 / 20000)), (dt, ones)
