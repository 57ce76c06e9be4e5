"""Fault injection: damaged or unusable jit caches, concurrent compiles, signals, fork.

Every scenario runs in a fresh process with a timeout (a hang is a failure, never a stuck test
run) on tiny programs of one kernel, from a warm cache prepared once per module and copied. Each
must give correct results and either repair the cache or bypass it with one ``RuntimeWarning``.
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap

import pytest

ROOT = str(pathlib.Path(__file__).resolve().parents[2])
TIMEOUT = 180

# f and g compile to one kernel each: cos(x) * 3 and sin(x) * 2 (same signature)
CHILD = textwrap.dedent(r"""
    import json, os, sys, warnings
    sys.path.insert(0, {root!r})
    warnings.simplefilter("always")
    import numpy as np
    import funcgrad as fg, funcgrad.numpy as jnp
    x = np.linspace(-3.0, 3.0, 64)
    f = fg.jit(lambda v: jnp.cos(v) * 3.0)
    g = fg.jit(lambda v: jnp.sin(v) * 2.0)

    def check(out):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out["ok"] = bool(np.allclose(f(x), np.cos(x) * 3.0) and np.allclose(g(x), np.sin(x) * 2.0))
        out["warnings"] = [str(m.message) for m in w if "funcgrad" in str(m.message)]
        from funcgrad.backend import numba_backend as nb
        out.update(nb.cache_stats())
        return out
    {body}
    print(json.dumps(out))
""")


def run_child(cache_dir, body="out = check({})", env=None, user=None, timeout=TIMEOUT):
    e = dict(os.environ, FUNCGRAD_CACHE_DIR=str(cache_dir), **(env or {}))
    code = CHILD.format(root=ROOT, body=textwrap.dedent(body).strip())
    r = subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,
                       timeout=timeout, user=user, cwd="/")
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stderr[-3000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def warm(tmp_path_factory):
    """A cache directory holding f's and g's kernels (and the runtime library)."""
    d = tmp_path_factory.mktemp("warm")
    out = run_child(d)
    assert out["ok"] and out["misses"] >= 2, out
    return d


@pytest.fixture
def cache(warm):
    """A copy of the warm cache, in a directory every user can reach (the other-user tests)."""
    top = tempfile.mkdtemp(prefix="fg-faults-")
    os.chmod(top, 0o755)
    d = pathlib.Path(top) / "cache"
    shutil.copytree(warm, d)
    yield d
    for p in [d, *d.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(top, ignore_errors=True)


def entry_files(cache_dir, fn):
    """The kernel of f ("cos") or g ("sin"): its .nbc object file and its .nbi index."""
    (vdir,) = [p for p in pathlib.Path(cache_dir).iterdir() if p.name.startswith("fg-")]
    (src,) = [p for p in vdir.glob("k_*.py") if f"rt.{fn}_" in p.read_text()]
    pyc = vdir / "__pycache__"
    (nbc,) = pyc.glob(src.stem + ".*.nbc")
    (nbi,) = pyc.glob(src.stem + ".*.nbi")
    return nbc, nbi


def assert_repaired(cache_dir, out):
    assert out["ok"], out
    assert len(out["warnings"]) <= 1, out["warnings"]
    again = run_child(cache_dir)
    assert again["ok"] and again["misses"] == 0 and not again["warnings"], again


# --------------------------------------------------------------------------- damaged entries

def test_a_warm_cache_loads_without_compiling_or_warning(cache):
    out = run_child(cache)
    assert out["ok"] and out["misses"] == 0 and out["hits"] >= 2 and not out["warnings"], out


def test_numba_cache_dir_does_not_move_the_compiled_code(cache, tmp_path):
    """With ``$NUMBA_CACHE_DIR`` set, the kernels' compiled code still lives in (and loads from)
    funcgrad's cache directory: a warm cache copied to another path does not compile again, and
    a cold compile writes its entries next to their manifests."""
    out = run_child(cache, env={"NUMBA_CACHE_DIR": str(tmp_path / "numba")})
    assert out["ok"] and out["misses"] == 0 and out["hits"] >= 2 and not out["warnings"], out
    cold = tmp_path / "cold"
    out = run_child(cold, env={"NUMBA_CACHE_DIR": str(tmp_path / "numba")})
    assert out["ok"] and out["misses"] >= 2, out
    assert entry_files(cold, "cos") and entry_files(cold, "sin")
    assert not list((tmp_path / "numba").rglob("*.nbi"))


@pytest.mark.parametrize("damage", ["random", "truncated", "empty", "bitflip", "empty-index"])
def test_a_damaged_entry_is_detected_dropped_and_recompiled(cache, damage):
    nbc, nbi = entry_files(cache, "cos")
    data = nbc.read_bytes()
    if damage == "random":
        nbc.write_bytes(os.urandom(len(data)))
    elif damage == "truncated":
        nbc.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        nbc.write_bytes(b"")
    elif damage == "bitflip":     # crashed (SIGSEGV/SIGILL) or gave wrong numbers before
        b = bytearray(data)
        b[len(b) * 2 // 3] ^= 0x10
        nbc.write_bytes(bytes(b))
    else:
        nbi.write_bytes(b"")
    out = run_child(cache)
    assert out["misses"] >= 1
    assert_repaired(cache, out)


def test_swapped_object_files_do_not_swap_results(cache):
    """Swapping two kernels' object files made jit(cos(x) * 3) return sin(x) * 2, forever."""
    cos_nbc, _ = entry_files(cache, "cos")
    sin_nbc, _ = entry_files(cache, "sin")
    a, b = cos_nbc.read_bytes(), sin_nbc.read_bytes()
    cos_nbc.write_bytes(b)
    sin_nbc.write_bytes(a)
    out = run_child(cache)
    assert out["ok"], out
    assert out["warnings"] and all("damaged" in w for w in out["warnings"]), out
    assert_repaired(cache, out)


