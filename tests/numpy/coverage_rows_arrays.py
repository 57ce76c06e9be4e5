"""Coverage rows: reductions, shape functions, creation, indexing, products, dtype objects."""
import numpy as np

import funcgrad as fg
import funcgrad.numpy as jnp

from .coverage import B, Check, F, I, Row

ROWS = []

# --------------------------------------------------------------------------- reductions
for name in ("sum", "prod", "max", "min", "amax", "amin", "mean", "var", "std", "ptp", "nansum",
             "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd"):
    dom = "distinct" if name in ("max", "min", "amax", "amin", "ptp", "nanmax", "nanmin") else "any"
    ROWS.append(Row(name, (F((3, 4), dom),)))
    ROWS.append(Row(name, (F((2, 3, 4), dom),), {"axis": (0, 2), "keepdims": True}, label="axes"))
    ROWS.append(Row(name, (F((3, 4), dom),), {"axis": -1}, label="f32", grad=False,
                    fn=lambda x, axis, name=name: getattr(jnp, name)(x.astype(np.float32), axis=axis),
                    ref=lambda x, axis, name=name: getattr(np, name)(x.astype(np.float32), axis=axis)))
    ROWS.append(Row(name, (I((2, 5), -3, 4),), {"axis": 1}, label="int"))
for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd", "nanargmax",
             "nanargmin", "nanmedian", "nancumsum", "nancumprod"):
    ROWS.append(Row(name, (F((3, 4), "distinct"),), {"axis": 1}, label="with_nan",
                    fn=lambda x, axis, name=name: getattr(jnp, name)(jnp.where(x > 1.5, np.nan, x), axis=axis),
                    ref=lambda x, axis, name=name: getattr(np, name)(np.where(x > 1.5, np.nan, x), axis=axis)))
ROWS += [
    Row("sum", (F((3, 4)),), {"axis": 0, "where": np.array([True, False, True, True]), "initial": 1.0},
        label="where"),
    Row("max", (F((3, 4)),), {"axis": 1, "where": np.array([True, False, True, True]), "initial": -5.0},
        label="where"),
    Row("mean", (F((3, 4)),), {"axis": 1, "where": np.array([True, False, True, True])}, label="where"),
    Row("var", (F((3, 4)),), {"ddof": 1}, label="ddof"),
    Row("std", (F((5,)),), {"correction": 1}, label="correction", ref=lambda x, correction: np.std(x, ddof=1)),
    Row("argmax", (F((3, 4), "distinct"),), {"axis": 1}),
    Row("argmin", (F((3, 4), "distinct"),), {"axis": 0, "keepdims": True}),
    Row("argmax", (F((3, 4), "distinct"),), label="flat"),
    Row("nanargmax", (F((3, 4), "distinct"),)),
    Row("nanargmin", (F((3, 4), "distinct"),), {"axis": 0}),
    Row("all", (B((3, 4)),), {"axis": 1}),
    Row("any", (B((3, 4)),), {"axis": 0}),
    Row("all", (F((3, 4)),), label="float"),
    Row("any", (I((2, 3), 0, 2),), label="int"),
    Row("count_nonzero", (I((3, 4), 0, 2),), {"axis": 1}),
    Row("average", (F((3, 4)),), {"axis": 1, "weights": np.array([1.0, 2.0, 0.5, 1.0])}),
    Row("average", (F((3, 4)), F((3, 4), "pos")), {"axis": 0}, label="weights_arg",
        fn=lambda a, w, axis: jnp.average(a, axis, w), ref=lambda a, w, axis: np.average(a, axis, w)),
]

