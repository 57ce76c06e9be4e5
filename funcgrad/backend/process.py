"""Everything the jit backend changes for the whole process, behind one switch.

``FUNCGRAD_PROCESS_TUNING=0`` turns all of it off (then programs run on one lane, with NumPy's
BLAS threads and the C library's allocator as they are):

- **BLAS threads** (``blas_threads_control``): during a phase run on all lanes, OpenBLAS runs one
  thread per call (``openblas_set_num_threads``), restored after; process-global in
  OpenBLAS 0.3.x, so NumPy matmuls of the user's other threads run on one thread meanwhile.
  Likewise a region whose loop multiplies small matrices runs with the compiled code's BLAS
  (SciPy's, ``kernel_blas_threads_control``) on one thread (``run_on_one_blas_thread``).
- **Lane threads** (``run_phase``): one sleeping worker thread per extra lane, started on the
  first phase; a forked child forgets the parent's (``os.register_at_fork``).
- **Allocator** (``tune_malloc``): glibc keeps freed memory mapped (a jitted step allocates and
  frees the same large arrays every call; page faults cost 25% of an MLP step here).
"""
from __future__ import annotations

import os
import sys
import threading

import numpy as np


def enabled() -> bool:
    """``$FUNCGRAD_PROCESS_TUNING`` is not ``0``."""
    return os.environ.get("FUNCGRAD_PROCESS_TUNING", "1").strip() != "0"


# --------------------------------------------------------------------------- BLAS threads

_BLAS: dict = {}


def _openblas_setter(prefer: str):
    """``set(n) -> previous`` for the thread count of the loaded OpenBLAS whose path starts with
    ``prefer`` (else the first loaded one), or None.

    The process-wide ``openblas_set_num_threads`` (SciPy's and NumPy's builds prefix it with
    ``scipy_`` and NumPy's suffixes ``64_``), not ``openblas_set_num_threads_local``: in these
    pthreads builds the ``_local`` call is accepted and ignored, so the products of a region's
    loop ran on two threads, the second spinning a whole core (measured: a W8 step burnt 11 ms of
    CPU in 5.6 ms; 5.7 ms in 5.1 ms with the global call)."""
    try:
        import ctypes
        paths = []
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1] if len(line.split()) >= 6 else ""
                if "openblas" in os.path.basename(p).lower() and p not in paths:
                    paths.append(p)
        paths.sort(key=lambda p: not p.startswith(prefer))
        for p in paths:
            lib = ctypes.CDLL(p)
            for prefix in ("scipy_", ""):
                for suffix in ("64_", ""):
                    set_n = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
                    get_n = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
                    if set_n is not None and get_n is not None:
                        set_n.argtypes, set_n.restype = [ctypes.c_int], None
                        get_n.argtypes, get_n.restype = [], ctypes.c_int

                        def set_threads(n, set_n=set_n, get_n=get_n):
                            previous = get_n()
                            set_n(n)
                            return previous
                        return set_threads
    except (OSError, AttributeError):
        pass
    return None


def _control(which: str, prefer) -> object:
    if not enabled():
        return None
    if which not in _BLAS:
        _BLAS[which] = _openblas_setter(prefer())
    return _BLAS[which]


def _numpy_dir() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))


def _scipy_libs_dir() -> str:
    import scipy
    import scipy.linalg.cython_blas  # noqa: F401  (loads the OpenBLAS looked for: Numba's np.dot)
    return os.path.dirname(os.path.abspath(scipy.__file__)) + ".libs"


def blas_threads_control():
    """``set(n) -> previous`` for the OpenBLAS NumPy uses (the driver's matmuls), or None (not
    found / not OpenBLAS, or process-wide tuning off)."""
    return _control("numpy", _numpy_dir)


def kernel_blas_threads_control():
    """``set(n) -> previous`` for the OpenBLAS that compiled code's ``np.dot`` calls (Numba
    goes through SciPy's BLAS, a separate library with its own threads), or None."""
    return _control("kernels", _scipy_libs_dir)


