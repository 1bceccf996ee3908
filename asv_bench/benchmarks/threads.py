"""The thread policy under load, and the cost of a first call.

Targets (2-core reference machine):

- ``Contention``: with one competing busy process (``python -c "while True:
  pass"``) on the machine, ``lstsq`` at 2^18 x 128 (Gaussian, and cond 1e6)
  is at least 3x faster than ``numpy.linalg.lstsq`` and within 1.5x of its
  own time on the idle machine; the same for ``altmin_complete`` on 2000²
  (rank 10, 10 % observed; anchor fancyimpute's ``IterativeSVD(rank=10)``
  when installed) and for CountSketch ``S @ A`` at 10^6 x 100 (anchor
  ``scipy.linalg.clarkson_woodruff_transform``). Idle and loaded phases are
  interleaved over rounds, each time the best of several calls, ours and
  the anchor in the same phase. Thread counts are the library's defaults: a
  user who sets nothing is what is measured.
- ``FirstCall``: each public function at the tour's sizes, in a fresh
  interpreter, costs at most 1 s more on its first call than on its second
  (``track_max_first_call_excess``).
"""

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np

from ._util import best_time, tracked

_BUSY = "while True: pass"


def _contention_cases():
    import scipy.linalg

    import sketchla
    from sketchla.datasets import make_ill_conditioned, make_low_rank_completion

    g = np.random.default_rng(0)
    n, d = 2**18, 128
    A = g.standard_normal((n, d))
    Ac = make_ill_conditioned(n, d, cond=1e6, rng=1)
    b = A @ g.standard_normal(d) + g.standard_normal(n)
    bc = Ac @ g.standard_normal(d) + g.standard_normal(n)
    X, U, V = make_low_rank_completion(2000, 2000, 10, fraction=0.1, rng=0)
    C = g.standard_normal((10**6, 100))
    S = sketchla.countsketch(400, 10**6, rng=0)

    cases = {
        "lstsq gaussian 2^18x128": (
            lambda: sketchla.lstsq(A, b, rng=0),
            lambda: np.linalg.lstsq(A, b, rcond=None), 3, 1),
        "lstsq cond1e6 2^18x128": (
            lambda: sketchla.lstsq(Ac, bc, rng=0),
            lambda: np.linalg.lstsq(Ac, bc, rcond=None), 3, 1),
        "countsketch 10^6x100": (
            lambda: S @ C,
            lambda: scipy.linalg.clarkson_woodruff_transform(C, 400, seed=0), 7, 2),
    }
    anchor = None
    try:
        from .completion import _fancyimpute

        _, IterativeSVD = _fancyimpute()
        D = np.full((2000, 2000), np.nan)
        r, c = X.nonzero()
        D[r, c] = (U @ V.T)[r, c]
        anchor = lambda: IterativeSVD(rank=10, verbose=False).fit_transform(D)  # noqa: E731
    except NotImplementedError:
        pass
    cases["altmin 2000^2 rank 10"] = (lambda: sketchla.altmin_complete(X, 10, rng=0),
                                      anchor, 5, 1)
    return cases


class Contention:
    """Ours and the anchor, idle and beside one busy process, interleaved."""

    timeout = 1800
    number = 1
    repeat = 1
    rounds = 3

    def setup_cache(self):
        cases = _contention_cases()
        for ours, _, _, _ in cases.values():
            ours()  # first-call imports
        t = {name: {"idle": np.inf, "busy": np.inf, "anchor_idle": np.inf,
                    "anchor_busy": np.inf} for name in cases}
        for _ in range(self.rounds):
            for phase in ("idle", "busy"):
                busy = None
                if phase == "busy":
                    busy = subprocess.Popen([sys.executable, "-c", _BUSY])
                    time.sleep(0.5)
                try:
                    for name, (ours, anchor, rep, rep_anchor) in cases.items():
                        t[name][phase] = min(t[name][phase], best_time(ours, rep, warmup=0))
                        if anchor is not None:
                            key = "anchor_" + phase
                            t[name][key] = min(t[name][key], best_time(anchor, rep_anchor, warmup=0))
                finally:
                    if busy is not None:
                        busy.kill()
                        busy.wait()
        out = {}
        for name, r in t.items():
            has_anchor = np.isfinite(r["anchor_busy"])
            out[name] = {
                **{k: float(v) if np.isfinite(v) else None for k, v in r.items()},
                "busy_over_idle": r["busy"] / r["idle"],
                "speedup_busy": r["anchor_busy"] / r["busy"] if has_anchor else None,
                "speedup_idle": r["anchor_idle"] / r["idle"] if has_anchor else None,
            }
        return out

    params = [["lstsq gaussian 2^18x128", "lstsq cond1e6 2^18x128", "countsketch 10^6x100",
               "altmin 2000^2 rank 10"]]
    param_names = ["case"]

    track_busy_over_idle = tracked("busy_over_idle", unit="x (time under load / idle time)")
    track_speedup_vs_anchor_under_load = tracked(
        "speedup_busy", unit="x (anchor time / ours, both under load)",
        missing="anchor not installed")
    track_speedup_vs_anchor_idle = tracked(
        "speedup_idle", unit="x (anchor time / ours, both idle)", missing="anchor not installed")
    track_seconds_idle = tracked("idle", unit="s")
    track_seconds_under_load = tracked("busy", unit="s")


