"""Rows for the higher-order primitives of ``funcgrad/control``.

``call`` is what ``jit(f)`` binds under an enclosing transform: the rule test's staging, grad,
jvp and vmap checks all go through its rules (staged sub-programs called again)."""
import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax

from .cases import Arg, Case


def _body(x, y):
    return jnp.sin(x) * y + lax.integer_pow(x, 2)


def _two_outputs(x):
    return jnp.tanh(x), jnp.sum(x * x)


CASES = [
    Case("call", fg.jit(_body), [Arg((2, 3)), Arg((3,))], order=2),
    Case("call", lambda x: fg.jit(_two_outputs)(x)[1], [Arg((4,))], name="two-outputs"),
    Case("call", fg.jit(lambda x: x * 2.0), [Arg(())], name="scalar"),
]


# --------------------------------------------------------------------------- control flow (#10)

def _cond(p, x, y):
    return lax.cond(p > 0, lambda a, b: jnp.sin(a) * b, lambda a, b: a * b + 1.0, x, y)


def _cond_closure(x, w):
    # the branches close over ``w`` (a traced value under every transform)
    return jnp.sum(lax.cond(jnp.sum(x) > 0, lambda a: jnp.tanh(a * w), lambda a: a - w, x))


def _switch(i, x):
    return lax.switch(i, [lambda a: a * 2.0, jnp.sin, lambda a: a ** 3], x)


def _rnn(w, xs):
    def step(h, x):
        h = jnp.tanh(w @ h + x)
        return h, jnp.sum(h * h)
    h, ys = lax.scan(step, jnp.zeros(3), xs)
    return jnp.sum(h) + jnp.sum(ys)


def _scan_reverse(a, xs):
    carry, ys = lax.scan(lambda c, x: (c * x + a, jnp.cos(c)), a, xs, reverse=True)
    return carry + jnp.sum(ys)


def _grow(x):
    # the trip count depends on x (locally constant, so finite differences see a smooth function)
    def body(c):
        v, k = c
        return v * 1.5 + 0.1 * jnp.sin(v), k + 1
    v, k = lax.while_loop(lambda c: jnp.sum(c[0] * c[0]) < 50.0, body, (x, 0))
    return v * k


def _fori_static(x):
    return lax.fori_loop(0, 4, lambda i, c: jnp.sin(c) * x + i, x)


def _fori_dynamic(n, x):
    return lax.fori_loop(0, n, lambda i, c: c * 0.9 + jnp.cos(x), x)


CASES += [
    Case("cond", _cond, [Arg(()), Arg((3,)), Arg((3,))], order=2),
    Case("cond", _cond_closure, [Arg((3,)), Arg(())], name="closure"),
    Case("cond", _switch, [Arg((), "int", "int64"), Arg((2,))], name="switch", batch_args=[0, 1]),
    Case("scan", _rnn, [Arg((3, 3), "small"), Arg((4, 3))], order=2),
    Case("scan", _scan_reverse, [Arg(()), Arg((5,), "unit")], name="reverse"),
    Case("scan", _fori_static, [Arg((2,))], name="fori_static", order=2),
    Case("scan", lambda xs: lax.map(lambda x: jnp.sum(jnp.exp(x)), xs), [Arg((3, 2))], name="map"),
    Case("while", _grow, [Arg((3,), "nonzero")]),
    Case("while", _fori_dynamic, [Arg((), "posint", "int64"), Arg((2,))], name="fori_dynamic"),
    Case("while_grad", fg.grad(lambda x: jnp.sum(_grow(x))), [Arg((3,), "nonzero")],
         diff=False),   # second order through a dynamic trip count raises HigherOrderWhileError
    Case("while_grad", lambda n, x: fg.grad(lambda x: jnp.sum(_fori_dynamic(n, x)))(x),
         [Arg((), "posint", "int64"), Arg((2,))], name="fori_dynamic", diff=False),
]
