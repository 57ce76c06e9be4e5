"""``jax_debug_nans``: the first NaN raises FloatingPointError naming the operation and the
user's line — eagerly (funcgrad.numpy and lax), under grad, and under jit (found by re-running
the program one equation at a time)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp


@pytest.fixture
def debug_nans():
    fg.config.update("jax_debug_nans", True)
    try:
        yield
    finally:
        fg.config.update("jax_debug_nans", False)


def _raises(fn, what):
    with pytest.raises(FloatingPointError) as info, np.errstate(invalid="ignore"):
        fn()
    msg = str(info.value)
    assert f"encountered in {what}" in msg, msg
    assert "test_debug_nans.py:" in msg, msg       # the user's line


def test_eager_numpy(debug_nans):
    _raises(lambda: jnp.log(jnp.array([1.0, -1.0])), "jnp.log")
    _raises(lambda: jnp.sqrt(-1.0), "jnp.sqrt")


def test_eager_lax_and_grad(debug_nans):
    _raises(lambda: fg.lax.log(jnp.array([-1.0])), "log")
    _raises(lambda: fg.grad(lambda x: jnp.sum(jnp.log(x)))(jnp.array([-1.0, 2.0])), "log")


def test_jit_names_the_equation(debug_nans):
    def f(x):
        return jnp.sum(jnp.log(x) * 2.0)
    _raises(lambda: fg.jit(f)(jnp.array([-1.0, 1.0])), "log")
    # a nested jit's program is entered: the message names the innermost equation
    _raises(lambda: fg.jit(lambda x: fg.jit(f)(x) + 1.0)(jnp.array([-1.0])), "log")


def test_no_nan_no_error(debug_nans):
    f = fg.jit(lambda x: jnp.sqrt(x) * 2.0)
    np.testing.assert_allclose(f(jnp.array([4.0, 0.0])), [4.0, 0.0])
    assert float(jnp.log(1.0)) == 0.0


def test_off_by_default():
    assert not fg.config.jax_debug_nans
    with np.errstate(invalid="ignore"):
        assert np.isnan(fg.jit(jnp.log)(jnp.array([-1.0]))[0])
        assert np.isnan(jnp.log(-1.0))
