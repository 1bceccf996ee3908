"""Tour section: Symmetric tensor decomposition: subspace power method vs TensorLy."""

from __future__ import annotations

import numpy as np

from ._common import NA, compare, section, table, timed


@section("tensors", "Symmetric tensor decomposition: subspace power method vs TensorLy")
def _tensor_section(quick, verbose):
    from ..datasets import make_symmetric_tensor
    from ..tensor import spm

    try:
        import tensorly as tl
        from tensorly.decomposition import parafac, symmetric_parafac_power_iteration
    except ImportError:  # the tour extra installs it: pip install ".[tour]"
        tl = None

    def rel(T, That):
        return f"{np.linalg.norm(That - T) / np.linalg.norm(T):.1e}"

    cases = [(20, 4, 10), (20, 4, 40)] + ([] if quick else [(40, 4, 200)])
    rows = []
    for d, m, R in cases:
        T, w, A = make_symmetric_tensor(d, m, R, rng=0)
        spm(T, rng=0)
        if tl is None or R > 40:
            res, t = timed(spm, T, rng=0)
        if tl is None:
            peer = None
        elif R <= 40:
            res, (wt, ft), t, t_p, speed = compare(
                lambda: spm(T, rng=0),
                lambda: symmetric_parafac_power_iteration(tl.tensor(T), R))
            peer = ("TensorLy symmetric_parafac_power_iteration",
                    rel(T, tl.cp_to_tensor((wt, [ft] * m))))
        else:  # ALS at this size: once (minutes)
            cp, t_p = timed(parafac, tl.tensor(T), R, init="random", tol=1e-12,
                            n_iter_max=500, random_state=0, repeat=1)
            speed = None
            peer = ("TensorLy parafac (ALS, tol 1e-12)", rel(T, tl.cp_to_tensor(cp)))
        rows.append({"method": "sketchla.spm", "order": m, "d": d, "true R": R,
                     "rank": "estimated", "R found": res.rank,
                     "rel. error": rel(T, res.reconstruct()), "time": t.seconds(),
                     "speedup": speed.times() if speed else NA})
        if peer is None:
            rows.append({"method": "TensorLy (not installed: pip install '.[tour]')",
                         "order": m, "d": d, "true R": R, "rank": NA, "R found": NA,
                         "rel. error": NA, "time": NA, "speedup": NA})
        else:
            rows.append({"method": peer[0], "order": m, "d": d, "true R": R, "rank": "given",
                         "R found": R, "rel. error": peer[1], "time": t_p.seconds(),
                         "speedup": NA})
        if verbose:
            print(f"  order {m}, d = {d}, R = {R}: done", flush=True)
    return [table(rows, method="the decomposition", order="the tensor's order m",
                  d="its dimension", columns={
                      "true R": "the planted rank",
                      "rank": "estimated by the method, or given to it",
                      "R found": "the rank of the decomposition returned",
                      "rel. error": "‖T̂ − T‖_F / ‖T‖_F",
                      "time": "seconds, median (min–max) of 3, the two methods interleaved "
                              "(TensorLy's ALS at R = 200: one run)",
                      "speedup": "TensorLy's time / spm's per round, median (min–max)"})]
