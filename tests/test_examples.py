"""The examples run end to end and reach their advertised results."""
from __future__ import annotations

import importlib.util
import pathlib

import numpy as np

import funcgrad as fg

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mlp_digits_reaches_95_percent(capsys):
    mlp = _load("mlp_digits")
    acc = mlp.main()                       # the full default run (about 3 s)
    assert acc >= 0.95
    out = capsys.readouterr().out
    assert "epoch   1" in out and f"final test accuracy: {acc:.4f}" in out


def test_mlp_digits_train_step_is_float32_and_decreases_loss():
    mlp = _load("mlp_digits")
    (x, y), _ = mlp.load_data()
    params = mlp.init_params(mlp.LAYER_SIZES, np.random.default_rng(0))
    batch = (x[:64], y[:64])
    first = None
    for _ in range(5):
        params, value = mlp.train_step(params, batch)
        first = value if first is None else first
    assert value.dtype == np.float32 and value < first
    for leaf in fg.tree_util.tree_leaves(params):
        assert isinstance(leaf, fg.Array) and leaf.dtype == np.float32
