"""Coverage rows: ``funcgrad.scipy.special`` (vs SciPy) and ``funcgrad.nn`` (vs NumPy/SciPy
formulas)."""
import numpy as np
from scipy import special as ss

import funcgrad.nn as nn

from .coverage import B, Check, F, I, Row

SPECIAL = [
    Row("logsumexp", (F((3, 4)),)), Row("logsumexp", (F((3, 4)),), {"axis": 1, "keepdims": True}, label="axis"),
    Row("logsumexp", (F((3, 4)), 1, F((3, 4), "pos")), label="b", fn=lambda a, ax, b: _sp().logsumexp(a, ax, b),
        ref=lambda a, ax, b: ss.logsumexp(a, ax, b)),
    Row("softmax", (F((3, 4)),)), Row("softmax", (F((3, 4)),), {"axis": 0}, label="axis"),
    Row("log_softmax", (F((3, 4)),), {"axis": -1}),
    Row("expit", (F((2, 3)),)), Row("logit", (F((2, 3), "unit"),), fn=lambda p: _sp().logit(abs(p)),
                                    ref=lambda p: ss.logit(abs(p))),
    Row("erf", (F((2, 3)),)), Row("erfc", (F((2, 3)),)), Row("erfinv", (F((2, 3), "unit"),)),
    Row("gammaln", (F((2, 3), "pos"),)), Row("gammaln", (F((4,), "nonzero"),), label="negative"),
    Row("loggamma", (F((4,), "pos"),)), Row("gamma", (F((5,), "nonzero"),), gtol=1e-4),
    Row("gammasgn", (F((5,), "nonzero"),)),
    Row("gammasgn", (np.array([0.0, -0.0, -1.0, -2.5, 3.0]),), label="poles"),
    Row("digamma", (F((2, 3), "pos"),)), Row("polygamma", (1, F((3,), "pos"))),
    Row("polygamma", (2, F((3,), "gt1")), label="n2"),
    Row("beta", (F((3,), "pos"), F((3,), "pos"))), Row("betaln", (F((2, 3), "pos"), F((3,), "pos"))),
    Row("xlogy", (F((4,)), F((4,), "pos"))),
    Row("xlogy", (np.array([0.0, 0.0, 2.0]), np.array([0.0, 3.0, 0.5])), label="zeros"),
    Row("xlog1py", (F((4,)), F((4,), "pos"))),
    Row("entr", (F((5,)),)), Row("rel_entr", (F((5,)), F((5,)))), Row("kl_div", (F((5,)), F((5,)))),
    Row("rel_entr", (np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 2.0])), label="zeros"),
    Row("ndtr", (F((2, 3)),)), Row("ndtri", (F((4,), "pos"),), fn=lambda p: _sp().ndtri(p / 3.5),
                                   ref=lambda p: ss.ndtri(p / 3.5), tol=1e-10),
    Row("log_ndtr", (F((4,)),)), Row("log_ndtr", (np.array([-40.0, -10.0, 0.0, 8.0]),), label="tails"),
    Row("i0", (F((4,)),)), Row("i0e", (F((4,)),)), Row("i1", (F((4,)),)), Row("i1e", (F((4,)),)),
    Row("multigammaln", (F((3,), "gt1"), 3), fn=lambda a, d: _sp().multigammaln(a + 1, d),
        ref=lambda a, d: ss.multigammaln(a + 1, d)),
    Row("factorial", (F((4,), "pos"),)), Row("factorial", (I((5,), -2, 6),), label="int"),
    Row("poch", (F((3,), "pos"), F((3,), "pos"))),
    Row("comb", (F((4,), "gt1"), F((4,), "pos")), fn=lambda n, k: _sp().comb(n + 2, k),
        ref=lambda n, k: ss.comb(n + 2, k)),
    Row("comb", (I((5,), 0, 8), I((5,), -1, 6)), label="int", fn=lambda n, k: _sp().comb(n, k),
        ref=lambda n, k: ss.comb(n, k)),
    Row("comb", (I((4,), 1, 6), I((4,), 0, 4)), {"repetition": True}, label="repetition"),
    Row("boxcox", (F((4,), "pos"), F((4,)))), Row("boxcox", (F((3,), "pos"), 0.0), label="zero"),
    Row("boxcox1p", (F((4,), "pos"), F((4,)))),
]


