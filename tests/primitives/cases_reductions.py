from funcgrad import lax

from .cases import Arg, Case

CASES = []
for name, fn in (("reduce_sum", lax.reduce_sum), ("reduce_max", lax.reduce_max),
                 ("reduce_min", lax.reduce_min), ("reduce_prod", lax.reduce_prod)):
    CASES.append(Case(name, lambda x, fn=fn: fn(x, (1,)), [Arg((2, 3, 4))], name="axis1"))
    CASES.append(Case(name, lambda x, fn=fn: fn(x, (0, 2)), [Arg((2, 3, 4))], name="axes02", order=2))
    CASES.append(Case(name, lambda x, fn=fn: fn(x, (0,)), [Arg((5,))], name="full"))
CASES.append(Case("reduce_sum", lambda x: lax.reduce_sum(x, (0,)), [Arg((0, 3))], name="empty"))
CASES.append(Case("reduce_prod", lambda x: lax.reduce_prod(x, (1,)),
                  [Arg(value=[[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, -1.0]])], name="zeros"))
CASES.append(Case("argmax", lambda x: lax.argmax(x, 1, "int64"), [Arg((3, 4))], diff=False))
CASES.append(Case("argmin", lambda x: lax.argmin(x, 0, "int32"), [Arg((3, 4))], diff=False))
