"""Architecture checks: imports point to lower layers only; modules stay small."""
import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parent.parent / "funcgrad"
LAYER = {"core": 1, "primitives": 2, "transforms": 3, "control": 4, "backend": 5}
TOP = 6   # api.py, jit.py, lax/, numpy/, nn/, random.py, scipy/, test_util.py, tree_util.py
LIBS = 7  # example_libraries


def _layer(rel: pathlib.Path) -> int:
    first = rel.parts[0]
    if first == "example_libraries":
        return LIBS
    return LAYER.get(first, TOP)


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    rel = path.relative_to(PKG)
    pkg_parts = ["funcgrad"] + list(rel.parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg_parts[: len(pkg_parts) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                names = [mod + "." + a.name for a in node.names] if not node.module else [mod]
            else:
                names = [node.module or ""]
            for n in names:
                yield n, node.lineno
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno


def test_imports_point_down_only():
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        mine = _layer(rel)
        for name, line in _imports(path):
            parts = name.split(".")
            if parts[0] != "funcgrad" or len(parts) < 2:
                continue
            target = pathlib.Path(*parts[1:])
            their = _layer(target)
            if mine <= 5 and their > mine:
                bad.append(f"{rel}:{line} imports {name} (layer {their} > {mine})")
            if rel.parts[0] == "backend" and their not in (1, 5):
                bad.append(f"{rel}:{line}: backend may import core only, imports {name}")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_numba_is_imported_only_by_the_backend():
    users = []
    for path in PKG.rglob("*.py"):
        for name, line in _imports(path):
            if name.split(".")[0] == "numba":
                users.append(str(path.relative_to(PKG)))
    assert all(u.startswith("backend") for u in users), users


def test_modules_are_small():
    big = [f"{p.relative_to(PKG)}: {n} lines" for p in PKG.rglob("*.py")
           if (n := len(p.read_text().splitlines())) > 800]
    assert not big, big
