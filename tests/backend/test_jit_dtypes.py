"""Every lowered primitive under jit, for every dtype its shape rule accepts, against eager —
each dtype in its own child process, so a crash of generated code is a test failure that names
the row (and the other rows still run), not a lost test run.

Also: eager, ``make_jaxpr`` and ``jit`` agree on result dtypes and weak types for Python
scalars, 0-d arrays, NumPy scalars and weak Arrays mixed with float32/int32 arrays.
See ``dtype_matrix.py`` for the rows.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from .dtype_matrix import DTYPES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 900


def _run_child(dtype: str, first: int):
    """Run rows ``first...`` of ``dtype`` in a child; returns (results, crash info or None)."""
    cmd = [sys.executable, "-c", "from tests.backend.dtype_matrix import main; main()",
           dtype, str(first)]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=TIMEOUT)
        out, rc, err = p.stdout, p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc, err = "timeout", ""
    results, started, done = [], None, False
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if "start" in msg:
            started = (msg["start"], msg["index"])
        elif "id" in msg:
            results.append(msg)
            started = None
        elif "done" in msg:
            done = True
    if done and rc == 0:
        return results, None
    return results, (started, rc, err[-2000:])


def run_dtype(dtype: str):
    """All rows of ``dtype``; a crashed row is recorded and the child restarted after it."""
    results, first = [], 0
    for _ in range(50):
        got, crash = _run_child(dtype, first)
        results += got
        if crash is None:
            return results
        started, rc, err = crash
        if started is None:
            results.append({"id": f"<{dtype} child>", "status": "fail",
                            "msg": f"child exited {rc} outside any row:\n{err}"})
            return results
        rid, index = started
        results.append({"id": rid, "status": "fail",
                        "msg": f"the process died (exit {rc}) running this row:\n{err}"})
        first = index + 1
    return results


@pytest.fixture(scope="module")
def matrix():
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(DTYPES + ["weak"], pool.map(run_dtype, DTYPES + ["weak"])))


@pytest.mark.parametrize("dtype", DTYPES + ["weak"])
def test_jit_matches_eager_for_every_dtype(matrix, dtype):
    results = matrix[dtype]
    failures = [f"{r['id']}: {r['msg']}" for r in results if r["status"] == "fail"]
    ran = [r for r in results if r["status"] == "ok"]
    assert not failures, f"{len(failures)} of {len(results)} rows failed:\n" + "\n".join(failures)
    assert ran, f"no row of {dtype} ran: {results[:3]}"


def test_matrix_covers_every_primitive(matrix):
    """Each registered primitive ran under jit for at least one dtype."""
    from funcgrad.core.primitive import PRIMITIVES
    ran = {r["id"].split("-")[0] for rs in matrix.values() for r in rs   # "<prim>-<variant>[dt]"
           if r["status"] == "ok"}
    missing = sorted(set(PRIMITIVES) - ran)
    assert not missing, f"primitives that never ran under jit: {missing}"
