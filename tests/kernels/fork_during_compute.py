"""Fork while another thread computes with sketchla (a script, run by
``test_forks.py`` in a fresh interpreter).

``python fork_during_compute.py METHOD ROUNDS TIMEOUT``: a background thread
loops over sketch products, ``lstsq``, ``randomized_svd`` and
``leverage_scores`` on a 400000 x 60 matrix (threaded BLAS, LAPACK and
OpenMP work); meanwhile the main thread forks ROUNDS times by METHOD
(``pool``: multiprocessing's fork Pool, ``futures``: a fork
ProcessPoolExecutor, ``joblib``: joblib's multiprocessing backend,
``fork``: bare ``os.fork``) and the children solve least-squares problems.
A round that takes over TIMEOUT seconds, or a computing thread that does
not finish within TIMEOUT seconds at the end, dumps every thread's stack
and exits with status 1 (faulthandler). Each child's solution must equal the one
computed serially before the thread started, to 1e-12 relative (a child runs
its native kernels on one thread and may split its BLAS differently).

Prints ``ok ROUNDS median-seconds max-seconds max-deviation``.
"""

import faulthandler
import os
import sys
import threading
import time

import numpy as np

import sketchla

SEEDS = range(4)


def task(seed):
    g = np.random.default_rng(seed)
    A = g.standard_normal((40000, 30))
    return sketchla.lstsq(A, A @ np.ones(30), rng=0).x


def _bare_fork(seeds):
    out = []
    for s in seeds:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: one solve, sent back raw
            os.close(r)
            os.write(w, task(s).tobytes())
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            data = f.read()
        os.waitpid(pid, 0)
        out.append(np.frombuffer(data))
    return out


def fork_round(method, seeds):
    import multiprocessing as mp

    if method == "pool":
        with mp.get_context("fork").Pool(2) as p:
            return p.map(task, seeds)
    if method == "futures":
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
            return list(ex.map(task, seeds))
    if method == "joblib":
        from joblib import Parallel, delayed

        return Parallel(n_jobs=2, backend="multiprocessing")(delayed(task)(s) for s in seeds)
    return _bare_fork(seeds)


def main(method, rounds, timeout):
    with sketchla.threads(1):
        serial = [task(s) for s in SEEDS]
    A = np.random.default_rng(5).standard_normal((400000, 60))
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            sketchla.make_sketch("sparse_sign", 200, 400000, rng=1) @ A
            sketchla.lstsq(A, A[:, 0] + 1, rng=0)
            sketchla.randomized_svd(A, 10, rng=0)
            sketchla.leverage_scores(A)

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    time.sleep(0.3)
    times, worst = [], 0.0
    for _ in range(rounds):
        faulthandler.dump_traceback_later(timeout, exit=True)
        t0 = time.perf_counter()
        got = fork_round(method, SEEDS)
        times.append(time.perf_counter() - t0)
        faulthandler.cancel_dump_traceback_later()
        for x, ref in zip(got, serial):
            worst = max(worst, float(np.max(np.abs(x - ref) / np.abs(ref))))
    faulthandler.dump_traceback_later(timeout, exit=True)  # the thread must finish too
    stop.set()
    thread.join()
    faulthandler.cancel_dump_traceback_later()
    print("ok", rounds, f"{np.median(times):.3f}", f"{max(times):.3f}", f"{worst:.3g}")
    return 0 if worst <= 1e-12 else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3])))
