"""``jax_debug_nans``: raise ``FloatingPointError`` where a NaN is first produced.

As in JAX: with ``funcgrad.config.update("jax_debug_nans", True)``, every primitive run on
concrete values checks its floating-point outputs; the first NaN raises, naming the primitive
(or the ``funcgrad.numpy`` function) and the user's line. A jitted function checks its outputs;
if one holds a NaN, its program is run again one equation at a time with NumPy to find the
equation that produced it (the compiled code itself is not instrumented).

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> fg.config.update("jax_debug_nans", True)
>>> fg.jit(lambda x: jnp.log(x) * 2.0)(jnp.array([1.0, -1.0]))
Traceback (most recent call last):
    ...
FloatingPointError: invalid value (nan) encountered in log (from ...)
>>> fg.config.update("jax_debug_nans", False)
"""
from __future__ import annotations

import sys

import numpy as np

from .config import config
from .source_info import user_frame_info

_CFG = config.__dict__["_values"]


def enabled() -> bool:
    return _CFG["jax_debug_nans"]


def has_nan(x) -> bool:
    """Whether ``x`` is a floating-point array (or scalar) holding a NaN."""
    dt = getattr(x, "dtype", None)
    if dt is None:
        return isinstance(x, float) and x != x
    return dt.kind in "fc" and bool(np.isnan(x).any())


def nan_error(what: str, where: str | None = None) -> FloatingPointError:
    where = where or user_frame_info()
    return FloatingPointError(f"invalid value (nan) encountered in {what} (from {where})")


def check_outputs(what: str, outs, source: str | None = None) -> None:
    """Raise if any of ``outs`` holds a NaN (call only when ``enabled()``)."""
    for o in outs:
        if has_nan(o):
            raise nan_error(what, source)


def check_eager_result(r) -> None:
    """The check on an eager ``funcgrad.numpy`` result: names the public function the user
    called (the outermost funcgrad frame below the user's)."""
    if not has_nan(r):
        return
    from .source_info import _PKG_DIR
    f = sys._getframe(1)
    name = "a funcgrad.numpy function"
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        if "numpy" in f.f_code.co_filename.rsplit("funcgrad", 1)[-1]:
            name = f"jnp.{f.f_code.co_name}"
        f = f.f_back
    raise nan_error(name)


def find_nan(jaxpr, consts, args) -> None:
    """Run ``jaxpr`` one equation at a time with the NumPy implementations and raise at the first
    equation with a NaN output (a call's sub-program is entered, so the message names the
    innermost primitive). Returns normally if no equation produces one."""
    from .ir import Literal
    from .lowering import INLINE
    env = {}

    def read(a):
        return a.val if isinstance(a, Literal) else env[id(a)]

    for v, c in zip(jaxpr.constvars, consts):
        env[id(v)] = c
    for v, a in zip(jaxpr.invars, args):
        env[id(v)] = a
    for eqn in jaxpr.eqns:
        ins = [read(a) for a in eqn.inputs]
        if eqn.primitive.lower is INLINE:         # a call: look inside its sub-program first
            find_nan(eqn.params["jaxpr"], [], ins)
        out = eqn.primitive.impl(*ins, **eqn.params)
        outs = list(out) if eqn.primitive.multiple_results else [out]
        for v, o in zip(eqn.outputs, outs):
            env[id(v)] = o
        check_outputs(eqn.primitive.name, outs, eqn.source or None)
