"""Key paths into pytrees: ``tree_flatten_with_path``, ``tree_map_with_path``, ``keystr``.

A path is a tuple of keys from the root to a leaf: ``SequenceKey(i)`` for tuples and lists,
``DictKey(k)`` for dicts, ``GetAttrKey(name)`` for namedtuples and registered dataclasses,
``FlattenedIndexKey(i)`` for other registered nodes (their i-th child), as in JAX.

>>> tree_flatten_with_path({"w": [1, 2]})[0]
[((DictKey(key='w'), SequenceKey(idx=0)), 1), ((DictKey(key='w'), SequenceKey(idx=1)), 2)]
>>> keystr((DictKey("w"), SequenceKey(1)))
"['w'][1]"
"""
from __future__ import annotations

import collections
import dataclasses
from typing import Any, Callable, NamedTuple

from .tree_util import _children, tree_flatten, tree_unflatten


class SequenceKey(NamedTuple):
    idx: int

    def __str__(self):
        return f"[{self.idx!r}]"


class DictKey(NamedTuple):
    key: Any

    def __str__(self):
        return f"[{self.key!r}]"


class GetAttrKey(NamedTuple):
    name: str

    def __str__(self):
        return f".{self.name}"


class FlattenedIndexKey(NamedTuple):
    key: int

    def __str__(self):
        return f"[<flat index {self.key}>]"


def keystr(keys: tuple, *, simple: bool = False, separator: str = "") -> str:
    """A readable path: ``"['a'][0].b"`` (``simple``: ``"a/0/b"`` style with ``separator``)."""
    if not simple:
        return "".join(str(k) for k in keys)
    parts = [str(getattr(k, f)) for k in keys for f in k._fields]
    return (separator or "").join(parts) if separator else "".join(parts)


def _keys(x, kind, aux, kids):
    if kind in (tuple, list):
        if kind is tuple and hasattr(type(x), "_fields"):
            return [GetAttrKey(f) for f in type(x)._fields]
        return [SequenceKey(i) for i in range(len(kids))]
    if kind in (dict, collections.OrderedDict):
        return [DictKey(k) for k in aux]
    if kind is collections.defaultdict:
        return [DictKey(k) for k in aux[1]]
    if hasattr(type(x), "_fields"):
        return [GetAttrKey(f) for f in type(x)._fields]
    if dataclasses.is_dataclass(x):
        data = [f.name for f in dataclasses.fields(x)
                if any(getattr(x, f.name) is k for k in kids)]
        if len(data) == len(kids):
            return [GetAttrKey(n) for n in data]
    return [FlattenedIndexKey(i) for i in range(len(kids))]


def tree_flatten_with_path(tree, is_leaf: Callable | None = None):
    """``([(path, leaf), ...], treedef)``."""
    out: list = []
    _with_paths_into(tree, (), is_leaf, out)
    return out, tree_flatten(tree, is_leaf)[1]


def _with_paths_into(x, path, is_leaf, out: list) -> None:
    # (module-level, not a self-calling closure: that would be a reference cycle keeping the
    # leaves alive until the next garbage collection, see tree_util)
    if is_leaf is not None and is_leaf(x):
        out.append((path, x))
        return
    c = _children(x)
    if c is None:
        out.append((path, x))
        return
    kind, aux, kids = c
    for k, child in zip(_keys(x, kind, aux, kids), kids):
        _with_paths_into(child, path + (k,), is_leaf, out)


def tree_leaves_with_path(tree, is_leaf: Callable | None = None) -> list:
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map_with_path(f: Callable, tree, *rest, is_leaf: Callable | None = None):
    """``f(path, leaf, *other_leaves)`` leafwise."""
    pairs, treedef = tree_flatten_with_path(tree, is_leaf)
    others = [treedef.flatten_up_to(r) for r in rest]
    return tree_unflatten(treedef, [f(p, x, *o) for (p, x), *o in zip(pairs, *others)])
