"""Error bounds of the runtime library's vectorizable exp/log/tanh/logistic/log1p/expm1/sin/cos.

Each is compiled through ``jit`` (the real kernel flags) and compared with a long-double
reference on dense samples of its range, including the subnormal and overflow edges; the
special values (inf, nan, 0, overflow, underflow) must match NumPy.
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp

LD = np.longdouble
FUNCS = {
    "exp": (jnp.exp, np.exp, 2.0),
    "log": (jnp.log, np.log, 2.0),
    "tanh": (jnp.tanh, np.tanh, 2.0),
    "logistic": (fg.nn.sigmoid, lambda x: 1 / (1 + np.exp(-x)), 3.0),
    "log1p": (jnp.log1p, np.log1p, 3.0),
    "expm1": (jnp.expm1, np.expm1, 3.0),
    "sin": (jnp.sin, np.sin, 2.5),   # 1.5 ulp in float32
    "cos": (jnp.cos, np.cos, 2.5),
}


def _samples(name, dt, rng):
    f32 = dt == np.float32
    if name == "exp":
        parts = [rng.uniform(-104 if f32 else -745, 89 if f32 else 710, 200_000),
                 rng.uniform(-104 if f32 else -745, -87 if f32 else -707, 20_000),  # subnormal out
                 rng.uniform(-1, 1, 50_000)]
    elif name == "log":
        parts = [np.exp(rng.uniform(-100 if f32 else -740, 88 if f32 else 709, 200_000)),
                 rng.uniform(0.5, 2.0, 50_000),
                 rng.uniform(0, np.finfo(dt).tiny, 5_000)]                            # subnormal in
    elif name in ("sin", "cos"):     # Cody-Waite below 8.2e5, libm beyond (see runtime.py)
        parts = [rng.uniform(-10, 10, 100_000), rng.uniform(-1e6, 1e6, 100_000),
                 rng.uniform(-1e-3, 1e-3, 10_000),
                 np.exp(rng.uniform(13, 87 if f32 else 700, 20_000)) * rng.choice([-1, 1], 20_000)]
    elif name == "log1p":
        parts = [rng.uniform(-1, 1, 100_000), np.exp(rng.uniform(-30, 30, 100_000)),
                 -np.exp(rng.uniform(-30, 0, 50_000)), rng.uniform(-1e-6, 1e-6, 10_000)]
    else:
        parts = [rng.uniform(-20, 20, 100_000), rng.uniform(-1, 1, 100_000),
                 rng.uniform(-1e-3, 1e-3, 10_000), rng.uniform(-100, 100, 10_000)]
    return np.concatenate(parts).astype(dt)


def _ulp_error(got, ref_ld, dt):
    with np.errstate(all="ignore"):
        ref = ref_ld.astype(dt)
    overflow = ~np.isfinite(ref) & np.isfinite(ref_ld)
    assert np.array_equal(got[overflow], ref[overflow]), "overflow must give inf like the reference"
    ok = np.isfinite(ref_ld) & ~overflow
    spacing = np.maximum(np.spacing(np.abs(ref[ok])), np.finfo(dt).smallest_subnormal).astype(LD)
    return np.abs(got[ok].astype(LD) - ref_ld[ok]) / spacing


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(FUNCS))
def test_max_ulp_error(name, dt, rng):
    fn, ref, bound = FUNCS[name]
    x = _samples(name, dt, rng)
    got = np.asarray(fg.jit(fn)(x))
    assert got.dtype == dt
    with np.errstate(all="ignore"):
        want = ref(x.astype(LD))
    err = _ulp_error(got, want, dt)
    worst = int(np.argmax(err))
    assert err.max() <= bound, (f"{name}[{np.dtype(dt).name}]: {err.max():.2f} ulp at "
                                f"x={x[np.isfinite(want)][worst]!r}")


@pytest.mark.parametrize("dt", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(FUNCS))
def test_special_values(name, dt):
    fn, ref, _ = FUNCS[name]
    fi = np.finfo(dt)
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, -2.0, fi.max, -fi.max, fi.tiny,
                  fi.smallest_subnormal, 50.0, -50.0, 800.0, -800.0], dt)
    got = np.asarray(fg.jit(fn)(x))
    with np.errstate(all="ignore"):
        want = np.asarray(ref(x.astype(np.float64))).astype(dt)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=4 * fi.eps, atol=0)
