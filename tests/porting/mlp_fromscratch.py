"""A basic MLP classifier trained from scratch with jit and grad (after JAX's
examples/mnist_classifier_fromscratch.py), on synthetic 10-class data drawn with jax.random.

Written against JAX; tests/porting/test_porting.py runs it with only the imports changed.
"""
import time

import numpy.random as npr

import jax
import jax.numpy as jnp
from jax import grad, jit, random


def synthetic_data(key, n, dim=64, classes=10):
    k_means = random.PRNGKey(1234)
    k_labels, k_noise = random.split(key)
    means = 0.5 * random.normal(k_means, (classes, dim))
    labels = random.randint(k_labels, (n,), 0, classes)
    x = means[labels] + random.normal(k_noise, (n, dim))
    return x, jax.nn.one_hot(labels, classes)


def init_random_params(scale, layer_sizes, rng=npr.RandomState(0)):
    return [(scale * rng.randn(m, n), scale * rng.randn(n))
            for m, n, in zip(layer_sizes[:-1], layer_sizes[1:])]


def predict(params, inputs):
    activations = inputs
    for w, b in params[:-1]:
        outputs = jnp.dot(activations, w) + b
        activations = jnp.tanh(outputs)
    final_w, final_b = params[-1]
    logits = jnp.dot(activations, final_w) + final_b
    return logits - jax.nn.logsumexp(logits, axis=1, keepdims=True)


def loss(params, batch):
    inputs, targets = batch
    preds = predict(params, inputs)
    return -jnp.mean(jnp.sum(preds * targets, axis=1))


def accuracy(params, batch):
    inputs, targets = batch
    target_class = jnp.argmax(targets, axis=1)
    predicted_class = jnp.argmax(predict(params, inputs), axis=1)
    return jnp.mean(predicted_class == target_class)


if __name__ == "__main__":
    layer_sizes = [64, 128, 64, 10]
    param_scale = 0.1
    step_size = 0.05
    num_epochs = 6
    batch_size = 128

    train_images, train_labels = synthetic_data(random.PRNGKey(0), 2048)
    test_images, test_labels = synthetic_data(random.PRNGKey(1), 512)
    num_train = train_images.shape[0]
    num_complete_batches, leftover = divmod(num_train, batch_size)
    num_batches = num_complete_batches + bool(leftover)

    def data_stream():
        rng = npr.RandomState(0)
        while True:
            perm = rng.permutation(num_train)
            for i in range(num_batches):
                batch_idx = perm[i * batch_size:(i + 1) * batch_size]
                yield train_images[batch_idx], train_labels[batch_idx]

    batches = data_stream()

    @jit
    def update(params, batch):
        grads = grad(loss)(params, batch)
        return [(w - step_size * dw, b - step_size * db)
                for (w, b), (dw, db) in zip(params, grads)]

    params = init_random_params(param_scale, layer_sizes)
    for epoch in range(num_epochs):
        start_time = time.time()
        for _ in range(num_batches):
            params = update(params, next(batches))
        epoch_time = time.time() - start_time

        train_acc = accuracy(params, (train_images, train_labels))
        test_acc = accuracy(params, (test_images, test_labels))
        print(f"Epoch {epoch} in {epoch_time:0.2f} sec")
        print(f"Training set accuracy {train_acc}")
        print(f"Test set accuracy {test_acc}")
    print(f"METRIC train_loss {loss(params, (train_images, train_labels)):.6f}")
    print(f"METRIC train_accuracy {accuracy(params, (train_images, train_labels)):.6f}")
    print(f"METRIC test_accuracy {accuracy(params, (test_images, test_labels)):.6f}")
