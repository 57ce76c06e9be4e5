"""funcgrad.Array: the eager result type (an ndarray subclass), its operators and methods."""
import pickle

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.array import Array, WeakArray

from .checks import F32, F64, I32, assert_same


def test_eager_results_are_arrays_and_zero_copy():
    x = np.arange(6.0).reshape(2, 3)
    for r in (jnp.sin(x), jnp.sum(x), jnp.reshape(x, (3, 2)), jnp.asarray(x), x @ jnp.ones(3),
              jnp.ones(2) + x[0, :2], jnp.where(x > 2, x, 0.0), jnp.einsum("ij->j", x), jnp.max(x, 0)):
        assert isinstance(r, Array) and isinstance(r, np.ndarray) and isinstance(r, jnp.ndarray)
    a = jnp.asarray(x)
    view = np.asarray(a)
    assert type(view) is np.ndarray and np.shares_memory(view, x)
    r = jnp.reshape(a, (3, 2))
    assert np.shares_memory(r, x)                          # NumPy's view, wrapped without a copy


def test_item_assignment_is_refused_with_a_pointer_to_at():
    a = jnp.zeros(3)
    with pytest.raises(TypeError, match=r"x\.at\[idx\]\.set\(y\)"):
        a[0] = 1.0
    with pytest.raises(TypeError, match="immutable"):
        fg.grad(lambda x: x.__setitem__(0, 1.0))(1.0)


def test_inplace_operators_rebind_instead_of_mutating():
    x = np.ones(3)
    a = jnp.asarray(x)
    b = a
    b += 1
    b *= 2
    assert_same(b, np.full(3, 4.0))
    assert_same(a, np.ones(3)) and np.array_equal(x, np.ones(3))
    assert isinstance(b, Array)


def test_repr_always_shows_dtype():
    assert repr(jnp.arange(3)) == "Array([0, 1, 2], dtype=int64)"
    assert repr(jnp.zeros(2)) == "Array([0., 0.], dtype=float64)"
    assert repr(jnp.ones((), np.float32)) == "Array(1., dtype=float32)"
    assert repr(jnp.array([True])) == "Array([ True], dtype=bool)"
    assert repr(jnp.sqrt(4.0)) == "Array(2., dtype=float64)"


def test_operators_follow_funcgrad_rules():
    fg.config.update("jax_enable_x64", False)
    a = jnp.ones(3)                                         # float32
    assert (a + np.ones(3)).dtype == F32                    # the float64 operand is canonicalized
    assert (np.ones(3) * a).dtype == F32                    # reflected operator runs first
    assert (a.sum().dtype, jnp.arange(3).sum().dtype, jnp.arange(3).mean().dtype) == (F32, I32, F32)
    assert a.astype(np.float64).dtype == F32
    fg.config.update("jax_enable_x64", True)
    b = jnp.arange(4)
    for op, want in [(lambda x: x + 1, np.arange(1, 5)), (lambda x: 2 ** x, 2 ** np.arange(4)),
                     (lambda x: -x, -np.arange(4)), (lambda x: abs(x - 2), abs(np.arange(4) - 2)),
                     (lambda x: x // 3, np.arange(4) // 3), (lambda x: x % 3, np.arange(4) % 3),
                     (lambda x: x < 2, np.arange(4) < 2), (lambda x: (x & 1) | 4, (np.arange(4) & 1) | 4),
                     (lambda x: x == 2, np.arange(4) == 2), (lambda x: x @ x, 14)]:
        got = op(b)
        assert isinstance(got, Array)
        assert_same(got, np.asarray(want))


def test_reduction_methods_return_arrays():
    a = jnp.arange(6.0).reshape(2, 3)
    for got, want in [(a.sum(), 15.0), (a.mean(axis=0), [1.5, 2.5, 3.5]), (a.max(1), [2.0, 5.0]),
                      (a.var(), np.var(np.arange(6.0))), (a.argmax(), 5), (a.prod(0), [0.0, 4.0, 10.0])]:
        assert isinstance(got, Array)
        np.testing.assert_allclose(got, want)
    assert isinstance(np.sum(a), Array) and isinstance(np.mean(a, axis=1), Array)


def test_weak_scalars_eagerly():
    """Results computed only from Python scalars are weakly typed, eagerly as under a transform."""
    s = jnp.sqrt(2.0)
    assert type(s) is WeakArray and s.weak_type and s.aval.weak_type
    x32 = jnp.ones(3, np.float32)
    assert (x32 * s).dtype == F32 and (s * x32).dtype == F32 and jnp.multiply(x32, s).dtype == F32
    assert (x32 * jnp.array(2.0)).dtype == F32 and (x32 * jnp.sum(2.0)).dtype == F32
    assert not jnp.asarray(np.float64(2)).weak_type and not jnp.sqrt(np.float64(2)).weak_type
    assert not (s * jnp.ones(()) ).weak_type                       # a strong operand: strong
    assert not jnp.mean(2.0).weak_type and not jnp.greater(s, 1).weak_type
    closed = fg.make_jaxpr(lambda x: x * s)(x32)                    # as a constant in a trace
    assert closed.out_avals[0].dtype == F32
    assert fg.grad(lambda x: jnp.sum(x * s))(x32).dtype == F32


def test_array_misc():
    a = jnp.arange(3.0)
    assert a.block_until_ready() is a and fg.block_until_ready(a) is a
    assert a.aval.shape == (3,) and a.aval.dtype == F64 and not a.weak_type
    b = pickle.loads(pickle.dumps(a))
    assert_same(b, np.arange(3.0))
    assert jnp.arange(3, dtype=np.int32).at is not None
    assert_same(a.at[1].set(7.0), np.array([0.0, 7.0, 2.0]))
    assert fg.typeof(a).shape == (3,)
    assert float(jnp.sum(a)) == 3.0 and int(jnp.argmax(a)) == 2 and len(a) == 3
    assert I32 == jnp.asarray(np.arange(3, dtype=np.int32)).dtype
