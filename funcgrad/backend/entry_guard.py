"""The guard of Numba's disk cache entries: a manifest with a content hash, and a ``verified``
mark once another process than the user's loaded the entry (see the comment below).

This module does not import numba; ``numba_backend`` hands it the dispatchers it loads.
"""
from __future__ import annotations

import contextlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
import warnings

from . import cache

_GUARD = threading.Lock()


# --------------------------------------------------------------------------- cache guard
#
# Numba's cache entry of a function is an index (``<base>.nbi``) and object files
# (``<base>.<n>.nbc``). Numba trusts them: a swapped or bit-flipped object file gives wrong
# results or crashes, in every later process. Each entry therefore gets a manifest
# (``<base>.sha256``: a hash of the source, index and object files) written right after Numba
# saves it, and an entry whose files do not match their manifest, or have none, is dropped and
# compiled again before Numba loads it. Reading or writing errors make the cache unusable for
# this process (compiling in memory, one warning).
#
# A hash only proves the files are the ones written; an entry written by a broken compile can
# still crash the process that loads it. So the manifest also records ``verified`` once the
# entry was loaded from disk by a process that is not the user's: the compile helper process
# loads what it (and, when it is running anyway, its parent) wrote. Any other process loading an
# entry without the mark first loads it in its checking child (``check_worker``: one per
# process, started on first need and kept, since starting Python and Numba costs far more than
# loading an entry; each request has a timeout): if the child dies or fails, the entry is
# dropped and compiled again (one warning) and the next check starts a new child; otherwise the
# entry is marked. A verified entry costs nothing more than its hash check. (With one child per
# check, a second process loading 199 small programs another process had compiled took 72 s,
# against 26 s for the cold compile; with one per process it takes 2.7 s.)

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: the start of a backend child's command: it imports only the backend (and the core modules it
#: uses), not the whole ``funcgrad`` package (its NumPy API, transforms, ...), through a stand-in
#: package module with the real directory as its ``__path__`` (0.24 against 0.39 s)
_CHILD_PRELUDE = ("import os, sys, types; sys.path.insert(0, {root!r}); "
                  "_p = types.ModuleType('funcgrad'); "
                  "_p.__path__ = [os.path.join({root!r}, 'funcgrad')]; "
                  "sys.modules['funcgrad'] = _p; ").format(root=_ROOT)


def start_backend_child(module: str, function: str, stdout) -> subprocess.Popen:
    """A Python child running ``funcgrad.backend.<module>.<function>()`` (the compile helper, the
    checking child), with stdin a pipe, without parallel compile of its own. It ends with
    ``os._exit``: its parent waits for it, and the interpreter's teardown with Numba loaded took
    0.2 s (the compile helper's last entry was written at 1.37 s, its parent's wait was over at
    1.58 s, of a 1.6 s cold first W1 step). Its files are written and closed by then."""
    code = (_CHILD_PRELUDE + f"from funcgrad.backend.{module} import {function}; {function}(); "
            "os._exit(0)")
    env = dict(os.environ, FUNCGRAD_PARALLEL_COMPILE="0")
    return subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.PIPE,
                            stdout=stdout, stderr=subprocess.DEVNULL, close_fds=True, bufsize=0)
_CHECK_TIMEOUT = float(os.environ.get("FUNCGRAD_CACHE_CHECK_TIMEOUT", "") or 120.0)
_VERIFIED = " verified"
_NOT_USERS = [False]       # True in the helper and checking processes: load entries directly


def _entry_files(c) -> tuple[str, str, list[str]]:
    """(manifest path, index path, [source, index, *object files]) of Numba cache ``c``."""
    base = c._impl.filename_base
    path = c._cache_path
    index = os.path.join(path, base + ".nbi")
    try:
        objs = sorted(f for f in os.listdir(path) if f.startswith(base + ".") and f.endswith(".nbc"))
    except FileNotFoundError:
        objs = []
    source = c._py_func.__code__.co_filename
    return (os.path.join(path, base + ".sha256"), index,
            [source, index] + [os.path.join(path, f) for f in objs])


