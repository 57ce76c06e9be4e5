"""Pytrees: nested containers of leaves, flattened to a list and a ``PyTreeDef``.

Containers: tuple, list, dict (sorted keys), OrderedDict (insertion order), namedtuple, None
(no children), and anything registered with ``register_pytree_node``.

>>> leaves, tree = tree_flatten({"b": 1, "a": (2, None, [3, 4])})
>>> leaves
[2, 3, 4, 1]
>>> tree_unflatten(tree, [x * 10 for x in leaves])
{'a': (20, None, [30, 40]), 'b': 10}
>>> tree_map(lambda x, y: x + y, (1, [2]), (10, [20]))
(11, [22])
"""
from __future__ import annotations

import collections
from typing import Any, Callable, NamedTuple

_registry: dict[type, tuple[Callable, Callable]] = {}


class _Node(NamedTuple):
    kind: Any            # the node type, or None for a leaf
    aux: Any             # static data (dict keys, namedtuple type, user aux)
    children: tuple      # child PyTreeDefs


class PyTreeDef:
    """The structure of a pytree (everything except its leaves)."""

    __slots__ = ("node", "num_leaves", "_hash")

    def __init__(self, node: _Node, num_leaves: int):
        self.node = node
        self.num_leaves = num_leaves
        self._hash = None

    def __eq__(self, other):
        return isinstance(other, PyTreeDef) and self.node == other.node

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(_hashable(self.node))
        return self._hash

    @property
    def num_nodes(self) -> int:
        return _count_nodes(self.node)

    def unflatten(self, leaves):
        return tree_unflatten(self, leaves)

    def flatten_up_to(self, tree) -> list:
        """The subtrees of ``tree`` at this treedef's leaves (``tree`` must extend this structure)."""
        out: list = []
        _flatten_up_to(self, tree, out)
        return out

    def children(self):
        return list(self.node.children)

    def __repr__(self):
        return f"PyTreeDef({_repr(self.node)})"


def _flatten_up_to(d: PyTreeDef, x, out: list) -> None:
    if d.node.kind is None:
        out.append(x)
        return
    c = _children(x)
    if (c is None or c[0] is not d.node.kind or not _aux_equal(c[1], d.node.aux)
            or len(c[2]) != len(d.node.children)):
        raise ValueError(f"flatten_up_to: tree {x!r} does not match the structure {d}")
    for cd, cx in zip(d.node.children, c[2]):
        _flatten_up_to(cd, cx, out)


def _count_nodes(n) -> int:
    return 1 + sum(_count_nodes(c.node) for c in n.children)


def _aux_equal(a, b) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):       # e.g. arrays as aux data
        return a is b


def _hashable(node):
    aux = node.aux
    try:
        hash(aux)
    except TypeError:
        aux = None          # unhashable aux data: hash coarser than __eq__ (still consistent)
    return (node.kind, aux, tuple(_hashable(c.node) for c in node.children))


def _repr(node):
    if node.kind is None:
        return "*"
    if node.kind is type(None):
        return "None"
    kids = [_repr(c.node) for c in node.children]
    if node.kind is tuple:
        return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
    if node.kind is list:
        return "[" + ", ".join(kids) + "]"
    if node.kind in (dict, collections.OrderedDict):
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(node.aux, kids)) + "}"
    name = getattr(node.kind, "__name__", str(node.kind))
    if node.aux is node.kind and hasattr(node.kind, "_fields"):
        return f"CustomNode(namedtuple[{name}], [{', '.join(kids)}])"
    return f"CustomNode({name}[{node.aux!r}], [{', '.join(kids)}])"


_LEAF = PyTreeDef(_Node(None, None, ()), 1)


_BUILTIN_NODES = (tuple, list, dict, type(None), collections.OrderedDict, collections.defaultdict)


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable) -> None:
    """Register ``nodetype``: ``flatten_func(x) -> (children, aux)``,
    ``unflatten_func(aux, children) -> x``. ``aux`` must be hashable and comparable.

    >>> class Pair:
    ...     def __init__(self, a, b): self.a, self.b = a, b
    >>> register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda aux, kids: Pair(*kids))
    >>> tree_leaves([Pair(1, (2, 3)), 4])
    [1, 2, 3, 4]
    """
    if nodetype in _registry or nodetype in _BUILTIN_NODES:
        raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype}.")
    _registry[nodetype] = (flatten_func, unflatten_func)


def register_pytree_node_class(cls):
    """Class decorator: uses ``cls.tree_flatten()`` and ``cls.tree_unflatten(aux, children)``."""
    register_pytree_node(cls, lambda x: x.tree_flatten(), cls.tree_unflatten)
    return cls


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _children(x):
    """``(kind, aux, children)`` for a container, or ``None`` for a leaf."""
    t = type(x)
    if t is tuple:
        return tuple, None, x
    if t is list:
        return list, None, x
    if t is dict:
        keys = sorted(x)
        return dict, tuple(keys), [x[k] for k in keys]
    if x is None:
        return type(None), None, ()
    if t in _registry:
        flat, _ = _registry[t]
        children, aux = flat(x)
        return t, aux, list(children)
    if t is collections.OrderedDict:
        keys = tuple(x)
        return collections.OrderedDict, keys, [x[k] for k in keys]
    if t is collections.defaultdict:
        keys = sorted(x)
        return collections.defaultdict, (x.default_factory, tuple(keys)), [x[k] for k in keys]
    if _is_namedtuple(x):
        return t, t, list(x)
    return None


