"""Tour section: Matrix products by coordinated sampling: error at equal storage vs JL / CountSketch."""

from __future__ import annotations

import numpy as np

from ._common import NA, section, table


@section("coordinated sampling", "Matrix products by coordinated sampling: error at equal storage vs JL / CountSketch")
def _coordinated_section(quick, verbose):
    from ..datasets import make_attention, make_keyed_tables, make_sparse_pair
    from ..linalg.matmul import compare_equal_storage
    from ..sampling.coordinated import coordinated_sketch, \
        estimate_product

    rows = []
    n, d = (5000, 500) if quick else (20000, 1000)
    g = np.random.default_rng(0)
    for frac in (0.001, 0.01, 0.1, 1.0):
        s = max(1, int(round(frac * d)))
        A, B = make_sparse_pair(n if s < d else n // 5, d, s, rng=g)
        e = compare_equal_storage(A, B, 500 if quick else 1000, seeds=2 if quick else 3)
        ratio = e["gaussian"] / e["priority"]
        rows.append({
            "data": f"{s} of {d} columns nonzero per row ({A.shape[0]} rows)",
            "coordinated err": f"{e['priority']:.3g}",
            "JL err": f"{e['gaussian']:.3g}",
            "CountSketch err": f"{e['countsketch']:.3g}",
            "JL/coordinated": f"{ratio:.1f}x",
        })
        if verbose:
            print(f"  {s} of {d} nonzero per row: coordinated {ratio:.1f}x smaller error "
                  "than JL", flush=True)
    Q, K = make_attention(128 if quick else 256, 2048, rng=1)
    for storage in (4000, 16000, 64000):
        e = compare_equal_storage(Q.T, K.T, storage // (2 + Q.shape[0]), linear=("gaussian",))
        ratio = e["gaussian"] / e["priority"]
        rows.append({
            "data": f"attention QKᵀ, storage {storage}",
            "coordinated err": f"{e['priority']:.3g}",
            "JL err": f"{e['gaussian']:.3g}",
            "CountSketch err": NA,
            "JL/coordinated": f"{ratio:.1f}x",
        })
    storage = table(rows, data="the product AᵀB estimated: two sparse tables of that many "
                               "nonzeros per row, or attention scores QKᵀ",
                    columns={"coordinated err": "‖est − AᵀB‖_F with coordinated (priority) "
                                                "sampling, the same storage for every method",
                             "JL err": "the same with a Gaussian (JL) sketch of each table",
                             "CountSketch err": "the same with CountSketch",
                             "JL/coordinated": "JL err / coordinated err: > 1 means the "
                                               "coordinated sample is more accurate"})
    rows = []
    # a join: two parties, sketched separately, one shared seed
    A, ka, B, kb = make_keyed_tables(40000, 30000, 15000, rng=2)
    sa = coordinated_sketch(A, 2000, keys=ka, seed=42)
    sb = coordinated_sketch(B, 2000, keys=kb, seed=42)
    est = estimate_product(sa, sb)
    pos = {k_: i for i, k_ in enumerate(ka.tolist())}
    pairs = np.array([(pos[k_], j) for j, k_ in enumerate(kb.tolist()) if k_ in pos])
    exact = A[pairs[:, 0]].T @ B[pairs[:, 1]]
    rel = np.linalg.norm(est - exact) / (np.linalg.norm(A) * np.linalg.norm(B))
    rows.append({"task": "join of two keyed tables (string keys)",
                 "relative error": f"{rel:.3g}", "storage": sa.storage_size + sb.storage_size,
                 "same as one pass": NA, "within ±2 std": NA})
    # the same table streamed in 8 batches (update merges each batch's sketch)
    parts = np.array_split(np.arange(len(ka)), 8)
    st = coordinated_sketch(A[parts[0]], 2000, keys=ka[parts[0]], seed=42)
    for idx in parts[1:]:
        st.update(A[idx], ka[idx])
    same = all(np.array_equal(getattr(st, f), getattr(sa, f))
               for f in ("key_id", "indptr", "indices", "data", "prob"))
    est, std = estimate_product(st, sb, return_std=True)
    inside = int(np.sum(np.abs(est - exact) <= 2 * std))
    rows.append({"task": "the same table streamed in 8 batches (update)",
                 "relative error": f"{np.linalg.norm(est - exact) / (np.linalg.norm(A) * np.linalg.norm(B)):.3g}",
                 "storage": st.storage_size + sb.storage_size,
                 "same as one pass": "bit-identical" if same else "differs",
                 "within ±2 std": f"{inside} of {est.size}"})
    keyed = table(rows, task="two parties sketch their tables separately with one shared "
                             "seed; the product over the rows whose keys match",
                  columns={"relative error": "‖est − AᵀB‖_F / (‖A‖_F ‖B‖_F), AᵀB over the "
                                             "joined rows (JL and CountSketch cannot "
                                             "estimate it without the join)",
                           "storage": "numbers stored by the two sketches together",
                           "same as one pass": "whether the streamed sketch equals the "
                                               "one-pass sketch bit for bit",
                           "within ±2 std": "entries of the estimate within two of its "
                                            "reported standard errors of the truth"})
    return [storage, keyed]
