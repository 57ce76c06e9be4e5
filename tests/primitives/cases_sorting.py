"""Rule-test rows for the sorting primitives: sort, argsort, cumsum."""
import numpy as np

from funcgrad.primitives import sorting as so

from .cases import Arg, Case

CASES = [
    Case("sort", lambda x: so.sort(x, 1), [Arg((3, 5))], order=2),
    Case("sort", lambda x: so.sort(x, 0), [Arg((4,))], name="vector"),
    Case("sort", lambda x: so.sort(x, 0), [Arg(value=np.array([2.0, 1.0, 2.0, 1.0]))], name="ties",
         diff=False),
    Case("argsort", lambda x: so.argsort(x, 0, np.int64), [Arg((4, 3))], diff=False),
    Case("argsort", lambda x: so.argsort(x, 1, np.int32), [Arg((2, 6), "int", "int64")], name="int_ties",
         diff=False),
    Case("cumsum", lambda x: so.cumsum(x, 1), [Arg((3, 4))], order=2),
    Case("cumsum", lambda x: so.cumsum(x, 0, reverse=True), [Arg((5, 2))], name="reverse"),
]
