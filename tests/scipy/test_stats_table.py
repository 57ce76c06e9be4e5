"""Every public function of ``funcgrad.scipy.stats``: value vs SciPy, gradient vs finite
differences (in every continuous argument), jit and vmap rows (see ``tests/table_util.py``)."""
import numpy as np
import pytest
import scipy
import scipy.stats  # noqa: F401

import funcgrad as fg
import funcgrad.scipy as fsp
from funcgrad.scipy import stats as fst

from ..table_util import (Row, check_gradient, check_jit, check_value, check_vmap, compile_with_numba, ids,
                          missing_rows)

rng = np.random.RandomState(2)
X = rng.standard_normal(4)
LOC, SCALE = np.array(0.3), np.array(1.7)
Q = np.array([0.05, 0.3, 0.6, 0.97])
UNIT = np.array([0.1, 0.35, 0.6, 0.85])
POS = np.array([0.4, 1.3, 2.2, 3.5])
K = 3
A = rng.standard_normal((K, K))
COV = A @ A.T + K * np.eye(K)


def loc_scale(dist, fn, x=X, label=""):
    return Row(f"{dist}.{fn}", lambda m, x, loc, scale: getattr(getattr(m.stats, dist), fn)(x, loc, scale),
               [x, LOC, SCALE], label)


