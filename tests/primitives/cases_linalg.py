from funcgrad import lax

from .cases import Arg, Case

MM = (((1,), (0,)), ((), ()))
CASES = [
    Case("dot_general", lambda a, b: lax.dot_general(a, b, MM), [Arg((3, 4)), Arg((4, 2))], order=2),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((0,), (0,)), ((), ()))),
         [Arg((4,)), Arg((4,))], name="vecvec"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((0,), (1,)), ((), ()))),
         [Arg((4, 3)), Arg((2, 4))], name="transposed"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((2,), (1,)), ((0,), (0,)))),
         [Arg((2, 3, 4)), Arg((2, 4, 5))], name="batched"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((1, 3), (2, 0)), ((0,), (1,)))),
         [Arg((2, 3, 5, 4)), Arg((4, 2, 3, 6))], name="general"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, (((), ()), ((), ()))),
         [Arg((3,)), Arg((2,))], name="outer"),
    Case("dot_general", lambda a, b: lax.dot_general(a, b, MM), [Arg((0, 4)), Arg((4, 2))], name="empty"),
]