def test_an_entry_without_its_hash_is_not_trusted(cache):
    nbc, nbi = entry_files(cache, "sin")
    for p in nbi.parent.glob(nbi.name[:-4] + ".sha256"):
        p.unlink()
    b = bytearray(nbc.read_bytes())
    b[len(b) // 2] ^= 0xFF
    nbc.write_bytes(bytes(b))
    out = run_child(cache)
    assert out["ok"] and out["misses"] >= 1, out
    assert_repaired(cache, out)


def manifest_of(nbi):
    return nbi.parent / (nbi.name[:-4] + ".sha256")


def rewrite_manifest(cache_dir, fn):
    """A valid manifest (as its writer makes it: unverified) over the entry's current files."""
    from funcgrad.backend.cache import file_digest
    nbc, nbi = entry_files(cache_dir, fn)
    src = nbi.parent.parent / (nbi.name.split(".")[0] + ".py")
    manifest_of(nbi).write_text(file_digest([str(src), str(nbi), str(nbc)]))


def crash_on_load(nbc):
    """Make the object code inside ``nbc`` one LLVM refuses with a fatal error (abort) when a
    process loads it: its ELF section-header offset points past the end of the file."""
    data = bytearray(nbc.read_bytes())
    elf = data.find(b"\x7fELF")
    assert elf > 0
    data[elf + 0x28:elf + 0x30] = (0x7FFFFFFFFFFF).to_bytes(8, "little")    # e_shoff
    nbc.write_bytes(bytes(data))


LOAD_DIRECTLY = textwrap.dedent(r"""
    import sys
    sys.path.insert(0, {root!r})
    from funcgrad.backend import numba_backend as nb, entry_guard
    src = {src!r}
    disp = nb.load_kernel(src.rsplit("/", 1)[1][:-3], open(src).read())
    print("loaded", entry_guard._load_from_disk(disp))
""")


def test_an_entry_that_crashes_when_loaded_is_checked_in_a_child_dropped_and_recompiled(cache):
    """A valid manifest over an object file that aborts the process loading it (as one written
    by a broken compile would): the user's process survives, with the right result and one
    warning; the entry is compiled again, and the next process loads it without compiling."""
    nbc, nbi = entry_files(cache, "cos")
    crash_on_load(nbc)
    rewrite_manifest(cache, "cos")
    src = nbi.parent.parent / (nbi.name.split(".")[0] + ".py")
    direct = subprocess.run([sys.executable, "-c", LOAD_DIRECTLY.format(root=ROOT, src=str(src))],
                            env=dict(os.environ, FUNCGRAD_CACHE_DIR=str(cache)),
                            capture_output=True, text=True, timeout=TIMEOUT, cwd="/")
    assert direct.returncode != 0 and "loaded" not in direct.stdout, direct  # (it does crash)
    out = run_child(cache)
    assert out["ok"] and out["misses"] >= 1, out
    assert len(out["warnings"]) == 1 and "crashed when loaded" in out["warnings"][0], out
    assert_repaired(cache, out)
    _, nbi = entry_files(cache, "cos")
    assert manifest_of(nbi).read_text().endswith(" verified")


#: a child body's first lines: count the processes it starts (``runs``)
COUNT_CHILDREN = """
        import subprocess
        runs = []
        real = subprocess.Popen
        def counting(*a, **k):
            runs.append(1)
            return real(*a, **k)
        subprocess.Popen = counting
"""


def test_a_verified_entry_is_loaded_without_a_child_and_an_unverified_one_is_marked(cache):
    _, nbi = entry_files(cache, "sin")
    body = COUNT_CHILDREN + """
        out = check({})
        out["children"] = len(runs)
    """
    rewrite_manifest(cache, "sin")             # unverified: checked in a child, then marked
    rewrite_manifest(cache, "cos")
    out = run_child(cache, body)
    # one checking child for both (it stays up for the process's later checks)
    assert out["ok"] and out["misses"] == 0 and not out["warnings"] and out["children"] == 1, out
    assert manifest_of(nbi).read_text().endswith(" verified")
    out = run_child(cache, body)               # verified: no child
    assert out["ok"] and out["misses"] == 0 and out["children"] == 0, out


def test_a_checking_child_that_died_between_checks_is_replaced(cache):
    """The checking child is kept for the process's later checks; one that died meanwhile is
    replaced by a new one, not taken for "no child can run"."""
    rewrite_manifest(cache, "sin")
    rewrite_manifest(cache, "cos")
    body = COUNT_CHILDREN + """
        from funcgrad.backend import entry_guard
        out = {"first": bool(np.allclose(f(x), np.cos(x) * 3.0))}
        entry_guard._CHECKER[0][1].kill()
        entry_guard._CHECKER[0][1].wait()
        out = check(out)
        out["children"] = len(runs)
    """
    out = run_child(cache, body)
    assert out["first"] and out["ok"] and out["misses"] == 0 and not out["warnings"], out
    assert out["children"] == 2, out
    for fn in ("sin", "cos"):
        _, nbi = entry_files(cache, fn)
        assert manifest_of(nbi).read_text().endswith(" verified")


def test_a_forked_process_checks_with_its_own_child(cache):
    """After a fork, the child process does not share its parent's checking child (their
    replies would interleave): it starts its own."""
    rewrite_manifest(cache, "sin")
    rewrite_manifest(cache, "cos")
    body = """
        from funcgrad.backend import entry_guard
        out = {"first": bool(np.allclose(f(x), np.cos(x) * 3.0))}
        parents = entry_guard._CHECKER[0][1].pid
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            ok = bool(np.allclose(g(x), np.sin(x) * 2.0))
            mine = entry_guard._CHECKER[0][1].pid
            os.write(w, json.dumps({"ok": ok, "other": mine != parents}).encode())
            os._exit(0)
        os.close(w)
        os.waitpid(pid, 0)
        out["forked"] = json.loads(os.read(r, 1000))
        out = check(out)
    """
    out = run_child(cache, body)
    assert out["first"] and out["forked"] == {"ok": True, "other": True}, out
    assert out["ok"] and out["misses"] == 0 and not out["warnings"], out


def test_an_unverified_entry_is_compiled_again_when_no_child_can_check_it(cache):
    """Without a child process (none can start), an unverified entry is never loaded unchecked:
    it is compiled again, with one warning."""
    rewrite_manifest(cache, "cos")
    body = """
        import subprocess
        def no_child(*a, **k):
            raise OSError("no processes left")
        subprocess.Popen = no_child
        out = check({})
    """
    out = run_child(cache, body)
    assert out["ok"] and out["misses"] >= 1, out
    assert len(out["warnings"]) == 1 and "could not be loaded" in out["warnings"][0], out


def test_the_compile_helper_verifies_the_entries_of_a_cold_compile(tmp_path):
    """Three or more new kernels compile with the helper process, which loads every entry
    written (its own and its parent's) from disk and marks it: a warm start needs no child."""
    body = """
        def h(v, m):
            a = jnp.sum(jnp.cos(v) * 3.0)
            b = jnp.max(jnp.sin(m), axis=0)
            c = jnp.exp(-v * v) @ m
            return a + jnp.sum(b * c) + jnp.mean(jnp.tanh(m), axis=1).sum()
        m = np.linspace(0.0, 1.0, 64 * 64).reshape(64, 64)
        out = check({})
        out["ok"] = out["ok"] and bool(np.allclose(fg.jit(h)(x, m), h(x, m)))
    """
    out = run_child(tmp_path, body, env={"FUNCGRAD_PARALLEL_COMPILE": "1"})
    assert out["ok"], out
    manifests = list(tmp_path.glob("fg-*/__pycache__/k_*.sha256"))
    marked = [m for m in manifests if m.read_text().endswith(" verified")]
    assert len(manifests) >= 6 and len(marked) >= len(manifests) - 2, (len(manifests), len(marked))


def test_the_first_program_of_a_process_starts_the_helper_before_importing_numba(tmp_path):
    """A process's first jitted program with three or more new kernels starts the helper before
    it imports Numba (``program.load``); it compiles its share and verifies every entry."""
    body = """
        import sys
        m = np.linspace(0.0, 1.0, 64 * 64).reshape(64, 64)
        def hf(v, m):
            return (jnp.sum(jnp.cos(v) * 3.0)
                    + jnp.sum(jnp.max(jnp.sin(m), axis=0) * (jnp.exp(-v * v) @ m))
                    + jnp.mean(jnp.tanh(m), axis=1).sum())
        from funcgrad.backend import compile_helper
        started = []
        real_start = compile_helper.start
        def start(todo):
            started.append("numba" in sys.modules)
            return real_start(todo)
        compile_helper.start = start
        got = fg.jit(hf)(x, m)
        out = check({})
        out["ok"] = out["ok"] and bool(np.allclose(got, hf(x, m)))
        out["started_before_numba"] = started[:1] == [False]
    """
    out = run_child(tmp_path, body, env={"FUNCGRAD_PARALLEL_COMPILE": "1"})
    assert out["ok"] and out["started_before_numba"], out
    manifests = list(tmp_path.glob("fg-*/__pycache__/k_*.sha256"))
    marked = [m for m in manifests if m.read_text().endswith(" verified")]
    assert len(manifests) >= 6 and len(marked) >= len(manifests) - 2, (len(manifests), len(marked))


# --------------------------------------------------------------------------- unusable caches

def _one_warning_in_memory(out):
    assert out["ok"], out
    assert len(out["warnings"]) == 1 and "compiling in memory" in out["warnings"][0], out


def test_a_file_where_the_cache_directory_should_be(tmp_path):
    p = tmp_path / "cachefile"
    p.write_text("not a directory")
    _one_warning_in_memory(run_child(p))


def test_a_cache_directory_below_a_file(tmp_path):
    p = tmp_path / "cachefile"
    p.write_text("not a directory")
    _one_warning_in_memory(run_child(p / "sub"))


def test_a_full_disk(cache):
    body = """
        import errno, tempfile
        real = tempfile.mkstemp
        def full(*a, **k):
            raise OSError(errno.ENOSPC, "No space left on device")
        tempfile.mkstemp = full
        from funcgrad.backend import cache as c
        c.cache_dir()                        # (the directory exists: only writes fail)
        h = fg.jit(lambda v: jnp.cos(v) * 3.0 + 1.0)   # a new kernel: must be written
        out = check({})
        out["ok"] = out["ok"] and bool(np.allclose(h(x), np.cos(x) * 3.0 + 1.0))
    """
    out = run_child(cache, body)
    assert out["ok"], out
    assert len(out["warnings"]) <= 1, out


def test_the_cache_directory_deleted_while_running(tmp_path):
    body = """
        out = check({})
        from funcgrad.backend import cache as c
        import shutil
        shutil.rmtree(os.environ["FUNCGRAD_CACHE_DIR"])
        h = fg.jit(lambda v: jnp.tanh(v) * 5.0)           # new kernels after the deletion
        k = fg.jit(lambda v: jnp.exp(-v * v) + 2.0)
        out["ok"] = out["ok"] and bool(np.allclose(h(x), np.tanh(x) * 5.0)
                                       and np.allclose(k(x), np.exp(-x * x) + 2.0))
    """
    out = run_child(tmp_path / "c", body)
    assert out["ok"] and len(out["warnings"]) <= 1, out


def _other_user():
    """"nobody" if we are root and nobody can run this Python, else None."""
    if os.geteuid() != 0:
        return None
    try:
        r = subprocess.run([sys.executable, "-c", "pass"], user="nobody", capture_output=True,
                           timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError):
        return None
    return "nobody" if r.returncode == 0 else None


READ_ONLY = """
    import errno, tempfile
    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")
    tempfile.mkstemp = read_only
    out = check({})
    h = fg.jit(lambda v: v * 7.0 - 1.0)
    out["ok"] = out["ok"] and bool(np.allclose(h(x), x * 7.0 - 1.0))
"""


def test_a_read_only_cache(cache):
    """A read-only cache: another user's directory (as root: run as nobody), or a read-only
    file system (simulated when no other user can run this Python)."""
    user = _other_user()
    if user is None and os.geteuid() != 0:
        for p in [cache, *cache.rglob("*")]:
            if p.is_dir():
                p.chmod(0o555)
    simulate = user is None and os.geteuid() == 0
    body = READ_ONLY if simulate else READ_ONLY[READ_ONLY.index("out = check"):]
    try:
        out = run_child(cache, body, user=user)
    finally:
        for p in [cache, *cache.rglob("*")]:
            if p.is_dir():
                p.chmod(0o755)
    assert out["ok"], out
    assert len(out["warnings"]) <= 1, out


@pytest.mark.skipif(_other_user() is None, reason="needs root to act as another user")
def test_another_users_private_files(cache):
    """Files written 0600 by another user (the shared cache of the issue)."""
    for p in [cache, *cache.rglob("*")]:
        p.chmod(0o777 if p.is_dir() else 0o600)
    out = run_child(cache, user="nobody")
    _one_warning_in_memory(out)


def test_new_cache_files_are_readable_by_others(tmp_path):
    run_child(tmp_path)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o044 == 0o044 for p in files), \
        [(p.name, oct(p.stat().st_mode)) for p in files if p.stat().st_mode & 0o044 != 0o044]


