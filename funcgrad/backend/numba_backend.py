"""Numba: the only funcgrad module that imports it (``import funcgrad`` stays fast; the first
``jit`` call pays Numba's start-up).

- The runtime library (``runtime.py``) is copied into the cache directory and loaded with ``njit``
  and bit-cast intrinsics injected, so its compiled code is cached there too.
- Each kernel is its own ``k_<hash>.py`` file with one ``@njit(cache=True)`` function: a new process
  loads it from Numba's cache instead of compiling, and programs share kernels.
- Numba's cache entries are guarded: each has a content hash checked before loading; a damaged,
  swapped or unhashed entry is dropped and recompiled instead of giving wrong results or
  crashing; an entry never loaded by another process is first loaded in a child process, so one
  that crashes when loaded is dropped and recompiled instead of taking the user's process down;
  an unusable cache directory means compiling in memory (one warning).
- Loading is thread-safe (a lock per kernel); many new kernels compile on two cores with a helper
  process (``subprocess``, never ``fork``).
"""
from __future__ import annotations

import inspect
import json
import os
import sys
import threading
import time
import warnings
from collections import OrderedDict

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import caching, errors as nb_errors
from numba.extending import intrinsic

from . import cache, compile_helper
from .entry_guard import (_COLLECT, _NOT_USERS, _entry_lock, _entry_state, _load_from_disk,
                          _mark_verified, check_entries, dispatcher_resolver)
from .entry_guard import guard_cache as _guard_cache


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


# --------------------------------------------------------------------------- libm, vectorizable
#
# A call in a loop keeps LLVM from vectorizing it, even one in a branch that is never taken, so a
# kernel with ``if big: s = math.sin(x)`` runs scalar (3-10 times slower). These calls carry a
# ``vector-function-abi-variant`` attribute naming masked vector versions (_ZGV_LLVM_M<vf>v_...)
# defined next to them: the vectorizer calls ``<name>_v<vf>m(x, mask)`` once per vector
# iteration, which returns at once when no lane needs it and calls libm lane by lane otherwise.
# The runtime library uses them for the rare out-of-range arguments (sin/cos beyond 8e5).

def _masked_variant(module, scalar, vf):
    """``<vf x R> @<scalar>_v<vf>m(<vf x A> x, <vf x i1> m)``: ``scalar`` on the set lanes (the
    vector form of ``R scalar(A)``). Its test "is any lane set" is inlined into the kernel after
    vectorization (``_inline_after_vectorizing``); the lane loop stays out of line."""
    name = f"{scalar.name}_v{vf}m"
    if name in module.globals:
        return name
    ret = ir.VectorType(scalar.function_type.return_type, vf)
    arg = ir.VectorType(scalar.function_type.args[0], vf)
    fnty = ir.FunctionType(ret, [arg, ir.VectorType(ir.IntType(1), vf)])
    lanes_fn = ir.Function(module, fnty, name + "_lanes")
    lanes_fn.linkage = "linkonce_odr"
    for a in ("noinline", "readnone", "nounwind", "cold"):
        lanes_fn.attributes.add(a)
    b = ir.IRBuilder(lanes_fn.append_basic_block("entry"))
    out = b.alloca(ret)
    b.store(ir.Constant(ret, None), out)
    for i in range(vf):
        idx = ir.Constant(ir.IntType(32), i)
        with b.if_then(b.extract_element(lanes_fn.args[1], idx)):
            v = b.call(scalar, [b.extract_element(lanes_fn.args[0], idx)])
            b.store(b.insert_element(b.load(out), v, idx), out)
    b.ret(b.load(out))

    fn = ir.Function(module, fnty, name)
    fn.linkage = "weak_odr"
    for a in ("alwaysinline", "readnone", "nounwind"):
        fn.attributes.add(a)
    entry, work, done = (fn.append_basic_block(n) for n in ("entry", "work", "done"))
    b = ir.IRBuilder(entry)
    lanes = b.bitcast(fn.args[1], ir.IntType(vf))
    b.cbranch(b.icmp_unsigned("!=", lanes, ir.Constant(ir.IntType(vf), 0)), work, done)
    b.position_at_end(work)
    res = b.call(lanes_fn, list(fn.args))
    b.branch(done)
    b.position_at_end(done)
    phi = b.phi(ret)
    phi.add_incoming(ir.Constant(ret, None), entry)
    phi.add_incoming(res, work)
    b.ret(phi)
    return name


