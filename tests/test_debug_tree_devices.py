"""funcgrad.debug (print/callback under every transform), disable_jit, funcgrad.tree with key
paths, and the CPU-only device API."""
import collections

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad.tree_util import DictKey, GetAttrKey, SequenceKey, keystr


# --------------------------------------------------------------------------- debug.print

def test_debug_print_eager_and_jit(capsys):
    def f(x):
        fg.debug.print("x={}", x)
        fg.debug.print("x={}", x)            # identical effects are not merged by CSE
        fg.debug.print("const={c}", c=3)      # no traced operand: printed when traced
        y = x * 2
        fg.debug.print("y={y} sum={s:.1f}", y=y, s=jnp.sum(y))
        return x + 1

    f(jnp.arange(2.0))
    eager = capsys.readouterr().out
    assert eager == "x=[0. 1.]\nx=[0. 1.]\nconst=3\ny=[0. 2.] sum=2.0\n"
    jf = fg.jit(f)
    jf(jnp.arange(2.0))
    first = capsys.readouterr().out
    assert first.count("x=[0. 1.]") == 2 and "y=[0. 2.] sum=2.0" in first
    jf(jnp.arange(2.0) + 1)      # cached program: the effects run again with the new values
    second = capsys.readouterr().out
    assert second == "x=[1. 2.]\nx=[1. 2.]\ny=[2. 4.] sum=6.0\n"


def test_debug_print_is_kept_by_dce():
    def f(x):
        fg.debug.print("{}", x * 3)          # its value is used by nothing but the print
        return x

    text = fg.jit(f).lower(1.0).as_text()
    assert "debug_callback" in text and "mul" in text


def test_debug_print_under_vmap_prints_each_element(capsys):
    fg.vmap(lambda x: fg.debug.print("v={}", x) or x)(jnp.arange(3.0))
    assert capsys.readouterr().out == "v=0.0\nv=1.0\nv=2.0\n"
    fg.jit(fg.vmap(lambda x, y: fg.debug.print("{} {}", x, y) or x, in_axes=(0, None)))(
        jnp.arange(2.0), 7.0)
    assert capsys.readouterr().out == "0.0 7.0\n1.0 7.0\n"


def test_debug_print_under_grad_sees_primals(capsys):
    def f(x):
        fg.debug.print("primal {}", x)
        return jnp.sin(x)

    g = fg.grad(f)(0.5)
    assert float(g) == float(np.cos(0.5))
    assert capsys.readouterr().out == "primal 0.5\n"
    fg.jit(fg.grad(f))(0.25)
    assert capsys.readouterr().out == "primal 0.25\n"
    fg.jvp(f, (0.5,), (1.0,))
    assert capsys.readouterr().out == "primal 0.5\n"


def test_debug_callback_with_pytrees():
    seen = []
    fg.jit(lambda d: fg.debug.callback(lambda d, k: seen.append((d["a"].tolist(), k)), d, k=1)
           or d["a"])({"a": jnp.ones(2)})
    assert seen == [([1.0, 1.0], 1)]


# --------------------------------------------------------------------------- disable_jit

def test_disable_jit(capsys):
    calls = []

    @fg.jit
    def f(x):
        calls.append(type(x).__name__)
        return x * 2

    with fg.disable_jit():
        assert float(f(2.0)) == 4.0
        f(3.0)
    assert "Tracer" not in "".join(calls) and len(calls) == 2
    f(2.0)
    assert "Tracer" in calls[-1]
    assert not fg.config.jax_disable_jit


# --------------------------------------------------------------------------- tree

def test_tree_namespace():
    t = {"b": (1, 2), "a": [3, None]}
    assert fg.tree.leaves(t) == [3, 1, 2]
    assert fg.tree.map(lambda x: x + 1, t) == {"b": (2, 3), "a": [4, None]}
    leaves, td = fg.tree.flatten(t)
    assert fg.tree.unflatten(td, leaves) == t
    assert fg.tree.structure(t) == td
    assert fg.tree.reduce(lambda a, b: a + b, t) == 6
    assert fg.tree.all([True, (1, 2)]) and not fg.tree.all([True, 0])
    assert fg.tree.map(lambda x, y: x * y, (1, 2), (3, 4)) == (3, 8)


def test_tree_paths():
    Point = collections.namedtuple("Point", ["x", "y"])
    t = {"a": [1, Point(2, 3)], "b": (4,)}
    got = fg.tree.leaves_with_path(t)
    assert got == [((DictKey("a"), SequenceKey(0)), 1),
                   ((DictKey("a"), SequenceKey(1), GetAttrKey("x")), 2),
                   ((DictKey("a"), SequenceKey(1), GetAttrKey("y")), 3),
                   ((DictKey("b"), SequenceKey(0)), 4)]
    assert [keystr(p) for p, _ in got] == ["['a'][0]", "['a'][1].x", "['a'][1].y", "['b'][0]"]
    named = fg.tree.map_with_path(lambda p, v: f"{keystr(p)}={v}", t)
    assert named["a"][1].y == "['a'][1].y=3"
    assert fg.tree_util.tree_map_with_path(lambda p, x, y: x + y, (1, 2), (10, 20)) == (11, 22)
    params = {"w": jnp.ones(2), "b": jnp.zeros(1)}
    decayed = fg.tree.map_with_path(lambda p, x: x * 0.5 if p[-1].key == "w" else x, params)
    np.testing.assert_array_equal(decayed["w"], [0.5, 0.5])


# --------------------------------------------------------------------------- devices

def test_devices_are_cpu_noops():
    devs = fg.devices()
    assert len(devs) == 1 and devs[0].platform == "cpu" and fg.device_count() == 1
    assert fg.local_devices() == devs and fg.default_backend() == "cpu"
    x = fg.device_put({"a": np.arange(3.0), "b": [1.0]}, devs[0])
    assert isinstance(x["a"], fg.Array) and isinstance(x["b"][0], fg.Array)
    np.testing.assert_array_equal(x["a"], [0.0, 1.0, 2.0])
    y = jnp.ones(3)
    assert fg.block_until_ready(y) is y and y.block_until_ready() is y
    assert type(fg.device_get(y)) is np.ndarray
    with pytest.raises(RuntimeError, match="CPU only"):
        fg.devices("gpu")


def test_debug_print_under_nested_vmap(capsys):
    x = jnp.arange(6.0).reshape(2, 3)
    fg.vmap(fg.vmap(lambda v: fg.debug.print("{}", v) or v))(x)
    assert capsys.readouterr().out.split() == ["0.0", "1.0", "2.0", "3.0", "4.0", "5.0"]
    fg.vmap(fg.vmap(lambda v: fg.debug.print("{}", v) or v), in_axes=1)(x)   # column-major
    assert capsys.readouterr().out.split() == ["0.0", "3.0", "1.0", "4.0", "2.0", "5.0"]