def _sp():
    from funcgrad.scipy import special
    return special


# --------------------------------------------------------------------------- funcgrad.nn

def _softplus(x):
    return np.logaddexp(x, 0)


def _standardize(x, axis=-1):
    return (x - x.mean(axis, keepdims=True)) / np.sqrt(x.var(axis, keepdims=True) + 1e-5)


NN = [
    Row("relu", (F((2, 3), "nonzero"),), ref=lambda x: np.maximum(x, 0)),
    Row("relu6", (F((5,)),), fn=lambda x: nn.relu6(x * 4), ref=lambda x: np.clip(x * 4, 0, 6)),
    Row("sigmoid", (F((2, 3)),), ref=ss.expit), Row("log_sigmoid", (F((2, 3)),), ref=ss.log_expit),
    Row("softplus", (F((2, 3)),), ref=_softplus),
    Row("silu", (F((2, 3)),), ref=lambda x: x * ss.expit(x)),
    Row("swish", (F((2, 3)),), ref=lambda x: x * ss.expit(x)),
    Row("gelu", (F((2, 3)),), ref=lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    Row("gelu", (F((2, 3)),), {"approximate": False}, label="exact",
        ref=lambda x, approximate: 0.5 * x * (1 + ss.erf(x / np.sqrt(2)))),
    Row("elu", (F((2, 3), "nonzero"),), ref=lambda x: np.where(x > 0, x, np.expm1(x))),
    Row("leaky_relu", (F((2, 3), "nonzero"),), ref=lambda x: np.where(x >= 0, x, 0.01 * x)),
    Row("celu", (F((2, 3), "nonzero"),), ref=lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0))),
    Row("selu", (F((2, 3), "nonzero"),),
        ref=lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    Row("hard_tanh", (F((2, 3), "nonzero"),), fn=lambda x: nn.hard_tanh(x * 0.9), ref=lambda x: np.clip(x * 0.9, -1, 1)),
    Row("soft_sign", (F((2, 3)),), ref=lambda x: x / (np.abs(x) + 1)),
    Row("softmax", (F((2, 3)),), ref=lambda x: ss.softmax(x, axis=-1)),
    Row("log_softmax", (F((2, 3)),), ref=lambda x: ss.log_softmax(x, axis=-1)),
    Row("logsumexp", (F((2, 3)),), {"axis": 1}, ref=lambda x, axis: ss.logsumexp(x, axis=axis)),
    Row("standardize", (F((3, 4)),), ref=_standardize),
    Row("normalize", (F((3, 4)),), ref=_standardize),
    Row("one_hot", (I((4,), -1, 4), 3), ref=lambda x, n: (x[:, None] == np.arange(n)).astype(float)),
    Row("identity", (F((3,)),), ref=lambda x: x), Row("tanh", (F((3,)),), ref=np.tanh),
    Row("hard_sigmoid", (F((4,), "nonzero"),), fn=lambda x: nn.hard_sigmoid(x * 2),
        ref=lambda x: np.clip(x * 2 + 3, 0, 6) / 6),
    Row("hard_silu", (F((4,), "nonzero"),), fn=lambda x: nn.hard_silu(x * 2),
        ref=lambda x: x * 2 * np.clip(x * 2 + 3, 0, 6) / 6),
    Row("hard_swish", (F((4,), "nonzero"),), ref=lambda x: x * np.clip(x + 3, 0, 6) / 6),
    Row("glu", (F((3, 4)),), ref=lambda x: x[:, :2] * ss.expit(x[:, 2:])),
    Row("log1mexp", (F((4,), "pos"),), ref=lambda x: np.log(-np.expm1(-x))),
    Row("logmeanexp", (F((3, 4)),), {"axis": 0}, ref=lambda x, axis: ss.logsumexp(x, axis) - np.log(3)),
    Row("mish", (F((4,)),), ref=lambda x: x * np.tanh(_softplus(x))),
    Row("sparse_plus", (F((5,), "nonzero"),), fn=lambda x: nn.sparse_plus(x * 0.8),
        ref=lambda x: np.where(x * 0.8 <= -1, 0, np.where(x * 0.8 >= 1, x * 0.8, (x * 0.8 + 1) ** 2 / 4))),
    Row("sparse_sigmoid", (F((5,), "nonzero"),), fn=lambda x: nn.sparse_sigmoid(x * 0.8),
        ref=lambda x: np.clip((x * 0.8 + 1) / 2, 0, 1)),
    Row("squareplus", (F((4,)),), ref=lambda x: (x + np.sqrt(x * x + 4)) / 2),
    Row("dot_product_attention", (F((2, 3, 2, 4)), F((2, 5, 1, 4)), F((2, 5, 1, 4)), B((1, 1, 3, 5))),
        fn=lambda q, k, v, m: nn.dot_product_attention(q, k, v, mask=m | np.eye(3, 5, dtype=bool)),
        ref=lambda q, k, v, m: _attention(q, k, v, m | np.eye(3, 5, dtype=bool))),
    Row("dot_product_attention", (F((3, 2, 4)), F((3, 2, 4)), F((3, 2, 4))), {"is_causal": True},
        label="causal", ref=lambda q, k, v, is_causal: _attention(q[None], k[None], v[None], np.tri(3, 3, dtype=bool))[0]),
]


