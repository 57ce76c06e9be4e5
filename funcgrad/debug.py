"""``funcgrad.debug``: ``print`` and ``callback`` that see runtime values eagerly, under ``jit``,
``vmap`` and ``grad`` (JAX's ``jax.debug``).

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> @fg.jit
... def f(x):
...     fg.debug.print("x = {}, sum = {s}", x, s=jnp.sum(x))
...     return x * 2
>>> _ = f(jnp.arange(3.0))
x = [0. 1. 2.], sum = 3.0
"""
from __future__ import annotations

import builtins
from typing import Callable

import numpy as np

from .core.tree_util import tree_flatten, tree_unflatten
from .primitives.debug import debug_callback

__all__ = ["print", "callback"]


def callback(callback: Callable, *args, ordered: bool = False, **kwargs) -> None:
    """Call ``callback(*args, **kwargs)`` with runtime values (NumPy arrays at the array leaves).

    Runs in program order (funcgrad executes effects in order, so ``ordered`` is accepted and
    always honoured); under ``vmap`` once per batch element; never differentiated.
    """
    leaves, tree = tree_flatten((args, kwargs))
    is_array = [hasattr(x, "shape") or isinstance(x, (int, float, complex, bool, np.generic))
                for x in leaves]
    arrays = [x for x, a in zip(leaves, is_array) if a]
    static = [x for x, a in zip(leaves, is_array) if not a]

    def flat_callback(*vals):
        it_v, it_s = iter(vals), iter(static)
        full = [next(it_v) if a else next(it_s) for a in is_array]
        a, kw = tree_unflatten(tree, full)
        callback(*a, **kw)

    debug_callback(flat_callback, *arrays)


def print(fmt: str, *args, ordered: bool = False, **kwargs) -> None:  # noqa: A001 - JAX's name
    """``fmt.format(*args, **kwargs)`` on runtime values, printed when the program runs (JAX's
    ``jax.debug.print``); arrays print as NumPy prints them."""
    def show(*a, **kw):
        builtins.print(fmt.format(*a, **kw))

    callback(show, *args, ordered=ordered, **kwargs)
