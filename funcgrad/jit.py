"""``jit``: trace a function once per input signature, optimize the program, compile it.

>>> import funcgrad as fg, funcgrad.numpy as jnp
>>> f = fg.jit(lambda x, y: jnp.tanh(x) * y + 1.0)
>>> f(jnp.zeros(3), 2.0)
Array([1., 1., 1.], dtype=float64)

The cache key is what JAX's is: the function, the pytree structure of the arguments, each leaf's
``(shape, dtype, weak_type)``, the static arguments (by hash and equality) and the configuration.
New values never retrace; a new shape, dtype or structure does. A miss stages the function (no
values, like ``make_jaxpr``), runs the passes (``transforms/passes.py``), lowers the program to a
plain-Python driver calling fused Numba kernels and BLAS, and compiles the kernels (or loads them
from the on-disk cache). Under an enclosing transform (``grad``, ``vmap``, another ``jit``...)
``jit(f)(x)`` binds one ``call`` equation instead, which every transform understands.

``FUNCGRAD_DEBUG=1..4`` prints, on each cache miss, the traced program, the optimized program,
the generated source, and compile times. ``FUNCGRAD_BACKEND=python`` runs the generated source
without Numba (for ``pdb``). ``donate_argnums`` is accepted and ignored: outputs are always new
arrays and inputs are never overwritten.
"""
from __future__ import annotations

import functools
import inspect
import os
import sys

from typing import Any, Callable, Sequence

import numpy as np

from .core.array import Array, WeakArray
from .core.config import config
from .core.ir import ClosedJaxpr, Jaxpr, aval_of_value
from .core.lru import LRU, size_from_env
from .core.source_info import user_frame_info
from .core.trace import EVAL, Tracer, _state, check_real_args, current_trace, eval_jaxpr
from .core.tree_util import tree_flatten, tree_unflatten
from .control.call import call_p, derived, set_executor, stage
from .transforms.passes import optimize

__all__ = ["jit", "Jitted", "Lowered"]


def _debug_level() -> int:
    try:
        return int(os.environ.get("FUNCGRAD_DEBUG", "0") or 0)
    except ValueError:
        return 1


def _backend() -> str:
    from .backend import backend_name
    return backend_name()


def _as_c_array(x, dtype=None) -> np.ndarray:
    """A C-contiguous base-class ndarray (0-d stays 0-d), of ``dtype`` if given."""
    if type(x) is Array and (dtype is None or x.dtype == dtype):
        x = x.view(np.ndarray)              # (cheaper than np.asarray for funcgrad's own arrays)
    elif type(x) is not np.ndarray or (dtype is not None and x.dtype != dtype):
        x = np.asarray(x, dtype=dtype)
    return x if x.flags.c_contiguous else np.ascontiguousarray(x)


def _arrays_key(key: tuple, xs) -> tuple | None:
    """``key`` followed by each ``x``'s shape and dtype, or None if one is not an array."""
    for x in xs:
        t = type(x)
        if t is not np.ndarray and t is not Array:
            return None
        key += (x.shape, x.dtype)
    return key


_FAST_TEMPLATES: dict = {}


def _fast_caller(n_args: int, run, consts, out_tree, out_types) -> Callable:
    """The call fast path of one compiled signature: ``fast(*args)`` converts what is not already
    a C-contiguous base ndarray, runs the driver and views the outputs as ``Array``.

    Its source is specialized to the number of arguments and outputs (no per-call loops or list
    building: the jit call overhead is what W3-like dispatch measures), generated once per
    ``(n_args, n_outs, single)`` shape and shared by every signature of that shape."""
    single = out_tree == _LEAF_TREE
    shape = (n_args, len(out_types), single, bool(consts))
    make = _FAST_TEMPLATES.get(shape)
    if make is None:
        a = [f"a{i}" for i in range(n_args)]
        o = [f"o{i}" for i in range(len(out_types))]
        lines = [f"def make(run, consts, out_tree, {', '.join(['t' + x[1:] for x in o] + [''])}):",
                 f"    def fast({', '.join(a)}):"]
        for x in a:
            lines.append(f"        if type({x}) is not ndarray or not {x}.flags.c_contiguous:")
            lines.append(f"            {x} = {x}.view(ndarray) if type({x}) is Array and "
                         f"{x}.flags.c_contiguous else as_c({x})")
        call = f"run({'*consts, ' if consts else ''}{', '.join(a)})"
        if single:
            lines.append(f"        return {call}[0].view(t0)")
        else:
            lines.append(f"        {', '.join(o + [''])} = {call}")
            views = ", ".join(f"{x}.view(t{x[1:]})" for x in o)
            lines.append(f"        return unflatten(out_tree, [{views}])")
        lines.append("    return fast")
        ns = {"ndarray": np.ndarray, "Array": Array, "as_c": _as_c_array, "unflatten": tree_unflatten}
        exec("\n".join(lines), ns)                              # noqa: S102 (generated above)
        make = _FAST_TEMPLATES[shape] = ns["make"]
    return make(run, consts, out_tree, *out_types)


