"""The jit backend: fusion, code generation, Numba compilation and the on-disk cache.

Imports ``funcgrad.core`` only; ``compile.py`` is the only module that imports numba.
"""
