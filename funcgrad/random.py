"""``funcgrad.random``: JAX's counter-based random numbers (Threefry-2x32), with ``jax.random``'s
names and signatures.

Keys are JAX's raw keys: ``uint32[2]`` arrays (``key(seed)`` returns one too; see
``docs/random.md``). Every sampler is a pure function of its key, built from the
``threefry2x32`` primitive and ordinary operations, so results are the same eagerly, under
``jit`` and under ``vmap`` (bit for bit), and equal JAX's default stream (partitionable Threefry):

>>> import funcgrad.random as random
>>> key = random.PRNGKey(0)
>>> key
Array([0, 0], dtype=uint32)
>>> k1, k2 = random.split(key)
>>> k1
Array([1797259609, 2579123966], dtype=uint32)
>>> random.randint(k2, (5,), 0, 10)
Array([8, 2, 3, 5, 0], dtype=int64)

Float samplers default to float64 (funcgrad's default; ``jax_enable_x64`` off gives float32),
and then match JAX run with ``jax_enable_x64=True``; ask for ``dtype=jnp.float32`` to match JAX's
32-bit default stream.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import lax
from . import numpy as jnp
from .core.config import config
from .core.trace import Tracer
from .primitives.random_bits import (bitcast_convert_type, optimization_barrier, shift_left,
                                     shift_right_logical, sort_permutation, threefry2x32)
from .primitives.shape import aval

__all__ = ["PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "bits", "uniform",
           "normal", "truncated_normal", "bernoulli", "categorical", "randint", "choice",
           "permutation", "gumbel", "multivariate_normal", "exponential", "laplace", "logistic",
           "cauchy", "rademacher", "lognormal", "clone"]

_UINT = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
         64: np.dtype(np.uint64)}


# --------------------------------------------------------------------------- dtypes and shapes

def _float_dtype(dtype, name):
    if dtype is None:
        return np.dtype(np.float64 if config.jax_enable_x64 else np.float32)
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype argument to `{name}` must be a float dtype, got {dtype}")
    if not config.jax_enable_x64 and dtype == np.float64:
        return np.dtype(np.float32)
    return dtype


def _int_default():
    return np.dtype(np.int64 if config.jax_enable_x64 else np.int32)


def _shape(shape, name) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{name}: shape must be a tuple of integers, got {shape!r}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{name}: shape {shape} has a negative dimension")
    return shape


def _check_key(key, name):
    a = aval(key)
    if a.dtype != np.uint32 or a.shape != (2,):
        hint = (" (a batch of keys: use funcgrad.vmap over the leading axis)"
                if a.dtype == np.uint32 and a.shape[-1:] == (2,) else "")
        raise TypeError(f"{name}: expected a PRNG key, a uint32[2] array from "
                        f"random.PRNGKey/key/split, got {a}{hint}")
    return key


def _key_words(key):
    return key[0], key[1]


def _check_shape(name, shape, *param_shapes):
    if param_shapes:
        try:
            out = np.broadcast_shapes(shape, *param_shapes)
        except ValueError:
            out = None
        if out != tuple(shape):
            raise ValueError(f"{name}: parameter shapes {param_shapes} must be broadcast-compatible "
                             f"with shape argument {shape}, and the result of broadcasting must "
                             "equal the shape argument")


# --------------------------------------------------------------------------- keys

def _seed_words(seed):
    """``[seed >> 32, seed & 0xFFFFFFFF]`` as uint32 (a 32-bit seed has a zero high word)."""
    if isinstance(seed, Tracer) or isinstance(seed, np.ndarray):
        s = seed
        dt = aval(s).dtype
    else:
        if not isinstance(seed, (int, np.integer)):
            raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
        dt = np.dtype(np.int64) if config.jax_enable_x64 else np.dtype(np.int32)
        if isinstance(seed, np.integer):
            dt = np.dtype(seed.dtype)
        s = np.asarray(seed, dt)
    if aval(s).shape:
        raise TypeError(f"PRNG key seed must be a scalar; got shape {aval(s).shape}. "
                        "Use funcgrad.vmap for batching")
    if dt.kind not in "iu":
        raise TypeError(f"PRNG key seed must be an integer; got dtype {dt}")
    hi = lax.convert_element_type(shift_right_logical(s, np.asarray(32, dt)), np.uint32)
    lo = lax.convert_element_type(s, np.uint32)
    return hi, lo


def PRNGKey(seed) -> jnp.ndarray:
    """A raw key (``uint32[2]``) from an integer seed: ``[seed >> 32, seed & 0xFFFFFFFF]``.

    >>> PRNGKey(42)
    Array([ 0, 42], dtype=uint32)
    """
    hi, lo = _seed_words(seed)
    return jnp.stack([hi, lo])


def key(seed, *, impl=None, dtype=None) -> jnp.ndarray:
    """``jax.random.key``: funcgrad has no typed key dtype; this returns the raw key that
    ``PRNGKey`` does (same stream as JAX's typed threefry key)."""
    if (impl or dtype) not in (None, "threefry2x32"):
        raise ValueError(f"funcgrad.random implements only 'threefry2x32', got {impl or dtype!r}")
    return PRNGKey(seed)


def key_data(keys):
    """The ``uint32`` words of ``keys`` (funcgrad's keys are already raw: returned as is)."""
    return keys


def wrap_key_data(key_bits_array, *, impl=None):
    """Keys from their ``uint32[..., 2]`` words (the identity for raw keys)."""
    a = aval(key_bits_array)
    if a.dtype != np.uint32 or a.shape[-1:] != (2,):
        raise TypeError(f"wrap_key_data expects uint32[..., 2] key data, got {a}")
    return key_bits_array


def clone(key):
    return key


def _iota_2x32(shape):
    """A uint64 iota over ``shape`` (row-major) as two uint32 arrays: (high, low) words."""
    n = math.prod(shape)
    counts = np.arange(n, dtype=np.uint64).reshape(shape)
    hi = (counts >> np.uint64(32)).astype(np.uint32)
    lo = (counts & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return hi, lo


def _threefry_shape(key, shape):
    k1, k2 = _key_words(key)
    hi, lo = _iota_2x32(shape)
    return threefry2x32(k1, k2, hi, lo)


def split(key, num: int | Sequence[int] = 2):
    """``num`` new keys (shape ``(num, 2)``; a tuple ``num`` gives ``(*num, 2)``).

    >>> split(PRNGKey(0), 3).shape
    (3, 2)
    """
    _check_key(key, "split")
    shape = tuple(int(n) for n in num) if isinstance(num, Sequence) else (int(num),)
    b1, b2 = _threefry_shape(key, shape)
    return jnp.stack([b1, b2], axis=len(shape))


def fold_in(key, data):
    """A new key, a deterministic function of ``key`` and the 32-bit integer ``data``.

    >>> fold_in(PRNGKey(0), 1)
    Array([ 928981903, 3453687069], dtype=uint32)
    """
    _check_key(key, "fold_in")
    if np.ndim(data) if not isinstance(data, Tracer) else aval(data).shape:
        raise TypeError("fold_in accepts a scalar, but was given an array of shape "
                        f"{np.shape(data) if not isinstance(data, Tracer) else aval(data).shape}"
                        " != (). Use funcgrad.vmap for batching.")
    if isinstance(data, Tracer):
        d = lax.convert_element_type(data, np.uint32)
    else:
        d = np.asarray(np.asarray(data).astype(np.int64) & 0xFFFFFFFF, np.uint32)
    k1, k2 = _key_words(key)
    y1, y2 = threefry2x32(k1, k2, np.uint32(0), d)
    return jnp.stack([y1, y2])


def _random_bits(key, bit_width: int, shape):
    b1, b2 = _threefry_shape(key, shape)
    dtype = _UINT[bit_width]
    if bit_width == 64:
        hi = lax.convert_element_type(b1, dtype)
        lo = lax.convert_element_type(b2, dtype)
        return lax.bitwise_or(shift_left(hi, np.asarray(32, dtype)), lo)
    word = lax.bitwise_xor(b1, b2)
    return word if bit_width == 32 else lax.convert_element_type(word, dtype)


def bits(key, shape=(), dtype=None):
    """Uniform random bits as unsigned integers (default uint64, or uint32 with x64 off)."""
    _check_key(key, "bits")
    if dtype is None:
        dtype = np.dtype(np.uint64 if config.jax_enable_x64 else np.uint32)
    dtype = np.dtype(dtype)
    if dtype.kind != "u":
        raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
    return _random_bits(key, dtype.itemsize * 8, _shape(shape, "bits"))


# --------------------------------------------------------------------------- continuous

def _broadcast_to_rank(x, rank):
    nd = len(aval(x).shape)
    return x if nd >= rank else lax.reshape(x, (1,) * (rank - nd) + tuple(aval(x).shape))


def _as_dtype(x, dtype):
    if isinstance(x, Tracer):
        return lax.convert_element_type(x, dtype)
    return np.asarray(x).astype(dtype)


def _uniform(key, shape, dtype, minval, maxval):
    finfo = np.finfo(dtype)
    nbits, nmant = finfo.bits, finfo.nmant
    if nbits not in (16, 32, 64):
        raise TypeError(f"uniform only accepts 16-, 32- or 64-bit float dtypes, got {dtype}")
    minval = _broadcast_to_rank(_as_dtype(minval, dtype), len(shape))
    maxval = _broadcast_to_rank(_as_dtype(maxval, dtype), len(shape))
    b = _random_bits(key, nbits, shape)
    udt = _UINT[nbits]
    fbits = lax.bitwise_or(shift_right_logical(b, np.asarray(nbits - nmant, udt)),
                           np.array(1.0, dtype).view(udt))
    floats = lax.sub(bitcast_convert_type(fbits, dtype), np.asarray(1.0, dtype))
    # the barrier keeps jit from contracting mul+add into one FMA: two roundings, as eagerly
    scaled = lax.add(optimization_barrier(lax.mul(floats, lax.sub(maxval, minval))), minval)
    return jnp.maximum(minval, scaled)


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0):
    """Uniform floats in ``[minval, maxval)`` (JAX's mantissa method: 52 or 23 random bits).

    >>> uniform(PRNGKey(0), (3,))
    Array([0.41845711, 0.21629545, 0.96532146], dtype=float64)
    """
    _check_key(key, "uniform")
    shape = _shape(shape, "uniform")
    dtype = _float_dtype(dtype, "uniform")
    return _uniform(key, shape, dtype, minval, maxval)


def normal(key, shape=(), dtype=None):
    """Standard normal samples: ``sqrt(2) * erf_inv(u)`` with ``u`` uniform on ``(-1, 1)``."""
    _check_key(key, "normal")
    shape = _shape(shape, "normal")
    dtype = _float_dtype(dtype, "normal")
    lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype))
    u = _uniform(key, shape, dtype, lo, np.array(1.0, dtype))
    return lax.mul(np.array(np.sqrt(2), dtype), lax.erf_inv(u))


