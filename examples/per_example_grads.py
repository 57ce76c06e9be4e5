"""Per-example gradients with ``vmap(grad(loss))``, clipped one by one as in DP-SGD.

Differentially private SGD (Abadi et al., 2016) needs each example's gradient separately: every
per-example gradient is clipped to norm ``CLIP``, the clipped gradients are averaged and Gaussian
noise is added. With ``vmap`` that is one batched computation instead of a loop over the batch:

    per_example = vmap(clipped_grad, in_axes=(None, 0, 0))(params, xs, ys)

The model is a tanh MLP on scikit-learn's bundled 8x8 digits (``load_digits``, nothing is
downloaded). The script checks the vectorized per-example gradients against a Python loop of
``grad``, times both, then trains with noisy clipped gradients and prints the test accuracy.
(Only the DP-SGD update is shown; the privacy accounting that turns ``NOISE`` into an
``(epsilon, delta)`` guarantee is out of scope.) Swap the two funcgrad imports for
``import jax as fg`` / ``import jax.numpy as jnp`` and the model and update run unchanged.

    python examples/per_example_grads.py [--epochs N]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits

import funcgrad as fg
import funcgrad.numpy as jnp

LAYER_SIZES = [64, 64, 10]
BATCH_SIZE = 64
LEARNING_RATE = 0.5
CLIP = 1.0          # per-example gradient norm bound
NOISE = 0.5         # noise multiplier: std of the noise added to the summed gradients is NOISE * CLIP
NUM_EPOCHS = 8
SEED = 0


def load_data(seed: int = SEED, n_test: int = 360):
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    labels = digits.target
    perm = np.random.default_rng(seed).permutation(len(x))
    x, labels = x[perm], labels[perm]
    targets = np.eye(10, dtype=np.float32)[labels]
    return (x[n_test:], targets[n_test:]), (x[:n_test], labels[:n_test])


def init_params(rng):
    params = []
    for m, n in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        w = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)
        params.append((jnp.asarray(w), jnp.zeros(n, dtype=jnp.float32)))
    return params


def predict(params, x):
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss(params, x, y):
    """Softmax cross-entropy of ONE example (``x``: (64,), ``y``: one-hot (10,))."""
    return -jnp.sum(y * fg.nn.log_softmax(predict(params, x)))


def clipped_grad(params, x, y):
    """One example's gradient, scaled down to norm at most ``CLIP``."""
    g = fg.grad(loss)(params, x, y)
    leaves = fg.tree_util.tree_leaves(g)
    norm = jnp.sqrt(sum(jnp.sum(leaf ** 2) for leaf in leaves))
    scale = jnp.minimum(1.0, CLIP / (norm + 1e-6))
    return fg.tree_util.tree_map(lambda leaf: leaf * scale, g)


per_example_clipped = fg.vmap(clipped_grad, in_axes=(None, 0, 0))
per_example_grads = fg.vmap(fg.grad(loss), in_axes=(None, 0, 0))


def dp_sgd_step(params, x, y, rng):
    """Average the clipped per-example gradients, add Gaussian noise, take an SGD step."""
    clipped = per_example_clipped(params, x, y)           # every leaf: (batch,) + param shape
    n = x.shape[0]

    def update(p, g):
        noisy = (jnp.sum(g, axis=0) + rng.normal(0.0, NOISE * CLIP, p.shape).astype(p.dtype)) / n
        return p - LEARNING_RATE * noisy

    return fg.tree_util.tree_map(update, params, clipped)


def accuracy(params, x, labels) -> float:
    return float(jnp.mean(jnp.argmax(predict(params, x), axis=-1) == labels))


def check_against_loop(params, x, y, verbose=True):
    """vmap(grad) == a Python loop of grad, and the time of each (median of 5 runs)."""
    def timed(fn):
        times, out = [], None
        for _ in range(5):
            t0 = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t0)
        return out, float(np.median(times))

    batched, t_vmap = timed(lambda: per_example_grads(params, x, y))
    loop, t_loop = timed(lambda: [fg.grad(loss)(params, x[i], y[i]) for i in range(len(x))])
    for i, g in enumerate(loop):
        for a, b in zip(fg.tree_util.tree_leaves(batched), fg.tree_util.tree_leaves(g)):
            np.testing.assert_allclose(a[i], b, rtol=1e-4, atol=1e-6)
    if verbose:
        print(f"per-example gradients of {len(x)} examples: vmap(grad) {t_vmap * 1e3:.1f} ms, "
              f"loop of grad {t_loop * 1e3:.1f} ms ({t_loop / t_vmap:.0f}x); they agree")
    return t_loop / t_vmap


def main(num_epochs: int = NUM_EPOCHS, seed: int = SEED, verbose: bool = True) -> float:
    (x_train, y_train), (x_test, labels_test) = load_data(seed)
    rng = np.random.default_rng(seed)
    params = init_params(rng)
    check_against_loop(params, x_train[:BATCH_SIZE], y_train[:BATCH_SIZE], verbose)
    clipped = per_example_clipped(params, x_train[:BATCH_SIZE], y_train[:BATCH_SIZE])
    norms = np.sqrt(sum(np.sum(np.reshape(leaf, (BATCH_SIZE, -1)) ** 2, axis=1)
                        for leaf in fg.tree_util.tree_leaves(clipped)))
    assert np.all(norms <= CLIP * (1 + 1e-4)), norms
    start = time.perf_counter()
    for epoch in range(1, num_epochs + 1):
        perm = rng.permutation(len(x_train))
        for i in range(0, len(x_train) - BATCH_SIZE + 1, BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            params = dp_sgd_step(params, x_train[idx], y_train[idx], rng)
        if verbose:
            print(f"epoch {epoch:2d}  test accuracy {accuracy(params, x_test, labels_test):.4f}  "
                  f"({time.perf_counter() - start:.1f} s)")
    acc = accuracy(params, x_test, labels_test)
    if verbose:
        print(f"final test accuracy with DP-SGD (clip {CLIP}, noise multiplier {NOISE}): {acc:.4f}")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=NUM_EPOCHS)
    main(parser.parse_args().epochs)
