import atexit
import os
import shutil
import tempfile

import numpy as np
import pytest

# One jit cache directory per test session (compiled kernels are shared by every test in it);
# set FUNCGRAD_CACHE_DIR yourself to reuse one across sessions.
if not os.environ.get("FUNCGRAD_CACHE_DIR"):
    _cache = tempfile.mkdtemp(prefix="funcgrad-test-cache-")
    os.environ["FUNCGRAD_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)

import funcgrad  # noqa: E402


@pytest.fixture(autouse=True)
def _reset_config():
    """Every test starts from the default configuration (x64 on)."""
    yield
    funcgrad.config.update("jax_enable_x64", True)


@pytest.fixture
def rng():
    return np.random.RandomState(0)
