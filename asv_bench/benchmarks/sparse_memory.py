"""Memory of the sparse paths: a 10^5 × 500 scipy.sparse matrix at 1% density.

Target: exact leverage scores allocate at most 4 × (the matrix's stored
size + 500² doubles) plus a bounded block beyond the input. Also reported:
the ℓ1 Lewis weights and ``lp_regression(p=1)`` on the same matrix, which
stay sparse too (blocked products with R⁻¹, never an n × d dense basis).

``peakmem_*`` are asv's resident-memory peaks of the whole process (the
matrix included); ``python -m benchmarks.sparse_memory`` reports the peak of
the allocations each call makes (tracemalloc, NumPy's allocations included),
its time and the bound. Thread pools are held at 2.
"""

import json
import time
import tracemalloc

import numpy as np

from ._util import held_threads

N, D, DENSITY = 100_000, 500, 0.01


def _matrix():
    import scipy.sparse as sp

    X = sp.random(N, D, density=DENSITY, format="csr", random_state=0)
    y = np.asarray(X.sum(axis=1)).ravel() + np.random.default_rng(0).standard_cauchy(N)
    return X, y


def _calls():
    import sketchla

    return {
        "leverage_scores": lambda X, y: sketchla.leverage_scores(X),
        "lewis_weights p=1": lambda X, y: sketchla.lewis_weights(X, 1),
        "lp_regression p=1": lambda X, y: sketchla.lp_regression(X, y, 1, rng=0),
    }


class SparseMemory:
    timeout = 1200

    def setup(self):
        self.X, self.y = _matrix()

    def peakmem_leverage_scores(self):
        with held_threads(2):
            _calls()["leverage_scores"](self.X, self.y)

    def peakmem_lewis_weights(self):
        with held_threads(2):
            _calls()["lewis_weights p=1"](self.X, self.y)

    def peakmem_lp_regression(self):
        with held_threads(2):
            _calls()["lp_regression p=1"](self.X, self.y)


def run():
    X, y = _matrix()
    stored = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    bound = 4 * (stored + D * D * 8)
    out = {"stored MB": stored / 1e6, "bound MB (4 x (stored + d^2 doubles))": bound / 1e6}
    with held_threads(2):
        for name, call in _calls().items():
            tracemalloc.start()
            t = time.perf_counter()
            call(X, y)
            seconds = time.perf_counter() - t
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            out[name] = {"seconds": round(seconds, 2), "peak MB": round(peak / 1e6, 1),
                         "peak / bound": round(peak / bound, 3)}
    return out


if __name__ == "__main__":  # cd asv_bench && python -m benchmarks.sparse_memory
    print(json.dumps(run(), indent=1))
