"""Tracing: one *current trace* at a time; each trace knows its parent.

The design is the context-based interpreter of JAX's current core: ``Primitive.bind`` hands the
operation to the current trace. A trace unpacks only *its own* tracers; any other value (a
NumPy array, or a tracer of an enclosing transform) is a constant to it. It then runs the rule
with its *parent* as the current trace. That is what makes nested transforms and closures over
outer traced values correct without a level stack.

Traces defined here:

- ``EvalTrace``: the base; runs ``prim.impl`` (NumPy) on concrete values.
- ``StagingTrace``: builds a ``Jaxpr`` from avals only (``make_jaxpr``, ``jit``).
- ``RecordingTrace``: records every operation as an ``Eqn`` *and* evaluates it in the parent
  trace, so Python control flow on values works (eager ``grad``/``vjp``).

>>> import numpy as np
>>> from funcgrad.core.avals import Aval
>>> t = StagingTrace(current_trace(), "make_jaxpr")
>>> x = t.new_arg(Aval((3,), np.float64))
>>> x
StagingTracer(f64[3])
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .array import Array, WeakArray, as_array
from .avals import Aval
from .errors import (ComplexNumbersError, ConcretizationError, FuncgradError,
                     TracerBoolConversionError, TracerIntegerConversionError,
                     UnexpectedTracerError, complex_argument_message, complex_operation_message,
                     concretization_message)
from .ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, aval_of_value
from .config import config
from .debug_nans import check_outputs
from .source_info import user_frame_info
from .tree_paths import keystr, tree_flatten_with_path
from .tree_util import tree_flatten


# --------------------------------------------------------------------------- current trace

class Trace:
    """Base class. ``parent`` is the trace whose values this trace's tracers wrap."""

    name = "trace"
    parent: "Trace | None" = None
    valid = True

    def process_primitive(self, prim, args, params):  # pragma: no cover - abstract
        raise NotImplementedError

    def invalidate(self) -> None:
        self.valid = False

    def check_foreign(self, x) -> None:
        """``x`` is a tracer that is not ours: it must belong to a live trace."""
        if not x._trace.valid:
            raise leaked_tracer_error(x)

    def owns_any(self, args) -> bool:
        """True if some argument is a tracer of this trace. Otherwise the operation is not ours
        (the caller hands it to the parent) and every foreign tracer must belong to a live trace."""
        for a in args:
            if isinstance(a, Tracer) and a._trace is self:
                return True
        for a in args:
            if isinstance(a, Tracer):
                self.check_foreign(a)
        return False


_EAGER_TYPES = frozenset([np.ndarray, Array, float, int, bool, complex, type(None)]
                         + [t for t in set(np.sctypeDict.values()) if issubclass(t, np.generic)])


class EvalTrace(Trace):
    """The base trace: concrete values, NumPy implementations."""

    name = "eval"

    def process_primitive(self, prim, args, params):
        for a in args:
            if type(a) not in _EAGER_TYPES and isinstance(a, Tracer):
                raise leaked_tracer_error(a)
        try:
            out = prim.impl(*args, **params)
        except FuncgradError:
            raise
        except (ValueError, TypeError, IndexError) as e:
            shapes = ", ".join(str(aval_of_value(a)) for a in args)
            raise type(e)(f"{prim.name} on ({shapes}) at {user_frame_info()}: {e}") from None
        if _CFG["jax_debug_nans"]:
            check_outputs(prim.name, out if prim.multiple_results else [out])
        if prim.multiple_results:
            return [as_array(o) for o in out]
        out = as_array(out)
        if _any_weak(args):                   # Python scalars in: the value follows the shape rule
            aval = prim.abstract_eval(*[aval_of_value(a) for a in args], **params)
            if out.dtype != aval.dtype:       # (NumPy computes Python floats in float64)
                out = as_array(out.astype(aval.dtype))
            if aval.weak_type and out.ndim == 0:
                return out.view(WeakArray)    # computed from Python scalars only: stays weak
        return out


_WEAK_TYPES = frozenset([float, int, bool, complex, WeakArray])


def _any_weak(args) -> bool:
    for a in args:
        if type(a) in _WEAK_TYPES:
            return True
    return False


_CFG = config.__dict__["_values"]
EVAL = EvalTrace()


class _State(threading.local):
    trace: Trace = EVAL


_state = _State()


def current_trace() -> Trace:
    return _state.trace


