"""The composition matrix: for ~10 functions, every way of taking a derivative agrees with every
other and with finite differences.

Checked per function: grad, jvp, vjp, jacfwd, jacrev, hessian, vmap(grad), grad(vmap)-then-sum,
jacfwd(jacrev) vs jacrev(jacfwd), linearize, and — once ``funcgrad.jit`` exists — their jitted
forms (``test_jitted_forms_agree``; skipped with a note until then).
"""
import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.test_util import check_grads

# --------------------------------------------------------------------------- the functions

MLP_SHAPES = [(4, 5), (5,), (5, 3), (3,)]
MLP_SIZE = sum(int(np.prod(s)) for s in MLP_SHAPES)
_X = np.random.RandomState(1).randn(6, 4)
_Y = np.eye(3)[np.random.RandomState(2).randint(0, 3, 6)]


def unravel(theta):
    out, i = [], 0
    for s in MLP_SHAPES:
        n = int(np.prod(s))
        out.append(theta[i:i + n].reshape(s))
        i += n
    return out


def mlp_loss(theta):
    W1, b1, W2, b2 = unravel(theta)
    h = jnp.tanh(_X @ W1 + b1)
    logits = h @ W2 + b2
    return -jnp.mean(jnp.sum(_Y * fg.nn.log_softmax(logits), axis=-1))


def softmax_xent(logits):
    labels = np.array([0.1, 0.2, 0.0, 0.7, 0.0])
    return -jnp.sum(labels * (logits - jnp.log(jnp.sum(jnp.exp(logits - jnp.max(logits)))) - jnp.max(logits)))


def rosenbrock(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def broadcast_reduce(x):
    X = x.reshape(3, 4)
    b = jnp.array([0.5, -1.0, 2.0, 0.0])
    centered = X - jnp.mean(X, axis=0, keepdims=True)
    return jnp.sum(jnp.var(X + b, axis=1) * jnp.max(centered, axis=1)) + jnp.sum(X[:, :, None] * X[:, None, :])


def indexing(x):
    X = x.reshape(4, 3)
    return jnp.sum(X[1:, ::2] ** 2) * X[0, -1] + X[..., None][2, 1, 0] * jnp.sum(X[::-1, 1]) + X[-1].prod()


def norm_ratio(x):
    return jnp.sqrt(jnp.sum(x ** 2) + 1.0) / (1.0 + jnp.sum(jnp.abs(x) ** 3))


def matrix_fn(x):
    A = x.reshape(3, 3)
    return jnp.trace(A @ A.T @ A) + jnp.sum(jnp.tanh(A.T @ A))


def piecewise(x):
    return jnp.sum(jnp.where(x > 0, x ** 3, jnp.sin(x)) * jnp.exp(-0.1 * x ** 2)) + jnp.sum(jnp.maximum(x, 0.3) ** 2)


def reshape_concat(x):
    y = jnp.concatenate([x, x ** 2, jnp.ones(2)]).reshape(2, -1)
    return jnp.sum(y @ jnp.linspace(0.0, 1.0, y.shape[1]) ** 2) + jnp.sum(jnp.stack([x, -x], axis=1)[:, 0] * x)


def special(x):
    return jnp.sum(jnp.log1p(jnp.exp(x)) * jnp.arctan(x) + fg.nn.sigmoid(x * 2.0) ** 2 / (2.0 + jnp.cos(x)))


def scan_rnn(x):
    """An RNN over a 4-step sequence with ``lax.scan`` (the issue #10 control flow)."""
    W = x[:9].reshape(3, 3)
    xs = jnp.reshape(jnp.arange(12.0), (4, 3)) / 10.0 + x[9:12]

    def step(h, xt):
        h = jnp.tanh(W @ h + xt)
        return h, jnp.sum(h ** 2)
    h, ys = fg.lax.scan(step, x[:3], xs)
    return jnp.sum(h) + jnp.sum(ys)


def cond_fori(x):
    """``lax.cond`` on a traced predicate inside a static ``fori_loop``."""
    def body(i, c):
        return fg.lax.cond(jnp.sum(c) > 0.0, lambda v: jnp.sin(v) * x + 0.1 * i,
                           lambda v: v * v - x, c)
    return jnp.sum(fg.lax.fori_loop(0, 3, body, x * 0.5))


FUNCTIONS = [
    ("scan_rnn", scan_rnn, 12),
    ("cond_fori", cond_fori, 4),
    ("mlp_loss", mlp_loss, MLP_SIZE),
    ("softmax_xent", softmax_xent, 5),
    ("rosenbrock", rosenbrock, 6),
    ("broadcast_reduce", broadcast_reduce, 12),
    ("indexing", indexing, 12),
    ("norm_ratio", norm_ratio, 5),
    ("matrix_fn", matrix_fn, 9),
    ("piecewise", piecewise, 6),
    ("reshape_concat", reshape_concat, 4),
    ("special", special, 5),
]
IDS = [n for n, _, _ in FUNCTIONS]
PARAMS = [(f, n) for _, f, n in FUNCTIONS]


def _point(n, seed=0):
    x = np.random.RandomState(seed).uniform(-1.0, 1.0, n) * 0.8
    return np.where(np.abs(x) < 0.05, 0.3, x)   # away from the kinks of abs/where/maximum


def fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * eps)
    return g


