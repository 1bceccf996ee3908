"""The iterations of :func:`sketchla.lstsq` on a preconditioned problem:
Richardson (iterative sketching) with the refined R, LSQR otherwise, and a
double-double finish for large-residual, ill-conditioned dense problems.
"""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, from_numpy, get_namespace, materialize, to_numpy, to_numpy_many
from .._kernels.forks import checkpoint
from .._kernels.work import advance, nnz
from ._precondition import _kappa, _norm2


def _colnorms(X):
    """Column 2-norms of X (n, k) or the norm of a vector, as host floats."""
    xp = get_namespace(X)
    return to_numpy(xp.linalg.vector_norm(X, axis=0))


def _residual_norm(A, x, b):
    """‖b − A x‖ per column (a float for a vector b); lazy for dask A, so a
    solver's pass count does not include it."""
    if array_kind(A) == "dask":
        return get_namespace(b).linalg.vector_norm(b - A @ x, axis=0)
    r = _colnorms(b - A @ x)
    return r if r.ndim == 1 else float(r)


def _columns(A, b, x0):
    """B (n, k) and the start X (d, k), X as a fresh array in A's namespace."""
    B = b[:, None] if b.ndim == 1 else b
    X = x0[:, None] if x0.ndim == 1 else x0
    X = np.array(X, dtype=A.dtype) if array_kind(A) in ("numpy", "sparse") else \
        from_numpy(to_numpy(X), A)
    return B, X


def _gradient(A, B, X):
    """Aᵀ(B − A X) and the column norms of B − A X, in A's namespace (lazy
    for dask: computed together they read A once)."""
    Rres = B - A @ X
    return A.T @ Rres, get_namespace(Rres).linalg.vector_norm(Rres, axis=0)


def _richardson(A, B, pre, X, tol, max_iter, first=None):
    """Preconditioned iterative refinement, all columns of B at once.

    X ← X + P R⁻¹ R⁻ᵀ Pᵀ Aᵀ (B − A X): iterative sketching (Epperly 2023)
    with the refined R, for which A P R⁻¹ is orthonormal to working
    precision, so each step contracts the error by ~u·κ and 2–4 steps
    reach the limiting accuracy. Each step is one pass of A·X and one of
    Aᵀ·R (GEMM-shaped when B has several columns). Stops when the
    preconditioned gradient ‖dY‖ = ‖(A P R⁻¹)ᵀ r‖ ≤ tol·(‖A‖‖x‖ + ‖r‖)
    column-wise (a normwise backward error of order tol), or when it
    stops shrinking (rounding level), or after max_iter steps.

    Each step reads A once (its gradient and residual norms are one
    reduction); ``first``, the host values of :func:`_gradient` at X, saves
    the first step's pass.

    Returns X, the steps taken, whether it converged, and whether it
    contracted at all (if not, the caller switches to LSQR).
    """
    prev = None
    k = 0
    normA = _norm2(pre.R)
    while k < max_iter:
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        AtR, rnorm = first if first is not None else to_numpy_many(*_gradient(A, B, X))
        first = None
        advance(4.0 * nnz(A) * B.shape[1])
        dY = pre.rsolve(AtR)
        k += 1
        size = _colnorms(dY)
        scale = normA * _colnorms(X) + rnorm
        X = materialize(X + from_numpy(pre.solve(dY), X))
        if np.all(size <= tol * scale):
            return X, k, True, True
        if prev is not None and np.any(size > 0.5 * prev):
            # no longer contracting: at the rounding floor if tiny, else the
            # preconditioner is not good enough for this loop
            return X, k, bool(np.all(size <= 1e3 * tol * scale)), \
                bool(np.all(size <= 1e-6 * scale))
        prev = size
    return X, k, False, True


