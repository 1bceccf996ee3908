"""Tour section: DPP and volume sampling; optimal weighted least squares on a domain."""

from __future__ import annotations

import numpy as np

from ._common import _pyplot, _save_plot, section, table, timed


@section("dpp", "DPP and volume sampling; optimal weighted least squares on a domain")
def _dpp_section(quick, verbose):
    from ..linalg.weighted_ls import METHODS, approximate, polynomial_basis

    g = np.random.default_rng(0)
    N, k = (10**4, 50) if quick else (10**5, 100)
    U = np.linalg.qr(g.standard_normal((N, k)))[0]
    tables = [_sampler_table(g, U, N, k, quick)]

    dim, degree = (2, 4) if quick else (2, 6)
    basis = polynomial_basis("legendre", dim, degree)
    m = basis.size

    def f(X):  # a kink and a smooth part
        return np.abs(X[:, 0] + 0.3 * X[:, 1] - 0.2) + np.exp(X[:, 1]) / 2

    Xt = basis.sample_reference(20000 if quick else 50000, g)
    yt, Ft = f(Xt), basis(Xt)
    e_best = np.sqrt(np.mean((Ft @ np.linalg.lstsq(Ft, yt, rcond=None)[0] - yt) ** 2))
    mults = (1, 2, 4) if quick else (1, 2, 4, 8)
    reps = 3 if quick else 8
    rows, curves = [], {}
    for method in METHODS:
        row = {"method": method}
        curve, used = [], []
        for c in mults:
            n = c * m
            ratios, sizes = [], []
            for _ in range(reps):
                est = approximate(f, basis, n, method=method, rng=g)
                ratios.append(np.sqrt(np.mean((Ft @ est.coef_ - yt) ** 2)) / e_best)
                sizes.append(est.n_samples_)
            curve.append(np.median(ratios))
            used.append(np.mean(sizes))
            row[f"n = {c}m"] = f"{np.median(ratios):.2f}"
        curves[method] = (used, curve)
        rows.append(row)
        if any(u != c * m for u, c in zip(used, mults)):
            rows.append({"method": f"{method}: n̄", **{f"n = {c}m": f"{u:.0f}"
                                                       for c, u in zip(mults, used)}})
        if verbose:
            print(f"  {method}: done", flush=True)
    tables.append(table(rows, method=f"how the points are drawn; 'X: n̄' rows give the mean "
                                     "number of points used where it differs from n "
                                     "('repeated_dpp' adds DPP draws until ‖G − I‖ ≤ 1/2)",
                        columns={f"n = {c}m": "error / best-approximation error in V_m "
                                              "(L²(ρ)) with n = c·m points, median over "
                                              f"{reps} draws; Legendre, dim {dim}, total "
                                              f"degree {degree}, m = {m}" for c in mults}))
    plt = _pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for method, (used, curve) in curves.items():
            ax.loglog(used, curve, "o-", label=method)
        ax.axhline(1.0, color="k", lw=0.5)
        ax.set_xlabel("number of samples n")
        ax.set_ylabel("error / best approximation error")
        ax.set_title(f"weighted least squares, m = {m}")
        ax.legend()
        _save_plot(plt, fig, "sketchla_tour_weighted_ls.png")
    return tables


def _sampler_table(g, U, N, k, quick):
    """The samplers' times on a projection kernel, a volume and two k-DPPs."""
    from ..sampling.dpp import sample_projection_dpp, sample_volume
    from ..sampling.lensemble import sample_k_dpp

    sample_projection_dpp(U, rng=0)
    _, t_dpp = timed(sample_projection_dpp, U, rng=1)
    A = g.standard_normal((N, 50))
    _, t_vol = timed(sample_volume, A, 100, rng=1)
    gk = np.random.default_rng(1)
    V = np.linalg.qr(gk.standard_normal((10**4, 500)))[0]
    lam = 2.0 * gk.exponential(1.0, 500)
    sample_k_dpp((lam, V), 50, rng=0)
    _, t_k = timed(sample_k_dpp, (lam, V), 50, rng=1)
    Nw = 2 * 10**4 if quick else 10**5
    V = np.linalg.qr(gk.standard_normal((Nw, 200)))[0]
    S, t_w = timed(sample_k_dpp, (np.logspace(-12, 3, 200), V), 199, rng=0)
    samplers = [
        {"sampler": "sample_projection_dpp", "problem": f"N = {N}, rank {k}", "items": k,
         "distinct": k, "time": t_dpp.seconds()},
        {"sampler": "sample_volume", "problem": f"{N} x 50, 100 rows", "items": 100,
         "distinct": 100, "time": t_vol.seconds()},
        {"sampler": "sample_k_dpp", "problem": "N = 10000, 500 eigenpairs", "items": 50,
         "distinct": 50, "time": t_k.seconds()},
        {"sampler": "sample_k_dpp", "problem": f"N = {Nw}, λ from 1e-12 to 1e3", "items": 199,
         "distinct": len(set(S.tolist())), "time": t_w.seconds()},
    ]
    return table(samplers, sampler="the sketchla function", problem="the kernel's size",
                 items="the sample size asked for (k)",
                 distinct="distinct items drawn (a DPP never repeats one)",
                 time="seconds, median (min–max) of 3 draws (DPPy beside it: the asv "
                      "benchmarks in asv_bench/benchmarks/dpp.py)")
