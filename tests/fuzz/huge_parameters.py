"""Huge valid values for every size, count and tolerance parameter:
``python tests/fuzz/huge_parameters.py [LIMIT]``.

Each case runs under a time limit (SIGALRM, answered as Ctrl-C is: the
library's long loops are interruptible). A case passes when the call
returns, or raises ValueError, TypeError or MemoryError naming the
parameter, within the limit. Prints ``NAME OUTCOME SECONDS [MESSAGE]`` per
case: ``ok``, ``refused`` (a named error), ``unnamed`` (an error that
does not name the parameter), ``runaway`` (past the limit), ``crash`` (any
other exception). Used by tests/fuzz/test_huge_parameters.py."""

import signal
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

import sketchla
from sketchla.datasets import make_low_rank_completion, make_symmetric_tensor

g = np.random.default_rng(0)
A = g.standard_normal((300, 5))
b = A @ np.ones(5) + 0.1 * g.standard_normal(300)
S = sp.random(300, 5, density=0.5, format="csr", random_state=0)
X, _, _ = make_low_rank_completion(60, 50, 2, fraction=0.5, rng=0)
T, _, _ = make_symmetric_tensor(6, 4, 2, rng=0)
V = np.linalg.qr(g.standard_normal((300, 5)))[0]
BIG, HUGE, TINY = 10**9, 2**62, 1e-300


def _basis():
    return sketchla.polynomial_basis(degree=4)


