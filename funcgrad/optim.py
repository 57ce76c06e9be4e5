"""``funcgrad.optim``: Optax-style gradient transformations over pytrees.

A ``GradientTransformation`` is a pair of pure functions ``init(params) -> state`` and
``update(updates, state, params=None) -> (updates, state)``; ``chain`` composes them and
``apply_updates`` adds the final updates to the parameters (as ``optax``):

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> from funcgrad import optim
>>> opt = optim.chain(optim.clip_by_global_norm(1.0), optim.adam(0.1))
>>> params = {"w": jnp.array([1.0, -2.0])}
>>> state = opt.init(params)
>>> for _ in range(3):
...     grads = fg.grad(lambda p: jnp.sum(p["w"] ** 2))(params)
...     updates, state = opt.update(grads, state, params)
...     params = optim.apply_updates(params, updates)
>>> params["w"]
Array([ 0.70054813, -1.69990378], dtype=float64)
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from . import numpy as jnp
from .core.tree_util import tree_leaves, tree_map

__all__ = ["GradientTransformation", "identity", "chain", "scale", "scale_by_learning_rate",
           "scale_by_schedule", "scale_by_adam", "scale_by_rms", "trace", "add_decayed_weights",
           "clip", "clip_by_global_norm", "global_norm", "sgd", "momentum", "adam", "adamw",
           "rmsprop", "apply_updates", "constant_schedule", "exponential_decay",
           "EmptyState", "ScaleByAdamState", "TraceState", "ScaleByRmsState",
           "ScaleByScheduleState"]


# Step counters are int64 (optax uses int32): the jit backend currently aborts on
# ``float ** float(int32)`` in a fused kernel (LLVM lowers it to the missing ``__powidf2``).
_COUNT = np.int64


class GradientTransformation(NamedTuple):
    init: Callable
    update: Callable


class EmptyState(NamedTuple):
    pass


class ScaleByAdamState(NamedTuple):
    count: Any
    mu: Any
    nu: Any


class TraceState(NamedTuple):
    trace: Any


class ScaleByRmsState(NamedTuple):
    nu: Any


class ScaleByScheduleState(NamedTuple):
    count: Any


def _zeros_like(tree):
    return tree_map(jnp.zeros_like, tree)


def identity() -> GradientTransformation:
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda updates, state, params=None: (updates, state))


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Apply ``transforms`` in order; the state is the tuple of their states."""
    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(updates, state, params=None):
        if len(state) != len(transforms):
            raise ValueError(f"chain: {len(transforms)} transformations but a state of "
                             f"length {len(state)}")
        new = []
        for t, s in zip(transforms, state):
            updates, s = t.update(updates, s, params)
            new.append(s)
        return updates, tuple(new)

    return GradientTransformation(init, update)


def scale(step_size: float) -> GradientTransformation:
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda updates, state, params=None: (tree_map(lambda g: step_size * g, updates), state))


def scale_by_schedule(step_size_fn: Callable) -> GradientTransformation:
    """Multiply by ``step_size_fn(count)``; ``count`` is the number of updates so far."""
    def init(params):
        return ScaleByScheduleState(count=jnp.zeros((), _COUNT))

    def update(updates, state, params=None):
        s = step_size_fn(state.count)
        return (tree_map(lambda g: jnp.asarray(s, dtype=g.dtype) * g, updates),
                ScaleByScheduleState(count=state.count + 1))

    return GradientTransformation(init, update)


def scale_by_learning_rate(learning_rate, *, flip_sign: bool = True) -> GradientTransformation:
    """``-learning_rate * updates`` (a number or a schedule ``count -> rate``)."""
    m = -1 if flip_sign else 1
    if callable(learning_rate):
        return scale_by_schedule(lambda count: m * learning_rate(count))
    return scale(m * learning_rate)


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                  eps_root: float = 0.0) -> GradientTransformation:
    def init(params):
        return ScaleByAdamState(count=jnp.zeros((), _COUNT), mu=_zeros_like(params),
                                nu=_zeros_like(params))

    def update(updates, state, params=None):
        mu = tree_map(lambda g, t: (1 - b1) * g + b1 * t, updates, state.mu)
        nu = tree_map(lambda g, t: (1 - b2) * (g * g) + b2 * t, updates, state.nu)
        count = state.count + 1
        mu_hat = tree_map(lambda t: t / (1 - b1 ** count).astype(t.dtype), mu)
        nu_hat = tree_map(lambda t: t / (1 - b2 ** count).astype(t.dtype), nu)
        out = tree_map(lambda m, v: m / (jnp.sqrt(v + eps_root) + eps), mu_hat, nu_hat)
        return out, ScaleByAdamState(count=count, mu=mu, nu=nu)

    return GradientTransformation(init, update)


