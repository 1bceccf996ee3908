"""Tour section: Least squares: sketch-and-precondition vs LAPACK; ℓ∞ error of sketch-and-solve."""

from __future__ import annotations

import numpy as np

from ._common import compare, section, table

_SOLVE = dict(
    problem="A's distribution and shape; b = A x + 1e-3·noise",
    iterations="refinement or LSQR steps after the sketch",
    columns={
        "lstsq": "seconds of sketchla.lstsq, median (min–max) of 3, interleaved with LAPACK",
        "numpy.linalg.lstsq": "seconds of LAPACK gelsd, median (min–max) of 3",
        "speedup": "LAPACK time / ours per round, median (min–max); > 1: ours is faster "
                   "(at this small size LAPACK's one call can win; the asv benchmark "
                   "LstsqPrecondition times 2^19 x 128)",
        "x rel. diff": "‖x − x_LAPACK‖ / ‖x_LAPACK‖",
        "residual excess": "‖A x − b‖ / ‖A x_LAPACK − b‖ − 1 (≤ 0: no worse than LAPACK)",
    },
)
_LINF = dict(
    sketch="the sketch of sketch_and_solve(A, b, sketch=...)",
    m="rows of the sketch",
    columns={"ℓ∞ error (90th pct)": "90th percentile over the trials of ‖x' − x*‖∞, with "
                                     "‖r*‖·‖A†‖ = 1 (the hard case A = [I; 0] of Price, Song "
                                     "and Woodruff, the residual on 4 spikes)"},
    trials="independent sketches",
)


@section("least squares",
         "Least squares: sketch-and-precondition vs LAPACK; ℓ∞ error of sketch-and-solve")
def _lstsq_section(quick, verbose):
    from ..datasets import make_ill_conditioned
    from ..linalg import lstsq

    rows = []
    n, d = (2**14, 32) if quick else (2**18, 128)
    g = np.random.default_rng(0)
    for label, A in (("gaussian", g.standard_normal((n, d))),
                     ("cond 1e10", make_ill_conditioned(n, d, cond=1e10, rng=1))):
        b = A @ g.standard_normal(d) + 1e-3 * g.standard_normal(n)
        res, x_np, t, t_np, speed = compare(lambda: lstsq(A, b, rng=0),
                                            lambda: np.linalg.lstsq(A, b, rcond=None)[0])
        r_np = np.linalg.norm(A @ x_np - b)
        rows.append({"problem": f"{label} {n}x{d}", "iterations": res.n_iter,
                     "lstsq": t.seconds(), "numpy.linalg.lstsq": t_np.seconds(),
                     "speedup": speed.times(),
                     "x rel. diff": f"{np.linalg.norm(res.x - x_np) / np.linalg.norm(x_np):.1e}",
                     "residual excess": f"{res.residual_norm / r_np - 1:.1e}"})
        if verbose:
            print(f"  {label}: converged={res.converged}", flush=True)
    return [table(rows, **_SOLVE), table(_linf_rows(quick), **_LINF)]


def _linf_rows(quick):
    import warnings

    from ..linalg import RankDeficiencyWarning, sketch_and_solve

    n2, d2, m = (4096, 32, 512) if quick else (8192, 64, 1024)
    trials = 10 if quick else 30
    rows = []
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
        rows.append({"sketch": sketch, "m": m, "trials": trials,
                     "ℓ∞ error (90th pct)": f"{np.quantile(errs, 0.9):.3f}"})
    return rows
