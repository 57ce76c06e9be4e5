"""Pytrees: flatten/unflatten round trips, leaf order, containers, registration, errors."""
import collections
import dataclasses

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp
from funcgrad import tree_util as tu
from funcgrad.control.subprograms import leaf_paths
from funcgrad.core.tree_util import broadcast_prefix

Point = collections.namedtuple("Point", ["x", "y"])

TREES = [
    1, None, (), [], {}, (1,), [1, 2], {"b": 2, "a": 1}, (1, None, [2, (3,)]),
    {"z": [1, {"y": 2, "x": (3, 4)}], "a": None}, Point(1, [2, 3]), [Point(Point(1, 2), None), {}],
    collections.OrderedDict([("b", 1), ("a", 2)]), np.arange(3), [np.ones(2), jnp.zeros(3)],
]


@pytest.mark.parametrize("tree", TREES, ids=repr)
def test_round_trip(tree):
    leaves, treedef = tu.tree_flatten(tree)
    back = tu.tree_unflatten(treedef, leaves)
    assert type(back) is type(tree)
    assert tu.tree_structure(back) == treedef and hash(tu.tree_structure(back)) == hash(treedef)
    assert repr(tu.tree_leaves(back)) == repr(leaves)
    assert treedef.num_leaves == len(leaves)
    assert tu.tree_structure(tu.tree_map(lambda x: [x], tree)) != treedef or not leaves
    assert tu.tree_structure(tu.tree_map(lambda x: x, tree)) == treedef


def test_leaf_order_and_containers():
    tree = {"b": (1, [2, None]), "a": Point(3, {"d": 4, "c": 5}), "e": None}
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [3, 5, 4, 1, 2]                     # dict keys sorted, None has no leaves
    assert repr(treedef) == ("PyTreeDef({'a': CustomNode(namedtuple[Point], [*, {'c': *, 'd': *}]), "
                             "'b': (*, [*, None]), 'e': None})")
    doubled = tu.tree_map(lambda v: 2 * v, tree)
    assert doubled == {"b": (2, [4, None]), "a": Point(6, {"d": 8, "c": 10}), "e": None}
    assert isinstance(doubled["a"], Point)
    assert tu.tree_leaves(None) == [] and tu.tree_leaves([None, (None,)]) == []
    assert tu.treedef_is_leaf(tu.tree_structure(1)) and not tu.treedef_is_leaf(tu.tree_structure((1,)))
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    assert tu.tree_leaves(od) == [1, 2]                  # insertion order for OrderedDict
    assert tu.tree_structure({"a": 1, "b": 2}) == tu.tree_structure({"b": 0, "a": 0})
    assert tu.tree_structure((1, 2)) != tu.tree_structure([1, 2])


def test_tree_map_multiple_trees_and_is_leaf():
    a = {"w": np.ones(2), "b": [1.0, 2.0]}
    b = {"w": np.full(2, 3.0), "b": [10.0, 20.0]}
    out = tu.tree_map(lambda x, y: x + y, a, b)
    np.testing.assert_array_equal(out["w"], [4.0, 4.0])
    assert out["b"] == [11.0, 22.0]
    # the other trees may have subtrees where the first has leaves
    assert tu.tree_map(lambda x, y: (x, y), [1, 2], [(3, 4), None]) == [(1, (3, 4)), (2, None)]
    pairs = tu.tree_map(lambda p: p[0] * p[1], [(1, 2), (3, 4)], is_leaf=lambda x: isinstance(x, tuple))
    assert pairs == [2, 12]
    with pytest.raises(ValueError, match="different structures"):
        tu.tree_map(lambda x, y: x, [1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="different structures"):
        tu.tree_map(lambda x, y: x, {"a": 1}, {"b": 1})


def test_unflatten_leaf_count_errors():
    treedef = tu.tree_structure((1, [2, 3]))
    with pytest.raises(ValueError, match="3 leaves, but 2"):
        tu.tree_unflatten(treedef, [1, 2])
    with pytest.raises(ValueError, match="3 leaves, but 4"):
        tu.tree_unflatten(treedef, [1, 2, 3, 4])


class Box:
    def __init__(self, value, label):
        self.value, self.label = value, label


tu.register_pytree_node(Box, lambda b: ((b.value,), b.label), lambda label, kids: Box(kids[0], label))


@tu.register_pytree_node_class
class Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b

    def tree_flatten(self):
        return (self.a, self.b), None

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children)


