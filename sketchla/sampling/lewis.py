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

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import advance, reports_progress
from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, materialize, to_numpy
from .._validation import check_data, check_int, check_option, check_p, check_rng, check_scalar, check_tol
from .leverage import leverage_scores, orthonormal_basis
from ._lewis_fixed_point import (
    LewisResult,
    _fixed_point_residual,
    _wrap,
    _damping,
    _fixed_point,
)
from ._lewis_streamed import _STREAM_ENTRIES, lewis_weights_streamed

__all__ = ["lewis_weights", "LewisResult", "check_p"]


def _gram_leverage(U, scale, xp):
    """Leverage scores of diag(scale)·U via its Gram matrix (O(n r²), BLAS-3).

    Falls back to a QR when the Gram matrix is too ill-conditioned for
    Cholesky."""
    DU = U * materialize(scale)[:, None]  # DU enters two graphs: G, then the scores
    advance(4.0 * DU.shape[0] * DU.shape[1] ** 2)  # G, then Y
    G = xp.matrix_transpose(DU) @ DU
    try:
        L = materialize(_kernels.cholesky(G, xp=xp))  # L enters two graphs too
        sv = to_numpy(xp.linalg.svd(L, full_matrices=False)[1])
        if sv[-1] > 0 and sv[0] / sv[-1] < 1e6:
            # GEMM with the explicit r×r inverse (accurate for κ(L) < 1e6):
            # one BLAS thread pool, no triangular solve in between
            Y = DU @ xp.matrix_transpose(xp.linalg.inv(L))
            tau = materialize(_kernels.row_sq_norms(Y, xp=xp))  # checked, then returned
            if bool(xp.all(xp.isfinite(tau))):
                return tau
    except np.linalg.LinAlgError:
        pass
    Q, _ = xp.linalg.qr(DU)
    return _kernels.row_sq_norms(Q, xp=xp)


@fork_safe
@reports_progress("lewis_weights", _costs.lewis_weights)
def lewis_weights(A, p, tol=1e-10, max_iter=None, method="exact", rng=None):
    """ℓp Lewis weights of the rows of A, for any p ≥ 1.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The data matrix, shape (n, d): dense or scipy.sparse.
    p : float ≥ 1
        The exponent p ≥ 1 of the ℓp norm.
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

    References
    ----------
    .. [1] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC
       2015.
    .. [2] A. Fazzone, T. Ma, et al., "Computing Lewis weights to high
       precision", SODA 2022.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((500, 5))
    >>> w = sketchla.lewis_weights(A, p=1)
    >>> bool(abs(w.sum() - 5) < 1e-8)  # the weights sum to d
    True
    """
    p = check_p(p)
    check_option(method, "method", ("exact", "approx"))
    tol = check_tol(tol, "tol", np.finfo(np.float64).eps)
    A = check_data(A)
    n = A.shape[0]
    if method == "approx" and p < 4:
        return _wrap(*_lewis_approx(A, p, rng, max_iter))
    if array_kind(A) == "sparse" and p < 4:
        # sparse A: each step's leverage scores of diag(s) A come from its d × d
        # Gram matrix and blockwise products, O(Σ nnz(a_i)² + d³ + nnz·r), never
        # an n × r basis
        def tau(s):
            return leverage_scores(_kernels.scale_rows(A, s))

        max_iter = 200 if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
        w, it = _fixed_point(tau, leverage_scores(A), p, tol, max_iter, np)
        return _wrap(w, _fixed_point_residual(tau, w, p, np), it)
    d = A.shape[1]
    if array_kind(A) == "numpy" and p < 4 and n >= 8 * d and n * d >= _STREAM_ENTRIES:
        # row blocks as float64 (a view when A already is)
        w = lewis_weights_streamed(
            lambda lo, hi: np.asarray(A[lo:hi], dtype=np.float64), n, d, p, tol,
            200 if max_iter is None else check_int(max_iter, "max_iter", minimum=1))
        if w is not None:
            return w
    U, r = orthonormal_basis(A)
    xp = get_namespace(U)
    if r == 0:
        return _wrap(xp.zeros(n, dtype=U.dtype) if array_kind(U) != "numpy" else np.zeros(n),
                     0.0, 0)
    U = materialize(U)

    def tau(s):
        return _gram_leverage(U, s, xp)

    if p >= 4:
        w, it = _lewis_convex(U, p, tol, 2000 if max_iter is None else
                              check_int(max_iter, "max_iter", minimum=1), xp)
        w, it2 = _fixed_point(tau, w, p, tol, 200, xp)  # polish: contracts near the optimum
        it += it2
    else:
        max_iter = 200 if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
        w, it = _fixed_point(tau, _kernels.row_sq_norms(U, xp=xp), p, tol, max_iter, xp)
    return _wrap(w, _fixed_point_residual(tau, w, p, xp), it)


def _lewis_convex(U, p, tol, max_iter, xp):
    """Minimize −log det(LLᵀ) + (2/p) Σ‖Lᵀu_i‖^p over lower-triangular L.

    The r × r parameter lives on the host (SciPy's L-BFGS); U stays in its
    namespace and each evaluation is one pass over it."""
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
        V = U @ from_numpy(L, U)
        nv = xp.sqrt(_kernels.row_sq_norms(V, xp=xp))
        val = -2 * np.sum(np.log(d)) + (2.0 / p) * float(xp.sum(nv ** p))
        grad = 2 * to_numpy(xp.matrix_transpose(U) @ (V * (nv ** (p - 2))[:, None]))
        grad = np.asarray(grad, dtype=np.float64)
        grad[np.diag_indices(r)] -= 2.0 / d
        return val, grad[tril]

    # start at the p = 2 solution scaled to the right total (M = c·I)
    c = (r / n) ** (2.0 / p) * (n / r)
    z0 = unpack(np.zeros(len(tril[0])))
    z0[np.diag_indices(r)] = np.sqrt(c)
    res = minimize(f, z0[tril], jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol * 1e-2, "ftol": 1e-16,
                            "maxcor": 30})
    V = U @ from_numpy(unpack(res.x), U)
    return _kernels.row_sq_norms(V, xp=xp) ** (p / 2), int(res.nit)


def _lewis_approx(A, p, rng, max_iter):
    """Cohen–Peng with sketched leverage scores; returns (w, residual, rounds)."""
    g = check_rng(rng)
    n = A.shape[0]
    rounds = int(np.ceil(3 * np.log2(max(n, 2)))) if max_iter is None else \
        check_int(max_iter, "max_iter", minimum=1)
    eta = _damping(p)
    w = leverage_scores(A, "approx", rng=g)
    xp = get_namespace(w)
    w = xp.maximum(w, 1e-300)
    for _ in range(rounds):
        DA = _kernels.scale_rows(A, materialize(w ** (0.5 - 1.0 / p)), xp=xp)
        t = xp.maximum(leverage_scores(DA, "approx", rng=g), 1e-300)
        w = materialize(xp.exp((1 - eta) * xp.log(w) + eta * xp.log(t)))
    return w, float("nan"), rounds