# Each entry: (public name, setup code, call code); sizes are the tour's.
FIRST_CALLS = [
    ("make_sketch / S @ A", "A = np.random.default_rng(0).standard_normal((2**18, 64))",
     "sketchla.make_sketch('sparse_sign', 256, 2**18, rng=1) @ A"),
    ("srht", "A = np.random.default_rng(0).standard_normal((2**18, 64))",
     "sketchla.srht(256, 2**18, rng=1) @ A"),
    ("gaussian", "A = np.random.default_rng(0).standard_normal((2**18, 64))",
     "sketchla.gaussian(256, 2**18, rng=1) @ A"),
    ("countsketch", "A = np.random.default_rng(0).standard_normal((2**18, 64))",
     "sketchla.countsketch(8192, 2**18, rng=1) @ A"),
    ("lstsq", "g = np.random.default_rng(0); A = g.standard_normal((2**18, 128)); "
     "b = g.standard_normal(2**18)", "sketchla.lstsq(A, b, rng=0)"),
    ("sketch_and_solve", "g = np.random.default_rng(0); A = g.standard_normal((2**18, 128)); "
     "b = g.standard_normal(2**18)", "sketchla.sketch_and_solve(A, b, rng=0)"),
    ("SketchedRegression", "g = np.random.default_rng(0); A = g.standard_normal((2**16, 64)); "
     "b = g.standard_normal(2**16)", "sketchla.SketchedRegression(random_state=0).fit(A, b)"),
    ("approx_matmul", "g = np.random.default_rng(0); A = g.standard_normal((20000, 200)); "
     "B = g.standard_normal((20000, 100))", "sketchla.approx_matmul(A, B, 2000, rng=0)"),
    ("coordinated_sketch / estimate_product",
     "from sketchla.datasets import make_sparse_pair; "
     "A, B = make_sparse_pair(20000, 1000, 10, rng=0)",
     "sketchla.estimate_product(sketchla.coordinated_sketch(A, 1000, seed=7), "
     "sketchla.coordinated_sketch(B, 1000, seed=7))"),
    ("leverage_scores", "A = np.random.default_rng(0).standard_normal((20000, 10))",
     "sketchla.leverage_scores(A)"),
    ("leverage_scores (sparse)", "from sketchla.datasets import make_sparse; "
     "A = make_sparse(100000, 200, density=0.01, rng=0)", "sketchla.leverage_scores(A)"),
    ("lewis_weights", "A = np.random.default_rng(0).standard_normal((20000, 10))",
     "sketchla.lewis_weights(A, 1)"),
    ("lp_sensitivities", "A = np.random.default_rng(0).standard_normal((20000, 10))",
     "sketchla.lp_sensitivities(A, 3, method='bound')"),
    ("sample_rows", "A = np.random.default_rng(0).standard_normal((20000, 10))",
     "sketchla.sample_rows(A, 2000, p=1, scores='lewis', rng=0)"),
    ("RowSampler", "A = np.random.default_rng(0).standard_normal((20000, 10))",
     "sketchla.RowSampler(sketch_size=2000, p=2, random_state=0).fit(A)"),
    ("lp_regression", "g = np.random.default_rng(0); A = g.standard_normal((20000, 10)); "
     "b = A @ g.standard_normal(10) + g.standard_cauchy(20000)",
     "sketchla.lp_regression(A, b, 1, rng=0)"),
    ("LpRegression", "g = np.random.default_rng(0); A = g.standard_normal((20000, 10)); "
     "b = A @ g.standard_normal(10) + g.standard_cauchy(20000)",
     "sketchla.LpRegression(p=1.0, random_state=0).fit(A, b)"),
    ("sample_projection_dpp", "U = np.linalg.qr(np.random.default_rng(0)"
     ".standard_normal((10**5, 100)))[0]", "sketchla.sample_projection_dpp(U, rng=0)"),
    ("sample_volume", "A = np.random.default_rng(0).standard_normal((10**5, 50))",
     "sketchla.sample_volume(A, 100, rng=0)"),
    ("sample_volume_rescaled", "A = np.random.default_rng(0).standard_normal((10**5, 50))",
     "sketchla.sample_volume_rescaled(A, 100, rng=0)"),
    ("sample_dpp", "B = np.random.default_rng(0).standard_normal((10**4, 50))",
     "sketchla.sample_dpp(B, rng=0)"),
    ("sample_k_dpp", "B = np.random.default_rng(0).standard_normal((10**4, 50))",
     "sketchla.sample_k_dpp(B, 20, rng=0)"),
    ("range_finder", "A = np.random.default_rng(0).standard_normal((20000, 300))",
     "sketchla.range_finder(A, 30, rng=0)"),
    ("randomized_svd", "A = np.random.default_rng(0).standard_normal((20000, 300))",
     "sketchla.randomized_svd(A, 20, rng=0)"),
    ("nystrom", "X = np.random.default_rng(0).standard_normal((2000, 300)); K = X @ X.T",
     "sketchla.nystrom(K, 20, rng=0)"),
    ("sample_repeated_dpp", "U = np.linalg.qr(np.random.default_rng(0)"
     ".standard_normal((10**4, 20)))[0]", "sketchla.sample_repeated_dpp(U, rng=0)"),
    ("approximate / WeightedLeastSquares",
     "basis = sketchla.polynomial_basis('legendre', 2, 6)",
     "sketchla.approximate(lambda X: np.exp(X.sum(1)), basis, 100, method='dpp', rng=0)"),
    ("sample_weighted_ls_points", "basis = sketchla.polynomial_basis('legendre', 2, 6)",
     "sketchla.sample_weighted_ls_points(basis, 100, method='christoffel', rng=0)"),
    ("altmin_complete", "from sketchla.datasets import make_low_rank_completion; "
     "X = make_low_rank_completion(2000, 2000, 10, fraction=0.1, rng=0)[0]",
     "sketchla.altmin_complete(X, 10, rng=0)"),
    ("AltMinCompletion", "from sketchla.datasets import make_low_rank_completion; "
     "X = make_low_rank_completion(1000, 1000, 5, fraction=0.1, rng=0)[0]",
     "sketchla.AltMinCompletion(rank=5, random_state=0).fit(X)"),
    ("spm", "from sketchla.datasets import make_symmetric_tensor; "
     "T = make_symmetric_tensor(20, 4, 40, rng=0)[0]", "sketchla.spm(T, rng=0)"),
    ("SymmetricCP", "from sketchla.datasets import make_symmetric_tensor; "
     "T = make_symmetric_tensor(20, 4, 40, rng=0)[0]",
     "sketchla.SymmetricCP(random_state=0).fit(T)"),
    ("sshopm", "from sketchla.datasets import make_symmetric_tensor; "
     "T = make_symmetric_tensor(20, 4, 10, rng=0)[0]", "sketchla.sshopm(T, rng=0)"),
    ("spm (d=25, R=80)", "from sketchla.datasets import make_symmetric_tensor; "
     "T = make_symmetric_tensor(25, 4, 80, rng=0)[0]", "sketchla.spm(T, rng=0)"),
    ("MomentGaussianMixture", "from sketchla.datasets import make_gaussian_mixture; "
     "X = make_gaussian_mixture(20000, 10, 5, rng=0)[0]",
     "sketchla.MomentGaussianMixture(random_state=0).fit(X)"),
    ("CumulantICA", "g = np.random.default_rng(0); "
     "X = np.c_[g.uniform(-1, 1, (20000, 3)), g.laplace(size=(20000, 3))] "
     "@ g.standard_normal((6, 6))", "sketchla.CumulantICA(random_state=0).fit(X)"),
    ("spm_moments / moment_tensor", "X = np.random.default_rng(0).standard_normal((20000, 10))",
     "sketchla.spm_moments(X, 4, rank=5, rng=0); sketchla.moment_tensor(X, 3)"),
]

