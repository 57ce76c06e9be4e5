"""Rows for the bit-level primitives of ``funcgrad/primitives/random_bits.py``."""
import numpy as np

from funcgrad import lax
from funcgrad.primitives.random_bits import sort_permutation, threefry2x32

from .cases import Arg, Case

U = "uint32"


def _threefry_first(k1, k2, x1, x2):
    return threefry2x32(k1, k2, x1, x2)[0]


def _threefry_second(k1, k2, x1, x2):
    return threefry2x32(k1, k2, x1, x2)[1]


CASES = [
    Case("threefry2x32", _threefry_first,
         [Arg((), "int", U), Arg((), "int", U), Arg((3,), "int", U), Arg((3,), "int", U)],
         diff=False, batch_args=[0, 1, 2, 3]),
    Case("threefry2x32", _threefry_second,
         [Arg((), "int", U), Arg((), "int", U), Arg((2, 3), "int", U), Arg((2, 3), "int", U)],
         diff=False, name="second-word"),
    Case("shift_left", lax.shift_left, [Arg((4,), "int", U), Arg((4,), "posint", U)], diff=False),
    Case("shift_left", lambda x: lax.shift_left(x, np.int64(40)), [Arg((4,), "int", "int64")],
         diff=False, name="int64-by-40"),
    Case("shift_right_logical", lax.shift_right_logical,
         [Arg((4,), "int", U), Arg((4,), "posint", U)], diff=False),
    Case("shift_right_logical", lambda x: lax.shift_right_logical(x, np.int64(3)),
         [Arg((2, 3), "int", "int64")], diff=False, name="signed"),
    Case("bitcast_convert_type", lambda x: lax.bitcast_convert_type(x, np.float64),
         [Arg((2, 3), "int", "int64")],
         diff=False),
    Case("bitcast_convert_type", lambda x: lax.bitcast_convert_type(x, np.uint64),
         [Arg((), "int", "int64")], diff=False, name="scalar"),
    Case("sort_permutation", lambda k: sort_permutation(k, -1), [Arg((2, 5))], diff=False),
    Case("sort_permutation", lambda k: sort_permutation(k, 0), [Arg((4, 3), "int", U)], diff=False,
         name="axis0"),
    Case("optimization_barrier", lambda x, y: lax.optimization_barrier((x * y, y))[0] * 2.0,
         [Arg((3,)), Arg((3,))], order=2),
]
