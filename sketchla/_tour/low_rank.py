"""Tour section: Randomized SVD: block Krylov vs LAPACK's SVD (dense) and ARPACK's svds (sparse)."""

from __future__ import annotations

import numpy as np

from ._common import section, timed


@section("Randomized SVD: block Krylov vs LAPACK's SVD (dense) and ARPACK's svds (sparse)")
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
        sig, t_lapack = timed(lambda: sla.svd(A, full_matrices=False, compute_uv=False,
                                              check_finite=False))
        (U, sv, Vt), t = timed(randomized_svd, A, k, rng=0)
        best = np.sqrt(np.sum(sig[k:] ** 2))
        err = np.linalg.norm(A - (U * sv) @ Vt) / best
        rows.append({"problem": f"dense {n}x{d}, {label}, rank {k}",
                     "randomized_svd": f"{t:.3f} s", "exact": f"{t_lapack:.3f} s (LAPACK gesdd)",
                     "speedup": f"{t_lapack / t:.1f}x",
                     "‖A−Â‖_F / ‖A−A_k‖_F": f"{err:.6f}",
                     "σ_k rel. error": f"{abs(sv[-1] - sig[k - 1]) / sig[k - 1]:.1e}"})
        if verbose:
            print(f"  dense, {label}: done", flush=True)
    n, d, k = (200_000, 20_000, 10) if quick else (10**6, 10**5, 20)
    A = make_term_document(n, d, density=1e-4, rng=1)
    fro2 = float(np.sum(A.data ** 2))
    (U, sv, Vt), t = timed(randomized_svd, A, k, rng=0)
    (_, s_ref, _), t_svds = timed(svds, A, k, random_state=0)
    s_ref = np.sort(s_ref)[::-1]
    err = np.sqrt(max(fro2 - np.sum(sv ** 2), 0.0) / max(fro2 - np.sum(s_ref ** 2), 1e-300))
    rows.append({"problem": f"CSR {n}x{d}, density 1e-4 (Zipf terms), rank {k}",
                 "randomized_svd": f"{t:.3f} s", "exact": f"{t_svds:.3f} s (svds)",
                 "speedup": f"{t_svds / t:.1f}x",
                 "‖A−Â‖_F / ‖A−A_k‖_F": f"{err:.6f} (against svds)",
                 "σ_k rel. error": f"{np.max(np.abs(sv - s_ref) / s_ref):.1e} (max over k)"})
    print("  ‖A−Â‖_F from ‖A‖_F² − Σ σ̂_i², exact for a projection; 1 is optimal", flush=True)
    return rows
