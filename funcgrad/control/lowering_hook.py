"""How the jit backend compiles a control-flow primitive, without ``control/`` importing it.

The primitives' ``lower`` slot is a ``Driver`` whose function asks this registry for a *region*
generator (``funcgrad/backend/regions.py`` registers one per primitive when ``funcgrad.lax`` is
imported): it emits one call of a compiled function that runs the whole loop or branch natively.
When none is registered (or the generator declines, returning ``None``), the driver calls the
primitive's NumPy ``impl``: a Python loop over the sub-programs (the interim path).

>>> fn = lower("no_such_primitive")
>>> callable(fn)
True
"""
from __future__ import annotations

from typing import Callable

_REGIONS: dict[str, Callable] = {}


def register(name: str, generator: Callable) -> None:
    """``generator(ctx, *operand_names, **params) -> str | None`` lowers primitive ``name``."""
    _REGIONS[name] = generator


def registered(name: str) -> bool:
    return name in _REGIONS


def lower(name: str) -> Callable:
    """The function of primitive ``name``'s ``Driver`` lowering."""
    def lower_control(ctx, *names, **params) -> str:
        gen = _REGIONS.get(name)
        if gen is not None:
            src = gen(ctx, *names, **params)
            if src is not None:
                return src
        return ctx.impl_call(*names, **params)
    lower_control.__name__ = f"lower_{name}"
    return lower_control
