"""The completion row solves: one half-sweep of alternating minimization,
every row of a factor re-solved in parallel by the native kernel."""

from __future__ import annotations


import numpy as np

from ._native import host_only, native


def update_rows(indptr, indices, data, fixed, current, out, *, reg, sketched=False,
                n_inner=1, sketch_rows=0, seed=0, resid=None, offset=0, weighted=True,
                xp=None):
    """Solve, for every row i of a CSR matrix (``indptr``, ``indices``,
    ``data``), min_u ‖x_i − fixed[J_i] u‖² + ρ_i‖u‖², into ``out[i]``.

    ρ_i is ``reg`` times the row's number of entries with ``weighted``
    (ALS-WR), else ``reg``. ``sketched``: ``n_inner`` sketch-preconditioned
    iterations from ``current[i]`` with ``sketch_rows``-row sketches keyed by
    ``seed`` and the entry positions (shifted by ``offset``, the position of
    this block's first entry in the whole matrix); else the exact normal
    equations. ``resid`` (n,) receives each row's residual norm when given.
    Host only: ``xp`` must be NumPy (or None)."""
    host_only(xp, "update_rows")
    if len(indptr) > 1:
        # a row with at most sketch_rows entries is solved exactly: no sketch
        # needs more rows than the longest row has entries (the kernel's
        # scratch memory is sized by it)
        sketch_rows = min(int(sketch_rows), max(int(np.max(np.diff(indptr))), 1))
    native().altmin_update_rows(indptr, indices, data, fixed, current, out, float(reg),
                                bool(sketched), int(n_inner), int(sketch_rows), seed, resid,
                                int(offset), bool(weighted))
    return out

