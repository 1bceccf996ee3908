"""Block Krylov iteration for the truncated SVD (Musco and Musco 2015): the
basis K = [Ω, (AᵀA)Ω, …] of the smaller side of A grown and orthonormalized
block by block, Rayleigh–Ritz on Kᵀ(AᵀA)K, and the automatic stop.

References
----------
.. [1] C. Musco, C. Musco, "Randomized block Krylov methods for stronger and
   faster approximate singular value decomposition", NeurIPS 2015."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import from_numpy, to_numpy
from .._validation import check_option, check_rng


_AUTO_TOL = 1e-4  # stop when the error improves by less than this, relatively


_GEOMETRIC = 0.5  # the extrapolated stop needs improvements shrinking at least this fast


_AUTO_MAX = 10


def _test_sketch(sketch, size, n, rng):
    """The sketch S (size, n) whose transpose is the test matrix Ω."""
    from ..sketch import SKETCH_KINDS, make_sketch

    return make_sketch(check_option(sketch, "sketch", SKETCH_KINDS), size, n,
                       rng=check_rng(rng))


def _block_krylov(op, rank, size, n_iter, sketch, rng, verbose=False):
    """Rank-``rank`` SVD (U, s, Vt) by block Krylov iteration on the smaller
    side of A (m = min(n, d); module docstring). All m-sized linear algebra
    is host float64; only the products with A run in A's namespace and
    precision."""
    n, d = op.shape
    m = min(n, d)
    auto = n_iter == "auto"
    if auto and op.fro is None:
        auto, n_iter = False, 4
    limit = _AUTO_MAX if auto else n_iter
    # the basis K (m, L), grown block by block in one C-ordered buffer: each
    # block is orthonormalized straight into its slot, and the leading
    # columns are a BLAS operand with a leading dimension. The products
    # with K are blocked (_kernels.tall_matmul): no multithreaded BLAS call
    # is left spinning into the sparse products that follow
    K = np.empty((m, min(m, size * (limit + 1))))
    gram = _GramProducts(op, size, keep_images=op.dense_host and 4 * K.shape[1] <= m)
    S = _test_sketch(sketch, size, m, rng)
    B = _orth(np.ascontiguousarray(S.toarray().T), K[:, :size])
    L, theta, G = _grow(K, B, gram, rank, limit, auto, verbose)
    return _rayleigh_ritz(gram, K[:, :L], theta, G[:, :rank], rank)


def _orth(B, out):
    """B orthonormalized into ``out`` (a slot of K)."""
    return _kernels.orthonormalize(np.asarray(B, dtype=np.float64), out=out, xp=np)


class _GramProducts:
    """(cA)ᵀ(cA) B, or (cA)(cA)ᵀ B when A is wide, on the host, c = 1/‖A‖_F:
    (cA)ᵀ(cA) cannot overflow or underflow for any scale of A (its
    eigenvalues are σ²/‖A‖_F² ≤ 1).

    Sparse A: the intermediate (cA) B and the result of every block in two
    reused buffers, so the products fault no fresh pages. Dense NumPy A
    (``keep_images``): the images (cA) K are kept, so that (cA) V needs no
    last pass over A."""

    def __init__(self, op, size, keep_images):
        n, d = op.shape
        self.op, self.flip = op, n < d
        self.fwd, self.back = (op.rmatmat, op.matmat) if self.flip else (op.matmat, op.rmatmat)
        self.c = 1.0 / op.fro if op.fro else 1.0
        self.sparse = op.reuses_buffers
        self.work = np.empty(max(n, d) * size, dtype=op.dtype) if self.sparse else None
        self.back_work = np.empty(min(n, d) * size, dtype=op.dtype) if self.sparse else None
        self.images = [] if keep_images else None

    def __call__(self, B):
        Y = self.fwd(self.op.host(B * self.c), self.work)
        if self.images is not None:
            self.images.append(Y)
        W = to_numpy(self.back(Y, self.back_work))
        if self.sparse and W.dtype == np.float64:  # the buffer: scaled in place
            W *= self.c
            return W
        return W.astype(np.float64, copy=False) * self.c

    def image(self, V, G, scale):
        """(cA) V diag(scale)⁻¹ for V = K G: from the kept images, else one
        more product (sparse A: into the work buffer, whose pages are
        already faulted in, then cut to the result's size in place)."""
        if self.images is not None:  # (cA) V = Σ_i (cA) K_i G_i
            AV, row = 0, 0
            for Y in self.images:
                Gi = G[row : row + Y.shape[1]] / scale
                AV = AV + Y @ Gi.astype(Y.dtype, copy=False)
                row += Y.shape[1]
            self.images.clear()
            return AV
        if not self.sparse:
            return self.fwd(self.op.host(V * (self.c / scale)))
        AV = self.fwd(self.op.host(V * (self.c / scale)), self.work)
        if not np.shares_memory(AV, self.work):
            return AV
        shape = AV.shape
        del AV
        try:
            self.work.resize(shape[0] * shape[1], refcheck=True)
            return self.work.reshape(shape)
        except ValueError:  # the buffer is referenced elsewhere: copy the result out
            return self.work[: shape[0] * shape[1]].reshape(shape).copy()


def _grow(K, B, gram, rank, limit, auto, verbose):
    """Grow the basis K from its first block B until ``limit`` blocks, K is
    full, or (``auto``) the error stops improving. Returns (L, θ, G): the
    columns used and the eigenpairs of M = Kᵀ(cA)ᵀ(cA)K, descending."""
    from .._progress import Progress

    op, c = gram.op, gram.c
    L, M = 0, np.zeros((0, 0))
    errs, err = [], None
    with Progress(limit + 1, "block Krylov", verbose) as bar:
        for it in range(limit + 1):
            W = gram(B)
            b = B.shape[1]
            # M = Kᵀ (AᵀA) K, grown by the new block's row and column
            col = _kernels.tall_tmatmul(K[:, : L + b], W)
            M = np.block([[M, col[:L]], [col[:L].T, col[L:]]])
            M = 0.5 * (M + M.T)
            L += b
            theta, G = np.linalg.eigh(M)
            theta, G = theta[::-1], G[:, ::-1]
            if op.fro is not None:
                err = _kernels.projection_error(op.fro, np.sqrt(np.maximum(theta[:rank], 0.0)) / c)
                bar.update(it + 1, error=err / op.fro if op.fro else 0.0)
            else:
                bar.update(it + 1)
            room = K.shape[1] - L
            if it >= limit or room <= 0 or (auto and _converged(errs, err)):
                return L, theta, G
            errs.append(err)
            B = _next_block(K[:, :L], col, W, K[:, L : L + min(b, room)], room)
    return L, theta, G


def _next_block(Kl, col, W, out, room):
    """The next block: (AᵀA) times the newest one (W), orthogonalized against
    the basis Kl (the coefficients are the column of M just formed) and
    normalized into ``out``; projected and normalized again where it still
    leans on the basis by more than 1e-12 (cancellation, or a block of lower
    rank, orthonormalized from rounding errors)."""
    _kernels.tall_matmul(Kl, col, out=W, subtract=True)
    B = _orth(W[:, :room], out)
    C = _kernels.tall_tmatmul(Kl, B)
    if np.max(np.abs(C)) > 1e-12:
        _orth(_kernels.tall_matmul(Kl, C, out=B.copy(), subtract=True), B)
    return B


def _rayleigh_ritz(gram, K, theta, G, rank):
    """(U, s, Vt) from the Ritz pairs: V = K G spans the top Ritz vectors, and
    (cA V)ᵀ(cA V) = Gᵀ M G = diag(θ), so U = (cA) V diag(θ)^{-1/2}
    (orthonormal to about eps·θ_1/θ_k) when θ_k ≥ 1e-4·θ_1; below, the SVD
    of (cA) V from its QR."""
    c, op = gram.c, gram.op
    V = _kernels.tall_matmul(K, np.ascontiguousarray(G))
    sig = np.sqrt(np.maximum(theta[:rank], 0.0))
    ritz = bool(sig[-1] >= 1e-2 * sig[0] > 0)
    AV = gram.image(V, G, sig if ritz else 1.0)  # (cA) V diag(σ)⁻¹ directly when ritz
    if ritz:
        U, s = AV, sig / c
    else:
        U, s, Wt = _thin_svd(AV, op.xp)  # of (cA) V
        s = s / c
        V = V @ Wt.T
    if gram.flip:  # A ≈ V diag(s) Uᵀ
        return op.host(V), s, to_numpy(U).T
    return U, s, V.T


def _converged(errs, err):
    """Whether block Krylov stops at the error ``err`` after the errors
    ``errs``: when the last block improved it by less than _AUTO_TOL
    relatively, or when the next block's improvement, extrapolated from the
    last three (δ_next ≈ δ·ρ, ρ the larger of the last two ratios of
    improvements, where both are at most _GEOMETRIC), would be."""
    if not errs:
        return False
    delta = errs[-1] - err
    if delta <= _AUTO_TOL * err:
        return True
    if len(errs) >= 3:
        # trusted only where the convergence is visibly geometric (the last
        # two ratios of improvements at most _GEOMETRIC; the larger one
        # extrapolates): one large first gain (a dominant singular value)
        # followed by a flat spectrum's slow gains would stop prematurely
        d1, d2 = errs[-2] - errs[-1], errs[-3] - errs[-2]
        if d1 <= 0 or d2 <= 0:
            return False
        ratio = max(delta / d1, d1 / d2)
        return ratio <= _GEOMETRIC and delta * ratio <= _AUTO_TOL * err
    return False


def _thin_svd(Y, xp):
    """(U, s, Wt) with Y = U diag(s) Wt for tall Y (n, r) in namespace xp: U
    in xp, s and Wt on the host, from a QR of Y (U orthonormal to working
    precision however ill-conditioned Y is)."""
    Q = _kernels.orthonormalize(xp.asarray(Y, copy=True), xp=xp)
    R = to_numpy(xp.matrix_transpose(Q) @ Y).astype(np.float64, copy=False)
    Ur, s, Wt = np.linalg.svd(R)
    return Q @ from_numpy(Ur, Y), s, Wt
