"""Coordinated sampling beside its anchors (matrix product sketching).

Targets:
- sketching a CSR matrix with 10^7 nonzeros and 10^6 rows: one O(nnz)
  pass, at least 2x faster than ``scipy.linalg.clarkson_woodruff_transform``
  on the same matrix (``CoordinatedCSR.track_speedup_vs_scipy_cwt``);
- the Frobenius error of JL (Gaussian) and CountSketch at equal storage
  (stored numbers, indices included) over the coordinated sketch's, for
  s/d in {0.001, 0.01, 0.1, 1} (``EqualStorage.track_error_ratio``);
- the attention-matrix example: Q Kᵀ from sketches of Qᵀ and Kᵀ
  (``Attention.track_error_ratio``);
- streaming ``update`` throughput on a CSR stream beside DataSketches'
  ``var_opt`` (``CoordinatedUpdate``), reported.
"""

import numpy as np

from ._util import ratio, tracked


class CoordinatedCSR:
    timeout = 600

    def setup(self):
        from sketchla.datasets import make_sparse

        self.A = make_sparse(10**6, 1000, density=0.01, rng=0)  # 10^7 nonzeros

    def time_coordinated_priority(self):
        from sketchla import coordinated_sketch

        coordinated_sketch(self.A, 10000, "priority", seed=0)

    def time_scipy_cwt(self):
        from scipy.linalg import clarkson_woodruff_transform

        clarkson_woodruff_transform(self.A, 10000, seed=0)

    def track_speedup_vs_scipy_cwt(self):
        from scipy.linalg import clarkson_woodruff_transform

        from sketchla import coordinated_sketch

        return ratio(lambda: clarkson_woodruff_transform(self.A, 10000, seed=0),
                     lambda: coordinated_sketch(self.A, 10000, "priority", seed=0),
                     repeat=2, rounds=2)

    track_speedup_vs_scipy_cwt.unit = "x (scipy CWT time / ours)"


def equal_storage_errors(A, B, k, seeds=3):
    from sketchla.linalg.matmul import compare_equal_storage

    e = compare_equal_storage(A, B, k, seeds=seeds)
    e["coordinated"] = e.pop("priority")
    return e


class EqualStorage:
    params = [[0.001, 0.01, 0.1, 1.0], ["gaussian", "countsketch"]]
    param_names = ["s_over_d", "linear_sketch"]
    timeout = 600

    def setup_cache(self):
        from sketchla.datasets import make_sparse_pair

        out = {}
        n, d = 20000, 1000
        for frac in self.params[0]:
            s = max(1, int(round(frac * d)))
            A, B = make_sparse_pair(n if s < d else 4000, d, s, rng=0)
            out[frac] = equal_storage_errors(A, B, 1000)
        return out

    def track_error_ratio(self, errs, s_over_d, linear_sketch):
        e = errs[s_over_d]
        return e[linear_sketch] / e["coordinated"]

    track_error_ratio.unit = "x (linear-sketch error / coordinated, equal storage)"


class Attention:
    """Q Kᵀ for synthetic queries and keys with a few outlier feature
    dimensions (as in LLM activations): the product over the feature
    dimension, so the "rows" sampled are features."""

    params = [[2000, 8000, 32000]]
    param_names = ["storage"]

    def setup_cache(self):
        from sketchla.datasets import make_attention

        Q, K = make_attention(256, 2048, rng=0)
        out = {}
        for storage in self.params[0]:
            k = storage // (2 + Q.shape[0])  # dense rows: value per token + key + prob
            out[storage] = equal_storage_errors(Q.T, K.T, k)
        return out

    def track_error_ratio(self, errs, storage):
        return errs[storage]["gaussian"] / errs[storage]["coordinated"]

    track_error_ratio.unit = "x (JL error / coordinated, equal storage)"


class CoordinatedUpdate:
    """Streaming: ``CoordinatedSketch.update`` over a CSR stream of 10^6 rows x
    1000 features (10 nonzeros a row) in batches, k = 1000, beside
    DataSketches' ``var_opt_sketch(k)`` fed the same rows one call each
    (item = row number, weight = ‖a_i‖², what it samples by; the weights are
    computed beforehand, outside its timing). Rows per second; ours also
    computes the weights, holds the kept rows themselves and stays mergeable."""

    timeout = 900
    number = 1
    repeat = 1
    params = [[10_000, 1_000]]
    param_names = ["batch"]

    def setup_cache(self):
        import time

        from sketchla import coordinated_sketch
        from sketchla.datasets import make_sparse

        n, k = 10**6, 1000
        A = make_sparse(n, 1000, density=0.01, rng=0)
        out = {}
        for batch in self.params[0]:
            t0 = time.perf_counter()
            s = coordinated_sketch(A[:batch], k, keys=np.arange(batch), seed=1)
            for lo in range(batch, n, batch):
                s.update(A[lo:lo + batch], np.arange(lo, min(lo + batch, n)))
            out[batch] = {"ours": n / (time.perf_counter() - t0)}
        try:
            from datasketches import var_opt_sketch
        except ImportError:
            out["var_opt"] = None
        else:
            w = np.asarray(A.multiply(A).sum(axis=1)).ravel().tolist()
            t0 = time.perf_counter()
            vs = var_opt_sketch(k)
            for i, wi in enumerate(w):
                if wi > 0:
                    vs.update(i, wi)
            out["var_opt"] = n / (time.perf_counter() - t0)
        for batch in self.params[0]:
            out[batch]["var_opt"] = out["var_opt"]
        return out

    track_rows_per_second = tracked("ours", unit="rows/s")
    track_rows_per_second_var_opt = tracked("var_opt", unit="rows/s (DataSketches var_opt)",
                                            missing="datasketches is not installed")