def fd_hessian(f, x, eps=1e-5):
    g = fg.grad(f)
    return np.stack([(np.asarray(g(x + eps * e)) - np.asarray(g(x - eps * e))) / (2 * eps)
                     for e in np.eye(x.size)], axis=1)


def close(a, b, rtol=1e-10, atol=1e-10):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


# --------------------------------------------------------------------------- first order

@pytest.mark.parametrize("f, n", PARAMS, ids=IDS)
def test_first_order_modes_agree_with_finite_differences(f, n):
    x = _point(n)
    g = fg.grad(f)(x)
    close(g, fd_grad(f, x), rtol=1e-6, atol=1e-7)
    v = np.random.RandomState(3).randn(n)
    y, t = fg.jvp(f, (x,), (v,))                       # forward mode: J v = g . v
    close(y, f(x))
    close(t, np.dot(g, v))
    y2, f_vjp = fg.vjp(f, x)                           # reverse mode
    close(f_vjp(1.0)[0], g)
    _, f_lin = fg.linearize(f, x)
    close(f_lin(v), t)
    close(fg.jacfwd(f)(x), g)                          # scalar output: the jacobians are the gradient
    close(fg.jacrev(f)(x), g)
    check_grads(f, (x,), order=1)


# --------------------------------------------------------------------------- second order

@pytest.mark.parametrize("f, n", PARAMS, ids=IDS)
def test_second_order_compositions_agree(f, n):
    x = _point(n)
    H = fg.hessian(f)(x)
    assert H.shape == (n, n)
    close(H, fd_hessian(f, x), rtol=1e-5, atol=1e-6)
    close(H, H.T, rtol=1e-9, atol=1e-9)
    close(fg.jacrev(fg.jacfwd(f))(x), H)
    close(fg.jacfwd(fg.jacrev(f))(x), H)
    close(fg.jacrev(fg.grad(f))(x), H)
    v = np.random.RandomState(4).randn(n)
    close(fg.jvp(fg.grad(f), (x,), (v,))[1], H @ v)               # forward-over-reverse
    close(fg.grad(lambda x: fg.jvp(f, (x,), (v,))[1])(x), H @ v)  # reverse-over-forward
    close(fg.grad(lambda x: jnp.dot(fg.grad(f)(x), v))(x), H @ v)   # reverse-over-reverse


# --------------------------------------------------------------------------- batching

