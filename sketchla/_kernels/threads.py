"""The thread policy: one setting for every thread pool sketchla drives.

sketchla computes with two kinds of pools:

* its native kernels (sketch application, Walsh-Hadamard transform,
  hashing, sparse Gram matrix, completion row solves, extended-precision
  gradients), parallel with OpenMP;
* the BLAS under NumPy and SciPy (OpenBLAS, MKL, BLIS, ...), reached
  through threadpoolctl.

The policy, in one place:

1. **One setting.** :func:`set_num_threads` (process-wide) and the
   :func:`threads` context manager size both pools together; ``None``
   gives each pool back its own default (the usable CPUs).
2. **No pool spins on another's cores.** The native pool waits passively
   (``OMP_WAIT_POLICY=PASSIVE`` unless the environment sets it before the
   kernels load), and the drivers whose BLAS work is a long loop of
   matrix-vector products -- the iterative least-squares phase,
   alternating minimization -- hold BLAS to one thread for that loop
   (:func:`serial_blas`): those products are bound by memory bandwidth,
   and a BLAS pool that forks and joins on every one of them collapses
   when another process competes for the cores.
3. **fork.** A child created by ``fork()`` runs the native kernels on one
   thread: GNU OpenMP's pool does not survive fork, and its next parallel
   region would wait forever for threads the child does not have. Results
   are unchanged (every kernel's result is independent of its thread
   count), and ``multiprocessing``, ``concurrent.futures`` and joblib work
   with the fork, spawn and forkserver start methods. A fork never runs
   while a sketchla call computes in another thread (:mod:`.forks`), and the
   child starts with this module's lock free and its BLAS pools at the
   process-wide setting, whatever serial sections other threads were in.
4. **Threads and Dask.** One kernel technology (C with OpenMP, compiled at
   install time; no JIT, no threading-layer choice) and reentrant kernels:
   Python threads may call sketchla concurrently, each parallel region then
   using its own team, and every call gives the serial result to rounding.
   Per-block work of a dask graph runs its native kernels on the calling
   worker thread only (:func:`worker_threads`), since the scheduler already
   runs one task per core; the BLAS in those tasks follows the process-wide
   setting, which Dask's documentation recommends setting to 1 on workers
   (``sketchla.set_num_threads(1)`` in the worker process does both).

BLAS thread counts are process-wide, and threadpoolctl changes them from the
calling thread. OpenBLAS (0.3.31 measured) ignores a change requested from a
thread other than the main one once the main thread has set a limit, so a
:func:`serial_blas` section entered from a worker thread may leave the BLAS
pool as it is; set the limit from the main thread (:func:`set_num_threads`)
when sketchla runs in threads.
"""

from __future__ import annotations

import contextvars
import os
import threading
from contextlib import contextmanager

from . import _native
from .forks import borrowed, no_parking, on_fork, task_section

_MAX_THREADS = 4096
_lock = threading.Lock()
_state = {"n": None, "blas": None, "serial_depth": 0, "controller": None, "blas_now": None}
_mine = threading.local()  # serial: the serial sections the calling thread is in


def _check_n(n):
    from .._validation import check_int

    if n is None:
        return None
    return check_int(n, "n", minimum=1, maximum=_MAX_THREADS)


def _controller():
    """A cached threadpoolctl controller over the BLAS libraries loaded now."""
    ctl = _state["controller"]
    if ctl is None:
        import scipy.linalg  # noqa: F401 -- loads SciPy's BLAS, so it is controlled too
        from threadpoolctl import ThreadpoolController

        ctl = _state["controller"] = ThreadpoolController().select(user_api="blas")
    return ctl


