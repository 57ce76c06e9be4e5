"""vmap: in_axes/out_axes as ints, None and pytrees, axis_size, nesting, kwargs, composition with
grad, the staged programs (no per-example loop), and the errors users hit."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.ir import check_jaxpr
from funcgrad.test_util import assert_ir

from ..primitives.cases import CASES


def test_in_axes_ints_none_and_negative(rng):
    x, y = rng.randn(3, 5), rng.randn(4)
    got = fg.vmap(lambda a, b: jnp.sum(a) * b, in_axes=(1, None))(x, y)
    np.testing.assert_allclose(got, np.sum(x, axis=0)[:, None] * y, rtol=1e-12)
    got = fg.vmap(lambda a: a * 2.0, in_axes=-1)(x)
    np.testing.assert_allclose(got, 2.0 * x.T)
    got = fg.vmap(lambda a, b: a + b, in_axes=[0, 0])(x, x)   # a list means the tuple
    np.testing.assert_allclose(got, 2 * x)


def test_in_axes_pytrees(rng):
    p = {"w": rng.randn(3, 2), "b": rng.randn(7, 2)}
    xs = rng.randn(2, 7)
    # per-leaf axes inside one argument: batch "b" along axis 0 and xs along axis 1
    f = lambda p, x: p["w"] @ x + jnp.sum(p["b"])  # noqa: E731
    got = fg.vmap(f, in_axes=({"w": None, "b": 0}, 1))(p, xs)
    want = np.stack([p["w"] @ xs[:, i] + np.sum(p["b"][i]) for i in range(7)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.shape == (7, 3)


def test_out_axes_ints_none_negative_and_pytrees(rng):
    x = rng.randn(4, 3)
    out = fg.vmap(lambda a: {"same": a, "sum": jnp.sum(a), "const": jnp.ones(2)},
                  out_axes={"same": 1, "sum": 0, "const": None})(x)
    np.testing.assert_allclose(out["same"], x.T)
    np.testing.assert_allclose(out["sum"], x.sum(1), rtol=1e-12)
    np.testing.assert_allclose(out["const"], np.ones(2))
    a, b = fg.vmap(lambda a: (a, a * 2), out_axes=(0, -1))(x)
    assert a.shape == (4, 3) and b.shape == (3, 4)
    # an unbatched output with an integer out_axes is broadcast along that axis
    c = fg.vmap(lambda a: jnp.arange(2.0), out_axes=1)(x)
    np.testing.assert_allclose(c, np.repeat(np.arange(2.0)[:, None], 4, axis=1))


def test_axis_size_and_no_batched_input():
    out = fg.vmap(lambda c: c * jnp.ones(2), in_axes=None, axis_size=3)(2.0)
    np.testing.assert_allclose(out, np.full((3, 2), 2.0))
    out = fg.vmap(lambda: jnp.zeros(()), axis_size=5)()
    assert out.shape == (5,)
    out = fg.vmap(lambda a, b: a + b, in_axes=(0, None), axis_size=3)(jnp.ones(3), 1.0)
    np.testing.assert_allclose(out, [2.0, 2.0, 2.0])


def test_kwargs_are_batched_along_axis_0(rng):
    x, y = rng.randn(3, 2), rng.randn(3, 2)
    got = fg.vmap(lambda a, scale=None: a * scale, in_axes=1)(x.T, scale=y)
    np.testing.assert_allclose(got, x * y)


def test_nested_vmap(rng):
    A, B = rng.randn(4, 3), rng.randn(3, 5)
    dot = lambda a, b: jnp.sum(a * b)  # noqa: E731
    mm = fg.vmap(fg.vmap(dot, in_axes=(None, 1)), in_axes=(0, None))
    np.testing.assert_allclose(mm(A, B), A @ B, rtol=1e-12)
    # outer batch over the last axis placed at output axis 1; inner batch over axis 0
    C = rng.randn(3, 2, 6)
    f = fg.vmap(fg.vmap(lambda v: v * jnp.sum(v), in_axes=0, out_axes=0), in_axes=2, out_axes=1)
    want = np.empty((3, 6, 2))
    for i in range(3):
        for k in range(6):
            want[i, k] = C[i, :, k] * C[i, :, k].sum()
    np.testing.assert_allclose(f(C), want, rtol=1e-12)
    # the inner vmap closes over the outer batched value
    g = fg.vmap(lambda x: fg.vmap(lambda y: x * y)(jnp.arange(3.0)))
    np.testing.assert_allclose(g(jnp.arange(2.0)), np.outer(np.arange(2.0), np.arange(3.0)))


def test_branching_on_a_batched_value_raises_with_the_fix():
    def f(x):
        if x > 0:          # the line the error names
            return x
        return -x

    with pytest.raises(fg.ConcretizationError) as e:
        fg.vmap(f)(jnp.array([1.0, -2.0]))
    msg = str(e.value)
    assert "vmap" in msg and "test_vmap.py" in msg and "where" in msg
    # the fix: select with where
    np.testing.assert_allclose(fg.vmap(lambda x: jnp.where(x > 0, x, -x))(jnp.array([1.0, -2.0])), [1, 2])
    # under grad inside vmap the same
    with pytest.raises(fg.ConcretizationError, match="vmap"):
        fg.vmap(fg.grad(f))(jnp.array([1.0, -2.0]))


def test_branching_on_an_unbatched_value_works():
    def f(x, flag):
        return x * 2 if flag > 0 else x
    np.testing.assert_allclose(fg.vmap(f, in_axes=(0, None))(jnp.ones(3), 1.0), [2, 2, 2])


def test_errors():
    with pytest.raises(ValueError, match=r"inconsistent sizes(.|\n)*size 2: axis 0 of args\[0\](.|\n)*size 3"):
        fg.vmap(lambda a, b: a + b)(jnp.ones(2), jnp.ones(3))
    with pytest.raises(ValueError, match="along axis 2, which implies that its rank should be at least 3"):
        fg.vmap(lambda a: a, in_axes=2)(jnp.ones((2, 2)))
    with pytest.raises(ValueError, match=r"len\(in_axes\)=1, len\(args\)=2"):
        fg.vmap(lambda a, b: a, in_axes=(0,))(jnp.ones(2), jnp.ones(2))
    with pytest.raises(TypeError, match="in_axes must be an int, None, or a tuple"):
        fg.vmap(lambda a: a, in_axes=1.5)
    with pytest.raises(TypeError, match="out_axes must be an int"):
        fg.vmap(lambda a: a, out_axes="x")
    with pytest.raises(ValueError, match="mapped output but out_axes is None"):
        fg.vmap(lambda a: a, out_axes=None)(jnp.ones(2))
    with pytest.raises(ValueError, match="at least one non-None value in in_axes"):
        fg.vmap(lambda a: a, in_axes=None)(jnp.ones(2))
    with pytest.raises(ValueError, match="tree prefix"):
        fg.vmap(lambda p: p["a"], in_axes=({"b": 0},))({"a": jnp.ones(2)})
    with pytest.raises(ValueError, match="tree prefix"):
        fg.vmap(lambda a: a, out_axes=(0, 0))(jnp.ones(2))
    with pytest.raises(ValueError, match="axis_size=4"):
        fg.vmap(lambda a: a, axis_size=4)(jnp.ones(2))


def test_leaked_batch_tracer():
    leaked = []
    fg.vmap(lambda x: leaked.append(x) or x)(jnp.ones(2))
    with pytest.raises(fg.UnexpectedTracerError, match="`vmap`"):
        jnp.sin(leaked[0])


def test_dtypes_preserved():
    out = fg.vmap(lambda a: a * 2.0)(jnp.ones((3, 2), np.float32))
    assert out.dtype == np.float32
    out = fg.vmap(lambda a: a + 1)(jnp.arange(3))
    assert out.dtype == np.arange(3).dtype


# --------------------------------------------------------------------------- staged programs

def test_dot_general_batch_rule_adds_a_batch_dimension():
    closed = fg.make_jaxpr(fg.vmap(jnp.matmul))(jnp.ones((5, 3, 4)), jnp.ones((5, 4, 2)))
    assert_ir(closed, """
        { lambda ; a:f64[5,3,4] b:f64[5,4,2]. let
            c:f64[5,3,2] = dot_general[dimension_numbers=(((2,), (1,)), ((0,), (0,))) preferred_element_type=float64] a b
          in (c,) }""")
    # one operand batched: the batch axis becomes a free dimension (a single matmul, no loop)
    closed = fg.make_jaxpr(fg.vmap(jnp.matmul, in_axes=(None, 1)))(jnp.ones((3, 4)), jnp.ones((4, 6)))
    assert_ir(closed, """
        { lambda ; a:f64[3,4] b:f64[4,6]. let
            c:f64[3,6] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=float64] a b
            d:f64[6,3] = transpose[permutation=(1, 0)] c
          in (d,) }""")


def _batched_args(case, size):
    rng = np.random.RandomState(0)
    draws = [[a.draw(rng) for a in case.args] for _ in range(size)]
    batchable = range(len(case.args)) if case.batch_args is None else case.batch_args
    axes = tuple(0 if i in batchable else None for i in range(len(case.args)))
    args = [np.stack([d[i] for d in draws]) if ax == 0 else draws[0][i] for i, ax in enumerate(axes)]
    return axes, args


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_batch_rules_do_not_loop_over_the_batch(case):
    """The staged batched program has the same equations whatever the batch size."""
    progs = []
    for size in (2, 5):
        axes, args = _batched_args(case, size)
        closed = fg.make_jaxpr(fg.vmap(case.fn, in_axes=axes))(*args)
        check_jaxpr(closed.jaxpr)
        progs.append([e.primitive.name for e in closed.eqns])
    assert progs[0] == progs[1]


def mlp_loss(params, x, y):
    (W1, b1), (W2, b2) = params
    h = jnp.tanh(x @ W1 + b1)
    logits = h @ W2 + b2
    return -jnp.sum(y * fg.nn.log_softmax(logits))


def _mlp(rng, n):
    params = [(rng.randn(4, 8), rng.randn(8)), (rng.randn(8, 3), rng.randn(3))]
    xs = rng.randn(n, 4)
    ys = np.eye(3)[rng.randint(0, 3, n)]
    return params, xs, ys


def test_per_example_grads_match_a_loop(rng):
    params, xs, ys = _mlp(rng, 6)
    per_ex = fg.vmap(fg.grad(mlp_loss), in_axes=(None, 0, 0))(params, xs, ys)
    for i in range(6):
        gi = fg.grad(mlp_loss)(params, xs[i], ys[i])
        for a, b in zip(fg.tree_util.tree_leaves(per_ex), fg.tree_util.tree_leaves(gi)):
            np.testing.assert_allclose(a[i], b, rtol=1e-10, atol=1e-12)
    # grad of the vmapped (summed) loss is the sum of the per-example gradients
    total = fg.grad(lambda p: jnp.sum(fg.vmap(mlp_loss, in_axes=(None, 0, 0))(p, xs, ys)))(params)
    for a, b in zip(fg.tree_util.tree_leaves(per_ex), fg.tree_util.tree_leaves(total)):
        np.testing.assert_allclose(np.sum(a, 0), b, rtol=1e-10, atol=1e-12)


def test_per_example_grads_are_vectorized(rng):
    """make_jaxpr(vmap(grad(loss))): the same program for 4 and 32 examples (no per-example
    loop), with the weight gradients computed by dot_generals that carry a batch dimension."""
    progs = []
    for n in (4, 32):
        params, xs, ys = _mlp(rng, n)
        closed = fg.make_jaxpr(fg.vmap(fg.grad(mlp_loss), in_axes=(None, 0, 0)))(params, xs, ys)
        check_jaxpr(closed.jaxpr)
        progs.append(closed)
    assert [e.primitive.name for e in progs[0].eqns] == [e.primitive.name for e in progs[1].eqns]
    dots = [e for e in progs[1].eqns if e.primitive.name == "dot_general"]
    batched = [e for e in dots if e.params["dimension_numbers"][1] == ((0,), (0,))]
    assert len(batched) == 2, progs[1]      # the two per-example weight gradients (outer products)
    assert all(e.outputs[0].aval.shape[0] == 32 for e in batched)
    assert len(dots) <= 6, progs[1]


def _load_example(name):
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_example_per_example_grads():
    """examples/per_example_grads.py: vmap(grad) agrees with a loop (checked inside), every
    clipped per-example gradient has norm <= CLIP, and one epoch of DP-SGD learns."""
    pytest.importorskip("sklearn")
    ex = _load_example("per_example_grads")
    assert ex.main(num_epochs=1, verbose=False) > 0.6