def tree_flatten(tree, is_leaf: Callable | None = None):
    """``(leaves, treedef)``."""
    leaves: list = []
    return leaves, _flatten_into(tree, is_leaf, leaves)


# The recursions below are module-level functions with their state passed along, not nested
# closures: a closure that calls itself is a reference cycle (function -> cell -> function) that
# keeps everything it closes over (the leaves: a jitted call's outputs) alive until the cyclic
# garbage collector runs, so memory a training step frees is not reused by the next step.

def _flatten_into(x, is_leaf, leaves: list) -> PyTreeDef:
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return _LEAF
    c = _children(x)
    if c is None:
        leaves.append(x)
        return _LEAF
    kind, aux, kids = c
    defs = tuple(_flatten_into(k, is_leaf, leaves) for k in kids)
    return PyTreeDef(_Node(kind, aux, defs), sum(d.num_leaves for d in defs))


def tree_unflatten(treedef: PyTreeDef, leaves):
    """Rebuild the tree of ``treedef`` with ``leaves`` (exactly ``treedef.num_leaves`` of them)."""
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: {treedef} has {treedef.num_leaves} leaves, but "
                         f"{len(leaves)} were given")
    return _build(treedef, iter(leaves))


def _build(d: PyTreeDef, it):
    n = d.node
    if n.kind is None:
        return next(it)
    kids = [_build(c, it) for c in n.children]
    k = n.kind
    if k is tuple:
        return tuple(kids)
    if k is list:
        return kids
    if k is dict:
        return dict(zip(n.aux, kids))
    if k is type(None):
        return None
    if k in _registry:
        return _registry[k][1](n.aux, kids)
    if k is collections.OrderedDict:
        return collections.OrderedDict(zip(n.aux, kids))
    if k is collections.defaultdict:
        return collections.defaultdict(n.aux[0], zip(n.aux[1], kids))
    return k(*kids)   # namedtuple


def tree_leaves(tree, is_leaf=None) -> list:
    """The leaves of ``tree``, in ``tree_flatten`` order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None) -> PyTreeDef:
    """The ``PyTreeDef`` of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
    """Whether ``treedef`` is a single leaf."""
    return treedef.node.kind is None


def tree_map(f: Callable, tree, *rest, is_leaf=None):
    """Apply ``f`` leafwise; ``rest`` must have the same structure as ``tree``."""
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = []
    for r in rest:
        try:
            others.append(treedef.flatten_up_to(r))
        except ValueError:
            raise ValueError(f"tree_map: the trees have different structures: {treedef} vs "
                             f"{tree_structure(r, is_leaf)}") from None
    return tree_unflatten(treedef, [f(*xs) for xs in zip(leaves, *others)])


def tree_reduce(f: Callable, tree, *initializer, is_leaf=None):
    import functools
    return functools.reduce(f, tree_leaves(tree, is_leaf), *initializer)


def tree_all(tree) -> bool:
    return all(tree_leaves(tree))


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef, pytree_to_transpose):
    flat = tree_leaves(pytree_to_transpose)
    n_in = inner_treedef.num_leaves
    n_out = outer_treedef.num_leaves
    if len(flat) != n_in * n_out:
        raise ValueError("tree_transpose: structures do not match the tree")
    rows = [flat[i * n_in:(i + 1) * n_in] for i in range(n_out)]
    cols = [tree_unflatten(outer_treedef, [r[j] for r in rows]) for j in range(n_in)]
    return tree_unflatten(inner_treedef, cols)


def broadcast_prefix(prefix, full, is_leaf=None) -> list:
    """Expand ``prefix`` (a pytree prefix of ``full``, e.g. ``in_axes``) to one entry per leaf of
    ``full``."""
    out: list = []
    _broadcast_prefix(prefix, full, is_leaf, out)
    return out


def _broadcast_prefix(p, f, is_leaf, out: list) -> None:
    if p is None or _children(p) is None or (is_leaf is not None and is_leaf(p)):
        out.extend([p] * len(tree_leaves(f)))
        return
    pk, paux, pkids = _children(p)
    c = _children(f)
    if c is None:
        raise ValueError(f"prefix {p!r} has more structure than the tree {f!r}")
    fk, faux, fkids = c
    if pk is not fk and not (pk in (tuple, list) and fk in (tuple, list)) or len(pkids) != len(fkids) \
            or (pk is dict and paux != faux):
        raise ValueError(f"prefix structure {p!r} does not match tree {f!r}")
    for a, b in zip(pkids, fkids):
        _broadcast_prefix(a, b, is_leaf, out)


class Partial:
    """``functools.partial`` that is a pytree (its bound args are leaves)."""

    def __init__(self, func, *args, **kwargs):
        self.func, self.args, self.keywords = func, args, kwargs

    def __call__(self, *args, **kwargs):
        return self.func(*self.args, *args, **{**self.keywords, **kwargs})


register_pytree_node(Partial, lambda p: ((p.args, p.keywords), p.func),
                     lambda func, kids: Partial(func, *kids[0], **kids[1]))


def register_dataclass(cls, data_fields=None, meta_fields=None):
    """Register a dataclass: ``data_fields`` are children, ``meta_fields`` static."""
    import dataclasses
    if data_fields is None:
        data_fields = [f.name for f in dataclasses.fields(cls)]
        meta_fields = []
    meta_fields = list(meta_fields or [])

    def flat(x):
        return [getattr(x, f) for f in data_fields], tuple(getattr(x, f) for f in meta_fields)

    def unflat(aux, kids):
        return cls(**dict(zip(data_fields, kids)), **dict(zip(meta_fields, aux)))

    register_pytree_node(cls, flat, unflat)
    return cls
