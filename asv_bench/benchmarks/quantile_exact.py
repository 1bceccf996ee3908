"""Quantile regression at the defaults (the certified optimum) beside the
strongest peers, on X (n, 20) Gaussian with five rows scaled by 50 (high
leverage) plus an intercept, y = Xβ + Student-t(1.5) noise (heavy tails),
τ ∈ {0.1, 0.5, 0.9}.

Targets:
- ``QuantileVsConquer`` (n = 10^6): the default ``QuantileRegression()``
  returns a certified optimum (relative duality gap ≤ 1e-9) at least 2x
  faster than ``quantes``' ``conquer`` fit (``low_dim(X, y).fit(tau)``, its
  defaults) where conquer converges; conquer's objective over ours is
  reported beside it.
- ``QuantileVsStatsmodelsExact`` (n = 10^5): at least 20x faster than
  statsmodels ``QuantReg(y, [X 1]).fit(q=τ)`` (its defaults).
- ``QuantileExactScale`` (n = 10^7): under 1 minute, certified.

Timings: the sides interleaved over rounds (3 for conquer, 3 of ours around
one statsmodels fit), thread pools held at 2 on every side; the median and
the spread (min–max) of ours, and the ratio of medians.

``python -m benchmarks.quantile_exact [conquer|statsmodels|scale]`` prints the
table. quantes is not a dependency: ``pip install quantes`` (it pulls torch
and cvxopt).
"""

import json
import sys

import numpy as np

from ._util import held_threads, once, spread, tracked

TAUS = (0.1, 0.5, 0.9)


def _problem(n, d=20, seed=0):
    g = np.random.default_rng(seed)
    X = g.standard_normal((n, d))
    X[:5] *= 50
    y = X @ g.standard_normal(d) + g.standard_t(1.5, n)
    return X, y


def _loss(X, y, coef, intercept, tau):
    r = y - X @ coef - intercept
    return float(np.sum(np.maximum(tau * r, (tau - 1) * r)))



def _ours(X, y, tau):
    import sketchla

    return once(lambda: sketchla.QuantileRegression(quantile=tau, random_state=0).fit(X, y))



def conquer_run(n=10**6, rounds=3):
    try:
        from quantes.linear import low_dim
    except ImportError:
        low_dim = None
    X, y = _problem(n)
    out = {}
    with held_threads(2):
        _ours(X[:20000], y[:20000], 0.5)  # first-call imports
        for tau in TAUS:
            ours_t, theirs_t = [], []
            for _ in range(rounds):
                est, t = _ours(X, y, tau)
                ours_t.append(t)
                if low_dim is not None:
                    fit, t = once(lambda: low_dim(X, y, intercept=True).fit(tau=tau))
                    theirs_t.append(t)
            row = {"time": spread(ours_t), "duality_gap": est.certificate_.duality_gap,
                   "kept_rows": est.certificate_.n_kept}
            f = _loss(X, y, est.coef_, est.intercept_, tau)
            if low_dim is not None:
                beta = np.asarray(fit["beta"])
                row["conquer_time"] = spread(theirs_t)
                row["conquer_objective_ratio"] = _loss(X, y, beta[1:], beta[0], tau) / f
                row["speedup"] = row["conquer_time"]["median"] / row["time"]["median"]
            out[str(tau)] = row
    return out


def statsmodels_run(n=10**5):
    import statsmodels.api as sm

    X, y = _problem(n)
    out = {}
    with held_threads(2):
        _ours(X[:20000], y[:20000], 0.5)
        for tau in TAUS:
            ours_t = [_ours(X, y, tau)[1]]
            res, ts = once(lambda: sm.QuantReg(y, sm.add_constant(X, prepend=False))
                             .fit(q=tau))
            for _ in range(2):
                est, t = _ours(X, y, tau)
                ours_t.append(t)
            coef = np.asarray(res.params)
            out[str(tau)] = {
                "time": spread(ours_t), "statsmodels_time": ts,
                "speedup": ts / float(np.median(ours_t)),
                "statsmodels_objective_ratio":
                    _loss(X, y, coef[:-1], coef[-1], tau)
                    / _loss(X, y, est.coef_, est.intercept_, tau)}
    return out


def scale_run(n=10**7):
    X, y = _problem(n)
    with held_threads(2):
        est, t = _ours(X, y, 0.5)
    return {"time": t, "duality_gap": est.certificate_.duality_gap,
            "kept_rows": est.certificate_.n_kept}


class QuantileVsConquer:
    timeout = 3600
    params = [list(map(str, TAUS))]
    param_names = ["quantile"]

    def setup_cache(self):
        return conquer_run()

    track_speedup = tracked("speedup", unit="x (conquer / ours)",
                            missing="quantes is not installed")
    track_time = tracked("time", "median", unit="seconds")
    track_duality_gap = tracked("duality_gap", unit="relative gap")
    track_conquer_objective_ratio = tracked("conquer_objective_ratio",
                                            unit="conquer / optimum",
                                            missing="quantes is not installed")


class QuantileVsStatsmodelsExact:
    timeout = 3600
    params = [list(map(str, TAUS))]
    param_names = ["quantile"]

    def setup_cache(self):
        return statsmodels_run()

    track_speedup = tracked("speedup", unit="x (statsmodels / ours)")
    track_statsmodels_objective_ratio = tracked("statsmodels_objective_ratio",
                                                unit="statsmodels / optimum")


class QuantileExactScale:
    timeout = 1800

    def setup_cache(self):
        return scale_run()

    track_time_1e7 = tracked("time", unit="seconds")
    track_duality_gap = tracked("duality_gap", unit="relative gap")


if __name__ == "__main__":  # python -m benchmarks.quantile_exact [conquer|statsmodels|scale]
    what = sys.argv[1] if len(sys.argv) > 1 else "conquer"
    run = {"conquer": conquer_run, "statsmodels": statsmodels_run, "scale": scale_run}[what]
    print(json.dumps(run(), indent=1))