# with jax_enable_x64 off, 64-bit arguments are traced and run as 32-bit ones (as JAX does)
_TO_32 = {np.dtype(np.float64): np.dtype(np.float32), np.dtype(np.int64): np.dtype(np.int32),
          np.dtype(np.uint64): np.dtype(np.uint32), np.dtype(np.complex128): np.dtype(np.complex64)}


def _compile(closed: ClosedJaxpr, name: str, program=None, optimized: bool = False):
    """Optimize (unless ``optimized``) and compile ``closed``: a ``backend.Executable``."""
    from . import backend
    level = _debug_level()
    if level >= 1 and not optimized:
        print(f"funcgrad.jit: compiling {name} (called at {user_frame_info()}):\n{closed.pretty(source=True)}",
              file=sys.stderr)
    opt = closed if optimized else optimize(closed)
    if level >= 2 and not optimized:
        print(f"funcgrad.jit: optimized {name}:\n{opt}", file=sys.stderr)
    return backend.compile(opt, name, program=program, debug=level)


def _execute_call(jaxpr: Jaxpr, args):
    """The executor of ``call`` equations on concrete values (registered with ``control.call``)."""
    if config.jax_disable_jit:
        return eval_jaxpr(jaxpr, [], list(args))
    backend = _backend()

    def build():
        closed = ClosedJaxpr(jaxpr, [])
        return _compile(closed, "call")

    exe = derived(jaxpr, ("exe", backend), build)
    ins = [_as_c_array(a, v.aval.dtype) for a, v in zip(args, jaxpr.invars)]
    outs = exe(*ins)
    if config.jax_debug_nans:
        _debug_nans(ClosedJaxpr(jaxpr, []), ins, outs, "call")
    return [o.view(t) for o, t in zip(outs, _out_types(jaxpr))]


def _out_types(jaxpr: Jaxpr) -> list:
    """The Array class of each output: ``WeakArray`` for a weakly typed scalar (as eagerly)."""
    return [WeakArray if (a.aval.weak_type and not a.aval.shape) else Array for a in jaxpr.outvars]


def _debug_nans(closed: ClosedJaxpr, ins, outs, name: str) -> None:
    """``jax_debug_nans`` under jit: a NaN in an output re-runs the program one equation at a time
    (NumPy) to name the equation that produced it."""
    from .core.debug_nans import check_outputs, find_nan
    try:
        check_outputs(name, outs)
    except FloatingPointError:
        find_nan(closed.jaxpr, closed.consts, ins)
        raise FloatingPointError(
            f"invalid value (nan) encountered in the compiled program of {name} (called at "
            f"{user_frame_info()}); running it again equation by equation with NumPy produced no "
            "NaN, so the compiled code's arithmetic differs here: please report it") from None


set_executor(_execute_call)


# --------------------------------------------------------------------------- jit

class _Entry:
    __slots__ = ("jaxpr", "consts", "out_tree", "exe", "n_consts", "out_types")

    def __init__(self, jaxpr, consts, out_tree):
        self.jaxpr = jaxpr          # closed-over-nothing: consts are its leading invars
        self.consts = consts
        self.out_tree = out_tree
        self.exe = None
        self.n_consts = len(consts)
        self.out_types = _out_types(jaxpr)


