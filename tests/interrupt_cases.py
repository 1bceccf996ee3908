"""Ctrl-C during every long public call: ``python tests/interrupt_cases.py
[NAME ...]``.

For each case, the call is timed once whole, then run again with SIGINT
sent to the process at ``FRACTION`` of that time, from a timer thread (as a
terminal's Ctrl-C reaches the main thread). Prints one line per case,
``NAME interrupted LATENCY FULL`` (seconds from the signal to the
KeyboardInterrupt, and the whole call) or ``NAME finished - FULL``, then
``usable`` once a small call after all of them has computed. Used by
tests/test_interrupt.py."""

import os
import signal
import sys
import threading
import time
import warnings

import numpy as np
import scipy.sparse as sp

import sketchla
from sketchla.datasets import make_low_rank_completion, make_symmetric_tensor

FRACTION = 0.4
g = np.random.default_rng(0)


def _dense(n, d):
    return g.standard_normal((n, d))


def _sparse(n, d, density):
    nnz = int(n * d * density)
    return sp.csr_matrix((g.standard_normal(nnz), (g.integers(0, n, nnz), g.integers(0, d, nnz))),
                         shape=(n, d))


#: name -> (setup() -> args, call(*args))
CASES = {
    "lstsq dense": (lambda: (_dense(400_000, 200), g.standard_normal(400_000)),
                    lambda A, b: sketchla.lstsq(A, b, rng=0)),
    "lstsq sparse": (lambda: (_sparse(2_000_000, 300, 0.01), g.standard_normal(2_000_000)),
                     lambda A, b: sketchla.lstsq(A, b, rng=0)),
    "lstsq exact": (lambda: (_dense(200_000, 300), g.standard_normal(200_000)),
                    lambda A, b: sketchla.lstsq(A, b, method="exact")),
    "randomized_svd": (lambda: (_dense(20_000, 2_000),),
                       lambda A: sketchla.randomized_svd(A, 50, rng=0)),
    "range_finder sparse": (lambda: (_sparse(1_000_000, 2_000, 0.005),),
                            lambda A: sketchla.range_finder(A, 100, rng=0)),
    "leverage approx": (lambda: (_dense(1_000_000, 100),),
                        lambda A: sketchla.leverage_scores(A, method="approx", rng=0)),
    "lewis_weights": (lambda: (_dense(150_000, 100),),
                      lambda A: sketchla.lewis_weights(A, 1)),
    "lp_regression": (lambda: (_dense(300_000, 50), g.standard_normal(300_000)),
                      lambda A, b: sketchla.lp_regression(A, b, 1, rng=0)),
    "quantile_regression": (lambda: (_dense(1_000_000, 50), g.standard_normal(1_000_000)),
                            lambda A, b: sketchla.quantile_regression(A, b, rng=0)),
    "srht": (lambda: (_dense(2_000_000, 100),),
             lambda A: sketchla.make_sketch("srht", 2_000, A.shape[0], rng=0) @ A),
    "sparse_sign sparse": (lambda: (_sparse(4_000_000, 500, 0.01),),
                           lambda A: sketchla.make_sketch("sparse_sign", 5_000, A.shape[0],
                                                          rng=0) @ A),
    "gaussian": (lambda: (_dense(100_000, 50),),
                 lambda A: sketchla.make_sketch("gaussian", 3_000, A.shape[0], rng=0) @ A),
    "approx_matmul": (lambda: (_dense(2_000_000, 60),),
                      lambda A: sketchla.approx_matmul(A, A, 2_000, sketch="countsketch",
                                                       rng=0)),
    "coordinated_sketch": (lambda: (_dense(1_000_000, 30),),
                           lambda A: sketchla.coordinated_sketch(A, 5_000, seed=0)),
    "sample_dpp kernel": (lambda: ((lambda B: B @ B.T)(_dense(3_000, 3_000) / 55),),
                          lambda L: sketchla.sample_dpp(L, 0)),
    "sample_k_dpp factor": (lambda: (_dense(200_000, 200),),
                            lambda B: sketchla.sample_k_dpp(B, 200, 0, form="factor")),
    "sample_projection_dpp": (lambda: (np.linalg.qr(_dense(400_000, 300))[0],),
                              lambda V: sketchla.sample_projection_dpp(V, 0)),
    "altmin_complete": (lambda: (make_low_rank_completion(4_000, 3_000, 20, fraction=0.1,
                                                          rng=0)[0],),
                        lambda X: sketchla.altmin_complete(X, 20, rng=0)),
    "spm": (lambda: (make_symmetric_tensor(80, 4, 5, rng=0)[0],),
            lambda T: sketchla.spm(T, rng=0)),
    "spm rank given": (lambda: (make_symmetric_tensor(80, 4, 5, rng=0)[0],),
                       lambda T: sketchla.spm(T, rank=5, rng=0)),
    "sshopm": (lambda: (make_symmetric_tensor(300, 3, 5, rng=0)[0],),
               lambda T: sketchla.sshopm(T, rng=0, tol=1e-15)),
    "MomentGaussianMixture": (lambda: (_dense(1_000_000, 40),),
                              lambda X: sketchla.MomentGaussianMixture(
                                  n_components=3, random_state=0).fit(X)),
    "CumulantICA": (lambda: (g.laplace(size=(400_000, 40)),),
                    lambda X: sketchla.CumulantICA(random_state=0).fit(X)),
}


def run(name):
    setup, call = CASES[name]
    args = setup()
    t0 = time.perf_counter()
    call(*args)
    full = time.perf_counter() - t0
    sent = {}

    def interrupt():
        time.sleep(FRACTION * full)
        sent["t"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=interrupt, daemon=True)
    timer.start()
    try:
        call(*args)
        timer.join()
        time.sleep(0.2)  # a signal that arrives after the call lands here
        print(name, "finished", "-", round(full, 2), flush=True)
    except KeyboardInterrupt as exc:
        late = time.perf_counter() - sent["t"]
        tb = exc.__traceback__
        while tb.tb_next is not None:  # where the interrupt landed
            tb = tb.tb_next
        where = f"{os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}"
        print(name, "interrupted", round(late, 3), round(full, 2), where, flush=True)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    names = sys.argv[1:] or list(CASES)
    for name in names:
        try:
            run(name)
        except KeyboardInterrupt:  # the signal came after the call returned
            print(name, "late", "-", "-", flush=True)
    res = sketchla.lstsq(_dense(1000, 5), np.ones(1000), rng=0)
    print("usable", int(res.converged), flush=True)
