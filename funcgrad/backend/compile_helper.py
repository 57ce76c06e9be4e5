"""The parallel compile: a helper process compiles a program's new kernels on the second core.

Numba compiles one function at a time (a process-wide lock), so a program with many new kernels
compiles them on two cores: a helper *process* (``subprocess``, never ``fork``: forking a process
whose other threads hold Numba's or the import lock deadlocks the child, and JAX warns about it)
compiles kernels into the same disk cache, taking them from the end of the list while this
process takes them from the front (``numba_backend.load_kernels``). Each kernel is claimed by
creating a file (``O_EXCL``), so none is compiled twice; whatever the helper did not finish (it
failed, was slow, or was killed) is compiled here. The helper is always reaped, Ctrl-C included.
``FUNCGRAD_PARALLEL_COMPILE=0`` turns it off.

This module does not import Numba: ``program.load`` starts the helper *before* this process
imports Numba, so the helper's start (Python, NumPy, Numba: about 0.3 s) overlaps that import
(0.2 s of a cold first call).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

from . import cache
from .entry_guard import start_backend_child

WORKER_TIMEOUT = 600.0


class Helper:
    """A running helper: its process, its claims directory and the kernels it was given."""

    __slots__ = ("proc", "claims", "todo")

    def __init__(self, proc, claims: str, todo: list):
        self.proc, self.claims, self.todo = proc, claims, todo


def missing_from_disk(kernels) -> list:
    """The ``kernels`` Numba's disk cache holds no entry (index file) for; one directory listing
    for all of them (Numba names an index ``<module>.<function>-<line>.py<ver>.nbi``, and a
    kernel's module is its name)."""
    d = os.path.join(cache.cache_dir(), "__pycache__")
    try:
        have = {f.split(".", 1)[0] for f in os.listdir(d) if f.endswith(".nbi")}
    except OSError:
        return list(kernels)
    return [k for k in kernels if k.name not in have]


def claim(claims: str, name: str, owner: str) -> bool:
    """Take kernel ``name`` for ``owner`` (``"parent"`` or ``"worker"``); False if taken."""
    try:
        fd = os.open(os.path.join(claims, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    os.write(fd, owner.encode())
    os.close(fd)
    return True


def wanted(todo) -> bool:
    """Whether kernels ``todo`` (missing from the disk cache) are worth a helper."""
    return (len(todo) >= 3 and (os.cpu_count() or 1) > 1 and cache.usable()
            and os.environ.get("FUNCGRAD_PARALLEL_COMPILE", "1") != "0")


def compile_cost(kernel) -> int:
    """A rough estimate of a kernel's compile time, for ordering: its source's length, plus the
    runtime-library calls Numba inlines (measured on W1's 11 kernels: 0.08 s for the shortest
    source, 0.55 s for the longest, with an ``exp`` and a ``log``)."""
    return len(kernel.source) + 250 * kernel.source.count("rt.")


def start(todo) -> Helper | None:
    """A helper compiling ``todo`` (``codegen.Kernel`` objects), or None (not wanted, or it could
    not start). ``Helper.todo`` is ``todo`` from the costliest to the cheapest: this process
    compiles from the front while the helper, which starts later, takes the cheap end, and the
    two meet on a cheap kernel (in program order, the parent compiled the last long kernel while
    the helper waited)."""
    if not wanted(todo):
        return None
    todo = sorted(todo, key=compile_cost, reverse=True)
    try:
        claims = tempfile.mkdtemp(prefix=".claims-", dir=cache.cache_dir())
    except OSError:
        return None
    spec = {"dir": cache.cache_dir(), "claims": claims, "kernels": [
        {"name": k.name, "source": k.source,
         "signature": [[s[0], np.dtype(s[1]).str, *s[2:]] if s[0] in ("array", "scalar")
                       else list(s) for s in k.signature]} for k in todo]}
    try:
        proc = start_backend_child("numba_backend", "_compile_worker", subprocess.DEVNULL)
        proc.stdin.write(json.dumps(spec).encode() + b"\n")
        proc.stdin.flush()
    except OSError:
        shutil.rmtree(claims, ignore_errors=True)
        return None
    return Helper(proc, claims, list(todo))


def finish(helper: Helper, ok: bool, saved=()) -> None:
    """Wait for the helper if it holds claims, first handing it the entries ``saved`` here to
    verify (kill it on an error, Ctrl-C or after the timeout); always reap it (even if
    interrupted again meanwhile) and remove the claims."""
    proc, claims = helper.proc, helper.claims
    interrupted = None
    try:
        if ok and proc.poll() is None and _has_claims(claims):
            with contextlib.suppress(OSError):
                proc.stdin.write(json.dumps(list(saved)).encode() + b"\n")
            with contextlib.suppress(OSError):
                proc.stdin.close()
            proc.wait(timeout=WORKER_TIMEOUT)
    except BaseException as e:    # TimeoutExpired, KeyboardInterrupt...
        interrupted = e
    while True:
        try:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            with contextlib.suppress(OSError):
                proc.stdin.close()
            break
        except BaseException as e:   # a second Ctrl-C while reaping: reap anyway
            interrupted = interrupted or e
    shutil.rmtree(claims, ignore_errors=True)
    if interrupted is not None and not isinstance(interrupted, subprocess.TimeoutExpired):
        raise interrupted


def _has_claims(claims: str) -> bool:
    try:
        for f in os.listdir(claims):
            with open(os.path.join(claims, f)) as fh:
                if fh.read() == "worker":
                    return True
    except OSError:
        return True
    return False
