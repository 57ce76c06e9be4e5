"""``funcgrad.numpy.fft``: ``jax.numpy.fft``'s names.

``fftfreq``, ``rfftfreq``, ``fftshift`` and ``ifftshift`` are real-valued and work everywhere
(traced, differentiated, compiled). The transforms themselves (``fft``, ``rfft``, ``irfft``, ...)
produce or consume complex numbers, which funcgrad computes eagerly with NumPy but does not
trace: under a transform they raise ``NotImplementedError`` naming the call.

>>> import funcgrad.numpy as jnp
>>> jnp.fft.fftfreq(4, d=0.5)
Array([ 0. ,  0.5, -1. , -0.5], dtype=float64)
>>> jnp.fft.irfft(jnp.fft.rfft(jnp.array([1.0, 2.0, 3.0, 4.0])))
Array([1., 2., 3., 4.], dtype=float64)
"""
from __future__ import annotations

import numpy as _np

from ..core.source_info import user_frame_info
from ..core.trace import Tracer
from ._dtypes import base, canonicalize_dtype, wrap

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _eager(name):
    np_fn = getattr(_np.fft, name)

    def f(a, *args, **kwargs):
        if isinstance(a, Tracer):
            raise NotImplementedError(
                f"jnp.fft.{name} on a traced value at {user_frame_info()}: its result is complex, and "
                "funcgrad traces real values only. Call it outside jit/grad/vmap.")
        return wrap(np_fn(base(a), *args, **kwargs))     # wrap: 32-bit types when x64 is off
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"``numpy.fft.{name}`` (eager only: complex values are not traced)."
    return f


fft, ifft, rfft, irfft, hfft, ihfft = (_eager(n) for n in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"))
fft2, ifft2, rfft2, irfft2 = (_eager(n) for n in ("fft2", "ifft2", "rfft2", "irfft2"))
fftn, ifftn, rfftn, irfftn = (_eager(n) for n in ("fftn", "ifftn", "rfftn", "irfftn"))


def _freq(k, n, d, dtype):
    from ._ufuncs import divide, multiply
    k = k.astype(canonicalize_dtype(dtype or _np.float64))
    return multiply(k, divide(1.0, multiply(n, d)))       # NumPy's k * (1 / (n d))


def fftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of an ``n``-point DFT with sample spacing ``d`` (``d`` may be traced)."""
    k = _np.concatenate([_np.arange(0, (n - 1) // 2 + 1), _np.arange(-(n // 2), 0)])
    return _freq(k, n, d, dtype)


def rfftfreq(n: int, d=1.0, *, dtype=None, device=None):
    """Sample frequencies of ``rfft`` (the non-negative ones)."""
    return _freq(_np.arange(0, n // 2 + 1), n, d, dtype)


def _shift(x, axes, sign):
    from ._shape import roll, shape
    s = shape(x)
    axes = tuple(range(len(s))) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return roll(x, tuple(sign * (s[a] // 2) for a in axes), axes)


def fftshift(x, axes=None):
    """Move the zero-frequency term to the centre."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of ``fftshift``."""
    return _shift(x, axes, -1)