class set_current_trace:
    """Context manager: make ``trace`` current for the block."""

    __slots__ = ("trace", "prev")

    def __init__(self, trace: Trace):
        self.trace = trace

    def __enter__(self):
        self.prev = _state.trace
        _state.trace = self.trace
        return self.trace

    def __exit__(self, *exc):
        _state.trace = self.prev
        return False



def is_eager(*args) -> bool:
    """True when no transform is active and no argument is a tracer: the NumPy fast path."""
    if _state.trace is not EVAL:
        return False
    for a in args:
        if type(a) not in _EAGER_TYPES and isinstance(a, Tracer):
            return False
    return True


def bind_in(trace: Trace, prim, args, params):
    """Bind ``prim`` with ``trace`` as the current trace."""
    prev = _state.trace
    _state.trace = trace
    try:
        return trace.process_primitive(prim, args, params)
    finally:
        _state.trace = prev


# --------------------------------------------------------------------------- real values only

def _complex_constant(x) -> bool:
    if type(x) is complex:
        return True
    d = getattr(x, "dtype", None)
    return d is not None and getattr(d, "kind", None) == "c"


def check_real_operands(prim, args, trace: Trace) -> None:
    """Transforms trace real values only: a primitive applied to a traced value may not take a
    complex constant (``x * 1j``). Called by ``Primitive.bind`` under a transform."""
    traced = False
    bad = None
    for a in args:
        if isinstance(a, Tracer):
            traced = True
        elif bad is None and _complex_constant(a):
            bad = a
    if bad is not None and traced:
        raise ComplexNumbersError(complex_operation_message(
            prim.name, aval_of_value(bad), "operand", user_frame_info(), trace.name))


def check_real_results(prim, out, trace: Trace) -> None:
    """A traced result of ``prim`` may not be complex (``x.astype(complex)``)."""
    for o in (out if prim.multiple_results else (out,)):
        if isinstance(o, Tracer) and o.dtype.kind == "c":
            raise ComplexNumbersError(complex_operation_message(
                prim.name, o.aval, "result", user_frame_info(), trace.name))


def check_real_argument(aval: Aval, transform: str, name: str = "an input of the traced function") -> None:
    """A traced argument may not be complex (``jit(f)(1j)``)."""
    if aval.dtype.kind == "c":
        raise ComplexNumbersError(complex_argument_message(name, aval, user_frame_info(), transform))


def check_real_args(args, kwargs, transform: str, fun_name: str, leaves=None) -> None:
    """The first complex leaf of ``args``/``kwargs`` (or of ``leaves``, their flattening) raises
    ``ComplexNumbersError`` naming its path, e.g. ``args[0]['w']``. Costs one pass over the
    leaves when none is complex."""
    if leaves is None:
        leaves = tree_flatten((args, kwargs))[0]
    for bad in leaves:
        if not isinstance(bad, Tracer) and _complex_constant(bad):
            break
    else:
        return
    name = "an argument"
    for path, leaf in tree_flatten_with_path((args, kwargs))[0]:
        if leaf is bad:
            name = ("args" if path[0].idx == 0 else "kwargs") + keystr(path[1:])
            break
    check_real_argument(aval_of_value(bad), transform, f"argument {name} of {fun_name}")


# --------------------------------------------------------------------------- tracers

