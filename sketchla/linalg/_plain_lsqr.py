"""Plain LSQR with a budget: the first route of :func:`sketchla.lstsq` on
scipy.sparse A.

A sketch-and-precondition solve of sparse A costs about
``(8·nnz + 4d³) / (2·nnz)`` LSQR iterations before its first step (the
sparse-sign sketch, 8 nonzeros per column, reads A's entries as often as
four products with A and Aᵀ; the QR of the 4d × d sketch costs 4d³ flops),
plus fixed costs that decide small problems (:func:`lsqr_budget`). A
well-conditioned A (κ ≲ 10) needs fewer plain LSQR iterations than that,
so LSQR runs first within that budget, and is abandoned for the
preconditioned route as soon as its observed rate of convergence
(the contraction of its stopping quantities, after three iterations)
predicts that it would overrun: the cheap conditioning estimate the
choice rests on is LSQR's own progress. An ill-conditioned A thus loses
three or four iterations at most.

LSQR is Paige & Saunders' algorithm with their stopping rules (those of
``scipy.sparse.linalg.lsqr`` with atol = btol = tol): stop when
‖r‖ ≤ tol (‖b‖ + ‖A‖‖x‖) or ‖Aᵀr‖ ≤ tol ‖A‖‖r‖, ‖A‖ the running
Frobenius estimate of the bidiagonalization.

References
----------
.. [1] C. C. Paige, M. A. Saunders, "LSQR: An algorithm for sparse linear
   equations and sparse least squares", ACM TOMS 8 (1982).
"""

from __future__ import annotations

import numpy as np

from .._kernels.forks import checkpoint
from .._kernels.work import advance

#: iterations before the rate of convergence is trusted
_PROBE = 3


#: the fixed costs of the sketch route (its Python steps, the triangular
#: factor's setup) and of one LSQR step, in flop-equivalents: they decide
#: small problems, where the products themselves are cheap
_SKETCH_FIXED, _STEP_FIXED = 2e7, 4e5


def lsqr_budget(A):
    """LSQR iterations that cost about as much as the sketch and its QR:
    (8·nnz + 4d³ + fixed) / (2·nnz + fixed per step)."""
    d, nnz = A.shape[1], max(A.nnz, 1)
    return int(np.ceil((8 * nnz + 4 * d**3 + _SKETCH_FIXED) / (2 * nnz + _STEP_FIXED)))


def plain_lsqr(A, b, tol, budget):
    """(x, iterations) of LSQR on min ‖A x − b‖ (b a vector), or None when
    it would take more than ``budget`` iterations at its observed rate."""
    x = np.zeros(A.shape[1], dtype=np.result_type(A.dtype, np.float32))
    u = np.array(b, dtype=x.dtype)
    beta = bnorm = float(np.linalg.norm(u))
    if beta == 0:
        return x, 0
    u /= beta
    v = np.asarray(A.T @ u)
    alpha = float(np.linalg.norm(v))
    if alpha == 0:
        return x, 0
    v /= alpha
    w = v.copy()
    phibar, rhobar, anorm2, first = beta, alpha, 0.0, None
    for it in range(1, budget + 1):
        checkpoint()
        advance(4.0 * A.nnz)
        u = np.asarray(A @ v) - alpha * u
        beta = float(np.linalg.norm(u))
        anorm2 += alpha * alpha + beta * beta
        if beta > 0:
            u /= beta
        v = np.asarray(A.T @ u) - beta * v
        alpha = float(np.linalg.norm(v))
        if alpha > 0:
            v /= alpha
        rho = np.hypot(rhobar, beta)
        c, s = rhobar / rho, beta / rho
        theta, rhobar, phi = s * alpha, -c * alpha, c * phibar
        phibar *= s
        x += (phi / rho) * w
        w = v - (theta / rho) * w
        anorm, xnorm = np.sqrt(anorm2), float(np.linalg.norm(x))
        test1 = phibar / (bnorm + anorm * xnorm)          # ‖r‖ relative to ‖b‖ + ‖A‖‖x‖
        test2 = alpha * abs(s * phi) / (anorm * phibar) if phibar > 0 else 0.0
        q = min(test1, test2)
        if q <= tol or alpha == 0:
            return x, it
        first = q if first is None else first
        if it >= _PROBE:
            rate = (q / first) ** (1.0 / (it - 1)) if q < first else 1.0
            if rate >= 1.0 or it + np.log(tol / q) / np.log(rate) > budget:
                return None
    return None
