"""Transforms and jit trace real values only: a complex value entering a trace raises
``ComplexNumbersError`` (a ``TypeError``) naming the dtype, the primitive or the argument, and
the user's line; eager ``funcgrad.numpy`` on complex values still matches NumPy."""
import inspect
import os
import warnings

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import lax
from funcgrad.core.errors import ComplexNumbersError

X = np.array([1.0, 2.0])
HERE = os.path.basename(__file__)


def abs_shift(x):
    return jnp.abs(x + 1j).sum()            # the example: grad gave [1, 1], jit 3.0


def real_of_product(x):
    return (x * 1j).real.sum()              # jit gave 3j


def cast_up(x):
    return x.astype(jnp.complex64).real.sum()


def complex_constant_array(x):
    return (x * np.array([1j, 2j])).real.sum()


def lax_mul_by_complex(x):
    return lax.mul(x.astype(np.complex128), np.complex128(1j)).real.sum()


FUNS = [abs_shift, real_of_product, cast_up, complex_constant_array]

TRANSFORMS = {
    "grad": lambda f: fg.grad(f),
    "jit": lambda f: fg.jit(f),
    "vmap": lambda f: fg.vmap(f),
    "jvp": lambda f: (lambda x: fg.jvp(f, (x,), (np.ones_like(x),))),
    "make_jaxpr": lambda f: fg.make_jaxpr(f),
    "jit(grad)": lambda f: fg.jit(fg.grad(f)),
    "grad(jit)": lambda f: fg.grad(fg.jit(f)),
    "vmap(grad)": lambda f: fg.vmap(fg.grad(f)),
    "linearize": lambda f: (lambda x: fg.linearize(f, x)),
}


def _line_of(fun, text) -> str:
    src, start = inspect.getsourcelines(fun)
    return f"{HERE}:{start + next(i for i, s in enumerate(src) if text in s)}"


@pytest.mark.parametrize("fun", FUNS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_complex_value_in_a_trace_raises(name, fun):
    x = X[:1] if name == "vmap(grad)" else X
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # no ComplexWarning before the error either
        with pytest.raises(ComplexNumbersError) as info:
            TRANSFORMS[name](fun)(x)
    msg = str(info.value)
    assert "complex numbers are not supported" in msg
    assert "complex128" in msg or "complex64" in msg
    assert "convert_element_type" in msg or "`mul`" in msg      # names the primitive
    assert _line_of(fun, "return") in msg                       # ... and the user's line
    assert isinstance(info.value, TypeError)


def test_lax_operand_complex_constant_names_the_primitive():
    with pytest.raises(ComplexNumbersError, match=r"complex numbers are not supported under `jit`: "
                                                  r"`convert_element_type` at .*test_complex.py"):
        fg.jit(lax_mul_by_complex)(X)
    y = fg.jit(lambda x: x)(X)              # a real program of the same shape still compiles
    np.testing.assert_array_equal(y, X)


def test_complex_constant_given_to_a_traced_operation():
    def f(x):
        return lax.add(x, np.complex128(1j))
    with pytest.raises(ComplexNumbersError, match=r"`add` at .*is given a complex constant ~?c128\[\]"):
        fg.make_jaxpr(f)(X)


@pytest.mark.parametrize("name", ["jit", "grad", "vmap", "make_jaxpr", "jvp", "vjp", "linearize"])
def test_complex_argument_raises_naming_it(name):
    z = {"w": np.array([1j, 2.0]), "b": 1.0}

    def f(p):
        return (p["w"] * 2).real.sum() + p["b"]

    call = {"jit": lambda: fg.jit(f)(z), "grad": lambda: fg.grad(f)(z),
            "vmap": lambda: fg.vmap(f)(z), "make_jaxpr": lambda: fg.make_jaxpr(f)(z),
            "jvp": lambda: fg.jvp(f, (z,), (z,)), "vjp": lambda: fg.vjp(f, z),
            "linearize": lambda: fg.linearize(f, z)}[name]
    with pytest.raises(ComplexNumbersError) as info:
        call()
    msg = str(info.value)
    assert f"complex numbers are not supported under `{name}`" in msg
    assert "argument args[0]['w']" in msg and "complex128" in msg and HERE in msg


def test_complex_python_scalar_argument_under_jit():
    with pytest.raises(ComplexNumbersError, match=r"argument args\[1\] of .* dtype complex128"):
        fg.jit(lambda x, s: x * s)(X, 2j)


def test_complex_jit_argument_with_x64_off():
    fg.config.update("jax_enable_x64", False)         # (the message names the dtype passed)
    with pytest.raises(ComplexNumbersError, match="complex128"):
        fg.jit(lambda v: v * 2)(np.array([1j]))


def test_control_flow_bodies_reject_complex():
    with pytest.raises(ComplexNumbersError, match="lax.scan.*complex128"):
        lax.scan(lambda c, x: (c * x, c), 1j, X)           # eager scan: a complex carry
    with pytest.raises(ComplexNumbersError, match="convert_element_type.*complex128"):
        fg.jit(lambda x: lax.scan(lambda c, y: (c * y + 1j, c), 0.0, x))(X)
    with pytest.raises(ComplexNumbersError, match="complex128"):
        lax.cond(True, lambda x: (x * 1j).real, lambda x: x, X)
    with pytest.raises(ComplexNumbersError, match="complex128"):
        lax.fori_loop(0, 3, lambda i, c: c + 1j, 0.0)


def test_eager_complex_still_matches_numpy():
    z = np.array([1 + 2j, -3j, 0.5])
    np.testing.assert_allclose(abs_shift(X), np.abs(X + 1j).sum())
    np.testing.assert_allclose(real_of_product(X), (X * 1j).real.sum())
    np.testing.assert_allclose(jnp.abs(z), np.abs(z))
    np.testing.assert_allclose(jnp.exp(z) * (2 - 1j), np.exp(z) * (2 - 1j))
    np.testing.assert_allclose(jnp.sum(z * z.conj()), np.sum(z * z.conj()))
    assert jnp.add(z, 1).dtype == np.complex128
    assert jnp.iscomplexobj(z) and not jnp.iscomplexobj(X)
    np.testing.assert_allclose(jnp.fft.fft(X), np.fft.fft(X))


def test_real_code_touching_complex_names_still_traces():
    """Dtype objects, dtype queries and constants folded before they meet a traced value."""
    def f(x):
        assert not jnp.iscomplexobj(x) and jnp.complex64 is np.complex64
        c = jnp.abs(np.array([3 + 4j, 0j]))                # complex constant folded eagerly: real
        return jnp.sum(x * c) + jnp.real(x).sum() + jnp.imag(x).sum()
    want = f(X)
    np.testing.assert_allclose(fg.jit(f)(X), want)
    np.testing.assert_allclose(fg.grad(f)(X), [6.0, 1.0])
    np.testing.assert_allclose(fg.vmap(f)(X[:, None]), [f(X[:1]), f(X[1:])])
    key = fg.random.PRNGKey(0)
    np.testing.assert_allclose(fg.jit(lambda k: fg.random.normal(k, (3,)))(key),
                               fg.random.normal(key, (3,)))