def _entry_state(c) -> tuple[str, str | None]:
    """``(state, digest)``: state ``"absent"`` (no index), ``"damaged"`` (no manifest, or files
    that do not match it: warned), ``"unverified"`` (intact, never loaded by another process)
    or ``"verified"``."""
    manifest, index, files = _entry_files(c)
    if not os.path.exists(index):
        return "absent", None
    try:
        with open(manifest) as f:
            recorded = f.read().strip()
    except FileNotFoundError:
        return "damaged", None     # unhashed (written by a process that did not finish)
    digest = cache.file_digest(files)
    verified = recorded.endswith(_VERIFIED)
    if recorded.removesuffix(_VERIFIED) != digest:
        _warn_damaged(f"{os.path.basename(index)[:-4]}: its files do not match their hash")
        return "damaged", None
    return ("verified" if verified else "unverified"), digest


def _marked_verified(c) -> bool:
    """The manifest carries the ``verified`` mark (its hash is not checked here)."""
    try:
        with open(_entry_files(c)[0]) as f:
            return f.read().endswith(_VERIFIED)
    except OSError:
        return False


def _mark_verified(c, digest: str) -> None:
    """Record in the manifest that the entry with files hashing to ``digest`` loads (the caller
    holds the entry's lock); nothing if the files changed meanwhile or cannot be written."""
    manifest, _, files = _entry_files(c)
    try:
        if cache.file_digest(files) == digest:
            cache.write_bytes_atomic(manifest, (digest + _VERIFIED).encode())
    except OSError:
        pass                         # still unverified: checked again by the next process


def _load_from_disk(disp) -> bool:
    """Load every overload of ``disp``'s cache entry from its files (what a new process does);
    True if there was one. A damaged entry may raise, or crash this process."""
    c = disp._cache
    ctx = disp.targetctx
    ctx.refresh()
    overloads = c._cache_file._load_index()
    for data_name in overloads.values():
        c._impl.rebuild(ctx, c._cache_file._load_data(data_name))
    return bool(overloads)


def _entry_ref(disp) -> dict:
    return {"file": disp.py_func.__code__.co_filename, "func": disp.py_func.__name__}


_RESOLVER: list = []


def dispatcher_resolver(fn) -> None:
    """``numba_backend`` registers ``fn(ref) -> dispatcher`` (an ``_entry_ref`` loaded here)."""
    _RESOLVER[:] = [fn]


def _dispatcher_of(ref: dict):
    """The (guarded) dispatcher an ``_entry_ref`` names, in this process."""
    if not _RESOLVER:
        from . import numba_backend  # noqa: F401  (registers the resolver)
    return _RESOLVER[0](ref)


def check_worker() -> None:
    """The checking process: for each request on stdin (a JSON line: the cache directory and
    entries), load each entry from disk, printing ``start <i>`` before and ``ok <i>`` /
    ``fail <i>`` after, so the parent knows which one crashed, then ``end``. It lives as long as
    its parent (one per process: starting Python and Numba costs more than loading an entry). It
    marks nothing: the parent does, holding the entries' locks."""
    _NOT_USERS[0] = True
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        spec = json.loads(line)
        cache.use_dir(spec["dir"])
        for i, ref in enumerate(spec["entries"]):
            print("start", i, flush=True)
            try:
                ok = _load_from_disk(_dispatcher_of(ref))
            except Exception:
                ok = False
            print("ok" if ok else "fail", i, flush=True)
        print("end", flush=True)


_NO_CHILD = [False]          # a child could not run (or timed out before starting): stop trying
_CHECKER: list = [None]      # the checking process of this process: (pid of its parent, Popen)
_CHECKER_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    global _CHECKER_LOCK
    _CHECKER_LOCK = threading.Lock()    # (another thread may have held it at the fork)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _checker():
    """This process's checking child, started on first use (a new one after a crash, and in a
    forked process)."""
    cur = _CHECKER[0]
    if cur is not None and cur[0] == os.getpid() and cur[1].poll() is None:
        return cur[1]
    proc = start_backend_child("entry_guard", "check_worker", subprocess.PIPE)
    if cur is None:
        import atexit
        atexit.register(_stop_checker)
    _CHECKER[0] = (os.getpid(), proc)
    return proc


