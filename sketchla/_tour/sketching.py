"""Tour section: Sketching operators: S @ A and subspace embedding (foundation)."""

from __future__ import annotations

import numpy as np

from ._common import section, timed


@section("Sketching operators: S @ A and subspace embedding (foundation)")
def _sketch_section(quick, verbose):
    from .. import sketch
    from ..datasets import make_sparse

    n, d = (2**15, 32) if quick else (2**18, 64)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, d))
    A[: d // 2] *= 1e3  # a few heavy rows: a coherent subspace
    if verbose:
        print(f"  dense A: {n} x {d}; exact baseline: QR of A")
    (Q, _), t_qr = timed(np.linalg.qr, A)
    if verbose:
        print(f"  exact QR: {t_qr * 1e3:.0f} ms; now each sketch kind", flush=True)
    rows = []
    for kind in sketch.SKETCH_KINDS:
        m = 4 * d if kind != "countsketch" else 2 * d * d
        m = min(m, n)
        S = sketch.make_sketch(kind, m, n, rng=1)
        SA, t = timed(S.__matmul__, A)
        sv = np.linalg.svd(S @ Q, compute_uv=False)
        rows.append(
            {
                "kind": kind,
                "input": "dense",
                "m": m,
                "time S@A": f"{t * 1e3:.1f} ms",
                "exact (QR)": f"{t_qr * 1e3:.1f} ms",
                "speedup": f"{t_qr / t:.1f}x",
                "distortion": f"{max(sv.max() - 1, 1 - sv.min()):.3f}",
            }
        )
        if verbose:
            print(f"  {kind:12s} done in {t * 1e3:.1f} ms")
    Asp = make_sparse(n * 4, 500, density=0.01, rng=2)
    _, t_gram = timed(lambda: Asp.T @ Asp)  # exact baseline: the Gram matrix
    for kind in ("countsketch", "sparse_sign"):
        m = 2000
        S = sketch.make_sketch(kind, m, Asp.shape[0], rng=1)
        _, t = timed(S.__matmul__, Asp)
        rows.append(
            {
                "kind": kind,
                "input": f"CSR nnz={Asp.nnz}",
                "m": m,
                "time S@A": f"{t * 1e3:.1f} ms",
                "exact (QR)": f"{t_gram * 1e3:.1f} ms (AᵀA)",
                "speedup": f"{t_gram / t:.1f}x",
                "distortion": "-",
            }
        )
    return rows
