"""Special values under jit are NumPy's: 1/sqrt and rsqrt at 0, -0 and inf, division by
subnormals, integer division at MIN // -1 and with mixed signs, complex constants."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.lax as lax
import funcgrad.numpy as jnp

SPECIAL = [0.0, -0.0, np.inf, 4.0, 0.25, np.nan]


def assert_same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
def test_reciprocal_square_roots_at_zero_and_infinity(dt):
    x = np.array(SPECIAL, dt)
    with np.errstate(divide="ignore"):
        want = dt(1) / np.sqrt(x)                  # inf, -inf, 0, 0.5, 2, nan
    assert_same(fg.jit(lambda v: 1 / jnp.sqrt(v))(x), want)
    assert_same(fg.jit(lax.rsqrt)(x), want)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
def test_grad_of_sqrt_at_zero_and_infinity(dt):
    x = np.array(SPECIAL, dt)
    with np.errstate(divide="ignore"):
        want = dt(0.5) / np.sqrt(x)
    assert_same(fg.jit(fg.vmap(fg.grad(jnp.sqrt)))(x), want)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
def test_division_by_a_subnormal(dt):
    s = np.array([np.finfo(dt).smallest_subnormal * 3], dt)
    z = np.zeros(4, dt)
    with np.errstate(all="ignore"):
        assert_same(fg.jit(lambda a, b: a / b)(z, s), z / s)      # 0, not nan
        assert_same(fg.jit(lambda a: a / a)(s), s / s)            # 1, not inf
        assert_same(fg.jit(lambda a, b: b / a)(s, np.ones(2, dt)), np.ones(2, dt) / s)


def _trunc_div(a, b, dt):
    """C division of Python ints (0 for b == 0), wrapped to dt."""
    info = np.iinfo(dt)
    out = []
    for x, y in zip(a.tolist(), b.tolist()):
        q = 0 if y == 0 else abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
        out.append((q - info.min) % (info.max - info.min + 1) + info.min)
    return np.array(out, dt)


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.int8, np.uint8])
def test_integer_division_corner_cases(dt, rng):
    info = np.iinfo(dt)
    signed = info.min < 0
    a = np.array([info.min, info.min, info.max, 7, 7, 0, 5] + ([-7, -7, 7, -5] if signed else []), dt)
    b = np.array([-1 if signed else 1, 1, 2, 0, 3, 0, 5] + ([2, -2, -2, -1] if signed else []), dt)
    ra = rng.randint(info.min, int(info.max) + 1, 200, dtype=np.int64).astype(dt)
    rb = rng.randint(info.min, int(info.max) + 1, 200, dtype=np.int64).astype(dt)
    a, b = np.concatenate([a, ra]), np.concatenate([b, rb])
    with np.errstate(all="ignore"):
        floor_q, floor_r = a // b, a % b       # NumPy: MIN // -1 == MIN, x // 0 == 0
        assert_same(fg.jit(lambda x, y: x // y)(a, b), floor_q)
        assert_same(fg.jit(lambda x, y: x % y)(a, b), floor_r)
        want = _trunc_div(a, b, dt)
        assert_same(fg.jit(lax.div)(a, b), want)
        assert_same(lax.div(a, b), want)
        assert_same(fg.jit(lax.rem)(a, b), np.asarray(lax.rem(a, b)))


def test_int64_min_floor_divided_by_minus_one():
    """The issue's case: 0 under jit, INT64_MIN in NumPy."""
    m = np.array([np.iinfo(np.int64).min], np.int64)
    with np.errstate(over="ignore"):
        assert_same(fg.jit(lambda x: x // -1)(m), m // -1)
    assert_same(fg.jit(lambda x: x % -1)(m), m % -1)


def test_complex_constants_under_jit():
    """A complex literal was ``TypeError: no scalar literal for dtype complex128``; jit is
    real-only, so it is now the clear error of ``tests/core/test_complex.py``."""
    z = np.array([1 + 2j, 3j])
    with pytest.raises(TypeError, match="complex numbers are not supported.*complex128"):
        fg.jit(lambda v: v * (2 + 1j))(z)
    with pytest.raises(TypeError, match="complex numbers are not supported.*complex128"):
        fg.jit(lambda v: v * 2)(1j)
    with pytest.raises(TypeError, match="complex numbers are not supported.*complex64"):
        fg.jit(lambda v: v * (2 - 1j))(z.astype(np.complex64))