def _stop_checker() -> None:
    cur = _CHECKER[0]
    if cur is None or cur[0] != os.getpid():
        return
    _CHECKER[0] = None
    proc = cur[1]
    with contextlib.suppress(Exception):
        proc.stdin.close()            # (the worker ends at end of input)
        proc.wait(timeout=2)
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _read_reply(proc, deadline: float) -> tuple[list[str], bool]:
    """The checker's lines up to ``end``; ``(lines, finished)``: not finished if it died or the
    deadline passed."""
    fd = proc.stdout.fileno()
    lines, buf = [], b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return lines, False
            chunk = os.read(fd, 65536)
            if not chunk:
                return lines, False
            buf += chunk
            *done, buf = buf.split(b"\n")
            for ln in done:
                text = ln.decode()
                if text == "end":
                    return lines, True
                lines.append(text)


def _check_in_child(refs: list) -> list:
    """Load the entries ``refs`` in the checking child: a list of ``True`` (loads), ``False``
    (failed or crashed the child: drop it) or ``None`` (not reached, or no child could run)."""
    result: list = [None] * len(refs)
    with _CHECKER_LOCK:
        if _NO_CHILD[0]:
            return result
        request = (json.dumps({"dir": cache.cache_dir(), "entries": refs}) + "\n").encode()
        for attempt in (0, 1):       # (a kept child may have died since: one retry, fresh)
            fresh = _CHECKER[0] is None or _CHECKER[0][0] != os.getpid() \
                or _CHECKER[0][1].poll() is not None
            try:
                proc = _checker()
                proc.stdin.write(request)
                proc.stdin.flush()
                break
            except OSError:
                _stop_checker()
                if attempt or fresh:
                    _NO_CHILD[0] = True
                    return result
        lines, finished = _read_reply(proc, time.monotonic() + _CHECK_TIMEOUT)
        if not finished:
            _stop_checker()           # died, or hung: killed (the next check starts another)
        started = None
        for line in lines:
            word, _, i = line.partition(" ")
            if word == "start":
                started = int(i)
            elif word in ("ok", "fail"):
                result[int(i)] = word == "ok"
                started = None
        if not finished and started is not None:
            result[started] = False   # it crashed (or hung) loading this one
        elif not finished and fresh and not lines:
            _NO_CHILD[0] = True       # the child itself does not run (or too slowly)
    return result


def _crashed(disp, c, ok) -> None:
    """Drop an entry that failed (``ok`` False) or could not be checked (None) in a child."""
    why = "it failed or crashed when loaded" if ok is False else "it could not be loaded"
    _warn_damaged(f"{disp.py_func.__name__}: {why} in a separate process")
    _drop_cache_files(c)


def check_entries(disps) -> None:
    """Check the unverified cache entries of ``disps`` in one child process before this process
    loads them (``load_kernels`` calls it for a program's kernels, so a warm start pays at most
    one child, once per entry)."""
    if _NOT_USERS[0] or not cache.usable():
        return
    todo = []
    for d in disps:
        c = getattr(d, "_cache", None)
        if c is None or not getattr(c, "_fg_guarded", False) or _marked_verified(c):
            continue                 # (a verified entry's hash is checked when it is loaded)
        try:
            with _entry_lock(c):
                state, digest = _entry_state(c)
                if state == "damaged":
                    _drop_cache_files(c)
                elif state == "unverified":
                    todo.append((d, c, digest))
        except OSError:
            return
    while todo:
        results = _check_in_child([_entry_ref(d) for d, _, _ in todo])
        give_up = _NO_CHILD[0] and all(r is None for r in results)
        for (d, c, digest), ok in zip(todo, results):
            if ok is None and not give_up:
                continue             # not reached: the next round
            with _entry_lock(c):
                if ok:
                    _mark_verified(c, digest)
                elif _entry_state(c) == ("unverified", digest):
                    _crashed(d, c, ok)   # (not checked: compiled again, never loaded unchecked)
        todo = [] if give_up else [t for t, ok in zip(todo, results) if ok is None]


