"""Property-based checks of ``funcgrad.numpy.linalg`` over random batch shapes (including size 0
and 1) and matrix sizes: eager and traced (``jit``) values equal NumPy's, and ``solve``
broadcasts batch dims as NumPy does. The default run draws a few examples; ``-m slow`` more."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import funcgrad as fg
import funcgrad.numpy as jnp

SHORT = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

batch_shapes = st.lists(st.integers(0, 3), min_size=0, max_size=2).map(tuple)


def _well_conditioned(rng, batch, n):
    return 0.3 * rng.standard_normal(batch + (n, n)) + 2.0 * np.eye(n)


def _spd(rng, batch, n):
    x = rng.standard_normal(batch + (n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


FUNCS = {
    "inv": (jnp.linalg.inv, np.linalg.inv, _well_conditioned),
    "det": (jnp.linalg.det, np.linalg.det, _well_conditioned),
    "slogdet": (lambda a: jnp.linalg.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], _well_conditioned),
    "cholesky": (jnp.linalg.cholesky, np.linalg.cholesky, _spd),
    "eigvalsh": (jnp.linalg.eigvalsh, np.linalg.eigvalsh, _spd),
    "svdvals": (jnp.linalg.svdvals, np.linalg.svdvals, _well_conditioned),
    "qr-r-abs": (lambda a: jnp.abs(jnp.linalg.qr(a)[1]), lambda a: np.abs(np.linalg.qr(a)[1]), _well_conditioned),
    "pinv": (jnp.linalg.pinv, np.linalg.pinv, _well_conditioned),
}


def _check(name, batch, n, seed):
    fg_fn, np_fn, make = FUNCS[name]
    a = make(np.random.RandomState(seed), batch, n)
    want = np_fn(a)
    np.testing.assert_allclose(np.asarray(fg_fn(a)), want, rtol=1e-9, atol=1e-10, err_msg="eager")
    got = fg.jit(fg_fn)(a)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9, atol=1e-10, err_msg="jit")


@pytest.fixture(autouse=True)
def python_backend(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_BACKEND", "python")   # many shapes: no Numba compile per shape


@pytest.mark.parametrize("name", sorted(FUNCS))
@SHORT
@given(batch=batch_shapes, n=st.integers(0, 4), seed=st.integers(0, 2**16))
def test_values_over_shapes(name, batch, n, seed):
    _check(name, batch, n, seed)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FUNCS))
@LONG
@given(batch=batch_shapes, n=st.integers(0, 5), seed=st.integers(0, 2**16))
def test_values_over_shapes_long(name, batch, n, seed):
    _check(name, batch, n, seed)


@SHORT
@given(batch_a=batch_shapes, batch_b=batch_shapes, n=st.integers(1, 3), k=st.integers(0, 2),
       vector=st.booleans(), seed=st.integers(0, 2**16))
def test_solve_broadcasts_like_numpy(batch_a, batch_b, n, k, vector, seed):
    rng = np.random.RandomState(seed)
    a = _well_conditioned(rng, batch_a, n)
    b = rng.standard_normal((n,) if vector else batch_b + (n, k))
    try:
        want = np.linalg.solve(a, b)
    except ValueError:
        with pytest.raises(Exception, match="broadcast"):
            fg.jit(jnp.linalg.solve)(a, b)
        return
    np.testing.assert_allclose(np.asarray(jnp.linalg.solve(a, b)), want, rtol=1e-9, atol=1e-10)
    got = fg.jit(jnp.linalg.solve)(a, b)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-9, atol=1e-10)
