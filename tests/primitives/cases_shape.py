from funcgrad import lax

from .cases import Arg, Case

CASES = [
    Case("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 4, 3), (0, 2)), [Arg((2, 3))]),
    Case("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (2, 3), (1,)), [Arg((1,))], name="size1"),
    Case("broadcast_in_dim", lambda x: lax.broadcast_in_dim(x, (4, 3), ()), [Arg(())], name="scalar"),
    Case("reshape", lambda x: lax.reshape(x, (3, 2)), [Arg((2, 3))]),
    Case("reshape", lambda x: lax.reshape(x, (0, 2)), [Arg((2, 0))], name="empty"),
    Case("transpose", lambda x: lax.transpose(x, (2, 0, 1)), [Arg((2, 3, 4))]),
    Case("squeeze", lambda x: lax.squeeze(x, (0, 2)), [Arg((1, 3, 1))]),
    Case("expand_dims", lambda x: lax.expand_dims(x, (0, 2)), [Arg((3, 2))]),
    Case("concatenate", lambda x, y: lax.concatenate([x, y, x], 1), [Arg((2, 3)), Arg((2, 1))]),
    Case("slice", lambda x: lax.slice(x, (1, 0), (3, 4), (1, 2)), [Arg((4, 5))]),
    Case("slice", lambda x: lax.slice(x, (0, 1), (2, 1)), [Arg((2, 3))], name="empty"),
    Case("pad", lambda x, v: lax.pad(x, v, ((1, 2, 1), (0, -1, 0))), [Arg((3, 4)), Arg(())]),
    Case("pad", lambda x, v: lax.pad(x, v, ((-1, 1, 0),)), [Arg((4,)), Arg(())], name="negative"),
    Case("rev", lambda x: lax.rev(x, (0, 1)), [Arg((2, 3))]),
]
