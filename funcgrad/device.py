"""Devices: funcgrad runs on the host CPU only. ``devices()``, ``device_put``,
``block_until_ready`` and friends are the CPU-only equivalents of JAX's: correct no-ops.

>>> import funcgrad as fg
>>> fg.devices()
[CpuDevice(id=0)]
>>> fg.device_put({"w": [1.0, 2.0]})["w"][0].dtype
dtype('float64')
"""
from __future__ import annotations

import numpy as np

from .core.tree_util import tree_map


class CpuDevice:
    """The one device: the host CPU (NumPy and Numba-compiled code run here)."""

    id = 0
    platform = "cpu"
    device_kind = "cpu"
    process_index = 0
    client = None

    def __repr__(self):
        return "CpuDevice(id=0)"

    def __eq__(self, other):
        return isinstance(other, CpuDevice)

    def __hash__(self):
        return hash("funcgrad-cpu-0")


_CPU = CpuDevice()


def _check_backend(backend):
    if backend not in (None, "cpu") and not isinstance(backend, CpuDevice):
        raise RuntimeError(f"Unknown backend {backend!r}: funcgrad runs on the CPU only "
                           "(available: 'cpu')")


def devices(backend=None) -> list:
    _check_backend(backend)
    return [_CPU]


def local_devices(process_index=None, backend=None) -> list:
    _check_backend(backend)
    return [_CPU]


def device_count(backend=None) -> int:
    _check_backend(backend)
    return 1


def local_device_count(backend=None) -> int:
    return device_count(backend)


def process_count() -> int:
    return 1


def process_index() -> int:
    return 0


def default_backend() -> str:
    return "cpu"


def _to_array(x):
    from . import numpy as jnp
    return jnp.asarray(x)


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
    """Arrays of ``x``'s leaves (already on the only device: no copy for funcgrad Arrays)."""
    if device is not None and not isinstance(device, CpuDevice) and device != "cpu":
        # a sharding or another platform's device: all that exists here is the CPU
        _check_backend(getattr(device, "platform", device))
    return tree_map(_to_array, x)


def device_get(x):
    """Host values of ``x``'s leaves (NumPy arrays; funcgrad Arrays already are)."""
    return tree_map(lambda v: v.view(np.ndarray) if isinstance(v, np.ndarray) else v, x)


def block_until_ready(x):
    """Return ``x``: NumPy and the compiled code are synchronous."""
    return x
