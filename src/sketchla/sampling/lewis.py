"""ℓp Lewis weights and ℓp sensitivities.

The ℓp Lewis weights of A (n × d, rank r) are the unique w > 0 with

    w_i = τ_i(W^{1/2 − 1/p} A),   i.e.  w_i^{2/p} = a_iᵀ (Aᵀ W^{1−2/p} A)⁻¹ a_i,

and Σ w_i = r. They are the leverage scores of A reweighted so that
sampling by them preserves ‖Ax‖_p for all x (Cohen–Peng). The ℓp
sensitivity of row i is s_i = max_x |a_iᵀx|^p / ‖Ax‖_p^p.

References
----------
M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC 2015.
M. Fazel, Y. T. Lee, S. Padmanabhan, A. Sidford, "Computing Lewis weights
to high precision", SODA 2022 (the convex program used for p ≥ 4).
D. P. Woodruff, T. Yasuda, "Sharper bounds for ℓp sensitivity sampling",
ICML 2023.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from .._validation import check_matrix
from .leverage import leverage_scores, orthonormal_basis

__all__ = ["lewis_weights", "lp_sensitivities", "LewisResult", "check_p"]


def check_p(p, name="p"):
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number >= 1, got {p!r}") from None
    if not np.isfinite(p) or p < 1:
        raise ValueError(f"{name} must be a finite number >= 1, got {p}")
    return p


def _gram_leverage(U, scale):
    """Leverage scores of diag(scale)·U via its Gram matrix (O(n r²), BLAS-3).

    Falls back to a QR when the Gram matrix is too ill-conditioned for
    Cholesky."""
    DU = U * scale[:, None]
    G = DU.T @ DU
    try:
        L = np.linalg.cholesky(G)
        if np.linalg.cond(L) < 1e6:
            # NumPy GEMM with the explicit r×r inverse (accurate for κ(L) < 1e6):
            # one BLAS thread pool, no SciPy TRSM in between
            Y = DU @ np.linalg.inv(L).T
            tau = np.einsum("ij,ij->i", Y, Y)
            if np.isfinite(tau).all():
                return tau
    except np.linalg.LinAlgError:
        pass
    Q, _ = np.linalg.qr(DU)
    return np.einsum("ij,ij->i", Q, Q)


class LewisResult(np.ndarray):
    """The weights (an ndarray) with ``residual`` and ``n_iter`` attached."""


def _fixed_point_residual(U, w, p):
    t = _gram_leverage(U, w ** (0.5 - 1.0 / p))
    pos = w > 0
    return float(np.max(np.abs(t[pos] - w[pos]) / w[pos])) if pos.any() else 0.0


def lewis_weights(A, p, tol=1e-10, max_iter=None, method="exact", rng=None):
    """ℓp Lewis weights of the rows of A, for any p ≥ 1.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
    p : float ≥ 1
    tol : float
        Stop when the relative fixed-point residual
        max_i |τ_i(W^{1/2−1/p}A) − w_i| / w_i ≤ tol.
    max_iter : int, optional
        Default 200 (fixed point) or 2000 (L-BFGS, p ≥ 4).
    method : {"exact", "approx"}
        ``"exact"``: every iteration uses exact leverage scores of the
        reweighted orthonormal basis. ``"approx"`` (p < 4): Cohen–Peng's
        iteration with sketched leverage scores of W^{1/2−1/p}A
        (:func:`leverage_scores` ``method="approx"``), a fixed 3·log2(n)
        rounds; the result is a constant-factor approximation (the
        residual reports how close).
    rng : None, int, Generator or SeedSequence
        For ``method="approx"``.

    Returns
    -------
    LewisResult (an ndarray of shape (n,))
        w ≥ 0 with Σ w = rank(A) (exact method); ``w.residual`` is the
        fixed-point residual, ``w.n_iter`` the iterations.

    Notes
    -----
    A is first replaced by an orthonormal basis U of its range (Lewis
    weights depend only on the range), which also handles rank deficiency.

    * p < 4: the fixed point w ← T(w) = τ(W^{1/2−1/p}U), damped in log
      space: log w ← (1−η) log w + η log T(w). The Jacobian of log T is
      (1 − 2/p)(I − Q) with Q = diag(τ)⁻¹(P∘P) (spectrum in [0, 1]), so
      η = 2p/(p+2) for p < 2 contracts by (2−p)/(2+p) (1/3 at p = 1) and
      η = 1 by 1 − 2/p for p ≥ 2. (Cohen–Peng's form w ← (τ w^{2/p−1})^{p/2}
      has Jacobian (1 − p/2)Q and contracts only for p < 4.)
    * p ≥ 4: the contraction above is only local, so we first minimize the
      convex function
      F(M) = −log det M + (2/p) Σ (u_iᵀ M u_i)^{p/2} over M ≻ 0 (its
      stationarity condition is the Lewis fixed point, w_i = (u_iᵀMu_i)^{p/2};
      Fazel–Lee–Padmanabhan–Sidford) by L-BFGS on the Cholesky factor of M,
      then polish with the fixed point (rate 1 − 2/p near the optimum).

    Each iteration costs O(n r²) (BLAS-3).
    """
    p = check_p(p)
    if method not in ("exact", "approx"):
        raise ValueError(f"method must be 'exact' or 'approx', got {method!r}")
    tol = float(tol)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    A = check_matrix(A)
    n = A.shape[0]
    if method == "approx" and p < 4:
        return _lewis_approx(A, p, rng, max_iter)
    U, r = orthonormal_basis(A)
    if r == 0:
        out = np.zeros(n).view(LewisResult)
        out.residual, out.n_iter = 0.0, 0
        return out
    if p >= 4:
        w, it = _lewis_convex(U, p, tol, 2000 if max_iter is None else
                              check_int(max_iter, "max_iter", minimum=1))
        w, it2 = _fixed_point(U, w, p, tol, 200)  # polish: contracts near the optimum
        it += it2
    else:
        max_iter = 200 if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
        w, it = _fixed_point(U, np.einsum("ij,ij->i", U, U), p, tol, max_iter)
    out = np.asarray(w, dtype=np.float64).view(LewisResult)
    out.residual = _fixed_point_residual(U, np.asarray(w), p)
    out.n_iter = it
    return out


def _damping(p):
    """η for log w ← (1−η) log w + η log T(w), T(w) = τ(W^{1/2−1/p}U).

    The Jacobian of log T is (1 − 2/p)(I − Q), Q = diag(τ)⁻¹(P∘P) with
    eigenvalues in [0, 1]: its spectrum lies in [1 − 2/p, 0] for p < 2 and
    in [0, 1 − 2/p] for p ≥ 2. η = 2p/(p + 2) (p < 2) centres the damped
    spectrum, giving the rate (2 − p)/(2 + p) (1/3 at p = 1); η = 1 gives
    1 − 2/p for p ≥ 2.
    """
    return 2.0 * p / (p + 2.0) if p < 2 else 1.0


def _fixed_point(U, w, p, tol, max_iter):
    """Damped Lewis fixed point from w; returns (w, iterations)."""
    eta = _damping(p)
    w = np.array(w, dtype=np.float64)
    pos = w > 0
    Up = U if pos.all() else U[pos]
    wp = w[pos]
    it = 0
    for it in range(1, max_iter + 1):
        t = _gram_leverage(Up, wp ** (0.5 - 1.0 / p))
        res = np.max(np.abs(t - wp) / wp)
        wp = np.exp((1 - eta) * np.log(wp) + eta * np.log(t))
        if res <= tol:
            break
    w[pos] = wp
    return w, it


def _lewis_convex(U, p, tol, max_iter):
    """Minimize −log det(LLᵀ) + (2/p) Σ‖Lᵀu_i‖^p over lower-triangular L."""
    from scipy.optimize import minimize

    n, r = U.shape
    tril = np.tril_indices(r)

    def unpack(z):
        L = np.zeros((r, r))
        L[tril] = z
        return L

    def f(z):
        L = unpack(z)
        d = np.diag(L)
        if np.any(d <= 0):
            return np.inf, np.zeros_like(z)
        V = U @ L
        nv = np.sqrt(np.einsum("ij,ij->i", V, V))
        val = -2 * np.sum(np.log(d)) + (2.0 / p) * np.sum(nv ** p)
        grad = 2 * U.T @ (V * (nv ** (p - 2))[:, None])
        grad[np.diag_indices(r)] -= 2.0 / d
        return val, grad[tril]

    # start at the p = 2 solution scaled to the right total (M = c·I)
    c = (r / n) ** (2.0 / p) * (n / r)
    z0 = unpack(np.zeros(len(tril[0])))
    z0[np.diag_indices(r)] = np.sqrt(c)
    res = minimize(f, z0[tril], jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol * 1e-2, "ftol": 1e-16,
                            "maxcor": 30})
    L = unpack(res.x)
    V = U @ L
    return np.einsum("ij,ij->i", V, V) ** (p / 2), int(res.nit)


def _lewis_approx(A, p, rng, max_iter):
    from .._validation import check_rng

    g = check_rng(rng)
    n = A.shape[0]
    rounds = int(np.ceil(3 * np.log2(max(n, 2)))) if max_iter is None else \
        check_int(max_iter, "max_iter", minimum=1)
    eta = _damping(p)
    w = leverage_scores(A, "approx", rng=g)
    w = np.maximum(w, 1e-300)
    import scipy.sparse as sp

    for _ in range(rounds):
        s = w ** (0.5 - 1.0 / p)
        DA = sp.diags(s) @ A if sp.issparse(A) else A * s[:, None]
        t = np.maximum(leverage_scores(DA, "approx", rng=g), 1e-300)
        w = np.exp((1 - eta) * np.log(w) + eta * np.log(t))
    out = w.view(LewisResult)
    out.residual = float("nan")
    out.n_iter = rounds
    return out


def lp_sensitivities(A, p, method="bound"):
    """ℓp sensitivities s_i = max_x |a_iᵀx|^p / ‖Ax‖_p^p, or upper bounds.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
    p : float ≥ 1
    method : {"bound", "exact"}
        ``"bound"`` (default): certified upper bounds from the ℓp Lewis
        weights w (rank r): s_i ≤ w_i for p ≤ 2 and s_i ≤ r^{p/2−1} w_i
        for p > 2 (Cohen–Peng; Woodruff–Yasuda, Lemma 2.x). Their sum is
        r (p ≤ 2) or r^{p/2} (p > 2), the total-sensitivity bounds.
        ``"exact"``: s_i = 1 / min{‖Ax‖_p^p : a_iᵀx = 1}, one convex
        program per row — an LP (scipy.optimize.linprog, HiGHS) for p = 1,
        a smooth unconstrained minimization on the hyperplane (BFGS) for
        p > 1. Costs n solves of size n × r: for small n and for
        validating bounds.

    Returns
    -------
    ndarray, shape (n,)
        Rows in the null space have sensitivity 0.
    """
    p = check_p(p)
    if method not in ("bound", "exact"):
        raise ValueError(f"method must be 'bound' or 'exact', got {method!r}")
    A = check_matrix(A)
    if method == "bound":
        w = np.asarray(lewis_weights(A, p))
        r = float(np.round(w.sum()))
        return w if p <= 2 else w * max(r, 1.0) ** (p / 2 - 1)
    U, r = orthonormal_basis(A)
    n = U.shape[0]
    s = np.zeros(n)
    for i in range(n):
        u = U[i]
        nu2 = u @ u
        if nu2 <= 1e-28:
            continue
        s[i] = 1.0 / (_min_l1(U, i) if p == 1 else _min_lp(U, i, p))
    return np.minimum(s, 1.0)


def _min_l1(U, i):
    """min ‖U y‖₁ s.t. u_iᵀ y = 1, as an LP in (y, t)."""
    from scipy.optimize import linprog

    n, r = U.shape
    c = np.concatenate([np.zeros(r), np.ones(n)])
    I = np.eye(n)
    A_ub = np.block([[U, -I], [-U, -I]])
    b_ub = np.zeros(2 * n)
    A_eq = np.concatenate([U[i], np.zeros(n)])[None, :]
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0],
                  bounds=[(None, None)] * r + [(0, None)] * n, method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed on row {i}: {res.message}")
    return res.fun


def _min_lp(U, i, p):
    """min ‖U y‖_p^p on the hyperplane u_iᵀy = 1 (y = y0 + N z)."""
    import scipy.linalg as sla
    from scipy.optimize import minimize

    u = U[i]
    y0 = u / (u @ u)
    N = sla.null_space(u[None, :])
    base = U @ y0
    M = U @ N

    def f(z):
        v = base + M @ z
        av = np.abs(v)
        return np.sum(av ** p), p * M.T @ (np.sign(v) * av ** (p - 1))

    if N.shape[1] == 0:
        return f(np.zeros(0))[0]
    res = minimize(f, np.zeros(N.shape[1]), jac=True, method="BFGS",
                   options={"gtol": 1e-12, "maxiter": 2000})
    return res.fun
