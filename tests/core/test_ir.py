"""The IR, its printer (golden text) and check_jaxpr."""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.core.avals import Aval
from funcgrad.core.ir import Eqn, Jaxpr, JaxprTypeError, Literal, Var, check_jaxpr
from funcgrad.core.pretty import _jax_name
from funcgrad.primitives.elementwise import add_p, mul_p
from funcgrad.test_util import assert_ir


def mlp_loss(params, x, y):
    for W, b in params[:-1]:
        x = jnp.tanh(x @ W + b)
    W, b = params[-1]
    logits = x @ W + b
    return -jnp.mean(jnp.sum(y * fg.nn.log_softmax(logits), axis=-1))


def _mlp_args():
    rng = np.random.RandomState(0)
    params = [(rng.randn(3, 4).astype(np.float32), np.zeros(4, np.float32)),
              (rng.randn(4, 2).astype(np.float32), np.zeros(2, np.float32))]
    return params, rng.randn(5, 3).astype(np.float32), np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1]]


def test_golden_mlp_loss():
    assert_ir(fg.make_jaxpr(mlp_loss)(*_mlp_args()), """
        { lambda ; a:f32[3,4] b:f32[4] c:f32[4,2] d:f32[2] e:f32[5,3] f:f32[5,2]. let
            g:f32[5,4] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=float32] e a
            h:f32[1,4] = broadcast_in_dim[shape=(1, 4) broadcast_dimensions=(1,)] b
            i:f32[5,4] = add g h
            j:f32[5,4] = tanh i
            k:f32[5,2] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=float32] j c
            l:f32[1,2] = broadcast_in_dim[shape=(1, 2) broadcast_dimensions=(1,)] d
            m:f32[5,2] = add k l
            n:f32[5] = reduce_max[axes=(1,)] m
            o:f32[5,1] = reshape[new_sizes=(5, 1) dimensions=None] n
            p:f32[5,1] = stop_gradient o
            q:f32[5,2] = sub m p
            r:f32[5,2] = exp q
            s:f32[5] = reduce_sum[axes=(1,)] r
            t:f32[5,1] = reshape[new_sizes=(5, 1) dimensions=None] s
            u:f32[5,1] = log t
            v:f32[5,2] = sub q u
            w:f32[5,2] = mul f v
            x:f32[5] = reduce_sum[axes=(1,)] w
            y:f32[] = reduce_sum[axes=(0,)] x
            z:f32[] = div y 5.0:f32[]
            ba:f32[] = neg z
          in (ba,) }
    """)


