"""Global flags, set with ``funcgrad.config.update(name, value)`` as in JAX.

>>> from funcgrad.core.config import config
>>> config.jax_enable_x64
True
"""
from __future__ import annotations

import os


class Config:
    """A tiny flag holder mirroring ``jax.config``.

    ``jax_enable_x64`` defaults to True: funcgrad follows NumPy's dtype rules (float64 default).
    Setting it False gives JAX's 32-bit defaults (Python floats and float64 inputs become float32).
    """

    _defaults = {
        "jax_enable_x64": os.environ.get("JAX_ENABLE_X64", "1").lower() not in ("0", "false"),
        "jax_debug_nans": False,
        "jax_disable_jit": False,
    }

    def __init__(self):
        self.__dict__["_values"] = dict(self._defaults)

    def update(self, name: str, value) -> None:
        if name not in self._values:
            raise AttributeError(f"Unknown funcgrad config option {name!r}; known: {sorted(self._values)}")
        self._values[name] = value

    def __getattr__(self, name):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self.update(name, value)


config = Config()


class disable_jit:
    """Context manager (JAX's ``jax.disable_jit``): inside it, ``jit`` runs functions eagerly,
    op by op (for debugging with print and pdb).

    >>> import funcgrad as fg
    >>> with fg.disable_jit():
    ...     fg.jit(lambda x: print("running eagerly:", x) or x)(3)
    running eagerly: 3
    3
    """

    def __init__(self, disable: bool = True):
        self.disable = disable

    def __enter__(self):
        self.prev = config.jax_disable_jit
        config.update("jax_disable_jit", bool(self.disable))
        return self

    def __exit__(self, *exc):
        config.update("jax_disable_jit", self.prev)
        return False
