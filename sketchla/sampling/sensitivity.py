"""ℓp sensitivities: the largest share of ‖Ax‖_p^p that one row can hold,
exactly (a convex program per row) or as certified upper bounds from the
Lewis weights.

References
----------
.. [1] D. P. Woodruff, T. Yasuda, "Sharper bounds for ℓp sensitivity
   sampling", ICML 2023."""

from __future__ import annotations

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._backend import array_kind, get_namespace
from .._validation import check_data, check_option, check_p
from .leverage import orthonormal_basis
from .lewis import lewis_weights


@fork_safe
@reports_progress("lp_sensitivities", _costs.lp_sensitivities)
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
