"""matmul / ``@`` / dot / inner / outer / vdot / tensordot / einsum: eager == NumPy, staged and
recorded == eager, gradients, and shape errors naming both shapes and the user's line."""
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.errors import ShapeError
from funcgrad.numpy._einsum import EinsumError
from funcgrad.test_util import check_grads

from .checks import BOOL, F32, F64, I32, check_numpy, check_traced, sample

THIS = __file__

MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)),
                 ((6, 1, 2, 3), (5, 3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,))]


@pytest.mark.parametrize("dtypes", [(F64, F64), (F32, F32), (F32, F64), (I32, I32), (I32, F32),
                                    (BOOL, BOOL)], ids=lambda d: f"{d[0]}-{d[1]}")
def test_matmul(dtypes):
    rng = np.random.RandomState(0)
    for sa, sb in MATMUL_SHAPES:
        a, b = sample(rng, sa, dtypes[0]), sample(rng, sb, dtypes[1])
        tol = 1e-5 if F32 in dtypes else None
        check_numpy(jnp.matmul, np.matmul, a, b, rtol=tol)
        check_traced(jnp.matmul, a, b, rtol=tol)
        check_traced(lambda x: x @ b, a, rtol=tol)
        check_traced(lambda y: a @ y, b, rtol=tol)


DOT_SHAPES = [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 3), (4, 3, 5)),
              ((5, 2, 3), (3, 4))]