_LEAF_TREE = tree_flatten(0)[1]
#: compiled signatures kept per jitted function (``FUNCGRAD_JIT_CACHE_SIZE``)
_CACHE_SIZE = size_from_env("FUNCGRAD_JIT_CACHE_SIZE", 64)
_CFG = config.__dict__["_values"]


def _weak_aval_key(x):
    t = type(x)
    if t is float:
        return ((), np.dtype(np.float64 if config.jax_enable_x64 else np.float32), True)
    if t is int:
        return ((), np.dtype(np.int64 if config.jax_enable_x64 else np.int32), True)
    if t is bool:
        return ((), np.dtype(np.bool_), True)
    if t is complex:
        return ((), np.dtype(np.complex128 if config.jax_enable_x64 else np.complex64), True)
    return None


class Jitted:
    """A jit-compiled function (what ``jit`` returns). Call it like the original function."""

    def __init__(self, fun: Callable, static_argnums=(), static_argnames=(), donate_argnums=(),
                 donate_argnames=(), keep_unused: bool = False, inline: bool = False):
        if not callable(fun):
            raise TypeError(f"jit: expected a function, got {type(fun).__name__} {fun!r}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.name = getattr(fun, "__name__", type(fun).__name__)
        nums = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums or ())
        names = (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames or ())
        try:
            params = list(inspect.signature(fun).parameters.values())
        except (TypeError, ValueError):
            params = []
        positional = [p.name for p in params
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for i in nums:
            if 0 <= i < len(positional) and positional[i] not in names:
                names += (positional[i],)
        for n in names:
            if n in positional and positional.index(n) not in nums:
                nums += (positional.index(n),)
        self.static_argnums = nums
        self.static_argnames = names
        self.donate_argnums = donate_argnums
        self.inline = inline
        # compiled programs by signature (a bounded, thread-safe LRU); ``_fast`` indexes the
        # plain-array signatures of its entries for the call fast path, and is rebuilt when the
        # LRU drops one (so a dropped program's memory is released)
        self._cache = LRU(_CACHE_SIZE, on_evict=self._forget_fast)
        self._fast: dict = {}

    # ----------------------------------------------------------------- argument handling

    def _split(self, args, kwargs):
        nums = self.static_argnums
        statics = []
        dyn = args
        if nums:
            n = len(args)
            snums = {i % n for i in nums if -n <= i < n}
            dyn = tuple(a for i, a in enumerate(args) if i not in snums)
            statics = [(i, args[i]) for i in sorted(snums)]
        dkw = kwargs
        if kwargs and self.static_argnames:
            dkw = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
            statics += [(k, kwargs[k]) for k in sorted(kwargs) if k in self.static_argnames]
        for where, v in statics:
            try:
                hash(v)
            except TypeError as e:
                what = f"argument {where}" if isinstance(where, int) else f"argument {where!r}"
                raise ValueError(
                    f"Non-hashable static arguments are not supported. An error occurred while "
                    f"trying to hash an object of type {type(v).__name__}, {v!r}, passed as static "
                    f"{what} of {self.name} (called at {user_frame_info()}). The error was:\n{e}\n"
                    "Fix: pass a hashable value (a tuple instead of a list, a frozen dataclass), "
                    "or make the argument dynamic.") from None
        return dyn, dkw, tuple(statics)

    def _merge(self, dyn, dkw, statics):
        args = list(dyn)
        kwargs = dict(dkw)
        for where, v in statics:
            if isinstance(where, int):
                args.insert(where, v)
            else:
                kwargs[where] = v
        return args, kwargs

    def _key(self, leaves, treedef, statics):
        akeys = []
        traced = current_trace() is not EVAL
        x64 = config.jax_enable_x64
        for x in leaves:
            t = type(x)
            if t is np.ndarray or t is Array:
                akeys.append((x.shape, x.dtype if x64 else _TO_32.get(x.dtype, x.dtype), False))
                continue
            k = _weak_aval_key(x)
            if k is None:
                if isinstance(x, Tracer):
                    traced = True
                    a = x.aval
                    k = (a.shape, a.dtype, a.weak_type)
                elif isinstance(x, (np.ndarray, np.generic)):
                    k = (np.shape(x), x.dtype if x64 else _TO_32.get(x.dtype, x.dtype),
                         type(x) is WeakArray)   # jnp.sqrt(2.0) stays weak
                else:
                    raise TypeError(
                        f"Argument {x!r} of type {t.__name__} is not a valid JAX type: {self.name} "
                        f"(called at {user_frame_info()}) takes arrays, scalars and pytrees of them. "
                        "Mark non-array arguments static with jit(f, static_argnums=...).")
            akeys.append(k)
        return (treedef, tuple(akeys), statics, config.jax_enable_x64), traced

    def _entry(self, key, leaves, treedef, statics, parent):
        entry = self._cache.get(key)
        if entry is not None:
            return entry
        out_tree = []

        def flat_fun(*flat):
            dyn, dkw = tree_unflatten(treedef, list(flat))
            args, kwargs = self._merge(dyn, dkw, statics)
            out = self.fun(*args, **kwargs)
            out_flat, tree = tree_flatten(out)
            out_tree.append(tree)
            return out_flat

        from .core.avals import Aval
        if any(d.kind == "c" for _, d, _ in key[1]):     # transforms trace real values only
            dyn, dkw = tree_unflatten(treedef, list(leaves))
            check_real_args(dyn, dkw, "jit", self.name, leaves)
        avals = [Aval(s, d, w) for s, d, w in key[1]]
        jaxpr, consts = stage(flat_fun, avals, "jit", parent=parent)
        entry = _Entry(jaxpr, consts, out_tree[0])
        if not any(isinstance(c, Tracer) for c in consts):
            entry = self._cache.put(key, entry)
        return entry

    # ----------------------------------------------------------------- calling

    def __call__(self, *args, **kwargs):
        # fast path: positional array arguments only, no transform active, seen before
        cfg = _CFG
        fast_key = None
        if (not kwargs and not cfg["jax_disable_jit"] and not cfg["jax_debug_nans"]
                and _state.trace is EVAL and not self.static_argnums):
            fast_args = args
            fast_key = _arrays_key((cfg["jax_enable_x64"],), args)
            if fast_key is None:            # a pytree of arrays (a list of parameters...)
                fast_args, treedef = tree_flatten(args)
                fast_key = _arrays_key((cfg["jax_enable_x64"], treedef), fast_args)
            if fast_key is not None:
                hit = self._fast.get(fast_key)
                if hit is not None:
                    return hit(*fast_args)
        if config.jax_disable_jit:
            return self.fun(*args, **kwargs)
        dyn, dkw, statics = self._split(args, kwargs)
        leaves, treedef = tree_flatten((dyn, dkw))
        key, traced = self._key(leaves, treedef, statics)
        if traced:
            return self._call_traced(key, leaves, treedef, statics)
        entry = self._entry(key, leaves, treedef, statics, EVAL)
        exe = entry.exe
        if exe is None:
            exe = entry.exe = _compile(_closed_for_compile(entry), self.name)
        if fast_key is not None and len(leaves) == len(fast_args) and all(
                x.dtype == d for x, d in zip(fast_args, exe.in_dtypes)):  # (x64 off: float64 args convert)
            if len(self._fast) >= _CACHE_SIZE:
                self._fast.clear()
            self._fast[fast_key] = _fast_caller(len(fast_args), exe.run, exe.consts,
                                                entry.out_tree, entry.out_types)
        ins = [x if (type(x) is np.ndarray and x.flags.c_contiguous and x.dtype == d) else _as_c_array(x, d)
               for x, d in zip(leaves, exe.in_dtypes)]
        outs = exe(*ins)
        if cfg["jax_debug_nans"]:
            _debug_nans(_closed_for_compile(entry), ins, outs, self.name)
        return tree_unflatten(entry.out_tree, [o.view(t) for o, t in zip(outs, entry.out_types)])

    def _call_traced(self, key, leaves, treedef, statics):
        entry = self._entry(key, leaves, treedef, statics, current_trace())
        if self.inline:
            outs = eval_jaxpr(entry.jaxpr, [], list(entry.consts) + list(leaves))
        else:
            outs = call_p.bind(*entry.consts, *leaves, jaxpr=entry.jaxpr, name=self.name)
        return tree_unflatten(entry.out_tree, list(outs))

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return functools.partial(self, obj)

    # ----------------------------------------------------------------- introspection

    def lower(self, *args, **kwargs) -> "Lowered":
        """Trace, optimize and generate source for these arguments (without running it).

        >>> import funcgrad as fg, funcgrad.numpy as jnp
        >>> text = fg.jit(lambda x: jnp.tanh(x) * 2.0).lower(jnp.ones(3)).as_text()
        >>> "def run(a):" in text and "rt.tanh_f64" in text
        True
        """
        dyn, dkw, statics = self._split(args, kwargs)
        leaves, treedef = tree_flatten((dyn, dkw))
        key, _ = self._key(leaves, treedef, statics)
        entry = self._entry(key, leaves, treedef, statics, EVAL)
        return Lowered(self, entry)

    def eval_shape(self, *args, **kwargs):
        from .api import eval_shape
        return eval_shape(self.fun, *args, **kwargs)

    def _cache_size(self) -> int:
        return len(self._cache)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._fast.clear()

    def _forget_fast(self, key, entry) -> None:
        self._fast.clear()

    def __repr__(self):
        return f"<funcgrad.jit of {self.fun!r}>"


def _closed_for_compile(entry: _Entry) -> ClosedJaxpr:
    """The staged program with its constants as constvars again (so the passes can fold them)."""
    j = entry.jaxpr
    n = entry.n_consts
    return ClosedJaxpr(Jaxpr(j.invars[:n], j.invars[n:], j.eqns, j.outvars), entry.consts)


class Lowered:
    """A traced and lowered program: ``as_text()`` is the generated source, ``compile()`` a
    callable, ``jaxpr`` the optimized program."""

    def __init__(self, jitted: Jitted, entry: _Entry):
        from . import backend
        self._jitted = jitted
        self._entry = entry
        self.jaxpr = optimize(_closed_for_compile(entry))
        self.program = backend.lower(self.jaxpr, jitted.name)

    def as_text(self) -> str:
        """The optimized program as a comment, then the driver and the kernels' source."""
        jtext = "\n".join("# " + line for line in str(self.jaxpr).splitlines())
        return f"# optimized program:\n{jtext}\n{self.program.text()}"

    def compile(self) -> Callable:
        """Compile (or load from the cache) now; returns a function of the same arguments."""
        entry = self._entry
        if entry.exe is None:     # the lowering above is compiled as it is (no second plan)
            entry.exe = _compile(self.jaxpr, self._jitted.name, self.program, optimized=True)
        return self._jitted


def jit(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = (),
        static_argnames: str | Sequence[str] = (), donate_argnums: int | Sequence[int] = (),
        donate_argnames: str | Sequence[str] = (), keep_unused: bool = False, device: Any = None,
        backend: str | None = None, inline: bool = False) -> Any:
    """Compile ``fun``: trace once per input signature, optimize, generate fused Numba kernels.

    Usable as ``jit(f)``, ``@jit`` and ``@jit(static_argnums=...)``. ``static_argnums`` /
    ``static_argnames`` arguments are part of the cache key (they must be hashable) and are
    ordinary Python values while tracing; the others are traced. ``donate_argnums`` is accepted
    for JAX compatibility and ignored (inputs are never overwritten).

    >>> import funcgrad as fg, funcgrad.numpy as jnp
    >>> @fg.jit(static_argnums=1)
    ... def power(x, n):
    ...     for _ in range(n - 1):
    ...         x = x * x
    ...     return x
    >>> power(jnp.array([2.0, 3.0]), 3)
    Array([16., 81.], dtype=float64)
    """
    if fun is None:
        return lambda f: jit(f, static_argnums=static_argnums, static_argnames=static_argnames,
                             donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                             keep_unused=keep_unused, device=device, backend=backend, inline=inline)
    if isinstance(fun, Jitted) and not (static_argnums or static_argnames):
        return fun
    return Jitted(fun, static_argnums, static_argnames, donate_argnums, donate_argnames,
                  keep_unused, inline)