def _inline_after_vectorizing() -> None:
    """Numba's last pipeline vectorizes loops after its inliner ran, so the masked variants
    called by vectorized kernels are inlined by an extra always-inline pass on libraries that
    use them (only those: other Numba code is untouched)."""
    from numba.core.codegen import CPUCodeLibrary
    if getattr(CPUCodeLibrary, "_fg_inline_variants", False):
        return
    real = CPUCodeLibrary._optimize_final_module

    def optimize_final_module(self):
        real(self)
        mod = self._final_module
        if not any(f.name.startswith("fg_libm_") and f.name.endswith("m") for f in mod.functions):
            return
        import llvmlite.binding as llb
        pto = llb.create_pipeline_tuning_options(speed_level=0)
        pb = llb.create_pass_builder(self._codegen._tm, pto)
        pm = llb.create_new_module_pass_manager()
        pm.add_always_inliner_pass()
        pm.add_simplify_cfg_pass()
        pm.run(mod, pb)

    CPUCodeLibrary._optimize_final_module = optimize_final_module
    CPUCodeLibrary._fg_inline_variants = True


_inline_after_vectorizing()


def _libm_call(wrapper: str, nb_ret, nb_arg, ll_ret, ll_arg, body):
    """An intrinsic ``f(x)``: ``body(builder, module, x)`` (libm calls) in a function ``wrapper``
    the vectorizer replaces by its masked vector variants, so the calling loop stays vectorized."""
    @intrinsic
    def call(typingctx, x):
        if x != nb_arg:
            return None

        def codegen(context, builder, signature, args):
            mod = builder.module
            w = mod.globals.get(wrapper)
            if w is None:
                w = ir.Function(mod, ir.FunctionType(ll_ret, [ll_arg]), wrapper)
                w.linkage = "linkonce_odr"
                wb = ir.IRBuilder(w.append_basic_block("entry"))
                wb.ret(body(wb, mod, w.args[0]))
                variants = ",".join(f"_ZGV_LLVM_M{vf}v_{wrapper}({_masked_variant(mod, w, vf)})"
                                    for vf in (2, 4, 8, 16))
                for a in ("nounwind", "noinline", "readnone"):
                    w.attributes.add(a)
                # a string attribute (llvmlite knows only keywords): written as LLVM prints it
                set.add(w.attributes, f'"vector-function-abi-variant"="{variants}"')
            return builder.call(w, args)
        return nb_ret(nb_arg), codegen
    return call


def _libm(builder, module, name, llty, x):
    from numba.core import cgutils
    return builder.call(cgutils.get_or_insert_function(module, ir.FunctionType(llty, [llty]), name), [x])


def _sincosf_packed(b, mod, x):
    """sinf(x) and cosf(x) in one double: the bits of sin above those of cos."""
    f, i32, i64 = ir.FloatType(), ir.IntType(32), ir.IntType(64)
    s = b.zext(b.bitcast(_libm(b, mod, "sinf", f, x), i32), i64)
    c = b.zext(b.bitcast(_libm(b, mod, "cosf", f, x), i32), i64)
    return b.bitcast(b.or_(b.shl(s, ir.Constant(i64, 32)), c), ir.DoubleType())


_LIBM = {
    "libm_sincos_f32": _libm_call("fg_libm_sincosf", types.float64, types.float32, ir.DoubleType(),
                                  ir.FloatType(), _sincosf_packed),
    "libm_sin_f64": _libm_call("fg_libm_sin", types.float64, types.float64, ir.DoubleType(), ir.DoubleType(),
                               lambda b, m, x: _libm(b, m, "sin", ir.DoubleType(), x)),
    "libm_cos_f64": _libm_call("fg_libm_cos", types.float64, types.float64, ir.DoubleType(), ir.DoubleType(),
                               lambda b, m, x: _libm(b, m, "cos", ir.DoubleType(), x)),
}

_RT = None
_RT_LOCK = threading.Lock()
_KERNELS: OrderedDict[str, object] = OrderedDict()   # name -> dispatcher, least recently used first
_KERNEL_LOCKS: dict[str, threading.RLock] = {}
_GUARD = threading.Lock()                             # the two dicts above
_KERNEL_CACHE_SIZE = [int(os.environ.get("FUNCGRAD_KERNEL_CACHE_SIZE", "2048") or 2048)]
compile_log: list[tuple[str, str, float]] = []    # (kernel name, signature, seconds)


def kernel_cache_size(n: int | None = None) -> int:
    """The most kernel dispatchers this process keeps loaded (``$FUNCGRAD_KERNEL_CACHE_SIZE``,
    default 2048); with ``n``, set it (evicting the least recently used ones). Programs keep
    the kernels they use; an evicted kernel is loaded again (from the disk cache) when needed.

    >>> old = kernel_cache_size(); kernel_cache_size(10)
    10
    >>> kernel_cache_size(old) == old
    True
    """
    if n is not None:
        if n < 1:
            raise ValueError(f"kernel_cache_size must be at least 1, got {n}")
        with _GUARD:
            _KERNEL_CACHE_SIZE[0] = int(n)
            _evict()
    return _KERNEL_CACHE_SIZE[0]


