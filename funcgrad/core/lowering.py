"""What goes in the ``lower`` slot of a primitive record: how ``jit`` compiles the primitive.

The jit backend (``funcgrad/backend``) reads these descriptors; primitives only declare them. Kinds:

- ``Scalar(template)``: an elementwise primitive, as a *scalar expression* over its operands. The
  fuser inlines it into one loop nest with its neighbours (no temporaries). ``{0}``, ``{1}``... are
  the operand expressions, ``{T}`` the output's scalar type (``np.float32``), ``{dt}`` its short
  name (``f32``), params by name (``{y}``). Helpers of the runtime library are ``rt.<name>``.
  ``int=`` / ``bool=`` give variants for integer / boolean operands; a callable template gets a
  ``ScalarCtx`` and the operand expressions. ``forbid=`` names the LLVM fast-math flags the
  operation cannot tolerate (``KERNEL_FASTMATH`` minus every member's ``forbid`` is what a fused
  kernel is compiled with): ``afn`` turns ``x ** float(i)`` into a call of ``__powidf2``, which
  Numba does not link (the process aborts), and ``1 / sqrt(x)`` into an approximate reciprocal
  square root (NaN at 0); ``arcp`` turns ``x / s`` into ``x * (1 / s)`` (NaN for a subnormal
  ``s``). ``pair=("rt.sincos_{dt}", 0)`` says the value is result 0 of a two-result runtime call
  of the same operand, so ops of one kernel that are results of the same call share it.
- ``IndexMap(fn)``: a data-movement primitive the fuser turns into indexing (broadcast, transpose,
  squeeze...). ``fn(in_aval, out_aval, **params)`` returns, for each operand dim, the output dim it
  is read along, or ``None`` for a size-1 dim; or ``None`` when indexing cannot express it (then
  ``driver`` is used).
- ``Reduce(identity, combine)``: a reduction; ``combine`` is a template over ``{acc}`` and ``{x}``;
  the fuser merges the elementwise producers of its operand into the reduction loop.
- ``ArgReduce(better, identity)``: argmax/argmin: ``better`` says when ``{x}`` replaces ``{best}``.
- ``Driver(fn)``: a NumPy expression in the generated plain-Python driver (BLAS, concatenate...):
  ``fn(ctx, *operand_names, **params) -> str``.
- ``HOST``: the driver calls the primitive's NumPy ``impl`` (ops with no faster lowering yet).
- ``INLINE``: a call of a sub-program (``jit``'s ``call``); the passes inline it before lowering.

>>> add = Scalar("{0} + {1}")
>>> add(ScalarCtx([np.dtype("float32")] * 2, np.dtype("float32")), "a[i]", "b[i]")
'a[i] + b[i]'
>>> ScalarCtx([], np.dtype("float32")).lit(0.5)
'np.float32(0.5)'
>>> literal(1 - 2j, np.complex64)
'np.complex64(complex(1.0, -2.0))'
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .avals import short_dtype


class Lowering:
    """Base class of the descriptors (callable, as every rule slot of a primitive record)."""

    kind = "lowering"

    def __call__(self, *args, **kwargs):  # pragma: no cover - overridden
        raise TypeError(f"{type(self).__name__} lowerings are read by funcgrad.backend")

    def __repr__(self):
        return f"{type(self).__name__}()"


# --------------------------------------------------------------------------- scalar expressions

def literal(value, dtype) -> str:
    """Python source of a typed scalar literal (``np.float32(0.5)``; float64/int64/bool plain)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return "True" if bool(value) else "False"
    if dtype.kind == "f":
        v = float(value)
        if math.isnan(v):
            text = "np.nan"
        elif math.isinf(v):
            text = "np.inf" if v > 0 else "-np.inf"
        else:
            text = repr(v)
        return text if dtype == np.float64 and not text.startswith(("np.", "-np.")) else \
            f"np.{dtype.name}({text})"
    if dtype.kind in "iu":
        v = int(value)
        return repr(v) if dtype == np.int64 else f"np.{dtype.name}({v})"
    if dtype.kind == "c":      # (the driver runs complex operations through NumPy)
        v = complex(value)
        parts = ", ".join(literal(p, np.float64) for p in (v.real, v.imag))
        return f"complex({parts})" if dtype == np.complex128 else f"np.{dtype.name}(complex({parts}))"
    raise TypeError(f"{dtype} values are not supported by jit (no scalar literal for them)")


class ScalarCtx:
    """What a ``Scalar`` template may ask about its equation: operand and output dtypes."""

    __slots__ = ("ins", "out")

    def __init__(self, in_dtypes, out_dtype):
        self.ins = [np.dtype(d) for d in in_dtypes]
        self.out = np.dtype(out_dtype)

    @property
    def T(self) -> str:
        """The output's scalar constructor, e.g. ``np.float32``."""
        return "bool" if self.out == np.bool_ else f"np.{self.out.name}"

    def lit(self, value, dtype=None) -> str:
        """A typed literal (of the output dtype unless ``dtype`` is given)."""
        return literal(value, self.out if dtype is None else dtype)


