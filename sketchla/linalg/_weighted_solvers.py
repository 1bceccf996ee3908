"""The weighted solvers that the sampled ℓp and quantile regressions finish
with: min_x Σ_j v_j |a_jᵀx − b_j|^p (exact for p = 1 and 2, IRLS otherwise)
and the weighted check loss Σ_j v_j ρ_τ(b_j − a_jᵀx) (a HiGHS linear
program), both on data scaled to O(1) first."""

from __future__ import annotations

import numpy as np

from .._kernels.forks import checkpoint
from .. import _kernels

__all__ = ["solve_weighted_lp", "solve_weighted_check_loss", "unit_scaled"]


def solve_weighted_lp(A, b, v, p, max_iter=100, tol=1e-10, presolve=True):
    """min_x Σ_j v_j |a_jᵀx − b_j|^p, exactly for p = 1 and 2, else by IRLS.

    p = 1: the dual linear program max bᵀy s.t. Aᵀy = 0, |y_j| ≤ v_j (HiGHS),
    through :func:`solve_weighted_check_loss` at
    τ = 1/2 (``presolve`` as there). p = 2: weighted least squares.
    Otherwise iteratively reweighted least squares with weights
    v_j·max(|r_j|, δ)^{p−2} and a safeguard: a step is halved until the
    objective decreases, so the objective is monotone (δ = 1e-12·max|r|
    avoids division by zero for p < 2).
    """
    if p == 1:  # Σ v|r| = Σ 2v·ρ_{1/2}(r): the check-loss linear program
        return solve_weighted_check_loss(A, b, 2.0 * np.asarray(v, dtype=np.float64), 0.5,
                                         presolve=presolve)
    # one scale for all of A leaves the IRLS iterates those of the unscaled problem
    unit, b1, v1, col, s_b, _ = unit_scaled(A, b, v, per_column=False)
    y = _solve_unit_lp(unit, b1, v1, p, max_iter, tol)
    return y * (s_b / col)


