"""All coverage rows, by module: key -> (module under test, reference module, rows)."""
from . import (coverage_rows_arrays, coverage_rows_misc, coverage_rows_order, coverage_rows_special,
               coverage_rows_ufuncs)

TABLES = {
    "numpy": ("funcgrad.numpy", "numpy", coverage_rows_ufuncs.ROWS + coverage_rows_arrays.ROWS
              + coverage_rows_arrays.CHECKS + coverage_rows_order.ROWS + coverage_rows_misc.ROWS
              + coverage_rows_misc.CHECKS + coverage_rows_misc.UFUNC_METHODS
              + coverage_rows_misc.INDEX_OBJECTS),
    "lax": ("funcgrad.lax", None, coverage_rows_misc.LAX),
    "numpy.fft": ("funcgrad.numpy.fft", "numpy.fft", coverage_rows_misc.FFT),
    "scipy.special": ("funcgrad.scipy.special", "scipy.special", coverage_rows_special.SPECIAL),
    "nn": ("funcgrad.nn", None, coverage_rows_special.NN),
    "nn.initializers": ("funcgrad.nn.initializers", None, coverage_rows_special.INITIALIZERS),
}

PARTIAL = {"lax"}   # tables that cover only some of their module's names
