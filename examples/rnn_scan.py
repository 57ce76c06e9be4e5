"""A GRU trained with ``lax.scan`` to forecast noisy sine waves (no download needed).

Each example is a 40-step window of ``sin(f t + phase)`` plus noise, with a random frequency and
phase; the GRU reads it one step at a time (``lax.scan`` over time, batched over examples) and
predicts the next value after every step. The loss is the mean squared one-step-ahead error;
training is plain Adam on ``jit(value_and_grad(loss))``: the whole forward and backward loops
are compiled into native regions, with no Python per time step.

    python examples/rnn_scan.py [--steps 300] [--hidden 32]

It prints the loss every 50 steps and, at the end, the test error against two baselines:
predicting "the same as the last value" and predicting zero.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax

T, BATCH = 40, 64


def make_waves(rng, n, noise=0.05):
    """``n`` windows of ``T + 1`` samples, shape ``(T + 1, n, 1)`` (time first, for scan)."""
    freq = rng.uniform(0.1, 0.4, (1, n))
    phase = rng.uniform(0.0, 2 * np.pi, (1, n))
    t = np.arange(T + 1)[:, None]
    x = np.sin(freq * t + phase) + noise * rng.standard_normal((T + 1, n))
    return x[..., None].astype(np.float32)


def init_params(rng, hidden):
    def mat(n_in, n_out):
        return (rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)).astype(np.float32)
    p = {}
    for gate in ("z", "r", "h"):             # update gate, reset gate, candidate
        p[f"W{gate}"] = mat(1, hidden)
        p[f"U{gate}"] = mat(hidden, hidden)
        p[f"b{gate}"] = np.zeros(hidden, np.float32)
    p["Wo"] = mat(hidden, 1)
    p["bo"] = np.zeros(1, np.float32)
    return p


def gru_step(p, h, x):
    z = fg.nn.sigmoid(x @ p["Wz"] + h @ p["Uz"] + p["bz"])
    r = fg.nn.sigmoid(x @ p["Wr"] + h @ p["Ur"] + p["br"])
    cand = jnp.tanh(x @ p["Wh"] + (r * h) @ p["Uh"] + p["bh"])
    return (1.0 - z) * h + z * cand


def predict(p, xs):
    """One-step-ahead predictions for every step of ``xs`` (``(T, batch, 1)``)."""
    h0 = jnp.zeros((xs.shape[1], p["Uz"].shape[0]), xs.dtype)

    def step(h, x):
        h = gru_step(p, h, x)
        return h, h @ p["Wo"] + p["bo"]
    _, ys = lax.scan(step, h0, xs)
    return ys


def loss(p, batch):
    pred = predict(p, batch[:-1])
    return jnp.mean((pred - batch[1:]) ** 2)


def adam(lr=1e-2, b1=0.9, b2=0.999, eps=1e-8):
    def init(p):
        zeros = fg.tree_util.tree_map(jnp.zeros_like, p)
        return zeros, zeros, 0

    def update(grads, state, p):
        m, v, k = state
        k += 1
        m = fg.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = fg.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        scale = float(lr * np.sqrt(1 - b2 ** k) / (1 - b1 ** k))   # a Python float: stays f32
        p = fg.tree_util.tree_map(lambda p, m, v: p - scale * m / (jnp.sqrt(v) + eps), p, m, v)
        return p, (m, v, k)
    return init, update


def main(steps: int = 300, hidden: int = 32, seed: int = 0, log_every: int = 50) -> float:
    rng = np.random.default_rng(seed)
    params = init_params(rng, hidden)
    test = make_waves(rng, 512)
    opt_init, opt_update = adam()
    state = opt_init(params)
    value_and_grad = fg.jit(fg.value_and_grad(loss))
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        value, grads = value_and_grad(params, make_waves(rng, BATCH))
        params, state = opt_update(grads, state, params)
        if step == 1:
            print(f"compiled and ran the first step in {time.perf_counter() - t0:.1f} s")
        if step % log_every == 0 or step == 1:
            print(f"step {step:4d}  loss {float(value):.5f}")
    test_mse = float(fg.jit(loss)(params, test))
    last_value = float(np.mean((test[:-1] - test[1:]) ** 2))
    zero = float(np.mean(test[1:] ** 2))
    print(f"trained {steps} steps in {time.perf_counter() - t0:.1f} s")
    print(f"test MSE: GRU {test_mse:.5f}   repeat-last-value {last_value:.5f}   zero {zero:.5f}")
    return test_mse


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--hidden", type=int, default=32)
    args = ap.parse_args()
    main(args.steps, args.hidden)
