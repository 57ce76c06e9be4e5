"""Reductions: axis (None, int, negative, tuple), keepdims, where, initial, ddof, dtype; eager ==
NumPy, staged/recorded == eager, gradients."""
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.errors import ShapeError
from funcgrad.test_util import check_grads

from .checks import BOOL, F32, F64, I32, check_numpy, check_traced, sample

NAMES = ["sum", "prod", "max", "min", "mean", "var", "std", "argmax", "argmin", "all", "any",
         "ptp", "count_nonzero", "nansum", "nanmean", "nanmax", "nanmin"]
AXES = [None, 0, -1, (0, 2), (-1, 1)]
NO_TUPLE_AXIS = {"argmax", "argmin"}
NO_KEEPDIMS_KW = set()


def _kwargs(name, axis, keepdims):
    kw = {"axis": axis}
    if keepdims:
        kw["keepdims"] = True
    return kw


@pytest.mark.parametrize("dtype", [F32, F64, I32, BOOL], ids=str)
@pytest.mark.parametrize("name", NAMES)
def test_reduction_axes_keepdims_dtypes(name, dtype):
    rng = np.random.RandomState(0)
    x = sample(rng, (2, 3, 4), dtype, "pos" if name == "prod" else "any")
    fn, np_fn = getattr(jnp, name), getattr(np, name)
    for axis in AXES:
        if name in NO_TUPLE_AXIS and isinstance(axis, tuple):
            continue
        for keepdims in (False, True):
            kw = _kwargs(name, axis, keepdims)
            try:
                np_fn(x, **kw)
            except TypeError:                    # e.g. ptp / nan* of booleans
                with pytest.raises(TypeError):
                    fn(x, **kw)
                continue
            tol = 1e-5 if dtype == F32 else None
            check_numpy(fn, np_fn, x, rtol=tol, **kw)
            check_traced(lambda a: fn(a, **kw), x, rtol=tol)


def test_weak_scalar_and_0d_inputs():
    for name in ("sum", "prod", "max", "mean", "var", "argmax", "all"):
        fn = getattr(jnp, name)
        check_numpy(fn, getattr(np, name), 2.5)
        check_traced(fn, 2.5)
        check_traced(fn, np.float32(2.5))
        check_traced(fn, 3)


def test_where_initial_dtype_ddof():
    rng = np.random.RandomState(1)
    x = sample(rng, (3, 4), F64)
    m = rng.randint(0, 2, (3, 4)).astype(bool)
    m[:, 0] = True
    cases = [
        ("sum", dict(axis=1, where=m)), ("sum", dict(initial=2.0)), ("sum", dict(dtype=np.float32)),
        ("sum", dict(axis=0, where=m[0], keepdims=True)), ("prod", dict(axis=1, where=m, initial=2.0)),
        ("max", dict(axis=1, where=m, initial=-5.0)), ("min", dict(axis=0, initial=0.0)),
        ("mean", dict(axis=1, where=m)), ("mean", dict(axis=0, where=m, keepdims=True)),
        ("mean", dict(dtype=np.float32)), ("var", dict(axis=1, ddof=1)), ("var", dict(axis=1, where=m)),
        ("var", dict(axis=0, where=m, keepdims=True, ddof=1)), ("std", dict(ddof=1, keepdims=True)),
        ("all", dict(axis=1, where=m)), ("any", dict(axis=0, where=m, keepdims=True)),
        ("sum", dict(axis=(0, 1), dtype=np.int32)),
    ]
    for name, kw in cases:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)      # NumPy: "Degrees of freedom <= 0"
            check_numpy(getattr(jnp, name), getattr(np, name), x, **kw)
            check_traced(lambda a: getattr(jnp, name)(a, **kw), x)
    check_traced(lambda a: jnp.var(a, correction=1), x)
    np.testing.assert_allclose(jnp.var(x, correction=1), np.var(x, ddof=1))


