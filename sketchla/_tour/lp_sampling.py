"""Tour section: ℓp row sampling: embedding distortion vs samples, by score (p = 1 and p = 3)."""

from __future__ import annotations

import numpy as np

from ._common import section, table


@section("lp sampling", "ℓp row sampling: embedding distortion vs samples, by score (p = 1 and p = 3)")
def _lp_sampling_section(quick, verbose):
    from ..datasets import make_coherent
    from ..sampling.rows import SCORES, sample_rows

    n, d = (5000, 6) if quick else (20000, 10)
    A = make_coherent(n, d, n_heavy=d, weight=300.0, rng=0)
    X = np.random.default_rng(1).standard_normal((d, 200))
    rows = []
    sizes = (250, 1000) if quick else (500, 2000, 8000)
    for p in (1.0, 3.0):
        full = np.sum(np.abs(A @ X) ** p, axis=0)
        for scores in ("sensitivity",) + tuple(s for s in SCORES if s != "sensitivity"):
            row = {"p": f"{p:g}", "scores": scores}
            for m in sizes:
                dist = []
                for seed in range(3):
                    rs = sample_rows(A, m, p, scores, rng=seed)
                    est = np.sum(rs.weights[:, None] * np.abs(A[rs.indices] @ X) ** p, axis=0)
                    dist.append(np.max(np.abs(est / full - 1)))
                row[f"{m} samples"] = f"{np.median(dist):.3f}"
            rows.append(row)
            if verbose:
                print(f"  p={p:g} {scores}: done", flush=True)
    defs = {f"{m} samples": "distortion with that many rows sampled: the median over 3 draws of "
                            "max over 200 random directions x of |‖SAx‖_p^p / ‖Ax‖_p^p − 1|"
            for m in sizes}
    return [table(rows, p="the ℓp norm preserved",
                  scores="the sampling probabilities ('sensitivity': the certified bound "
                         "d^max(0, p/2−1)·(Lewis weight), a constant times 'lewis', so the "
                         "same distribution and the same rows as 'lewis')",
                  columns=defs)]
