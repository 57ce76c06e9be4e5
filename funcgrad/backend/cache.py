"""The on-disk cache: a versioned directory of content-hash-named, write-once source files.

Layout (``$FUNCGRAD_CACHE_DIR`` or ``~/.cache/funcgrad``)::

    fg-<funcgrad version>-<backend hash>-numba<version>-py<major><minor>/
        rt_<hash>.py      the runtime library (fast exp/log/tanh...), a copy of backend/runtime.py
        k_<hash>.py       one fused kernel per file, shared by every program that uses it
        p_<hash>.py       generated drivers (written for tracebacks and reading; rebuilt in memory)
        __pycache__/      Numba's cache (``cache=True``): index + object code per kernel signature

Numba's cache key ignores globals and callees, so everything a kernel depends on is in its source
(hashed into its name) or in the runtime library, and the directory name carries a hash of the
backend's own source: editing the backend starts a new directory. Files are written to a temporary
name and renamed (atomic), never rewritten; a file whose content does not match its hash (corrupt
or truncated) is detected on load and written again.

This module does not import numba (the Python backend uses it too).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import types

_DIR: str | None = None
_DIR_ENV: str | None = None


def source_hash(text: str, n: int = 16) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _backend_hash() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as f:
                h.update(name.encode() + f.read())
    core = os.path.join(os.path.dirname(here), "core", "lowering.py")
    with open(core, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:10]


def _numba_version() -> str:
    try:
        from importlib.metadata import version
        return version("numba")
    except Exception:  # pragma: no cover - numba missing: the python backend still works
        return "none"


def _funcgrad_version() -> str:
    try:
        from importlib.metadata import version
        return version("funcgrad")
    except Exception:  # pragma: no cover - not installed: the backend hash still versions the dir
        return "dev"


def root_dir() -> str:
    """``$FUNCGRAD_CACHE_DIR`` or ``~/.cache/funcgrad`` (``$XDG_CACHE_HOME`` respected)."""
    env = os.environ.get("FUNCGRAD_CACHE_DIR")
    if env:
        return os.path.abspath(os.path.expanduser(env))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "funcgrad")


def cache_dir() -> str:
    """The versioned cache directory (created on first use; re-read if the env var changes)."""
    global _DIR, _DIR_ENV
    env = os.environ.get("FUNCGRAD_CACHE_DIR", "")
    if _DIR is None or env != _DIR_ENV:
        __version__ = _funcgrad_version()
        py = f"{sys.version_info[0]}{sys.version_info[1]}"
        opt = os.environ.get("NUMBA_OPT", "")   # kernels compiled at another level: own dir
        name = f"fg-{__version__}-{_backend_hash()}-numba{_numba_version()}-py{py}" + \
            (f"-O{opt}" if opt else "")
        path = os.path.join(root_dir(), name)
        os.makedirs(path, exist_ok=True)
        _DIR, _DIR_ENV = path, env
    return _DIR


def write_once(path: str, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless an identical file is there. Returns True if it
    (re)wrote the file. A file with other content (corrupt, truncated) is replaced."""
    data = text.encode()
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".py", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def load_module(name: str, path: str, inject: dict) -> types.ModuleType:
    """Import the file ``path`` as module ``name`` with ``inject`` pre-set in its namespace."""
    mod = sys.modules.get(name)
    if mod is not None and getattr(mod, "__file__", None) == path:
        return mod
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    mod.__dict__.update(inject)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return mod


def exec_source(name: str, source: str, filename: str, inject: dict) -> types.ModuleType:
    """Run ``source`` as a fresh module (no file needed; used by the Python backend and for
    drivers). ``filename`` shows in tracebacks (its text is put in ``linecache``)."""
    import linecache
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    mod = types.ModuleType(name)
    mod.__file__ = filename
    mod.__dict__.update(inject)
    exec(compile(source, filename, "exec"), mod.__dict__)
    return mod
