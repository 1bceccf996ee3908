"""Fork safety: no ``fork()`` runs while a sketchla call computes in another
thread.

The hazard. A process that forks while another of its threads is inside a
parallel BLAS call can hang, in the parent or in the child:

* **the parent**, inside ``fork()``: OpenBLAS's prefork handler
  (``blas_thread_shutdown_``) tells each pool thread to exit and joins it.
  A pool thread busy with the call in flight clears its queue when it
  finishes, overwriting the exit request, and goes back to sleep; the join
  never returns. The forking thread holds the GIL meanwhile, so the thread
  whose call finished waits for the GIL forever.
* **the child**: a lock that the call in flight held at the moment of the
  fork (OpenBLAS's ``level3_lock`` in the threaded level-3 drivers) is
  copied locked, and the child's first such BLAS call waits for it forever.

Both are OpenBLAS's to fix upstream (a shutdown that waits for the work in
flight and cannot lose its exit request, and locks re-initialised in the
child); a NumPy-only program that forks while its own thread calls the BLAS
still meets them. What sketchla does is make sure that *its* calls are never
in flight at a fork.

The gate. Every public entry point (function, estimator method, operator
product) is a *section* (:func:`fork_safe`). A before-fork hook
(:func:`os.register_at_fork`, run by ``os.fork`` and so by
``multiprocessing``, ``concurrent.futures`` and joblib before any C-level
prepare handler) marks a fork pending and waits, with the GIL released,
until every section of every other thread has finished or parked at a safe
point (:func:`checkpoint`, called between the iterations of long loops);
sections that start meanwhile wait at their entry. ``fork()`` then runs with
none of sketchla's BLAS or OpenMP calls in flight. The hooks after it
release the parked sections in the parent and start the child clean: no
sections, no pending fork, fresh locks, and the thread policy's own state
reset (:mod:`.threads` registers that part with :func:`on_fork`).

The wait is bounded: a section that neither finishes nor reaches a safe
point within :data:`DRAIN_TIMEOUT` seconds (one uninterruptible LAPACK call
of that length) lets the fork go ahead with a ``RuntimeWarning`` naming the
risk, rather than block the forking thread indefinitely.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import warnings
from .._stack import find_stack_level

__all__ = ["fork_safe", "fork_safe_methods", "checkpoint", "borrowed", "task_section",
           "no_parking", "on_fork", "DRAIN_TIMEOUT"]

#: seconds a fork waits for the sections of other threads to reach a safe point
DRAIN_TIMEOUT = 60.0

_local = threading.local()  # depth, counted, no_park of the calling thread
_cond = threading.Condition(threading.Lock())
_forking = threading.Lock()  # one fork at a time through the hooks
_state = {"active": 0, "pending": False, "enabled": True, "in_fork": False}
_extra = []  # (before, after_in_parent, after_in_child) of other modules


def _enter(block=True):
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        with _cond:
            while block and _state["pending"]:
                _cond.wait()
            _state["active"] += 1
        _local.counted = True
    _local.depth = depth + 1


def _exit():
    _local.depth -= 1
    if _local.depth == 0 and _local.counted:
        _local.counted = False
        with _cond:
            _state["active"] -= 1
            if _state["pending"]:
                _cond.notify_all()


def fork_safe(fn):
    """Decorator: a call of ``fn`` is a section (no fork while it computes)."""

    @functools.wraps(fn)
    def section(*args, **kwargs):
        _enter()
        try:
            return fn(*args, **kwargs)
        finally:
            _exit()

    section.__sketchla_fork_safe__ = True
    return section


#: methods a class decorated with :func:`fork_safe_methods` gates beside
#: its public ones
_GATED_DUNDERS = ("__matmul__", "__rmatmul__", "__call__")


def fork_safe_methods(cls):
    """Class decorator: every public method defined in ``cls`` (and its
    operator products) is a section; properties, class and static methods
    and ``__init__`` are left as they are."""
    for name, value in list(vars(cls).items()):
        public = not name.startswith("_") or name in _GATED_DUNDERS
        if public and callable(value) and not isinstance(value, (type, staticmethod, classmethod)):
            setattr(cls, name, fork_safe(value))
    return cls


def checkpoint():
    """A safe point: while a fork is pending, the calling thread's section
    steps out of the gate until the fork is done. Costs one dictionary
    lookup otherwise."""
    if not _state["pending"] or not getattr(_local, "counted", False):
        return
    if getattr(_local, "no_park", 0):
        return
    with _cond:
        _state["active"] -= 1
        _cond.notify_all()
        try:
            while _state["pending"]:
                _cond.wait()
        finally:  # an interrupt while parked still leaves the count right
            _state["active"] += 1


class _Scope:
    """A context manager over a pair of enter/exit functions."""

    def __init__(self, enter, leave):
        self._enter, self._leave = enter, leave

    def __enter__(self):
        self._enter()

    def __exit__(self, *exc):
        self._leave()
        return False


def _borrow():
    _local.depth = getattr(_local, "depth", 0) + 1


def _unborrow():
    _local.depth -= 1


def borrowed():
    """The calling thread works for a section of another thread that waits
    for it (a helper of :func:`~.threads.run_blocks`): its own sections
    neither count nor wait at the gate."""
    return _Scope(_borrow, _unborrow)


def task_section():
    """A section that never waits at the entry (a task of a dask graph on a
    worker thread, whose graph may belong to a parked section): a pending
    fork waits for it, it never waits for the fork."""
    return _Scope(lambda: _enter(block=False), _exit)


def _hold():
    _local.no_park = getattr(_local, "no_park", 0) + 1


def _unhold():
    _local.no_park -= 1


def no_parking():
    """The calling thread's safe points do not park inside (its helper
    threads are computing)."""
    return _Scope(_hold, _unhold)


def on_fork(before, after_in_parent, after_in_child):
    """Run these around every fork: ``before`` once the sections have
    drained, the others first after the fork (in registration order)."""
    _extra.append((before, after_in_parent, after_in_child))


def _drain():
    own = 1 if getattr(_local, "counted", False) else 0
    deadline = time.monotonic() + DRAIN_TIMEOUT
    with _cond:
        _state["pending"] = True
        while _state["active"] > own:
            left = deadline - time.monotonic()
            if left <= 0:
                warnings.warn(
                    f"fork() while {_state['active'] - own} sketchla call(s) in other threads "
                    f"did not reach a safe point within {DRAIN_TIMEOUT:g} s; the child or "
                    "this process may hang in the BLAS. Use the 'spawn' or 'forkserver' "
                    "start method to fork while sketchla computes in threads.",
                    RuntimeWarning, stacklevel=find_stack_level())
                break
            _cond.wait(left)


def _before():
    if not _state["enabled"]:
        return
    _forking.acquire()
    _state["in_fork"] = True
    try:
        _drain()  # an interrupt here forks without the wait, never unbalanced
    finally:
        for before, _, _ in reversed(_extra):
            before()


def _after_in_parent():
    if not _state["in_fork"]:
        return
    _state["in_fork"] = False
    for _, after, _ in _extra:
        after()
    with _cond:
        _state["pending"] = False
        _cond.notify_all()
    _forking.release()


def _after_in_child():
    global _cond, _forking
    if not _state["in_fork"]:
        return
    _cond = threading.Condition(threading.Lock())
    _forking = threading.Lock()
    _state.update(active=1 if getattr(_local, "counted", False) else 0, pending=False,
                  in_fork=False)
    for _, _, after in _extra:
        after()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before, after_in_parent=_after_in_parent,
                        after_in_child=_after_in_child)