# --------------------------------------------------------------------------- shape
_X = F((2, 3, 4))
ROWS += [
    Row("reshape", (_X, (4, -1))), Row("ravel", (_X,)), Row("transpose", (_X, (2, 0, 1))),
    Row("transpose", (_X,), label="reverse"), Row("matrix_transpose", (_X,), ref=lambda x: np.swapaxes(x, -1, -2)),
    Row("swapaxes", (_X, 0, -1)), Row("moveaxis", (_X, 0, -1)), Row("rollaxis", (_X, 2)),
    Row("permute_dims", (_X, (1, 2, 0))),
    Row("squeeze", (F((1, 3, 1)),)), Row("squeeze", (F((1, 3, 1)), 2), label="axis"),
    Row("expand_dims", (F((2, 3)), (0, -1))), Row("broadcast_to", (F((3, 1)), (2, 3, 4))),
    Row("broadcast_arrays", (F((3, 1)), F((4,)))),
    Row("concatenate", (F((2, 3)), F((1, 3))), fn=lambda a, b: jnp.concatenate([a, b]),
        ref=lambda a, b: np.concatenate([a, b]), label="two"),
    Row("concat", (F((2, 3)), F((2, 1))), fn=lambda a, b: jnp.concat([a, b], axis=1),
        ref=lambda a, b: np.concatenate([a, b], axis=1)),
    Row("stack", (F((2, 3)), F((2, 3))), fn=lambda a, b: jnp.stack([a, b], axis=-1),
        ref=lambda a, b: np.stack([a, b], axis=-1)),
    Row("vstack", (F((3,)), F((2, 3))), fn=lambda a, b: jnp.vstack([a, b]), ref=lambda a, b: np.vstack([a, b])),
    Row("hstack", (F((2, 1)), F((2, 3))), fn=lambda a, b: jnp.hstack([a, b]), ref=lambda a, b: np.hstack([a, b])),
    Row("dstack", (F((2, 3)), F((2, 3))), fn=lambda a, b: jnp.dstack([a, b]), ref=lambda a, b: np.dstack([a, b])),
    Row("column_stack", (F((3,)), F((3, 2))), fn=lambda a, b: jnp.column_stack([a, b]),
        ref=lambda a, b: np.column_stack([a, b])),
    Row("block", (F((2, 2)), F((2, 1)), F((1, 3))), fn=lambda a, b, c: jnp.block([[a, b], [c]]),
        ref=lambda a, b, c: np.block([[a, b], [c]])),
    Row("split", (F((6, 2)), 3)), Row("split", (F((6, 2)), [1, 4]), label="indices"),
    Row("array_split", (F((7,)), 3)), Row("hsplit", (F((2, 4)), 2)), Row("vsplit", (F((4, 2)), [1])),
    Row("dsplit", (F((1, 2, 4)), 2)), Row("unstack", (F((3, 2)),), {"axis": 1},
                                          ref=lambda x, axis: tuple(np.moveaxis(x, axis, 0))),
    Row("flip", (_X,)), Row("flip", (_X, (0, 2)), label="axes"), Row("fliplr", (F((2, 3)),)),
    Row("flipud", (F((2, 3)),)), Row("rot90", (F((2, 3)),)), Row("rot90", (F((2, 3)), 3), label="k3"),
    Row("roll", (F((2, 5)), 2, 1)), Row("roll", (F((2, 5)), -3), label="flat"),
    Row("tile", (F((2, 3)), (2, 1, 2))), Row("repeat", (F((2, 3)), 2, 1)),
    Row("repeat", (F((4,)), np.array([1, 0, 2, 3])), label="counts"),
    Row("repeat", (F((2, 3)), I((3,), 0, 3)), {"axis": 1}, label="traced_counts", stage=False),
    Row("repeat", (F((3,)), I((3,), 0, 3)), {"total_repeat_length": 5}, label="total_length",
        ref=lambda a, r, total_repeat_length: np.concatenate([np.repeat(a, r), np.full(5, a[-1])])[:5]),
    Row("atleast_1d", (F(()),)), Row("atleast_2d", (F((3,)),)), Row("atleast_3d", (F((2, 3)),)),
    Row("atleast_1d", (F(()), F((2, 2))), label="several"),
    Row("resize", (F((2, 3)), (4, 2))), Row("append", (F((2, 3)), F((1, 3)), 0)),
    Row("append", (F((2, 3)), F((2,))), label="flat"),
    Row("insert", (F((4,)), 1, F((2,)))), Row("insert", (F((2, 3)), [0, 2], F((2,)), 1), label="axis"),
    Row("insert", (I((5,), 0, 9), slice(1, 4), 7), label="slice"),
    Row("delete", (F((5,)), [0, 3])), Row("delete", (F((3, 4)), 1, 1), label="axis"),
    Row("delete", (F((5,)), np.array([True, False, False, True, False])), label="mask"),
    Row("trim_zeros", (I((6,), 0, 2),), stage=False),
    Row("pad", (F((2, 3)), ((1, 2), (0, 1)))),
    Row("pad", (F((2, 3)), 1), {"constant_values": ((1.5, -2.0), (3.0, 4.0))}, label="values"),
    Row("pad", (F((3, 2)), ((2, 3), (1, 0))), {"mode": "edge"}, label="edge"),
    Row("pad", (F((3, 2)), ((4, 3), (1, 2))), {"mode": "wrap"}, label="wrap"),
    Row("pad", (F((3, 2)), ((4, 5), (1, 2))), {"mode": "reflect"}, label="reflect"),
    Row("pad", (F((3, 2)), ((4, 5), (1, 2))), {"mode": "symmetric"}, label="symmetric"),
    Row("pad", (F((4,)), (2, 1)), {"mode": "reflect", "reflect_type": "odd"}, label="odd"),
    Row("pad", (F((3, 2)), ((2, 3), (1, 1))), {"mode": "linear_ramp", "end_values": (1.0, -2.0)},
        label="ramp"),
    Row("pad", (F((4, 3)), ((2, 1), (1, 2))), {"mode": "mean", "stat_length": 2}, label="mean"),
    Row("pad", (F((4, 3), "distinct"), ((2, 1), (1, 2))), {"mode": "maximum"}, label="maximum"),
    Row("pad", (F((4, 3), "distinct"), 1), {"mode": "minimum"}, label="minimum"),
    Row("pad", (F((5, 3), "distinct"), (1, 2)), {"mode": "median"}, label="median"),
    Row("pad", (I((5,), 0, 9), (2, 3)), {"mode": "linear_ramp", "end_values": 20}, label="ramp_int"),
    Row("pad", (F((2, 2)), F(()), F(())), label="traced_values",
        fn=lambda x, c, d: jnp.pad(x, ((1, 0), (0, 2)), constant_values=((c, 1.0), (2.0, c * d))),
        ref=lambda x, c, d: np.pad(x, ((1, 0), (0, 2)), constant_values=((c, 1.0), (2.0, c * d)))),
    Row("pad", (F((3, 2)), F(())), label="traced_ramp",
        fn=lambda x, c: jnp.pad(x, ((1, 2), (0, 1)), mode="linear_ramp", end_values=((c, 1.0), (2.0, c))),
        ref=lambda x, c: np.pad(x, ((1, 2), (0, 1)), mode="linear_ramp", end_values=((c, 1.0), (2.0, c)))),
    Row("pad", (F((2, 2)), 1), {"mode": "empty"}, label="empty",
        ref=lambda a, w, mode: np.pad(a, w)),
    Row("shape", (_X,)), Row("ndim", (_X,)), Row("size", (_X,)), Row("size", (_X, 1), label="axis"),
    Row("broadcast_shapes", ((3, 1), (4,)), ref=lambda a, b: np.broadcast_shapes(a, b)),
]