# --------------------------------------------------------------------------- concurrency

@pytest.mark.parametrize("n", [2, 4])
def test_processes_compiling_the_same_function_into_one_cache(tmp_path, n):
    e = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path))
    code = CHILD.format(root=ROOT, body="out = check({})")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=e, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    try:
        outs = [p.communicate(timeout=TIMEOUT) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (so, se) in zip(procs, outs):
        assert p.returncode == 0, se[-2000:]
        out = json.loads(so.strip().splitlines()[-1])
        assert out["ok"] and len(out["warnings"]) <= 1, out
    after = run_child(tmp_path)
    assert after["ok"] and after["misses"] == 0 and not after["warnings"], after


THREADS = """
    import threading
    ops = [jnp.sin, jnp.cos, jnp.tanh, jnp.exp]
    refs = [np.sin, np.cos, np.tanh, np.exp]
    w = np.linspace(-1, 1, 64 * 64).reshape(64, 64) / 64
    results, errors = {{}}, []
    def make(i):
        op = ops[i]
        # three kernels or more each (around two matmuls), all new
        return fg.jit(lambda v: op(op(v * {scale} + i) @ w + 1.0 + i) @ w * (2.0 + i))
    def ref(i, v):
        op = refs[i]
        return op(op(v * {scale} + i) @ w + 1.0 + i) @ w * (2.0 + i)
    fns = [make(i) for i in range({n})]
    v = np.linspace(-1, 1, 8 * 64).reshape(8, 64)
    barrier = threading.Barrier({n})
    def work(i):
        try:
            barrier.wait()
            results[i] = np.allclose(fns[i](v), ref(i, v))
        except BaseException as e:
            errors.append(repr(e))
    ts = [threading.Thread(target=work, args=(i,)) for i in range({n})]
    for t in ts: t.start()
    for t in ts: t.join()
    out = {{"ok": not errors and all(results.values()) and len(results) == {n}, "errors": errors,
           "warnings": []}}
"""


def test_threads_compiling_different_functions_at_once_do_not_deadlock(tmp_path):
    """A cold cache, 2 threads, >= 3 new kernels each: the fork-based parallel compile hung
    (a forked child waited for a lock held by a thread it does not have). Nothing forks now
    (JAX also warns whenever a process forks beside it)."""
    body = ("forks = []\nos.register_at_fork(before=lambda: forks.append(1))\n"
            + textwrap.dedent(THREADS.format(n=2, scale=1.5))
            + "out['ok'] = out['ok'] and not forks\n"
              "from funcgrad.backend import numba_backend as nb\n"
              "out['compiled'] = len(nb.compile_log)\n")
    out = run_child(tmp_path, body, timeout=240)
    # each function needs 3 kernels; the constant-only ones (`v * 1.5 + i`) are one shared kernel
    assert out["ok"] and out["compiled"] >= 5, out


def test_threads_making_the_first_call_of_the_same_function(cache):
    """Fresh process, warm cache: a thread used a kernel module before another finished
    loading it (``KernelCompileError ... has no attribute 'k_...'``)."""
    body = """
        import threading
        from funcgrad.backend import numba_backend as nb
        errors, oks = [], []
        for trial in range(12):
            fn = [f, g][trial % 2]
            want = np.cos(x) * 3.0 if fn is f else np.sin(x) * 2.0
            barrier = threading.Barrier(4)
            def work():
                try:
                    barrier.wait()
                    oks.append(bool(np.allclose(fn(x), want)))
                except BaseException as e:
                    errors.append(repr(e)[:300])
            ts = [threading.Thread(target=work) for _ in range(4)]
            for t in ts: t.start()
            for t in ts: t.join()
            # back to "first call in a fresh process" for the next trial
            fn.clear_cache()
            nb._KERNELS.clear()
            for m in [m for m in sys.modules if m.startswith("_funcgrad_k_")]:
                del sys.modules[m]
        out = {"ok": not errors and all(oks) and len(oks) == 48, "errors": errors[:3],
               "warnings": []}
    """
    out = run_child(cache, body)
    assert out["ok"], out


def test_fork_after_use(cache):
    body = """
        out = check({})
        pid = os.fork()
        if pid == 0:
            try:
                h = fg.jit(lambda v: jnp.cos(v) * 3.0 - v)
                good = np.allclose(f(x), np.cos(x) * 3.0) and np.allclose(h(x), np.cos(x) * 3.0 - x)
            finally:
                os._exit(0 if good else 3)
        _, status = os.waitpid(pid, 0)
        out["ok"] = out["ok"] and os.waitstatus_to_exitcode(status) == 0
    """
    out = run_child(cache, body)
    assert out["ok"], out


def test_ctrl_c_during_a_cold_compile_leaves_no_child_process(tmp_path):
    """SIGINT during a cold compile (repeated every 0.3 s until caught, so that one arrives
    while the compile helper is being waited for): the KeyboardInterrupt reaches the caller and
    no child process is left."""
    body = """
        import signal, threading, time
        pid = os.getpid()
        armed = [True]
        def on_sigint(signum, frame):
            if armed[0]:
                raise KeyboardInterrupt
        signal.signal(signal.SIGINT, on_sigint)
        done = threading.Event()
        def interrupt():
            # from 1.5 s into the cold compile, every 0.3 s until one is caught (a signal that
            # lands in a garbage-collection callback is dropped by Python itself)
            time.sleep(1.5)
            for _ in range(20):
                if not armed[0]:
                    break
                os.kill(pid, signal.SIGINT)
                time.sleep(0.3)
            done.set()
        threading.Thread(target=interrupt, daemon=True).start()
        w = np.linspace(-1, 1, 64 * 64).reshape(64, 64) / 64
        fns = [fg.jit(lambda v, i=i: jnp.tanh(jnp.sin(jnp.exp(v * (i + 2.0)) @ w + i) @ w - 1.0) @ w
                      * jnp.cos(v + i)) for i in range(4)]
        v = np.linspace(-1, 1, 8 * 64).reshape(8, 64)
        interrupted = False
        try:
            for fn in fns:
                fn(v)
            done.wait()
        except KeyboardInterrupt:
            armed[0] = False
            interrupted = True
        done.wait()
        time.sleep(0.5)
        def children():
            kids = []
            for d in os.listdir("/proc"):
                if d.isdigit():
                    try:
                        stat = open(f"/proc/{d}/stat").read()
                    except OSError:
                        continue
                    fields = stat.rsplit(")", 1)[1].split()
                    if int(fields[1]) == pid:
                        kids.append((int(d), fields[0]))
            return kids
        out = {"ok": interrupted and not children(), "children": children(), "warnings": [],
               "interrupted": interrupted}
    """
    if not os.path.isdir("/proc"):
        pytest.skip("needs /proc")
    out = run_child(tmp_path, body)
    assert out["ok"], out