def test_golden_mlp_grad():
    """The backward program: forward, then each VJP rule once in reverse order. Weight
    gradients use dot_general of the cotangent with the saved activations (residuals); the data
    input gets no cotangent."""
    assert_ir(fg.make_jaxpr(fg.grad(mlp_loss))(*_mlp_args()), """
        { lambda a:f32[5,2]; b:f32[3,4] c:f32[4] d:f32[4,2] e:f32[2] f:f32[5,3] g:f32[5,2]. let
            h:f32[5,4] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=float32] f b
            i:f32[1,4] = broadcast_in_dim[shape=(1, 4) broadcast_dimensions=(1,)] c
            j:f32[5,4] = add h i
            k:f32[5,4] = tanh j
            l:f32[5,2] = dot_general[dimension_numbers=(((1,), (0,)), ((), ())) preferred_element_type=float32] k d
            m:f32[1,2] = broadcast_in_dim[shape=(1, 2) broadcast_dimensions=(1,)] e
            n:f32[5,2] = add l m
            o:f32[5] = reduce_max[axes=(1,)] n
            p:f32[5,1] = reshape[new_sizes=(5, 1) dimensions=None] o
            q:f32[5,1] = stop_gradient p
            r:f32[5,2] = sub n q
            s:f32[5,2] = exp r
            t:f32[5] = reduce_sum[axes=(1,)] s
            u:f32[5,1] = reshape[new_sizes=(5, 1) dimensions=None] t
            v:f32[5,1] = log u
            w:f32[5,2] = sub r v
            x:f32[5,2] = mul g w
            y:f32[5] = reduce_sum[axes=(1,)] x
            z:f32[] = reduce_sum[axes=(0,)] y
            ba:f32[] = div z 5.0:f32[]
            bb:f32[] = neg ba
            bc:f32[5,2] = mul a g
            bd:f32[5,2] = neg bc
            be:f32[5] = reduce_sum[axes=(1,)] bd
            bf:f32[5,1] = reshape[new_sizes=(5, 1) dimensions=None] be
            bg:f32[5,1] = div 1.0:f32[] u
            bh:f32[5,1] = mul bf bg
            bi:f32[5] = reshape[new_sizes=(5,) dimensions=None] bh
            bj:f32[5,2] = broadcast_in_dim[shape=(5, 2) broadcast_dimensions=(0,)] bi
            bk:f32[5,2] = mul bj s
            bl:f32[5,2] = add_any bc bk
            bm:f32[2] = reduce_sum[axes=(0,)] bl
            bn:f32[1,2] = reshape[new_sizes=(1, 2) dimensions=None] bm
            bo:f32[2] = reshape[new_sizes=(2,) dimensions=None] bn
            bp:f32[5,4] = dot_general[dimension_numbers=(((1,), (1,)), ((), ())) preferred_element_type=float32] bl d
            bq:f32[2,4] = dot_general[dimension_numbers=(((0,), (0,)), ((), ())) preferred_element_type=float32] bl k
            br:f32[4,2] = transpose[permutation=(1, 0)] bq
            bs:f32[5,4] = mul k k
            bt:f32[5,4] = sub 1.0:f32[] bs
            bu:f32[5,4] = mul bp bt
            bv:f32[4] = reduce_sum[axes=(0,)] bu
            bw:f32[1,4] = reshape[new_sizes=(1, 4) dimensions=None] bv
            bx:f32[4] = reshape[new_sizes=(4,) dimensions=None] bw
            by:f32[4,3] = dot_general[dimension_numbers=(((0,), (0,)), ((), ())) preferred_element_type=float32] bu f
            bz:f32[3,4] = transpose[permutation=(1, 0)] by
          in (bz, bx, br, bo) }
    """)


def test_one_line_form_closed_over_constant_and_literal():
    c = np.arange(3.0)
    assert_ir(fg.make_jaxpr(lambda x: jnp.sin(x) * c)(jnp.ones(3)),
              "{ lambda a:f64[3]; b:f64[3]. let c:f64[3] = sin b; d:f64[3] = mul c a in (d,) }")
    assert_ir(fg.make_jaxpr(lambda x: x * 2)(jnp.ones(2, np.float32)),
              "{ lambda ; a:f32[2]. let b:f32[2] = mul a 2.0:f32[] in (b,) }")


def test_names_follow_jax_sequence():
    assert [_jax_name(i) for i in (0, 25, 26, 27, 51, 52)] == ["a", "z", "ba", "bb", "bz", "ca"]


def test_source_lines_point_at_user_code():
    closed = fg.make_jaxpr(lambda x: jnp.tanh(x) + 1.0)(1.0)
    assert all(e.source.startswith(__file__) for e in closed.eqns)
    text = closed.pretty(source=True)
    assert "# test_ir.py:" in text


def test_check_jaxpr_catches_errors():
    f64 = Aval((3,), np.float64)
    a, b = Var(f64), Var(f64)
    check_jaxpr(Jaxpr([], [a], [Eqn(add_p, [a, a], [b], {})], [b]))
    with pytest.raises(JaxprTypeError, match="used before it is bound"):
        check_jaxpr(Jaxpr([], [a], [Eqn(add_p, [a, Var(f64)], [b], {})], [b]))
    with pytest.raises(JaxprTypeError, match="bound twice"):
        check_jaxpr(Jaxpr([], [a], [Eqn(add_p, [a, a], [a], {})], [a]))
    wrong = Var(Aval((4,), np.float64))
    with pytest.raises(JaxprTypeError, match="shape rule says"):
        check_jaxpr(Jaxpr([], [a], [Eqn(mul_p, [a, Literal(2.0, Aval((), np.float64))], [wrong], {})], [wrong]))


def test_jaxpr_exposes_jax_attribute_names():
    closed = fg.make_jaxpr(lambda x: lax.exp(x))(1.0)
    eqn = closed.jaxpr.eqns[0]
    assert eqn.primitive.name == "exp" and eqn.invars == eqn.inputs and eqn.outvars == eqn.outputs
    assert closed.literals == closed.consts == []
    out = eqn.primitive.bind(np.float64(0.0), **eqn.params)
    assert out == 1.0