# --------------------------------------------------------------------------- creation
ROWS += [
    Row("zeros", ((2, 3),)), Row("ones", ((2,), np.int32)), Row("empty", ((2, 2),), ref=np.zeros),
    Row("full", ((2, 3), 1.5)), Row("full", ((3,), F(())), label="traced_value",
                                    ref=lambda s, v: np.full(s, v)),
    Row("zeros_like", (F((2, 3)),)), Row("ones_like", (I((3,)),)), Row("empty_like", (F((2,)),), ref=np.zeros_like),
    Row("full_like", (F((2, 3)), 7)),
    Row("arange", (1, 7, 2)), Row("arange", (0.0, 1.0, 0.25), label="float"),
    Row("linspace", (F(()), F(()), 5)), Row("linspace", (0.0, 1.0, 4), {"endpoint": False}, label="open"),
    Row("logspace", (F(()), F(()), 4)), Row("geomspace", (F((), "pos"), F((), "pos"), 5)),
    Row("geomspace", (F((2,), "pos"), 4.0, 3), {"axis": 1}, label="axis"),
    Row("eye", (3, 4, 1)), Row("identity", (3,)), Row("tri", (3, 4, -1)),
    Row("tril", (F((3, 4)), 1)), Row("triu", (F((2, 3, 3)), -1)), Row("diag", (F((3,)), 1)),
    Row("diag", (F((3, 4)), -1), label="extract"), Row("diagflat", (F((2, 2)), -1)),
    Row("diagonal", (F((3, 4)), 1)), Row("diagonal", (F((2, 3, 3)), 0, 1, 2), label="axes"),
    Row("trace", (F((3, 4)),)), Row("trace", (F((2, 3, 3)), 1, 1, 2), label="axes"),
    Row("meshgrid", (F((3,)), F((2,)))), Row("meshgrid", (F((3,)), F((2,))), {"indexing": "ij"}, label="ij"),
    Row("array", (F((2, 3)),)), Row("array", ([1, 2.5],), label="list"),
    Row("asarray", (F((2, 3)),)), Row("asarray", (I((3,)), np.float32), label="dtype"),
    Row("astype", (F((2, 3)), np.float32), ref=lambda x, d: x.astype(d), gtol=1e-3),
    Row("astype", (F((4,)), np.int32), label="to_int", ref=lambda x, d: x.astype(d)),
    Row("copy", (F((2, 3)),)), Row("indices", ((2, 3),)), Row("indices", ((2, 3),), {"sparse": True}, label="sparse"),
    Row("fromfunction", (lambda i, j: i * 2 + j, (2, 3)),
        ref=lambda f, s: np.fromfunction(f, s)),
    Row("bartlett", (5,)), Row("blackman", (6,)), Row("hamming", (5,)), Row("hanning", (7,)),
    Row("kaiser", (6, F((), "pos"))), Row("vander", (F((3,)),)), Row("vander", (F((3,)), 4, True), label="increasing"),
]

