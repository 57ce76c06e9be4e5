"""Numba: the only funcgrad module that imports it (``import funcgrad`` stays fast; the first
``jit`` call pays Numba's start-up).

- The runtime library (``runtime.py``) is copied into the cache directory and loaded with ``njit``
  and bit-cast intrinsics injected, so its compiled code is cached there too.
- Each kernel is its own ``k_<hash>.py`` file with one ``@njit(cache=True)`` function: a new process
  loads it from Numba's cache instead of compiling, and programs share kernels.
- Numba's cache files are guarded: a corrupt index or data file (unpickling fails) is reported,
  dropped and recompiled instead of crashing the call.
"""
from __future__ import annotations

import os
import sys
import time
import warnings

import numba
from llvmlite import ir
from numba import njit, types
from numba.core import errors as nb_errors
from numba.extending import intrinsic

from . import cache


def _defer_numba_blas_check() -> None:
    """Numba's first compile loads its NumPy registries, and ``numba.np.arraymath`` checks for
    BLAS on import by importing ``scipy.linalg`` (0.3-0.4 s here, a third of a warm start).
    Our kernels never call BLAS (the driver calls it through NumPy), so let that import-time
    check fail fast. Only ``arraymath``'s inner-product helper (``np.correlate``...) then uses
    its plain loop; ``np.dot``/``np.linalg`` in Numba code still import SciPy when first typed."""
    import sys
    if "numba.np.arraymath" in sys.modules:
        return
    import numba.np.linalg as nl
    real = nl.ensure_blas

    def deferred():
        raise ImportError("BLAS check deferred by funcgrad")

    nl.ensure_blas = deferred
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        nl.ensure_blas = real


_defer_numba_blas_check()

# --------------------------------------------------------------------------- bit casts

def _bitcast(src, dst, llty):
    @intrinsic
    def cast(typingctx, x):
        if x != src:
            return None
        sig = dst(src)

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llty)
        return sig, codegen
    return cast


_i32_as_f32 = _bitcast(types.int32, types.float32, ir.FloatType())
_f32_as_i32 = _bitcast(types.float32, types.int32, ir.IntType(32))
_i64_as_f64 = _bitcast(types.int64, types.float64, ir.DoubleType())
_f64_as_i64 = _bitcast(types.float64, types.int64, ir.IntType(64))

_RT = None
_KERNELS: dict[str, object] = {}
compile_log: list[tuple[str, str, float]] = []    # (kernel name, signature, seconds)


def runtime():
    """The runtime library compiled by Numba (loaded from the cache directory)."""
    global _RT
    if _RT is None:
        here = os.path.dirname(os.path.abspath(__file__))
        with open(os.path.join(here, "runtime.py")) as f:
            src = f.read()
        name = f"rt_{cache.source_hash(src)}"
        path = os.path.join(cache.cache_dir(), name + ".py")
        cache.write_once(path, src)
        _RT = cache.load_module(f"_funcgrad_{name}", path, {
            "njit": njit, "i32_as_f32": _i32_as_f32, "f32_as_i32": _f32_as_i32,
            "i64_as_f64": _i64_as_f64, "f64_as_i64": _f64_as_i64})
        for v in vars(_RT).values():
            if isinstance(v, numba.core.registry.CPUDispatcher):
                _guard_cache(v)
    return _RT


# --------------------------------------------------------------------------- cache guard

def _guard_cache(disp) -> None:
    """Make a corrupt Numba cache file a recompilation instead of an exception."""
    c = getattr(disp, "_cache", None)
    if c is None or not hasattr(c, "load_overload") or getattr(c, "_fg_guarded", False):
        return
    load, save = c.load_overload, c.save_overload

    def safe_load(sig, target_context):
        try:
            return load(sig, target_context)
        except Exception as e:   # corrupt/partial index or data file
            warnings.warn(f"funcgrad: dropping a corrupt Numba cache entry for "
                          f"{disp.py_func.__name__} ({type(e).__name__}: {e}); recompiling",
                          RuntimeWarning, stacklevel=2)
            _drop_cache_files(c)
            return None

    def safe_save(sig, data):
        try:
            return save(sig, data)
        except Exception:
            _drop_cache_files(c)
            try:
                return save(sig, data)
            except Exception:   # an unwritable cache is not an error: the code still runs
                return None

    c.load_overload, c.save_overload = safe_load, safe_save
    c._fg_guarded = True


