"""Compiled code is released: a bounded table of loaded kernels (LRU), and ``linecache``
entries of generated drivers that go away with their programs."""
import gc
import linecache
import os
import sys

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as jnp


@pytest.fixture
def small_kernel_table():
    from funcgrad.backend import numba_backend as nb
    old = nb.kernel_cache_size()
    nb.kernel_cache_size(3)
    yield nb
    nb.kernel_cache_size(old)


def test_loaded_kernels_are_bounded_by_the_configured_size(small_kernel_table):
    nb = small_kernel_table
    x = np.linspace(-0.5, 0.5, 16)
    ops = [jnp.sin, jnp.cos, jnp.tanh, jnp.exp, jnp.log1p, jnp.expm1]
    refs = [np.sin, np.cos, np.tanh, np.exp, np.log1p, np.expm1]
    fns = [fg.jit(lambda v, op=op: op(v) * 1.25) for op in ops]
    nb.clear_kernels()
    before = {m for m in sys.modules if m.startswith("_funcgrad_k_")}   # (other loaders' modules)
    before_src = {os.path.abspath(k) for k in linecache.cache}
    for fn, ref in zip(fns, refs):
        np.testing.assert_allclose(fn(x), ref(x) * 1.25, rtol=1e-13)
        assert len(nb._KERNELS) <= 3
    loaded = [m for m in sys.modules if m.startswith("_funcgrad_k_") and m not in before]
    assert len(loaded) <= 3, loaded
    sources = {os.path.abspath(k) for k in linecache.cache
               if os.path.basename(k).startswith("k_")} - before_src  # (Numba: relative names too)
    assert len(sources) <= 3, sources
    for fn, ref in zip(fns, refs):          # evicted kernels: their programs still run
        np.testing.assert_allclose(fn(x), ref(x) * 1.25, rtol=1e-13)
    fns[0].clear_cache()                     # and reload from the disk cache when needed
    np.testing.assert_allclose(fns[0](x), np.sin(x) * 1.25, rtol=1e-13)
    with pytest.raises(ValueError, match="at least 1"):
        nb.kernel_cache_size(0)


def test_driver_source_leaves_linecache_with_its_program():
    f = fg.jit(lambda v: jnp.sin(v) * 4.5 - 1.0)
    before = set(linecache.cache)
    f(np.ones(3))
    new = {k for k in set(linecache.cache) - before if k.rsplit("/", 1)[-1].startswith("p_")}
    assert new, "the driver's source is in linecache (tracebacks show it)"
    f.clear_cache()
    gc.collect()
    assert not (new & set(linecache.cache)), new & set(linecache.cache)
