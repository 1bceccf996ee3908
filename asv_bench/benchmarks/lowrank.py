"""Randomized SVD beside scikit-learn's and SciPy's truncated SVDs.

Targets (2-core reference machine), ours and the anchor in one process,
best of two runs each, BLAS and sketchla's pool held at 2 threads:

- ``RandomizedSVDDense``: 2·10^5 x 2000 dense, singular values decaying as
  1/i (and as 0.97^i), rank 50, at equal relative error against the exact
  truncated SVD: at least 2x faster than
  ``sklearn.utils.extmath.randomized_svd`` at its defaults.
- ``RandomizedSVDSparse``: 10^6 x 10^5 scipy.sparse at density 1e-4 (column
  popularity Zipf-distributed, as in term-document data:
  ``sketchla.datasets.make_term_document``), rank 20: at least
  3x faster than ``scipy.sparse.linalg.svds`` at equal accuracy.

Both run ``sketchla.randomized_svd`` at its defaults (block Krylov,
``n_iter="auto"``). "Equal accuracy" is read from the tracked errors: ours
must be no larger than the anchor's (scikit-learn) or within 1e-5 of the
optimum that svds reaches.

Errors are ‖A − Â‖_F / ‖A − A_k‖_F (1 is optimal), from the exact formula
‖A − Â‖_F² = ‖A‖_F² − Σ s_i² of a projection; the exact singular values of
the dense matrix come from the eigenvalues of its Gram matrix.
"""

import numpy as np

from ._util import held_threads, once, tracked


def _err_ratio(fro2, s_ours, tail2):
    return float(np.sqrt(max(fro2 - np.sum(np.asarray(s_ours, dtype=np.float64) ** 2), 0.0)
                         / tail2))


class RandomizedSVDDense:
    params = [["1/i", "0.97^i"]]
    param_names = ["spectrum"]
    timeout = 1800
    number = 1
    repeat = 1

    def setup_cache(self):
        return {spectrum: self._case(spectrum) for spectrum in self.params[0]}

    @staticmethod
    def _case(spectrum, n=200_000, d=2000, k=50):
        from sklearn.utils.extmath import randomized_svd as sk_rsvd

        import sketchla

        g = np.random.default_rng(0)
        i = np.arange(1, d + 1)
        s = 1.0 / i if spectrum == "1/i" else 0.97 ** i
        # G/√n has nearly orthonormal columns: A's singular values are s to ~10 %
        A = g.standard_normal((n, d))
        A *= s / np.sqrt(n)
        sig2 = np.sort(np.linalg.eigvalsh(A.T @ A))[::-1]
        fro2, tail2 = float(np.sum(sig2)), float(np.sum(sig2[k:]))
        sketchla.randomized_svd(A[:5000], k, rng=0)  # first-call imports
        t_ours = t_sk = np.inf
        with held_threads(2):
            for rep in range(2):
                (U, so, Vt), t = once(lambda: sketchla.randomized_svd(A, k, rng=rep))
                t_ours = min(t_ours, t)
                (_, ss, _), t = once(lambda: sk_rsvd(A, k, random_state=rep))
                t_sk = min(t_sk, t)
        sval = np.sqrt(sig2[:k])
        return {
            "t_ours": t_ours, "t_sklearn": t_sk, "speedup": t_sk / t_ours,
            "err_ours": _err_ratio(fro2, so, tail2),
            "err_sklearn": _err_ratio(fro2, ss, tail2),
            "sval_err_ours": float(np.max(np.abs(so / sval - 1))),
            "sval_err_sklearn": float(np.max(np.abs(ss / sval - 1))),
        }

    track_speedup_vs_sklearn = tracked("speedup", unit="x (scikit-learn time / ours)")
    track_error_ratio_ours = tracked("err_ours", unit="‖A − Â‖_F / optimum")
    track_error_ratio_sklearn = tracked("err_sklearn", unit="‖A − Â‖_F / optimum")
    track_singular_value_error_ours = tracked("sval_err_ours", unit="max |s/σ − 1|")
    track_singular_value_error_sklearn = tracked("sval_err_sklearn", unit="max |s/σ − 1|")


class RandomizedSVDSparse:
    timeout = 1800
    number = 1
    repeat = 1

    def setup_cache(self):
        from scipy.sparse.linalg import svds

        import sketchla
        from sketchla.datasets import make_term_document

        k = 20
        A = make_term_document(10**6, 10**5, 1e-4, rng=0)
        fro2 = float(np.sum(A.data**2))
        sketchla.randomized_svd(A[:10000], k, rng=0)
        t_ours = t_svds = np.inf
        with held_threads(2):
            for rep in range(2):
                (U, so, Vt), t = once(lambda: sketchla.randomized_svd(A, k, rng=rep))
                t_ours = min(t_ours, t)
                (_, sv, _), t = once(lambda: svds(A, k=k, random_state=rep))
                t_svds = min(t_svds, t)
        sv = np.sort(sv)[::-1]
        tail2 = fro2 - float(np.sum(sv**2))  # svds is exact to its tolerance
        return {
            "t_ours": t_ours, "t_svds": t_svds, "speedup": t_svds / t_ours,
            "err_ours": _err_ratio(fro2, so, tail2),
            "sval_err_ours_vs_svds": float(np.max(np.abs(so / sv - 1))),
        }

    track_speedup_vs_svds = tracked("speedup", unit="x (svds time / ours)")
    track_error_ratio_ours = tracked("err_ours", unit="‖A − Â‖_F / svds's")
    track_singular_value_error_vs_svds = tracked("sval_err_ours_vs_svds", unit="max |s/σ − 1|")


if __name__ == "__main__":  # python -m benchmarks.lowrank
    import json

    print(json.dumps(RandomizedSVDSparse().setup_cache(), indent=1))
    print(json.dumps(RandomizedSVDDense().setup_cache(), indent=1))
