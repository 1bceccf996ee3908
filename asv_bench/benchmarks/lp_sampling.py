"""Leverage scores, Lewis weights and ℓp regression beside their anchors.

Targets:
- ``leverage_scores(method="approx")`` on 10^6 x 200 dense: >= 5x faster
  than the exact method (pivoted Householder QR), median relative error
  <= 0.1 (``Leverage``).
- ``lewis_weights(p=1)`` on 10^5 x 50 in under 10 exact leverage-score
  computations' worth of time (``Lewis.track_cost_in_leverage_computations``).
- ``LpRegression(p=1)`` on 10^6 x 20 with Cauchy noise: objective within
  1.1x of the exact ℓ1 solution (full LP, HiGHS) and >= 10x faster
  (``L1Regression``).
- Exact leverage scores of a 10^5 x 500 sparse matrix at 1 % density: extra
  peak memory below 4 x (stored size + 500² doubles) plus one row block
  (``LeverageSparseMemory``).
- ``lewis_weights(p=1)`` on the same sparse matrix without an n x r dense
  basis (``LewisSparse``).
"""

import numpy as np


from ._util import once as _once
from ._util import tracked


class Leverage:
    timeout = 900
    number = 1
    repeat = 1

    def setup_cache(self):
        from sketchla import leverage_scores

        g = np.random.default_rng(0)
        A = g.standard_normal((10**6, 200))
        A[:200] *= 30
        exact, t_exact = _once(lambda: leverage_scores(A))
        approx, t_approx = _once(lambda: leverage_scores(A, "approx", rng=0))
        return {"speedup": t_exact / t_approx, "median_rel_err":
                float(np.median(np.abs(approx / exact - 1))), "t_exact": t_exact,
                "t_approx": t_approx}

    track_speedup_approx_vs_exact = tracked("speedup", unit="x")
    track_median_relative_error = tracked("median_rel_err", unit="relative error")


def _vm_mb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    raise NotImplementedError("needs Linux /proc")


class LeverageSparseMemory:
    """Extra peak resident memory of exact sparse leverage scores, in MB,
    beside the bound 4 x (stored matrix + d² doubles) (Linux only)."""

    timeout = 300

    def setup(self):
        import scipy.sparse as sp

        from sketchla import leverage_scores

        self.X = sp.random(100_000, 500, density=0.01, format="csr", random_state=0)
        leverage_scores(sp.random(50, 500, density=0.5, format="csr", random_state=1))

    def track_extra_peak_mb(self):
        from sketchla import leverage_scores

        with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark
            f.write("5")
        base = _vm_mb("VmRSS")
        leverage_scores(self.X)
        return _vm_mb("VmHWM") - base

    track_extra_peak_mb.unit = "MB"

    def track_bound_mb(self):
        X = self.X
        stored = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
        return 4 * (stored + 8 * X.shape[1] ** 2) / 2**20

    track_bound_mb.unit = "MB"


class LewisSparse:
    """ℓ1 Lewis weights of a 10^5 x 500 sparse matrix at 1 % density."""

    timeout = 600
    number = 1
    repeat = 3

    def setup(self):
        import scipy.sparse as sp

        from sketchla import lewis_weights

        self.X = sp.random(100_000, 500, density=0.01, format="csr", random_state=0)
        lewis_weights(sp.random(50, 500, density=0.5, format="csr", random_state=1), 1)

    def time_lewis_p1_sparse(self):
        from sketchla import lewis_weights

        lewis_weights(self.X, 1)


class Lewis:
    timeout = 600
    number = 1
    repeat = 1

    def setup_cache(self):
        from sketchla import leverage_scores, lewis_weights

        g = np.random.default_rng(0)
        A = g.standard_normal((10**5, 50))
        A[:50] *= 30
        t_lev = min(_once(lambda: leverage_scores(A))[1] for _ in range(3))
        w, t_lw = _once(lambda: lewis_weights(A, 1.0))
        return {"ratio": t_lw / t_lev, "residual": w.residual}

    track_cost_in_leverage_computations = tracked(
        "ratio", unit="lewis time / exact leverage time")
    track_fixed_point_residual = tracked("residual", unit="unit")


class L1Regression:
    timeout = 1800
    number = 1
    repeat = 1

    def setup_cache(self):
        from sketchla import LpRegression
        from sketchla.linalg.lp_regression import solve_weighted_lp

        g = np.random.default_rng(0)
        n, d = 10**6, 20
        X = g.standard_normal((n, d))
        y = X @ g.standard_normal(d) + g.standard_cauchy(n)
        est, t_s = _once(lambda: LpRegression(p=1, fit_intercept=False, random_state=0).fit(X, y))
        x_full, t_full = _once(lambda: solve_weighted_lp(X, y, np.ones(n), 1.0))

        def f(x):
            return np.abs(X @ x - y).sum()

        return {"speedup": t_full / t_s, "objective_ratio": f(est.coef_) / f(x_full),
                "t_sample": t_s, "t_full": t_full}

    track_speedup_vs_full_lp = tracked("speedup", unit="x (full LP time / ours)")
    track_objective_ratio = tracked("objective_ratio", unit="‖Ax−b‖₁ ours / optimum")
