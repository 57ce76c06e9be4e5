"""The table-driven rule test: every registered primitive, every rule.

For each row of ``cases.CASES``: the staged program type-checks and evaluates to the eager
result; the VJP and the JVP match central finite differences (float64); the batching rule
matches a Python loop, with the batch axis at different positions. A registered primitive with
no row fails ``test_every_primitive_has_a_case``.
"""
import numpy as np
import pytest

import funcgrad as fg
from funcgrad.core.ir import check_jaxpr
from funcgrad.core.primitive import PRIMITIVES, Marker
from funcgrad.core.trace import eval_jaxpr
from funcgrad.test_util import check_grads

from .cases import CASES

ALLOWED_PENDING = {}   # every rule slot is filled (the Numba lowerings landed with #4)


def test_every_primitive_has_a_case():
    covered = {c.prim for c in CASES}
    missing = sorted(set(PRIMITIVES) - covered)
    assert not missing, f"primitives without a row in tests/primitives/cases*.py: {missing}"
    unknown = sorted(covered - set(PRIMITIVES))
    assert not unknown, f"rows name unregistered primitives: {unknown}"


def test_rule_slots_are_filled():
    bad = []
    for name, p in sorted(PRIMITIVES.items()):
        for slot in ("vjp", "jvp", "batch", "lower"):
            rule = getattr(p, slot)
            if isinstance(rule, Marker) and rule.kind == "PENDING":
                allowed = ALLOWED_PENDING.get(slot)
                if allowed is None or allowed not in rule.reason:
                    bad.append(f"{name}.{slot}: {rule}")
    assert not bad, "rule slots left pending outside their owning issue:\n" + "\n".join(bad)


def _draw(case, seed=0):
    rng = np.random.RandomState(seed)
    return [a.draw(rng) for a in case.args]


def _ids(cases):
    seen = {}
    out = []
    for c in cases:
        i = c.id
        seen[i] = seen.get(i, 0) + 1
        out.append(i if seen[i] == 1 else f"{i}#{seen[i]}")
    return out


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_staged_matches_eager(case):
    args = _draw(case)
    eager = case.fn(*args)
    closed = fg.make_jaxpr(case.fn)(*args)
    check_jaxpr(closed.jaxpr)
    assert case.prim in {e.primitive.name for e in closed.eqns}, \
        f"the row does not bind {case.prim}:\n{closed}"
    (staged,) = eval_jaxpr(closed.jaxpr, closed.consts, args)
    out_aval = closed.out_avals[0]
    assert np.shape(eager) == out_aval.shape
    assert np.asarray(eager).dtype == out_aval.dtype
    np.testing.assert_allclose(np.asarray(staged), np.asarray(eager), rtol=1e-12, atol=0)


DIFF = [c for c in CASES if c.diff]


def _float_partial(case, args):
    """``case.fn`` as a function of its float arguments only."""
    idx = [i for i, a in enumerate(args) if np.issubdtype(a.dtype, np.floating)]

    def f(*fl):
        full = list(args)
        for i, v in zip(idx, fl):
            full[i] = v
        return case.fn(*full)

    return f, tuple(args[i] for i in idx)


@pytest.mark.parametrize("case", DIFF, ids=_ids(DIFF))
def test_vjp_matches_finite_differences(case):
    args = _draw(case)
    f, fargs = _float_partial(case, args)
    check_grads(f, fargs, order=case.order, modes=("rev",), atol=case.tol, rtol=case.tol)


@pytest.mark.parametrize("case", DIFF, ids=_ids(DIFF))
def test_jvp_matches_finite_differences(case):
    args = _draw(case)
    f, fargs = _float_partial(case, args)
    check_grads(f, fargs, order=case.order, modes=("fwd",), atol=case.tol, rtol=case.tol)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_grad_program_type_checks(case):
    """The backward program staged by make_jaxpr(vjp) passes check_jaxpr (shapes of every ct)."""
    if not case.diff:
        return
    args = _draw(case)
    f, fargs = _float_partial(case, args)

    def pullback(*fl):
        out, vjp_fn = fg.vjp(f, *fl)
        return vjp_fn(out)

    closed = fg.make_jaxpr(pullback)(*fargs)
    check_jaxpr(closed.jaxpr)
    for v, a in zip(closed.jaxpr.outvars, fargs):
        assert v.aval.shape == a.shape and v.aval.dtype == a.dtype


def _batched_inputs(case, axes, size=3):
    draws = [_draw(case, seed) for seed in range(size)]
    args = []
    for i, ax in enumerate(axes):
        if ax is None:
            args.append(draws[0][i])
        else:
            args.append(np.stack([d[i] for d in draws], axis=ax))
    return draws, args


def _axes_patterns(case):
    n = len(case.args)
    batchable = list(range(n)) if case.batch_args is None else list(case.batch_args)
    pats = [tuple(0 if i in batchable else None for i in range(n))]
    last = tuple((len(case.args[i].shape) if i == batchable[0] else None) for i in range(n))
    pats.append(last)
    if n > 1 and len(batchable) > 1:
        pats.append(tuple((len(case.args[i].shape) if i == batchable[1] else None) for i in range(n)))
    return sorted(set(pats), key=str)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_batching_matches_loop(case):
    for axes in _axes_patterns(case):
        draws, args = _batched_inputs(case, axes)
        got = fg.vmap(case.fn, in_axes=axes)(*args)
        want = []
        for k, d in enumerate(draws):
            call = [d[i] if ax is not None else draws[0][i] for i, ax in enumerate(axes)]
            want.append(np.asarray(case.fn(*call)))
        want = np.stack(want)
        assert np.shape(got) == want.shape, f"in_axes={axes}"
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, err_msg=f"in_axes={axes}")


def _with_float_dtype(args, dtype):
    return [a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a for a in args]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_jit_matches_eager(case, dtype):
    """The compiled program (fused Numba kernels, or the driver) computes what eager mode does,
    in float32 and float64. Kernels are shape-polymorphic and cached per session, so rows with
    the same structure share them."""
    args = _with_float_dtype(_draw(case), dtype)
    want = case.fn(*args)
    got = fg.jit(case.fn)(*args)
    assert isinstance(got, fg.Array)
    want, got = np.asarray(want), np.asarray(got)
    assert got.shape == want.shape and got.dtype == want.dtype
    tol = 2e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