# --------------------------------------------------------------------------- indexing
ROWS += [
    Row("take", (F((5,)), I((4,), -6, 7))),
    Row("take", (F((3, 4)), I((2, 2), 0, 4)), {"axis": 1, "mode": "clip"}, label="clip",
        ref=lambda a, i, axis, mode: np.take(a, i, axis=axis, mode="clip")),
    Row("take", (F((3, 4)), I((3,), -9, 9)), {"axis": 0, "mode": "wrap"}, label="wrap"),
    Row("take_along_axis", (F((3, 4)), I((3, 2), 0, 4), 1)),
    Row("put_along_axis", (F((3, 4)), I((3, 1), 0, 4), F((3, 1)), 1), {"inplace": False},
        ref=lambda a, i, v, ax, inplace: (lambda c: (np.put_along_axis(c, i, v, ax), c)[1])(a.copy())),
    Row("put", (F((2, 3)), np.array([0, 4, 5]), F((3,))), {"inplace": False},
        ref=lambda a, i, v, inplace: (lambda c: (np.put(c, i, v), c)[1])(a.copy())),
    Row("put", (F((2, 3)), I((4,), -9, 9), F((2,))), {"inplace": False, "mode": "wrap"}, label="wrap",
        ref=lambda a, i, v, inplace, mode: (lambda c: (np.put(c, i, v, mode="wrap"), c)[1])(a.copy())),
    Row("place", (F((2, 3)), B((2, 3)), F((2,))), {"inplace": False},
        ref=lambda a, m, v, inplace: (lambda c: (np.place(c, m, v), c)[1])(a.copy())),
    Row("fill_diagonal", (F((3, 3)), F(())), {"inplace": False},
        ref=lambda a, v, inplace: (lambda c: (np.fill_diagonal(c, v), c)[1])(a.copy())),
    Row("fill_diagonal", (F((5, 2)), 9.0, True), {"inplace": False}, label="wrap",
        ref=lambda a, v, w, inplace: (lambda c: (np.fill_diagonal(c, v, w), c)[1])(a.copy())),
    Row("select", (B((4,)), B((4,)), F((4,)), F((4,))),
        fn=lambda c1, c2, a, b: jnp.select([c1, c2], [a, b], -1.0),
        ref=lambda c1, c2, a, b: np.select([c1, c2], [a, b], -1.0)),
    Row("piecewise", (F((5,)),), fn=lambda x: jnp.piecewise(x, [x < 0, x > 1], [lambda v: v * 2, 7.0, jnp.sin]),
        ref=lambda x: np.piecewise(x, [x < 0, x > 1], [lambda v: v * 2, 7.0, np.sin])),
    Row("choose", (I((2, 3), 0, 3), F((2, 3)), F((3,)), F(())),
        fn=lambda i, a, b, c: jnp.choose(i, [a, b, c], mode="clip"),
        ref=lambda i, a, b, c: np.choose(i, [a, b, c], mode="clip")),
    Row("compress", (np.array([True, False, True]), F((3, 2))), {"axis": 0}),
    Row("compress", (B((3,)), F((3, 2))), {"axis": 0, "size": 3}, label="size",
        ref=lambda c, a, axis, size: np.concatenate([a[c], np.zeros((3 - c.sum(), 2))])),
    Row("extract", (B((2, 3)), F((2, 3))), stage=False),
    Row("argwhere", (I((2, 3), 0, 2),), stage=False),
    Row("argwhere", (I((2, 3), 0, 2),), {"size": 4}, label="size",
        ref=lambda a, size: np.concatenate([np.argwhere(a), np.zeros((6, 2), int)])[:4]),
    Row("flatnonzero", (I((2, 3), 0, 2),), stage=False),
    Row("tril_indices", (4, -1)), Row("triu_indices", (3, 0, 4)),
    Row("tril_indices_from", (F((3, 4)),)), Row("triu_indices_from", (F((3, 3)), 1)),
    Row("diag_indices", (3,)), Row("diag_indices_from", (F((2, 2, 2)),)),
    Row("ix_", (I((2,), 0, 3), np.array([True, False, True]))),
    Row("unravel_index", (I((4,), 0, 12), (3, 4))),
    Row("ravel_multi_index", (I((4,), 0, 3), I((4,), 0, 4)), stage=False, fn=lambda i, j: jnp.ravel_multi_index((i, j), (3, 4)),
        ref=lambda i, j: np.ravel_multi_index((i, j), (3, 4))),
    Row("ravel_multi_index", (I((4,), -2, 5), I((4,), 0, 9)), label="clip",
        fn=lambda i, j: jnp.ravel_multi_index((i, j), (3, 4), mode="clip"),
        ref=lambda i, j: np.ravel_multi_index((i, j), (3, 4), mode="clip")),
]

