"""ℓp regression on a row sample: ``lp_regression`` and ``LpRegression``.

min_x ‖A x − b‖_p is solved on rows of [A b] sampled by ℓp importance
scores (Lewis weights by default) and reweighted, so the sampled objective
is an unbiased estimate of the full one; with Õ(d^{max(1,p/2)}/ε²) rows it is
a (1 ± ε) embedding of span([A b]) and the sampled minimizer is a
(1 + O(ε))-approximate solution (Cohen–Peng 2015; Woodruff–Yasuda 2023).
"""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._validation import check_int, check_rng

__all__ = ["lp_regression", "solve_weighted_lp"]


def solve_weighted_lp(A, b, v, p, max_iter=100, tol=1e-10, presolve=True):
    """min_x Σ_j v_j |a_jᵀx − b_j|^p, exactly for p = 1 and 2, else by IRLS.

    p = 1: the dual linear program max bᵀy s.t. Aᵀy = 0, |y_j| ≤ v_j (HiGHS),
    through :func:`sketchla.linalg.quantile.solve_weighted_check_loss` at
    τ = 1/2 (``presolve`` as there). p = 2: weighted least squares.
    Otherwise iteratively reweighted least squares with weights
    v_j·max(|r_j|, δ)^{p−2} and a safeguard: a step is halved until the
    objective decreases, so the objective is monotone (δ = 1e-12·max|r|
    avoids division by zero for p < 2).
    """
    if p == 1:  # Σ v|r| = Σ 2v·ρ_{1/2}(r): the check-loss linear program
        from .quantile import solve_weighted_check_loss

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


def _default_samples(n, d, p, factor=1.0):
    """⌈10·d^{max(1, p/2)}·log2(d + 2)·factor⌉ rows, at least 200, at most n."""
    m = int(np.ceil(10 * d ** max(1.0, p / 2) * np.log2(d + 2) * factor))
    return min(n, max(m, 200))


def lp_regression(A, b, p, n_samples=None, scores="lewis", rng=None):
    """Approximate min_x ‖A x − b‖_p from a row sample.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The design matrix, shape (n, d): dense or scipy.sparse.
    b : ndarray, shape (n,)
        The response, shape (n,).
    p : float ≥ 1
        The exponent p ≥ 1 of the residual norm minimized.
    n_samples : int, optional
        Rows sampled (i.i.d., with the ℓp weights). Default
        ⌈10·(d+1)^{max(1,p/2)}·log2(d+3)⌉, at least 200 — the
        d^{max(1,p/2)} polylog rate of the theory with a constant that gives
        a 1.1-approximate objective in the benchmark. When ≥ n, the full
        problem is solved.
    scores : str, default "lewis"
        Scores of the rows of [A b]; see :func:`sketchla.sample_rows`.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    x : ndarray, shape (d,)

    Notes
    -----
    Cost: the scores (a few O(n d²) BLAS-3 passes for Lewis weights) plus the
    solve on n_samples rows (an LP for p = 1, IRLS otherwise).

    References
    ----------
    .. [1] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC 2015.
    .. [2] D. Durfee, K. A. Lai, S. Sawlani, "ℓ1 regression using Lewis weights
       preconditioning and stochastic gradient descent", COLT 2018.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> A = g.standard_normal((5000, 3)); x = np.array([1.0, -2.0, 0.5])
    >>> b = A @ x + g.standard_cauchy(5000)
    >>> xs = sketchla.lp_regression(A, b, p=1, rng=0)
    >>> x_opt = sketchla.quantile_regression(A, b, method="exact")  # the exact ℓ1 fit
    >>> bool(np.abs(b - A @ xs).sum() < 1.05 * np.abs(b - A @ x_opt).sum())
    True
    """
    from .._backend import array_kind, to_numpy
    from .._validation import check_array, check_consistent_length, check_data, check_p
    from ..sampling.rows import sample_rows

    p = check_p(p)
    A = check_data(A)
    kind = array_kind(A)
    if kind not in ("numpy", "sparse", "dask"):
        raise TypeError(
            "lp_regression solves the sampled problem on the host (HiGHS / IRLS in "
            f"SciPy) and supports numpy, scipy.sparse and dask input, got {kind}"
        )
    b = check_array(b, "b", ndim=1)
    check_consistent_length(("A", A), ("b", b))
    n, d = A.shape
    m = _default_samples(n, d + 1, p) if n_samples is None else \
        check_int(n_samples, "n_samples", minimum=1)
    if m >= n:
        return solve_weighted_lp(A, to_numpy(b), np.ones(n), p)
    Ab = _kernels.hstack([A, b[:, None]])
    rs = sample_rows(Ab, m, p=p, scores=scores, rng=check_rng(rng))
    idx, uniq_w = _merge(rs.indices, rs.weights)
    # the sample (m rows) comes to the host for the solver
    return solve_weighted_lp(A[idx], to_numpy(b[idx]), uniq_w, p, presolve=False)


def _merge(idx, w):
    """Repeated draws of a row become one row with the summed weight."""
    u, inv = np.unique(idx, return_inverse=True)
    return u, np.bincount(inv, weights=w)
