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

from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, materialize, to_numpy
from .._validation import check_data, check_int, check_option, check_p, check_rng, check_scalar
from .leverage import leverage_scores, orthonormal_basis

__all__ = ["lewis_weights", "lp_sensitivities", "LewisResult", "check_p"]


def _gram_leverage(U, scale, xp):
    """Leverage scores of diag(scale)·U via its Gram matrix (O(n r²), BLAS-3).

    Falls back to a QR when the Gram matrix is too ill-conditioned for
    Cholesky."""
    DU = U * materialize(scale)[:, None]  # DU enters two graphs: G, then the scores
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


#: dense NumPy operands with at least this many entries (and n ≥ 8·d) stream
#: their Lewis iterations over row blocks instead of forming a basis
_STREAM_ENTRIES = 1 << 22


def lewis_weights_streamed(block, n, d, p, tol=1e-10, max_iter=200, overwrite=False):
    """ℓp Lewis weights (p < 4) of a dense (n, d) operand given by row blocks,
    or None when its Gram matrix is too ill-conditioned (κ(A) > 1e6) or
    singular for this path.

    The basis is implicit: with AᵀA = LLᵀ (blocked SYRK), Z = A L⁻ᵀ is
    orthonormal, and the leverage scores of diag(s)·Z are ‖s_i z_iᵀ L_s⁻ᵀ‖²
    for (diag(s)Z)ᵀ(diag(s)Z) = L_s L_sᵀ. One pass over the blocks per
    fixed-point iteration (the damped update of :func:`lewis_weights`): each
    block's scores, its weights' update, and its share of the next
    iteration's Gram matrix. Memory: a few n-vectors and the blocks
    (``block(lo, hi)`` may assemble them, e.g. [A b] without forming it).
    With ``overwrite`` the blocks are writable views of the caller's scratch
    copy of the operand (which ``block`` may fill on its first call for a
    range): the second pass replaces them by the rows of Z, which the later
    passes read, one (n, d) × (d, d) product fewer per pass.
    Cost: O(n d²) per pass. ``residual`` is the fixed-point residual of the
    last iterate the scores were computed for.
    """
    def map_blocks(block, fn):
        # 1 MB blocks: enough of them to balance two to four threads at n = 10^5
        return _kernels.map_row_blocks(block, n, d, d, fn, block_bytes=1 << 20)

    eta = _damping(p)
    expo = 0.5 - 1.0 / p

    def chol_inv_t(G):
        L = np.linalg.cholesky(G)
        sv = np.linalg.svd(L, compute_uv=False)
        if not (sv[-1] > 0 and sv[0] / sv[-1] < 1e6):
            raise np.linalg.LinAlgError("ill-conditioned")
        return np.linalg.inv(L).T

    try:
        M0 = chol_inv_t(_kernels.sum_in_order(map_blocks(block, lambda lo, hi, Y: Y.T @ Y)))
    except np.linalg.LinAlgError:
        return None
    w = np.empty(n)
    s = np.empty(n)
    tiny = np.finfo(np.float64).eps ** 2

    def lev(lo, hi, Y):  # leverage scores, the start, and the first Gram matrix
        Z = Y @ M0
        if overwrite:
            Y[...] = Z
        t = np.einsum("ij,ij->i", Z, Z)
        w[lo:hi] = np.where(t > tiny, t, 0.0)
        s[lo:hi] = np.where(t > tiny, np.maximum(t, tiny) ** expo, 0.0)
        Z *= s[lo:hi, None]
        return Z.T @ Z

    G = _kernels.sum_in_order(map_blocks(block, lev))
    res, it = np.inf, 0
    for it in range(1, max_iter + 1):
        try:
            K = chol_inv_t(G)
        except np.linalg.LinAlgError:
            return None
        KM = None if overwrite else np.hstack([M0 @ K, M0])

        def products(lo, hi):  # (Z K, Z) on the rows lo:hi, Z = A M0 the basis
            if overwrite:
                Z = block(lo, hi)
                return Z @ K, Z
            P = block(lo, hi) @ KM  # both in one GEMM
            return P[:, :d], P[:, d:]

        def step(lo, hi, TZ):
            T, Z = TZ
            sb, wb = s[lo:hi], w[lo:hi]
            # the scores ‖s_i z_iᵀ L_s⁻ᵀ‖² of diag(s)·Z
            t = np.einsum("ij,ij->i", T, T)
            t *= sb * sb
            pos = wb > 0  # rows at 0 (the null space) stay there
            rel = np.zeros_like(t)
            np.divide(np.abs(t - wb), wb, out=rel, where=pos)
            r = float(rel.max()) if rel.size else 0.0
            # log-damped update: w ← w^(1−η)·t^η, then s = w^(1/2 − 1/p)
            np.maximum(t, tiny, out=t)
            _damped(wb, t, eta)
            sb[:] = 0.0
            _power(wb, expo, sb, pos)
            np.multiply(Z, sb[:, None], out=T)  # diag(s)·Z, in T's buffer
            return T.T @ T, r

        parts = map_blocks(products, step)
        G = _kernels.sum_in_order([P for P, _ in parts])
        res = max(r for _, r in parts)
        if res <= tol:
            break
    return _wrap(w, res, it)


class LewisResult(np.ndarray):
    """The weights (an ndarray) with ``residual`` and ``n_iter`` attached."""


