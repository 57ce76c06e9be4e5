import numpy as np
import pytest

import funcgrad


@pytest.fixture(autouse=True)
def _reset_config():
    """Every test starts from the default configuration (x64 on)."""
    yield
    funcgrad.config.update("jax_enable_x64", True)


@pytest.fixture
def rng():
    return np.random.RandomState(0)