def _nextafter_inf(x, toward_positive: bool):
    """``nextafter(x, ±inf)`` for float ``x`` (elementwise, traceable: integer steps on the bits)."""
    dt = aval(x).dtype
    idt = np.dtype(f"i{dt.itemsize}")
    b = bitcast_convert_type(x, idt)
    one = np.asarray(1, idt)
    up = lax.gt(x, np.asarray(0, dt)) if toward_positive else lax.lt(x, np.asarray(0, dt))
    stepped = lax.select(up, lax.add(b, one), lax.sub(b, one))
    tiny = np.array(1, idt).view(dt) * (1 if toward_positive else -1)
    out = bitcast_convert_type(stepped, dt)
    out = lax.select(lax.eq(x, np.asarray(0, dt)), jnp.full_like(x, tiny), out)
    limit = np.asarray(np.inf if toward_positive else -np.inf, dt)
    keep = lax.bitwise_or(lax.ne(x, x), lax.eq(x, limit))
    return lax.select(keep, x, out)


def truncated_normal(key, lower, upper, shape=None, dtype=None):
    """Standard normal samples truncated to the open interval ``(lower, upper)``."""
    _check_key(key, "truncated_normal")
    dtype = _float_dtype(dtype, "truncated_normal")
    bounds = (tuple(aval(jnp.asarray(lower)).shape), tuple(aval(jnp.asarray(upper)).shape))
    if shape is None:
        shape = np.broadcast_shapes(*bounds)
    else:
        shape = _shape(shape, "truncated_normal")
        _check_shape("truncated_normal", shape, *bounds)
    sqrt2 = np.array(np.sqrt(2), dtype)
    lower = _as_dtype(lower, dtype)
    upper = _as_dtype(upper, dtype)
    a = lax.erf(lax.div(jnp.asarray(lower), sqrt2))
    b = lax.erf(lax.div(jnp.asarray(upper), sqrt2))
    u = _uniform(key, shape, dtype, a, b)
    out = lax.mul(sqrt2, lax.erf_inv(u))
    lo = _nextafter_inf(lax.stop_gradient(jnp.asarray(lower)), True)
    hi = _nextafter_inf(lax.stop_gradient(jnp.asarray(upper)), False)
    return jnp.clip(out, lo, hi)