class Tracer:
    """A value of some trace. Operators and methods are attached by ``funcgrad.numpy``."""

    __slots__ = ("_trace",)
    __array_ufunc__ = None          # NumPy defers binary operators to us
    __array_priority__ = 1000

    @property
    def aval(self) -> Aval:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def shape(self):
        return self.aval.shape

    @property
    def dtype(self):
        return self.aval.dtype

    @property
    def ndim(self):
        return self.aval.ndim

    @property
    def size(self):
        return self.aval.size

    @property
    def weak_type(self):
        return self.aval.weak_type

    def concrete_value(self):
        """The concrete value, when this trace knows one (recording/JVP traces), else ``None``."""
        return None

    def _concrete(self, what: str, error=ConcretizationError):
        v = self.concrete_value()
        if v is None:
            t = self._trace
            while t is not None and t.name in ("grad", "vjp", "jvp") and t.parent is not None:
                t = t.parent  # name the transform that lost the value, not a value-carrying one
            raise error(concretization_message(what, self.aval, user_frame_info(), None,
                                               getattr(t, "name", "transform")))
        return v

    def __bool__(self):
        return bool(self._concrete("`bool()` / `if` / `while` on a traced value", TracerBoolConversionError))

    def __int__(self):
        return int(self._concrete("`int()` on a traced value", TracerIntegerConversionError))

    def __index__(self):
        return int(np.asarray(self._concrete("using a traced value as an index/size",
                                             TracerIntegerConversionError)).__index__())

    def __float__(self):
        return float(self._concrete("`float()` on a traced value"))

    def __complex__(self):
        return complex(self._concrete("`complex()` on a traced value"))

    def __array__(self, dtype=None, copy=None):
        raise ConcretizationError(
            f"The traced value {self.aval} was converted to a NumPy array at {user_frame_info()}. "
            "Inside a funcgrad transform use funcgrad.numpy (import funcgrad.numpy as jnp) instead of "
            "numpy, so that the operation is traced.")

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d traced value)")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d traced value")
        return (self[i] for i in range(self.shape[0]))

    def __hash__(self):
        raise TypeError(f"unhashable type: {type(self).__name__} (a traced value cannot be a static "
                        "argument or a dict key)")

    def __setitem__(self, idx, value):
        raise TypeError("funcgrad arrays are immutable and do not support in-place item assignment. "
                        "Instead of x[idx] = y, use x = x.at[idx].set(y).")

    def __repr__(self):
        return f"{type(self).__name__}({self.aval})"


def leaked_tracer_error(x: Tracer) -> UnexpectedTracerError:
    made = getattr(x, "source", None)
    where = f" It was created at {made}." if made else ""
    return UnexpectedTracerError(
        f"Encountered an unexpected tracer {x!r} at {user_frame_info()}: it belongs to a "
        f"`{x._trace.name}` transform that has already returned (the tracer leaked, e.g. through a "
        f"global, a closure or a list kept after the transformed function finished).{where} "
        "Return values from the transformed function instead of storing them on the side.")


def _with_source(e: Exception, source: str) -> Exception:
    return type(e)(f"{e}\n  (at {source})")


# --------------------------------------------------------------------------- staging

class StagingTracer(Tracer):
    # the IR variable is ``ir_var``: ``.var`` is the ndarray method (``x.var()``), attached by numpy/
    __slots__ = ("ir_var", "source")

    def __init__(self, trace, var: Var, source: str = ""):
        self._trace = trace
        self.ir_var = var
        self.source = source

    @property
    def aval(self):
        return self.ir_var.aval


def _is_literal_value(x) -> bool:
    return (isinstance(x, (bool, int, float, complex, np.generic))
            or (isinstance(x, np.ndarray) and x.ndim == 0))


class StagingTrace(Trace):
    """Builds a Jaxpr from avals. Operations on values that are all constants to this trace are
    evaluated right away in the parent trace (constant folding at trace time)."""

    def __init__(self, parent: Trace, name: str = "make_jaxpr"):
        self.parent = parent
        self.name = name
        self.eqns: list[Eqn] = []
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.constvals: list[Any] = []
        self._const_ids: dict[int, Var] = {}

    def new_arg(self, aval: Aval) -> StagingTracer:
        check_real_argument(aval, self.name)
        v = Var(aval)
        self.invars.append(v)
        return StagingTracer(self, v)

    def to_atom(self, x):
        if isinstance(x, Tracer):
            if x._trace is self:
                return x.ir_var
            self.check_foreign(x)
        elif _is_literal_value(x):
            val = x.item() if isinstance(x, np.ndarray) else x
            aval = aval_of_value(x)
            if isinstance(x, np.ndarray):
                val = x.dtype.type(val)
            return Literal(val, aval)
        key = id(x)
        var = self._const_ids.get(key)
        if var is None:
            var = Var(aval_of_value(x).strip_weak() if isinstance(x, np.ndarray) else aval_of_value(x))
            self._const_ids[key] = var
            self.constvars.append(var)
            self.constvals.append(x)
        return var

    def process_primitive(self, prim, args, params):
        if not self.owns_any(args):
            return bind_in(self.parent, prim, args, params)
        atoms = [self.to_atom(a) for a in args]
        source = user_frame_info()
        try:
            out = prim.abstract_eval(*[a.aval for a in atoms], **params)
        except FuncgradError as e:
            raise _with_source(e, source) from None
        outs = out if prim.multiple_results else [out]
        outvars = [Var(o) for o in outs]
        self.eqns.append(Eqn(prim, atoms, outvars, params, source))
        tracers = [StagingTracer(self, v, source) for v in outvars]
        return tracers if prim.multiple_results else tracers[0]

    def to_jaxpr(self, outs) -> ClosedJaxpr:
        outvars = [self.to_atom(o) for o in outs]
        jaxpr = Jaxpr(self.constvars, self.invars, self.eqns, outvars)
        return ClosedJaxpr(jaxpr, self.constvals)