def clear_kernels() -> None:
    """Forget every loaded kernel (live programs keep theirs)."""
    with _GUARD:
        while _KERNELS:
            _forget_oldest()


def _forget_oldest() -> None:
    name, _ = _KERNELS.popitem(last=False)
    cache.forget_module(f"_funcgrad_{name}")
    lk = _KERNEL_LOCKS.get(name)
    if lk is not None and lk.acquire(blocking=False):   # not in use by another thread
        lk.release()
        del _KERNEL_LOCKS[name]


def _evict() -> None:
    while len(_KERNELS) > _KERNEL_CACHE_SIZE[0]:
        _forget_oldest()


class _CacheNextToSource(caching.FunctionCache):
    """Numba's disk cache of a function, always in its source file's ``__pycache__``.

    Numba puts it under ``$NUMBA_CACHE_DIR`` (or ``$NUMBA_CACHE_LOCATOR_CLASSES``'s choice) when
    set, keyed there by the source's path. funcgrad's kernels live in the versioned cache
    directory, whose ``__pycache__`` is where the manifests, the verification marks and the
    parallel compile's "already on disk" check look; and a cache directory copied or shared
    elsewhere (``$FUNCGRAD_CACHE_DIR``) must keep its compiled code. With Numba's placement a
    warm cache loaded from another path compiled everything again."""

    def __init__(self, py_func):
        super().__init__(py_func)
        locator = _IN_TREE_LOCATOR.from_function(py_func, inspect.getfile(py_func))
        if locator is None:
            raise RuntimeError(f"cannot cache function {py_func.__name__!r}: no locator available")
        self._impl._locator = locator
        self._cache_path = locator.get_cache_path()
        self._cache_file = caching.IndexDataCacheFile(
            cache_path=self._cache_path, filename_base=self._impl.filename_base,
            source_stamp=locator.get_source_stamp())


_IN_TREE_LOCATOR = getattr(caching, "InTreeCacheLocator", None) or caching._InTreeCacheLocator


def _njit_next_to_source(*args, **kwargs):
    """``njit`` for the modules of the cache directory: with ``cache=True``, Numba's cache goes
    next to the module (``_CacheNextToSource``)."""
    decorate = njit(*args, **kwargs)
    if not kwargs.get("cache"):
        return decorate

    def wrap(fn):
        disp = decorate(fn)
        disp._cache = _CacheNextToSource(disp.py_func)
        return disp
    return wrap


def _njit_in_memory(*args, **kwargs):
    """``njit`` without Numba's disk cache (an unusable cache directory)."""
    kwargs["cache"] = False
    return njit(*args, **kwargs)


def _load_source(modname: str, stem: str, source: str, inject: dict):
    """(module, on_disk): ``source`` run as ``cache_dir/<stem>.py`` (so Numba caches its
    functions), or in memory when the cache directory is unusable (one warning)."""
    path = os.path.join(cache.cache_dir(), stem + ".py")
    if cache.usable():
        try:
            cache.write_once(path, source)
            return cache.load_module(modname, path, inject), True
        except OSError as e:
            cache.mark_unusable(e)
        except RuntimeError as e:     # Numba: "cannot cache function ...: no locator available"
            if "cannot cache" not in str(e):
                raise
            cache.mark_unusable(e)
    return cache.exec_source(modname, source, path, dict(inject, njit=_njit_in_memory)), False


def runtime():
    """The runtime library compiled by Numba (loaded from the cache directory)."""
    global _RT
    if _RT is None:
        with _RT_LOCK:
            if _RT is None:
                here = os.path.dirname(os.path.abspath(__file__))
                with open(os.path.join(here, "runtime.py")) as f:
                    src = f.read()
                name = f"rt_{cache.source_hash(src)}"
                rt, on_disk = _load_source(f"_funcgrad_{name}", name, src, {
                    "njit": _njit_next_to_source,
                    "i32_as_f32": _i32_as_f32, "f32_as_i32": _f32_as_i32,
                    "i64_as_f64": _i64_as_f64, "f64_as_i64": _f64_as_i64, **_LIBM})
                if on_disk:
                    for v in vars(rt).values():
                        if isinstance(v, numba.core.registry.CPUDispatcher):
                            _guard_cache(v)
                _RT = rt
    return _RT


# --------------------------------------------------------------------------- kernels

def _numba_type(spec):
    """``("array", dtype, ndim)``, ``("scalar", dtype)`` or ``("int",)`` -> a Numba type."""
    if spec[0] == "int":
        return types.int64
    if spec[0] == "scalar":
        return numba.from_dtype(np.dtype(spec[1]))
    _, dtype, ndim = spec
    return types.Array(numba.from_dtype(np.dtype(dtype)), ndim, "C")


