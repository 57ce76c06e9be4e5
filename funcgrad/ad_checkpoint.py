"""``funcgrad.ad_checkpoint``: the names of ``jax.ad_checkpoint``.

>>> from funcgrad.ad_checkpoint import checkpoint, checkpoint_name
>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> float(fg.grad(checkpoint(lambda x: checkpoint_name(jnp.sin(x), "s") ** 2))(0.0))
0.0
"""
from .control.custom import checkpoint, checkpoint_name, checkpoint_policies, remat  # noqa: F401

__all__ = ["checkpoint", "checkpoint_name", "checkpoint_policies", "remat"]
