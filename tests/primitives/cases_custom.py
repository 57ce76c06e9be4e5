"""Rows for ``custom_jvp_call``, ``custom_vjp_call`` and ``checkpoint`` (funcgrad/control/custom.py).

The custom rules here are the true derivatives, so the finite-difference checks apply. JAX
refuses forward mode on custom_vjp functions, and so does funcgrad: that row checks the VJP
in tests/control/test_custom.py instead (``diff=False`` here)."""
import funcgrad as fg
import funcgrad.numpy as jnp

from .cases import Arg, Case


@fg.custom_jvp
def _sin_times(x, y):
    return jnp.sin(x) * y


@_sin_times.defjvp
def _sin_times_jvp(primals, tangents):
    (x, y), (tx, ty) = primals, tangents
    return _sin_times(x, y), jnp.cos(x) * y * tx + jnp.sin(x) * ty


@fg.custom_vjp
def _softplus(x):
    return jnp.log1p(jnp.exp(x))


def _softplus_fwd(x):
    return _softplus(x), (x,)


def _softplus_bwd(res, g):
    (x,) = res
    return (g / (1.0 + jnp.exp(-x)),)


_softplus.defvjp(_softplus_fwd, _softplus_bwd)

_remat_body = fg.checkpoint(lambda x, w: jnp.tanh(x @ w) * x[:, :1])

CASES = [
    Case("custom_jvp_call", _sin_times, [Arg((2, 3)), Arg((2, 3))], order=2),
    Case("custom_vjp_call", _softplus, [Arg((4,))], diff=False),
    Case("checkpoint", _remat_body, [Arg((2, 3)), Arg((3, 3))], order=2),
]

_SEEN = []


def _print_and_double(x):
    from funcgrad.primitives.debug import debug_callback
    debug_callback(lambda v: _SEEN.append(v.shape), x)
    return x * 2.0


CASES.append(Case("debug_callback", _print_and_double, [Arg((2, 3))]))
