"""All coverage rows, by module: key -> (module under test, reference module, rows)."""
from . import coverage_rows_arrays, coverage_rows_order, coverage_rows_ufuncs

TABLES = {
    "numpy": ("funcgrad.numpy", "numpy", coverage_rows_ufuncs.ROWS + coverage_rows_arrays.ROWS
              + coverage_rows_arrays.CHECKS + coverage_rows_order.ROWS),
}
