"""The dtype policy switch: NumPy's rules by default (float64, int64), JAX's 32-bit defaults with
``funcgrad.config.update("jax_enable_x64", False)`` or ``JAX_ENABLE_X64=0`` in the environment."""
import os
import subprocess
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.scipy import special

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("value", ["0", "False"])
def test_env_var_turns_x64_off(value):
    code = ("import funcgrad, funcgrad.numpy as jnp; "
            "print(funcgrad.config.jax_enable_x64, jnp.ones(2).dtype, jnp.arange(3).dtype, "
            "jnp.sort(jnp.array([2.0, 1.0])).dtype, jnp.argsort(jnp.array([2.0, 1.0])).dtype)")
    env = dict(os.environ, JAX_ENABLE_X64=value, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["False", "float32", "int32", "float32", "int32"]


def test_env_var_default_is_numpy_rules():
    code = "import funcgrad.numpy as jnp; print(jnp.ones(2).dtype, jnp.cumsum(jnp.arange(3)).dtype)"
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    env["PYTHONPATH"] = ROOT
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["float64", "int64"]


CASES = [
    ("cumsum", lambda x: jnp.cumsum(x.astype(np.int16))),
    ("sort", lambda x: jnp.sort(x)),
    ("argsort", lambda x: jnp.argsort(x)),
    ("searchsorted", lambda x: jnp.searchsorted(jnp.sort(x), x)),
    ("quantile", lambda x: jnp.quantile(x, 0.3)),
    ("median_int", lambda x: jnp.median(x.astype(np.int32))),
    ("unique", lambda x: jnp.unique(x, size=3)),
    ("diff", lambda x: jnp.diff(x)),
    ("interp", lambda x: jnp.interp(x, np.array([0.0, 1.0]), np.array([1.0, 2.0]))),
    ("logsumexp", lambda x: special.logsumexp(x)),
    ("gammaln_int", lambda x: special.gammaln(np.arange(1, 4))),
]


@pytest.mark.parametrize("name,f", CASES, ids=[c[0] for c in CASES])
def test_x64_off_gives_32_bit_results_eager_and_traced(name, f, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_BACKEND", "python")      # dtypes only: no Numba compile needed
    fg.config.update("jax_enable_x64", False)
    x = np.array([0.5, -1.0, 2.0, 0.25])          # float64 arguments run as float32 under jit
    eager = f(x)
    assert eager.dtype.itemsize <= 4, eager.dtype
    traced = fg.jit(f)(x)
    assert traced.dtype == eager.dtype
    np.testing.assert_allclose(np.asarray(traced), np.asarray(eager), rtol=1e-6)


def test_jit_converts_64_bit_arguments_with_x64_off():
    fg.config.update("jax_enable_x64", False)
    f = fg.jit(lambda x, i: (x * 2, i + 1))
    for _ in range(2):                                   # the second call takes the fast path
        y, j = f(np.ones(3), np.arange(3))
        assert (y.dtype, j.dtype) == (np.float32, np.int32)
    fg.config.update("jax_enable_x64", True)
    y, j = f(np.ones(3), np.arange(3))
    assert (y.dtype, j.dtype) == (np.float64, np.int64)