#: name -> (parameter, call)
CASES = {
    "lstsq max_iter": ("max_iter", lambda: sketchla.lstsq(A, b, max_iter=BIG, rng=0)),
    "lstsq tol": ("tol", lambda: sketchla.lstsq(A, b, tol=TINY, rng=0)),
    "lstsq sketch_size": ("sketch_size", lambda: sketchla.lstsq(A, b, sketch_size=HUGE, rng=0)),
    "lstsq sparse max_iter": ("max_iter", lambda: sketchla.lstsq(S, S @ np.ones(5),
                                                                  max_iter=BIG, rng=0)),
    "sketch_and_solve sketch_size": ("sketch_size", lambda: sketchla.sketch_and_solve(
        A, b, sketch_size=HUGE, rng=0)),
    "lewis_weights tol": ("tol", lambda: sketchla.lewis_weights(A, 1, tol=TINY)),
    "lewis_weights max_iter": ("max_iter", lambda: sketchla.lewis_weights(A, 1, max_iter=BIG)),
    "lewis_weights p": ("p", lambda: sketchla.lewis_weights(A, 1e300)),
    "leverage_scores sketch_size": ("sketch_size", lambda: sketchla.leverage_scores(
        A, method="approx", sketch_size=HUGE, rng=0)),
    "sample_rows sketch_size": ("sketch_size", lambda: sketchla.sample_rows(A, HUGE, rng=0)),
    "lp_regression sketch_size": ("sketch_size", lambda: sketchla.lp_regression(
        A, b, 1, sketch_size=HUGE, rng=0)),
    "lp_regression p": ("p", lambda: sketchla.lp_regression(A, b, 1e300, rng=0)),
    "quantile_regression sketch_size": ("sketch_size", lambda: sketchla.quantile_regression(
        A, b, sketch_size=HUGE, rng=0)),
    "quantile_regression alpha": ("alpha", lambda: sketchla.quantile_regression(
        A, b, alpha=1e300, rng=0)),
    "approx_matmul sketch_size": ("sketch_size", lambda: sketchla.approx_matmul(
        A, A, BIG, rng=0)),
    "range_finder sketch_size": ("sketch_size", lambda: sketchla.range_finder(A, HUGE, rng=0)),
    "range_finder n_iter": ("n_iter", lambda: sketchla.range_finder(A, 3, n_iter=BIG, rng=0)),
    "randomized_svd rank": ("rank", lambda: sketchla.randomized_svd(A, HUGE, rng=0)),
    "randomized_svd n_oversamples": ("n_oversamples", lambda: sketchla.randomized_svd(
        A, 2, n_oversamples=HUGE, rng=0)),
    "randomized_svd n_iter": ("n_iter", lambda: sketchla.randomized_svd(A, 2, n_iter=BIG,
                                                                         rng=0)),
    "nystrom n_oversamples": ("n_oversamples", lambda: sketchla.nystrom(
        A.T @ A, 2, n_oversamples=HUGE, rng=0)),
    "make_sketch gaussian m": ("m", lambda: sketchla.make_sketch("gaussian", HUGE, 300, rng=0)
                               @ A),
    "make_sketch gaussian n": ("n", lambda: sketchla.make_sketch("gaussian", 4, HUGE, rng=0)
                               @ sp.csc_matrix((np.ones(1), [0], [0, 1]), shape=(HUGE, 1))),
    "sparse_sign nnz_per_col": ("nnz_per_col", lambda: sketchla.sparse_sign(
        8, 300, nnz_per_col=HUGE, rng=0) @ A),
    "countsketch n": ("n", lambda: sketchla.countsketch(8, HUGE, rng=0).toarray()),
    "coordinated_sketch sketch_size": ("sketch_size", lambda: sketchla.coordinated_sketch(
        A, HUGE, seed=0)),
    "column_sketch sketch_size": ("sketch_size", lambda: sketchla.column_sketch(
        b, HUGE, seed=0)),
    "sample_k_dpp k": ("k", lambda: sketchla.sample_k_dpp(A, HUGE, 0, form="factor")),
    "sample_volume k": ("k", lambda: sketchla.sample_volume(A, HUGE, 0)),
    "sample_repeated_dpp min_repeats": ("min_repeats", lambda: sketchla.sample_repeated_dpp(
        V, min_repeats=BIG, max_repeats=BIG, rng=0)),
    "sample_repeated_dpp max_repeats": ("max_repeats", lambda: sketchla.sample_repeated_dpp(
        V, max_repeats=HUGE, rng=0)),
    "approximate n_samples": ("n_samples", lambda: sketchla.approximate(
        np.cos, _basis(), BIG, rng=0)),
    "sample_weighted_ls_points n_samples": ("n_samples", lambda: sketchla.sample_weighted_ls_points(
        _basis(), BIG, rng=0)),
    "polynomial_basis degree": ("degree", lambda: sketchla.polynomial_basis(dim=8,
                                                                            degree=BIG)),
    "polynomial_basis dim": ("dim", lambda: sketchla.polynomial_basis(dim=BIG, degree=2)),
    "altmin_complete max_iter": ("max_iter", lambda: sketchla.altmin_complete(
        X, 2, max_iter=BIG, rng=0)),
    "altmin_complete tol": ("tol", lambda: sketchla.altmin_complete(X, 2, tol=TINY, rng=0)),
    "altmin_complete rank": ("rank", lambda: sketchla.altmin_complete(X, HUGE, rng=0)),
    "altmin_complete sketch_size": ("sketch_size", lambda: sketchla.altmin_complete(
        X, 2, sketch_size=HUGE, method="sketched", rng=0)),
    "altmin_complete n_inner": ("n_inner", lambda: sketchla.altmin_complete(
        X, 2, n_inner=BIG, method="sketched", rng=0)),
    "spm max_iter": ("max_iter", lambda: sketchla.spm(T, max_iter=BIG, rng=0)),
    "spm n_tries": ("n_tries", lambda: sketchla.spm(T, n_tries=BIG, rng=0)),
    "spm rank": ("rank", lambda: sketchla.spm(T, rank=HUGE, rng=0)),
    "spm grad_tol": ("grad_tol", lambda: sketchla.spm(T, grad_tol=TINY, rng=0)),
    "sshopm max_iter": ("max_iter", lambda: sketchla.sshopm(T, max_iter=BIG, rng=0)),
    "sshopm tol": ("tol", lambda: sketchla.sshopm(T, tol=TINY, rng=0)),
    "MomentGaussianMixture n_components": ("n_components", lambda: sketchla.MomentGaussianMixture(
        n_components=HUGE, random_state=0).fit(A)),
    "MomentGaussianMixture max_iter": ("max_iter", lambda: sketchla.MomentGaussianMixture(
        n_components=2, max_iter=BIG, tol=TINY, random_state=0).fit(A)),
    "CumulantICA n_components": ("n_components", lambda: sketchla.CumulantICA(
        n_components=HUGE, random_state=0).fit(A)),
    "AltMinCompletion max_iter": ("max_iter", lambda: sketchla.AltMinCompletion(
        rank=2, max_iter=BIG, random_state=0).fit(X)),
    "RowSampler sketch_size": ("sketch_size", lambda: sketchla.RowSampler(
        sketch_size=HUGE, random_state=0).fit(A)),
    "QuantileRegression sketch_size": ("sketch_size", lambda: sketchla.QuantileRegression(
        sketch_size=HUGE, random_state=0).fit(A, b)),
    "SymmetricCP max_iter": ("max_iter", lambda: sketchla.SymmetricCP(
        max_iter=BIG, random_state=0).fit(T)),
}


