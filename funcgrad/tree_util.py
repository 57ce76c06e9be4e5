"""``funcgrad.tree_util``: JAX's pytree utilities."""
from .core.tree_util import (Partial, PyTreeDef, register_dataclass, register_pytree_node,  # noqa: F401
                             register_pytree_node_class, tree_all, tree_flatten, tree_leaves, tree_map,
                             tree_reduce, tree_structure, tree_transpose, tree_unflatten, treedef_is_leaf)
from .core.tree_paths import (DictKey, FlattenedIndexKey, GetAttrKey, SequenceKey,  # noqa: F401
                              keystr, tree_flatten_with_path, tree_leaves_with_path,
                              tree_map_with_path)
