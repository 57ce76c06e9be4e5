"""Elementwise functions: eager == NumPy; staged/recorded == eager (dtype, shape, value) across
dtypes and with weak Python scalars; gradients vs finite differences; error messages."""
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.core.errors import ShapeError
from funcgrad.test_util import check_grads

from .checks import BOOL, F32, F64, I32, assert_same, check_numpy, check_traced, sample

THIS = __file__

# name -> input domain
UNARY = {
    "negative": "any", "positive": "any", "absolute": "any", "sign": "any", "sqrt": "pos",
    "cbrt": "any", "exp": "any", "expm1": "any", "exp2": "any", "log": "pos", "log1p": "pos",
    "log2": "pos", "log10": "pos", "sin": "any", "cos": "any", "tan": "unit", "arcsin": "unit",
    "arccos": "unit", "arctan": "any", "sinh": "any", "cosh": "any", "tanh": "any",
    "arcsinh": "any", "arccosh": "gt1", "arctanh": "unit", "floor": "any", "ceil": "any",
    "trunc": "any", "rint": "any", "square": "any", "reciprocal": "nonzero", "deg2rad": "any",
    "rad2deg": "any", "isfinite": "any", "isnan": "any", "isinf": "any", "signbit": "any",
    "sinc": "any", "logical_not": "any", "real": "any", "imag": "any", "conj": "any",
}
BINARY = {
    "add": "any", "subtract": "any", "multiply": "any", "divide": "nonzero", "maximum": "any",
    "minimum": "any", "arctan2": "nonzero", "power": "pos", "floor_divide": "nonzero",
    "remainder": "nonzero", "fmod": "nonzero", "logaddexp": "any", "hypot": "any", "copysign": "any",
    "equal": "any", "not_equal": "any", "less": "any", "less_equal": "any", "greater": "any",
    "greater_equal": "any", "logical_and": "any", "logical_or": "any", "logical_xor": "any",
    "bitwise_and": "any", "bitwise_or": "any", "bitwise_xor": "any", "fmax": "any", "fmin": "any",
    "heaviside": "any", "float_power": "pos",
}
DTYPES = [F32, F64, I32, BOOL]


def _np_supports(np_fn, *args):
    try:
        with np.errstate(all="ignore"):
            np_fn(*args)
        return True
    except TypeError:
        return False


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, dtype):
    rng = np.random.RandomState(0)
    x = sample(rng, (2, 3), dtype, UNARY[name])
    fn, np_fn = getattr(jnp, name), getattr(np, name)
    if not _np_supports(np_fn, x):
        with pytest.raises(TypeError):
            fn(x)
        return
    with np.errstate(all="ignore"):
        check_numpy(fn, np_fn, x)
        check_traced(fn, x)
        check_traced(fn, x[0, 0].item())        # a weak Python scalar argument


# operand pairs: dtypes, and Python scalars (weak) mixed with arrays
PAIRS = [(F32, F32), (F32, F64), (I32, F32), (I32, I32), (BOOL, BOOL), (BOOL, I32),
         (F32, "float"), (I32, "int"), (I32, "float"), (BOOL, "int"), ("float", F64)]


def _operand(rng, spec, shape, domain):
    if isinstance(spec, str):                  # a Python scalar (note: np.dtype("float") == "float")
        return {"float": float, "int": int}[spec](sample(rng, (), {"float": F64, "int": np.int64}[spec],
                                                         domain))
    return sample(rng, shape, spec, domain)


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0]}-{p[1]}")
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary(name, pair):
    rng = np.random.RandomState(1)
    x = _operand(rng, pair[0], (3, 1, 4), BINARY[name])
    y = _operand(rng, pair[1], (2, 4), BINARY[name])        # broadcasts to (3, 2, 4)
    fn, np_fn = getattr(jnp, name), getattr(np, name)
    if not _np_supports(np_fn, x, y) or (name == "power" and isinstance(y, int) and y < 0):
        with pytest.raises(TypeError):
            fn(x, y)
        return
    with np.errstate(all="ignore"):
        check_numpy(fn, np_fn, x, y)
        check_traced(fn, x, y)                       # both traced (Python scalars: weak tracers)
        check_traced(lambda a: fn(a, y), x)          # y a constant
        check_traced(lambda b: fn(x, b), y)          # x a constant