def _safe(w, pos, xp):
    """w where positive, 1 elsewhere (so powers and logs stay finite)."""
    return xp.where(pos, w, xp.ones_like(w))


def _fixed_point_residual(tau, w, p, xp):
    """max_i |τ_i(W^{1/2−1/p}A) − w_i| / w_i; ``tau(s)`` gives the leverage
    scores of diag(s)·A."""
    pos = w > 0
    wp = _safe(w, pos, xp)
    t = tau(xp.where(pos, wp ** (0.5 - 1.0 / p), xp.zeros_like(w)))
    return float(xp.max(xp.where(pos, xp.abs(t - w) / wp, xp.zeros_like(w))))


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
    tol = check_scalar(tol, "tol", minimum=0, include_minimum=False)
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


def _wrap(w, residual, n_iter):
    """NumPy weights as a LewisResult carrying the residual and iteration count;
    other namespaces' arrays are returned as they are."""
    if array_kind(w) != "numpy":
        return w
    out = np.asarray(w, dtype=np.float64).view(LewisResult)
    out.residual, out.n_iter = residual, n_iter
    return out


def _damped(w, t, eta):
    """w ← w^(1−η)·t^η in place (t is overwritten); η = 2/3 (p = 1) as one
    cube root, cbrt(w·t²), several times cheaper than two powers."""
    if eta == 2.0 / 3.0:
        t *= t
        t *= w
        np.cbrt(t, out=w)
        return
    np.power(t, eta, out=t)
    w **= 1 - eta
    w *= t


def _power(w, e, out, where):
    """out ← w^e where ``where``: e = −1/2 (p = 1) as 1/√w, e = 0 (p = 2) as 1."""
    if e == -0.5:
        np.sqrt(w, out=out, where=where)
        np.divide(1.0, out, out=out, where=where)
    elif e == 0.0:
        out[where] = 1.0
    else:
        np.power(w, e, out=out, where=where)


def _damping(p):
    """η for log w ← (1−η) log w + η log T(w), T(w) = τ(W^{1/2−1/p}U).

    The Jacobian of log T is (1 − 2/p)(I − Q), Q = diag(τ)⁻¹(P∘P) with
    eigenvalues in [0, 1]: its spectrum lies in [1 − 2/p, 0] for p < 2 and
    in [0, 1 − 2/p] for p ≥ 2. η = 2p/(p + 2) (p < 2) centres the damped
    spectrum, giving the rate (2 − p)/(2 + p) (1/3 at p = 1); η = 1 gives
    1 − 2/p for p ≥ 2.
    """
    return 2.0 * p / (p + 2.0) if p < 2 else 1.0


def _fixed_point(tau, w, p, tol, max_iter, xp):
    """Damped Lewis fixed point from w; returns (w, iterations).

    Rows with w <= eps² (the null space of A, up to the rounding of the
    basis) are set to 0 and stay there."""
    eta = _damping(p)
    pos = w > float(xp.finfo(w.dtype).eps) ** 2
    pos, w = materialize(pos, xp.where(pos, w, xp.zeros_like(w)))
    zero = xp.zeros_like(w)
    it = 0
    for it in range(1, max_iter + 1):
        wp = _safe(w, pos, xp)
        t = tau(xp.where(pos, wp ** (0.5 - 1.0 / p), zero))
        res = xp.max(xp.where(pos, xp.abs(t - w) / wp, zero))
        t = _safe(t, pos, xp)
        # the step and its residual in one graph (one pass for dask)
        w, res = materialize(
            xp.where(pos, xp.exp((1 - eta) * xp.log(wp) + eta * xp.log(t)), zero), res)
        if float(res) <= tol:
            break
    return w, it


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


def lp_sensitivities(A, p, method="bound"):
    """ℓp sensitivities s_i = max_x |a_iᵀx|^p / ‖Ax‖_p^p, or upper bounds.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The data matrix, shape (n, d): dense or scipy.sparse.
    p : float ≥ 1
        The exponent p ≥ 1 of the ℓp norm.
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

    Notes
    -----
    The ℓp sensitivity of row i is sup_x |a_iᵀx|^p / ‖Ax‖_p^p; they sum to
    the total sensitivity, at most d^max(1, p/2). ``method="bound"`` gives
    certified upper bounds from the Lewis weights, O(nd² log n);
    ``method="exact"`` solves one linear program per row (small problems).

    References
    ----------
    .. [1] D. P. Woodruff, T. Yasuda, "Sharper bounds for ℓp sensitivity
       sampling", ICML 2023.
    .. [2] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC 2015.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((300, 4))
    >>> s = sketchla.lp_sensitivities(A, p=1, method="bound")
    >>> s.shape, bool((s > 0).all())
    ((300,), True)
    """
    p = check_p(p)
    check_option(method, "method", ("bound", "exact"))
    A = check_data(A)
    if method == "bound":
        w = lewis_weights(A, p)
        if p <= 2:
            return w
        xp = get_namespace(w)
        r = float(np.round(float(xp.sum(w))))
        return w * max(r, 1.0) ** (p / 2 - 1)
    if array_kind(A) not in ("numpy", "sparse"):
        raise TypeError(
            "lp_sensitivities(method='exact') solves one host LP or convex program per "
            "row (SciPy/HiGHS) and supports numpy and scipy.sparse input; use "
            "method='bound' for other namespaces"
        )
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
