"""Behaviour beyond the coverage table: errors that name the fix, ties, NaNs, higher-order
derivatives of the sorting / running-sum / order-statistic functions."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.core.errors import ConcretizationError
from funcgrad.test_util import check_grads


@pytest.mark.parametrize("fn", [lambda x: jnp.unique(x), lambda x: jnp.nonzero(x),
                                lambda x: jnp.setdiff1d(x, x[:1]), lambda x: jnp.bincount(x)])
def test_value_dependent_sizes_need_size_under_jit(fn):
    with pytest.raises(ConcretizationError, match="size|length"):
        fg.jit(fn)(np.array([1, 2, 2]))


def test_unique_with_size_under_vmap():
    xs = np.array([[3, 1, 3], [2, 2, 2]])
    got = fg.vmap(lambda x: jnp.unique(x, size=3, fill_value=-1))(xs)
    np.testing.assert_array_equal(got, [[1, 3, -1], [2, -1, -1]])


def test_sort_ties_and_nans_follow_numpy():
    x = np.array([2.0, np.nan, 1.0, 2.0, -np.inf])
    for f in (jnp.sort, jnp.argsort):
        np.testing.assert_array_equal(fg.jit(f)(x), getattr(np, f.__name__)(x, kind="stable"))
    # the gradient follows the stable permutation: the first 2.0 sorts first
    g = fg.grad(lambda x: jnp.sum(jnp.sort(x) * np.arange(5.0)))(np.array([2.0, 0.0, 1.0, 2.0, -1.0]))
    np.testing.assert_array_equal(g, [3.0, 1.0, 2.0, 4.0, 0.0])


def test_argsort_descending_is_stable():
    x = np.array([1, 3, 1, 3, 2])
    np.testing.assert_array_equal(jnp.argsort(x, descending=True), [1, 3, 4, 0, 2])
    np.testing.assert_array_equal(fg.jit(lambda x: jnp.argsort(x, descending=True))(x), [1, 3, 4, 0, 2])


def test_top_k_ties_prefer_the_lower_index():
    v, i = lax.top_k(np.array([1.0, 5.0, 5.0, 0.0]), 2)
    np.testing.assert_array_equal(i, [1, 2])


def test_searchsorted_with_nans_matches_numpy():
    a = np.array([0.0, 1.0, np.nan])
    v = np.array([np.nan, 0.5, 1.0, -np.inf])
    for side in ("left", "right"):
        np.testing.assert_array_equal(fg.jit(lambda a, v: jnp.searchsorted(a, v, side=side))(a, v),
                                      np.searchsorted(a, v, side=side))


def test_cumprod_derivatives_are_exact_with_zeros():
    x = np.array([1.5, 0.0, -2.0, 0.0, 3.0])
    check_grads(lambda x: jnp.cumprod(x), (x,), order=2)
    check_grads(lambda x: lax.cummax(x * x), (np.array([0.3, -1.2, 2.0, 0.1]),), order=2)


def test_quantile_is_differentiable_in_q_and_data():
    x = np.array([3.0, -1.0, 2.0, 7.0, 0.5])
    check_grads(lambda x, q: jnp.quantile(x, q), (x, np.array([0.1, 0.55, 0.9])), order=2)
    check_grads(lambda x: jnp.nanmedian(jnp.where(x > 5, np.nan, x)), (x,), order=1)


def test_cumsum_vjp_is_a_reverse_running_sum():
    jaxpr = fg.make_jaxpr(fg.grad(lambda x: jnp.sum(jnp.cumsum(x) * x)))(np.ones(3))
    assert any(e.primitive.name == "cumsum" and e.params["reverse"] for e in jaxpr.eqns)


def test_inplace_writers_need_inplace_false():
    with pytest.raises(ValueError, match="inplace=False"):
        jnp.put(jnp.zeros(3), 0, 1.0)
    with pytest.raises(ValueError, match="inplace=False"):
        jnp.add.at(jnp.zeros(3), 0, 1.0)


def test_fft_round_trip_eagerly_and_clear_error_under_jit():
    x = np.random.RandomState(0).randn(8)
    np.testing.assert_allclose(jnp.fft.irfft(jnp.fft.rfft(x)), x, atol=1e-12)
    with pytest.raises(NotImplementedError, match="complex"):
        fg.grad(lambda x: jnp.sum(jnp.fft.rfft(x).real))(x)


def test_searchsorted_methods_agree_and_scale():
    rng = np.random.RandomState(0)
    a = np.sort(rng.randn(1000))
    v = np.concatenate([rng.randn(50), a[:5], [np.inf, -np.inf, np.nan]])
    for side in ("left", "right"):
        want = np.searchsorted(a, v, side=side)
        for method in ("scan", "compare_all"):
            got = fg.jit(lambda a, v: jnp.searchsorted(a, v, side=side, method=method))(a, v)
            np.testing.assert_array_equal(got, want)


def test_long_convolution_uses_taps_not_a_huge_matrix():
    rng = np.random.RandomState(1)
    a, v = rng.randn(40000), rng.randn(30)       # a banded matrix would hold 1.2e6 elements
    jaxpr = fg.make_jaxpr(lambda a, v: jnp.convolve(a, v, "same"))(a, v)
    assert not any(e.primitive.name == "dot_general" for e in jaxpr.eqns)
    np.testing.assert_allclose(fg.jit(lambda a, v: jnp.convolve(a, v, "same"))(a, v),
                               np.convolve(a, v, "same"), atol=1e-10)
    np.testing.assert_allclose(fg.jit(lambda a, v: jnp.correlate(a, v, "valid"))(a, v),
                               np.correlate(a, v, "valid"), atol=1e-10)


# --------------------------------------------------------------------------- random shapes
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SHORT = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))

_AXIS_FUNCS = {
    "sort": (lambda x, ax: jnp.sort(x, axis=ax), lambda x, ax: np.sort(x, axis=ax)),
    "argsort": (lambda x, ax: jnp.argsort(x, axis=ax), lambda x, ax: np.argsort(x, axis=ax, kind="stable")),
    "cumsum": (lambda x, ax: jnp.cumsum(x, axis=ax), lambda x, ax: np.cumsum(x, axis=ax)),
    "cumprod": (lambda x, ax: jnp.cumprod(x, axis=ax), lambda x, ax: np.cumprod(x, axis=ax)),
    "diff": (lambda x, ax: jnp.diff(x, axis=ax), lambda x, ax: np.diff(x, axis=ax)),
    "median": (lambda x, ax: jnp.median(x, axis=ax), lambda x, ax: np.median(x, axis=ax)),
    "quantile": (lambda x, ax: jnp.quantile(x, 0.3, axis=ax, method="linear"),
                 lambda x, ax: np.quantile(x, 0.3, axis=ax)),
}


@st.composite
def _array_and_axis(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    seed = draw(st.integers(0, 2 ** 16))
    x = np.random.RandomState(seed).randint(-3, 4, shape).astype(np.float64)   # ties included
    return x, axis


@pytest.mark.parametrize("name", sorted(_AXIS_FUNCS))
@_SHORT
@given(case=_array_and_axis())
def test_random_shapes_and_axes_traced_vs_numpy(name, case, monkeypatch):
    x, ax = case
    f, ref = _AXIS_FUNCS[name]
    monkeypatch.setenv("FUNCGRAD_BACKEND", "python")
    want = ref(x, ax)
    np.testing.assert_allclose(f(x, ax), want, rtol=1e-12)
    got = fg.jit(lambda x: f(x, ax))(x)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12)
    batched = fg.vmap(lambda x: f(x, ax))(np.stack([x, -x]))
    np.testing.assert_allclose(batched[1], ref(-x, ax), rtol=1e-12)


@st.composite
def _pad_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2)))
    widths = tuple((draw(st.integers(0, 6)), draw(st.integers(0, 6))) for _ in shape)
    mode = draw(st.sampled_from(["constant", "edge", "wrap", "reflect", "symmetric", "linear_ramp",
                                 "maximum", "minimum", "mean", "median"]))
    seed = draw(st.integers(0, 2 ** 16))
    return np.random.RandomState(seed).randn(*shape), widths, mode


@_SHORT
@given(case=_pad_case())
def test_pad_modes_traced_match_numpy_for_any_width(case, monkeypatch):
    x, widths, mode = case
    monkeypatch.setenv("FUNCGRAD_BACKEND", "python")
    want = np.pad(x, widths, mode)
    got = fg.jit(lambda x: jnp.pad(x, widths, mode))(x)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
