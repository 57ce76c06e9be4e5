"""stax, optimizers (JAX's example_libraries) and funcgrad.optim. Expected values are literals
recorded from JAX 0.10.2 with jax_enable_x64 (this test does not import JAX)."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import optim, random
from funcgrad.example_libraries import optimizers, stax

JAX_W0 = [[-0.02402864963142436, -0.7333984179143748, 0.3998768860707612, -0.45808035663277985],
          [-0.11504987850773622, -0.09541127340330645, 0.68060018127956, -0.2732244055268699],
          [0.24905108624183558, 0.6648321478179595, 0.6895620731388928, -0.6070046487707046],
          [0.5120060657756602, 0.4200860134163617, 0.4285331347671167, 0.18762067641672123],
          [0.0512161311140414, 0.4905456564775098, 0.006318029499126091, 0.41088548773068223]]
JAX_B0 = [0.012683470355162594, -0.0007036952476222596, 0.00607515792857052, -0.014495595344652192]
JAX_Y = [[-1.589650040400615, -0.9780889420558054, -0.8675625120961155],
         [-2.3244708551940034, -0.6704056465242731, -0.9399080542478853]]


def test_stax_init_and_apply_match_jax():
    init, apply = stax.serial(stax.Dense(4), stax.Relu, stax.Dense(3), stax.LogSoftmax)
    out_shape, params = init(random.PRNGKey(0), (-1, 5))
    assert out_shape == (-1, 3)
    # truncated_normal / normal go through erf_inv: a few ulp from JAX's
    np.testing.assert_allclose(params[0][0], JAX_W0, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(params[0][1], JAX_B0, rtol=1e-13, atol=1e-17)
    x = jnp.arange(10.0).reshape(2, 5) / 10
    np.testing.assert_allclose(apply(params, x), JAX_Y, rtol=1e-13)
    assert params[1] == ()


def test_stax_combinators_and_layers():
    init, apply = stax.serial(
        stax.FanOut(2), stax.parallel(stax.Dense(3), stax.serial(stax.Dense(3), stax.Tanh)),
        stax.FanInSum, stax.BatchNorm(axis=(0,)), stax.Dropout(0.5), stax.Flatten)
    shape, params = init(random.PRNGKey(1), (4, 2))
    assert shape == (4, 3)
    y = apply(params, jnp.ones((4, 2)), rng=random.PRNGKey(2))
    assert y.shape == (4, 3)
    with pytest.raises(ValueError, match="PRNG key"):
        apply(params, jnp.ones((4, 2)))
    init, apply = stax.serial(stax.Dense(2), stax.FanOut(2),
                              stax.parallel(stax.Identity, stax.Sigmoid), stax.FanInConcat())
    shape, params = init(random.PRNGKey(0), (5, 3))
    assert shape == (5, 4) and apply(params, jnp.ones((5, 3))).shape == (5, 4)


JAX_OPT = {"adam": ((0.1,), [0.7015862729460303, -1.7006233920464653]),
           "sgd": ((0.1,), [0.512, -1.024]),
           "momentum": ((0.1, 0.9), [0.06199999999999989, -0.12399999999999978]),
           "rmsprop": ((0.1,), [0.3691805583354921, -1.3087178684590854]),
           "adagrad": ((0.1,), [0.9538414350174558, -1.9537660279066522]),
           "nesterov": ((0.1, 0.9), [-0.108352, 0.216704]),
           "adamax": ((0.1,), [0.7154994733936834, -1.7076482355537357]),
           "rmsprop_momentum": ((0.1,), [-0.26825674271439276, -0.6041195740671577])}


@pytest.mark.parametrize("name", sorted(JAX_OPT))
def test_optimizers_match_jax(name):
    args, want = JAX_OPT[name]
    opt_init, opt_update, get_params = getattr(optimizers, name)(*args)
    state = opt_init({"w": jnp.array([1.0, -2.0])})
    loss = lambda p: jnp.sum(p["w"] ** 2)  # noqa: E731
    for i in range(3):
        state = opt_update(i, fg.grad(loss)(get_params(state)), state)
    np.testing.assert_allclose(get_params(state)["w"], want, rtol=1e-14)
    # the whole step jitted, with the state as a pytree argument
    step = fg.jit(lambda i, s: opt_update(i, fg.grad(loss)(get_params(s)), s))
    state = opt_init({"w": jnp.array([1.0, -2.0])})
    for i in range(3):
        state = step(i, state)
    np.testing.assert_allclose(get_params(state)["w"], want, rtol=1e-13)


def test_optimizer_state_packing_and_schedules():
    opt_init, opt_update, get_params = optimizers.momentum(optimizers.exponential_decay(0.1, 10, 0.5), 0.9)
    state = opt_init((jnp.ones(2), {"b": jnp.zeros(1)}))
    packed = optimizers.pack_optimizer_state(optimizers.unpack_optimizer_state(state))
    assert fg.tree.structure(packed) == fg.tree.structure(state)
    np.testing.assert_array_equal(get_params(packed)[0], [1.0, 1.0])
    sched = optimizers.piecewise_constant([2, 4], [1.0, 0.5, 0.1])
    assert [float(sched(i)) for i in (0, 3, 5)] == [1.0, 0.5, 0.1]
    assert float(optimizers.polynomial_decay(1.0, 10, 0.0)(5)) == 0.5
    g = {"a": jnp.array([3.0, 4.0])}
    np.testing.assert_allclose(optimizers.clip_grads(g, 1.0)["a"], [0.6, 0.8])
    assert float(optimizers.l2_norm(g)) == 5.0
    with pytest.raises(TypeError, match="did not match the parameter tree"):
        opt_update(0, {"x": 1.0}, state)


# --------------------------------------------------------------------------- optim

def _run(opt, steps=3, params=None):
    params = {"w": jnp.array([1.0, -2.0])} if params is None else params
    state = opt.init(params)
    for _ in range(steps):
        grads = fg.grad(lambda p: jnp.sum(p["w"] ** 2))(params)
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
    return params["w"], state


def test_optim_sgd_and_adam_equal_the_example_library():
    w, _ = _run(optim.sgd(0.1))
    np.testing.assert_allclose(w, JAX_OPT["sgd"][1], rtol=1e-14)
    w, _ = _run(optim.adam(0.1))
    np.testing.assert_allclose(w, JAX_OPT["adam"][1], rtol=1e-14)
    w, _ = _run(optim.sgd(0.1, momentum=0.9))
    np.testing.assert_allclose(w, JAX_OPT["momentum"][1], rtol=1e-13)
    w, _ = _run(optim.sgd(0.1, momentum=0.9, nesterov=True))
    np.testing.assert_allclose(w, JAX_OPT["nesterov"][1], rtol=1e-13)


def test_optim_clip_chain_and_schedules():
    g = {"a": jnp.array([3.0, 4.0]), "b": jnp.zeros(1)}
    clipped, _ = optim.clip_by_global_norm(1.0).update(g, optim.EmptyState())
    np.testing.assert_allclose(clipped["a"], [0.6, 0.8])
    same, _ = optim.clip_by_global_norm(10.0).update(g, optim.EmptyState())
    np.testing.assert_array_equal(same["a"], [3.0, 4.0])
    assert float(optim.global_norm(g)) == 5.0
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.sgd(1.0))
    w, state = _run(opt, steps=1)
    np.testing.assert_allclose(w, [1.0 - 2 / np.sqrt(20), -2.0 + 4 / np.sqrt(20)])
    assert isinstance(state, tuple) and len(state) == 2
    w, state = _run(optim.sgd(optim.exponential_decay(0.1, 1, 0.5)), steps=2)
    # rates 0.1 then 0.05: w = 1 * (1 - 0.2) * (1 - 0.1)
    np.testing.assert_allclose(w[0], 0.8 * 0.9)
    assert int(state[1].count) == 2
    w, _ = _run(optim.adamw(0.1, weight_decay=0.0))
    np.testing.assert_allclose(w, JAX_OPT["adam"][1], rtol=1e-14)
    with pytest.raises(ValueError, match="needs params"):
        optim.add_decayed_weights(0.1).update({"w": 1.0}, optim.EmptyState())


def test_optim_is_jittable_and_pure():
    opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adam(1e-2))
    params = {"w": jnp.array([1.0, -2.0])}
    state = opt.init(params)

    @fg.jit
    def step(params, state):
        grads = fg.grad(lambda p: jnp.sum(p["w"] ** 2))(params)
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state

    p1, s1 = step(params, state)
    p2, s2 = step(params, state)           # same inputs, same outputs: no hidden state
    np.testing.assert_array_equal(p1["w"], p2["w"])
    eager_updates, _ = opt.update(fg.grad(lambda p: jnp.sum(p["w"] ** 2))(params), state, params)
    np.testing.assert_allclose(p1["w"], params["w"] + eager_updates["w"], rtol=1e-14)
