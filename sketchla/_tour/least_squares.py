"""Tour section: Least squares: sketch-and-precondition vs LAPACK; ℓ∞ error of sketch-and-solve."""

from __future__ import annotations

import numpy as np

from ._common import section, timed


@section("Least squares: sketch-and-precondition vs LAPACK; ℓ∞ error of sketch-and-solve")
def _lstsq_section(quick, verbose):
    import warnings

    from ..datasets import make_ill_conditioned
    from ..linalg import RankDeficiencyWarning, lstsq, sketch_and_solve

    rows = []
    n, d = (2**14, 32) if quick else (2**18, 128)
    g = np.random.default_rng(0)
    for label, A in (
        ("gaussian", g.standard_normal((n, d))),
        ("cond 1e10", make_ill_conditioned(n, d, cond=1e10, rng=1)),
    ):
        b = A @ g.standard_normal(d) + 1e-3 * g.standard_normal(n)
        x_np, t_np = timed(lambda: np.linalg.lstsq(A, b, rcond=None)[0])
        res, t = timed(lstsq, A, b, rng=0)
        r_np, r_us = np.linalg.norm(A @ x_np - b), res.residual_norm
        rows.append({
            "problem": f"{label} {n}x{d}",
            "method": f"lstsq precondition ({res.n_iter} it)",
            "time": f"{t:.3f} s",
            "numpy.linalg.lstsq": f"{t_np:.3f} s",
            "speedup": f"{t_np / t:.1f}x",
            "accuracy": f"‖x−x_LAPACK‖/‖x_LAPACK‖ = "
                        f"{np.linalg.norm(res.x - x_np) / np.linalg.norm(x_np):.1e}, "
                        f"resid/LAPACK−1 = {r_us / r_np - 1:.1e}",
        })
        if verbose:
            print(f"  {label}: converged={res.converged} in {t:.3f} s")
    # ℓ∞: A = [I; 0], residual on a few spikes (Price–Song–Woodruff hard case)
    n2, d2, m = (4096, 32, 512) if quick else (8192, 64, 1024)
    trials = 10 if quick else 30
    for sketch in ("srht", "gaussian", "sparse_sign", "countsketch"):
        errs = []
        for t_ in range(trials):
            A = np.zeros((n2, d2))
            A[:d2] = np.eye(d2)
            gg = np.random.default_rng(t_)
            x_star = gg.standard_normal(d2)
            r = np.zeros(n2)
            r[gg.choice(np.arange(d2, n2), 4, replace=False)] = 0.5
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RankDeficiencyWarning)
                x = sketch_and_solve(A, A @ x_star + r, sketch=sketch, sketch_size=m, rng=t_)
            errs.append(np.abs(x - x_star).max())
        rows.append({
            "problem": f"ℓ∞ hard case {n2}x{d2}",
            "method": f"sketch_and_solve {sketch}, m={m}",
            "time": "-",
            "numpy.linalg.lstsq": "-",
            "speedup": "-",
            "accuracy": f"‖x'−x*‖∞ = {np.quantile(errs, 0.9):.3f}, 90th percentile of "
                        f"{trials} trials (‖r*‖‖A†‖ = 1)",
        })
    return rows