def run_on_one_blas_thread(fn, *args):
    """``fn(*args)`` with compiled code's BLAS on one thread (restored after).

    A region's loop calls ``np.dot`` on small matrices once per step (an RNN cell: 32x128 by
    128x128); on two threads OpenBLAS keeps its second thread spinning through the loop for
    little gain (measured on W8's backward loop: 1.4 ms using 2.8 ms of CPU, against 1.5 ms
    using 1.5 ms), and that core is then missing from the lanes and from other libraries."""
    set_threads = kernel_blas_threads_control()
    if set_threads is None:
        return fn(*args)
    old = set_threads(1)
    try:
        return fn(*args)
    finally:
        if old > 0:
            set_threads(old)


# --------------------------------------------------------------------------- the lane pool

class _Worker:
    def __init__(self, index):
        self.index = index
        self.go = threading.Event()
        self.done = threading.Event()
        self.job = None
        self.error = None
        self.thread = threading.Thread(target=self._loop, name=f"funcgrad-lane-{index}",
                                       daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            self.go.wait()
            self.go.clear()
            job, self.job = self.job, None
            try:            # (run_phase has set BLAS to one thread, process-wide)
                job(self.index)
            except BaseException as e:   # handed to the caller of run_phase
                self.error = e
            finally:
                self.done.set()


class _Pool:
    def __init__(self, n):
        self.n = n
        self.lock = threading.Lock()
        self.workers = [_Worker(j) for j in range(1, n)]
        self.pid = os.getpid()


_POOLS: dict = {}
_POOLS_LOCK = threading.Lock()


def _forget_pools():
    """In a forked child: the parent's lane threads do not exist here (nor may its locks be
    released); the first phase starts new ones."""
    global _POOLS_LOCK
    _POOLS.clear()
    _POOLS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def _pool(n):
    p = _POOLS.get(n)
    if p is None or p.pid != os.getpid():
        with _POOLS_LOCK:
            p = _POOLS.get(n)
            if p is None or p.pid != os.getpid():
                p = _POOLS[n] = _Pool(n)
    return p


def run_phase(fn, n: int) -> None:
    """Run ``fn(j)`` for lanes ``j = 0..n-1``: lane 0 here, the others on the pool's threads."""
    pool = _pool(n)
    if not pool.lock.acquire(blocking=False):     # another thread's phase is running
        for j in range(n):
            fn(j)
        return
    try:
        blas = blas_threads_control()
        old = blas(1) if blas is not None else None
        try:
            for w in pool.workers:
                w.error = None
                w.done.clear()
                w.job = fn
                w.go.set()
            error = None
            try:
                fn(0)
            except BaseException as e:
                error = e
            for w in pool.workers:
                while True:    # even on Ctrl-C: the next phase must not start before this one ends
                    try:
                        w.done.wait()
                        break
                    except BaseException as e:
                        error = error or e
                if error is None and w.error is not None:
                    error = w.error
        finally:
            if blas is not None and old is not None and old > 0:
                blas(old)
        if error is not None:
            raise error
    finally:
        pool.lock.release()


# --------------------------------------------------------------------------- the allocator

_MALLOC_TUNED = []


def tune_malloc() -> bool:
    """Keep freed memory mapped (glibc only).

    A jitted training step allocates and frees the same few large arrays every call (matmul
    outputs, gradients, new parameters). With glibc's defaults these come from fresh ``mmap``s
    or a trimmed heap, and every call pays a page fault per 4 KiB touched (measured: 25% of the
    W1 step on this 2-core VM). Like XLA's and PyTorch's caching allocators, we keep that memory
    instead: allocations up to 32 MiB come from the heap and up to 256 MiB of free heap is kept
    (``mallopt(M_MMAP_THRESHOLD)``, ``mallopt(M_TRIM_THRESHOLD)``; process-wide, set once on the
    first compile)."""
    if _MALLOC_TUNED:
        return _MALLOC_TUNED[0]
    ok = False
    if enabled() and sys.platform.startswith("linux"):
        try:
            import ctypes
            libc = ctypes.CDLL("libc.so.6")
            m_trim_threshold, m_mmap_threshold = -1, -3
            ok = bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and \
                bool(libc.mallopt(m_trim_threshold, 256 << 20))
        except (OSError, AttributeError):
            ok = False
    _MALLOC_TUNED.append(ok)
    return ok
