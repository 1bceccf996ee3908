"""Lewis weights of a tall matrix read by row blocks: the fixed-point
iteration with one pass over the blocks per iteration and memory of a few
n-vectors, for the samplers of the quantile and ℓp regressions."""

from __future__ import annotations

import numpy as np

from .._kernels.forks import checkpoint
from .. import _kernels
from ._lewis_fixed_point import _damped, _damping, _power, _wrap


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
        checkpoint()  # a fork waits here, not in the middle of the BLAS
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