ROWS = [loc_scale("norm", f) for f in ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf")]
ROWS += [loc_scale("norm", f, Q) for f in ("ppf", "isf")]
ROWS += [
    Row("norm.logcdf", lambda m, x: m.stats.norm.logcdf(x), [np.array([-40.0, -12.0, 0.0, 9.0])], "tails",
        tol=1e-12),
    Row("norm.ppf", lambda m, q: m.stats.norm.ppf(q), [np.array([1e-300, 1e-12, 0.5, 1 - 1e-12])], "tails",
        grad=False),
    Row("multivariate_normal.logpdf", lambda m, x, mu, c: m.stats.multivariate_normal.logpdf(x, mu, c),
        [rng.standard_normal((5, K)), rng.standard_normal(K), COV]),
    Row("multivariate_normal.logpdf", lambda m, x, mu, c: m.stats.multivariate_normal.logpdf(x, mu, c),
        [rng.standard_normal(K), rng.standard_normal(K), POS[:K]], "diagonal-cov"),
    Row("multivariate_normal.pdf", lambda m, x, mu, c: m.stats.multivariate_normal.pdf(x, mu, c),
        [rng.standard_normal((2, K)), rng.standard_normal(K), COV]),
    Row("t.logpdf", lambda m, x, df, loc, scale: m.stats.t.logpdf(x, df, loc, scale), [X, np.array(3.5), LOC, SCALE]),
    Row("t.pdf", lambda m, x, df: m.stats.t.pdf(x, df), [X, POS]),
    Row("beta.logpdf", lambda m, x, a, b: m.stats.beta.logpdf(x, a, b), [UNIT, POS, POS[::-1]]),
    Row("beta.logpdf", lambda m, x, a, b: m.stats.beta.logpdf(x, a, b), [np.array([-0.5, 1.5]), POS[:2], POS[:2]],
        "outside", grad=False),
    Row("beta.pdf", lambda m, x, a, b, loc, scale: m.stats.beta.pdf(x, a, b, loc, scale),
        [UNIT * 2 + 0.1, np.array(2.5), np.array(1.5), np.array(0.05), np.array(2.2)]),
    Row("gamma.logpdf", lambda m, x, a, loc, scale: m.stats.gamma.logpdf(x, a, loc, scale),
        [POS + 0.5, POS, LOC, SCALE]),
    Row("gamma.logpdf", lambda m, x, a: m.stats.gamma.logpdf(x, a), [np.array([-1.0, 0.0, 2.0]),
                                                                     np.array([2.0, 1.0, 1.0])],
        "edges", grad=False),
    Row("gamma.pdf", lambda m, x, a: m.stats.gamma.pdf(x, a), [POS, POS[::-1]]),
    Row("bernoulli.logpmf", lambda m, p: m.stats.bernoulli.logpmf(np.array([0, 1, 1, 2]), p), [UNIT]),
    Row("bernoulli.pmf", lambda m, p: m.stats.bernoulli.pmf(np.array([0, 1, 0, -1]), p), [UNIT]),
    Row("poisson.logpmf", lambda m, mu: m.stats.poisson.logpmf(np.array([0, 1, 4, 2.5, -1]), mu),
        [np.array([0.5, 1.5, 3.0, 2.0, 1.0])]),
    Row("poisson.pmf", lambda m, mu: m.stats.poisson.pmf(np.array([0, 2, 5]), mu), [POS[:3]]),
]
ROWS += [loc_scale("expon", f, POS) for f in ("logpdf", "pdf", "cdf", "sf")]
ROWS += [loc_scale("expon", f, np.array([-1.0, 0.1]), "below-loc") for f in ("logpdf", "cdf")]
ROWS += [loc_scale("uniform", f, UNIT + 0.5) for f in ("logpdf", "pdf", "cdf")]
ROWS += [loc_scale("uniform", "ppf", UNIT), loc_scale("uniform", "logpdf", np.array([0.0, 2.5]), "outside")]
ROWS += [loc_scale("laplace", f) for f in ("logpdf", "pdf", "cdf")]
ROWS += [loc_scale("logistic", f, X * 10) for f in ("logpdf", "pdf", "cdf", "sf")]
ROWS += [loc_scale("logistic", "ppf", UNIT)]
ROWS += [loc_scale("cauchy", f) for f in ("logpdf", "pdf", "cdf")] + [loc_scale("cauchy", "ppf", UNIT)]

COUNTS = np.array([0.0, 2.0, 5.0, 3.0])
TRUNC = [(-1.0, 2.0), (3.0, 5.0), (-8.0, -6.0)]


def _trunc_points(a, b):
    return a + np.array([0.2, 0.5, 0.8]) * (b - a)


ROWS += [
    Row("chi2.logpdf", lambda m, x, df, loc, scale: m.stats.chi2.logpdf(x, df, loc, scale), [POS + 0.5, np.array(3.5),
                                                                                              LOC, SCALE]),
    Row("chi2.pdf", lambda m, x, df: m.stats.chi2.pdf(x, df), [POS, POS[::-1] + 1.0]),
    Row("binom.logpmf", lambda m, p: m.stats.binom.logpmf(COUNTS, 5, p), [UNIT]),
    Row("binom.pmf", lambda m, p: m.stats.binom.pmf(np.array([0, 3, 6, -1, 2.5]), 5, p), [np.full(5, 0.4)],
        "off-support"),
    Row("nbinom.logpmf", lambda m, n, p: m.stats.nbinom.logpmf(COUNTS, n, p), [POS, UNIT]),
    Row("nbinom.pmf", lambda m, n, p: m.stats.nbinom.pmf(COUNTS, n, p), [POS, UNIT]),
    Row("geom.logpmf", lambda m, p: m.stats.geom.logpmf(np.array([1, 2, 5, 0]), p), [UNIT]),
    Row("geom.pmf", lambda m, p: m.stats.geom.pmf(np.array([1, 2, 5, 3]), p), [UNIT]),
    Row("betabinom.logpmf", lambda m, a, b: m.stats.betabinom.logpmf(COUNTS, 6, a, b), [POS, POS[::-1]]),
    Row("betabinom.pmf", lambda m, a, b: m.stats.betabinom.pmf(COUNTS, 6, a, b), [POS, POS[::-1]]),
    # (x on the simplex stays fixed: a finite difference in x leaves it)
    Row("dirichlet.logpdf", lambda m, a: m.stats.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), a), [POS[:3]]),
    Row("dirichlet.logpdf", lambda m, x, a: m.stats.dirichlet.logpdf(x, a), [np.array([[0.2, 0.1], [0.3, 0.6]]),
                                                                             POS[:3]], "implied-last-batch"),
    Row("dirichlet.pdf", lambda m, a: m.stats.dirichlet.pdf(np.array([0.2, 0.3, 0.5]), a), [POS[1:]]),
    Row("multinomial.logpmf", lambda m, p: m.stats.multinomial.logpmf(np.array([1, 2, 3]), 6, p),
        [np.array([0.2, 0.3, 0.5])]),
    Row("multinomial.pmf", lambda m, p: m.stats.multinomial.pmf(np.array([[1, 2, 3], [0, 0, 6]]), 6, p),
        [np.array([0.2, 0.3, 0.5])]),
    Row("pareto.logpdf", lambda m, x, b, loc, scale: m.stats.pareto.logpdf(x, b, loc, scale),
        [POS + 2.5, np.array(2.5), LOC, SCALE]),
    Row("pareto.pdf", lambda m, x, b: m.stats.pareto.pdf(x, b), [np.array([0.5, 1.5, 3.0]), np.array(1.5)],
        "below-support", grad=False),
    Row("gennorm.logpdf", lambda m, x, beta, loc, scale: m.stats.gennorm.logpdf(x, beta, loc, scale),
        [X, np.array(1.7), LOC, SCALE]),
    Row("gennorm.pdf", lambda m, x, beta: m.stats.gennorm.pdf(x, beta), [X, POS]),
    Row("wrapcauchy.logpdf", lambda m, x, c: m.stats.wrapcauchy.logpdf(x, c), [UNIT * 6, UNIT * 0.9]),
    Row("wrapcauchy.pdf", lambda m, x, c: m.stats.wrapcauchy.pdf(x, c), [UNIT * 6, np.array(0.3)]),
    Row("sem", lambda m, x: m.stats.sem(x), [rng.standard_normal((5, 3))]),
    Row("sem", lambda m, x: m.stats.sem(x, axis=None, ddof=0), [rng.standard_normal((5, 3))], "flat"),
]
ROWS += [loc_scale(d, f) for d in ("gumbel_r", "gumbel_l") for f in ("logpdf", "pdf", "cdf", "logcdf", "sf",
                                                                     "logsf")]
