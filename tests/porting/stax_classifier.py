"""A classifier built with stax and trained with optimizers.momentum (after JAX's
examples/mnist_classifier.py), on synthetic data; batches shuffled with jax.random.permutation.

Written against JAX; tests/porting/test_porting.py runs it with only the imports changed.
"""
import itertools

import jax
import jax.numpy as jnp
from jax import grad, jit, random
from jax.example_libraries import optimizers, stax
from jax.example_libraries.stax import Dense, LogSoftmax, Relu


def synthetic_data(key, n, dim=64, classes=10):
    k_labels, k_noise = random.split(key)
    means = 0.5 * random.normal(random.PRNGKey(1234), (classes, dim))
    labels = random.randint(k_labels, (n,), 0, classes)
    return means[labels] + random.normal(k_noise, (n, dim)), jax.nn.one_hot(labels, classes)


def loss(params, batch):
    inputs, targets = batch
    preds = predict(params, inputs)
    return -jnp.mean(jnp.sum(preds * targets, axis=1))


def accuracy(params, batch):
    inputs, targets = batch
    target_class = jnp.argmax(targets, axis=1)
    predicted_class = jnp.argmax(predict(params, inputs), axis=1)
    return jnp.mean(predicted_class == target_class)


init_random_params, predict = stax.serial(
    Dense(128), Relu,
    Dense(64), Relu,
    Dense(10), LogSoftmax)

if __name__ == "__main__":
    rng = random.PRNGKey(0)
    step_size = 0.01
    num_epochs = 5
    batch_size = 128
    momentum_mass = 0.9

    train_images, train_labels = synthetic_data(random.PRNGKey(10), 2048)
    test_images, test_labels = synthetic_data(random.PRNGKey(11), 512)
    num_train = train_images.shape[0]
    num_batches = num_train // batch_size

    def data_stream(key):
        while True:
            key, sub = random.split(key)
            perm = random.permutation(sub, num_train)
            for i in range(num_batches):
                batch_idx = perm[i * batch_size:(i + 1) * batch_size]
                yield train_images[batch_idx], train_labels[batch_idx]

    batches = data_stream(random.PRNGKey(2))

    opt_init, opt_update, get_params = optimizers.momentum(step_size, mass=momentum_mass)

    @jit
    def update(i, opt_state, batch):
        params = get_params(opt_state)
        return opt_update(i, grad(loss)(params, batch), opt_state)

    _, init_params = init_random_params(rng, (-1, 64))
    opt_state = opt_init(init_params)
    itercount = itertools.count()

    print("\nStarting training...")
    for epoch in range(num_epochs):
        for _ in range(num_batches):
            opt_state = update(next(itercount), opt_state, next(batches))
        params = get_params(opt_state)
        print(f"Epoch {epoch}: train {accuracy(params, (train_images, train_labels)):.4f} "
              f"test {accuracy(params, (test_images, test_labels)):.4f}")
    params = get_params(opt_state)
    print(f"METRIC train_loss {loss(params, (train_images, train_labels)):.6f}")
    print(f"METRIC train_accuracy {accuracy(params, (train_images, train_labels)):.6f}")
    print(f"METRIC test_accuracy {accuracy(params, (test_images, test_labels)):.6f}")
