"""Accuracy of every runtime math function under ``jit`` over the whole finite domain.

Inputs: both signs of every decade from 1e-300 to 1e300 (float64) or 1e-38 to 1e38 (float32),
several random mantissas each, the subnormals, ±0, ±inf and NaN. The reference is NumPy in long
double (``np.longdouble``: 64-bit mantissa here) rounded to the dtype; the error is measured in
ulp of the rounded reference. The worst errors are listed in docs/jit.md ("Guarantees").
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp

LD = np.longdouble
FUNCS = {   # name: (funcgrad function, reference on long doubles, max ulp allowed)
    "exp": (jnp.exp, np.exp, 2.0),
    "log": (jnp.log, np.log, 2.0),
    "log1p": (jnp.log1p, np.log1p, 3.0),
    "expm1": (jnp.expm1, np.expm1, 3.0),
    "tanh": (jnp.tanh, np.tanh, 2.0),
    "logistic": (fg.nn.sigmoid, lambda x: 1 / (1 + np.exp(-x)), 3.0),
    "sin": (jnp.sin, np.sin, 2.0),
    "cos": (jnp.cos, np.cos, 2.0),
}


def whole_domain(dt, per_decade=16, seed=0):
    """Both signs of every decade of ``dt``'s normal range, subnormals and special values."""
    fi = np.finfo(dt)
    top = int(np.floor(np.log10(fi.max)))
    lo = -top
    rng = np.random.default_rng(seed)
    mant = rng.uniform(1.0, 10.0, (2 * top + 1, per_decade))
    with np.errstate(over="ignore"):
        mags = (mant * 10.0 ** np.arange(lo, top + 1)[:, None]).ravel()
    mags = mags[mags < fi.max].astype(dt)
    sub = (rng.uniform(0, 1, 64) * fi.tiny).astype(dt)
    special = np.array([0.0, fi.smallest_subnormal, fi.tiny, fi.max, 1.0, 0.5, 2.0, np.pi,
                        np.pi / 2, np.pi / 4, 88.72, 709.78, 1e20, 1e15, 1e16], np.float64)
    special = special[np.abs(special) <= fi.max].astype(dt)
    x = np.concatenate([mags, sub, special])
    return np.concatenate([x, -x, np.array([np.inf, -np.inf, np.nan], dt)])


def ulp_errors(got, want_ld, dt):
    """|got - want| in ulp of want rounded to dt (finite, non-overflowing references only)."""
    with np.errstate(all="ignore"):
        want = want_ld.astype(dt)
    ok = np.isfinite(want)
    spacing = np.maximum(np.spacing(np.abs(want[ok])), np.finfo(dt).smallest_subnormal).astype(LD)
    err = np.zeros(got.shape, LD)
    err[ok] = np.abs(got[ok].astype(LD) - want_ld[ok]) / spacing
    return err


def max_ulp(name, dt):
    """(max ulp error, worst input) of runtime function ``name`` over ``whole_domain(dt)``."""
    fn, ref, _ = FUNCS[name]
    x = whole_domain(dt)
    got = np.asarray(fg.jit(fn)(x))
    assert got.dtype == dt
    with np.errstate(all="ignore"):
        want = ref(x.astype(LD))
        want_dt = want.astype(dt)
    # Special values exactly as NumPy: NaN where NumPy gives NaN, same infinities, same zeros' sign
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want_dt), err_msg=f"{name}: NaN positions")
    inf = np.isinf(want_dt)
    np.testing.assert_array_equal(got[inf], want_dt[inf], err_msg=f"{name}: infinities")
    err = ulp_errors(got, want, dt)
    i = int(np.argmax(err))
    return float(err[i]), x[i]


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(FUNCS))
def test_whole_domain_ulp(name, dt):
    err, worst = max_ulp(name, dt)
    assert err <= FUNCS[name][2], f"{name}[{np.dtype(dt).name}]: {err:.2f} ulp at x={worst!r}"


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
def test_large_arguments_of_sin_cos(dt):
    """The issue's example: jit(sin)(1e20) was -3.7e27; and float32 left [-1, 1] from 1e16."""
    x = np.array([1e20, -1e20, 1e16, 1e15, 3e38, 1e6, 2e6, 12345678.0], dt)
    for f, ref in ((jnp.sin, np.sin), (jnp.cos, np.cos)):
        got = np.asarray(fg.jit(f)(x))
        want = ref(x.astype(LD)).astype(dt)
        np.testing.assert_allclose(got, want, rtol=4 * np.finfo(dt).eps, atol=np.finfo(dt).eps)


def test_sin_and_cos_of_one_value_share_the_exact_reduction():
    """``sin(x) * 3 + cos(x)`` fuses to ``rt.sincos``; large arguments stay exact there too."""
    x = np.array([1e20, 3.0, -7e30, 1e300, 5e-324])
    got = np.asarray(fg.jit(lambda v: jnp.sin(v) * 3 + jnp.cos(v))(x))
    want = (np.sin(x.astype(LD)) * 3 + np.cos(x.astype(LD))).astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
def test_pow_over_the_whole_domain(dt):
    """``x ** y`` (libm's pow, with the afn flag forbidden) against NumPy, every decade of x."""
    x = np.abs(whole_domain(dt, per_decade=2))
    for y in (0.5, -0.5, 2.0, 3.0, -1.0, 0.0, 1.0 / 3.0, 7.5, -2.5):
        yd = LD(dt(y))          # the exponent as the kernel sees it (a weak scalar of x's dtype)
        with np.errstate(all="ignore"):
            want = np.power(x.astype(LD), yd).astype(dt)
        got = np.asarray(fg.jit(lambda v: v ** y)(x))
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"y={y}")
        fin = np.isfinite(want)
        np.testing.assert_array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)])
        with np.errstate(all="ignore"):
            err = ulp_errors(got, np.power(x.astype(LD), yd), dt)
        assert err.max() <= 2.0, f"pow y={y}: {err.max():.2f} ulp at x={x[np.argmax(err)]!r}"


if __name__ == "__main__":      # the table in docs/jit.md
    for name in FUNCS:
        row = [f"{max_ulp(name, dt)[0]:.2f}" for dt in (np.float32, np.float64)]
        print(f"| {name} | {' | '.join(row)} |")
