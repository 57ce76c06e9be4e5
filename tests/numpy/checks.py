"""Shared checks for the funcgrad.numpy tests.

``check_numpy``: the eager result equals NumPy's (value, dtype, shape) and is a ``funcgrad.Array``.
``check_traced``: the same function staged (``make_jaxpr`` + ``eval_jaxpr``, program type-checked)
and recorded (``vjp``'s forward pass) gives the eager result again: same dtype, shape and value.
"""
import numpy as np

import funcgrad as fg
from funcgrad.core.array import Array
from funcgrad.core.ir import check_jaxpr
from funcgrad.core.trace import eval_jaxpr
from funcgrad.core.tree_util import tree_leaves
from funcgrad.numpy._dtypes import WeakArray

F32, F64, I32, I64, BOOL = (np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int32),
                            np.dtype(np.int64), np.dtype(np.bool_))

_RTOL = {F32: 2e-5, F64: 1e-12, np.dtype(np.float16): 2e-3}


def sample(rng, shape, dtype, domain="any"):
    """Random values of ``dtype`` in a domain: any, pos (> 0), unit ((-1, 1)), gt1 (> 1), nonzero."""
    dtype = np.dtype(dtype)
    if dtype == BOOL:
        return rng.randint(0, 2, shape).astype(bool)
    if dtype.kind in "iu":
        lo, hi = {"any": (-5, 6), "pos": (1, 6), "unit": (0, 1), "gt1": (2, 6), "nonzero": (1, 6)}[domain]
        v = rng.randint(lo, hi, shape)
        if domain == "nonzero":
            v = v * rng.choice([-1, 1], shape)
        return v.astype(dtype)
    lo, hi = {"any": (-2, 2), "pos": (0.2, 3), "unit": (-0.9, 0.9), "gt1": (1.2, 3),
              "nonzero": (0.2, 2)}[domain]
    v = rng.uniform(lo, hi, shape)
    if domain == "nonzero":
        v = v * rng.choice([-1, 1], shape)
    return np.asarray(v).astype(dtype)


def assert_same(got, want, rtol=None, err=""):
    """Same dtype, shape and values (NaNs equal)."""
    g, w = np.asarray(got), np.asarray(want)
    assert g.dtype == w.dtype, f"{err}: dtype {g.dtype} != {w.dtype}"
    assert g.shape == w.shape, f"{err}: shape {g.shape} != {w.shape}"
    if w.dtype.kind in "fc":
        tol = _RTOL.get(w.dtype, 1e-12) if rtol is None else rtol
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, equal_nan=True, err_msg=err)
    else:
        np.testing.assert_array_equal(g, w, err_msg=err)


def check_numpy(fn, np_fn, *args, rtol=0, **kwargs):
    """``fn(*args)`` eagerly is an Array equal to ``np_fn(*args)`` (value, dtype, shape)."""
    got = fn(*args, **kwargs)
    want = np_fn(*[np.asarray(a) if isinstance(a, Array) else a for a in args], **kwargs)
    gl, wl = tree_leaves(got), tree_leaves(want)
    assert len(gl) == len(wl)
    for g, w in zip(gl, wl):
        assert isinstance(g, Array), f"eager result is {type(g).__name__}, not Array"
        if type(g) is WeakArray:               # weakly typed only when computed from Python scalars
            assert all(type(a) in (int, float, bool, complex, WeakArray) for a in args), args
        assert_same(g, w, rtol=rtol or None, err="eager vs NumPy")
    return got


def check_traced(f, *args, rtol=None):
    """Staged and recorded evaluation of ``f`` agree with eager evaluation."""
    eager = tree_leaves(f(*args))
    closed = fg.make_jaxpr(f)(*args)
    check_jaxpr(closed.jaxpr)
    staged = eval_jaxpr(closed.jaxpr, closed.consts, tree_leaves(args))
    assert len(staged) == len(eager)
    for e, s, aval in zip(eager, staged, closed.out_avals):
        assert aval.dtype == np.asarray(e).dtype, f"staged aval {aval} vs eager dtype {np.asarray(e).dtype}"
        assert aval.shape == np.shape(e), f"staged aval {aval} vs eager shape {np.shape(e)}"
        assert_same(s, e, rtol, "staged vs eager")
    recorded, _ = fg.vjp(f, *args)
    for e, r in zip(eager, tree_leaves(recorded)):
        assert_same(r, e, rtol, "recorded (vjp) vs eager")
    return closed