ROWS += [loc_scale(d, "ppf", UNIT) for d in ("gumbel_r", "gumbel_l")]
ROWS += [Row(f"truncnorm.{f}", (lambda f: lambda m, x, a, b, loc, scale:
                                getattr(m.stats.truncnorm, f)(x, a, b, loc, scale))(f),
             [_trunc_points(a, b) * SCALE + LOC, np.array(a), np.array(b), LOC, SCALE], f"[{a},{b}]")
         for f in ("logpdf", "pdf", "cdf", "logcdf", "sf", "logsf") for a, b in TRUNC]
ROWS += [Row("truncnorm.logpdf", lambda m, x: m.stats.truncnorm.logpdf(x, -1.0, 2.0), [np.array([-3.0, 2.5])],
             "outside")]

for r in ROWS:   # values exactly at a support edge / outside: only the value is checked
    if r.label in ("below-loc", "outside"):
        r.grad = False
    if r.label == "off-support":
        r.grad = False


def public_names():
    names = []
    for name in fst.__all__:
        obj = getattr(fst, name)
        names += [f"{name}.{fn}" for fn in obj.__all__] if hasattr(obj, "__all__") else [name]
    return names


def test_every_public_name_has_a_row():
    missing, unknown = missing_rows(public_names(), ROWS)
    assert not missing, f"public functions of funcgrad.scipy.stats without a table row: {missing}"
    assert not unknown, f"rows for names funcgrad.scipy.stats does not export: {unknown}"


@pytest.mark.parametrize("row", ROWS, ids=ids(ROWS))
def test_value_matches_scipy(row):
    check_value(row, fsp, scipy)


GRAD = [r for r in ROWS if r.grad]


@pytest.mark.parametrize("row", GRAD, ids=ids(GRAD))
def test_gradient_matches_finite_differences(row):
    check_gradient(row, fsp)


compile_with_numba(ROWS, ["norm.logpdf", "norm.cdf", "norm.ppf", "multivariate_normal.logpdf", "t.logpdf",
                          "gamma.logpdf", "poisson.logpmf"])
JIT = [r for r in ROWS if r.jit]


@pytest.mark.parametrize("row", JIT, ids=ids(JIT))
def test_jit_matches_eager(row, monkeypatch):
    check_jit(row, monkeypatch=monkeypatch, mine=fsp)


VMAP = [r for r in ROWS if r.vmap and r.grad]


@pytest.mark.parametrize("row", VMAP, ids=ids(VMAP))
def test_vmap_matches_loop(row):
    check_vmap(row, fsp)


def test_float32_stays_float32():
    x = np.float32([0.5, -1.0])
    assert fst.norm.logpdf(x).dtype == np.float32
    assert fst.norm.cdf(x).dtype == np.float32


def test_norm_logcdf_gradient_in_the_far_tail():
    """d/dx log Φ(x) ≈ -x for x → -∞: no overflow, no NaN."""
    g = fg.grad(lambda x: fst.norm.logcdf(x))(-40.0)
    np.testing.assert_allclose(float(g), 40.0248, rtol=1e-4)