_FIRST_CALL_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import sketchla
    setup, call = sys.argv[1], sys.argv[2]
    env = {"np": np, "sketchla": sketchla}
    exec(setup, env)
    code = compile(call, "<call>", "exec")
    t0 = time.perf_counter(); exec(code, env); t1 = time.perf_counter() - t0
    t0 = time.perf_counter(); exec(code, env); t2 = time.perf_counter() - t0
    print(json.dumps([t1, t2]))
    """
)


def first_call_times(calls=FIRST_CALLS):
    """{name: (first, second)} seconds, each in a fresh interpreter."""
    out = {}
    env = dict(os.environ)
    for name, setup, call in calls:
        res = subprocess.run([sys.executable, "-c", _FIRST_CALL_SCRIPT, setup, call],
                             capture_output=True, text=True, env=env, timeout=600)
        if res.returncode != 0:
            raise RuntimeError(f"{name}: {res.stderr[-2000:]}")
        out[name] = tuple(json.loads(res.stdout.strip().splitlines()[-1]))
    return out


class FirstCall:
    """First call minus second call of each public function, fresh interpreter each."""

    timeout = 1800
    number = 1
    repeat = 1

    def setup_cache(self):
        times = first_call_times()
        excess = {name: t1 - t2 for name, (t1, t2) in times.items()}
        worst = max(excess, key=excess.get)
        return {"times": times, "excess": excess, "max_excess": excess[worst], "worst": worst}

    track_max_first_call_excess = tracked("max_excess", unit="s (first call − second call)")


if __name__ == "__main__":  # python -m benchmarks.threads [contention|first-call]
    what = sys.argv[1] if len(sys.argv) > 1 else "both"
    if what in ("both", "first-call"):
        r = FirstCall().setup_cache()
        for name, (t1, t2) in r["times"].items():
            print(f"first call {name:40s} {t1:8.3f} s  second {t2:8.3f} s  "
                  f"excess {t1 - t2:+.3f} s")
        print(f"max excess: {r['max_excess']:.3f} s ({r['worst']})")
    if what in ("both", "contention"):
        r = Contention().setup_cache()
        print(json.dumps(r, indent=1))
