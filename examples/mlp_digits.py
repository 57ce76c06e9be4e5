"""Train a small MLP on scikit-learn's bundled 8x8 digits with a jitted SGD step.

The whole training step -- forward pass, gradient and parameter update -- is one ``fg.jit``:
traced once, optimized, and compiled to a few fused Numba kernels plus BLAS calls (compiled
kernels are cached on disk, so later runs start fast).

Written the way a JAX user writes it: the model, loss and update use only JAX's API, so swapping
the two imports below for ``import jax as fg`` / ``import jax.numpy as jnp`` is the whole port
(not exercised here: JAX is not a dependency). Randomness comes from NumPy's ``default_rng``
with a fixed seed, so runs are deterministic.

    python examples/mlp_digits.py [--epochs N]

The data set ships with scikit-learn (``sklearn.datasets.load_digits``): nothing is downloaded.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from sklearn.datasets import load_digits

import funcgrad as fg
import funcgrad.numpy as jnp

LAYER_SIZES = [64, 128, 10]
LEARNING_RATE = 0.2
BATCH_SIZE = 32
NUM_EPOCHS = 10
SEED = 0


# --------------------------------------------------------------------------- data

def load_data(seed: int = SEED, n_test: int = 360):
    """Digits as float32 features in [0, 1] and one-hot float32 targets, split train/test."""
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    labels = digits.target
    perm = np.random.default_rng(seed).permutation(len(x))
    x, labels = x[perm], labels[perm]
    targets = np.asarray(fg.nn.one_hot(labels, 10, dtype=jnp.float32))
    return (x[n_test:], targets[n_test:]), (x[:n_test], labels[:n_test])


# --------------------------------------------------------------------------- model

def init_params(layer_sizes, rng):
    """A list of ``(W, b)`` tuples (a pytree), LeCun-normal weights, zero biases, float32."""
    params = []
    for m, n in zip(layer_sizes[:-1], layer_sizes[1:]):
        w = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)
        params.append((jnp.asarray(w), jnp.zeros(n, dtype=jnp.float32)))
    return params


def predict(params, x):
    """Logits of a tanh MLP."""
    for w, b in params[:-1]:
        x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def loss(params, batch):
    """Mean softmax cross-entropy."""
    x, targets = batch
    log_probs = fg.nn.log_softmax(predict(params, x))
    return -jnp.mean(jnp.sum(targets * log_probs, axis=-1))


def accuracy(params, x, labels) -> float:
    return float(jnp.mean(jnp.argmax(predict(params, x), axis=-1) == labels))


@fg.jit
def train_step(params, batch):
    """One SGD step: ``(params, batch) -> (params, loss)``, compiled as a whole. A pure function
    of its arguments (``fg.jit`` traces it once per batch shape)."""
    value, grads = fg.value_and_grad(loss)(params, batch)
    params = fg.tree_util.tree_map(lambda p, g: p - LEARNING_RATE * g, params, grads)
    return params, value


def progress(epoch, done, total, width=30):
    """A one-line progress bar, redrawn in place on a terminal."""
    if sys.stdout.isatty():
        filled = width * done // total
        print(f"\repoch {epoch:3d} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
              end="", flush=True)


# --------------------------------------------------------------------------- training loop

def main(num_epochs: int = NUM_EPOCHS, seed: int = SEED, verbose: bool = True) -> float:
    """Train, print progress, and return the final test accuracy."""
    (x_train, y_train), (x_test, labels_test) = load_data(seed)
    rng = np.random.default_rng(seed)
    params = init_params(LAYER_SIZES, rng)
    start = time.perf_counter()
    for epoch in range(1, num_epochs + 1):
        perm = rng.permutation(len(x_train))
        losses = []
        n_batches = -(-len(x_train) // BATCH_SIZE)
        for b, i in enumerate(range(0, len(x_train), BATCH_SIZE)):
            idx = perm[i:i + BATCH_SIZE]
            params, value = train_step(params, (x_train[idx], y_train[idx]))
            losses.append(value)
            if verbose:
                progress(epoch, b + 1, n_batches)
        if verbose:
            print(f"\r" if sys.stdout.isatty() else "", end="")
            print(f"epoch {epoch:3d}  train loss {float(np.mean(losses)):.4f}  "
                  f"test accuracy {accuracy(params, x_test, labels_test):.4f}  "
                  f"({time.perf_counter() - start:.1f} s)")
    acc = accuracy(params, x_test, labels_test)
    if verbose:
        print(f"final test accuracy: {acc:.4f}")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=NUM_EPOCHS)
    main(parser.parse_args().epochs)
