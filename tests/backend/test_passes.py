"""The optimization passes jit runs before lowering (golden IR)."""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.ir import check_jaxpr
from funcgrad.test_util import assert_ir
from funcgrad.transforms.passes import dce, inline_calls, optimize, simplify


def opt(f, *args):
    out = optimize(fg.make_jaxpr(f)(*args))
    check_jaxpr(out.jaxpr)
    return out


X = np.ones(3)
M, W = np.ones((3, 4)), np.ones((4, 5))


def test_algebraic_no_ops():
    assert_ir(opt(lambda x: x * 1.0 + 0.0, X), "{ lambda ; a:f64[3]. let  in (a,) }")
    assert_ir(opt(lambda x: -(-x), X), "{ lambda ; a:f64[3]. let  in (a,) }")
    assert_ir(opt(lambda x: x.T.T / 1.0, np.ones((2, 3))), "{ lambda ; a:f64[2,3]. let  in (a,) }")
    assert_ir(opt(lambda x: fg.lax.stop_gradient(x) - 0.0, X), "{ lambda ; a:f64[3]. let  in (a,) }")


def test_cse_and_dce():
    assert_ir(opt(lambda x: (jnp.sin(x) + jnp.sin(x), jnp.cos(x))[0], X),
              "{ lambda ; a:f64[3]. let b:f64[3] = sin a; c:f64[3] = add b b in (c,) }")


def test_constant_folding_and_uniform_constants():
    # the constant operand (2, 2, 2) becomes the scalar 2.0: kernels get a literal, not an array
    assert_ir(opt(lambda x: x * (jnp.ones(3) * 2.0), X),
              "{ lambda ; a:f64[3]. let b:f64[3] = mul a 2.0:f64[] in (b,) }")
    c = np.arange(3.0)
    assert_ir(opt(lambda x: x + jnp.sin(c), X),
              "{ lambda a:f64[3]; b:f64[3]. let c:f64[3] = add b a in (c,) }")


def test_backward_program_of_grad_is_cleaned():
    assert_ir(opt(fg.grad(lambda x: jnp.sum(jnp.tanh(x) ** 2)), X), """
        { lambda ; a:f64[3]. let
            b:f64[3] = tanh a
            c:f64[3] = mul 2.0:f64[] b
            d:f64[3] = mul b b
            e:f64[3] = sub 1.0:f64[] d
            f:f64[3] = mul c e
          in (f,) }""")


def test_transposes_fold_into_dot_general():
    assert_ir(opt(lambda m, w: (m @ w).T, M, W), """
        { lambda ; a:f64[3,4] b:f64[4,5]. let
            c:f64[5,3] = dot_general[dimension_numbers=(((0,), (1,)), ((), ())) preferred_element_type=float64] b a
          in (c,) }""")
    assert_ir(opt(lambda m, w: w.T @ m.T, M, W), """
        { lambda ; a:f64[3,4] b:f64[4,5]. let
            c:f64[5,3] = dot_general[dimension_numbers=(((0,), (1,)), ((), ())) preferred_element_type=float64] b a
          in (c,) }""")


def test_transposed_batched_outer_product_is_computed_in_place():
    # vmap(grad) of x @ w: the per-example weight gradient is an outer product per example,
    # transposed by the VJP; it folds into dot_general(x, d) with the batch dim kept first
    def loss(w, x):
        return jnp.sum(jnp.tanh(x @ w))
    per_example = fg.vmap(fg.grad(loss), in_axes=(None, 0))
    w, xs = np.ones((4, 5)) * 0.1, np.arange(24.0).reshape(6, 4) / 24
    out = opt(per_example, w, xs)
    assert [e.primitive.name for e in out.eqns].count("transpose") == 0
    assert_ir(out, """
        { lambda ; a:f64[4,5] b:f64[6,4]. let
            c:f64[6,5] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=float64] b a
            d:f64[6,5] = tanh c
            e:f64[6,5] = mul d d
            f:f64[6,5] = sub 1.0:f64[] e
            g:f64[6,4,5] = dot_general[dimension_numbers=(((), ()), ((0,), (0,))) preferred_element_type=float64] b f
          in (g,) }""")
    want = np.stack([np.outer(x, 1 - np.tanh(x @ w) ** 2) for x in xs])
    np.testing.assert_allclose(np.asarray(fg.jit(per_example)(w, xs)), want, rtol=1e-12)


def test_nested_calls_are_inlined():
    inner = fg.jit(lambda x: jnp.sin(x))
    closed = fg.make_jaxpr(lambda x: inner(x) * inner(x))(X)
    assert [e.primitive.name for e in closed.eqns] == ["call", "call", "mul"]
    j, consts = inline_calls(closed.jaxpr, closed.consts)
    check_jaxpr(j)
    assert [e.primitive.name for e in j.eqns] == ["sin", "sin", "mul"]
    j, consts, changes = simplify(j, consts)
    j, consts = dce(j, consts)
    assert [e.primitive.name for e in j.eqns] == ["sin", "mul"] and changes


def test_passes_keep_semantics(rng):
    def f(x):
        y = jnp.tanh(x) * 1.0 + jnp.zeros_like(x)
        return jnp.sum(y.T.T * y) + jnp.max(-(-x))
    x = rng.randn(4, 3)
    closed = fg.make_jaxpr(f)(x)
    from funcgrad.core.trace import eval_jaxpr
    o = optimize(closed)
    (a,) = eval_jaxpr(o.jaxpr, o.consts, [x])
    np.testing.assert_allclose(a, f(x), rtol=1e-14)