# --------------------------------------------------------------------------- products
ROWS += [
    Row("dot", (F((2, 3)), F((3, 4)))), Row("dot", (F((3,)), F((3,))), label="vec"),
    Row("matmul", (F((2, 2, 3)), F((3, 4)))), Row("inner", (F((2, 3)), F((4, 3)))),
    Row("outer", (F((3,)), F((2,)))), Row("vdot", (F((2, 3)), F((2, 3)))),
    Row("tensordot", (F((2, 3, 4)), F((4, 3, 2))), {"axes": ([1, 2], [1, 0])}),
    Row("einsum", ("ij,jk->ik", F((2, 3)), F((3, 4)))),
    Row("einsum", ("bii->b", F((2, 3, 3))), label="trace"),
    Row("einsum", ("i,i", F((3,)), F((3,))), label="implicit"),
    Row("kron", (F((2, 3)), F((2, 2)))), Row("kron", (F((3,)), F((2, 1, 2))), label="ranks"),
    Row("cross", (F((4, 3)), F((3,)))), Row("cross", (F((2, 2)), F((2, 2))), label="2d", ref=lambda a, b: _quiet(np.cross, a, b)),
    Row("cross", (F((3, 2)), F((2, 3))), {"axisa": 0}, label="mixed"),
]

# --------------------------------------------------------------------------- functional helpers
ROWS += [
    Row("vectorize", (F((3, 4)), F((4,))), fn=lambda a, b: jnp.vectorize(lambda x, y: jnp.sin(x) * y)(a, b),
        ref=lambda a, b: np.vectorize(lambda x, y: np.sin(x) * y)(a, b)),
    Row("vectorize", (F((2, 3)), F((5, 1, 3))), label="signature",
        fn=lambda a, b: jnp.vectorize(jnp.dot, signature="(n),(n)->()")(a, b),
        ref=lambda a, b: np.vectorize(np.dot, signature="(n),(n)->()")(a, b)),
    Row("apply_along_axis", (F((3, 4)),), fn=lambda a: jnp.apply_along_axis(lambda v: v[1:] * v[0], 1, a),
        ref=lambda a: np.apply_along_axis(lambda v: v[1:] * v[0], 1, a)),
    Row("apply_along_axis", (F((3, 4, 2)),), label="scalar_out",
        fn=lambda a: jnp.apply_along_axis(jnp.sum, 1, a), ref=lambda a: np.apply_along_axis(np.sum, 1, a)),
    Row("apply_over_axes", (F((2, 3, 4)),), fn=lambda a: jnp.apply_over_axes(jnp.sum, a, (0, 2)),
        ref=lambda a: np.apply_over_axes(np.sum, a, (0, 2))),
]