def _kind(dtype) -> str:
    dtype = np.dtype(dtype)
    return "bool" if dtype == np.bool_ else ("int" if dtype.kind in "iu" else "float")


#: fast-math flags a fused kernel may use: no ``nnan``/``ninf`` (NaN and inf checks keep working);
#: ``reassoc`` is added for kernels with a reduction and no compensated runtime formula.
KERNEL_FASTMATH = frozenset({"nsz", "contract", "arcp", "afn"})


class Scalar(Lowering):
    """Elementwise lowering: a scalar expression template (see the module docstring)."""

    kind = "scalar"

    def __init__(self, template, *, int=None, bool=None,  # noqa: A002 - dtype-kind names
                 forbid: frozenset | set | tuple = (), pair: tuple | None = None):
        self.templates = {"float": template, "int": int if int is not None else template,
                          "bool": bool if bool is not None else (int if int is not None else template)}
        unknown = set(forbid) - KERNEL_FASTMATH
        if unknown:
            raise ValueError(f"Scalar(forbid=...): {sorted(unknown)} are not kernel fast-math flags")
        self.forbid = frozenset(forbid)
        self.pair = pair     # (two-result runtime call, which result): see codegen._share_call

    def __call__(self, ctx: ScalarCtx, *xs: str, **params) -> str:
        t = self.templates[_kind(ctx.ins[0] if ctx.ins else ctx.out)]
        if callable(t):
            return t(ctx, *xs, **params)
        return t.format(*xs, T=ctx.T, dt=short_dtype(ctx.out), **params)

    def __repr__(self):
        t = self.templates["float"]
        return f"Scalar({t!r})" if isinstance(t, str) else "Scalar(<fn>)"


# --------------------------------------------------------------------------- index maps

class IndexMap(Lowering):
    """Data movement expressed as indexing: ``fn(in_aval, out_aval, **params)`` gives, per
    operand dim, the output (loop) dim it follows, or ``None`` for a size-1 operand dim."""

    kind = "index_map"

    def __init__(self, fn: Callable, driver: "Driver | None" = None):
        self.fn = fn
        self.driver = driver

    def __call__(self, in_aval, out_aval, **params):
        return self.fn(in_aval, out_aval, **params)


# --------------------------------------------------------------------------- reductions

def lowest(dtype):
    """The identity of ``max`` for ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return False
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def highest(dtype):
    """The identity of ``min`` for ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return True
    return np.inf if dtype.kind == "f" else np.iinfo(dtype).max


class Reduce(Lowering):
    """A reduction: ``identity(dtype)`` and the scalar ``combine`` template over ``{acc}``, ``{x}``.
    ``partials``: the NumPy ufunc (source text) that combines partial results computed on
    separate rows (lanes), or None when they cannot be split."""

    kind = "reduce"

    def __init__(self, identity: Callable, combine: str, partials: str | None = None,
                 pairwise: bool = False):
        self.identity = identity
        self.combine = combine
        self.partials = partials
        self.pairwise = pairwise    # a float sum: accumulate in blocks added pairwise

    def __call__(self, acc: str, x: str) -> str:
        return self.combine.format(acc=acc, x=x)

    def __repr__(self):
        return f"Reduce({self.combine!r})"


class ArgReduce(Lowering):
    """argmax/argmin over one axis: ``better`` (over ``{x}``, ``{best}``) says when the element
    ``{x}`` replaces the best so far; ties keep the first index, as NumPy."""

    kind = "arg_reduce"

    def __init__(self, better: str, identity: Callable):
        self.better = better
        self.identity = identity

    def __call__(self, x: str, best: str) -> str:
        return self.better.format(x=x, best=best)


# --------------------------------------------------------------------------- driver-level ops

class Driver(Lowering):
    """A NumPy expression in the generated plain-Python driver: ``fn(ctx, *names, **params)``.
    ``ctx.avals_in``/``ctx.avals_out`` give the types. ``contiguous``: the result is always
    C-contiguous (otherwise the driver makes it so); ``fresh``: it is a new buffer, never a view
    of an operand (default: ``contiguous``), so later kernels may write into it. ``matmul``: the
    equation is a matrix product ``lhs @ rhs`` (``matmul(eqn)`` returns whether the lhs is read
    transposed, or None when it is not a plain 2-D product), so lanes may compute its output rows
    separately."""

    kind = "driver"

    def __init__(self, fn: Callable, contiguous: bool = False, fresh: bool | None = None,
                 matmul: Callable | None = None):
        self.fn = fn
        self.contiguous = contiguous
        self.fresh = contiguous if fresh is None else fresh
        self.matmul = matmul

    def __call__(self, ctx, *names: str, **params) -> str:
        return self.fn(ctx, *names, **params)


class _Host(Lowering):
    kind = "host"

    def __repr__(self):
        return "HOST"


class _Inline(Lowering):
    kind = "inline"

    def __repr__(self):
        return "INLINE"


HOST = _Host()      # the driver calls the primitive's NumPy impl
INLINE = _Inline()  # a call of a sub-program (params["jaxpr"]); inlined by the passes
