"""The on-disk cache: a versioned directory of content-hash-named, write-once source files.

Layout (``$FUNCGRAD_CACHE_DIR`` or ``~/.cache/funcgrad``)::

    fg-<funcgrad version>-<backend hash>-numba<version>-py<major><minor>/
        rt_<hash>.py      the runtime library (fast exp/log/tanh...), a copy of backend/runtime.py
        k_<hash>.py       one fused kernel per file, shared by every program that uses it
        p_<hash>.py       generated drivers (written for tracebacks and reading; rebuilt in memory)
        __pycache__/      Numba's cache (``cache=True``): index + object code per kernel signature
                          (here even when $NUMBA_CACHE_DIR is set: numba_backend._CacheNextToSource)

Numba's cache key ignores globals and callees, so everything a kernel depends on is in its source
(hashed into its name) or in the runtime library, and the directory name carries a hash of the
backend's own source: editing the backend starts a new directory. Files are written to a temporary
name and renamed (atomic), never rewritten, readable by everyone (0644: a cache can be shared); a
file whose content does not match its hash (corrupt or truncated) is detected on load and written
again. Each Numba entry (index + object files) gets a ``.sha256`` manifest of its content and its
source, checked before it is loaded, and a ``verified`` mark once a process other than the
user's loaded it (``entry_guard``).

An unusable directory (not creatable, read-only, full, unreadable files, deleted while running)
is never an error: ``mark_unusable`` warns once and the backend compiles in memory from then on.

This module does not import numba (the Python backend uses it too).
"""
from __future__ import annotations

import hashlib
import importlib.util
import linecache
import os
import sys
import tempfile
import threading
import types
import warnings
import weakref

_DIR: str | None = None
_DIR_ENV: str | None = None
_UNUSABLE: str | None = None        # why the cache directory cannot be used (None: it can)
_LOCK = threading.RLock()           # module loading and the directory state
_LINECACHE: dict[str, int] = {}     # linecache entries of exec_source: live functions


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
    """The versioned cache directory (created on first use; re-read if the env var changes).
    Never raises: if it cannot be created or written, the cache is marked unusable (see
    ``usable``) and the path is still returned (it names generated files in tracebacks)."""
    global _DIR, _DIR_ENV, _UNUSABLE
    env = os.environ.get("FUNCGRAD_CACHE_DIR", "")
    if _DIR is not None and env == _DIR_ENV:
        return _DIR
    with _LOCK:
        if _DIR is None or env != _DIR_ENV:
            __version__ = _funcgrad_version()
            py = f"{sys.version_info[0]}{sys.version_info[1]}"
            opt = os.environ.get("NUMBA_OPT", "")   # kernels compiled at another level: own dir
            name = f"fg-{__version__}-{_backend_hash()}-numba{_numba_version()}-py{py}" + \
                (f"-O{opt}" if opt else "")
            path = os.path.join(root_dir(), name)
            _UNUSABLE = None
            try:
                os.makedirs(path, exist_ok=True)
                fd, probe = tempfile.mkstemp(prefix=".probe-", dir=path)   # writable?
                os.close(fd)
                os.unlink(probe)
            except OSError as e:
                _DIR, _DIR_ENV = path, env
                mark_unusable(e)
                return path
            _DIR, _DIR_ENV = path, env
    return _DIR


def use_dir(path: str) -> None:
    """Use ``path`` as the cache directory (the compile helper process: its parent's)."""
    global _DIR, _DIR_ENV, _UNUSABLE
    with _LOCK:
        _DIR, _DIR_ENV, _UNUSABLE = path, os.environ.get("FUNCGRAD_CACHE_DIR", ""), None


def usable() -> bool:
    """False once the cache directory turned out unusable in this process (``mark_unusable``)."""
    cache_dir()
    return _UNUSABLE is None


def mark_unusable(reason) -> None:
    """Stop using the cache directory in this process; warn once (a ``RuntimeWarning``)."""
    global _UNUSABLE
    with _LOCK:
        if _UNUSABLE is not None:
            return
        _UNUSABLE = f"{type(reason).__name__}: {reason}" if isinstance(reason, BaseException) \
            else str(reason)
    warnings.warn(f"funcgrad: the jit cache directory {_DIR} cannot be used ({_UNUSABLE}); "
                  f"compiling in memory in this process (set FUNCGRAD_CACHE_DIR to a writable "
                  f"directory to keep compiled code across processes)", RuntimeWarning, stacklevel=3)