def default_num_threads():
    """The CPUs this process may run on (its affinity mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def get_num_threads():
    """The number of threads sketchla's parallel regions use now.

    Returns
    -------
    int
        The process-wide setting of :func:`set_num_threads`, or the default
        (the CPUs this process may run on) when none is set; 1 in a child
        created by ``fork()``.

    Notes
    -----
    The pool size that the next native call uses: the last
    :func:`set_num_threads` (or :func:`threads`) value, else the number of
    cores available to the process. O(1).

    References
    ----------
    .. [1] threadpoolctl, https://github.com/joblib/threadpoolctl.

    Examples
    --------
    >>> import sketchla
    >>> with sketchla.threads(1):
    ...     sketchla.get_num_threads()
    1
    """
    return _native.num_threads()


def set_num_threads(n):
    """Size sketchla's native thread pool and the BLAS pool together.

    Parameters
    ----------
    n : int or None
        Threads for every parallel region, 1 <= n <= 4096. ``None`` restores
        each pool's default (the CPUs this process may run on, or what
        ``OMP_NUM_THREADS`` and the BLAS's own variables say).

    Returns
    -------
    int or None
        The previous setting.

    Notes
    -----
    The setting is process-wide, like :func:`threadpoolctl.threadpool_limits`
    (which it uses for the BLAS). In a child created by ``fork()`` the native
    kernels always run on one thread; see :mod:`sketchla._threads` for the
    whole policy.

    References
    ----------
    .. [1] threadpoolctl, https://github.com/joblib/threadpoolctl (the BLAS and
       OpenMP pools it holds beside sketchla's).

    Examples
    --------
    >>> import sketchla
    >>> old = sketchla.set_num_threads(1)
    >>> sketchla.get_num_threads()
    1
    >>> _ = sketchla.set_num_threads(old)
    """
    n = _check_n(n)
    with _lock:
        old = _state["n"]
        _apply(n)
    return old


def _apply(n):
    _native.set_num_threads(0 if n is None else n)
    _state["n"] = n
    _sync_blas()


def _sync_blas():
    """Set the BLAS pools to what the setting and the serial sections ask for:
    1 inside a serial section, else the setting, else what they had before
    sketchla first changed them. Called with the lock held. The count last
    set is remembered, so entering and leaving the serial sections of a loop
    of small blocked products costs no call into the libraries."""
    active = _state["n"] is not None or _state["serial_depth"] > 0
    target = (1 if _state["serial_depth"] > 0 else _state["n"]) if active else None
    if target is not None and target == _state["blas_now"]:
        return
    libs = _controller().lib_controllers
    if active:
        if _state["blas"] is None:
            _state["blas"] = [lib.num_threads for lib in libs]
        for lib in libs:
            if lib.num_threads != target:
                lib.set_num_threads(target)
    elif _state["blas"] is not None:
        for lib, k in zip(libs, _state["blas"]):
            lib.set_num_threads(k)
        _state["blas"] = None
    _state["blas_now"] = target


@contextmanager
def threads(n):
    """Context manager: :func:`set_num_threads` ``(n)`` inside, the previous
    setting restored on exit.

    Parameters
    ----------
    n : int or None
        As for :func:`set_num_threads`.

    Returns
    -------
    context manager
        Restores the previous thread count on exit.

    Notes
    -----
    Results never depend on the thread count (rows and blocks are
    independent). O(1).

    References
    ----------
    .. [1] threadpoolctl, https://github.com/joblib/threadpoolctl (the BLAS
       and OpenMP pools that sketchla holds beside its own).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((4096, 20))
    >>> with sketchla.threads(1):
    ...     SA = sketchla.countsketch(200, 4096, rng=0) @ A
    >>> SA.shape
    (200, 20)
    """
    old = set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(old)


@contextmanager
def serial_blas():
    """Hold the BLAS to one thread for a loop of memory-bound products.

    Reference-counted, so concurrent and nested uses give the pools back
    only when the last one exits.
    """
    with _lock:
        _state["serial_depth"] += 1
        _sync_blas()
    _mine.serial = getattr(_mine, "serial", 0) + 1
    try:
        yield
    finally:
        _mine.serial -= 1
        with _lock:
            _state["serial_depth"] -= 1
            _sync_blas()


@contextmanager
def worker_threads(n=1):
    """The calling thread's native regions use ``n`` threads inside (a dask
    task on a worker thread); other threads are not affected. The task is
    a section of the fork gate that never waits at its entry."""
    old = _native.set_local_num_threads(n)
    try:
        with task_section():
            yield
    finally:
        _native.set_local_num_threads(old)


def run_blocks(fn, n_blocks):
    """``[fn(0), ..., fn(n_blocks - 1)]``, the calls taken one at a time by
    :func:`get_num_threads` threads (the caller's among them), with the BLAS
    held to one thread meanwhile.

    For a BLAS-3 reduction over row blocks (a Gram matrix): a thread that
    shares its core with another process simply takes fewer blocks, where
    one multi-threaded BLAS call splits the work evenly and waits for the
    slowest share. The blocks are fixed by the caller, so the result (the
    blocks summed in order) does not depend on the thread count. The
    threads are started per call: nothing survives a ``fork()``, and in a
    forked child the blocks run on the calling thread.
    """
    n_threads = min(get_num_threads(), n_blocks)
    if n_threads <= 1:
        with serial_blas():
            return [fn(i) for i in range(n_blocks)]
    out = [None] * n_blocks
    todo = iter(range(n_blocks))
    lock = threading.Lock()
    errors = []

    def work():
        with borrowed():
            _take(fn, todo, lock, out, errors)

    with serial_blas(), no_parking():
        # each helper in a copy of the caller's context: its blocks report
        # into the caller's progress section (work.advance)
        helpers = [threading.Thread(target=contextvars.copy_context().run, args=(work,),
                                    daemon=True) for _ in range(n_threads - 1)]
        for t in helpers:
            t.start()
        _take(fn, todo, lock, out, errors)
        for t in helpers:
            t.join()
    if errors:
        raise errors[0]
    return out


def _take(fn, todo, lock, out, errors):
    """Take blocks one at a time until none is left or one has failed."""
    while not errors:
        with lock:
            i = next(todo, None)
        if i is None:
            return
        try:
            out[i] = fn(i)
        except BaseException as e:  # re-raised in the caller
            errors.append(e)


def _before_fork():
    _lock.acquire()


def _after_fork_in_parent():
    _lock.release()


def _after_fork_in_child():
    """Only the forking thread lives on: its serial sections are the only
    ones left, and the BLAS pools follow the setting again."""
    global _lock
    _lock = threading.Lock()
    mine = getattr(_mine, "serial", 0)
    if _state["serial_depth"] != mine:
        _state["serial_depth"] = mine
        _state["blas_now"] = None
        _sync_blas()


on_fork(_before_fork, _after_fork_in_parent, _after_fork_in_child)
