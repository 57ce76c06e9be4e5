"""Dtype promotion: NumPy's rules with Python scalars weak, the same eagerly and traced; weak
types in the IR; ``jax_enable_x64`` off gives JAX's 32-bit defaults."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp

from .checks import F32, F64, I32, I64, check_traced

# (x, y, expected dtype of x + y): arrays are strong, Python scalars weak
PROMOTIONS = [
    (np.ones(2, np.float32), 2.0, F32), (np.ones(2, np.float32), 2, F32),
    (np.ones(2, np.float32), np.ones(2, np.float64), F64), (np.ones(2, np.float32), np.float64(2), F64),
    (np.ones(2, np.int32), 2, I32), (np.ones(2, np.int32), 2.0, F64), (np.ones(2, np.int8), 1, np.int8),
    (np.ones(2, np.uint8), np.ones(2, np.int8), np.int16), (np.ones(2, bool), 1, I64),
    (np.ones(2, bool), 1.0, F64), (np.ones(2, bool), True, np.bool_),
    (np.ones(2, np.float16), 1.0, np.float16),
    (np.ones(2, np.int32), np.ones(2, np.float32), F64), (np.ones(2, np.int16), np.ones(2, np.float32), F32),
    (1, 2.0, F64), (1, 2, I64), (True, 2, I64), (np.float32(1), 2.0, F32),
]


@pytest.mark.parametrize("x,y,want", PROMOTIONS, ids=lambda v: repr(v)[:30])
def test_promotion_eager_and_traced(x, y, want):
    assert jnp.result_type(x, y) == want
    assert jnp.add(x, y).dtype == want and jnp.multiply(y, x).dtype == want
    for f in (jnp.add, jnp.subtract, jnp.maximum, lambda a, b: jnp.where(True, a, b)):
        if f is jnp.subtract and want == np.bool_:
            continue                                        # NumPy refuses boolean subtract
        closed = check_traced(f, x, y)                      # both traced; scalars weak tracers
        assert closed.out_avals[0].dtype == want
        assert fg.make_jaxpr(lambda a: f(a, y))(x).out_avals[0].dtype == want
        assert fg.make_jaxpr(lambda b: f(x, b))(y).out_avals[0].dtype == want


def test_weak_types_in_the_ir():
    closed = fg.make_jaxpr(lambda a, b: (a * 2, a * b, b * 2.0))(1.0, np.float32(3))
    w1, w2, w3 = closed.out_avals
    assert w1.weak_type and w1.dtype == F64
    assert not w2.weak_type and w2.dtype == F32               # weak f64 * strong f32 -> f32
    assert not w3.weak_type and w3.dtype == F32
    # a value derived only from Python scalars stays weak: float32 survives it
    closed = fg.make_jaxpr(lambda s, x: x * jnp.sin(s) + jnp.sum(s * 2))(0.5, np.ones(3, np.float32))
    assert closed.out_avals[0].dtype == F32
    check_traced(lambda s, x: x * jnp.sin(s) + jnp.sum(s * 2), 0.5, np.ones(3, np.float32))
    assert fg.make_jaxpr(lambda s: s * 2)(1.0).out_avals[0].weak_type
    # recorded (grad) and jvp values keep the weak type too
    g = fg.grad(lambda s, x: jnp.sum(x * jnp.sin(s)) * jnp.exp(s), argnums=1)(0.5, np.ones(3, np.float32))
    assert g.dtype == F32
    assert fg.jvp(lambda s: jnp.ones(2, np.float32) * jnp.cos(s), (0.5,), (1.0,))[1].dtype == F32


def test_inexact_promotion_follows_numpy_per_function():
    """int8 -> float16 for sqrt, but float64 for true_divide: NumPy's loop tables, not one rule."""
    i8 = np.arange(1, 4, dtype=np.int8)
    for name in ("sqrt", "sin", "exp"):
        assert getattr(jnp, name)(i8).dtype == np.float16
        check_traced(getattr(jnp, name), i8, rtol=2e-3)
    assert jnp.divide(i8, i8).dtype == F64
    check_traced(jnp.divide, i8, i8)
    assert jnp.arctan2(i8, i8).dtype == np.float16
    check_traced(jnp.arctan2, i8, i8, rtol=2e-3)
    for name in ("floor", "ceil", "trunc"):                  # identity on integers (NumPy 2)
        assert getattr(jnp, name)(i8).dtype == np.floor(i8).dtype
        check_traced(getattr(jnp, name), i8)


def test_float32_stays_float32_through_a_model():
    rng = np.random.RandomState(0)
    w, x = rng.randn(3, 4).astype(np.float32), rng.randn(5, 3).astype(np.float32)

    def loss(w):
        h = jnp.tanh(x @ w) * 0.5 + 1
        return jnp.mean((h - 2) ** 2) + 1e-3 * jnp.sum(w ** 2)

    assert loss(w).dtype == F32
    assert fg.grad(loss)(w).dtype == F32
    assert fg.make_jaxpr(fg.grad(loss))(w).out_avals[0].dtype == F32


def test_x64_disabled():
    fg.config.update("jax_enable_x64", False)
    assert jnp.array(1.0).dtype == F32 and jnp.array(1).dtype == I32 and jnp.arange(3).dtype == I32
    assert jnp.zeros(2).dtype == F32 and jnp.ones(2, dtype=np.float64).dtype == F32
    assert jnp.asarray(np.ones(2)).dtype == F32 and jnp.asarray(np.arange(2)).dtype == I32
    assert jnp.result_type(np.ones(2, np.int32), 2.0) == F32
    assert jnp.add(np.ones(2, np.int32), 2.0).dtype == F32
    assert jnp.sum(np.ones(3, np.int32)).dtype == I32 and jnp.mean(np.ones(3, np.int32)).dtype == F32
    assert jnp.argmax(np.ones(3)).dtype == I32
    x32, i32 = jnp.ones((2, 3)), jnp.arange(6).reshape(2, 3)      # Arrays: eager ops are funcgrad's
    assert x32.dtype == F32 and i32.dtype == I32
    for f in (lambda a, b: a * 2.0 + b, lambda a, b: jnp.sum(b) / 2, lambda a, b: jnp.mean(b, 0),
              lambda a, b: a @ b.T, lambda a, b: jnp.sqrt(b), lambda a, b: jnp.var(b, 1),
              lambda a, b: jnp.where(b > 2, a, 0.0)):
        closed = check_traced(f, x32, i32)
        assert closed.out_avals[0].dtype in (F32, I32), closed
    assert fg.make_jaxpr(lambda s: s * 2)(1.0).out_avals[0].dtype == F32
    assert fg.grad(lambda s: s * 2.0)(1.0).dtype == F32
    fg.config.update("jax_enable_x64", True)
    assert jnp.array(1.0).dtype == F64


def test_canonicalize_and_public_dtype_helpers():
    assert jnp.canonicalize_dtype(np.float64) == F64
    fg.config.update("jax_enable_x64", False)
    assert jnp.canonicalize_dtype(np.float64) == F32 and jnp.canonicalize_dtype(np.int64) == I32
    assert jnp.canonicalize_dtype(np.int8) == np.int8
    assert jnp.issubdtype(jnp.float32, jnp.floating) and jnp.promote_types(jnp.int8, jnp.uint8) == np.int16
