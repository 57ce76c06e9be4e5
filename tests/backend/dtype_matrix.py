"""The all-dtypes jit matrix, run in child processes by ``test_jit_dtypes.py``.

Every row of the rule-test table (one per primitive and variant, ``tests/primitives/cases*.py``)
is run with its floating-point arguments cast to each dtype in ``DTYPES``. A combination the
primitive's shape rule rejects (staging raises) is skipped; every accepted one must give the same
values, dtype and weak type eagerly, staged (``make_jaxpr``) and under ``jit``. A second table
(``WEAK_ROWS``) mixes Python scalars, 0-d arrays, NumPy scalars and weak 0-d Arrays with float32
and int32 arrays through ``funcgrad.numpy``.

The child prints one JSON line per row: ``{"start": id}`` before running it (so the parent can
name the row a crash happened in) and ``{"id", "status", "msg"}`` after.

    python -c "from tests.backend.dtype_matrix import main; main()" float32 [first_row_index]
"""
from __future__ import annotations

import json
import sys
import warnings

import numpy as np

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64"]


def _rows():
    """One case per (primitive, variant): the variant's largest arguments."""
    from tests.primitives.cases import collect
    best: dict = {}
    for c in collect():
        key = (c.prim, c.name)
        size = sum(int(np.prod(a.shape)) for a in c.args)
        if key not in best or size > best[key][0]:
            best[key] = (size, c)
    return [c for _, c in best.values()]


def _cast_args(case, dtype, rng):
    args = []
    for a in case.args:
        x = a.draw(rng)
        if a.dtype == "float64" and a.value is None:
            if dtype == "bool":
                x = x > 0
            elif np.dtype(dtype).kind in "iu":
                x = np.round(x * 2).astype(dtype)    # small integers, zeros and negatives included
            else:
                x = x.astype(dtype)
        args.append(x)
    return args


def _same(got, want, dtype, what, f32_inputs=False):
    g, w = np.asarray(got), np.asarray(want)
    if g.dtype != w.dtype:
        return f"{what}: dtype {g.dtype} != eager {w.dtype}"
    if g.shape != w.shape:
        return f"{what}: shape {g.shape} != eager {w.shape}"
    if w.dtype.kind == "f":
        # float32 arithmetic (inputs or output) differs by ulps (runtime math vs NumPy's libm),
        # which a loop may amplify
        tol = 2e-5 if (w.dtype == np.float32 or f32_inputs) else 1e-11
        with np.errstate(all="ignore"):
            ok = np.isclose(g, w, rtol=tol, atol=tol, equal_nan=True) | (g == w)
        if not ok.all():
            return f"{what}: values differ from eager: {g.ravel()[:6]} vs {w.ravel()[:6]}"
    elif not np.array_equal(g, w):
        return f"{what}: values differ from eager: {g.ravel()[:6]} vs {w.ravel()[:6]}"
    return None


def _weak(x) -> bool:
    """Weakly typed: a weak Array, or a Python scalar (what pure-Python arithmetic returns)."""
    return type(x) in (int, float, bool, complex) or bool(getattr(x, "weak_type", False))


def check_row(fn, args) -> tuple[str, str]:
    """``("ok" | "skip" | "fail", message)`` for ``fn(*args)``: eager vs staged vs jit."""
    import funcgrad as fg
    from funcgrad.core.tree_util import tree_leaves
    try:
        closed = fg.make_jaxpr(fn)(*args)
    except Exception as e:            # the shape rule rejects this dtype combination
        return "skip", f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            eager = tree_leaves(fn(*args))
        except (ValueError, ZeroDivisionError) as e:   # e.g. an integer to a negative power
            return "skip", f"eager rejects these values: {str(e).splitlines()[0][:120]}"
        jitted = tree_leaves(fg.jit(fn)(*args))
    if len(eager) != len(jitted) or len(eager) != len(closed.out_avals):
        return "fail", f"output counts differ: eager {len(eager)}, jit {len(jitted)}"
    for w, g, aval in zip(eager, jitted, closed.out_avals):
        weak = _weak(w)
        w = np.asarray(w) if not hasattr(w, "dtype") else w
        if aval.dtype != np.asarray(w).dtype:
            return "fail", f"staged dtype {aval.dtype} != eager {np.asarray(w).dtype}"
        if weak != aval.weak_type:
            return "fail", f"staged weak_type {aval.weak_type} != eager {weak}"
        if _weak(g) != weak:
            return "fail", f"jit weak_type {_weak(g)} != eager {weak}"
        f32 = any(np.asarray(a).dtype == np.float32 for a in args if hasattr(a, "dtype"))
        msg = _same(g, w, w.dtype, "jit", f32)
        if msg:
            return "fail", msg
    return "ok", ""


def weak_rows():
    """``(id, fn, args)``: Python scalars, 0-d arrays, NumPy scalars and weak Arrays mixed with
    float32/int32 arrays through funcgrad.numpy."""
    import funcgrad.numpy as jnp
    x32 = np.linspace(-1.5, 2.0, 6, dtype=np.float32).reshape(2, 3)
    i32 = np.arange(-2, 4, dtype=np.int32).reshape(2, 3)
    f64 = np.linspace(0.5, 3.0, 3)
    scalars = {"py-float": 2.5, "py-int": 3, "py-bool": True, "0d-f64": np.array(2.5),
               "0d-f32": np.array(2.5, np.float32), "np-f64": np.float64(2.5),
               "np-i32": np.int32(3), "weak-f64": jnp.sqrt(2.0), "weak-i64": jnp.asarray(3) * 1}
    ops = {"mul": lambda a, s: a * s, "add": lambda a, s: s + a, "div": lambda a, s: a / s,
           "pow": lambda a, s: jnp.abs(a) ** s, "max": lambda a, s: jnp.maximum(a, s),
           "where": lambda a, s: jnp.where(a > 0, a, s), "floordiv": lambda a, s: a // s,
           "sqrt-s": lambda a, s: a * jnp.sqrt(s)}
    rows = []
    for an, arr in (("f32", x32), ("i32", i32), ("f64", f64)):
        for sn, s in scalars.items():
            for on, op in ops.items():
                rows.append((f"weak-{on}-{an}-{sn}", lambda a, s=s, op=op: op(a, s), [arr]))
                rows.append((f"weak-{on}-{an}-{sn}-arg", op, [arr, s]))
    rows.append(("weak-scalar-only", lambda s: s * 2.0, [2.5]))
    return rows


def all_rows(dtype: str):
    """``(id, fn, args)`` for ``dtype`` (``"weak"`` for the weak-type table)."""
    if dtype == "weak":
        return weak_rows()
    rng = np.random.RandomState(0)
    return [(f"{c.id}[{dtype}]", c.fn, _cast_args(c, dtype, rng)) for c in _rows()]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    dtype = argv[0]
    first = int(argv[1]) if len(argv) > 1 else 0
    rows = all_rows(dtype)
    for k, (rid, fn, args) in enumerate(rows):
        if k < first:
            continue
        print(json.dumps({"start": rid, "index": k}), flush=True)
        try:
            status, msg = check_row(fn, args)
        except Exception as e:     # an exception (not a crash) is a failure too
            status, msg = "fail", f"{type(e).__name__}: {str(e)[:300]}"
        print(json.dumps({"id": rid, "status": status, "msg": msg}), flush=True)
    print(json.dumps({"done": len(rows)}), flush=True)
