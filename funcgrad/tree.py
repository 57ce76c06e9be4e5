"""``funcgrad.tree``: JAX's ``jax.tree`` namespace (short names for ``tree_util``).

>>> import funcgrad as fg
>>> fg.tree.map(lambda x: x * 2, {"a": 1, "b": (2, 3)})
{'a': 2, 'b': (4, 6)}
>>> fg.tree.leaves({"a": 1, "b": (2, 3)})
[1, 2, 3]
>>> fg.tree.map_with_path(lambda p, x: fg.tree_util.keystr(p), {"a": [5]})
{'a': ["['a'][0]"]}
"""
from __future__ import annotations

from .core.tree_paths import tree_flatten_with_path, tree_leaves_with_path, tree_map_with_path
from .core.tree_util import (tree_all, tree_flatten, tree_leaves, tree_map, tree_reduce,
                             tree_structure, tree_transpose, tree_unflatten)

__all__ = ["all", "flatten", "flatten_with_path", "leaves", "leaves_with_path", "map",
           "map_with_path", "reduce", "structure", "transpose", "unflatten"]

all = tree_all  # noqa: A001 - JAX's names
flatten = tree_flatten
leaves = tree_leaves
map = tree_map  # noqa: A001
reduce = tree_reduce
structure = tree_structure
transpose = tree_transpose
unflatten = tree_unflatten
map_with_path = tree_map_with_path
flatten_with_path = tree_flatten_with_path
leaves_with_path = tree_leaves_with_path
