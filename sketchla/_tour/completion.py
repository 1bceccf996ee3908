"""Tour section: Matrix completion: alternating minimization, exact vs sketched row solves."""

from __future__ import annotations

import time

import numpy as np

from ._common import NA, _pyplot, _save_plot, section, table, timed


@section("completion", "Matrix completion: alternating minimization, exact vs sketched row solves")
def _completion_section(quick, verbose):
    from ..completion import altmin_complete
    from ..datasets import make_low_rank_completion

    n, k, frac = (1000, 5, 0.1) if quick else (2000, 10, 0.1)
    X, U, V = make_low_rank_completion(n, n, k, fraction=frac, rng=0)
    M = U @ V.T
    miss = np.ones(M.shape, bool)
    r, c = X.nonzero()
    miss[r, c] = False
    Mm = np.linalg.norm(M[miss])
    if verbose:
        print(f"  {n} x {n}, rank {k}, {frac:.0%} observed; error on the unobserved entries")
    marks = (1, 2, 4, 8, 12, 16, 20)
    rows, curves = [], {}
    for solver in ("exact", "sketched"):
        altmin_complete(X, k, method=solver, max_iter=1, tol=0, rng=0)  # first-call imports
        errs = {}

        def record(it, Uc, Vc):
            errs[it] = np.linalg.norm((Uc @ Vc.T - M)[miss]) / Mm

        altmin_complete(X, k, method=solver, rng=0, callback=record)
        curves[solver] = errs
        res, t = timed(altmin_complete, X, k, method=solver, rng=0)
        final = np.linalg.norm((res.toarray() - M)[miss]) / Mm
        row = {"solver": solver}
        row.update({f"sweep {m}": f"{errs[m]:.1e}" if m in errs else NA for m in marks})
        row.update({"sweeps": res.n_iter, "final error": f"{final:.1e}", "time": t.seconds()})
        rows.append(row)
        if verbose:
            print(f"  {solver}: {res.n_iter} sweeps, error {final:.1e}", flush=True)
    plt = _pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for solver, errs in curves.items():
            its = sorted(errs)
            ax.semilogy(its, [max(errs[i], 1e-16) for i in its], "o-", ms=3, label=solver)
        ax.set_xlabel("sweep")
        ax.set_ylabel("relative error, unobserved entries")
        ax.set_title(f"altmin_complete, {n}², rank {k}, {frac:.0%} observed")
        ax.legend()
        _save_plot(plt, fig, "sketchla_tour_completion.png")
    # time per sweep vs rank at fixed |Ω|: O(|Ω| k²) exact, O(|Ω| k) sketched
    m2, frac2 = (1200, 0.25) if quick else (3000, 0.25)
    ks = (8, 32) if quick else (8, 16, 32)
    sweep_rows = []
    for kk in ks:
        Xk, _, _ = make_low_rank_completion(m2, m2, kk, fraction=frac2, rng=1)
        row = {"rank k": kk, "|Ω|": Xk.nnz}
        per = {}
        for solver in ("exact", "sketched"):
            stamps = []
            altmin_complete(Xk, kk, method=solver, max_iter=1, tol=0, rng=0)
            altmin_complete(Xk, kk, method=solver, max_iter=4, tol=0, rng=0,
                            callback=lambda *a: stamps.append(time.perf_counter()))
            per[solver] = np.median(np.diff(stamps))
            row[f"{solver} s/sweep"] = f"{per[solver]:.3f}"
        row["sketched time / exact"] = f"{per['sketched'] / per['exact']:.2f}"
        sweep_rows.append(row)
        if verbose:
            print(f"  k = {kk}: sweep times measured", flush=True)
    errors = table(rows, solver="the row solves: 'exact' (Cholesky of each row's k x k "
                                "system) or 'sketched' (CountSketch-preconditioned CG)",
                   columns={**{f"sweep {m}": "relative error on the unobserved entries, "
                                             "‖P(UVᵀ − M)‖_F / ‖P(M)‖_F, after that sweep "
                                             f"({n} x {n}, rank {k}, {frac:.0%} observed; "
                                             f"{NA}: converged before)" for m in marks},
                            "final error": "the same at the end",
                            "time": "seconds of the whole fit, median (min–max) of 3"},
                   sweeps="sweeps until the stopping rule")
    sweeps = table(sweep_rows, rank_k="the rank fitted",
                   columns={"|Ω|": "observed entries",
                            "exact s/sweep": "seconds per sweep of the exact solver, median "
                                             "of 3 sweeps",
                            "sketched s/sweep": "the same, sketched solver",
                            "sketched time / exact": "sketched s/sweep / exact s/sweep: "
                                                     "> 1 means the sketched solver is "
                                                     "slower at this size (its O(|Ω| k) "
                                                     "sweep beats O(|Ω| k²) at large k)"})
    return [errors, sweeps]