@dataclasses.dataclass
class Params:
    w: object
    b: object
    name: str = "layer"


tu.register_dataclass(Params, data_fields=["w", "b"], meta_fields=["name"])


def test_registered_nodes_and_transforms_through_them():
    tree = [Box({"k": 2.0}, "x"), Pair(1.0, (3.0,))]
    leaves, treedef = tu.tree_flatten(tree)
    assert leaves == [2.0, 1.0, 3.0]
    back = tu.tree_unflatten(treedef, [10.0, 20.0, 30.0])
    assert back[0].label == "x" and back[0].value == {"k": 10.0} and back[1].b == (30.0,)
    assert tu.tree_structure(Box(1, "x")) != tu.tree_structure(Box(1, "y"))     # aux data counts
    p = Params(np.ones(3), 0.5)
    g = fg.grad(lambda p: jnp.sum(p.w * p.b) + p.b ** 2)(p)
    assert isinstance(g, Params) and g.name == "layer"
    np.testing.assert_allclose(g.w, [0.5] * 3)
    np.testing.assert_allclose(g.b, 3.0 + 1.0)
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(Box, lambda b: ((), None), lambda a, k: None)
    with pytest.raises(ValueError, match="Duplicate"):
        tu.register_pytree_node(dict, lambda b: ((), None), lambda a, k: None)


def test_partial_reduce_all_transpose():
    f = tu.Partial(lambda a, b, c=0: a * b + c, 2.0, c=1.0)
    assert f(3.0) == 7.0
    assert tu.tree_leaves(f) == [2.0, 1.0]
    assert tu.tree_map(lambda x: x * 10, f)(3.0) == 70.0
    assert tu.tree_reduce(lambda a, b: a + b, {"a": 1, "b": (2, 3)}) == 6
    assert tu.tree_all([True, (1, None)]) and not tu.tree_all([True, 0])
    outer, inner = tu.tree_structure([0, 0]), tu.tree_structure((0, 0, 0))
    t = tu.tree_transpose(outer, inner, [(1, 2, 3), (4, 5, 6)])
    assert t == ([1, 4], [2, 5], [3, 6])


def test_flatten_up_to():
    treedef = tu.tree_structure([0, {"a": 0}])
    assert treedef.flatten_up_to([(1, 2), {"a": [3]}]) == [(1, 2), [3]]
    with pytest.raises(ValueError):
        treedef.flatten_up_to([1, 2])


# ------------------------------------------------------------------ no reference cycles

def _cycle_garbage(fn, calls=5) -> int:
    """Objects that only the cyclic garbage collector frees, after ``calls`` calls of ``fn``."""
    import gc
    fn()
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(calls):
            fn()
        return gc.collect()
    finally:
        if was:
            gc.enable()


def test_flatten_and_unflatten_leave_no_reference_cycles():
    # A self-calling closure is a cycle that kept every leaf (a jitted step's outputs) alive
    # until the next collection: memory the step freed was not reused by the next step.
    tree = {"a": [np.ones(3), (np.ones(2), None)], "b": np.zeros(4)}

    def roundtrip():
        leaves, td = tu.tree_flatten(tree)
        tu.tree_unflatten(td, leaves)
        td.flatten_up_to(tree)
        broadcast_prefix(0, tree)
        tu.tree_flatten_with_path(tree)
        leaf_paths(tree)
        assert td.num_nodes > 1
    assert _cycle_garbage(roundtrip) == 0


def test_jitted_call_and_eager_grad_leave_no_reference_cycles():
    def loss(p, x):
        return jnp.sum(jnp.tanh(x @ p[0] + p[1]) ** 2)

    def step(p, x):
        g = fg.grad(loss)(p, x)
        return [a - 0.1 * b for a, b in zip(p, g)], loss(p, x)
    p = [np.ones((3, 2)), np.zeros(2)]
    x = np.ones((4, 3))
    jstep = fg.jit(step)
    assert _cycle_garbage(lambda: jstep(p, x)) == 0
    assert _cycle_garbage(lambda: step(p, x)) == 0