def _drop_cache_files(c) -> None:
    impl = c._impl
    prefix = impl.filename_base if hasattr(impl, "filename_base") else None
    path = c._cache_path
    if prefix is None:
        prefix = c._cache_file._index_name[:-len(".nbi")]
    for fn in os.listdir(path):
        if fn.startswith(prefix):
            try:
                os.unlink(os.path.join(path, fn))
            except OSError:
                pass


# --------------------------------------------------------------------------- kernels

def _numba_type(spec):
    """``("array", dtype, ndim)``, ``("scalar", dtype)`` or ``("int",)`` -> a Numba type."""
    if spec[0] == "int":
        return types.int64
    if spec[0] == "scalar":
        return numba.from_dtype(spec[1])
    _, dtype, ndim = spec
    return types.Array(numba.from_dtype(dtype), ndim, "C")


def load_kernel(name: str, source: str, signature=None):
    """The dispatcher of kernel ``name`` (``k_<hash>``) defined by ``source``; compiled (or loaded
    from Numba's cache) for ``signature`` (a list of arg specs) right away when given."""
    disp = _KERNELS.get(name)
    if disp is None:
        path = os.path.join(cache.cache_dir(), name + ".py")
        cache.write_once(path, source)
        mod = cache.load_module(f"_funcgrad_{name}", path, {"njit": njit, "rt": runtime()})
        disp = getattr(mod, name)
        _guard_cache(disp)
        _KERNELS[name] = disp
    if signature is not None:
        sig = tuple(_numba_type(s) for s in signature)
        if sig not in disp.overloads:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", nb_errors.NumbaWarning)
                disp.compile(sig)
            compile_log.append((name, str(sig), time.perf_counter() - t0))
    return disp


def _cached_on_disk(name: str) -> bool:
    d = os.path.join(cache.cache_dir(), "__pycache__")
    try:
        return any(f.startswith(name + ".") and f.endswith(".nbi") for f in os.listdir(d))
    except OSError:
        return False


def load_kernels(kernels) -> dict:
    """Compile or load ``kernels`` (``codegen.Kernel`` objects); returns ``{name: dispatcher}``.

    Kernels missing from both this process and the disk cache compile on two cores when there
    are several (Numba compiles one function at a time under a global lock): a forked child
    compiles every other one into the disk cache while this process compiles the rest, then
    loads the child's from the cache. ``FUNCGRAD_PARALLEL_COMPILE=0`` turns this off."""
    todo = [k for k in kernels if k.name not in _KERNELS and not _cached_on_disk(k.name)]
    if (len(todo) >= 3 and hasattr(os, "fork") and sys.platform.startswith("linux")
            and (os.cpu_count() or 1) > 1 and os.environ.get("FUNCGRAD_PARALLEL_COMPILE", "1") != "0"):
        theirs, mine = todo[0::2], todo[1::2]
        pid = os.fork()
        if pid == 0:                                   # child: compile into the disk cache, exit
            code = 1
            try:
                for k in theirs:
                    load_kernel(k.name, k.source, k.signature)
                code = 0
            finally:
                os._exit(code)
        try:
            for k in mine:
                load_kernel(k.name, k.source, k.signature)
        finally:
            os.waitpid(pid, 0)
    out = {}
    for k in kernels:
        try:
            out[k.name] = load_kernel(k.name, k.source, k.signature)
        except Exception as e:
            e.funcgrad_kernel = k.name     # lets the caller name the equations it fuses
            raise
    return out


def cache_stats() -> dict:
    """Numba cache hits/misses of the kernels loaded in this process (for tests and debugging)."""
    hits = misses = 0
    for disp in _KERNELS.values():
        st = disp.stats
        hits += sum(st.cache_hits.values())
        misses += sum(st.cache_misses.values())
    return {"kernels": len(_KERNELS), "hits": hits, "misses": misses}
