"""Indexing: ``x[idx]`` (basic and advanced), ``x.at[idx].op(...)``, ``take``, ``take_along_axis``
and the ``lax.dynamic_*`` functions.

Every form is checked eagerly, staged (``make_jaxpr`` + ``eval_jaxpr``), with traced indices,
under ``vmap`` and under ``grad``, against NumPy. Out-of-bounds semantics are JAX's: gathers clamp
(or fill), scatters drop (or clamp).
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.core.array import Array
from funcgrad.core.errors import ShapeError
from funcgrad.core.trace import eval_jaxpr
from funcgrad.numpy import NonConcreteBooleanIndexError
from funcgrad.test_util import assert_ir, check_grads

A = np.array
X = np.arange(4 * 5 * 6, dtype=np.float64).reshape(4, 5, 6)

# in-bounds index forms for an array of shape (4, 5, 6)
FORMS = [
    1, -1, [0, 2], A([[0, 1], [2, 3]]), (slice(None), [1, 2]), ([0, 1], [1, 2]),
    ([0, 1], slice(None), [1, 2]),                 # separated by a slice: index dims go first
    (slice(None), [0, 1], [2, 3]),                 # adjacent after a slice: they stay in place
    (None, [0, 1]), ([0, 1], None, [1, 2]), (Ellipsis, [0, 1]), ([[0], [1]], [0, 1, 2]),
    (1, slice(None), [0, 2]), (slice(None, None, -1), [0, 1]), (slice(1, 3), [2, 0], slice(None, None, 2)),
    A([True, False, True, True]), (slice(None), X[0] > 40), ([0, 1, 2], [True, False, True, False, True]),
    True, False, ([0, 1], True), A([], int), (Ellipsis, None, [1], 2), (A(2), slice(1, None)),
    ([1, 2], Ellipsis, A(3)), (A([3, 0, 3]),), (A([-1, -4]), -2), ([[2, -1]], slice(0, 4, 3), [[1], [4]]),
]


def _ids(forms):
    return [repr(f).replace(" ", "")[:40] for f in forms]


def staged(f, *args):
    """Run ``f`` through make_jaxpr + eval_jaxpr."""
    closed = fg.make_jaxpr(f)(*args)
    (out,) = eval_jaxpr(closed.jaxpr, closed.consts, list(args))
    return out


def _traced_index(idx):
    """Split ``idx`` into (template, leaves): integer array / int components become arguments."""
    idx = idx if isinstance(idx, tuple) else (idx,)
    leaves, template = [], []
    for i in idx:
        if isinstance(i, (list, np.ndarray, int)) and not isinstance(i, bool) and np.asarray(i).dtype.kind == "i":
            template.append(len(leaves))
            leaves.append(np.asarray(i))
        else:
            template.append(("static", i))
    return template, leaves


def _rebuild(template, leaves):
    return tuple(leaves[t] if isinstance(t, int) else t[1] for t in template)


# --------------------------------------------------------------------------- x[idx]

@pytest.mark.parametrize("idx", FORMS, ids=_ids(FORMS))
def test_getitem_matches_numpy(idx):
    want = X[idx]
    got = jnp.asarray(X)[idx]
    assert type(got) is Array
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(staged(lambda x: x[idx], X), want)


@pytest.mark.parametrize("idx", FORMS, ids=_ids(FORMS))
def test_getitem_with_traced_indices(idx):
    template, leaves = _traced_index(idx)
    if not leaves:
        pytest.skip("no integer components")
    f = lambda x, *ls: x[_rebuild(template, ls)]
    np.testing.assert_array_equal(staged(f, X, *leaves), X[idx])


@pytest.mark.parametrize("idx", FORMS, ids=_ids(FORMS))
def test_getitem_grad_is_scatter_add_of_cotangent(idx):
    want_shape = X[idx].shape
    w = np.random.RandomState(0).randn(*want_shape)
    g = fg.grad(lambda x: jnp.sum(x[idx] * w))(X)
    expected = np.zeros_like(X)
    np.add.at(expected, idx, w)              # duplicates accumulate
    np.testing.assert_allclose(g, expected)


VMAP_FORMS = [([0, 1], slice(None), [1, 2]), (slice(None), [0, 1], [2, 3]), [3, 3, 0],
              (Ellipsis, None, [1], 2), (slice(None, None, -1), [0, 1])]


@pytest.mark.parametrize("idx", VMAP_FORMS, ids=_ids(VMAP_FORMS))
def test_getitem_under_vmap(idx):
    xs = np.random.RandomState(1).randn(3, 4, 5, 6)
    got = fg.vmap(lambda x: x[idx])(xs)
    np.testing.assert_array_equal(got, np.stack([x[idx] for x in xs]))
    got = fg.vmap(lambda x: x[idx], in_axes=2)(xs.transpose(1, 2, 0, 3))
    np.testing.assert_array_equal(got, np.stack([x[idx] for x in xs]))


def test_vmap_with_batched_indices():
    rng = np.random.RandomState(2)
    xs = rng.randn(3, 4, 5)
    i = rng.randint(-4, 4, (3, 2))
    j = rng.randint(0, 5, (3, 2))
    both = fg.vmap(lambda x, i, j: x[i, :, None][:, j[0]] + x[:, j][i[1]].sum())(xs, i, j)
    loop = [x[ii, :, None][:, jj[0]] + x[:, jj][ii[1]].sum() for x, ii, jj in zip(xs, i, j)]
    np.testing.assert_allclose(both, np.stack(loop))
    only_idx = fg.vmap(lambda i: jnp.asarray(xs[0])[i], in_axes=0)(i)
    np.testing.assert_array_equal(only_idx, np.stack([xs[0][ii] for ii in i]))
    scalar = fg.vmap(lambda x, k: x[k, 1:])(xs, np.array([0, -1, 3]))
    np.testing.assert_array_equal(scalar, np.stack([xs[0][0, 1:], xs[1][-1, 1:], xs[2][3, 1:]]))


def test_traced_scalar_index_is_a_dynamic_slice():
    x = np.zeros((4, 3))
    assert_ir(fg.make_jaxpr(lambda x, i: x[i])(x, np.int64(2)), """
        { lambda ; a:f64[4,3] b:i64[]. let
            c:f64[1,3] = dynamic_slice[slice_sizes=(1, 3)] a b 0:i64[]
            d:f64[3] = squeeze[dimensions=(0,)] c
          in (d,) }""")
    for i in range(-6, 7):   # wraps negatives, clamps out of bounds
        np.testing.assert_array_equal(staged(lambda x, i: x[i], X[:, 0], np.int64(i)),
                                      X[min(max(i + 4 if i < 0 else i, 0), 3), 0])


def test_grad_of_traced_scalar_index():
    x = np.random.RandomState(3).randn(4, 3)
    g = fg.grad(lambda x, i: jnp.sum(x[i] ** 2))(x, jnp.asarray(2))   # 0-d array: dynamic_slice
    expected = np.zeros_like(x)
    expected[2] = 2 * x[2]
    np.testing.assert_allclose(g, expected)
    check_grads(lambda x: x[jnp.argmax(x[:, 0])] * x[1, 2], (x,), order=2)


# --------------------------------------------------------------------------- out of bounds

def test_out_of_bounds_gathers_clamp():
    x = jnp.arange(5.0)
    for f in (lambda x: x[10], lambda x: x[-10], lambda x: x[jnp.array([7, -9, 2])],
              lambda x: x.at[jnp.array([[8]])].get()):
        eager, traced = f(x), staged(f, np.asarray(x))
        np.testing.assert_array_equal(eager, traced)
    assert float(x[10]) == 4.0 and float(x[-10]) == 0.0
    np.testing.assert_array_equal(x[jnp.array([7, -9, 2])], [4.0, 0.0, 2.0])
    m = jnp.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(m[5, [0, 9]], [8, 11])
    np.testing.assert_array_equal(staged(lambda m, i: m[i, [0, 9]], np.asarray(m), np.int64(5)), [8, 11])


def test_fill_mode_gathers():
    x = jnp.arange(5.0)
    idx = jnp.array([1, 5, -6, -1])
    for f in (lambda x: x.at[idx].get(mode="fill", fill_value=-1.0),
              lambda x: jnp.take(x, idx, fill_value=-1.0)):
        np.testing.assert_array_equal(f(x), [1.0, -1.0, -1.0, 4.0])
        np.testing.assert_array_equal(staged(f, np.asarray(x)), [1.0, -1.0, -1.0, 4.0])
    assert np.isnan(x.at[9].get(mode="fill"))
    m = np.arange(20.0).reshape(4, 5)
    f = lambda m: jnp.asarray(m).at[np.array([[0], [1]]), np.array([0, 9])].get(mode="fill", fill_value=-1.0)
    np.testing.assert_array_equal(f(m), [[0.0, -1.0], [5.0, -1.0]])
    np.testing.assert_array_equal(staged(f, m), [[0.0, -1.0], [5.0, -1.0]])
    f = lambda m: jnp.asarray(m).at[:, np.array([7, 1])].get(mode="fill", fill_value=-1.0)
    np.testing.assert_array_equal(f(m), np.stack([-np.ones(4), m[:, 1]], 1))
    np.testing.assert_array_equal(staged(f, m), np.stack([-np.ones(4), m[:, 1]], 1))
    ints = jnp.arange(3)
    assert int(ints.at[3].get(mode="fill")) == np.iinfo(ints.dtype).min
    assert int(jnp.arange(3, dtype=np.uint8).at[-4].get(mode="fill")) == 255
    # filled positions get no gradient
    g = fg.grad(lambda x: jnp.sum(x.at[idx].get(mode="fill", fill_value=0.0) ** 2))(x)
    np.testing.assert_allclose(g, [0.0, 2.0, 0.0, 0.0, 8.0])


def test_out_of_bounds_scatters_drop_or_clip():
    x = jnp.arange(5.0)
    for f, want in [(lambda x: x.at[10].set(-1.0), [0, 1, 2, 3, 4]),
                    (lambda x: x.at[-6].add(10.0), [0, 1, 2, 3, 4]),
                    (lambda x: x.at[jnp.array([0, 9, -1])].add(10.0), [10, 1, 2, 3, 14]),
                    (lambda x: x.at[10].add(10.0, mode="clip"), [0, 1, 2, 3, 14]),
                    (lambda x: x.at[jnp.array([-9, 7])].set(7.0, mode="clip"), [7, 1, 2, 3, 7]),
                    (lambda x: x.at[10].set(-1.0, mode="fill"), [0, 1, 2, 3, 4])]:
        np.testing.assert_array_equal(f(x), want)
        np.testing.assert_array_equal(staged(f, np.asarray(x)), want)


# --------------------------------------------------------------------------- .at[]

def _numpy_update(x, idx, y, op):
    out = np.array(x, copy=True)
    if op == "set":
        out[idx] = y
    else:
        ufunc = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum,
                 "subtract": np.subtract, "divide": np.divide, "power": np.power}[op]
        ufunc.at(out, idx, y)
    return out


UPDATE_INDICES = [1, -1, (slice(1, 3), [0, 4]), ([0, 1], slice(None), [1, 2]), (Ellipsis, [5, 0]),
                  (None, 2, slice(None, None, -2)), A([True, False, False, True]), ([3, 1, 3],),
                  ([[0], [2]], [1, 3, 1]), (slice(None),), (2, 3, 4)]


@pytest.mark.parametrize("op", ["set", "add", "subtract", "multiply", "divide", "power", "min", "max"])
@pytest.mark.parametrize("idx", UPDATE_INDICES, ids=_ids(UPDATE_INDICES))
def test_at_updates_match_numpy(idx, op):
    rng = np.random.RandomState(4)
    x = rng.uniform(0.5, 2.0, X.shape)
    y = rng.uniform(0.5, 2.0, X[idx].shape)
    if op == "set" and repr(idx) == "([3, 1, 3],)":
        y[2] = y[0]            # NumPy leaves duplicate sets unspecified; make them agree
    want = _numpy_update(x, idx, y, op)
    xa = jnp.asarray(x)
    f = lambda x, y: getattr(x.at[idx], op)(y)
    got = f(xa, y)
    assert type(got) is Array
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(staged(f, x, y), want, rtol=1e-12)
    np.testing.assert_array_equal(xa, x)        # the input is never modified
    assert not np.shares_memory(np.asarray(got), np.asarray(xa))


def test_at_updates_with_traced_indices_and_broadcast_values():
    x = np.zeros((3, 4))
    i = np.array([2, 0, 2])
    for f, want in [(lambda x, i: x.at[i].add(1.0), _numpy_update(x, i, 1.0, "add")),
                    (lambda x, i: x.at[i, 1:3].add(jnp.ones(2)), _numpy_update(x, (i, slice(1, 3)), 1.0, "add")),
                    (lambda x, i: x.at[1, i].set(5.0), _numpy_update(x, (1, i), 5.0, "set")),
                    (lambda x, i: x.at[i[0]].max(jnp.arange(4.0)), _numpy_update(x, 2, np.arange(4.0), "max"))]:
        np.testing.assert_array_equal(staged(f, x, i), want)
        np.testing.assert_array_equal(f(jnp.asarray(x), i), want)


def test_at_casts_values_to_the_array_dtype():
    x = jnp.arange(4)
    out = x.at[1].set(2.7)
    assert out.dtype == x.dtype and int(out[1]) == 2
    assert x.at[jnp.array([0, 0])].add(1.0).dtype == x.dtype
    assert staged(lambda x: x.at[jnp.array([0])].add(1.5), np.asarray(x)).dtype == x.dtype


def test_duplicate_indices():
    x = jnp.zeros(3)
    idx = jnp.array([0, 2, 0, 0])
    np.testing.assert_array_equal(x.at[idx].add(jnp.array([1.0, 2.0, 3.0, 4.0])), [8, 0, 2])
    np.testing.assert_array_equal(jnp.ones(3).at[idx].multiply(2.0), [8, 1, 2])
    # set: the last duplicate wins (deterministic here; JAX leaves it unspecified)
    np.testing.assert_array_equal(x.at[idx].set(jnp.array([1.0, 2.0, 3.0, 4.0])), [4, 0, 2])
    np.testing.assert_array_equal(staged(lambda x, v: x.at[idx].set(v), np.zeros(3), np.array([1.0, 2, 3, 4])),
                                  [4, 0, 2])
    # apply: applied once per occurrence, as ufunc.at
    np.testing.assert_array_equal(jnp.ones(3).at[idx].apply(lambda v: v * 3.0), [27, 1, 3])
    np.testing.assert_allclose(staged(lambda x: x.at[idx].apply(jnp.exp), np.zeros(3)),
                               [np.exp(np.exp(np.exp(0.0))), 0.0, 1.0])


def test_apply_with_traced_indices_needs_unique_indices():
    f = lambda x, i: x.at[i].apply(jnp.sin)
    with pytest.raises(NotImplementedError, match="unique_indices=True"):
        fg.make_jaxpr(f)(np.zeros(3), np.array([0, 1]))
    g = lambda x, i: x.at[i].apply(jnp.sin, unique_indices=True)
    np.testing.assert_allclose(staged(g, np.ones(3), np.array([0, 2])), [np.sin(1), 1, np.sin(1)])


def test_grad_of_at_set_wrt_array_and_values():
    rng = np.random.RandomState(5)
    x, y = rng.randn(5, 3), rng.randn(2, 3)
    w = rng.randn(5, 3)
    idx = np.array([4, 1])
    f = lambda x, y: jnp.sum(x.at[idx].set(y) * w)
    gx, gy = fg.grad(f, argnums=(0, 1))(x, y)
    ex = w.copy()
    ex[idx] = 0.0                                # overwritten entries get no gradient
    np.testing.assert_allclose(gx, ex)
    np.testing.assert_allclose(gy, w[idx])
    check_grads(lambda x, y: jnp.tanh(jnp.asarray(x).at[idx].set(y * x[0])), (x, y), order=2)
    # duplicates: only the winning (last) update receives the cotangent
    dup = np.array([1, 3, 1])
    gy = fg.grad(lambda y: jnp.sum(jnp.zeros((5, 3)).at[dup].set(y) * w))(rng.randn(3, 3))
    np.testing.assert_allclose(gy, np.stack([np.zeros(3), w[3], w[1]]))
    # dropped (out-of-bounds) updates get no gradient either
    gy = fg.grad(lambda y: jnp.sum(jnp.asarray(x).at[jnp.array([0, 7])].set(y) * w))(y)
    np.testing.assert_allclose(gy, np.stack([w[0], np.zeros(3)]))


@pytest.mark.parametrize("op", ["add", "multiply", "min", "max", "divide", "power"])
def test_grads_of_at_updates(op):
    rng = np.random.RandomState(6)
    x, y = rng.uniform(0.5, 2.0, (4, 3)), rng.uniform(0.5, 2.0, (3, 3))
    idx = np.array([2, 0, 2])
    check_grads(lambda x, y: getattr(jnp.asarray(x).at[idx], op)(y), (x, y), order=1)
    check_grads(lambda x, y: getattr(jnp.asarray(x).at[1:, 2], op)(y[0]), (x, y), order=2)


def test_vmap_of_at_updates():
    rng = np.random.RandomState(7)
    xs, ys, idx = rng.randn(3, 4, 2), rng.randn(3, 2, 2), rng.randint(-4, 4, (3, 2))
    for op in ("set", "add", "multiply", "min", "max"):
        f = lambda x, y, i: getattr(jnp.asarray(x).at[i], op)(y)
        got = fg.vmap(f)(xs, ys, idx)
        np.testing.assert_allclose(got, np.stack([f(jnp.asarray(x), y, i) for x, y, i in zip(xs, ys, idx)]))
        got = fg.vmap(f, in_axes=(None, 0, 0))(xs[0], ys, idx)
        np.testing.assert_allclose(got, np.stack([f(jnp.asarray(xs[0]), y, i) for y, i in zip(ys, idx)]))


def test_cross_entropy_pattern():
    rng = np.random.RandomState(8)
    n, k = 6, 4
    logits = rng.randn(n, k)
    labels = rng.randint(0, k, n)

    def loss(logits):
        log_probs = fg.nn.log_softmax(logits)
        return -log_probs[jnp.arange(n), labels].mean()

    lp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    np.testing.assert_allclose(loss(logits), -lp[np.arange(n), labels].mean())
    check_grads(loss, (logits,), order=2)
    g = fg.grad(loss)(logits)
    np.testing.assert_allclose(g, (np.exp(lp) - np.eye(k)[labels]) / n, atol=1e-12)
    assert "gather[axes=(0, 1) mode='clip']" in str(fg.make_jaxpr(loss)(logits))


# --------------------------------------------------------------------------- take

@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_take_matches_numpy(axis):
    a = np.arange(24.0).reshape(4, 6)
    idx = np.array([[0, 3], [2, 1]])
    want = np.take(a, idx, axis=axis)
    np.testing.assert_array_equal(jnp.take(a, idx, axis=axis), want)
    np.testing.assert_array_equal(staged(lambda a, i: jnp.take(a, i, axis=axis), a, idx), want)
    np.testing.assert_array_equal(jnp.take(a, 2, axis=axis), np.take(a, 2, axis=axis))
    np.testing.assert_array_equal(jnp.take(a, [-1, 7], axis=axis, mode="wrap"),
                                  np.take(a, [-1, 7], axis=axis, mode="wrap"))
    np.testing.assert_array_equal(jnp.take(a, [-1, 70], axis=axis, mode="clip"),   # as NumPy/JAX:
                                  np.take(a, [-1, 70], axis=axis, mode="clip"))   # -1 clips to 0


def test_take_modes():
    a = jnp.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(jnp.take(a, jnp.array([0, 3, -4])), [1.0, np.nan, np.nan])
    np.testing.assert_array_equal(jnp.take(a, jnp.array([0, 3]), fill_value=0.0), [1.0, 0.0])
    with pytest.raises(NotImplementedError, match="raise"):
        jnp.take(a, 0, mode="raise")
    with pytest.raises(ValueError, match="invalid mode"):
        jnp.take(a, 0, mode="bogus")


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis_matches_numpy(axis):
    rng = np.random.RandomState(9)
    a = rng.randn(3, 4)
    if axis is None:
        idx = rng.randint(0, 12, 5)
    else:
        shape = [3, 4]
        shape[axis] = 5
        idx = rng.randint(0, a.shape[axis], shape)
    want = np.take_along_axis(a, idx, axis=axis)
    np.testing.assert_array_equal(jnp.take_along_axis(a, idx, axis=axis), want)
    np.testing.assert_array_equal(staged(lambda a, i: jnp.take_along_axis(a, i, axis=axis), a, idx), want)
    check_grads(lambda a: jnp.take_along_axis(a, idx, axis=axis), (a,), order=2)


def test_take_along_axis_broadcasts_and_fills():
    a = np.arange(12.0).reshape(3, 4)
    idx = np.array([[0, 5, 3]])                  # broadcasts along axis 0; 5 is out of bounds
    got = jnp.take_along_axis(a, idx, axis=1)
    want = np.take_along_axis(a, np.array([[0, 0, 3]]).repeat(3, 0), axis=1)
    want[:, 1] = np.nan
    np.testing.assert_array_equal(got, want)
    order = np.argsort(-a, axis=1)
    np.testing.assert_array_equal(jnp.take_along_axis(a, order, axis=1), -np.sort(-a, axis=1))


# --------------------------------------------------------------------------- lax.dynamic_*

def _np_dynamic_slice(x, starts, sizes):
    lo = []
    for s, n, m in zip(starts, x.shape, sizes):
        s = s + n if s < 0 else s
        lo.append(min(max(s, 0), n - m))
    return x[tuple(slice(a, a + m) for a, m in zip(lo, sizes))], lo


@pytest.mark.parametrize("starts", [(0, 0), (1, 2), (3, 4), (-1, -2), (9, -9)])
def test_dynamic_slice_and_update(starts):
    rng = np.random.RandomState(10)
    x, u = rng.randn(4, 5), rng.randn(2, 3)
    want, lo = _np_dynamic_slice(x, starts, (2, 3))
    for fn in (lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3)),
               lambda x, i, j: lax.dynamic_slice(x, jnp.stack([i, j]), (2, 3))):
        np.testing.assert_array_equal(fn(x, *starts), want)
        np.testing.assert_array_equal(staged(fn, x, *map(np.int64, starts)), want)
    upd = x.copy()
    upd[lo[0]:lo[0] + 2, lo[1]:lo[1] + 3] = u
    f = lambda x, u, i, j: lax.dynamic_update_slice(x, u, (i, j))
    np.testing.assert_array_equal(f(x, u, *starts), upd)
    np.testing.assert_array_equal(staged(f, x, u, *map(np.int64, starts)), upd)
    check_grads(lambda x, u: f(x, u, *starts) * lax.dynamic_slice(x, starts, (4, 5)), (x, u), order=2)


def test_dynamic_in_dim_helpers():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(x, 1, 2, axis=2), x[:, :, 1:3])
    np.testing.assert_array_equal(lax.dynamic_slice_in_dim(x, -1, 1, axis=1), x[:, 2:3])
    np.testing.assert_array_equal(lax.dynamic_index_in_dim(x, 1, axis=1), x[:, 1:2])
    np.testing.assert_array_equal(lax.dynamic_index_in_dim(x, 5, axis=2, keepdims=False), x[:, :, 3])
    out = lax.dynamic_update_slice_in_dim(x, np.zeros((2, 3, 2)), 3, axis=2)
    want = x.copy()
    want[:, :, 2:] = 0
    np.testing.assert_array_equal(out, want)


def test_vmap_of_dynamic_slice_with_batched_starts():
    rng = np.random.RandomState(11)
    xs, us = rng.randn(3, 6), rng.randn(3, 2)
    starts = np.array([-1, 2, 9])
    got = fg.vmap(lambda x, i: lax.dynamic_slice_in_dim(x, i, 3))(xs, starts)
    np.testing.assert_array_equal(got, np.stack([_np_dynamic_slice(x, (s,), (3,))[0] for x, s in zip(xs, starts)]))
    got = fg.vmap(lambda x, u, i: lax.dynamic_update_slice_in_dim(x, u, i, 0), in_axes=(None, 0, 0))(xs[0], us, starts)
    want = []
    for u, s in zip(us, starts):
        lo = _np_dynamic_slice(xs[0], (s,), (2,))[1][0]
        w = xs[0].copy()
        w[lo:lo + 2] = u
        want.append(w)
    np.testing.assert_array_equal(got, np.stack(want))
    # grad of vmap of dynamic_slice (JAX's testGradOfVmapOfDynamicSlice)
    g = fg.grad(lambda xs: jnp.sum(fg.vmap(lambda x, i: lax.dynamic_slice_in_dim(x, i, 3))(xs, starts) ** 2))(xs)
    mask = np.zeros_like(xs)
    for k, s in enumerate(starts):
        lo = _np_dynamic_slice(xs[k], (s,), (3,))[1][0]
        mask[k, lo:lo + 3] = 1
    np.testing.assert_allclose(g, 2 * xs * mask)


# --------------------------------------------------------------------------- errors

def test_boolean_mask_under_tracing_raises():
    x = np.arange(5.0)
    with pytest.raises(NonConcreteBooleanIndexError, match=r"jnp.where.*size="):
        fg.make_jaxpr(lambda x: x[x > 2])(x)
    with pytest.raises(NonConcreteBooleanIndexError, match="must be concrete"):
        fg.vmap(lambda row: row[row > 2])(x.reshape(1, 5))
    with pytest.raises(IndexError, match="boolean indices must be concrete"):
        fg.make_jaxpr(lambda x: x.at[x > 2].set(0.0))(x)
    # concrete masks work under tracing, and under eager grad the mask's values are known
    np.testing.assert_array_equal(staged(lambda y: y[x > 2], x), [3.0, 4.0])
    np.testing.assert_allclose(fg.grad(lambda x: jnp.sum(x[x > 2] ** 2))(x), [0, 0, 0, 6, 8])


def test_mask_shape_mismatch_raises():
    with pytest.raises(IndexError, match="boolean index did not match"):
        jnp.zeros((3, 2))[np.array([True, False])]


def test_item_assignment_raises_type_error_pointing_to_at():
    x = jnp.arange(3.0)
    with pytest.raises(TypeError, match=r"x\.at\[idx\]\.set\(y\)"):
        x[0] = 1.0

    def f(x):
        x[jnp.array([0])] = 1.0
        return x

    with pytest.raises(TypeError, match=r"x\.at\[idx\]\.set\(y\)"):
        fg.make_jaxpr(f)(np.zeros(3))
    with pytest.raises(TypeError, match="immutable"):
        fg.grad(lambda x: f(x).sum())(np.zeros(3))


def test_invalid_indices_raise():
    x = jnp.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError, match="valid indices"):
        x[np.array([0.5])]
    with pytest.raises(IndexError, match="valid indices"):
        fg.make_jaxpr(lambda x, i: x[i])(np.zeros(3), np.float64(1.0))
    with pytest.raises(IndexError, match="too many indices"):
        x[np.array([0]), 0, 0]
    with pytest.raises(ShapeError, match="do not broadcast"):
        x.at[np.array([0, 1])].set(np.ones(2))
    with pytest.raises(ValueError, match="mode must be one of"):
        x.at[0].set(1.0, mode="wrap")
