"""The backend's entry points: ``lower(closed) -> Program`` and ``compile(closed) -> Executable``.

    optimized ClosedJaxpr --fusion.plan--> Plan --lanes.schedule--> units
        --driver.generate (kernels: codegen.gen_kernel)--> Program --load--> Executable

``lower`` computes the plan and the schedule once and generates the driver and kernel sources (a
``Program``); ``compile`` loads a ``Program`` (lowering first when not given one) into an
``Executable``: ``exe(*args)`` returns the flat outputs. ``load(program, backend)`` returns
``run(*consts, *args) -> tuple of arrays``:

- ``"numba"``: kernels are compiled by Numba (``numba_backend.py``, cached on disk);
- ``"python"``: the same generated source runs as plain Python + NumPy (kernels are ordinary
  loops; slow, but every line can be stepped through with ``pdb``). No Numba import.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from . import cache, compile_helper, process
from .driver import Program, generate  # noqa: F401  (re-exported)
from .fusion import plan

BACKENDS = ("numba", "python")


def backend_name() -> str:
    """``$FUNCGRAD_BACKEND`` (``numba`` by default, or ``python``)."""
    b = os.environ.get("FUNCGRAD_BACKEND", "numba").strip().lower() or "numba"
    if b not in BACKENDS:
        raise ValueError(f"FUNCGRAD_BACKEND={b!r} is not one of {BACKENDS}")
    return b


def lower(closed, name: str = "f") -> Program:
    """Lower an optimized ``ClosedJaxpr`` (its constvars become the driver's first arguments)."""
    from .lanes import schedule
    jaxpr = closed.jaxpr
    p = plan(jaxpr)
    return generate(jaxpr, p, name, n_consts=len(jaxpr.constvars), units=schedule(p))


class Executable:
    """A compiled program: ``exe(*args)`` returns the flat outputs (NumPy arrays). ``run`` is the
    driver itself (``run(*consts, *args)``), for callers that hold the constants."""

    __slots__ = ("run", "consts", "in_dtypes", "program", "backend")

    def __init__(self, program: Program, consts, in_dtypes, backend: str, run):
        self.program = program
        self.consts = consts
        self.in_dtypes = in_dtypes
        self.backend = backend
        self.run = run

    def __call__(self, *args):
        return self.run(*self.consts, *args)


def _c_array(x) -> np.ndarray:
    """A C-contiguous base-class ndarray (0-d stays 0-d)."""
    if type(x) is not np.ndarray:
        x = np.asarray(x)
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)


def compile(closed, name: str = "f", program: Program | None = None,  # noqa: A001
            debug: int = 0) -> Executable:
    """Compile an optimized ``ClosedJaxpr`` (or load ``program``, its lowering) on the current
    backend. ``debug`` >= 3 prints the generated source, >= 4 the compile times."""
    t0 = time.perf_counter()
    if program is None:
        program = lower(closed, name)
    backend = backend_name()
    if debug >= 3:
        print(f"funcgrad.jit: generated source of {name}:\n{program.text()}", file=sys.stderr)
    run = load(program, backend, debug)
    exe = Executable(program, tuple(_c_array(c) for c in closed.consts),
                     [v.aval.dtype for v in closed.jaxpr.invars], backend, run)
    if debug >= 4:
        print(f"funcgrad.jit: {name} lowered and loaded in {time.perf_counter() - t0:.3f} s",
              file=sys.stderr)
    return exe


def _identity_njit(*args, **kwargs):
    if args and callable(args[0]):
        return args[0]
    return lambda f: f


_PY_KERNELS: dict[str, object] = {}


def _python_kernel(k):
    fn = _PY_KERNELS.get(k.name)
    if fn is None:
        from . import runtime as rt
        path = os.path.join(cache.cache_dir(), k.name + ".py")
        cache.write_once(path, k.source)
        mod = cache.exec_source(f"_funcgrad_py_{k.name}", k.source, path,
                                {"njit": _identity_njit, "rt": rt})
        fn = _PY_KERNELS[k.name] = getattr(mod, k.name)
    return fn


class KernelCompileError(RuntimeError):
    """Numba could not compile a generated kernel (a funcgrad bug: please report it)."""


def _compile_failure(program: Program, e: Exception) -> str:
    lines = [f"Numba failed to compile a kernel of jitted program {program.name!r}: "
             f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"]
    for k in program.kernels.values():
        if k.name == getattr(e, "funcgrad_kernel", None) or k.name in str(e):
            srcs = sorted({e2.source for e2 in k.eqns if e2.source})
            lines.append(f"The kernel {k.name} fuses: {' '.join(x.primitive.name for x in k.eqns)}"
                         f" (from {', '.join(srcs[:5])})")
            lines.append(k.source)
    lines.append("Workarounds: run with FUNCGRAD_BACKEND=python (the same generated source, no "
                 "Numba), or fg.config.update('jax_disable_jit', True). Please report this bug "
                 "with the output of fg.jit(f).lower(*args).as_text().")
    return "\n".join(lines)


def load(program: Program, backend: str | None = None, debug: int = 0):
    """``run(*consts, *args)`` for ``program`` on ``backend`` (default ``$FUNCGRAD_BACKEND``)."""
    backend = backend or backend_name()
    process.tune_malloc()
    g = dict(program.globals)
    t0 = time.perf_counter()
    if backend == "numba":
        kernels = list(program.kernels.values())
        helper = None
        if __package__ + ".numba_backend" not in sys.modules:
            # nothing is compiled in this process yet: the helper for the kernels missing from
            # the disk cache starts first, so that its start overlaps Numba's import here
            helper = compile_helper.start(compile_helper.missing_from_disk(kernels))
        try:
            from . import numba_backend as nb
        except BaseException:
            if helper is not None:
                compile_helper.finish(helper, False)
            raise
        n_log = len(nb.compile_log)
        try:
            g.update(nb.load_kernels(kernels, helper))
        except Exception as e:
            raise KernelCompileError(_compile_failure(program, e)) from e
        if debug >= 4:
            for name, sig, sec in nb.compile_log[n_log:]:
                print(f"funcgrad.jit: compiled {name}{sig} in {sec:.3f} s", file=sys.stderr)
            print(f"funcgrad.jit: {len(program.kernels)} kernels ready in "
                  f"{time.perf_counter() - t0:.3f} s", file=sys.stderr)
    else:
        for k in program.kernels.values():
            g[k.name] = _python_kernel(k)
    src = program.driver_source
    path = os.path.join(cache.cache_dir(), f"p_{cache.source_hash(src)}.py")
    try:
        cache.write_once(path, src)
    except OSError:   # an unwritable cache only costs the file view in tracebacks
        pass
    mod = cache.exec_source(f"_funcgrad_p_{cache.source_hash(src)}", src, path, g)
    run = mod.run
    if backend == "python":
        def run_python(*args, _run=run):
            with np.errstate(all="ignore"):
                return _run(*args)
        return run_python
    return run
