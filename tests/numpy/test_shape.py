"""Shape functions: eager == NumPy; staged/recorded == eager; gradients of the linear ones."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.errors import ShapeError
from funcgrad.test_util import check_grads

from .checks import BOOL, F32, F64, I32, check_numpy, check_traced, sample

X = np.arange(24.0).reshape(2, 3, 4)

# (name, args after the array, kwargs)
ONE_ARRAY = [
    ("reshape", ((4, 6),), {}), ("reshape", ((-1, 2),), {}), ("reshape", (-1,), {}),
    ("reshape", ((2, 3, 2, 2),), {}), ("ravel", (), {}),
    ("reshape", ((4, 6),), {"order": "F"}), ("reshape", ((3, -1),), {"order": "F"}),
    ("ravel", (), {"order": "F"}),
    ("transpose", (), {}), ("transpose", ((1, 0, 2),), {}), ("transpose", ((-1, 0, 1),), {}),
    ("swapaxes", (0, 2), {}), ("swapaxes", (-1, 1), {}), ("moveaxis", (0, -1), {}),
    ("moveaxis", ((0, 1), (2, 0)), {}), ("matrix_transpose", (), {}),
    ("expand_dims", (0,), {}), ("expand_dims", (-1,), {}), ("expand_dims", ((0, 3),), {}),
    ("broadcast_to", ((5, 2, 3, 4),), {}), ("flip", (), {}), ("flip", (1,), {}),
    ("flip", ((0, -1),), {}), ("roll", (2,), {}), ("roll", (-1, 1), {}), ("roll", ((1, 2), (0, 2)), {}),
    ("tile", ((2, 1, 1),), {}), ("tile", (2,), {}), ("repeat", (2,), {}), ("repeat", (3,), {"axis": -1}),
    ("rot90", (), {}), ("rot90", (3, (1, 2)), {}), ("atleast_3d", (), {}),
]


@pytest.mark.parametrize("dtype", [F32, I32, BOOL], ids=str)
@pytest.mark.parametrize("case", ONE_ARRAY, ids=lambda c: f"{c[0]}{c[1]}{c[2] or ''}")
def test_one_array_functions(case, dtype):
    name, args, kw = case
    x = X.astype(dtype)
    fn, np_fn = getattr(jnp, name), getattr(np, name)
    check_numpy(fn, np_fn, x, *args, **kw)
    check_traced(lambda a: fn(a, *args, **kw), x)


def test_squeeze():
    x = np.ones((1, 3, 1, 2), np.float32)
    for axis in (None, 0, -2, (0, 2)):
        check_numpy(jnp.squeeze, np.squeeze, x, axis)
        check_traced(lambda a: jnp.squeeze(a, axis), x)
    with pytest.raises(ShapeError, match=r"\(1, 3, 1, 2\)"):
        fg.make_jaxpr(lambda a: jnp.squeeze(a, 1))(x)
    with pytest.raises(ShapeError):
        jnp.squeeze(x, 1)


def test_join_and_split():
    rng = np.random.RandomState(0)
    a, b = sample(rng, (2, 3), F32), sample(rng, (2, 3), I32)
    c = sample(rng, (2, 1), F64)
    for fn, args in [("concatenate", ([a, b],)), ("concatenate", ([a, b, c], 1)),
                     ("concatenate", ([a, b], -1)), ("concatenate", ([a, b], None)),
                     ("stack", ([a, b],)), ("stack", ([a, b], -1)), ("stack", ([a, b, a], 1)),
                     ("vstack", ([a, b],)), ("hstack", ([a, c],)), ("dstack", ([a, b],)),
                     ("column_stack", ([a[0], b[1]],))]:
        check_numpy(getattr(jnp, fn), getattr(np, fn), *args)
        arrays = args[0]
        rest = args[1:]
        check_traced(lambda *xs: getattr(jnp, fn)(list(xs), *rest), *arrays)
        check_traced(lambda x: getattr(jnp, fn)([x] + list(arrays[1:]), *rest), arrays[0])
    x = sample(rng, (6, 4), F64)
    for fn, args in [("split", (3,)), ("split", ([1, 4],)), ("split", (2, 1)), ("split", ([2, 9],)),
                     ("array_split", (4,)), ("array_split", ([3],))]:
        check_numpy(getattr(jnp, fn), getattr(np, fn), x, *args)
        check_traced(lambda a: getattr(jnp, fn)(a, *args), x)


def test_broadcasting_helpers():
    a, b = np.ones((3, 1)), np.arange(4.0)
    got = jnp.broadcast_arrays(a, b)
    assert [g.shape for g in got] == [(3, 4), (3, 4)]
    check_traced(lambda x, y: jnp.broadcast_arrays(x, y), a, b)
    assert jnp.broadcast_shapes((3, 1), (4,)) == (3, 4)
    check_traced(lambda x: jnp.broadcast_to(x, (2, 3, 4)), b)
    check_traced(lambda x: jnp.broadcast_to(2.0, (2, 3, 4)) * x, a)
    with pytest.raises(ShapeError, match=r"\(3, 1\).*\(2, 2\)"):
        fg.make_jaxpr(lambda x: jnp.broadcast_to(x, (2, 2)))(a)


def test_tracer_methods_and_properties():
    x = X.astype(np.float32)
    fs = [lambda a: a.reshape(6, 4), lambda a: a.reshape((-1,)), lambda a: a.T, lambda a: a.mT,
          lambda a: a.transpose(2, 0, 1), lambda a: a.transpose((1, 0, 2)), lambda a: a.ravel(),
          lambda a: a.flatten(), lambda a: a[None].squeeze(0), lambda a: a.swapaxes(0, 1),
          lambda a: a.astype(np.int32), lambda a: a.clip(2, 5), lambda a: a.round(), lambda a: a.conj(),
          lambda a: a.real, lambda a: a.imag, lambda a: a.repeat(2, axis=0),
          lambda a: a.reshape(2, 12).dot(np.ones(12, np.float32)), lambda a: a.copy()]
    for f in fs:
        check_traced(f, x)
    info = {}
    fg.make_jaxpr(lambda a: info.update(shape=a.shape, ndim=a.ndim, size=a.size, dtype=a.dtype,
                                        nbytes=a.nbytes, itemsize=a.itemsize, len=len(a)))(x)
    assert info == dict(shape=(2, 3, 4), ndim=3, size=24, dtype=F32, nbytes=96, itemsize=4, len=2)
    assert fg.grad(lambda a: a.sum() * a.max().item())(np.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(fg.ConcretizationError):
        fg.make_jaxpr(lambda a: a.item())(np.ones(()))


def test_shape_queries():
    assert jnp.shape(X) == (2, 3, 4) and jnp.ndim(X) == 3 and jnp.size(X) == 24 and jnp.size(X, 1) == 3
    fg.make_jaxpr(lambda a: [jnp.shape(a), jnp.ndim(a), jnp.size(a)])(X)


def test_errors_name_shapes_and_line():
    x = jnp.ones((2, 3))
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(4, 2\).*test_shape.py:\d+"):
        fg.make_jaxpr(lambda a: jnp.reshape(a, (4, 2)))(x)
    with pytest.raises(ShapeError, match="test_shape.py"):
        jnp.reshape(x, (4, 2))
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(2, 4\)"):
        fg.make_jaxpr(lambda a: jnp.concatenate([a, jnp.ones((2, 4))], 0))(x)
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(3, 2\)"):
        fg.make_jaxpr(lambda a: jnp.stack([a, a.T]))(x)
    with pytest.raises(ShapeError, match="out of bounds"):
        fg.make_jaxpr(lambda a: jnp.expand_dims(a, 3))(x)
    with pytest.raises(ShapeError):
        fg.make_jaxpr(lambda a: jnp.transpose(a, (0, 0)))(x)
    with pytest.raises(ValueError, match="two-dimensional"):
        jnp.matrix_transpose(jnp.ones(3))


def test_shape_grads():
    rng = np.random.RandomState(1)
    x, y = sample(rng, (2, 3), F64), sample(rng, (2, 3), F64)
    w = sample(rng, (3, 2, 2), F64)

    def f(a, b):
        s = jnp.stack([a, b * 2.0], axis=-1)                              # (2, 3, 2)
        t = jnp.concatenate([s, jnp.expand_dims(a, -1)], axis=2)          # (2, 3, 3)
        u = jnp.moveaxis(t, 0, -1).reshape(3, 3, 2)[:, :2] * w            # (3, 2, 2)
        v = jnp.squeeze(jnp.broadcast_to(u[:, :1], (2, 3, 1, 2)), 2)
        return jnp.sum(jnp.tile(v, (1, 2, 1)) ** 2) + jnp.sum(jnp.flip(jnp.roll(a, 1, 1), 0) * b.T.T)

    check_grads(f, (x, y), order=2)
    check_grads(lambda a: jnp.split(a, [1], axis=1)[1] * jnp.repeat(a, 2, axis=0)[1::2, 1:], (x,), order=1)
    check_grads(lambda a: a.reshape(3, 2, order="F") * jnp.ravel(a, order="F").reshape(3, 2), (x,), order=2)
    assert fg.jit(lambda a: a.reshape(-1, order="F"))(x).tolist() == np.ravel(x, order="F").tolist()