# --------------------------------------------------------------------------- recording with values

class RecordingTracer(Tracer):
    __slots__ = ("val", "ir_var")

    def __init__(self, trace, val, var: Var):
        self._trace = trace
        self.val = val
        self.ir_var = var

    @property
    def aval(self):
        return self.ir_var.aval

    def concrete_value(self):
        v = self.val
        return v.concrete_value() if isinstance(v, Tracer) else v


class RecordingTrace(Trace):
    """Records each operation on its tracers as an ``Eqn`` and evaluates it in the parent trace.

    The recorded program is ``Jaxpr(constvars, invars, eqns, outvars)``; ``env`` maps every var
    to its value in the parent trace (the residuals the backward sweep reads).
    """

    name = "grad"

    def __init__(self, parent: Trace, name: str = "grad"):
        self.parent = parent
        self.name = name
        self.eqns: list[Eqn] = []
        self.invars: list[Var] = []
        self.constvars: list[Var] = []
        self.env: dict[Var, Any] = {}

    def new_arg(self, val) -> RecordingTracer:
        v = Var(aval_of_value(val))
        check_real_argument(v.aval, self.name)
        self.invars.append(v)
        self.env[v] = val
        return RecordingTracer(self, val, v)

    def process_primitive(self, prim, args, params):
        vals = []
        own_vars = []
        own = False
        for a in args:
            if isinstance(a, RecordingTracer) and a._trace is self:
                own = True
                vals.append(a.val)
                own_vars.append(a.ir_var)
            else:
                if isinstance(a, Tracer):
                    self.check_foreign(a)
                vals.append(a)
                own_vars.append(None)
        if not own:
            return bind_in(self.parent, prim, args, params)
        residuals = None
        if prim.vjp_fwd is not None:      # forward once, keeping what the backward reads
            with set_current_trace(self.parent):
                out, residuals = prim.vjp_fwd(*vals, **params)
        else:
            out = bind_in(self.parent, prim, vals, params)
        env = self.env
        atoms = []
        for var, v in zip(own_vars, vals):
            if var is None:            # a constant to this trace: a constvar holding its value
                var = Var(aval_of_value(v))
                env[var] = v
                self.constvars.append(var)
            atoms.append(var)
        source = user_frame_info()
        if not prim.multiple_results:
            var = Var(aval_of_value(out))
            env[var] = out
            self.eqns.append(Eqn(prim, atoms, [var], params, source))
            if residuals is not None:
                env[self.eqns[-1]] = residuals
            return RecordingTracer(self, out, var)
        outvars = []
        tracers = []
        for o in out:
            var = Var(aval_of_value(o))
            env[var] = o
            outvars.append(var)
            tracers.append(RecordingTracer(self, o, var))
        self.eqns.append(Eqn(prim, atoms, outvars, params, source))
        if residuals is not None:
            env[self.eqns[-1]] = residuals
        return tracers


# --------------------------------------------------------------------------- running IR

def eval_jaxpr(jaxpr: Jaxpr, consts, args):
    """Run ``jaxpr`` by binding each equation in the current trace: with arrays this is the
    interpreter; under an enclosing transform it re-records the program."""
    env: dict[Var, Any] = {}

    def read(a):
        return a.val if isinstance(a, Literal) else env[a]

    for v, c in zip(jaxpr.constvars, consts):
        env[v] = c
    if len(args) != len(jaxpr.invars):
        raise TypeError(f"eval_jaxpr: {len(jaxpr.invars)} arguments expected, got {len(args)}")
    for v, a in zip(jaxpr.invars, args):
        env[v] = a
    for eqn in jaxpr.eqns:
        out = eqn.primitive.bind(*[read(a) for a in eqn.inputs], **eqn.params)
        outs = out if eqn.primitive.multiple_results else [out]
        for v, o in zip(eqn.outputs, outs):
            env[v] = o
    return [read(a) for a in jaxpr.outvars]


def full_value(x):
    """Unwrap a funcgrad Array to a plain ndarray view (zero-copy); leave other values alone."""
    return x.view(np.ndarray) if type(x) is Array else x
