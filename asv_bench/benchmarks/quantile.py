"""Quantile regression by ℓ1 sampling beside scikit-learn and statsmodels.

Targets (2-core reference machine), on X (n, 20) Gaussian plus an intercept,
y = Xβ + Cauchy noise, τ ∈ {0.1, 0.5, 0.9}:

- ``QuantileVsStatsmodels`` (n = 10^5): the objective of
  ``sketchla.quantile_regression`` is within 1.005x of the optimum (the exact
  linear program, which is ``QuantileRegressor``'s optimum), and it is at
  least 20x faster than statsmodels ``QuantReg`` (best of 3 for sketchla,
  one fit for statsmodels, same run).
- ``QuantileVsScikitLearn`` (n = 10^5): at least 500x faster than
  ``QuantileRegressor(alpha=0, solver="highs")``, which takes tens of
  minutes per fit here (one fit per τ; timeout 3 h). At n = 2·10^4, where
  it takes about 40 s, the same ratio is reported for every τ.
- ``QuantileScale`` (n = 10^7, float64, 1.6 GB): under 2 minutes, with the
  process's peak resident memory under 2x the data (measured in a fresh
  interpreter).

Thread pools are held at 2 (threadpoolctl and sketchla's pool) on every side.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np

from ._util import best_of, held_threads, once, tracked

TAUS = ["0.1", "0.5", "0.9"]


def _problem(n, d=20, seed=0):
    g = np.random.default_rng(seed)
    X = g.standard_normal((n, d))
    y = X @ g.standard_normal(d) + g.standard_cauchy(n)
    return X, y


def _loss(X, y, coef, intercept, tau):
    r = y - X @ coef - intercept
    return float(np.sum(np.where(r > 0, tau * r, (tau - 1) * r)))


def _ours(X, y, tau, repeat=3):
    import sketchla

    return best_of(lambda: sketchla.QuantileRegression(quantile=tau, random_state=0)
                   .fit(X, y), repeat)


def _optimum(X, y, tau):
    import sketchla

    est = sketchla.QuantileRegression(quantile=tau, method="exact").fit(X, y)
    return _loss(X, y, est.coef_, est.intercept_, tau)


class QuantileVsStatsmodels:
    params = [TAUS]
    param_names = ["quantile"]
    timeout = 1800

    def setup_cache(self):
        import statsmodels.api as sm

        X, y = _problem(100_000)
        Xc = sm.add_constant(X)
        out = {}
        with held_threads():
            for t in TAUS:
                tau = float(t)
                est, t_ours = _ours(X, y, tau)
                fit, t_sm = once(lambda: sm.QuantReg(y, Xc).fit(q=tau))
                opt = _optimum(X, y, tau)
                out[t] = {"t_ours": t_ours, "t_statsmodels": t_sm, "speedup": t_sm / t_ours,
                          "objective_ratio": _loss(X, y, est.coef_, est.intercept_, tau) / opt,
                          "statsmodels_ratio": _loss(X, y, fit.params[1:], fit.params[0],
                                                     tau) / opt}
        return out

    track_speedup_vs_statsmodels = tracked("speedup", unit="x")
    track_objective_vs_optimum = tracked("objective_ratio", unit="x optimum")


class QuantileVsScikitLearn:
    params = [TAUS, ["2e4", "1e5"]]
    param_names = ["quantile", "n"]
    timeout = 3 * 3600

    def setup_cache(self, sizes=None):
        from sklearn.linear_model import QuantileRegressor

        out = {}
        with held_threads():
            for n in sizes or self.params[1]:
                X, y = _problem(int(float(n)))
                for t in TAUS:
                    tau = float(t)
                    est, t_ours = _ours(X, y, tau)
                    ref, t_sk = once(lambda: QuantileRegressor(
                        quantile=tau, alpha=0.0, solver="highs").fit(X, y))
                    out[(t, n)] = {
                        "t_ours": t_ours, "t_sklearn": t_sk, "speedup": t_sk / t_ours,
                        "objective_ratio": _loss(X, y, est.coef_, est.intercept_, tau)
                        / _loss(X, y, ref.coef_, ref.intercept_, tau)}
        return out

    track_speedup_vs_quantile_regressor = tracked("speedup", unit="x")
    track_objective_vs_quantile_regressor = tracked("objective_ratio", unit="x theirs")


_SCALE_SCRIPT = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from threadpoolctl import threadpool_limits
    import sketchla
    n, d = int(sys.argv[1]), 20
    g = np.random.default_rng(0)
    X = g.standard_normal((n, d))
    y = X @ g.standard_normal(d) + g.standard_cauchy(n)
    data = X.nbytes + y.nbytes
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    with threadpool_limits(2), sketchla.threads(2):
        t0 = time.perf_counter()
        est = sketchla.QuantileRegression(quantile=0.5, random_state=0).fit(X, y)
        t = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # before: the interpreter, the libraries and the data; what the fit adds
    # on top of the data, as a multiple of the data
    print(json.dumps({"time": t, "data_bytes": data,
                      "peak_over_data": (peak - before + data) / data}))
""")


def scale_run(n=10_000_000):
    res = subprocess.run([sys.executable, "-c", _SCALE_SCRIPT, str(n)], capture_output=True,
                         text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


class QuantileScale:
    timeout = 1800

    def setup_cache(self):
        return scale_run()

    track_time_1e7 = tracked("time", unit="seconds")
    track_peak_memory_over_data = tracked("peak_over_data", unit="x data")


if __name__ == "__main__":  # python -m benchmarks.quantile [statsmodels|sklearn|sklearn-2e4|scale]
    what = sys.argv[1] if len(sys.argv) > 1 else "statsmodels"
    if what == "statsmodels":
        print(json.dumps(QuantileVsStatsmodels().setup_cache(), indent=1))
    elif what in ("sklearn", "sklearn-2e4"):
        sizes = ["2e4"] if what == "sklearn-2e4" else None
        print(json.dumps({f"{k[0]} n={k[1]}": v for k, v in
                          QuantileVsScikitLearn().setup_cache(sizes).items()}, indent=1))
    elif what == "scale":
        print(json.dumps(scale_run(), indent=1))
