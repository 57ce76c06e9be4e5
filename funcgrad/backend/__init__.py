"""The jit backend: fusion, code generation, Numba compilation and the on-disk cache.

Entry points (``program.py``): ``lower(closed_jaxpr) -> Program`` (the generated source) and
``compile(closed_jaxpr) -> Executable``. Imports ``funcgrad.core`` only; ``numba_backend.py`` is the
only module that imports numba (on the first compile).
"""
from .program import Executable, Program, backend_name, compile, lower  # noqa: F401,A004