def bernoulli(key, p=0.5, shape=None, mode: str = "low"):
    """Booleans that are True with probability ``p`` (``uniform < p``)."""
    _check_key(key, "bernoulli")
    if mode not in ("high", "low"):
        raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
    p = jnp.asarray(p)
    dtype = aval(p).dtype
    if dtype.kind != "f":
        raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
    pshape = aval(p).shape
    shape = pshape if shape is None else _shape(shape, "bernoulli")
    _check_shape("bernoulli", shape, pshape)
    if mode == "high":
        u = _uniform(key, (2, *shape), dtype, 0.0, 1.0)
        u1, u2 = u[0], u[1] * (2.0 ** -np.finfo(dtype).nmant)
        return u2 < p - u1
    return _uniform(key, shape, dtype, 0.0, 1.0) < p


def gumbel(key, shape=(), dtype=None, mode: str | None = None):
    """Standard Gumbel samples: ``-log(-log(u))``."""
    _check_key(key, "gumbel")
    shape = _shape(shape, "gumbel")
    dtype = _float_dtype(dtype, "gumbel")
    return _gumbel(key, shape, dtype, mode or "low")


def _gumbel(key, shape, dtype, mode):
    info = np.finfo(dtype)
    if mode in ("high", "highest"):
        u = _uniform(key, (2,) + shape, dtype, 0.0, 1.0)
        high, low = u[0], u[1]
        x = jnp.where(high >= 0.5, high, high + 2.0 ** -info.nmant * low + info.tiny)
        return _gumbel_high_of(x)
    if mode != "low":
        raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
    return _gumbel_of(_uniform(key, shape, dtype, np.asarray(info.tiny, dtype), 1.0))


