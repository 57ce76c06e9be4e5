"""A VAE-style model (after JAX's examples/mnist_vae.py) on synthetic binary images: each epoch
is one jitted function whose body is a lax.fori_loop over batches, with grad inside the loop.

Written against JAX; tests/porting/test_porting.py runs it with only the imports changed.
"""
import jax
import jax.numpy as jnp
from jax import jit, grad, lax, random
from jax.example_libraries import optimizers, stax
from jax.example_libraries.stax import Dense, FanOut, Relu, Softplus


def gaussian_kl(mu, sigmasq):
    """KL divergence from a diagonal Gaussian to the standard Gaussian."""
    return -0.5 * jnp.sum(1. + jnp.log(sigmasq) - mu ** 2. - sigmasq)


def gaussian_sample(rng, mu, sigmasq):
    return mu + jnp.sqrt(sigmasq) * random.normal(rng, mu.shape)


def bernoulli_logpdf(logits, x):
    return -jnp.sum(jnp.logaddexp(0., jnp.where(x, -1., 1.) * logits))


def elbo(rng, params, images):
    enc_params, dec_params = params
    mu_z, sigmasq_z = encode(enc_params, images)
    logits_x = decode(dec_params, gaussian_sample(rng, mu_z, sigmasq_z))
    return bernoulli_logpdf(logits_x, images) - gaussian_kl(mu_z, sigmasq_z)


def synthetic_images(key, n, side=8):
    """Noisy bars: each image is a random horizontal or vertical bar pattern."""
    k1, k2, k3 = random.split(key, 3)
    rows = random.bernoulli(k1, 0.3, (n, side, 1))
    cols = random.bernoulli(k2, 0.3, (n, 1, side))
    vertical = random.bernoulli(k3, 0.5, (n, 1, 1))
    bars = jnp.where(vertical, jnp.broadcast_to(cols, (n, side, side)),
                     jnp.broadcast_to(rows, (n, side, side)))
    return bars.reshape(n, side * side).astype(jnp.float32)


encoder_init, encode = stax.serial(
    Dense(64), Relu, Dense(32), Relu,
    FanOut(2), stax.parallel(Dense(4), stax.serial(Dense(4), Softplus)),
)

decoder_init, decode = stax.serial(
    Dense(32), Relu, Dense(64), Relu, Dense(64),
)


if __name__ == "__main__":
    step_size = 0.003
    num_epochs = 8
    batch_size = 32

    train_images = synthetic_images(random.PRNGKey(5), 1024)
    test_images = synthetic_images(random.PRNGKey(6), 256)
    num_batches = train_images.shape[0] // batch_size

    enc_init_rng, dec_init_rng = random.split(random.PRNGKey(2))
    _, init_encoder_params = encoder_init(enc_init_rng, (batch_size, 64))
    _, init_decoder_params = decoder_init(dec_init_rng, (batch_size, 4))
    init_params = init_encoder_params, init_decoder_params

    opt_init, opt_update, get_params = optimizers.momentum(step_size, mass=0.9)

    def binarize_batch(rng, i, images):
        i = i % num_batches
        batch = lax.dynamic_slice_in_dim(images, i * batch_size, batch_size)
        return random.bernoulli(rng, 0.05 + 0.9 * batch)

    @jit
    def run_epoch(rng, opt_state):
        def body_fun(i, opt_state):
            elbo_rng, data_rng = random.split(random.fold_in(rng, i))
            batch = binarize_batch(data_rng, i, train_images)
            loss = lambda params: -elbo(elbo_rng, params, batch) / batch_size
            g = grad(loss)(get_params(opt_state))
            return opt_update(i, g, opt_state)
        return lax.fori_loop(0, num_batches, body_fun, opt_state)

    @jit
    def evaluate(opt_state, images):
        params = get_params(opt_state)
        elbo_rng, data_rng = random.split(random.PRNGKey(3))
        binarized_test = random.bernoulli(data_rng, 0.05 + 0.9 * images)
        return elbo(elbo_rng, params, binarized_test) / images.shape[0]

    opt_state = opt_init(init_params)
    for epoch in range(num_epochs):
        opt_state = run_epoch(random.PRNGKey(epoch), opt_state)
        test_elbo = evaluate(opt_state, test_images)
        print(f"{epoch: 3d} {test_elbo:.3f}")
    print(f"METRIC test_elbo {evaluate(opt_state, test_images):.6f}")
