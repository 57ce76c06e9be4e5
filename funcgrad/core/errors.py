"""One exception class per failure; each message names the user's line and the fix.

See ``docs/errors.md`` for a section per class.
"""
from __future__ import annotations


class FuncgradError(Exception):
    """Base class of funcgrad's own errors."""


class ConcretizationError(FuncgradError, TypeError):
    """A traced value (no concrete value known) was used where Python needs a concrete one."""


class TracerBoolConversionError(ConcretizationError):
    """``bool(x)`` / ``if x:`` on a traced value."""


class TracerIntegerConversionError(ConcretizationError):
    """``int(x)`` / ``range(x)`` / indexing with a traced value."""


class NonConcreteBooleanIndexError(FuncgradError, IndexError):
    """A boolean mask index whose values are not known while tracing (the result's shape would
    depend on them)."""


class UnexpectedTracerError(FuncgradError):
    """A tracer was used after the transform that made it returned (it leaked)."""


class ShapeError(FuncgradError, ValueError):
    """Operand shapes are incompatible for an operation."""


class DTypeError(FuncgradError, TypeError):
    """Operand dtypes are incompatible for an operation."""


def concretization_message(what: str, aval, source: str, made_at: str | None, transform: str) -> str:
    where = f" at {source}" if source else ""
    made = f"\nThe value was created at {made_at}." if made_at else ""
    return (
        f"Abstract tracer value encountered where a concrete value is expected: {what}{where}.\n"
        f"The value has type {aval} and depends on the inputs of `{transform}`, which traces "
        f"without concrete values.{made}\n"
        "Fixes: use `funcgrad.lax.cond` / `funcgrad.lax.while_loop` / `funcgrad.numpy.where` "
        "for value-dependent control flow, or mark the argument static with "
        "`jit(f, static_argnums=...)`."
    )


class ComplexNumbersError(FuncgradError, TypeError):
    """A complex value would enter a traced program: transforms and ``jit`` are real-only."""


_COMPLEX_FIX = (
    "funcgrad's transforms (jit, grad, vjp, jvp, vmap, make_jaxpr, lax control flow) trace real "
    "values only; eager funcgrad.numpy computes with complex values as NumPy does. Fix: keep the "
    "complex arithmetic outside the transformed function, or carry the real and imaginary parts "
    "as two real arrays.")


def complex_operation_message(prim: str, aval, role: str, source: str, transform: str) -> str:
    """``role`` is ``"result"`` (the operation makes a complex value) or ``"operand"`` (it is given
    a complex constant)."""
    what = (f"would make a complex value {aval} (from a complex constant such as 1j, a cast to a "
            "complex dtype, or a function with complex results)" if role == "result" else
            f"is given a complex constant {aval}")
    return (f"complex numbers are not supported under `{transform}`: `{prim}` at {source} {what}; "
            f"dtype {aval.dtype.name}. {_COMPLEX_FIX}")


def complex_argument_message(name: str, aval, source: str, transform: str) -> str:
    return (f"complex numbers are not supported under `{transform}`: {name} has dtype "
            f"{aval.dtype.name} ({aval}) (called at {source}). {_COMPLEX_FIX}")
