"""The primitive record is the only place that knows a primitive: the optimization passes and
the jit backend read rule slots and lowering descriptors, never a primitive's name, and import
no primitive family module."""
import ast
import os

import pytest

import funcgrad
from funcgrad.core.primitive import PRIMITIVES

PKG = os.path.dirname(os.path.abspath(funcgrad.__file__))
MODULES = [os.path.join(PKG, "transforms", "passes.py")] + sorted(
    os.path.join(PKG, "backend", f) for f in os.listdir(os.path.join(PKG, "backend"))
    if f.endswith(".py"))


def _is_primitive_name(node) -> bool:
    """``<x>.primitive.name`` or ``<x>.name`` of a primitive-looking value."""
    return (isinstance(node, ast.Attribute) and node.attr == "name"
            and isinstance(node.value, ast.Attribute) and node.value.attr in ("primitive", "prim"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: os.path.relpath(p, PKG))
def test_no_primitive_name_checks(path):
    tree = ast.parse(open(path).read())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_is_primitive_name(s) for s in sides):
                bad.append(f"line {node.lineno}: compares a primitive's name")
            for s in sides:
                for c in ast.walk(s):
                    if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in PRIMITIVES:
                        bad.append(f"line {node.lineno}: compares with primitive name {c.value!r}")
        if isinstance(node, ast.ImportFrom) and node.module and "primitives" in node.module:
            bad.append(f"line {node.lineno}: imports {node.module}")
    assert not bad, f"{os.path.relpath(path, PKG)} knows primitives by name:\n" + "\n".join(bad)