def scale_by_rms(decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0):
    def init(params):
        return ScaleByRmsState(nu=tree_map(lambda p: jnp.full_like(p, initial_scale), params))

    def update(updates, state, params=None):
        nu = tree_map(lambda g, t: (1 - decay) * (g * g) + decay * t, updates, state.nu)
        return tree_map(lambda g, n: g / jnp.sqrt(n + eps), updates, nu), ScaleByRmsState(nu=nu)

    return GradientTransformation(init, update)


def trace(decay: float, nesterov: bool = False) -> GradientTransformation:
    """Momentum: ``t = g + decay * t``; the update is ``t`` (or ``g + decay * t`` if nesterov)."""
    def init(params):
        return TraceState(trace=_zeros_like(params))

    def update(updates, state, params=None):
        f = lambda g, t: g + decay * t  # noqa: E731
        new_trace = tree_map(f, updates, state.trace)
        out = tree_map(f, updates, new_trace) if nesterov else new_trace
        return out, TraceState(trace=new_trace)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay: float = 0.0) -> GradientTransformation:
    def update(updates, state, params=None):
        if params is None:
            raise ValueError("add_decayed_weights needs params: call update(updates, state, params)")
        return tree_map(lambda g, p: g + weight_decay * p, updates, params), state

    return GradientTransformation(lambda params: EmptyState(), update)


def global_norm(updates):
    """The L2 norm of all leaves together."""
    return jnp.sqrt(sum(jnp.sum(jnp.square(x)) for x in tree_leaves(updates)))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    """Scale the updates down so that their global norm is at most ``max_norm``."""
    def update(updates, state, params=None):
        g_norm = global_norm(updates)
        trigger = g_norm < max_norm
        return tree_map(lambda t: jnp.where(trigger, t, (t / g_norm.astype(t.dtype)) * max_norm),
                        updates), state

    return GradientTransformation(lambda params: EmptyState(), update)


def clip(max_delta: float) -> GradientTransformation:
    """Clip every update element to ``[-max_delta, max_delta]``."""
    return GradientTransformation(
        lambda params: EmptyState(),
        lambda updates, state, params=None: (
            tree_map(lambda g: jnp.clip(g, -max_delta, max_delta), updates), state))


def sgd(learning_rate, momentum: float | None = None, nesterov: bool = False):
    return chain(trace(momentum, nesterov) if momentum is not None else identity(),
                 scale_by_learning_rate(learning_rate))


def adam(learning_rate, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
         eps_root: float = 0.0) -> GradientTransformation:
    return chain(scale_by_adam(b1, b2, eps, eps_root), scale_by_learning_rate(learning_rate))


def adamw(learning_rate, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
          eps_root: float = 0.0, weight_decay: float = 1e-4) -> GradientTransformation:
    return chain(scale_by_adam(b1, b2, eps, eps_root), add_decayed_weights(weight_decay),
                 scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate, decay: float = 0.9, eps: float = 1e-8, initial_scale: float = 0.0,
            momentum: float | None = None, nesterov: bool = False) -> GradientTransformation:
    return chain(scale_by_rms(decay, eps, initial_scale), scale_by_learning_rate(learning_rate),
                 trace(momentum, nesterov) if momentum is not None else identity())


def momentum(learning_rate, momentum: float = 0.9, nesterov: bool = False):  # noqa: F811
    return sgd(learning_rate, momentum, nesterov)


def apply_updates(params, updates):
    """``params + updates`` leafwise (in the parameters' dtypes)."""
    return tree_map(lambda p, u: jnp.asarray(p + u).astype(jnp.asarray(p).dtype), params, updates)


def constant_schedule(value) -> Callable:
    return lambda count: value


def exponential_decay(init_value: float, transition_steps: int, decay_rate: float,
                      staircase: bool = False) -> Callable:
    def schedule(count):
        p = count / transition_steps
        if staircase:
            p = jnp.floor(p)
        return init_value * decay_rate ** p
    return schedule