def _kernel_lock(name: str) -> threading.RLock:
    with _GUARD:
        lk = _KERNEL_LOCKS.get(name)
        if lk is None:
            lk = _KERNEL_LOCKS[name] = threading.RLock()
        return lk


def load_kernel(name: str, source: str, signature=None):
    """The dispatcher of kernel ``name`` (``k_<hash>``) defined by ``source``; compiled (or loaded
    from Numba's cache) for ``signature`` (a list of arg specs) right away when given.
    Thread-safe: one thread loads a kernel while others wait for it, and a dispatcher is
    published only once its module has run."""
    sig = None if signature is None else tuple(_numba_type(s) for s in signature)
    disp = _KERNELS.get(name)
    if disp is None or (sig is not None and sig not in disp.overloads):
        with _kernel_lock(name):
            disp = _KERNELS.get(name)
            if disp is None:
                mod, on_disk = _load_source(f"_funcgrad_{name}", name, source,
                                            {"njit": _njit_next_to_source, "rt": runtime()})
                disp = getattr(mod, name)
                if on_disk:
                    _guard_cache(disp)
            if sig is not None and sig not in disp.overloads:
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", nb_errors.NumbaWarning)
                    disp.compile(sig)
                compile_log.append((name, str(sig), time.perf_counter() - t0))
    with _GUARD:
        _KERNELS[name] = disp
        _KERNELS.move_to_end(name)
        _evict()
    return disp


def _dispatcher_of(ref: dict):
    """The guarded dispatcher of an entry reference ``{"file": source path, "func": name}``."""
    stem = os.path.basename(ref["file"])[:-3]
    if stem.startswith("rt_"):
        return getattr(runtime(), ref["func"])
    with open(ref["file"]) as f:
        return load_kernel(stem, f.read())


dispatcher_resolver(_dispatcher_of)


def _compile_worker() -> None:
    """The helper process: compile the kernels it claims (from the end) into the disk cache
    (verifying each entry by loading it from disk), then verify the entries its parent wrote
    (a second line on stdin; none if the parent closes it)."""
    spec = json.loads(sys.stdin.readline())
    cache.use_dir(spec["dir"])
    _NOT_USERS[0] = True
    for k in reversed(spec["kernels"]):
        if not compile_helper.claim(spec["claims"], k["name"], "worker"):
            break                       # the parent has come this far: the rest are its own
        load_kernel(k["name"], k["source"], [tuple(s) for s in k["signature"]])
    line = sys.stdin.readline()
    for ref in (json.loads(line) if line.strip() else []):
        disp = _dispatcher_of(ref)
        c = disp._cache
        with _entry_lock(c):
            state, digest = _entry_state(c)
            if state == "unverified" and _load_from_disk(disp):
                _mark_verified(c, digest)


def load_kernels(kernels, helper: compile_helper.Helper | None = None) -> dict:
    """Compile or load ``kernels`` (``codegen.Kernel`` objects); returns ``{name: dispatcher}``.

    Three or more kernels missing from both this process and the disk cache compile on two
    cores (``compile_helper``); ``helper`` is one ``program.load`` already started for the
    kernels missing from the disk cache (before this process imported Numba)."""
    absent = [k for k in kernels if k.name not in _KERNELS]
    if helper is None:
        todo = compile_helper.missing_from_disk(absent)
        helper = compile_helper.start(todo)
    if helper is not None:
        todo = helper.todo               # (costliest first: the helper takes the other end)
    new = {k.name for k in todo}
    on_disk = [k for k in absent if k.name not in new]
    if helper is not None:
        ok = False
        _COLLECT[0] = saved = []
        try:
            for k in todo:
                if not compile_helper.claim(helper.claims, k.name, "parent"):
                    break
                _load_one(k)
            ok = True
        finally:
            _COLLECT[0] = None
            compile_helper.finish(helper, ok, saved)
    if on_disk and not _NOT_USERS[0]:     # entries of other processes, perhaps never verified
        check_entries([load_kernel(k.name, k.source) for k in on_disk])
    return {k.name: _load_one(k) for k in kernels}


def _load_one(k):
    try:
        return load_kernel(k.name, k.source, k.signature)
    except Exception as e:
        e.funcgrad_kernel = k.name     # lets the caller name the equations it fuses
        raise


def cache_stats() -> dict:
    """Numba cache hits/misses of the kernels loaded in this process (for tests and debugging)."""
    hits = misses = 0
    with _GUARD:
        disps = list(_KERNELS.values())
    for disp in disps:
        st = disp.stats
        hits += sum(st.cache_hits.values())
        misses += sum(st.cache_misses.values())
    return {"kernels": len(disps), "hits": hits, "misses": misses}