def _quiet(fn, *args):
    import warnings
    with warnings.catch_warnings():      # NumPy 2 deprecates cross products of 2-vectors
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(*args)


# --------------------------------------------------------------------------- non-array names

def _dtype_check(name):
    def check(obj):
        want = getattr(np, name)
        assert obj is want or np.dtype(obj) == np.dtype(want), (obj, want)
        if name not in ("generic", "flexible", "character", "object_", "number", "inexact",
                        "floating", "integer", "signedinteger", "unsignedinteger", "complexfloating"):
            assert jnp.zeros(2, obj).dtype == np.dtype(want)
    return check


DTYPE_NAMES = ["bool", "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
               "uint64", "float16", "float32", "float64", "complex64", "complex128", "half",
               "single", "double", "csingle", "cdouble", "int_", "uint", "float_", "complex_",
               "generic", "flexible", "character", "object_", "number", "inexact", "floating",
               "integer", "signedinteger", "unsignedinteger", "complexfloating"]
_NP_ALIAS = {"bool": "bool_", "int_": "int64", "uint": "uint64", "float_": "float64", "complex_": "complex128"}
CHECKS = [Check(n, _dtype_check(_NP_ALIAS.get(n, n))) for n in DTYPE_NAMES]


def _raises_non_concrete_bool(cls):
    import pytest
    with pytest.raises(cls):
        fg.jit(lambda x: x[x > 0])(np.arange(3.0))


CHECKS += [
    Check("dtype", lambda d: d("float32") == np.float32),
    Check("finfo", lambda f: f(np.float32).eps == np.finfo(np.float32).eps),
    Check("iinfo", lambda f: f(np.int8).min == -128),
    Check("issubdtype", lambda f: f(np.float32, np.floating) and not f(np.int32, np.floating)),
    Check("promote_types", lambda f: f(np.float32, np.int64) == np.float64),
    Check("can_cast", lambda f: f(np.int32, np.float64) and not f(np.float64, np.int32)),
    Check("result_type", lambda f: f(np.ones(2, np.float32), 2.0) == np.float32),
    Check("canonicalize_dtype", lambda f: f(np.float64) == np.float64),
    Check("Array", lambda c: isinstance(jnp.ones(2), c)),
    Check("ndarray", lambda c: isinstance(jnp.ones(2), c)),
    Check("NonConcreteBooleanIndexError", _raises_non_concrete_bool),
    Check("isrealobj", lambda f: f(jnp.ones(2)) and not f(np.ones(2, complex))),
    Check("iscomplexobj", lambda f: f(np.ones(2, complex)) and not f(jnp.ones(2))),
    Check("isscalar", lambda f: f(1.0) and f(jnp.float32(1)) and f(jnp.array(1.0)) and not f(jnp.ones(2))),
    Check("iterable", lambda f: f(jnp.ones(2)) and not f(1.0)),
    Check("sort_complex", lambda f: np.array_equal(f(np.array([3.0, 1.0])), np.sort_complex([3.0, 1.0]))),
]
