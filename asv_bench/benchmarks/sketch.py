"""Sketching operators beside their anchors.

Targets:
- FWHT along axis 0 of a 2^20 x 32 float64 array: no slower than fht-cpu on
  F-ordered input; at least 3x faster than fht-cpu on C-ordered input
  (``FWHT.track_speedup_vs_fht_cpu``).
- CountSketch of a 10^6 x 100 dense matrix: at least 3x faster than
  ``scipy.linalg.clarkson_woodruff_transform``
  (``CountSketchDense.track_speedup_vs_scipy``); on CSR input with 10^7
  nonzeros the extra memory stays O(nnz + m k)
  (``CountSketchCSR.track_extra_memory_over_nnz_plus_mk``).
- ``import sketchla`` under 0.5 s (``Import.track_import_seconds``).
"""

import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp

from ._util import best_time, ratio

try:
    from fht_cpu import fht as _fht_cpu
except ImportError:  # pragma: no cover
    _fht_cpu = None


class FWHT:
    params = ["F", "C"]
    param_names = ["order"]
    timeout = 300

    def setup(self, order):
        from sketchla._kernels import native

        self.native = native()
        rng = np.random.default_rng(0)
        self.X = np.asarray(rng.standard_normal((2**20, 32)), order=order)
        self.Y = np.empty_like(self.X)

    def time_sketchla_fwht(self, order):
        self.native.fwht(self.X)

    def time_fht_cpu(self, order):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # it warns that it copies C input
            _fht_cpu(self.X, axis=0)

    def time_memory_copy(self, order):
        np.copyto(self.Y, self.X)

    def track_speedup_vs_fht_cpu(self, order):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ratio(lambda: _fht_cpu(self.X, axis=0), lambda: self.native.fwht(self.X))

    track_speedup_vs_fht_cpu.unit = "x (fht-cpu time / ours)"

    def track_time_over_memory_copy(self, order):
        return 1.0 / ratio(lambda: np.copyto(self.Y, self.X), lambda: self.native.fwht(self.X))

    track_time_over_memory_copy.unit = "x (ours / copy)"


class _VersusScipyCWT:
    """CountSketch ``S @ A`` beside ``scipy.linalg.clarkson_woodruff_transform``;
    subclasses set ``self.A`` and ``self.m`` in ``setup``."""

    timeout = 300

    def _make_sketch(self):
        import sketchla

        self.S = sketchla.countsketch(self.m, self.A.shape[0], rng=0)

    def time_sketchla_countsketch(self):
        self.S @ self.A

    def time_scipy_clarkson_woodruff(self):
        from scipy.linalg import clarkson_woodruff_transform

        clarkson_woodruff_transform(self.A, self.m, seed=0)

    def track_speedup_vs_scipy(self):
        from scipy.linalg import clarkson_woodruff_transform

        return ratio(
            lambda: clarkson_woodruff_transform(self.A, self.m, seed=0),
            lambda: self.S @ self.A,
            repeat=3,
        )

    track_speedup_vs_scipy.unit = "x (scipy time / ours)"


class CountSketchDense(_VersusScipyCWT):
    def setup(self):
        rng = np.random.default_rng(0)
        self.A = rng.standard_normal((10**6, 100))
        self.m = 400
        self._make_sketch()


class CountSketchCSR(_VersusScipyCWT):
    def setup(self):
        from sketchla.datasets import make_sparse

        self.A = make_sparse(10**6, 1000, density=0.01, rng=0)  # 10^7 nonzeros
        self.m = 1000
        self._make_sketch()

    def track_extra_memory_over_nnz_plus_mk(self):
        """Peak bytes allocated during S @ A over the bytes of (nnz + m k)
        float64 numbers: O(1) means memory O(nnz + m k)."""
        tracemalloc.start()
        self.S @ self.A
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak / (8.0 * (self.A.nnz + self.m * self.A.shape[1]))

    track_extra_memory_over_nnz_plus_mk.unit = "x"


class Apply:
    """S @ A for each kind, dense and CSR, 2^18 x 64 (m = 4 d; CountSketch 2 d^2)."""

    params = (["gaussian", "srht", "countsketch", "sparse_sign"], ["dense", "csr"])
    param_names = ["kind", "input"]
    timeout = 300

    def setup(self, kind, inp):
        import sketchla
        from sketchla.datasets import make_sparse

        n, d = 2**18, 64
        if inp == "dense":
            self.A = np.random.default_rng(0).standard_normal((n, d))
        else:
            self.A = make_sparse(n, d * 16, density=0.01, rng=0)
            d = self.A.shape[1]
        m = 2 * 64 * 64 if kind == "countsketch" else 4 * 64
        self.S = sketchla.make_sketch(kind, m, n, rng=0)

    def time_apply(self, kind, inp):
        self.S @ self.A


class Import:
    def track_import_seconds(self):
        code = "import time; t = time.perf_counter(); import sketchla; print(time.perf_counter() - t)"
        best = np.inf
        for _ in range(5):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            best = min(best, float(out.stdout))
        return best

    track_import_seconds.unit = "s"


del sp, best_time
