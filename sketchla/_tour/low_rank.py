"""Tour section: Randomized SVD: block Krylov vs LAPACK's SVD (dense) and ARPACK's svds (sparse)."""

from __future__ import annotations

import numpy as np

from ._common import compare, section, table

_DEFS = dict(
    problem="the matrix and the rank k asked for",
    columns={
        "randomized_svd": "seconds of sketchla.randomized_svd (block Krylov), median (min–max) "
                          "of 3, interleaved with the baseline",
        "baseline": "the exact method it replaces",
        "baseline time": "its seconds, median (min–max) of 3",
        "speedup": "baseline time / ours per round, median (min–max); > 1: ours is faster",
        "error ratio": "‖A − Â‖_F / ‖A − A_k‖_F, Â our rank-k approximation and A_k the "
                       "baseline's; 1 is optimal (sparse: from ‖A‖_F² − Σ σ̂_i², exact for "
                       "a projection)",
        "σ rel. error": "max over i ≤ k of |σ̂_i − σ_i| / σ_i against the baseline's σ_i",
    },
)


@section("randomized svd",
         "Randomized SVD: block Krylov vs LAPACK's SVD (dense) and ARPACK's svds (sparse)")
def _lowrank_section(quick, verbose):
    import scipy.linalg as sla
    from scipy.sparse.linalg import svds

    from ..datasets import make_term_document
    from ..linalg.lowrank import randomized_svd

    rows = []
    g = np.random.default_rng(0)
    n, d, k = (8000, 800, 20) if quick else (40000, 2000, 50)
    for label, s in (("σ_i = 1/i", 1.0 / np.arange(1, d + 1)),
                     ("σ_i = 0.97^i", 0.97 ** np.arange(1, d + 1))):
        A = g.standard_normal((n, d)) * (s / np.sqrt(n))
        (U, sv, Vt), sig, t, t_lapack, speed = compare(
            lambda: randomized_svd(A, k, rng=0),
            lambda: sla.svd(A, full_matrices=False, compute_uv=False, check_finite=False))
        err = np.linalg.norm(A - (U * sv) @ Vt) / np.sqrt(np.sum(sig[k:] ** 2))
        rows.append({"problem": f"dense {n}x{d}, {label}, rank {k}",
                     "randomized_svd": t.seconds(), "baseline": "LAPACK gesdd",
                     "baseline time": t_lapack.seconds(), "speedup": speed.times(),
                     "error ratio": f"{err:.6f}",
                     "σ rel. error": f"{np.max(np.abs(sv - sig[:k]) / sig[:k]):.1e}"})
        if verbose:
            print(f"  dense, {label}: done", flush=True)
    n, d, k = (200_000, 20_000, 10) if quick else (10**6, 10**5, 20)
    A = make_term_document(n, d, density=1e-4, rng=1)
    fro2 = float(np.sum(A.data ** 2))
    (U, sv, Vt), (_, s_ref, _), t, t_svds, speed = compare(
        lambda: randomized_svd(A, k, rng=0), lambda: svds(A, k, random_state=0))
    s_ref = np.sort(s_ref)[::-1]
    err = np.sqrt(max(fro2 - np.sum(sv ** 2), 0.0) / max(fro2 - np.sum(s_ref ** 2), 1e-300))
    rows.append({"problem": f"CSR {n}x{d}, density 1e-4 (Zipf terms), rank {k}",
                 "randomized_svd": t.seconds(), "baseline": "ARPACK svds",
                 "baseline time": t_svds.seconds(), "speedup": speed.times(),
                 "error ratio": f"{err:.6f}",
                 "σ rel. error": f"{np.max(np.abs(sv - s_ref) / s_ref):.1e}"})
    return [table(rows, **_DEFS)]