def _lsqr(A, B, pre, X, tol, max_iter, outer=2):
    """LSQR (scipy) on A P R⁻¹, per column, inside iterative refinement.

    Each outer step solves for the correction of the current X from the
    explicitly recomputed residual B − A X (sketch-and-precondition with
    iterative refinement: LSQR alone is not backward stable [MNTW23]_).
    """
    from scipy.sparse.linalg import LinearOperator, lsqr

    n, d = A.shape
    dt = A.dtype

    def mv(y):
        checkpoint()  # one LSQR step: a fork waits here
        advance(4.0 * nnz(A))  # this product and its transpose
        return A @ pre.solve(np.asarray(y, dtype=dt).ravel())

    def rmv(u):
        return pre.rsolve(np.asarray(A.T @ np.asarray(u, dtype=dt).ravel()))

    op = LinearOperator((n, d), matvec=mv, rmatvec=rmv, dtype=dt)
    n_iter, converged = 0, True
    conlim = 1e12 if dt == np.float64 else 1e6
    for _ in range(outer):
        Rres = B - A @ X
        conv_step = True
        for j in range(B.shape[1]):
            out = lsqr(op, Rres[:, j], atol=tol, btol=tol, conlim=conlim,
                       iter_lim=max_iter)
            X[:, j] += pre.solve(out[0])
            n_iter += int(out[2])
            conv_step &= out[1] in (0, 1, 2, 4, 5)  # 3: conlim, 7: iteration limit
        converged = conv_step
    return X, n_iter, bool(converged)


def _iterate(A, b, pre, x0, tol, max_iter, refined, first=None):
    """Drive the refinement (refined R) or LSQR (plain sketch R) from x0;
    ``first`` as in :func:`_richardson`."""
    kind = array_kind(A)
    B, X = _columns(A, b, x0)
    n_iter, conv, contracted = 0, False, False
    if refined:
        X, n_iter, conv, contracted = _richardson(A, B, pre, X, tol, max_iter, first)
    if not contracted and kind in ("numpy", "sparse"):
        # LSQR (SciPy, host vectors) on NumPy and scipy.sparse; other
        # namespaces report converged=False when Richardson stalls
        X, k, conv = _lsqr(A, B, pre, X, tol, max_iter)
        n_iter += k
    if refined and kind == "numpy":
        X, k, ext_ok = _extended_refinement(A, B, pre, X)
        n_iter += k
        conv = conv or (k > 0 and ext_ok)
    return (X[:, 0] if b.ndim == 1 else X), n_iter, conv


def _extended_refinement(A, B, pre, X, max_steps=4):
    """Refine columns whose κ²-term would exceed LAPACK's u·κ.

    In working precision the iteration's forward error is bounded by
    u·(κ + κ²‖r‖/(‖A‖‖x‖)) — LAPACK's *bound*, but Householder QR does
    better in practice on large-residual, ill-conditioned problems. For
    such columns (κ‖r‖/(‖A‖‖x‖) > 1, with κ and ‖A‖ read off the refined
    R, for which A P R⁻¹ is orthonormal) a few more steps use the gradient
    Aᵀ(b − A x) evaluated in double-double (:mod:`._accurate`), which
    removes the κ² term. Dense A only.
    """
    from .._kernels import accurate_gradient

    kappa = _kappa(pre.R)
    normA = _norm2(pre.R)
    steps, ok = 0, True
    eps = np.finfo(A.dtype).eps
    for j in range(B.shape[1]):
        x = X[:, j]
        rn = np.linalg.norm(B[:, j] - A @ x)
        xn = np.linalg.norm(x)
        if not (np.isfinite(kappa) and kappa * rn > normA * xn):
            continue
        prev, done = np.inf, False
        for _ in range(max_steps):
            g, rn = accurate_gradient(A, x, B[:, j])
            dy = pre.rsolve(g.astype(A.dtype))
            x = x + pre.solve(dy)
            steps += 1
            size = np.linalg.norm(dy)
            scale = normA * np.linalg.norm(x) + rn
            if size <= 4 * eps * scale or size > 0.5 * prev:
                done = size <= 1e3 * eps * scale
                break
            prev = size
        ok &= done
        X[:, j] = x
    return X, steps, bool(ok)