def test_operators_on_tracers_match_functions():
    rng = np.random.RandomState(2)
    x, y = sample(rng, (2, 3), F64, "pos"), sample(rng, (3,), F64, "pos")
    ops = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
           lambda a, b: a // b, lambda a, b: a % b, lambda a, b: a ** b, lambda a, b: 2.0 ** a - b,
           lambda a, b: 1 - a / (2 * b) + 3, lambda a, b: -a + abs(b) + (+a),
           lambda a, b: (a < b) | (a >= 2.0), lambda a, b: (a == b) ^ (a != 1.0),
           lambda a, b: ~(a > b) & (a <= b), lambda a, b: divmod(a, b)[0] + divmod(3.0, b)[1],
           lambda a, b: a.T @ a + b @ a.T @ a]
    for op in ops:
        want = op(np.asarray(x), np.asarray(y))
        assert_same(op(jnp.asarray(x), jnp.asarray(y)), want, err="Array operators")
        check_traced(op, x, y)


def test_shift_round_copy_and_contains_operators_work_on_tracers_and_arrays():
    """``<<``/``>>`` (a JAX program's bit tricks) traced and under jit as eagerly; ``round()``
    of an Array; ``copy.deepcopy`` of a pytree holding tracers; ``v in x``."""
    import copy
    x = np.array([[1, 2, 3], [7, -8, 9]], np.int32)
    s = np.array([0, 1, 2], np.int32)
    ops = [lambda a, b: a << b, lambda a, b: a >> b, lambda a, b: (a << 2) + (16 >> b),
           lambda a, b: (3 << b) - (a >> 1)]
    for op in ops:
        want = op(x, s)
        assert_same(op(jnp.asarray(x), jnp.asarray(s)), want, err="Array shifts")
        check_traced(op, x, s)
        assert_same(fg.jit(op)(x, s), want, err="jit shifts")
    a = jnp.asarray(x)
    a <<= 1
    assert_same(a, x << 1, err="<<= rebinds")
    assert round(jnp.asarray(1.5)) == 2 and isinstance(round(jnp.asarray(2.5)), int)
    assert float(round(jnp.asarray(2.567), 2)) == 2.57
    g = fg.grad(lambda w: copy.deepcopy({"w": w})["w"] ** 2 + copy.copy(w))(3.0)
    assert float(g) == 7.0
    assert 2 in jnp.asarray(x) and 5 not in jnp.asarray(x)
    assert fg.grad(lambda w: jnp.sum(w) * (3.0 in w))(np.array([1.0, 3.0])).tolist() == [1.0, 1.0]


def test_a_traced_value_is_an_instance_of_the_array_type():
    """``isinstance(x, jnp.ndarray)`` / ``isinstance(x, fg.Array)`` hold for traced values, as
    for JAX's tracers, so such checks take the same branch under transforms as eagerly."""
    def f(a):
        return a * 2 if isinstance(a, jnp.ndarray) and isinstance(a, fg.Array) else a
    x = np.arange(3.0)
    assert_same(fg.jit(f)(x), x * 2)
    assert_same(fg.grad(lambda a: jnp.sum(f(a)))(x), np.full(3, 2.0))
    assert_same(fg.vmap(f)(x), x * 2)
    assert not isinstance(np.ones(2), fg.Array) and isinstance(jnp.ones(2), fg.Array)
    from funcgrad.core.array import WeakArray
    assert not fg.jit(lambda a: isinstance(a, WeakArray))(1.0)


def test_integer_power_is_integer_pow():
    closed = fg.make_jaxpr(lambda x: x ** 3 + jnp.power(x, 2))(np.ones(3, np.float32))
    assert [e.primitive.name for e in closed.eqns].count("integer_pow") == 2
    check_traced(lambda x: x ** 3 - x ** -2, np.arange(1, 4, dtype=np.float32))
    check_traced(lambda x: x ** 2, np.arange(3, dtype=np.int32))
    with pytest.raises(ValueError, match="negative integer powers"):
        fg.make_jaxpr(lambda x: x ** -1)(np.arange(3))


