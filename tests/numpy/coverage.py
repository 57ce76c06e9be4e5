"""The coverage table's row format and checks (see ``test_coverage.py``).

A ``Row`` names a public function and describes a call: positional argument specs (``F``, ``I``,
``B`` draw arrays; anything else is passed as is, statically), keyword arguments, the reference
(NumPy/SciPy by the same name unless given) and what to check:

- value: the eager result equals the reference (dtype, shape, values), leaf by leaf;
- traced: ``make_jaxpr`` + ``eval_jaxpr`` and the recorded (``vjp``) forward pass give the eager
  result (dtype, shape, value), unless ``stage=False`` (result size depends on values);
- gradient: VJP and JVP of the float outputs with respect to the float array arguments match
  central finite differences, unless the outputs are not float or ``grad=False``;
- vmap: ``vmap`` over two stacked draws of every array argument equals a loop;
- jit: ``jit`` equals eager (Python backend by default; every backend in the slow run).

``Check`` rows are for names that are not array functions (dtype objects, ``finfo``, ...): a
function asserting something about the name.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

import funcgrad as fg
from funcgrad.core.tree_util import tree_leaves
from funcgrad.test_util import check_grads

from .checks import assert_same, check_traced, sample


@dataclasses.dataclass(frozen=True)
class F:
    """A float array argument: shape, sampling domain (checks.sample's, plus 'sorted'), dtype."""
    shape: tuple = (3,)
    domain: str = "any"
    dtype: str = "float64"

    def draw(self, rng):
        if self.domain == "sorted":
            return np.sort(sample(rng, self.shape, self.dtype, "any"), axis=-1)
        if self.domain == "distinct":
            n = int(np.prod(self.shape))
            return (rng.permutation(n).reshape(self.shape) * 0.37 - 1.1).astype(self.dtype)
        return sample(rng, self.shape, self.dtype, self.domain)


@dataclasses.dataclass(frozen=True)
class I:  # noqa: E742 - short spec names read best in the tables
    """An integer array argument with values in ``[lo, hi)``."""
    shape: tuple = (3,)
    lo: int = -4
    hi: int = 5
    dtype: str = "int64"

    def draw(self, rng):
        return rng.randint(self.lo, self.hi, self.shape).astype(self.dtype)


@dataclasses.dataclass(frozen=True)
class B:
    """A boolean array argument."""
    shape: tuple = (3,)

    def draw(self, rng):
        return rng.rand(*self.shape) > 0.5


SPECS = (F, I, B)


@dataclasses.dataclass
class Row:
    name: str
    args: tuple = (F(),)
    kwargs: dict = dataclasses.field(default_factory=dict)
    ref: Callable | None = None      # default: the same name in the reference module
    grad: Any = True                 # False, or the indices of the array args to differentiate
    stage: bool = True               # traceable without concrete values (make_jaxpr, vmap, jit)
    vmap: bool = True
    jit: bool = True
    tol: float | None = None         # value tolerance (default: checks.assert_same's)
    gtol: float | None = None        # gradient tolerance (default: check_grads')
    label: str = ""
    fn: Callable | None = None       # the function under test (default: module.<name>)

    @property
    def id(self):
        return self.name + (f"-{self.label}" if self.label else "")


@dataclasses.dataclass
class Check:
    """A non-array name: ``check(obj)`` asserts what the name must do."""
    name: str
    check: Callable

    @property
    def id(self):
        return self.name


def draw(row: Row, seed: int = 0):
    """(array operands, full positional args builder)."""
    rng = np.random.RandomState(seed)
    arrays = [a.draw(rng) for a in row.args if isinstance(a, SPECS)]
    return arrays


def bind(row: Row, fn):
    """``fn`` as a function of the array operands only (statics bound in place)."""
    def call(*arrays):
        it = iter(arrays)
        args = [next(it) if isinstance(a, SPECS) else a for a in row.args]
        return fn(*args, **row.kwargs)
    return call


def _np_args(arrays):
    return [np.asarray(a) for a in arrays]


def check_value(row: Row, module, ref_module):
    fn = row.fn or getattr(module, row.name)
    ref = row.ref or getattr(ref_module, row.name)
    arrays = draw(row)
    with np.errstate(all="ignore"):
        got = bind(row, fn)(*arrays)
        want = bind(row, ref)(*_np_args(arrays))
    gl, wl = tree_leaves(got), tree_leaves(want)
    if not gl and isinstance(got, (bool, int, float, tuple)) and not isinstance(want, np.ndarray):
        assert got == want, f"{got!r} != {want!r}"
        return got
    assert len(gl) == len(wl), f"{len(gl)} result leaves vs {len(wl)} in the reference"
    for g, w in zip(gl, wl):
        if isinstance(w, (bool, int, float)) and not isinstance(g, np.ndarray):
            assert g == w, f"{g!r} != {w!r}"
            continue
        assert isinstance(g, (fg.Array, np.ndarray, np.generic)), type(g)
        assert_same(g, np.asarray(w), row.tol, f"{row.id}: eager vs reference")
    return got


def check_traced_row(row: Row, module):
    fn = row.fn or getattr(module, row.name)
    arrays = draw(row)
    with np.errstate(all="ignore"):
        check_traced(bind(row, fn), *arrays, rtol=row.tol)


def _float_outputs(f):
    def g(*a):
        return tuple(x for x in tree_leaves(f(*a)) if np.issubdtype(np.result_type(x), np.floating))
    return g


def grad_args(row: Row, arrays):
    if row.grad is False:
        return []
    idx = [i for i, a in enumerate(arrays) if np.issubdtype(a.dtype, np.floating)]
    if row.grad is not True:
        idx = [i for i in idx if i in row.grad]
    return idx


def check_gradient(row: Row, module):
    fn = row.fn or getattr(module, row.name)
    arrays = draw(row)
    idx = grad_args(row, arrays)
    call = _float_outputs(bind(row, fn))
    with np.errstate(all="ignore"):
        if not idx or not call(*arrays):
            return False

        def f(*fl):
            full = list(arrays)
            for i, v in zip(idx, fl):
                full[i] = v
            return call(*full)

        check_grads(f, tuple(arrays[i] for i in idx), order=1, modes=("fwd", "rev"),
                    atol=row.gtol, rtol=row.gtol)
    return True


def check_vmap(row: Row, module):
    fn = bind(row, row.fn or getattr(module, row.name))
    draws = [draw(row, seed) for seed in (1, 2)]
    if not draws[0]:
        return
    stacked = [np.stack([d[i] for d in draws]) for i in range(len(draws[0]))]
    with np.errstate(all="ignore"):
        got = fg.vmap(fn)(*stacked)
        want = [fn(*d) for d in draws]
    for k, g in enumerate(tree_leaves(got)):
        w = np.stack([np.asarray(tree_leaves(x)[k]) for x in want])
        assert_same(g, w, row.tol, f"{row.id}: vmap vs loop")


def check_jit(row: Row, module):
    fn = bind(row, row.fn or getattr(module, row.name))
    arrays = draw(row)
    with np.errstate(all="ignore"):
        want = fn(*arrays)
        got = fg.jit(fn)(*arrays)
    for g, w in zip(tree_leaves(got), tree_leaves(want)):
        w = np.asarray(w)
        tol = row.tol or (2e-5 if w.dtype in (np.float32, np.float16) else 1e-11)
        assert_same(g, w, tol, f"{row.id}: jit vs eager")
