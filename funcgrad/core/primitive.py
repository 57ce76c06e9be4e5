"""The primitive record: one object with every rule a primitive needs, side by side.

Slots (all required; a slot may hold a marker with a reason instead of a rule):

- ``abstract_eval(*avals, **params) -> Aval`` (a list of avals when ``multiple_results``)
- ``impl(*arrays, **params) -> ndarray``: the NumPy implementation
- ``vjp(ct, *inputs, out, **params) -> list``: one cotangent per input (``None`` = no gradient); an
  entry may be a zero-argument callable, evaluated only when that input needs its cotangent
- ``jvp(primals, tangents, **params) -> (out, tangent_out)``; ``LINEAR`` derives it
- ``batch(args, dims, **params) -> (out, dim)``
- ``lower``: how ``jit`` compiles it (a descriptor of ``core/lowering.py``)

Optional, for the optimization passes (``transforms/passes.py``): ``commutative`` (CSE may
reorder the operands) and ``simplify`` rules, ``rule(ctx, eqn, ins)`` returning ``None``, an
atom equal to the single output, or a replacement ``(primitive, inputs, params)``; ``ctx`` is the
pass's view of the program (``ctx.scalar(atom)``, ``ctx.producer(atom)``, ``ctx.uses(atom)``).
A family file may add a rule to a primitive of a lower layer with ``add_simplify``.
``effectful=True`` marks a primitive run for its side effect (``debug.print``): the optimization
passes never remove, merge or constant-fold its equations.
"""
from __future__ import annotations

from typing import Callable


class Marker:
    """Stands in a rule slot instead of a rule, with the reason why."""

    def __init__(self, kind: str, reason: str):
        self.kind = kind
        self.reason = reason

    def __repr__(self):
        return f"{self.kind}({self.reason!r})"


def NOT_DIFFERENTIABLE(reason: str) -> Marker:
    """The primitive's output carries no gradient (integer/boolean output, stop_gradient...)."""
    return Marker("NOT_DIFFERENTIABLE", reason)


def PENDING(issue: str) -> Marker:
    """A rule another issue owns; the table-driven rule test reports it."""
    return Marker("PENDING", issue)


LINEAR = Marker("LINEAR", "linear in its array inputs: the JVP applies the primitive to the tangents")

PRIMITIVES: dict[str, "Primitive"] = {}
_SLOTS = ("abstract_eval", "impl", "vjp", "jvp", "batch", "lower")


class Primitive:
    """A named operation with its rules. ``bind`` hands it to the current trace."""

    def __init__(self, name: str, *, abstract_eval, impl, vjp, jvp, batch, lower,
                 multiple_results: bool = False, commutative: bool = False,
                 simplify: Callable | None = None, broadcasts_scalar: bool = False,
                 effectful: bool = False):
        self.name = name
        self.multiple_results = multiple_results
        self.effectful = effectful
        self.commutative = commutative
        self.simplify_rules: list[Callable] = [simplify] if simplify is not None else []
        self.broadcasts_scalar = broadcasts_scalar   # a 0-d operand makes a uniform output
        # reverse mode with saved residuals (``call``): when recorded for grad, ``vjp_fwd(*args,
        # **params) -> (outs, residuals)`` runs instead of the primitive, and the backward sweep
        # calls ``vjp_bwd(residuals, ct, **params) -> in_cts`` instead of ``vjp``
        self.vjp_fwd: Callable | None = None
        self.vjp_bwd: Callable | None = None
        # facts a backend rewrite may rely on, set by the family files next to the record
        self.reshapes = False        # only changes the shape (reshape, squeeze, expand_dims)
        self.monoid: str | None = None   # "sum": an associative, commutative sum (add, add_any)
        self.stacks_outputs = False  # a loop whose per-step outputs are stacked (scan)
        for slot, rule in zip(_SLOTS, (abstract_eval, impl, vjp, jvp, batch, lower)):
            if rule is None or not (callable(rule) or isinstance(rule, Marker)):
                raise TypeError(f"primitive {name!r}: slot {slot!r} needs a rule or a marker, got {rule!r}")
            setattr(self, slot, rule)
        if isinstance(abstract_eval, Marker) or isinstance(impl, Marker):
            raise TypeError(f"primitive {name!r}: abstract_eval and impl cannot be markers")

    def bind(self, *args, **params):
        trace = _trace_state.trace
        if trace is _EVAL:
            return trace.process_primitive(self, args, params)
        check_real_operands(self, args, trace)     # transforms trace real values only
        out = trace.process_primitive(self, args, params)
        check_real_results(self, out, trace)
        return out

    def __repr__(self):
        return self.name


def def_primitive(name: str, *, abstract_eval: Callable, impl: Callable, vjp, jvp, batch, lower,
                  multiple_results: bool = False, commutative: bool = False,
                  simplify: Callable | None = None, broadcasts_scalar: bool = False,
                  effectful: bool = False) -> Primitive:
    """Create and register a primitive. Every slot must be given (a rule or a marker)."""
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is defined twice")
    p = Primitive(name, abstract_eval=abstract_eval, impl=impl, vjp=vjp, jvp=jvp, batch=batch,
                  lower=lower, multiple_results=multiple_results, commutative=commutative,
                  simplify=simplify, broadcasts_scalar=broadcasts_scalar, effectful=effectful)
    PRIMITIVES[name] = p
    return p


def add_simplify(prim: Primitive, rule: Callable) -> Callable:
    """Give ``prim`` one more simplification rule (see the module docstring); returns ``rule``."""
    prim.simplify_rules.append(rule)
    return rule


def same_type(a, b) -> bool:
    """Two atoms of the same shape and dtype (a rule may then replace one by the other)."""
    return a.aval.shape == b.aval.shape and a.aval.dtype == b.aval.dtype


def equals(scalar, value) -> bool:
    """``ctx.scalar(atom)`` is known and equals ``value`` (never true for booleans)."""
    return scalar is not None and scalar.dtype != bool and bool(scalar == value)


class Zero:
    """A symbolic zero tangent/cotangent of type ``aval``: never materialized unless needed."""

    __slots__ = ("aval",)

    def __init__(self, aval):
        self.aval = aval

    def __repr__(self):
        return f"Zero({self.aval})"


from .trace import EVAL as _EVAL, _state as _trace_state  # noqa: E402  (trace.py does not import this module)
from .trace import check_real_operands, check_real_results  # noqa: E402
