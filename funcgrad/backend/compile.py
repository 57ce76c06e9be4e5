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
            "i64_as_f64": _i64_as_f64, "f64_as_i64": _f64_as_i64, **_LIBM})
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
    """``("array", dtype, ndim)`` or ``("int",)`` -> a Numba type."""
    if spec[0] == "int":
        return types.int64
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