def write_once(path: str, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless an identical file is there. Returns True if it
    (re)wrote the file. A file with other content (corrupt, truncated) is replaced. A missing
    directory (deleted while running) is created again. Raises ``OSError`` if it cannot write."""
    data = text.encode()
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return False
    except FileNotFoundError:
        pass
    d = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".py", dir=d)
    except FileNotFoundError:
        os.makedirs(d, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".py", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)       # mkstemp makes 0600 files: others sharing the cache read them
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def write_bytes_atomic(path: str, data: bytes) -> None:
    """``data`` to ``path`` through a temporary file and a rename (0644)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def file_digest(paths) -> str:
    """sha256 over the names and contents of ``paths`` (in the given order)."""
    h = hashlib.sha256()
    for p in paths:
        h.update(os.path.basename(p).encode() + b"\0")
        with open(p, "rb") as f:
            h.update(f.read())
        h.update(b"\0")
    return h.hexdigest()


def load_module(name: str, path: str, inject: dict) -> types.ModuleType:
    """Import the file ``path`` as module ``name`` with ``inject`` pre-set in its namespace.
    Thread-safe: the module is published in ``sys.modules`` only once it has run to the end."""
    mod = sys.modules.get(name)
    if mod is not None and getattr(mod, "__file__", None) == path:
        return mod
    with _LOCK:
        mod = sys.modules.get(name)
        if mod is not None and getattr(mod, "__file__", None) == path:
            return mod
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        mod.__dict__.update(inject)
        spec.loader.exec_module(mod)
        sys.modules[name] = mod
    return mod


def forget_module(name: str) -> None:
    """Drop module ``name`` (loaded by ``load_module``) from ``sys.modules``, and its source
    from ``linecache`` (Numba reads it there when it compiles)."""
    mod = sys.modules.pop(name, None)
    path = getattr(mod, "__file__", None)
    if path:                      # (Numba may have used a relative name)
        base = os.path.basename(path)
        for key in [k for k in list(linecache.cache) if k.endswith(base)]:
            if os.path.abspath(key) == path:
                linecache.cache.pop(key, None)


def exec_source(name: str, source: str, filename: str, inject: dict) -> types.ModuleType:
    r"""Run ``source`` as a fresh module (no file needed; used by the Python backend and for
    drivers). ``filename`` shows in tracebacks: its text is in ``linecache`` while a function
    the source defines is alive (dropping a jitted program, or ``clear_cache``, releases it).

    >>> m = exec_source("_fg_doc", "def f():\n    return 1\n", "<fg-doc-example>", {})
    >>> import gc, linecache; "<fg-doc-example>" in linecache.cache
    True
    >>> del m; _ = gc.collect(); "<fg-doc-example>" in linecache.cache
    False
    """
    mod = types.ModuleType(name)
    mod.__file__ = filename
    mod.__dict__.update(inject)
    code = compile(source, filename, "exec")
    with _LOCK:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        _LINECACHE[filename] = _LINECACHE.get(filename, 0)
    try:
        exec(code, mod.__dict__)
    finally:
        fns = [v for v in list(mod.__dict__.values())
               if isinstance(v, types.FunctionType) and v.__code__.co_filename == filename]
        with _LOCK:
            _LINECACHE[filename] += len(fns)
            if not _LINECACHE[filename]:
                del _LINECACHE[filename]     # nothing to show it for (kept for a traceback now)
        for fn in fns:
            weakref.finalize(fn, _release_source, filename)
    return mod


def _release_source(filename: str) -> None:
    with _LOCK:
        n = _LINECACHE.get(filename, 0) - 1
        if n > 0:
            _LINECACHE[filename] = n
            return
        _LINECACHE.pop(filename, None)
        linecache.cache.pop(filename, None)


def forget_source(filename: str) -> None:
    """Remove ``filename``'s text that ``exec_source`` put in ``linecache`` now."""
    with _LOCK:
        _LINECACHE.pop(filename, None)
        linecache.cache.pop(filename, None)


def forget_sources() -> int:
    """Remove every ``linecache`` entry ``exec_source`` made; returns how many."""
    with _LOCK:
        names = list(_LINECACHE)
        for fn in names:
            linecache.cache.pop(fn, None)
        _LINECACHE.clear()
    return len(names)
