"""Tour section: Sketching operators: S @ A and subspace embedding (foundation)."""

from __future__ import annotations

import numpy as np

from ._common import NA, compare, section, table

_DEFS = dict(
    kind="the sketch's distribution (sketchla.make_sketch)",
    input="the operand A: dense, or scipy.sparse CSR with its stored entries",
    m="rows of the sketch S",
    columns={
        "time S@A": "seconds to form S @ A, median (min–max) of 3, interleaved with the baseline",
        "baseline": "the exact computation S @ A stands in for",
        "baseline time": "its seconds, median (min–max) of 3",
        "speedup": "baseline time / time S@A per round, median (min–max); > 1: the sketch "
                   "is faster",
    },
    distortion="max |σ_i(S Q)| − 1 over the singular values of S Q, Q an orthonormal basis "
               "of range(A): ‖S A x‖ stays within (1 ± distortion)·‖A x‖ for every x",
)


@section("sketching", "Sketching operators: S @ A and subspace embedding (foundation)")
def _sketch_section(quick, verbose):
    from .. import sketch
    from ..datasets import make_sparse

    n, d = (2**15, 32) if quick else (2**18, 64)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, d))
    A[: d // 2] *= 1e3  # a few heavy rows: a coherent subspace
    Q = np.linalg.qr(A)[0]
    rows = []
    for kind in sketch.SKETCH_KINDS:
        m = min(4 * d if kind != "countsketch" else 2 * d * d, n)
        S = sketch.make_sketch(kind, m, n, rng=1)
        _, _, t, t_qr, speed = compare(lambda: S @ A, lambda: np.linalg.qr(A))
        sv = np.linalg.svd(S @ Q, compute_uv=False)
        rows.append({"kind": kind, "input": f"dense {n}x{d}", "m": m, "time S@A": t.seconds(),
                     "baseline": "QR of A", "baseline time": t_qr.seconds(),
                     "speedup": speed.times(),
                     "distortion": f"{max(sv.max() - 1, 1 - sv.min()):.3f}"})
        if verbose:
            print(f"  {kind:12s} {t.median * 1e3:.1f} ms", flush=True)
    Asp = make_sparse(n * 4, 500, density=0.01, rng=2)
    for kind in ("countsketch", "sparse_sign"):
        S = sketch.make_sketch(kind, 2000, Asp.shape[0], rng=1)
        _, _, t, t_gram, speed = compare(lambda: S @ Asp, lambda: Asp.T @ Asp)
        rows.append({"kind": kind, "input": f"CSR nnz={Asp.nnz}", "m": 2000,
                     "time S@A": t.seconds(), "baseline": "AᵀA (sparse)",
                     "baseline time": t_gram.seconds(), "speedup": speed.times(),
                     "distortion": NA})
    return [table(rows, **_DEFS)]