def test_dtype_rules():
    """Small ints and bools sum in the default int; mean of ints is float64; float16 mean stays."""
    i8 = np.arange(5, dtype=np.int8)
    assert jnp.sum(i8).dtype == np.int64 and jnp.prod(i8 + 1).dtype == np.int64
    assert jnp.mean(i8).dtype == np.float64 and jnp.var(np.ones(3, bool)).dtype == np.float64
    h = np.linspace(0, 1, 7).astype(np.float16)
    for name in ("sum", "mean", "max"):
        check_numpy(getattr(jnp, name), getattr(np, name), h, rtol=1e-3)
        check_traced(getattr(jnp, name), h, rtol=1e-3)
    for name in ("sum", "mean", "var", "argmax"):
        check_traced(getattr(jnp, name), i8)
        check_traced(getattr(jnp, name), np.ones(3, bool))


def test_methods_on_arrays_and_tracers():
    x = sample(np.random.RandomState(2), (2, 3), F64)
    xa = jnp.asarray(x)
    for f in (lambda a: a.sum(), lambda a: a.sum(axis=0, keepdims=True), lambda a: a.mean(-1),
              lambda a: a.max(1), lambda a: a.min(), lambda a: a.var(ddof=1), lambda a: a.std(0),
              lambda a: a.prod(1), lambda a: a.argmax(), lambda a: a.argmin(axis=1),
              lambda a: (a > 0).all(1), lambda a: (a > 0).any()):
        got = f(xa)
        assert type(got) is jnp.ndarray
        np.testing.assert_allclose(got, f(x))
        check_traced(f, x)
    assert type(np.sum(xa)) is jnp.ndarray        # numpy's function defers to the Array method


def test_errors():
    x = jnp.ones((2, 3))
    with pytest.raises(ShapeError, match="out of bounds"):
        fg.make_jaxpr(lambda a: jnp.sum(a, axis=2))(x)
    with pytest.raises(ShapeError, match="repeated axis"):
        fg.make_jaxpr(lambda a: jnp.sum(a, axis=(0, -2)))(x)
    with pytest.raises(ValueError, match="zero-size"):
        fg.make_jaxpr(lambda a: jnp.max(a, axis=0))(np.ones((0, 3)))
    with pytest.raises(ValueError, match="zero-size"):
        jnp.max(np.ones((0, 3)), axis=0)
    with pytest.raises(NotImplementedError, match="out="):
        jnp.sum(x, out=np.zeros(()))
    check_traced(lambda a: jnp.max(a, axis=0, initial=-1.0), np.ones((0, 3)))


@pytest.mark.parametrize("name", ["sum", "prod", "max", "min", "mean", "var", "std", "ptp"])
def test_reduction_grads(name):
    rng = np.random.RandomState(3)
    x = sample(rng, (3, 4), F64, "pos")
    fn = getattr(jnp, name)
    check_grads(lambda a: fn(a), (x,), order=2)
    check_grads(lambda a: fn(a, axis=-1, keepdims=True) * a, (x,), order=1)
    check_grads(lambda a: fn(a, axis=(0, 1)), (x,), order=1)


def test_masked_and_ties_grads():
    x = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]])
    m = np.array([[True, False, True], [True, True, False]])
    check_grads(lambda a: jnp.sum(a * a, where=m), (x,), order=2)
    check_grads(lambda a: jnp.mean(a, axis=1, where=m), (x,), order=1)
    check_grads(lambda a: jnp.var(a, axis=1, where=m, ddof=1), (x,), order=1)
    g = fg.grad(lambda a: jnp.max(a))(x)              # ties share the gradient, as in JAX
    np.testing.assert_allclose(g, [[0, 0.5, 0.5], [0, 0, 0]])


def test_average():
    rng = np.random.RandomState(4)
    x, w = sample(rng, (3, 4), F64), sample(rng, (3, 4), F64, "pos")
    check_numpy(jnp.average, np.average, x, axis=1, weights=w)
    check_traced(lambda a, b: jnp.average(a, axis=1, weights=b), x, w)
    check_traced(lambda a, b: jnp.average(a, axis=0, weights=b), x, w[:, 0])
    check_traced(lambda a: jnp.average(a, axis=0), x)
    check_grads(lambda a, b: jnp.average(a, axis=1, weights=b), (x, w), order=1)
