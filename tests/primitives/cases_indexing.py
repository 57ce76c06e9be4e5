"""Rule-test rows for the indexing primitives: gather, the scatter family, dynamic slices.

Index arguments are drawn with the ``"int"`` sampler (values in [-5, 5]) so that rows exercise
negative indices (which wrap) and out-of-bounds ones (gathers clamp or fill, scatters drop or
clamp), and duplicates (scatters combine them). The default ``batch_args`` batches every
argument, so the vmap check covers batched indices (alone and together with the operand).
"""
import numpy as np

from funcgrad import lax
from funcgrad.primitives import indexing as ix

from .cases import Arg, Case

I64 = "int64"


def _i(shape=(), sampler="int"):
    return Arg(shape, sampler, I64)


CASES = [
    # gather
    Case("gather", lambda x, i: ix.gather(x, i, axes=(0,)), [Arg((5, 3)), _i((4,))]),
    Case("gather", lambda x, i, j: ix.gather(x, i, j, axes=(2, 0)), [Arg((4, 3, 5)), _i((2, 3)), _i((2, 3))],
         name="two_axes", order=2),
    Case("gather", lambda x, i: ix.gather(x, i, axes=(1,), mode="fill", fill_value=0.5),
         [Arg((3, 4)), _i((5,))], name="fill"),
    Case("gather", lambda x, i: ix.gather(x, i, axes=(0,)), [Arg((4, 2)), _i()], name="scalar_index"),
    Case("gather", lambda x, i: ix.gather(x, i, axes=(0,)), [Arg((4, 2), dtype="float32"), _i((3,))],
         name="f32", diff=False),
    # scatter_add
    Case("scatter_add", lambda x, u, i: ix.scatter_add(x, u, i, axes=(0,)),
         [Arg((5, 3)), Arg((6, 3)), _i((6,))]),
    Case("scatter_add", lambda x, u, i, j: ix.scatter_add(x, u, i, j, axes=(1, 0), mode="clip"),
         [Arg((3, 4)), Arg((2, 2)), _i((2, 2)), _i((2, 2))], name="clip_two_axes", order=2),
    # scatter (set): duplicates resolve to the last update; the VJP feeds only the winner
    Case("scatter", lambda x, u, i: ix.scatter(x, u, i, axes=(0,)), [Arg((5,)), Arg((7,)), _i((7,))]),
    Case("scatter", lambda x, u, i: ix.scatter(x, u, i, axes=(1,), mode="clip"),
         [Arg((2, 4)), Arg((3, 2)), _i((3,))], name="clip_rest_dims"),
    # scatter_mul: exact partials with zero updates (one zero at index 1, two zeros at index 3)
    Case("scatter_mul", lambda x, u, i: ix.scatter_mul(x, u, i, axes=(0,)),
         [Arg((4, 2)), Arg((5, 2)), _i((5,))], order=2),
    Case("scatter_mul", lambda x, u, i: ix.scatter_mul(x, u, i, axes=(0,)),
         [Arg((4,)), Arg(value=np.array([0.0, 2.0, 3.0, 0.0, 0.0, 1.5])),
          Arg(value=np.array([1, 1, 2, 3, 3, 9]))], name="zeros", batch_args=(0,)),
    # scatter_min / scatter_max
    Case("scatter_min", lambda x, u, i: ix.scatter_min(x, u, i, axes=(0,)), [Arg((5,)), Arg((6,)), _i((6,))]),
    Case("scatter_max", lambda x, u, i: ix.scatter_max(x, u, i, axes=(1,), mode="clip"),
         [Arg((2, 4)), Arg((3, 2)), _i((3,))]),
    # dynamic slices: start indices are traced scalars (wrapped if negative, clamped to fit)
    Case("dynamic_slice", lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 3)), [Arg((4, 5)), _i(), _i()]),
    Case("dynamic_slice", lambda x, i: lax.dynamic_index_in_dim(x, i, 1, keepdims=False),
         [Arg((3, 4)), _i()], name="index_in_dim"),
    Case("dynamic_update_slice", lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 1)),
         [Arg((4, 5)), Arg((2, 3)), _i()]),
    Case("dynamic_update_slice", lambda x, u, i: lax.dynamic_update_slice_in_dim(x, u, i, 0),
         [Arg((5,)), Arg((2,)), _i()], name="in_dim", order=2),
]
