"""Rule-test rows for the special-function primitives (second derivatives included)."""
import numpy as np

from funcgrad.primitives import elementwise as ew, normal_special as ns, special as sp

from .cases import Arg, Case

CASES = [
    Case("erfc", sp.erfc, [Arg((3, 4), "small")], order=2),
    Case("bessel_i0e", sp.bessel_i0e, [Arg((5,))], order=2),
    Case("bessel_i1e", sp.bessel_i1e, [Arg((5,))], order=2),
    # i1e'' jumps at 0 (i1e ~ x/2 - x|x|/2): central differences there are off by eps/2
    Case("bessel_i1e", sp.bessel_i1e, [Arg(value=np.array([0.0, 1e-3, -2.0]))], name="at_zero", tol=1e-3),
    Case("log_ndtr", ns.log_ndtr, [Arg((4,))], order=2),
    Case("log_ndtr", ns.log_ndtr, [Arg(value=np.array([-30.0, -8.0, 5.0]))], name="tails"),
    Case("ndtri", lambda p: ns.ndtri(ew.add(ew.mul(p, ew.const(p, 0.45)), ew.const(p, 0.5))),
         [Arg((5,), "unit")], order=2),
    Case("gcd", sp.gcd, [Arg((3, 4), "int", "int64"), Arg((1, 4), "int", "int64")], diff=False,
         batch_args=(0,)),
    Case("left_shift", sp.left_shift, [Arg((5,), "int", "int32"), Arg(value=np.array([0, 1, 3, 31, 2], np.int32))],
         diff=False, batch_args=(0,)),
    Case("right_shift", sp.right_shift,
         [Arg((5,), "int", "int64"), Arg(value=np.array([0, 1, 2, 63, 1]))], diff=False, batch_args=(0,)),
    Case("bitwise_count", sp.bitwise_count, [Arg((2, 3), "int", "int16")], diff=False),
]