def test_dot_inner_outer_vdot_tensordot():
    rng = np.random.RandomState(1)
    for sa, sb in DOT_SHAPES:
        a, b = sample(rng, sa, F64), sample(rng, sb, F64)
        check_numpy(jnp.dot, np.dot, a, b)
        check_traced(jnp.dot, a, b)
    for sa, sb in [((3,), (3,)), ((2, 3), (4, 3)), ((2, 5, 3), (3,))]:
        a, b = sample(rng, sa, F32), sample(rng, sb, F64)
        check_numpy(jnp.inner, np.inner, a, b)
        check_traced(jnp.inner, a, b)
    a, b = sample(rng, (2, 3), I32), sample(rng, (4,), F32)
    for name in ("outer", "vdot"):
        bb = b if name == "outer" else sample(rng, (6,), F32)
        check_numpy(getattr(jnp, name), getattr(np, name), a, bb, rtol=1e-6)
        check_traced(getattr(jnp, name), a, bb, rtol=1e-6)
    x, y = sample(rng, (2, 3, 4), F64), sample(rng, (3, 4, 5), F64)
    for axes in (2, 1, 0, ([1, 2], [0, 1]), ((2,), (1,)), ([-1], [1])):
        yy = y if axes != 1 else sample(rng, (4, 5), F64)
        check_numpy(jnp.tensordot, np.tensordot, x, yy, axes)
        check_traced(lambda p, q: jnp.tensordot(p, q, axes), x, yy)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("i,j->ij", [(3,), (4,)]), ("i,i->", [(3,), (3,)]), ("ij->", [(2, 3)]), ("ij->j", [(2, 3)]),
    ("ij->ji", [(2, 3)]), ("ba", [(2, 3)]), ("ij,ij->ij", [(2, 3), (2, 3)]), ("ij,ij", [(2, 3), (2, 3)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]), ("...ij,jk", [(6, 5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(1, 2, 3), (5, 3, 4)]), ("i...->...", [(3, 2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,ca->", [(2, 3), (3, 4), (4, 2)]), ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ijk,ikl->jl", [(2, 3, 4), (2, 4, 5)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("iij->j", [(3, 3, 2)]),
    ("ij,j->i", [(2, 3), (1,)]), ("i,jk->ijk", [(2,), (3, 4)]), ("ij,kl->", [(2, 3), (4, 5)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 6)]), (" ij , jk -> ik ", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM, ids=[e[0].replace(" ", "_") for e in EINSUM])
def test_einsum(spec, shapes):
    rng = np.random.RandomState(2)
    ops = [sample(rng, s, F64) for s in shapes]
    check_numpy(jnp.einsum, np.einsum, spec, *ops, rtol=1e-12)
    check_traced(lambda *xs: jnp.einsum(spec, *xs), *ops)
    check_traced(lambda *xs: jnp.einsum(spec, *xs, optimize=False), *ops)
    check_traced(lambda x: jnp.einsum(spec, x, *ops[1:]), ops[0])
    check_grads(lambda *xs: jnp.einsum(spec, *xs), ops, order=1)


def test_einsum_dtypes_and_forms():
    rng = np.random.RandomState(3)
    a, b = sample(rng, (2, 3), F32), sample(rng, (3, 4), I32)
    check_numpy(jnp.einsum, np.einsum, "ij,jk->ik", a, b, rtol=1e-6)
    check_traced(lambda x, y: jnp.einsum("ij,jk->ik", x, y), a, b)
    check_traced(lambda x, y: jnp.einsum("ij,jk->ik", x, y), b.T.copy(), b)
    got = fg.make_jaxpr(lambda x, y: jnp.einsum("ij,jk", x, y, preferred_element_type=np.float64))(a, a.T)
    assert got.out_avals[0].dtype == F64
    x, y = sample(rng, (2, 3), F64), sample(rng, (3, 4), F64)
    check_numpy(jnp.einsum, np.einsum, x, [0, 1], y, [1, 2], [0, 2])
    check_traced(lambda p, q: jnp.einsum(p, [0, 1], q, [1, 2], [0, 2]), x, y)
    check_traced(lambda p, q: jnp.einsum(p, [Ellipsis, 1], q, [1, 2]), x, y)
    for opt in (True, "greedy", "optimal", False):
        check_traced(lambda p, q: jnp.einsum("ij,jk", p, q, optimize=opt), x, y)
    closed = fg.make_jaxpr(lambda p, q: jnp.einsum("ij,jk->ik", p, q))(x, y)
    assert [e.primitive.name for e in closed.eqns] == ["dot_general"]


def test_einsum_errors():
    x = np.ones((2, 3))
    for bad, ops, match in [("ij,jk->ik", [x], "2 operand"), ("ij->k", [x], "'k' does not appear"),
                            ("i->i", [x], "do not match its shape"), ("ij->ii", [x], "repeat"),
                            ("i1->i", [x], "invalid subscript"), ("...i->i", [np.ones((2, 3))], "'...'"),
                            ("ij,jk->ik", [x, np.ones((4, 5))], "label 'j' has size 3")]:
        with pytest.raises((EinsumError, ShapeError), match=match):
            fg.make_jaxpr(lambda *a: jnp.einsum(bad, *a))(*ops)
        with pytest.raises((ValueError, ShapeError)):
            jnp.einsum(bad, *ops)


def test_matmul_grads():
    rng = np.random.RandomState(4)
    for sa, sb in MATMUL_SHAPES:
        a, b = sample(rng, sa, F64), sample(rng, sb, F64)
        check_grads(jnp.matmul, (a, b), order=2 if len(sa) + len(sb) <= 4 else 1)
    a, b = sample(rng, (2, 3), F64), sample(rng, (4, 3, 5), F64)
    check_grads(jnp.dot, (a, b), order=1)
    check_grads(lambda p, q: jnp.tensordot(p, q, ([1], [1])), (a, b), order=1)
    check_grads(jnp.outer, (a[0], b[0, 0]), order=1)


def test_matmul_shape_error_names_shapes_and_line():
    a, b = jnp.ones((3, 4)), jnp.ones((5, 2))
    first = sys._getframe().f_lineno + 1
    runs = (lambda: a @ b,
            lambda: jnp.matmul(np.ones((3, 4)), np.ones((5, 2))),
            lambda: fg.grad(lambda x: jnp.sum(x @ b))(a),
            lambda: fg.make_jaxpr(lambda x, y: x @ y)(a, b))
    for k, run in enumerate(runs):
        with pytest.raises(ShapeError) as e:
            run()
        msg = str(e.value)
        assert "(3, 4)" in msg and "(5, 2)" in msg and f"{THIS}:{first + k}" in msg, msg
    with pytest.raises(ShapeError, match=r"\(2, 3, 4\).*\(5, 4, 2\).*batch"):
        fg.make_jaxpr(jnp.matmul)(np.ones((2, 3, 4)), np.ones((5, 4, 2)))
    with pytest.raises(ShapeError, match="at least 1-D"):
        jnp.matmul(np.ones(()), np.ones(3))


def test_vmap_matches_a_loop():
    import funcgrad.nn as nn
    rng = np.random.RandomState(5)
    x, w = rng.randn(5, 3, 4), rng.randn(4, 2)
    fs = [lambda a: jnp.einsum("ij,jk->ik", a, w), lambda a: a @ w, lambda a: jnp.einsum("ii->i", a[:, :3]),
          lambda a: jnp.sum(a, -1, keepdims=True) * a, lambda a: jnp.where(a > 0, a, 0.5),
          lambda a: nn.softmax(a), lambda a: jnp.var(a, 0), lambda a: jnp.concatenate([a, a * 2], 1),
          lambda a: jnp.stack([a, a]).mean(0), lambda a: nn.logsumexp(a, axis=(0, 1)),
          lambda a: jnp.clip(a, -0.5, 0.5).max(), lambda a: jnp.linspace(a[0], a[1], 3),
          lambda a: jnp.moveaxis(a, 0, -1).reshape(-1), lambda a: jnp.tensordot(a, w, 1)]
    for f in fs:
        np.testing.assert_allclose(fg.vmap(f)(x), np.stack([np.asarray(f(xi)) for xi in x]), rtol=1e-12)