# sizes of 10^9 (within the "≤ 2**53" bound: memory decides) and zero
# tolerances with 10^9 iterations (no convergence test can stop them)
CASES.update({
    "leverage_scores sketch_size 1e9": ("sketch_size", lambda: sketchla.leverage_scores(
        A, method="approx", sketch_size=BIG, rng=0)),
    "sample_rows sketch_size 1e9": ("sketch_size", lambda: sketchla.sample_rows(A, BIG, rng=0)),
    "lp_regression sketch_size 1e9": ("sketch_size", lambda: sketchla.lp_regression(
        A, b, 1, sketch_size=BIG, rng=0)),
    "quantile_regression sketch_size 1e9": ("sketch_size", lambda: sketchla.quantile_regression(
        A, b, sketch_size=BIG, rng=0)),
    "randomized_svd n_oversamples 1e9": ("n_oversamples", lambda: sketchla.randomized_svd(
        A, 2, n_oversamples=BIG, rng=0)),
    "make_sketch gaussian m 1e9": ("m", lambda: sketchla.make_sketch("gaussian", BIG, 300,
                                                                      rng=0) @ A),
    "make_sketch countsketch m 1e9": ("m", lambda: sketchla.make_sketch("countsketch", BIG,
                                                                         300, rng=0) @ A),
    "sparse_sign nnz_per_col 1e9": ("nnz_per_col", lambda: sketchla.sparse_sign(
        8, 300, nnz_per_col=BIG, rng=0) @ A),
    "coordinated_sketch sketch_size 1e9": ("sketch_size", lambda: sketchla.coordinated_sketch(
        A, BIG, seed=0)),
    "column_sketch sketch_size 1e9": ("sketch_size", lambda: sketchla.column_sketch(
        b, BIG, seed=0)),
    "sample_repeated_dpp max_repeats 1e9": ("max_repeats", lambda: sketchla.sample_repeated_dpp(
        V, max_repeats=BIG, rng=0)),
    "RowSampler sketch_size 1e9": ("sketch_size", lambda: sketchla.RowSampler(
        sketch_size=BIG, random_state=0).fit(A)),
    "spm max_iter and grad_tol": ("grad_tol", lambda: sketchla.spm(T, max_iter=BIG,
                                                                   grad_tol=0.0, rng=0)),
    "MomentGaussianMixture tol 0": ("tol", lambda: sketchla.MomentGaussianMixture(
        n_components=2, max_iter=BIG, tol=0.0, random_state=0).fit(A)),
    "altmin_complete tol 0": ("tol", lambda: sketchla.altmin_complete(
        X, 2, max_iter=BIG, tol=0.0, rng=0)),
    "lstsq tol 0": ("tol", lambda: sketchla.lstsq(A, b, tol=0.0, max_iter=BIG, rng=0)),
    "lewis_weights tol 0": ("tol", lambda: sketchla.lewis_weights(A, 1, tol=0.0,
                                                                   max_iter=BIG)),
    "sshopm tol 0": ("tol", lambda: sketchla.sshopm(T, tol=0.0, max_iter=BIG, rng=0)),
})


class _Alarm(BaseException):
    pass


def _alarm(signum, frame):
    raise _Alarm


def run(name, limit):
    param, call = CASES[name]
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    try:
        call()
        out, msg = "ok", ""
    except _Alarm:
        out, msg = "runaway", ""
    except (ValueError, TypeError, MemoryError, OverflowError) as exc:
        msg = f"{type(exc).__name__}: {exc}"
        out = "refused" if param in str(exc) and not isinstance(exc, OverflowError) \
            else "unnamed"
    except Exception as exc:  # noqa: BLE001 - reported, and fails the test
        out, msg = "crash", f"{type(exc).__name__}: {exc}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    took = time.perf_counter() - t0
    print(name.replace(" ", "|"), out, f"{took:.2f}", msg.replace("\n", " ")[:300], flush=True)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    for name in sys.argv[2:] or list(CASES):
        run(name, limit)
