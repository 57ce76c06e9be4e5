"""Tracing: eager fast path, staging, concretization and leaked-tracer errors, eval_jaxpr."""
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.trace import EVAL, current_trace, eval_jaxpr

THIS = __file__


def test_eager_results_are_arrays_and_zero_copy():
    x = jnp.sin(np.arange(3.0))
    assert isinstance(x, fg.Array) and isinstance(x, np.ndarray)
    assert np.shares_memory(np.asarray(x), x)
    assert type(np.asarray(x)) is np.ndarray
    with pytest.raises(TypeError, match=r"x = x.at\[idx\].set\(y\)"):
        x[0] = 1.0


def test_branch_on_staged_value_names_the_fix_and_line():
    def f(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(fg.ConcretizationError) as e:
        fg.make_jaxpr(f)(1.0)
    msg = str(e.value)
    assert "lax.cond" in msg and "lax.while_loop" in msg and "static_argnums" in msg
    assert f"{THIS}:" in msg
    assert isinstance(e.value, fg.TracerBoolConversionError)


def test_int_of_staged_value():
    with pytest.raises(fg.TracerIntegerConversionError):
        fg.make_jaxpr(lambda n: jnp.zeros(int(n)))(3)


def test_branch_under_vmap_names_vmap():
    with pytest.raises(fg.ConcretizationError, match="vmap"):
        fg.vmap(lambda x: x if x > 0 else -x)(jnp.ones(3))


def test_numpy_calls_on_tracers_are_traced():
    """np.sin(tracer), ndarray + tracer and np.sum(tracer) dispatch to funcgrad.numpy."""
    g = fg.grad(lambda x: np.sum(np.sin(x) * np.arange(3.0) + np.ones(3) / x))(jnp.ones(3))
    np.testing.assert_allclose(g, np.cos(1.0) * np.arange(3.0) - 1.0)


def test_numpy_function_without_funcgrad_equivalent_explains():
    with pytest.raises(fg.ConcretizationError, match="funcgrad.numpy"):
        fg.grad(lambda x: np.linalg.norm(x))(jnp.ones(3))


def test_leaked_tracer():
    saved = []

    def f(x):
        saved.append(x)
        return x * 2.0

    fg.make_jaxpr(f)(1.0)
    with pytest.raises(fg.UnexpectedTracerError, match="leaked"):
        jnp.sin(saved[0])
    saved.clear()
    fg.grad(f)(1.0)
    with pytest.raises(fg.UnexpectedTracerError, match="`vjp` transform that has already returned"):
        saved[0] + 1.0


def test_trace_is_restored_after_errors():
    with pytest.raises(ZeroDivisionError):
        fg.grad(lambda x: 1 / 0)(1.0)
    assert current_trace() is EVAL


def test_shape_error_in_staged_op_names_user_line():
    with pytest.raises(ValueError) as e:
        fg.make_jaxpr(lambda x, y: fg.lax.add(x, y))(jnp.ones(3), jnp.ones(4))
    assert "(3,)" in str(e.value) or "f64[3]" in str(e.value)
    assert f"{THIS}:" in str(e.value)


def test_eval_jaxpr_reruns_and_rerecords():
    closed = fg.make_jaxpr(lambda x: jnp.sum(jnp.tanh(x) * 3.0))(jnp.ones(4))
    x = np.linspace(-1, 1, 4)
    (y,) = eval_jaxpr(closed.jaxpr, closed.consts, [x])
    assert np.isclose(y, np.sum(np.tanh(x) * 3.0))
    g = fg.grad(lambda x: eval_jaxpr(closed.jaxpr, closed.consts, [x])[0])(x)
    np.testing.assert_allclose(g, 3 * (1 - np.tanh(x) ** 2))


def test_import_does_not_pull_numba_or_scipy():
    import subprocess
    code = "import sys, funcgrad, funcgrad.numpy; print('numba' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