def _attention(q, k, v, mask):
    rep = q.shape[2] // k.shape[2]
    k, v = np.repeat(k, rep, axis=2), np.repeat(v, rep, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    logits = np.where(mask, logits, np.finfo(logits.dtype).min)
    return np.einsum("bnts,bsnh->btnh", ss.softmax(logits, axis=-1), v)


def _init_check(name, *args):
    def check(factory):
        import pytest

        import funcgrad.numpy as jnp
        init = factory(*args) if name not in ("zeros", "ones") else factory
        try:
            from funcgrad import random
        except ImportError:           # funcgrad.random lands with its own issue
            if name not in ("zeros", "ones", "constant"):
                pytest.skip("funcgrad.random is not available: random initializers cannot run")
            random = None
        shape = (3, 4, 16, 32) if "delta" in name else (64, 48)
        key = None if random is None else random.PRNGKey(0)
        w = init(key, shape, jnp.float32)
        assert w.shape == shape and w.dtype == np.float32
        if name in ("zeros", "ones", "constant"):
            assert np.all(np.asarray(w) == {"zeros": 0, "ones": 1, "constant": 0.5}[name])
        elif "orthogonal" in name:
            m = np.asarray(w)[1, 2] if "delta" in name else np.asarray(w)
            np.testing.assert_allclose(m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T,
                                       np.eye(min(m.shape)), atol=1e-4)
        else:
            w = np.asarray(w, np.float64)
            if name == "uniform":                                  # U[0, 0.01)
                assert w.min() >= 0 and w.max() < 0.01
                np.testing.assert_allclose(w.mean(), 0.005, rtol=0.1)
            else:
                assert abs(w.mean()) < 0.1 * w.std()
                np.testing.assert_allclose(w.var(), _VARIANCE[name], rtol=0.15)
    return check


_FAN_IN, _FAN_OUT = 64, 48
_VARIANCE = {"normal": 1e-4, "truncated_normal": (0.01 * 0.87962566103423978) ** 2,
             "variance_scaling": 1 / _FAN_IN}
for _n, _v in (("glorot", 2 / (_FAN_IN + _FAN_OUT)), ("xavier", 2 / (_FAN_IN + _FAN_OUT)),
               ("lecun", 1 / _FAN_IN), ("he", 2 / _FAN_IN), ("kaiming", 2 / _FAN_IN)):
    _VARIANCE[_n + "_normal"] = _VARIANCE[_n + "_uniform"] = _v

_INITS = {"zeros": (), "ones": (), "constant": (0.5,), "uniform": (), "normal": (),
          "truncated_normal": (), "variance_scaling": (1.0, "fan_in", "normal"),
          "glorot_uniform": (), "glorot_normal": (), "xavier_uniform": (), "xavier_normal": (),
          "lecun_uniform": (), "lecun_normal": (), "he_uniform": (), "he_normal": (),
          "kaiming_uniform": (), "kaiming_normal": (), "orthogonal": (), "delta_orthogonal": ()}
INITIALIZERS = [Check(n, _init_check(n, *a)) for n, a in _INITS.items()]
INITIALIZERS.append(Check("Initializer", lambda c: callable(c)))