def categorical(key, logits, axis: int = -1, shape=None, replace: bool = True, mode=None):
    """Samples from categorical distributions given by ``logits`` along ``axis`` (Gumbel-max)."""
    _check_key(key, "categorical")
    logits = jnp.asarray(logits)
    lshape = aval(logits).shape
    nd = len(lshape)
    batch_shape = tuple(np.delete(np.array(lshape, dtype=np.int64), axis).tolist())
    shape = batch_shape if shape is None else _shape(shape, "categorical")
    _check_shape("categorical", shape, batch_shape)
    dtype = aval(logits).dtype
    prefix = shape[:len(shape) - len(batch_shape)]
    if replace:
        if axis >= 0:
            axis -= nd
        lshape2 = list(shape[len(shape) - len(batch_shape):])
        lshape2.insert(axis % nd, lshape[axis])
        g = _gumbel(key, (*prefix, *lshape2), dtype, mode or "low")
        return jnp.argmax(g + jnp.expand_dims(logits, tuple(range(len(prefix)))), axis=axis)
    logits = logits + _gumbel(key, lshape, dtype, mode or "low")
    k = math.prod(prefix)
    if k > lshape[axis]:
        raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number of "
                         f"categories ({lshape[axis]}).")
    moved = jnp.moveaxis(logits, axis, -1)
    idx = sort_permutation(-moved, -1)[..., :k]
    return jnp.moveaxis(idx, -1, 0).reshape(shape)


# --------------------------------------------------------------------------- integers

def _convert_and_clip_integer(val, dtype):
    src = aval(val).dtype
    dtype = np.dtype(dtype)
    lo = max(np.iinfo(dtype).min, np.iinfo(src).min)
    hi = min(np.iinfo(dtype).max, np.iinfo(src).max)
    return lax.convert_element_type(jnp.clip(val, np.asarray(lo, src), np.asarray(hi, src)), dtype)


