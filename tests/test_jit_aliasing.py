"""jit outputs never share memory with the caller's inputs, the program's constants, or each
other (JAX returns new buffers): an in-place update by the caller cannot change a value funcgrad
already returned."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.tree_util import tree_leaves

W = np.arange(6.0).reshape(2, 3)
CONST = np.linspace(0.0, 1.0, 3)

PROGRAMS = {
    "identity": lambda w: w,
    "times-one": lambda w: w * 1.0,
    "reshape": lambda w: w.reshape(-1),
    "slice": lambda w: w[:1],
    "transpose": lambda w: w.T,
    "pair": lambda w: (w, w),
    "view-and-self": lambda w: (w.reshape(-1), w),
    "constant": lambda w: CONST,
    "frozen-layer-step": lambda w: {"frozen": w, "trained": w - 0.1 * jnp.tanh(w)},
    "float32-in": lambda w: w.astype(np.float64),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
@pytest.mark.parametrize("backend", ["numba", "python"])
def test_outputs_are_new_arrays(name, backend, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_BACKEND", backend)
    f = fg.jit(PROGRAMS[name])
    w = W.copy()
    outs = tree_leaves(f(w))
    for o in outs:
        assert not np.shares_memory(o, w), f"{name}: an output shares memory with the input"
        assert not np.shares_memory(o, CONST), f"{name}: an output shares memory with a constant"
    for i, a in enumerate(outs):
        for b in outs[i + 1:]:
            assert not np.shares_memory(a, b), f"{name}: two outputs share memory"
    before = [np.array(o) for o in outs]
    w += 1.0                                  # the caller updates its array in place
    for o, b in zip(outs, before):
        np.testing.assert_array_equal(o, b)
