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
from .shape import move_bdim, shape_of

_DONE = np.array(True)


def _impl(*args, callback):
    callback(*[np.asarray(a) for a in args])
    return _DONE


def _jvp(primals, tangents, *, callback):
    out = debug_callback_p.bind(*primals, callback=callback)
    return out, Zero(Aval((), np.dtype(np.bool_)))


def _batch(args, dims, *, callback):
    """One equation whatever the batch size: the callback is wrapped to run once per batch
    element, in order, on that element's values."""
    size = next(shape_of(a)[d] for a, d in zip(args, dims) if d is not None)
    moved = [a if d is None else move_bdim(a, d, 0) for a, d in zip(args, dims)]
    batched = [d is not None for d in dims]

    def per_element(*vals):
        for i in range(size):
            callback(*[v[i] if b else v for v, b in zip(vals, batched)])

    return debug_callback_p.bind(*moved, callback=per_element), None


debug_callback_p = def_primitive(
    "debug_callback", abstract_eval=lambda *avals, callback: Aval((), np.dtype(np.bool_)),
    impl=_impl, vjp=NOT_DIFFERENTIABLE("a side effect, no value"), jvp=_jvp, batch=_batch,
    lower=HOST, effectful=True)


def debug_callback(callback, *args) -> None:
    """Call ``callback(*arrays)`` with the runtime values of ``args`` (flat arrays)."""
    debug_callback_p.bind(*args, callback=callback)
