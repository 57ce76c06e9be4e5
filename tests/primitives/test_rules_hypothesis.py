"""Property-based rule checks over random shapes (broadcasting, size 0/1, scalars).

The default run draws a few examples per property; ``pytest -m slow`` runs the long version.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad import lax
from funcgrad.test_util import check_grads

SHORT = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

BINARY = [(lax.add, "normal", "normal"), (lax.sub, "normal", "normal"), (lax.mul, "normal", "normal"),
          (lax.div, "normal", "nonzero"), (lax.max, "normal", "normal"), (lax.min, "normal", "normal"),
          (lax.pow, "positive", "normal"), (lax.atan2, "nonzero", "nonzero")]
UNARY = [(lax.exp, "normal"), (lax.log, "positive"), (lax.tanh, "normal"), (lax.sin, "normal"),
         (lax.logistic, "normal"), (lax.sqrt, "positive"), (lax.erf, "normal"), (lax.log1p, "positive"),
         (lax.expm1, "normal"), (lax.rsqrt, "positive"), (lax.abs, "nonzero"), (lax.tan, "small")]


def _draw(rng, shape, sampler):
    if sampler == "positive":
        x = rng.uniform(0.5, 2.0, shape)
    elif sampler == "nonzero":
        x = rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape)
    elif sampler == "small":
        x = rng.uniform(-1.2, 1.2, shape)
    else:
        x = rng.randn(*shape)
    return np.asarray(x, dtype=np.float64)


@st.composite
def broadcast_pair(draw):
    nd = draw(st.integers(0, 3))
    full = draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd))
    a = tuple(d if draw(st.booleans()) else 1 for d in full)
    b = tuple(d if draw(st.booleans()) else 1 for d in full)
    if draw(st.booleans()) and nd:
        a = ()
    return a, b


def _check_binary(op_idx, shapes, seed):
    fn, sx, sy = BINARY[op_idx]
    rng = np.random.RandomState(seed)
    x, y = _draw(rng, shapes[0], sx), _draw(rng, shapes[1], sy)
    check_grads(fn, (x, y), order=1, modes=("rev", "fwd"))
    if x.ndim and y.ndim:
        xs = np.stack([x, _draw(rng, x.shape, sx)])
        got = fg.vmap(fn, in_axes=(0, None))(xs, y)
        np.testing.assert_allclose(got, np.stack([fn(xs[0], y), fn(xs[1], y)]))


def _check_unary(op_idx, shape, axis, seed):
    fn, s = UNARY[op_idx]
    rng = np.random.RandomState(seed)
    x = _draw(rng, shape, s)
    check_grads(fn, (x,), order=2, modes=("rev", "fwd"))
    xs = np.stack([x, _draw(rng, shape, s)], axis=axis)
    got = fg.vmap(fn, in_axes=axis)(xs)
    np.testing.assert_allclose(got, np.stack([fn(np.take(xs, 0, axis)), fn(np.take(xs, 1, axis))]))


def _check_reduce(which, shape, axes_mask, seed):
    fn = [lax.reduce_sum, lax.reduce_max, lax.reduce_min, lax.reduce_prod][which]
    axes = tuple(i for i, m in enumerate(axes_mask[:len(shape)]) if m)
    if which in (1, 2) and any(shape[a] == 0 for a in axes):
        return   # max/min of an empty axis has no identity value to differentiate
    x = np.asarray(np.random.RandomState(seed).randn(*shape), dtype=np.float64)
    check_grads(lambda x: fn(x, axes), (x,), order=1, modes=("rev", "fwd"))


shapes = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)
nonempty = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple)


@SHORT
@given(st.integers(0, len(BINARY) - 1), broadcast_pair(), st.integers(0, 10 ** 6))
def test_binary_broadcasting_short(op, pair, seed):
    _check_binary(op, pair, seed)


@SHORT
@given(st.integers(0, len(UNARY) - 1), shapes, st.integers(0, 1), st.integers(0, 10 ** 6))
def test_unary_short(op, shape, axis, seed):
    _check_unary(op, shape, min(axis, len(shape)), seed)


@SHORT
@given(st.integers(0, 3), nonempty, st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 10 ** 6))
def test_reductions_short(which, shape, mask, seed):
    _check_reduce(which, shape, mask, seed)


@pytest.mark.slow
@LONG
@given(st.integers(0, len(BINARY) - 1), broadcast_pair(), st.integers(0, 10 ** 6))
def test_binary_broadcasting_long(op, pair, seed):
    _check_binary(op, pair, seed)


@pytest.mark.slow
@LONG
@given(st.integers(0, len(UNARY) - 1), shapes, st.integers(0, 1), st.integers(0, 10 ** 6))
def test_unary_long(op, shape, axis, seed):
    _check_unary(op, shape, min(axis, len(shape)), seed)


@pytest.mark.slow
@LONG
@given(st.integers(0, 3), shapes, st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 10 ** 6))
def test_reductions_long(which, shape, mask, seed):
    _check_reduce(which, shape, mask, seed)
