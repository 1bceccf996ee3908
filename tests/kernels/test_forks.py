"""The fork gate: no fork() while a sketchla call computes in another thread.

The gate's rules on dummy sections (a fork waits for a section, parks it at
a safe point, holds new ones at their entry, starts the child clean, gives
up with a warning after DRAIN_TIMEOUT), the coverage of the public API, and
in the slow set the issue's reproducer: 20 forks each by multiprocessing,
concurrent.futures, joblib and bare os.fork while a thread computes, with a
per-round timeout. Without the gate that reproducer hangs within 20 rounds
in most runs (OpenBLAS's prefork handler joins a pool thread busy with the
call in flight); with it, no round may hang.
"""

import importlib
import inspect
import os
import pathlib
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

import sketchla
from sketchla._kernels import forks, threads

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")

PUBLIC_MODULES = ["sketchla", "sketchla.sketch", "sketchla.linalg", "sketchla.sampling",
                  "sketchla.completion", "sketchla.tensor", "sketchla.datasets"]
#: public names that are not computations: configuration, and containers
#: whose methods compute nothing
UNGATED = {"get_backend", "set_backend", "use_backend", "get_num_threads", "set_num_threads",
           "threads", "RegPath", "RankDeficiencyWarning"}


def _public_objects():
    seen = {}
    for name in PUBLIC_MODULES:
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and attr not in UNGATED:
                seen[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return sorted(seen.items())


@pytest.mark.parametrize("name,obj", _public_objects(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_computation_is_a_section(name, obj):
    if inspect.isfunction(obj):
        assert getattr(obj, "__sketchla_fork_safe__", False), f"{name} is not @fork_safe"
        return
    for meth, value in vars(obj).items():
        if (not meth.startswith("_") or meth in ("__matmul__", "__rmatmul__", "__call__")) \
                and inspect.isfunction(value):
            assert getattr(value, "__sketchla_fork_safe__", False), f"{name}.{meth} is not gated"


def test_a_section_keeps_the_signature_and_the_docs():
    assert inspect.signature(sketchla.lstsq) == inspect.signature(sketchla.lstsq.__wrapped__)
    assert sketchla.lstsq.__doc__ == sketchla.lstsq.__wrapped__.__doc__
    assert sketchla.lstsq.__name__ == "lstsq"


def test_warnings_name_the_callers_line():
    A = np.ones((200, 3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sketchla.lstsq(A, np.ones(200), rng=0)
    mine = [w for w in caught if issubclass(w.category, sketchla.RankDeficiencyWarning)]
    assert mine and all(w.filename == __file__ for w in mine)


def _in_child(fn):
    """fn() in a forked child; its repr comes back through a pipe."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.write(w, repr(fn()).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        out = f.read().decode()
    os.waitpid(pid, 0)
    return out


def _slow_section(seconds, safe_points, started, done):
    @forks.fork_safe
    def work():
        started.set()
        t_end = time.perf_counter() + seconds
        while time.perf_counter() < t_end:
            if safe_points:
                forks.checkpoint()
            time.sleep(0.01)
        done.append(time.perf_counter())

    return threading.Thread(target=work)


def test_fork_waits_for_a_section_of_another_thread():
    started, done = threading.Event(), []
    th = _slow_section(0.6, False, started, done)
    th.start()
    started.wait()
    state = _in_child(lambda: (forks._state["active"], forks._state["pending"]))
    forked_at = time.perf_counter()
    th.join()
    assert done and done[0] <= forked_at  # the section had finished before the fork
    assert state == "(0, False)"  # and the child starts with no section, no pending fork


def test_a_section_parks_at_a_safe_point_and_goes_on_after_the_fork():
    started, done = threading.Event(), []
    th = _slow_section(2.0, True, started, done)
    th.start()
    started.wait()
    t0 = time.perf_counter()
    assert _in_child(lambda: 7) == "7"
    waited = time.perf_counter() - t0
    th.join()
    assert waited < 1.5 and done  # parked, not finished; and it finished afterwards
    assert forks._state == {"active": 0, "pending": False, "enabled": True, "in_fork": False}


def test_new_sections_wait_while_a_fork_is_pending():
    entered = []
    gate = threading.Event()

    @forks.fork_safe
    def record():
        entered.append(forks._state["pending"])

    forks._state["pending"] = True
    try:
        th = threading.Thread(target=lambda: (gate.set(), record()))
        th.start()
        gate.wait()
        time.sleep(0.2)
        assert entered == []  # held at the entry
    finally:
        with forks._cond:
            forks._state["pending"] = False
            forks._cond.notify_all()
    th.join(5)
    assert entered == [False]


def test_an_interrupt_while_parked_keeps_the_count(monkeypatch):
    class Interrupted(threading.Condition):
        def wait(self, timeout=None):
            raise KeyboardInterrupt

    monkeypatch.setattr(forks, "_cond", Interrupted(threading.Lock()))

    @forks.fork_safe
    def parked():
        assert forks._state["active"] == 1
        forks._state["pending"] = True
        try:
            forks.checkpoint()
        finally:
            forks._state["pending"] = False

    with pytest.raises(KeyboardInterrupt):
        parked()
    assert forks._state["active"] == 0


def test_a_section_that_never_reaches_a_safe_point_lets_the_fork_go_with_a_warning(monkeypatch):
    monkeypatch.setattr(forks, "DRAIN_TIMEOUT", 0.2)
    started, done = threading.Event(), []
    th = _slow_section(1.0, False, started, done)
    th.start()
    started.wait()
    with pytest.warns(RuntimeWarning, match="did not reach a safe point"):
        assert _in_child(lambda: 1) == "1"
    th.join()


def test_helpers_of_a_section_never_wait_at_the_gate():
    # run_blocks' helper threads call sections while their owner waits for
    # them; a pending fork must neither block them nor count them
    seen = []

    @forks.fork_safe
    def block(i):
        seen.append(i)
        return i

    forks._state["pending"] = True
    try:
        with threads.threads(2), forks.borrowed():
            assert threads.run_blocks(block, 6) == list(range(6))
    finally:
        forks._state["pending"] = False
    assert sorted(seen) == list(range(6))


def test_child_starts_with_the_thread_lock_free_and_the_blas_restored():
    # the main thread is in a serial section (BLAS held to one thread) while
    # another thread forks: the child has no serial section left, so its
    # BLAS goes back to the setting
    from threadpoolctl import threadpool_info

    def blas_threads():
        return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")

    def child():
        return threads._lock.acquire(timeout=1), threads._state["serial_depth"], blas_threads()

    before = blas_threads()
    out = []
    with threads.threads(2), threads.serial_blas():
        in_serial = blas_threads()
        th = threading.Thread(target=lambda: out.append(_in_child(child)))
        th.start()
        th.join(30)
    free, depth, blas = eval(out[0])
    assert in_serial == 1
    assert free and depth == 0 and blas == 2
    assert blas_threads() == before


SCRIPT = pathlib.Path(__file__).with_name("fork_during_compute.py")


@pytest.mark.slow
@pytest.mark.parametrize("method", ["pool", "futures", "joblib", "fork"])
def test_fork_while_a_thread_computes_never_hangs(method):
    rounds, per_round = 20, 30
    out = subprocess.run([sys.executable, str(SCRIPT), method, str(rounds), str(per_round)],
                         capture_output=True, text=True, timeout=rounds * per_round + 60)
    assert out.returncode == 0, out.stdout + out.stderr[-4000:]
    assert out.stdout.startswith(f"ok {rounds} "), out.stdout
