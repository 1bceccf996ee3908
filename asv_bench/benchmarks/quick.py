"""The quick subset: one small problem per capability, its time, its anchor
as a ratio measured in the same run, and its accuracy beside them.

This is what ``asv_bench/dashboard.py --commits N`` runs by default on each
commit (a few seconds a commit once its environment is built), so that the
dashboard's history shows every capability moving, not only the large
problems of the full suite. Each ``setup_cache`` measures both sides
interleaved, 5 rounds, thread pools held at 2, and keeps the median and
the spread; the ``track_*`` methods read them. Every tracked figure is
lower-is-better (our time over the anchor's, errors), because asv's
regression page reports steps up: a relative slowdown against the anchor
or a loss of accuracy is listed there.
"""

import numpy as np

from ._util import held_threads, interleaved, tracked


def _result(timing, **accuracy):
    return {"t_ours": timing["ours"]["median"], "t_anchor": timing["anchor"]["median"],
            "ratio": timing["ratio"]["median"], "ratio_min": timing["ratio"]["min"],
            "ratio_max": timing["ratio"]["max"], **accuracy}


class QuickLstsq:
    """lstsq on a dense 2^15 × 64 problem against numpy.linalg.lstsq (LAPACK)."""

    timeout = 300

    def setup_cache(self):
        import sketchla

        g = np.random.default_rng(0)
        A = g.standard_normal((2**15, 64))
        b = A @ g.standard_normal(64) + g.standard_normal(2**15)
        with held_threads(2):
            sketchla.lstsq(A[:2048], b[:2048], rng=0)
            timing = interleaved(lambda: sketchla.lstsq(A, b, rng=0),
                                  lambda: np.linalg.lstsq(A, b, rcond=None))
            x = sketchla.lstsq(A, b, rng=0).x
        x_np = np.linalg.lstsq(A, b, rcond=None)[0]
        excess = np.linalg.norm(A @ x - b) / np.linalg.norm(A @ x_np - b) - 1.0
        return _result(timing, resid_excess=float(excess))

    track_seconds = tracked("t_ours", unit="s")
    track_time_over_numpy = tracked("ratio", unit="our time / numpy.linalg.lstsq time")
    track_residual_excess = tracked("resid_excess", unit="‖Ax−b‖ ours / LAPACK − 1")


class QuickCountSketch:
    """A CountSketch of a 2·10^5 × 50 matrix against
    scipy.linalg.clarkson_woodruff_transform (the same sketch family)."""

    timeout = 300

    def setup_cache(self):
        import scipy.linalg as sla

        import sketchla

        A = np.random.default_rng(0).standard_normal((200_000, 50))
        S = sketchla.countsketch(2000, A.shape[0], rng=0)
        with held_threads(2):
            timing = interleaved(lambda: S @ A,
                                  lambda: sla.clarkson_woodruff_transform(A, 2000, seed=0))
        # distortion: the largest relative change of ‖A x‖ over A's column space
        sv = np.linalg.svd(np.linalg.qr(S @ np.linalg.qr(A)[0])[1], compute_uv=False)
        return _result(timing, distortion=float(max(sv.max() - 1, 1 - sv.min())))

    track_seconds = tracked("t_ours", unit="s")
    track_time_over_scipy = tracked("ratio", unit="our time / scipy CWT time")
    track_distortion = tracked("distortion", unit="max |σ(S U)| − 1, U an orthonormal basis")


class QuickRandomizedSVD:
    """Rank-10 randomized_svd of a 3000 × 1000 matrix with decaying spectrum
    against scipy.sparse.linalg.svds (ARPACK)."""

    timeout = 300

    def setup_cache(self):
        from scipy.sparse.linalg import svds

        import sketchla

        g = np.random.default_rng(0)
        U = np.linalg.qr(g.standard_normal((3000, 200)))[0]
        V = np.linalg.qr(g.standard_normal((1000, 200)))[0]
        s = 0.8 ** np.arange(200)
        A = (U * s) @ V.T
        with held_threads(2):
            timing = interleaved(lambda: sketchla.randomized_svd(A, 10, rng=0),
                                  lambda: svds(A, 10, random_state=0))
            res = sketchla.randomized_svd(A, 10, rng=0)
        Uk, sk, Vtk = res
        err = np.linalg.norm(A - (Uk * sk) @ Vtk, 2) / s[10]
        return _result(timing, error_over_optimum=float(err - 1.0))

    track_seconds = tracked("t_ours", unit="s")
    track_time_over_svds = tracked("ratio", unit="our time / svds time")
    track_error_over_optimum = tracked("error_over_optimum",
                                       unit="‖A − A_k‖₂ / σ_{k+1} − 1")


class QuickLeverage:
    """Approximate leverage scores of a 10^5 × 40 matrix against the exact
    ones from a thin QR (numpy.linalg.qr)."""

    timeout = 300

    def setup_cache(self):
        import sketchla

        g = np.random.default_rng(0)
        A = g.standard_normal((100_000, 40)) * np.exp(g.standard_normal((100_000, 1)))

        def exact():
            Q = np.linalg.qr(A)[0]
            return np.einsum("ij,ij->i", Q, Q)

        with held_threads(2):
            timing = interleaved(lambda: sketchla.leverage_scores(A, method="approx", rng=0),
                                  exact)
            lev = sketchla.leverage_scores(A, method="approx", rng=0)
        ref = exact()
        return _result(timing, max_rel_error=float(np.max(np.abs(lev / ref - 1))))

    track_seconds = tracked("t_ours", unit="s")
    track_time_over_qr = tracked("ratio", unit="our time / exact QR time")
    track_max_relative_error = tracked("max_rel_error", unit="max |ℓ̃_i / ℓ_i − 1|")


class QuickCompletion:
    """Completion of a 1500 × 1000 rank-5 matrix, 10 % observed, against the
    truth: held-out RMSE relative to the entries' scale, and the time
    against one dense SVD of the (zero-filled) matrix as the anchor."""

    timeout = 300

    def setup_cache(self):
        import sketchla
        from sketchla.datasets import make_low_rank_completion

        X, U, V = make_low_rank_completion(1500, 1000, 5, fraction=0.1, rng=0)
        dense = X.toarray()
        with held_threads(2):
            timing = interleaved(lambda: sketchla.altmin_complete(X, rank=5, rng=0),
                                  lambda: np.linalg.svd(dense, full_matrices=False))
            res = sketchla.altmin_complete(X, rank=5, rng=0)
        g = np.random.default_rng(1)
        rows, cols = g.integers(0, 1500, 5000), g.integers(0, 1000, 5000)
        truth = np.einsum("ij,ij->i", U[rows], V[cols])
        rmse = np.sqrt(np.mean((res.predict(rows, cols) - truth) ** 2)) / np.std(truth)
        return _result(timing, rmse=float(rmse))

    track_seconds = tracked("t_ours", unit="s")
    track_time_over_dense_svd = tracked("ratio", unit="our time / one dense SVD's time")
    track_relative_rmse = tracked("rmse", unit="held-out RMSE / std of the entries")