def test_floor_divide_and_remainder_follow_numpy_edge_cases():
    x = np.array([1.0, -1.0, 7.5, -7.5, 0.0, -0.0, 5.0, 1.0], np.float64)
    y = np.array([0.1, 0.1, -2.0, 2.0, 3.0, -3.0, 0.0, np.inf])
    for name in ("floor_divide", "remainder", "fmod"):
        with np.errstate(all="ignore"):
            want = getattr(np, name)(x, y)
            check_numpy(getattr(jnp, name), getattr(np, name), x, y)
            check_traced(getattr(jnp, name), x, y)
            np.testing.assert_array_equal(fg.make_jaxpr(getattr(jnp, name))(x, y).out_avals[0].shape, (8,))
            assert_same(fg.vjp(getattr(jnp, name), x, y)[0], want)
    xi, yi = np.array([7, -7, 7, -7, 3], np.int32), np.array([2, 2, -2, -2, 0], np.int32)
    with np.errstate(all="ignore"):
        for name in ("floor_divide", "remainder"):
            check_traced(getattr(jnp, name), xi, yi)


def test_signed_zero():
    x = np.array([0.0, -0.0, 1.0, -2.0])
    for fn in (jnp.signbit, lambda a: jnp.copysign(1.0, a)):
        assert_same(fn(x), fg.vjp(fn, x)[0])
    assert_same(jnp.signbit(x), np.signbit(x))


def test_where_clip_and_nonzero():
    rng = np.random.RandomState(3)
    c = rng.randint(0, 2, (3, 1)).astype(bool)
    x, y = sample(rng, (4,), F32), sample(rng, (3, 4), I32)
    check_numpy(jnp.where, np.where, c, x, y)
    check_traced(jnp.where, c, x, y)
    check_traced(lambda c, x: jnp.where(c, x, 0.5), c, x)                # weak scalar keeps f32
    assert fg.make_jaxpr(lambda c, x: jnp.where(c, x, 0.5))(c, x).out_avals[0].dtype == F32
    check_traced(lambda x: jnp.where(x, 1, 2), y)                         # int condition
    for lo, hi in [(0.0, 1.0), (-1, None), (None, 0.5), (np.float32(0), x[:1])]:
        check_numpy(jnp.clip, np.clip, x, lo, hi)
        check_traced(lambda a: jnp.clip(a, lo, hi), x)
    check_numpy(jnp.clip, np.clip, y, 0.5, 2)                             # int array, float bounds
    check_traced(lambda a: jnp.clip(a, 0.5, 2), y)
    z = np.array([[0, 1, 0], [2, 0, 3]])
    check_numpy(jnp.nonzero, np.nonzero, z)
    check_numpy(jnp.where, np.where, z)
    got = fg.make_jaxpr(lambda z: jnp.nonzero(z, size=4, fill_value=-1))(z)
    from funcgrad.core.trace import eval_jaxpr
    rows, cols = eval_jaxpr(got.jaxpr, got.consts, [z])
    np.testing.assert_array_equal(rows, [0, 1, 1, -1])
    np.testing.assert_array_equal(cols, [1, 0, 2, -1])
    with pytest.raises(fg.ConcretizationError, match="size="):
        fg.make_jaxpr(jnp.nonzero)(z)
    g = fg.grad(lambda x: jnp.sum(x[jnp.nonzero(x > 0)]))(np.array([1.0, -1.0, 2.0]))  # concrete under grad
    np.testing.assert_array_equal(g, [1.0, 0.0, 1.0])


def test_round_and_nan_to_num():
    x = np.array([0.5, 1.5, 2.5, -0.5, 2.675, 123.456, np.nan, np.inf, -np.inf])
    for d in (0, 1, 2, -1):
        check_numpy(jnp.round, np.round, x, d)
        check_traced(lambda a: jnp.round(a, d), x)
    check_traced(lambda a: jnp.round(a, -1), np.array([15, 25, 31, -46]))
    check_numpy(jnp.nan_to_num, np.nan_to_num, x)
    check_traced(jnp.nan_to_num, x)
    check_traced(lambda a: jnp.nan_to_num(a, nan=1.0, posinf=2.0, neginf=-2.0), x.astype(np.float32))


