"""``debug_callback``: call a Python function on runtime values, from eager code, staged code
and compiled code alike (``funcgrad.debug.print`` / ``funcgrad.debug.callback``).

The primitive is ``effectful``: jit's passes never remove, merge or fold it, and the compiled
driver calls it (``HOST``) in program order. Its one output is a dummy boolean scalar, never read.
Under ``vmap`` the callback runs once per batch element, in order (JAX's ``sequential``); under
differentiation it sees the primal values.
"""
from __future__ import annotations

import numpy as np

from ..core.avals import Aval
from ..core.lowering import HOST
from ..core.primitive import NOT_DIFFERENTIABLE, Zero, def_primitive
from .shape import shape_of, slice as slice_, squeeze

_DONE = np.array(True)


def _impl(*args, callback):
    callback(*[np.asarray(a) for a in args])
    return _DONE


def _jvp(primals, tangents, *, callback):
    out = debug_callback_p.bind(*primals, callback=callback)
    return out, Zero(Aval((), np.dtype(np.bool_)))


def _element(a, i, d):
    s = shape_of(a)
    start = [0] * len(s)
    limit = list(s)
    start[d], limit[d] = i, i + 1
    return squeeze(slice_(a, start, limit, None), (d,))


def _batch(args, dims, *, callback):
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    out = None
    for i in range(size):
        out = debug_callback_p.bind(*[a if d is None else _element(a, i, d)
                                      for a, d in zip(args, dims)], callback=callback)
    return out, None


debug_callback_p = def_primitive(
    "debug_callback", abstract_eval=lambda *avals, callback: Aval((), np.dtype(np.bool_)),
    impl=_impl, vjp=NOT_DIFFERENTIABLE("a side effect, no value"), jvp=_jvp, batch=_batch,
    lower=HOST, effectful=True)


def debug_callback(callback, *args) -> None:
    """Call ``callback(*arrays)`` with the runtime values of ``args`` (flat arrays)."""
    debug_callback_p.bind(*args, callback=callback)
