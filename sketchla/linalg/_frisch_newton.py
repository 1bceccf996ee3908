"""The Frisch–Newton interior-point method for the check-loss linear program
(Portnoy and Koenker 1997; quantreg's ``rq.fit.fnb``).

With a = y + (1 − τ) ∈ [0, 1]^n the dual of min_x Σ_i ρ_τ(b_i − a_iᵀx) + gᵀx
is max bᵀa s.t. Aᵀa = (1 − τ)·Aᵀ1 + g, 0 ≤ a ≤ 1. Mehrotra's
predictor–corrector steps on that box-constrained program cost one weighted
Gram matrix AᵀQ⁻¹A (O(n·d²)) and one d × d Cholesky solve each, and some
twenty to forty of them reach a relative duality gap of 1e-12: for tall
problems far cheaper than a simplex method's pivots.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .._kernels.forks import checkpoint
from .._kernels.work import advance

__all__ = ["frisch_newton"]

#: the step stays this fraction inside the boundary
_STEP = 0.99995
#: stop at this relative duality gap (or at _GAP_AT_BOUND when a variable
#: reaches its bound to rounding, where no further step is defined)
_GAP = 1e-12
_GAP_AT_BOUND = 1e-10
_MAX_ITER = 100
#: a warm-started dual stays this far inside its box
_WARM_CLIP = 0.02


def _step_length(v, dv):
    """The longest step ≤ 1 keeping v + t·dv inside the positive orthant (by _STEP)."""
    ratio = np.divide(v, dv, out=np.full(v.shape, -np.inf), where=dv < 0)
    top = float(ratio.max(initial=-np.inf))  # −v/dv at its smallest, negated
    return 1.0 if top == -np.inf else float(min(1.0, -_STEP * top))


def _factor(A, q):
    """The Cholesky factor of Aᵀ Q⁻¹ A (Q = diag(q)), shared by an iteration's
    predictor and corrector."""
    W = A / q[:, None] if isinstance(A, np.ndarray) else A.multiply(1 / q[:, None]).tocsr()
    G = A.T @ W
    G = G.toarray() if hasattr(G, "toarray") else np.asarray(G)
    G[np.diag_indices_from(G)] += 1e-14 * max(np.trace(G), 1e-300) / G.shape[0]
    return sla.cho_factor(G)


def _newton(A, q, chol, rhs_n, r_p):
    """dx and da of the reduced system (Aᵀ Q⁻¹ A) dx = Aᵀ(rhs_n / q) − r_p."""
    dx = sla.cho_solve(chol, A.T @ (rhs_n / q) - r_p)
    return dx, (rhs_n - A @ dx) / q


def frisch_newton(A, b, tau, linear=None, v=None, x0=None, max_iter=None):
    """min_x Σ_i v_i ρ_τ(b_i − a_iᵀx) + linearᵀx by a primal–dual interior point.

    A: (n, d) dense or scipy.sparse (O(1)-scaled by the caller); v: row
    weights (default 1); ``x0``: a nearby solution to start from (the dual
    starts at a smoothed sign of its residuals, which roughly halves the
    iterations); ``max_iter``: iterations at most (default 100). Returns (x, a − (1 − τ)·v: the dual, objective
    gap relative to the primal objective). Raises ``RuntimeError`` when the
    gap is not reached (an unbounded primal: the aggregated rows outweigh
    the kept ones).
    """
    n, d = A.shape
    v = np.ones(n) if v is None else np.asarray(v, np.float64)
    g = np.zeros(d) if linear is None else np.asarray(linear, np.float64)
    r_target = (1 - tau) * (A.T @ v) + g           # Aᵀa = r_target, 0 ≤ a ≤ v
    if x0 is None:
        a = (1 - tau) * v
        x = np.linalg.lstsq(A.toarray() if hasattr(A, "toarray") else A, b, rcond=None)[0]
        r = b - A @ x
        delta = max(float(np.abs(r).max(initial=0)), 1e-300) * 1e-2 + 1e-300
    else:
        x = np.asarray(x0, np.float64)
        r = b - A @ x
        h = max(float(np.median(np.abs(r))), 1e-300)
        with np.errstate(over="ignore"):
            a = np.clip(1 / (1 + np.exp(-4 * r / h)), _WARM_CLIP, 1 - _WARM_CLIP) * v
        delta = 0.1 * h
    s = v - a
    z = np.maximum(r, 0) + delta
    w = np.maximum(-r, 0) + delta
    gap = np.inf
    for _ in range(_MAX_ITER if max_iter is None else max_iter):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        advance(2.0 * A.shape[0] * A.shape[1] ** 2)  # the step's normal equations
        r_p = r_target - A.T @ a                        # primal infeasibility
        r_d = b - A @ x - w + z                         # dual infeasibility
        primal = float(b @ a)
        dual = float(r_target @ x + v @ w)
        gap = (dual - primal) / max(abs(dual), abs(primal), 1e-300)
        feas = np.linalg.norm(r_p) / max(np.linalg.norm(r_target), 1e-300)
        if abs(gap) < _GAP and feas < 1e-10:
            break
        if not (np.isfinite(gap) and np.isfinite(feas)):
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            q = z / a + w / s
        if not np.isfinite(q).all():  # a bound reached to rounding: done if the gap is
            gap = gap if abs(gap) < _GAP_AT_BOUND else np.nan
            break
        # predictor (affine scaling, μ = 0)
        chol = _factor(A, q)
        rhs_n = r_d + w - z
        dx, da = _newton(A, q, chol, rhs_n, r_p)
        dz = -z - z * da / a
        dw = -w + w * da / s
        ap = min(_step_length(a, da), _step_length(s, -da))
        ad = min(_step_length(z, dz), _step_length(w, dw))
        mu = (a @ z + s @ w) / (2 * n)
        mu_aff = ((a + ap * da) @ (z + ad * dz) + (s - ap * da) @ (w + ad * dw)) / (2 * n)
        sigma = min(1.0, (mu_aff / max(mu, 1e-300)) ** 3)
        # corrector: centring σμ and the second-order terms of the affine step
        cz = (sigma * mu - da * dz) / a
        cw = (sigma * mu + da * dw) / s
        rhs_n = r_d + w - z + cz - cw
        dx, da = _newton(A, q, chol, rhs_n, r_p)
        dz = -z + cz - z * da / a
        dw = -w + cw + w * da / s
        ap = min(_step_length(a, da), _step_length(s, -da))
        ad = min(_step_length(z, dz), _step_length(w, dw))
        a, s = a + ap * da, s - ap * da   # s apart from v − a: no cancellation near a = v
        x, z, w = x + ad * dx, z + ad * dz, w + ad * dw
    else:
        gap = np.nan if abs(gap) >= _GAP else gap
    if not np.isfinite(gap):
        raise RuntimeError("Frisch–Newton did not reach the duality gap (an unbounded "
                           "primal, or a problem beyond its accuracy)")
    return x, a - (1 - tau) * v, gap
