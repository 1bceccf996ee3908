"""The exact quantile-regression optimum from a sampled fit, by Portnoy and
Koenker's preprocessing ("globbing"), with a duality-gap certificate.

A fit close to the optimum fixes the sign of the residual of every row far
from the fitted quantile plane: those rows enter the check-loss objective
linearly, so each side collapses into one aggregated row (a linear term).
The rows it cannot decide form a reduced linear program; the optimality
conditions are then checked on all rows, and rows whose sign came out wrong
move into the reduced problem until none does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from .._kernels.forks import fork_safe_methods
from .._kernels.forks import checkpoint
from ._frisch_newton import frisch_newton

__all__ = ["QuantileCertificate", "refine_to_optimum"]

#: rows per block of the passes over the design
_BLOCK = 1 << 16
#: the band keeps this many times n^(2/3)·width^(1/3) rows: the subsample's
#: fit (of n^(2/3)·width^(1/3) rows) predicts a residual to about one band
#: half-width of that size, so three keep the undecided rows with margin
_BAND = 3.0
#: interior-point iterations of a warm start before it counts as stalled
_WARM_ITER = 40
#: dense designs up to this size are assembled once (a design with an
#: intercept or row weights is otherwise rebuilt block by block on each pass)
_MATERIALIZE_BYTES = 1 << 28
#: rounds of re-banding and re-solving at most
_MAX_ROUNDS = 12
#: a round with more wrong signs than this fraction of the kept rows widens
#: the band (doubles it) instead of moving the rows into the reduced problem
_WIDEN = 0.1


@fork_safe_methods
@dataclass
class QuantileCertificate:
    """The optimality certificate of a quantile-regression fit.

    Parameters
    ----------
    objective, dual_objective : float
        The primal and the dual objective (see Attributes).
    duality_gap : float
        Their relative difference.
    n_rounds, n_kept : int
        Reduced problems solved, and the rows of the last one.

    Attributes
    ----------
    objective : float
        Σ ρ_τ(b_i − a_iᵀx) (+ the penalty) at the returned x, over all rows.
    dual_objective : float
        bᵀy for the dual-feasible y assembled from the reduced problem's
        dual and the aggregated rows' fixed signs.
    duality_gap : float
        (objective − dual_objective) / objective: 0 up to the linear
        program's tolerance at the optimum (weak duality bounds the excess
        of the objective by it).
    n_rounds : int
        Reduced linear programs solved.
    n_kept : int
        Rows in the last reduced problem (the others are aggregated).

    Notes
    -----
    Weak duality: any dual-feasible y bounds the optimum from below, so an
    objective within the gap of bᵀy is within the gap of the optimum. The
    y assembled here is feasible when every aggregated row has the sign it
    was given, which the refinement checks on all rows before it stops.

    References
    ----------
    .. [1] S. Portnoy, R. Koenker, "The Gaussian hare and the Laplacian
       tortoise", Statistical Science 12(4) (1997).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> X = g.standard_normal((20000, 3)); y = X @ [1.0, 2.0, 3.0] + g.standard_t(2, 20000)
    >>> cert = sketchla.QuantileRegression(quantile=0.9).fit(X, y).certificate_
    >>> bool(abs(cert.duality_gap) < 1e-9)
    True
    """

    objective: float
    dual_objective: float
    duality_gap: float
    n_rounds: int
    n_kept: int


def _is_sparse(D):
    return hasattr(D, "toarray")


def _passes(rows, n):
    for lo in range(0, n, _BLOCK):
        hi = min(n, lo + _BLOCK)
        yield lo, hi, rows(slice(lo, hi))


def _residuals(rows, y, x, n):
    r = np.empty(n)
    for lo, hi, D in _passes(rows, n):
        r[lo:hi] = y[lo:hi] - D @ x
    return r


def _scales(rows, n, width):
    """‖R⁻ᵀ a_i‖ with RᵀR = AᵀA (the standard error shape of a_iᵀx̂)."""
    G = np.zeros((width, width))
    for _, _, D in _passes(rows, n):
        P = D.T @ D
        G += P.toarray() if _is_sparse(P) else P
    G[np.diag_indices(width)] += 1e-12 * max(np.trace(G), 1e-300) / width
    Rinv = sla.solve_triangular(sla.cholesky(G, lower=False), np.eye(width))
    s = np.empty(n)
    for lo, hi, D in _passes(rows, n):
        B = np.asarray(D @ Rinv)
        s[lo:hi] = np.sqrt(np.einsum("ij,ij->i", B, B))
    return np.maximum(s, 1e-300)


def _globs(rows, n, width, label):
    """Σ a_i over the rows labelled −1 and over those labelled +1."""
    lo_sum, hi_sum = np.zeros(width), np.zeros(width)
    for lo, hi, D in _passes(rows, n):
        lab = label[lo:hi]
        for which, acc in ((-1, lo_sum), (1, hi_sum)):
            sel = lab == which
            if sel.any():
                acc += np.asarray(D[sel].sum(axis=0)).ravel()
    return lo_sum, hi_sum


def _band(z, tau, keep):
    """Labels: −1 below, +1 above, 0 within the band of ``keep`` rows of z
    around its τ-quantile."""
    n = z.size
    lo_q = tau - keep / (2 * n)
    hi_q = tau + keep / (2 * n)
    label = np.zeros(n, np.int8)
    if lo_q > 0:
        label[z < np.quantile(z, lo_q)] = -1
    if hi_q < 1:
        label[z > np.quantile(z, hi_q)] = 1
    return label


def _objective(r, tau, x, penalty, penalized):
    obj = float(np.sum(np.maximum(tau * r, (tau - 1) * r)))
    if penalty > 0:
        mask = np.ones(x.size, bool) if penalized is None else penalized
        obj += penalty * float(np.abs(x[mask]).sum())
    return obj


def _reduced(D, y, tau, penalty, penalized, linear, x0=None):
    """(x, dual) of the kept rows D with the aggregated rows' linear term:
    Frisch–Newton (interior point, a duality gap of 1e-12; warm-started from
    ``x0``, then cold) without a penalty, HiGHS's dual simplex with one or
    where the interior point stalls (its ``RuntimeError`` then means an
    unbounded problem: a wrong aggregation)."""
    from ._weighted_solvers import solve_weighted_check_loss, unit_scaled

    if penalty == 0:
        unit, b1, _, col, s_b, _ = unit_scaled(D, y, np.ones(D.shape[0]), per_column=True)
        # warm-started from x0 where given (about half the iterations; a
        # stall is cut short), then from the least-squares start
        tries = ([] if x0 is None else [(x0 * (col / s_b), _WARM_ITER)]) + [(None, None)]
        for start, limit in tries:
            try:
                x, dual, _ = frisch_newton(unit, b1, tau, linear=linear / col, x0=start,
                                           max_iter=limit)
                return x * (s_b / col), dual
            except (RuntimeError, np.linalg.LinAlgError):
                pass
    return solve_weighted_check_loss(D, y, np.ones(D.shape[0]), tau, penalty, penalized,
                                     linear=linear, return_dual=True)


def _first_fit(rows, y, n, width, tau, penalty, penalized, rng):
    """The fit of a uniform subsample of n^(2/3)·width^(1/3) rows (Portnoy and
    Koenker's first stage)."""
    m = min(n, max(int(np.ceil(n ** (2 / 3) * width ** (1 / 3))), 20 * width))
    idx = np.sort(rng.choice(n, size=m, replace=False)) if m < n else np.arange(n)
    return _reduced(rows(idx), y[idx], tau, penalty, penalized, np.zeros(width))[0]


def refine_to_optimum(rows, y, n, width, tau, penalty, penalized, x0=None, rng=None):
    """The exact minimizer of Σ ρ_τ(y_i − d_iᵀx) + penalty·‖x_P‖₁ over the
    design whose row blocks ``rows(slice)`` gives, from a nearby ``x0``.

    ``x0`` None: the fit of a uniform subsample (``rng``). Returns
    (x, QuantileCertificate). Rows are standardized by
    ‖R⁻ᵀ d_i‖; the band keeps the 3·n^(2/3)·width^(1/3) rows (Portnoy–Koenker's
    order, with a margin) of standardized residual nearest the τ-quantile, doubled when a
    round finds many wrong signs. Cost: a Gram matrix and a few residual
    passes (O(n·width²) and O(n·width) each) plus linear programs of the
    kept rows.
    """
    if n * width * 8 <= _MATERIALIZE_BYTES and not _is_sparse(rows(slice(0, 1))):
        whole = rows(slice(0, n))  # one copy of the design, read in place by every pass
        rows = whole.__getitem__
    if x0 is None:
        x0 = _first_fit(rows, y, n, width, tau, penalty, penalized, rng)
    s = _scales(rows, n, width)
    r = _residuals(rows, y, x0, n)
    keep = min(n, int(np.ceil(_BAND * n ** (2 / 3) * width ** (1 / 3))))
    label = _band(r / s, tau, keep)
    tol = 1e-9 * max(float(np.abs(y).max(initial=0)), 1e-300)
    x_start = x0
    for rounds in range(1, _MAX_ROUNDS + 1):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        below, above = _globs(rows, n, width, label)
        kept = np.flatnonzero(label == 0)
        try:
            x, dual = _reduced(rows(kept), y[kept], tau, penalty, penalized,
                               (1 - tau) * below - tau * above, x_start)
        except RuntimeError:  # the kept rows cannot balance the aggregated ones
            if keep >= n:
                raise
            keep = min(n, 4 * keep)
            label = _band(r / s, tau, keep)
            n_wrong = -1
            continue
        r = _residuals(rows, y, x, n)
        # a later round starts cold: from a solution this close, the smoothed
        # dual start is too far from central and stalls
        x_start = None
        wrong = ((label == -1) & (r > tol)) | ((label == 1) & (r < -tol))
        n_wrong = int(wrong.sum())
        if n_wrong == 0:
            break
        if n_wrong <= _WIDEN * max(kept.size, 1) or keep >= n:
            label[wrong] = 0
        else:
            keep = min(n, 2 * keep)
            label = _band(r / s, tau, keep)
    else:
        raise RuntimeError(f"quantile refinement: no certified optimum after {_MAX_ROUNDS} "
                           "rounds; use method='exact'")
    obj = _objective(r, tau, x, penalty, penalized)
    dual_obj = float(y[kept] @ dual + (tau - 1) * y[label == -1].sum()
                     + tau * y[label == 1].sum())
    gap = (obj - dual_obj) / obj if obj > 0 else 0.0
    return x, QuantileCertificate(obj, dual_obj, float(gap), rounds, int(kept.size))
