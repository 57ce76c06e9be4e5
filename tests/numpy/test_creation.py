"""Creation functions: values, dtypes (float64 default, canonicalized when x64 is off), traced use."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.array import Array
from funcgrad.test_util import check_grads

from .checks import F32, F64, I32, I64, assert_same, check_numpy, check_traced

CASES = [
    ("zeros", ((2, 3),), {}), ("zeros", (3,), {"dtype": np.int32}), ("ones", ((2,),), {}),
    ("ones", ((), bool), {}), ("full", ((2, 2), 7), {}), ("full", ((2,), 1.5), {"dtype": np.float32}),
    ("full", (3, np.float32(2)), {}), ("full", ((2, 3), [1, 2, 3]), {}),
    ("arange", (5,), {}), ("arange", (1, 7, 2), {}), ("arange", (0.0, 1.0, 0.25), {}),
    ("arange", (5,), {"dtype": np.float32}), ("arange", (2, 11), {"dtype": np.int8}),
    ("linspace", (0, 1, 5), {}), ("linspace", (0, 1, 5), {"endpoint": False}),
    ("linspace", (2, 3, 4), {"dtype": np.float32}), ("linspace", (0, 10, 4), {"dtype": np.int32}),
    ("linspace", (np.zeros(2), np.ones(2), 3), {"axis": 1}), ("linspace", (1, 2, 1), {}),
    ("logspace", (0, 2, 3), {}), ("eye", (3,), {}), ("eye", (2, 3, 1), {}),
    ("eye", (3,), {"dtype": np.int32}), ("identity", (2,), {}), ("tri", (3, 4, -1), {}),
    ("array", ([1, 2, 3],), {}), ("array", ([[1.0, 2], [3, 4]],), {}), ("array", (3.5,), {}),
    ("array", ([True, False],), {}), ("array", ([1, 2],), {"dtype": np.float32}),
    ("asarray", ([1.5, 2],), {}), ("asarray", (np.arange(3, dtype=np.int8),), {}),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}".replace(" ", ""))
def test_creation_matches_numpy(case):
    name, args, kw = case
    check_numpy(getattr(jnp, name), getattr(np, name), *args, **kw)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}".replace(" ", ""))
def test_creation_x64_off(case):
    name, args, kw = case
    fg.config.update("jax_enable_x64", False)
    got = getattr(jnp, name)(*args, **kw)
    want = np.asarray(getattr(np, name)(*args, **kw))
    canon = {F64: F32, I64: I32}.get(want.dtype, want.dtype)
    assert got.dtype == canon
    np.testing.assert_allclose(got, want.astype(canon), rtol=1e-6)


def test_empty_is_zeros():
    assert_same(jnp.empty((2, 3), np.int32), np.zeros((2, 3), np.int32))


def test_like_functions():
    for x in (np.ones((2, 3), np.float32), np.arange(3), 2.5, np.bool_(True)):
        for name in ("zeros_like", "ones_like", "empty_like"):
            got = check_numpy(getattr(jnp, name), getattr(np, name), x) if name != "empty_like" else \
                getattr(jnp, name)(x)
            assert got.dtype == np.asarray(x).dtype and got.shape == np.shape(x)
        check_numpy(jnp.full_like, np.full_like, x, 3)
        check_numpy(jnp.zeros_like, np.zeros_like, x, dtype=np.int32)
        check_numpy(jnp.ones_like, np.ones_like, x, shape=(2, 1))
        check_traced(lambda a: jnp.zeros_like(a) + jnp.ones_like(a) * jnp.full_like(a, 2), x)


def test_asarray_is_zero_copy_and_array_copies():
    x = np.arange(4.0)
    a = jnp.asarray(x)
    assert type(a) is Array and np.shares_memory(a, x) and jnp.asarray(a) is a
    assert np.shares_memory(np.asarray(a), x)
    b = jnp.array(x)
    assert not np.shares_memory(b, x)
    assert jnp.array(x, ndmin=3).shape == (1, 1, 4)
    assert jnp.copy(a) is not a and not np.shares_memory(jnp.copy(a), x)


def test_asarray_of_lists_with_tracers():
    """Python scalars in the list are weak: a float32 tracer keeps the stack float32."""
    x32 = np.float32(1.5)
    f = lambda a: jnp.array([a, 2.0, 3])                        # noqa: E731
    assert fg.make_jaxpr(f)(x32).out_avals[0].dtype == F32
    check_traced(f, x32)
    check_traced(lambda a: jnp.asarray([[a, a], [1, a]]), np.float64(2))
    check_traced(lambda a: jnp.array([a, 1], dtype=np.float32), np.float64(2))
    check_grads(lambda a: jnp.sum(jnp.array([a, 2.0 * a, [3.0, 4][0]]) ** 2), (1.5,), order=2)


def test_traced_fill_and_linspace():
    check_traced(lambda v: jnp.full((2, 3), v), np.float32(1.5))
    check_traced(lambda v: jnp.full((2,), v, dtype=np.int32), 3.7)
    for kw in ({}, {"endpoint": False}, {"dtype": np.int32}, {"num": 1}, {"axis": -1}):
        num = kw.pop("num", 5)
        check_traced(lambda a, b: jnp.linspace(a, b, num, **kw), np.array([0.0, 1.0]), np.array([2.0, -1.0]))
    check_traced(lambda a: jnp.linspace(a, 1.0, 4), np.float32(0))
    check_traced(lambda a: jnp.linspace(0.0, a, 4, retstep=True), 2.0)
    check_grads(lambda a, b: jnp.linspace(a, b, 5), (0.5, 2.0), order=1)


def test_arange_bounds_must_be_concrete():
    with pytest.raises(fg.ConcretizationError, match="arange"):
        fg.make_jaxpr(lambda n: jnp.arange(n))(3)
    g = fg.grad(lambda x, n: jnp.sum(x * jnp.arange(n)), argnums=0)(2.0, 4)   # concrete under grad
    assert_same(g, np.float64(6))


def test_triangles_diag_meshgrid_astype():
    x = np.arange(12.0).reshape(3, 4)
    for k in (0, 1, -1):
        check_numpy(jnp.tril, np.tril, x, k)
        check_numpy(jnp.triu, np.triu, x, k)
        check_traced(lambda a: jnp.tril(a, k) - jnp.triu(a, k), x)
        check_numpy(jnp.diag, np.diag, x, k)
        check_numpy(jnp.diag, np.diag, x[0], k)
        check_traced(lambda a: jnp.diag(a, k), x[0])
    check_traced(lambda a: jnp.diag(a, 1), x)
    check_grads(lambda a: jnp.diag(a, -1) @ jnp.ones(5), (x[0],), order=1)
    for ind in ("xy", "ij"):
        check_numpy(jnp.meshgrid, np.meshgrid, x[0], x[:, 0], indexing=ind)
        check_traced(lambda a, b: jnp.meshgrid(a, b, indexing=ind), x[0], x[:, 0])
    check_numpy(jnp.astype, lambda a, d: a.astype(d), x, np.int32)
    check_traced(lambda a: jnp.astype(a, np.float32), x)
    fg.config.update("jax_enable_x64", False)
    assert jnp.astype(x, np.float64).dtype == F32 and jnp.asarray(x).astype(np.int64).dtype == I32