_DAMAGE_WARNED: list[str] = []


def _warn_damaged(what: str) -> None:
    """One warning per process for damaged cache entries (each is dropped and recompiled)."""
    with _GUARD:
        first = not _DAMAGE_WARNED
        _DAMAGE_WARNED.append(what)
    if first:
        warnings.warn(f"funcgrad: a damaged jit cache entry ({what}) was dropped and is compiled "
                      f"again (further ones in this process are repaired silently)",
                      RuntimeWarning, stacklevel=5)


@contextlib.contextmanager
def _entry_lock(c):
    """An exclusive ``flock`` on ``<base>.lock`` while an entry is saved with its manifest, or
    checked and loaded, so that processes sharing the cache never see one without the other."""
    try:
        import fcntl
        fd = os.open(os.path.join(c._cache_path, c._impl.filename_base + ".lock"),
                     os.O_CREAT | os.O_RDWR, 0o666)
    except (ImportError, OSError):    # no flock (Windows), or no directory: unlocked
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                  # (closing releases the lock)


#: a list while ``load_kernels`` runs a compile helper: the entries this process writes meanwhile
#: (the helper verifies them)
_COLLECT: list = [None]


def guard_cache(disp) -> None:
    """Check Numba's cache entry of ``disp`` against its manifest before loading it (and, if no
    process but its writer loaded it yet, in a child process first); make a corrupt entry a
    recompilation and an unwritable cache a warning, not an exception."""
    c = getattr(disp, "_cache", None)
    if c is None or not hasattr(c, "load_overload") or getattr(c, "_fg_guarded", False):
        return
    load, save = c.load_overload, c.save_overload

    def safe_load(sig, target_context):
        if not cache.usable():
            return None
        try:
            with _entry_lock(c):
                state, digest = _entry_state(c)
                if state == "damaged":
                    _drop_cache_files(c)
                    return None
                if state == "unverified" and not _NOT_USERS[0]:
                    ok = _check_in_child([_entry_ref(disp)])[0]
                    if not ok:       # crashed, failed, or could not be checked: compile anew
                        _crashed(disp, c, ok)
                        return None
                    _mark_verified(c, digest)
                data = load(sig, target_context)
                if data is not None and state == "unverified" and _NOT_USERS[0]:
                    _mark_verified(c, digest)     # loaded from disk, not in the user's process
                return data
        except OSError as e:      # unreadable (another user's files, deleted directory...)
            cache.mark_unusable(e)
            return None
        except Exception as e:   # corrupt/partial index or data file
            _warn_damaged(f"{disp.py_func.__name__}: {type(e).__name__}: {e}")
            _drop_cache_files(c)
            return None

    def safe_save(sig, data):
        if not cache.usable():
            return None
        try:
            with _entry_lock(c):
                try:
                    save(sig, data)
                except Exception:
                    _drop_cache_files(c)
                    save(sig, data)
                manifest, _, files = _entry_files(c)
                try:
                    digest = cache.file_digest(files)
                    cache.write_bytes_atomic(manifest, digest.encode())
                except OSError:
                    return None      # no manifest: the entry is compiled again next time
                if _NOT_USERS[0]:    # the helper: verify it by loading it from disk here
                    with contextlib.suppress(Exception):
                        if _load_from_disk(disp):
                            _mark_verified(c, digest)
                elif _COLLECT[0] is not None:      # a compile helper is running: it verifies
                    _COLLECT[0].append(_entry_ref(disp))
        except Exception as e:   # an unwritable cache is not an error: the code still runs
            cache.mark_unusable(e)
        return None

    c.load_overload, c.save_overload = safe_load, safe_save
    c._fg_guarded = True


def _drop_cache_files(c) -> None:
    base = c._impl.filename_base
    path = c._cache_path
    try:
        names = os.listdir(path)
    except OSError:
        return
    for fn in names:
        if fn.startswith(base + ".") and not fn.endswith(".lock"):
            try:
                os.unlink(os.path.join(path, fn))
            except OSError:
                pass