@pytest.mark.parametrize("f, n", PARAMS, ids=IDS)
def test_vmap_of_grad_and_grad_of_vmap(f, n):
    xs = np.stack([_point(n, seed) for seed in range(4)])
    per_ex = fg.vmap(fg.grad(f))(xs)
    loop = np.stack([np.asarray(fg.grad(f)(x)) for x in xs])
    close(per_ex, loop)
    close(fg.grad(lambda xs: jnp.sum(fg.vmap(f)(xs)))(xs), loop)   # grad(vmap)-then-sum
    close(fg.vmap(f)(xs), [f(x) for x in xs])
    # batched tangents through jvp (what jacfwd does) and a batched hessian
    vs = np.random.RandomState(5).randn(4, n)
    close(fg.vmap(lambda x, v: fg.jvp(f, (x,), (v,))[1])(xs, vs), np.sum(loop * vs, axis=1))
    Hs = fg.vmap(fg.hessian(f))(xs[:2])
    close(Hs[1], fg.hessian(f)(xs[1]))


# --------------------------------------------------------------------------- vector outputs

VECTOR_FNS = [
    ("tanh_layer", lambda x: jnp.tanh(x.reshape(2, 3) @ jnp.arange(1.0, 4.0)) * x[:2], 6),
    ("softmax", lambda x: fg.nn.softmax(x * 2.0), 5),
    ("outer_sum", lambda x: (x[:, None] * x[None, :] + jnp.sin(x)).ravel(), 3),
]


@pytest.mark.parametrize("f, n", [(f, n) for _, f, n in VECTOR_FNS], ids=[i for i, _, _ in VECTOR_FNS])
def test_vector_valued_jacobians_agree(f, n):
    x = _point(n)
    Jf, Jr = fg.jacfwd(f)(x), fg.jacrev(f)(x)
    close(Jf, Jr)
    eye = np.eye(n)
    fd = np.stack([(np.asarray(f(x + 1e-6 * e)) - np.asarray(f(x - 1e-6 * e))) / 2e-6 for e in eye], axis=-1)
    close(Jf, fd, rtol=1e-6, atol=1e-7)
    u, v = np.random.RandomState(6).randn(Jf.shape[0]), np.random.RandomState(7).randn(n)
    close(fg.jvp(f, (x,), (v,))[1], Jf @ v)
    close(fg.vjp(f, x)[1](u)[0], u @ Jf)
    close(fg.vmap(lambda v: fg.jvp(f, (x,), (v,))[1])(eye), Jf.T)   # jacfwd by hand
    close(fg.vmap(fg.vjp(f, x)[1])(np.eye(Jf.shape[0]))[0], Jf)     # jacrev by hand


# --------------------------------------------------------------------------- jit (issue #4)

JIT = getattr(fg, "jit", None)


@pytest.mark.skipif(JIT is None, reason="funcgrad.jit has not landed yet (issue #4): the jitted "
                                        "forms of the composition matrix run once it exists")
@pytest.mark.parametrize("f, n", PARAMS, ids=IDS)
def test_jitted_forms_agree(f, n):
    jit = JIT
    x = _point(n)
    xs = np.stack([_point(n, seed) for seed in range(3)])
    v = np.random.RandomState(3).randn(n)
    g, H = fg.grad(f)(x), fg.hessian(f)(x)
    close(jit(f)(x), f(x))
    close(jit(fg.grad(f))(x), g)
    close(fg.grad(jit(f))(x), g)
    close(jit(lambda x, v: fg.jvp(f, (x,), (v,)))(x, v)[1], np.dot(g, v))
    close(fg.jvp(jit(f), (x,), (v,))[1], np.dot(g, v))
    close(jit(fg.jacfwd(f))(x), g)
    close(jit(fg.jacrev(f))(x), g)
    close(jit(fg.hessian(f))(x), H)
    close(fg.hessian(jit(f))(x), H)
    close(jit(fg.jacrev(fg.jacfwd(f)))(x), H)
    close(jit(fg.vmap(fg.grad(f)))(xs), np.stack([np.asarray(fg.grad(f)(x)) for x in xs]))
    close(fg.vmap(jit(fg.grad(f)))(xs), np.stack([np.asarray(fg.grad(f)(x)) for x in xs]))
    close(jit(fg.grad(lambda xs: jnp.sum(fg.vmap(f)(xs))))(xs), fg.vmap(fg.grad(f))(xs))