# --------------------------------------------------------------------------- gradients

GRAD_UNARY = ["negative", "absolute", "sqrt", "cbrt", "exp", "expm1", "exp2", "log", "log1p", "log2",
              "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
              "arcsinh", "arccosh", "arctanh", "square", "reciprocal", "deg2rad", "rad2deg", "sinc"]
GRAD_BINARY = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "arctan2", "power",
               "logaddexp", "hypot", "remainder", "fmod", "float_power", "fmax", "fmin"]


@pytest.mark.parametrize("name", GRAD_UNARY)
def test_unary_grads(name):
    rng = np.random.RandomState(4)
    x = sample(rng, (3,), F64, UNARY[name])
    if name in ("absolute", "cbrt", "sinc"):
        x = np.abs(x) + 0.3
    check_grads(getattr(jnp, name), (x,), order=2)


@pytest.mark.parametrize("name", GRAD_BINARY)
def test_binary_grads_with_broadcasting(name):
    rng = np.random.RandomState(5)
    x = sample(rng, (2, 1, 3), F64, BINARY[name])
    y = sample(rng, (4, 3), F64, BINARY[name])
    if name in ("remainder", "fmod"):
        x, y = np.abs(x) * 3 + 0.1, np.abs(y) + 0.7      # away from the jumps
    check_grads(getattr(jnp, name), (x, y), order=1)
    check_grads(lambda a: getattr(jnp, name)(a, 1.7), (x,), order=2)      # weak scalar operand


def test_where_clip_grads():
    rng = np.random.RandomState(6)
    x, y = sample(rng, (3, 4), F64), sample(rng, (4,), F64)
    check_grads(lambda x, y: jnp.where(x > 0, x * y, jnp.sin(y)), (x, y), order=2)
    check_grads(lambda x: jnp.clip(x, -0.5, 0.5) * x, (x,), order=1)


# --------------------------------------------------------------------------- errors

def _line():
    """The caller's line number + 1: the line of the operation under test."""
    return sys._getframe(1).f_lineno + 1


def _assert_names_shapes_and_line(excinfo, s1, s2, line):
    msg = str(excinfo.value)
    assert str(s1) in msg and str(s2) in msg, msg
    assert f"{THIS}:{line}" in msg, msg


def test_add_shape_mismatch_names_shapes_and_line():
    a, b = jnp.ones((3, 4)), jnp.ones((5,))
    with pytest.raises(ShapeError) as e:
        line = _line()
        a + b
    _assert_names_shapes_and_line(e, (3, 4), (5,), line)
    with pytest.raises(ShapeError) as e:
        line = _line()
        jnp.add(np.ones((3, 4)), np.ones(5))
    _assert_names_shapes_and_line(e, (3, 4), (5,), line)
    with pytest.raises(ShapeError) as e:
        line = _line()
        fg.grad(lambda x: jnp.sum(x + b))(a)
    _assert_names_shapes_and_line(e, (3, 4), (5,), line)
    with pytest.raises(ShapeError) as e:
        line = _line()
        fg.make_jaxpr(lambda x, y: x + y)(a, b)
    _assert_names_shapes_and_line(e, (3, 4), (5,), line)
    with pytest.raises(ShapeError) as e:
        line = _line()
        np.ones((2, 2)) + jnp.ones(3)          # ndarray + Array: Array's reflected operator runs
    _assert_names_shapes_and_line(e, (2, 2), (3,), line)


def test_leaked_tracer_in_eager_op():
    saved = []
    fg.make_jaxpr(lambda x: saved.append(x) or x)(np.ones(2))
    with pytest.raises(fg.UnexpectedTracerError):
        jnp.sin(saved[0])
    with pytest.raises(fg.UnexpectedTracerError):
        jnp.add(np.ones(2), saved[0])
    with pytest.raises(fg.UnexpectedTracerError):
        jnp.sum(saved[0])
