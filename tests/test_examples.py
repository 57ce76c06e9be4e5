"""The examples run end to end and reach their advertised results; the eager-grad benchmark compares
like with like."""
from __future__ import annotations

import importlib.util
import pathlib

import numpy as np

import funcgrad as fg

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _load(name: str, folder: pathlib.Path = EXAMPLES):
    spec = importlib.util.spec_from_file_location(f"{folder.name}_{name}", folder / f"{name}.py")
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


def test_bench_mlp_eager_gradients_match_hand_written_numpy():
    """The benchmark compares like with like: same loss, same gradients, all float32."""
    bench = _load("bench_mlp_eager", ROOT / "benchmarks")
    rng = np.random.default_rng(1)
    sizes = (12, 8, 8, 5)
    params = bench.init(rng, sizes)
    x = rng.standard_normal((6, sizes[0])).astype(np.float32)
    t = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], 6)]
    bench.check_agreement(params, x, t)
    med, best = bench.run(repeats=2, warmup=1, sizes=sizes, batch=6)
    assert set(med) == set(best) == {"funcgrad", "numpy"}


def test_rnn_scan_beats_the_repeat_last_value_baseline(capsys):
    rnn = _load("rnn_scan")
    mse = rnn.main(steps=150, log_every=50)
    out = capsys.readouterr().out
    baseline = float(out.split("repeat-last-value")[1].split()[0])
    assert "step   50  loss" in out
    assert mse < 0.5 * baseline