def randint(key, shape, minval, maxval, dtype=None):
    """Uniform integers in ``[minval, maxval)`` (JAX's two-word modulus method)."""
    _check_key(key, "randint")
    dtype = _int_default() if dtype is None else np.dtype(dtype)
    if dtype.kind not in "iu":
        raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
    shape = _shape(shape, "randint")
    info = np.iinfo(dtype)
    if info.bits < 32:
        mn = jnp.clip(jnp.asarray(minval).astype(np.int32), int(info.min), int(info.max))
        mx = jnp.clip(jnp.asarray(maxval).astype(np.int32), int(info.min), int(info.max) + 1)
        return _randint(key, shape, mn, mx, np.dtype(np.int32)).astype(dtype)
    return _randint(key, shape, minval, maxval, dtype)


def _randint(key, shape, minval, maxval, dtype):
    minval, maxval = jnp.asarray(minval), jnp.asarray(maxval)
    _check_shape("randint", shape, aval(minval).shape, aval(maxval).shape)
    if aval(minval).dtype.kind not in "iu":
        minval = minval.astype(_int_default())
    if aval(maxval).dtype.kind not in "iu":
        maxval = maxval.astype(_int_default())
    top = _convert_and_clip_integer(np.asarray(np.iinfo(dtype).max, dtype), aval(maxval).dtype)
    maxval_out_of_range = lax.gt(maxval, top)
    minval = _broadcast_to_rank(_convert_and_clip_integer(minval, dtype), len(shape))
    maxval = _broadcast_to_rank(_convert_and_clip_integer(maxval, dtype), len(shape))
    nbits = np.iinfo(dtype).bits
    k1, k2 = split(key)
    higher = _random_bits(k1, nbits, shape)
    lower = _random_bits(k2, nbits, shape)
    udt = _UINT[nbits]
    span = lax.convert_element_type(lax.sub(maxval, minval), udt)
    one = np.asarray(1, udt)
    span = lax.select(lax.le(maxval, minval), jnp.full_like(span, 1), span)
    span = lax.select(lax.bitwise_and(maxval_out_of_range, lax.gt(maxval, minval)),
                      lax.add(span, one), span)
    multiplier = lax.rem(np.asarray(2 ** (nbits // 2), udt), span)
    multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
    offset = lax.add(lax.mul(lax.rem(higher, span), multiplier), lax.rem(lower, span))
    offset = lax.rem(offset, span)
    return lax.add(minval, lax.convert_element_type(offset, dtype))


def _shuffle(key, x, axis):
    size = math.prod(aval(x).shape)
    rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
    for _ in range(rounds):
        key, subkey = split(key)
        sort_keys = _random_bits(subkey, 32, aval(x).shape)
        x = jnp.take_along_axis(x, sort_permutation(sort_keys, axis), axis=axis)
    return x


def permutation(key, x, axis: int = 0, independent: bool = False):
    """A random permutation of ``arange(x)`` (integer ``x``) or of ``x`` along ``axis``
    (sort-based shuffle with 32-bit random keys, as JAX).

    >>> permutation(PRNGKey(0), 5)
    Array([0, 1, 4, 3, 2], dtype=int64)
    """
    _check_key(key, "permutation")
    if not isinstance(x, Tracer) and np.ndim(x) == 0:
        if not np.issubdtype(np.asarray(x).dtype, np.integer):
            raise TypeError("x must be an integer or at least 1-dimensional")
        return _shuffle(key, jnp.arange(int(x)), 0)
    x = jnp.asarray(x)
    nd = len(aval(x).shape)
    if nd == 0:
        raise TypeError("permutation: x must be a concrete integer or at least 1-dimensional "
                        "(a traced integer cannot set the output size)")
    axis = axis % nd
    if independent or nd == 1:
        return _shuffle(key, x, axis)
    ind = _shuffle(key, jnp.arange(aval(x).shape[axis]), 0)
    return jnp.take(x, ind, axis=axis)


def choice(key, a, shape=(), replace: bool = True, p=None, axis: int = 0, mode=None):
    """Random samples from ``a`` (an array, or ``arange(a)`` for an integer), as JAX's."""
    _check_key(key, "choice")
    shape = _shape(shape, "choice")
    if not isinstance(a, Tracer) and np.ndim(a) == 0:
        n_inputs = int(a)
        arr = None
    else:
        arr = jnp.asarray(a)
        if axis >= len(aval(arr).shape) or axis < 0:
            raise ValueError(f"choice: axis {axis} out of range for a of shape {aval(arr).shape}")
        n_inputs = aval(arr).shape[axis]
    n_draws = math.prod(shape)
    if n_draws == 0:
        return jnp.zeros(shape, dtype=aval(arr).dtype if arr is not None else _int_default())
    if n_inputs <= 0:
        raise ValueError("a must be greater than 0 unless no samples are taken")
    if not replace and n_draws > n_inputs:
        raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population "
                         f"(size {n_inputs}) when 'replace=False'")
    if p is None:
        if replace:
            ind = randint(key, shape, 0, n_inputs)
            result = ind if arr is None else jnp.take(arr, ind, axis=axis)
        else:
            perm = permutation(key, n_inputs if arr is None else arr, axis)
            result = lax.slice_in_dim(perm, 0, n_draws, axis=axis)
    else:
        p = jnp.asarray(p)
        if aval(p).dtype.kind != "f":
            p = p.astype(_float_dtype(None, "choice"))
        if aval(p).shape != (n_inputs,):
            raise ValueError("p must be None or a 1D vector with the same size as a.shape[axis]. "
                             f"p has shape {aval(p).shape} and a.shape[axis] is {n_inputs}.")
        if replace:
            tri = np.tril(np.ones((n_inputs, n_inputs), bool))
            p_cuml = jnp.sum(jnp.where(tri, p[None, :], 0), axis=1)
            r = p_cuml[-1] * (1 - uniform(key, shape, dtype=aval(p_cuml).dtype))
            ind = jnp.sum(p_cuml < r[..., None], axis=-1).astype(_int_default())
        else:
            g = _gumbel(key, (n_inputs,), aval(p).dtype, mode or "low") + jnp.log(p)
            ind = sort_permutation(-g, 0)[:n_draws].astype(_int_default())
        result = ind if arr is None else jnp.take(arr, ind, axis=axis)
    if arr is None:
        return result.reshape(shape)
    s = aval(arr).shape
    return result.reshape(s[:axis] + tuple(shape) + s[axis + 1:])


# --------------------------------------------------------------------------- multivariate

def multivariate_normal(key, mean, cov, shape=None, dtype=None, method: str = "cholesky"):
    """``mean + factor @ z`` with ``z`` standard normal and ``factor`` a square root of ``cov``."""
    _check_key(key, "multivariate_normal")
    if method not in ("svd", "eigh", "cholesky"):
        raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
    mean, cov = jnp.asarray(mean), jnp.asarray(cov)
    dtype = aval(mean).dtype if dtype is None else _float_dtype(dtype, "multivariate_normal")
    if dtype.kind != "f":
        dtype = _float_dtype(None, "multivariate_normal")
    ms, cs = aval(mean).shape, aval(cov).shape
    if len(ms) < 1:
        raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == {len(ms)}")
    if len(cs) < 2:
        raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {len(cs)}")
    n = ms[-1]
    if cs[-2:] != (n, n):
        raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, "
                         f"but got cov.shape == {cs}.")
    if shape is None:
        shape = np.broadcast_shapes(ms[:-1], cs[:-2])
    else:
        shape = _shape(shape, "multivariate_normal")
        _check_shape("normal", shape, ms[:-1], cs[:-2])
    factor = _cov_factor(cov, method)
    z = normal(key, tuple(shape) + (n,), dtype)
    return mean + jnp.einsum("...ij,...j->...i", factor, z)


def _cov_factor(cov, method):
    """A square root ``F`` of ``cov`` (``F @ F.T == cov``): with ``funcgrad.numpy.linalg`` when
    it exists (differentiable); otherwise NumPy's LAPACK on a concrete ``cov``."""
    linalg = getattr(jnp, "linalg", None)
    if linalg is not None and hasattr(linalg, "cholesky"):
        if method == "svd":
            u, s, _ = linalg.svd(cov)
            return u * jnp.sqrt(s[..., None, :])
        if method == "eigh":
            w, v = linalg.eigh(cov)
            return v * jnp.sqrt(w[..., None, :])
        return linalg.cholesky(cov)
    if isinstance(cov, Tracer):
        raise NotImplementedError(
            "multivariate_normal with a traced (jit argument or differentiated) covariance needs "
            "funcgrad.numpy.linalg, which this build does not have; pass a concrete covariance")
    c = np.asarray(cov)
    if method == "svd":
        u, s, _ = np.linalg.svd(c)
        return jnp.asarray(u * np.sqrt(s[..., None, :]))
    if method == "eigh":
        w, v = np.linalg.eigh(c)
        return jnp.asarray(v * np.sqrt(w[..., None, :]))
    return jnp.asarray(np.linalg.cholesky(c))


# --------------------------------------------------------------------------- simple transforms

# The transcendental step of a sampler (log, tan, exp of uniform or normal bits) always runs
# compiled, eagerly too: the compiled log differs from NumPy's by an ulp here and there, and a
# key must give the same bits eagerly, under jit and under vmap. (The bits themselves are
# integer arithmetic, identical everywhere.)
from .jit import jit as _jit  # noqa: E402


@_jit
def _gumbel_of(u):
    return -jnp.log(-jnp.log(u))


@_jit
def _gumbel_high_of(x):
    return -jnp.log(-jnp.log1p(-x))


@_jit
def _exponential_of(u):
    return lax.neg(lax.log1p(lax.neg(u)))


@_jit
def _laplace_of(u):
    return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


@_jit
def _logistic_of(x):
    return lax.log(lax.div(x, lax.sub(lax.full_like(x, 1), x)))


@_jit
def _cauchy_of(u):
    return lax.tan(lax.mul(lax.full_like(u, np.pi), lax.sub(u, lax.full_like(u, 0.5))))


@_jit
def _lognormal_of(z, sigma):
    return jnp.exp(z * sigma)


def exponential(key, shape=(), dtype=None):
    """Exponential(1) samples: ``-log1p(-u)``."""
    _check_key(key, "exponential")
    dtype = _float_dtype(dtype, "exponential")
    return _exponential_of(_uniform(key, _shape(shape, "exponential"), dtype, 0.0, 1.0))


def laplace(key, shape=(), dtype=None):
    """Laplace(0, 1) samples: ``sign(u) * log1p(-|u|)`` with ``u`` uniform on ``(-1, 1)``."""
    _check_key(key, "laplace")
    dtype = _float_dtype(dtype, "laplace")
    u = _uniform(key, _shape(shape, "laplace"), dtype, np.nextafter(np.array(-1.0, dtype),
                                                                     np.array(0.0, dtype)), 1.0)
    return _laplace_of(u)


def logistic(key, shape=(), dtype=None):
    """Logistic samples: ``log(u / (1 - u))``."""
    _check_key(key, "logistic")
    dtype = _float_dtype(dtype, "logistic")
    return _logistic_of(_uniform(key, _shape(shape, "logistic"), dtype, np.finfo(dtype).tiny, 1.0))


def cauchy(key, shape=(), dtype=None):
    """Standard Cauchy samples: ``tan(pi * (u - 1/2))``."""
    _check_key(key, "cauchy")
    dtype = _float_dtype(dtype, "cauchy")
    return _cauchy_of(_uniform(key, _shape(shape, "cauchy"), dtype, np.finfo(dtype).eps, 1.0))


def rademacher(key, shape=(), dtype=None):
    """±1 with equal probability."""
    _check_key(key, "rademacher")
    dtype = _int_default() if dtype is None else np.dtype(dtype)
    b = bernoulli(key, 0.5, shape=_shape(shape, "rademacher")).astype(dtype)
    return 2 * b - 1


def lognormal(key, sigma=1.0, shape=None, dtype=None):
    """``exp(sigma * normal)``."""
    _check_key(key, "lognormal")
    dtype = _float_dtype(dtype, "lognormal")
    sigma = jnp.asarray(sigma, dtype=dtype)
    shape = aval(sigma).shape if shape is None else _shape(shape, "lognormal")
    return _lognormal_of(normal(key, shape, dtype), sigma)