def unit_scaled(A, b, v, per_column):
    """The weighted problem at O(1) scale: (A / col, b / s_b, v / s_v, col, s_b, s_v)
    on the host in float64 (scipy.sparse A stays sparse, CSR), with col the
    columns' max |entry| (``per_column``) or the overall one, s_b = max|b|,
    s_v = max v (zeros read as 1). A solution y of the scaled problem gives
    x = s_b·y / col, at any scale of the data."""
    from .._backend import array_kind, to_numpy

    n, d = A.shape
    sparse = array_kind(A) == "sparse"
    if sparse:
        import scipy.sparse as sp

        A = sp.csr_matrix(A, dtype=np.float64)
        col = np.asarray(abs(A).max(axis=0).toarray()).ravel() if n else np.ones(d)
    else:
        A = np.asarray(to_numpy(A), dtype=np.float64)
        col = np.max(np.abs(A), axis=0) if n else np.ones(d)
    b = np.asarray(b, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    if per_column:
        col = np.where(col > 0, col, 1.0)
    else:
        col = np.full(d, np.max(col) if np.max(col) > 0 else 1.0)
    s_b = _kernels.abs_max(b) or 1.0
    s_v = float(np.max(v)) if n and np.max(v) > 0 else 1.0
    unit = (A @ sp.diags(1.0 / col)).tocsr() if sparse else A / col
    return unit, b / s_b, v / s_v, col, s_b, s_v


def _wls(A, b, c):
    """min Σ c_j (a_jᵀx − b_j)² on O(1)-scaled data: LAPACK for dense A,
    sketch-and-precondition (LAPACK accuracy, A never densified) for sparse A."""
    from .._backend import array_kind

    sq = np.sqrt(c)
    if array_kind(A) == "sparse":
        from .lstsq import lstsq

        return lstsq(_kernels.scale_rows(A, sq), b * sq, rng=0).x
    return np.linalg.lstsq(A * sq[:, None], b * sq, rcond=None)[0]


def _solve_unit_lp(A, b, v, p, max_iter, tol):
    """solve_weighted_lp on data already scaled to O(1)."""
    if p == 2:
        return _wls(A, b, v)

    def obj(x):
        return float(np.sum(v * np.abs(A @ x - b) ** p))

    x = _wls(A, b, v)
    f = obj(x)
    for _ in range(max_iter):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        r = np.abs(A @ x - b)
        delta = 1e-12 * max(r.max(), 1e-300)
        x_new = _wls(A, b, v * np.maximum(r, delta) ** (p - 2))
        step, f_new = 1.0, obj(x_new)
        while f_new > f and step > 1e-6:
            step /= 2
            f_new = obj(x + step * (x_new - x))
        if f_new > f:
            break
        x_next = x + step * (x_new - x)
        done = abs(f - f_new) <= tol * max(f, 1e-300)
        x, f = x_next, f_new
        if done:
            break
    return x


def solve_weighted_check_loss(A, b, v, quantile, penalty=0.0, penalized=None, presolve=True,
                              linear=None, return_dual=False):
    """min_x Σ_j v_j ρ_τ(b_j − a_jᵀx) + penalty · Σ_{k penalized} |x_k|, exactly.

    By ρ_τ(r) = max_{y ∈ [τ−1, τ]} y·r, the problem is the saddle point
    min_x max_y yᵀ(b − Ax) − …, whose dual is the linear program

        max bᵀy  s.t.  |(Aᵀy)_k| ≤ penalty (k penalized), (Aᵀy)_k = 0 otherwise,
                       −(1 − τ)·v ≤ y ≤ τ·v,

    with d constraint rows instead of the primal's n equality rows and 2n
    slack variables (scipy.optimize.linprog, HiGHS); x is minus the
    multipliers of the d constraint rows. A, b and the weights are scaled
    to O(1) first (one scale per column of A), so the solver sees the same
    problem at any scale. HiGHS's dual simplex runs with its presolve, which
    merges repeated rows (so a repeated row and a weighted one give the same
    vertex when the optimum is not unique); ``presolve=False`` skips it for a
    sample whose repeated draws are already merged, where it halved the solve
    at 10^3–3·10^3 rows. ``linear`` (shape (d,)): a term linearᵀx added to
    the objective (the dual's constraint rows become Aᵀy = linear, or
    |Aᵀy − linear| ≤ penalty). ``return_dual``: also the dual y (X's units)
    and its objective bᵀy.
    """
    from scipy.optimize import linprog

    d = A.shape[1]
    unit, b1, v1, col, s_b, s_v = unit_scaled(A, b, v, per_column=True)
    tau = float(quantile)
    bounds = np.column_stack([-(1.0 - tau) * v1, tau * v1])
    pen = np.zeros(d)
    if penalty > 0:
        mask = np.ones(d, bool) if penalized is None else np.asarray(penalized, bool)
        # with x_k = (s_b / col_k)·y_k the objective is s_b·s_v times the scaled
        # one, whose penalty on |y_k| is penalty / (s_v·col_k)
        pen[mask] = penalty / (s_v * col[mask])
    penalized_lp = bool(np.any(pen > 0))
    options = {"presolve": bool(presolve)}
    # Aᵀy_x = linear with y_x = s_v·y and A = unit·diag(col): unitᵀy = linear/(col·s_v)
    lin = np.zeros(d) if linear is None else np.asarray(linear, np.float64) / (col * s_v)
    if penalized_lp:  # −pen ≤ Aᵀy − lin ≤ pen as two blocks of inequality rows
        import scipy.sparse as sp

        stack = sp.vstack if sp.issparse(unit) else np.vstack
        res = linprog(-b1, A_ub=stack([unit.T, -unit.T]), b_ub=np.r_[pen + lin, pen - lin],
                      bounds=bounds, method="highs-ds", options=options)
    else:
        res = linprog(-b1, A_eq=unit.T, b_eq=lin, bounds=bounds, method="highs-ds",
                      options=options)
    if res.status != 0:
        raise RuntimeError(f"the check-loss linear program failed: {res.message}")
    if penalized_lp:
        mult = np.asarray(res.ineqlin.marginals, dtype=np.float64)
        y = -(mult[:d] - mult[d:])
    else:
        y = -np.asarray(res.eqlin.marginals, dtype=np.float64)
    x = y * (s_b / col)
    if return_dual:
        dual = np.asarray(res.x, dtype=np.float64) * s_v
        return x, dual
    return x
