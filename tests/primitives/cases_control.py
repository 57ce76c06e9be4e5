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
