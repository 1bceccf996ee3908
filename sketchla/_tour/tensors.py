"""Tour section: Symmetric tensor decomposition: subspace power method vs TensorLy."""

from __future__ import annotations

import numpy as np

from ._common import section, timed


@section("Symmetric tensor decomposition: subspace power method vs TensorLy")
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
        res, t = timed(spm, T, rng=0)
        rows.append({"method": "sketchla.spm (rank estimated)", "order": m, "d": d,
                     "true R": R, "R found": res.rank, "rel. error": rel(T, res.reconstruct()),
                     "time": f"{t:.2f} s"})
        if tl is None:
            rows.append({"method": "TensorLy (not installed: pip install '.[tour]')",
                         "order": m, "d": d, "true R": R, "R found": "", "rel. error": "",
                         "time": ""})
        elif R <= 40:
            (wt, ft), t = timed(symmetric_parafac_power_iteration, tl.tensor(T), R)
            rows.append({"method": "TensorLy symmetric_parafac_power_iteration", "order": m,
                         "d": d, "true R": R, "R found": f"{R} (given)",
                         "rel. error": rel(T, tl.cp_to_tensor((wt, [ft] * m))),
                         "time": f"{t:.2f} s"})
        else:
            cp, t = timed(parafac, tl.tensor(T), R, init="random", tol=1e-12, n_iter_max=500,
                          random_state=0)
            rows.append({"method": "TensorLy parafac (ALS, tol 1e-12)", "order": m, "d": d,
                         "true R": R, "R found": f"{R} (given)",
                         "rel. error": rel(T, tl.cp_to_tensor(cp)), "time": f"{t:.2f} s"})
        if verbose:
            print(f"  order {m}, d = {d}, R = {R}: done", flush=True)
    return rows
