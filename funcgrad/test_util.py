"""``check_grads`` with JAX's signature and tolerances, and ``assert_ir`` for golden IR text.

>>> import funcgrad.numpy as jnp
>>> check_grads(lambda x: jnp.sin(x) * x, (0.7,), order=2)
"""
from __future__ import annotations

import textwrap
from functools import partial

import numpy as np

EPS = 1e-4

default_tolerance = {np.dtype(np.float16): 1e-3, np.dtype(np.float32): 1e-6,
                     np.dtype(np.float64): 1e-15, np.dtype(np.complex64): 1e-6,
                     np.dtype(np.complex128): 1e-15}
default_gradient_tolerance = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 2e-3,
                              np.dtype(np.float64): 1e-5, np.dtype(np.complex64): 1e-3,
                              np.dtype(np.complex128): 1e-5}


def _dtype(x):
    return np.asarray(x).dtype if not hasattr(x, "aval") else x.aval.dtype


def _tol(tol, default, x):
    dt = _dtype(x)
    if tol is None:
        return default.get(dt, 1e-5)
    if isinstance(tol, dict):
        return tol.get(dt, default.get(dt, 1e-5))
    return tol


def _close(a, b, atol, rtol, err_msg=""):
    from .core.tree_util import tree_leaves
    for x, y in zip(tree_leaves(a), tree_leaves(b)):
        x, y = np.asarray(x), np.asarray(y)
        at = _tol(atol, default_gradient_tolerance, x)
        rt = _tol(rtol, default_gradient_tolerance, y)
        np.testing.assert_allclose(x, y, atol=at * max(x.size, 1), rtol=rt * max(y.size, 1),
                                   err_msg=err_msg)


def _rand_like(rng, x):
    shape = np.shape(x)
    dt = _dtype(x)
    if not np.issubdtype(dt, np.inexact):
        return np.zeros(shape, dt)
    return np.asarray(rng.randn(*shape)).astype(dt)


def _add(args, delta, sign):
    from .core.tree_util import tree_map
    return tree_map(lambda x, d: np.asarray(x) + sign * d if np.issubdtype(_dtype(x), np.inexact) else x,
                    args, delta)


def numerical_jvp(f, args, tangents, eps=EPS):
    """Central finite difference ``(f(x + eps t) - f(x - eps t)) / (2 eps)``."""
    from .core.tree_util import tree_map
    delta = tree_map(lambda t: np.asarray(t) * eps, tangents)
    f_pos = f(*_add(args, delta, 1))
    f_neg = f(*_add(args, delta, -1))

    def diff(p, n):
        p, n = np.asarray(p, dtype=np.float64), np.asarray(n, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            d = np.where(np.isinf(p) & (p == n), 0.0, p - n)
        return (d * (0.5 / eps)).astype(_dtype(p) if np.issubdtype(_dtype(p), np.inexact) else np.float64)

    return tree_map(diff, f_pos, f_neg)


def _inner(xs, ys):
    from .core.tree_util import tree_leaves
    return sum(float(np.vdot(np.asarray(x, np.float64), np.asarray(y, np.float64)).real)
               for x, y in zip(tree_leaves(xs), tree_leaves(ys)))


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """Compare ``f_jvp(args, tangents)`` with ``f`` and central finite differences."""
    from .core.tree_util import tree_map
    rng = np.random.RandomState(0)
    tangent = tree_map(partial(_rand_like, rng), args)
    v_out, t_out = f_jvp(args, tangent)
    v_expected = f(*args)
    t_expected = numerical_jvp(f, args, tangent, eps)
    _close(v_out, v_expected, atol, rtol, err_msg or "primal output")
    _close(t_out, t_expected, atol, rtol, err_msg or "JVP tangent vs finite differences")


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=EPS, err_msg=""):
    """Check the adjoint identity ``<t, vjp(u)> == <jvp_fd(t), u>`` at random ``t``, ``u``."""
    from .core.tree_util import tree_map
    rng = np.random.RandomState(0)
    v_out, vjpfun = f_vjp(*args)
    v_expected = f(*args)
    _close(v_out, v_expected, atol, rtol, err_msg or "primal output")
    tangent = tree_map(partial(_rand_like, rng), args)
    t_out = numerical_jvp(f, args, tangent, eps)
    ct = tree_map(partial(_rand_like, rng), v_out)
    ct_out = vjpfun(ct)
    ip = _inner(tangent, ct_out)
    ip_expected = _inner(t_out, ct)
    _close(ip, ip_expected, atol, rtol, err_msg or "VJP adjoint identity vs finite differences")


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
    """Check ``f``'s derivatives to ``order`` in forward and/or reverse mode against finite
    differences (JAX's ``jax.test_util.check_grads``)."""
    from . import api
    args = tuple(args)
    eps = eps or EPS

    def _check(f, args, order):
        if "fwd" in modes:
            check_jvp(f, partial(api.jvp, f), args, atol, rtol, eps)
            if order > 1:
                _check(partial(api.jvp, f), (args, args), order - 1)
        if "rev" in modes:
            check_vjp(f, partial(api.vjp, f), args, atol, rtol, eps)
            if order > 1:
                def f_vjp(*a):
                    out, vjp_fn = api.vjp(f, *a)
                    return vjp_fn(out)
                _check(f_vjp, args, order - 1)

    _check(f, args, order)


def assert_ir(jaxpr, expected: str) -> None:
    """Compare printed IR with golden text (leading indentation and outer blank lines ignored)."""
    got = str(jaxpr).strip()
    want = textwrap.dedent(expected).strip()
    if got != want:
        raise AssertionError(f"IR differs from the golden text.\n--- got ---\n{got}\n--- expected ---\n{want}")
