"""funcgrad: JAX's programming model on NumPy and Numba.

>>> import funcgrad as fg
>>> import funcgrad.numpy as jnp
>>> fg.grad(lambda w: jnp.sum(jnp.tanh(w) ** 2))(jnp.zeros(3))
Array([0., 0., 0.], dtype=float64)
"""
from __future__ import annotations

__version__ = "0.1.0"

from .core.array import Array  # noqa: F401
from .core.config import config, disable_jit  # noqa: F401
from .core.errors import (ConcretizationError, TracerBoolConversionError,  # noqa: F401
                          TracerIntegerConversionError, UnexpectedTracerError)
from . import numpy  # noqa: F401  (attaches tracer operators)
from . import lax, tree_util  # noqa: F401
from .api import (ShapeDtypeStruct, eval_shape, grad, hessian, jacfwd, jacobian, jacrev,  # noqa: F401
                  jvp, linearize, make_jaxpr, value_and_grad, vjp, vmap)
from . import nn  # noqa: F401
from . import scipy  # noqa: F401  (jax.scipy is available after import jax, too)
from .jit import jit  # noqa: F401
from . import random  # noqa: F401
from .control.custom import (checkpoint, checkpoint_name, checkpoint_policies,  # noqa: F401
                             custom_jvp, custom_vjp, remat)
from . import ad_checkpoint, debug, tree  # noqa: F401
from .device import (CpuDevice, block_until_ready, default_backend, device_count,  # noqa: F401
                     device_get, device_put, devices, local_device_count, local_devices,
                     process_count, process_index)


def typeof(x):
    from .core.ir import aval_of_value
    return aval_of_value(x)
