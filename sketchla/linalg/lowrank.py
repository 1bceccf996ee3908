"""Randomized low-rank approximation: range finder, SVD and Nyström.

A sketch Ω (any of the four operators, applied as ``A Ω = (S Aᵀ)ᵀ``)
captures the dominant column space of A: Y = A Ω, Q = orth(Y). Power
iterations Q ← orth(A orth(Aᵀ Q)) sharpen it when the spectrum decays
slowly; re-orthonormalizing after every product keeps them stable in
floating point (Halko, Martinsson & Tropp 2011, Algorithm 4.4).

``randomized_svd`` uses block Krylov iteration by default (Musco & Musco
2015): on the smaller side of A (say d ≤ n) it keeps every block of
K = [Ω, (AᵀA)Ω, (AᵀA)²Ω, …], orthonormalized as it grows, and takes the
Ritz vectors of AᵀA in span(K) from the small matrix M = Kᵀ(AᵀA)K. The
power method keeps only the last block; with the same passes over A, the
Krylov space gives a polynomial filter of the spectrum that separates
close singular values much better (Chebyshev-like instead of monomial).

For Ritz vectors V, Â = A V Vᵀ is a projection of A, so the error of the
rank-k approximation is exact (not a bound):

    ‖A − Â‖_F² = ‖A‖_F² − Σ_{i ≤ k} σ_i²,

from the top k eigenvalues σ_i² of M (block Krylov) or singular values of
Aᵀ Q (power method). ``n_iter="auto"`` iterates until this error stops
improving by more than a relative 1e-4 (at most 10 blocks or iterations),
so a fast-decaying spectrum costs few passes over A and a flat one gets
the iterations it needs.

References
----------
.. [1] N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with
   randomness: probabilistic algorithms for constructing approximate matrix
   decompositions", SIAM Review 53 (2011).
.. [2] J. A. Tropp, A. Yurtsever, M. Udell, V. Cevher, "Fixed-rank
   approximation of a positive-semidefinite matrix from streaming data",
   NeurIPS 2017 (the stable Nyström approximation).
.. [3] P.-G. Martinsson, J. A. Tropp, "Randomized numerical linear algebra:
   foundations and algorithms", Acta Numerica 29 (2020).
.. [4] C. Musco, C. Musco, "Randomized block Krylov methods for stronger and
   faster approximate singular value decomposition", NeurIPS 2015.
"""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._validation import check_array, check_int, check_option, check_rng

__all__ = ["range_finder", "randomized_svd", "nystrom"]

_AUTO_TOL = 1e-4  # stop when the error improves by less than this, relatively
_GEOMETRIC = 0.5  # the extrapolated stop needs improvements shrinking at least this fast
_AUTO_MAX = 10


class _Operator:
    """A · X and Aᵀ · Y for dense, scipy.sparse, LinearOperator or any
    array-API operand A (n, d); X, Y are dense in A's namespace (host NumPy
    for a LinearOperator)."""

    def __init__(self, A, name="A"):
        kind = array_kind(A)
        if kind == "linear_operator":
            if len(A.shape) != 2 or min(A.shape) < 1:
                raise ValueError(f"{name} must be a 2-D operator with no empty dimension, "
                                 f"got shape {A.shape}")
            dt = np.dtype(A.dtype) if A.dtype is not None else np.dtype(np.float64)
            if dt.kind not in "fiub":
                raise TypeError(f"{name} must be a real operator, got dtype {dt}")
            self.A, self.xp, self.fro = A, np, None
            self.dtype = np.float32 if dt == np.float32 else np.float64
        else:
            A = check_array(A, name, accept_sparse=True, ndim=2)
            kind = array_kind(A)  # lists and other array-likes arrive as NumPy
            self.A, self.xp = A, get_namespace(A)
            # the NumPy dtype of the small host results
            self.dtype = np.float32 if A.dtype == self.xp.float32 else np.float64
            self.fro = _frobenius(A, kind, self.xp)
        self.kind = kind
        self.shape = tuple(A.shape)

    def host(self, X):
        """A small host array in A's namespace and precision."""
        if self.kind == "linear_operator":
            return np.asarray(X, dtype=self.dtype)
        return from_numpy(X, self.A)

    def matmat(self, X, work=None):
        """A X; ``work``, a flat host buffer, may hold the result (sparse A)."""
        if self.kind == "linear_operator":
            return self.A.matmat(X)
        if self.kind == "sparse":
            return _kernels.sparse_matmat(self.A, X, out=_view(work, self.shape[0], X))
        return self.A @ X

    def rmatmat(self, Y, work=None):
        """Aᵀ Y; ``work`` as for :meth:`matmat`."""
        if self.kind == "linear_operator":
            return self.A.rmatmat(Y)
        if self.kind == "sparse":
            return _kernels.sparse_matmat(self.A, Y, transpose=True,
                                          out=_view(work, self.shape[1], Y))
        return self.xp.matrix_transpose(self.A) @ Y

    def sketch(self, S):
        """A Ω for Ω = Sᵀ (d, size): structured S Aᵀ on NumPy and scipy.sparse,
        the explicit Ω elsewhere."""
        if self.kind == "numpy":  # the sketch's own fast application to Aᵀ
            Y = S @ self.A.T
            return np.ascontiguousarray(np.asarray(Y).T, dtype=self.dtype)
        # scipy.sparse: A Ω with the small explicit Ω is one CSR pass
        return self.matmat(self.host(np.ascontiguousarray(S.toarray().T)))


def _view(work, rows, X):
    """The leading rows·k entries of the flat buffer ``work`` as a C-ordered
    (rows, k) array for the product with X (n, k), or None."""
    if work is None or X.ndim != 2 or work.size < rows * X.shape[1]:
        return None
    return work[: rows * X.shape[1]].reshape(rows, X.shape[1])


def _frobenius(A, kind, xp):
    """‖A‖_F without overflow or a dense temporary (BLAS nrm2 on NumPy and
    scipy.sparse data; scaled by max|A| elsewhere)."""
    import scipy.linalg as sla

    if kind == "sparse":
        return float(sla.norm(A.data)) if A.nnz else 0.0
    if kind == "numpy":
        return float(sla.norm(np.ravel(A, order="K"), check_finite=False))
    s = _kernels.abs_max(A)
    if s == 0:
        return 0.0
    return s * float(to_numpy(xp.sqrt(xp.sum((A / s) ** 2))))


def _error(fro, s):
    """‖A − Â‖_F = ‖A‖_F (1 − Σ (s_i/‖A‖_F)²)^{1/2}, in units that cannot overflow."""
    if not fro:
        return 0.0
    return fro * float(np.sqrt(max(1.0 - np.sum((np.asarray(s) / fro) ** 2), 0.0)))


def _orth(Y, xp):
    """Q with orthonormal columns spanning range(Y) (unpivoted economic QR)."""
    return _kernels.orthonormalize(Y, xp=xp)


def _check_size(size, op, name):
    return check_int(size, name, minimum=1, maximum=min(op.shape),
                     maximum_label="min(A.shape)")


def _check_n_iter(n_iter):
    if isinstance(n_iter, str):
        return check_option(n_iter, "n_iter", ("auto",))
    return check_int(n_iter, "n_iter", minimum=0, maximum=1000)


def _test_sketch(sketch, size, n, rng):
    """The sketch S (size, n) whose transpose is the test matrix Ω."""
    from ..sketch import SKETCH_KINDS, make_sketch

    return make_sketch(check_option(sketch, "sketch", SKETCH_KINDS), size, n,
                       rng=check_rng(rng))


def _start(op, size, sketch, rng):
    return _orth(op.sketch(_test_sketch(sketch, size, op.shape[1], rng)), op.xp)


def _iterate(op, Q, n_iter, rank, verbose=False):
    """Power iterations from the basis Q. Returns (Q, Z = Aᵀ Q, error or None,
    n_iter done). With ``n_iter="auto"``, stops when the exact Frobenius
    error of the rank-``rank`` approximation improves by less than
    _AUTO_TOL relatively (a LinearOperator, whose ‖A‖_F is unknown, gets 4
    iterations)."""
    from .._progress import Progress

    xp = op.xp
    auto = n_iter == "auto"
    if auto and op.fro is None:
        auto, n_iter = False, 4
    limit = _AUTO_MAX if auto else n_iter
    prev, err, it = np.inf, None, 0
    with Progress(limit + 1, "range finder", verbose) as bar:
        while True:
            Z = op.rmatmat(Q)  # Zᵀ = QᵀA
            if op.fro is not None:
                # the singular values of the tall Z from its small Gram matrix
                # (error ~eps·‖Z‖², far below the error being estimated)
                Zh = to_numpy(Z).astype(np.float64, copy=False)
                mu = np.linalg.eigvalsh(_kernels.gram(Zh))[::-1]
                s = np.sqrt(np.maximum(mu, 0.0))
                err = _error(op.fro, s[:rank])
                bar.update(it + 1, error=err / op.fro if op.fro else 0.0)
            else:
                bar.update(it + 1)
            if it >= limit or (auto and err >= prev * (1.0 - _AUTO_TOL)):
                return Q, Z, err, it
            prev = err
            Q = _orth(op.matmat(_orth(Z, xp)), xp)
            it += 1


def _block_krylov(op, rank, size, n_iter, sketch, rng, verbose=False):
    """Rank-``rank`` SVD (U, s, Vt) by block Krylov iteration on the smaller
    side of A (m = min(n, d); module docstring). All m-sized linear algebra
    is host float64; only the products with A run in A's namespace and
    precision."""
    from .._progress import Progress

    n, d = op.shape
    flip = n < d  # iterate on Aᵀ A (m = d) or on A Aᵀ (m = n)
    fwd, back = (op.rmatmat, op.matmat) if flip else (op.matmat, op.rmatmat)
    m = min(n, d)
    auto = n_iter == "auto"
    if auto and op.fro is None:
        auto, n_iter = False, 4
    limit = _AUTO_MAX if auto else n_iter

    # products of c·A, c = 1/‖A‖_F: (cA)ᵀ(cA) cannot overflow or underflow
    # for any scale of A (its eigenvalues are σ²/‖A‖_F² ≤ 1)
    c = 1.0 / op.fro if op.fro else 1.0

    # sparse A: the intermediate (cA) B (n or d rows) and the result
    # (cA)ᵀ(cA) B (m rows) of every block in two reused buffers, so the
    # products fault no fresh pages; other operands allocate their own
    sparse = op.kind == "sparse"
    work = np.empty(max(n, d) * size, dtype=op.dtype) if sparse else None
    back_work = np.empty(m * size, dtype=op.dtype) if sparse else None

    def gram_times(B):  # (cA)ᵀ(cA) B, or (cA)(cA)ᵀ B, on the host
        Y = fwd(op.host(B * c), work)
        if images is not None:
            images.append(Y)
        W = to_numpy(back(Y, back_work))
        if sparse and W.dtype == np.float64:  # the buffer: scaled in place
            W *= c
            return W
        return W.astype(np.float64, copy=False) * c

    def orth(B, out):  # into a slot of K
        return _kernels.orthonormalize(np.asarray(B, dtype=np.float64), out=out, xp=np)

    S = _test_sketch(sketch, size, m, rng)
    # the basis K (m, L), grown block by block in one C-ordered buffer: each
    # block is orthonormalized straight into its slot, and the leading
    # columns are a BLAS operand with a leading dimension. The products
    # with K are blocked (_kernels.tall_matmul): no multithreaded BLAS call
    # is left spinning into the sparse products that follow
    K = np.empty((m, min(m, size * (limit + 1))))
    # dense NumPy A: keep the images (cA) K as well when they take at most a
    # quarter of A's memory, so that (cA) V needs no last pass over A
    images = [] if op.kind == "numpy" and 4 * K.shape[1] <= m else None
    B = orth(np.ascontiguousarray(S.toarray().T), K[:, :size])
    L = 0
    M = np.zeros((0, 0))
    errs, err = [], None
    with Progress(limit + 1, "block Krylov", verbose) as bar:
        for it in range(limit + 1):
            W = gram_times(B)
            b = B.shape[1]
            # M = Kᵀ (AᵀA) K, grown by the new block's row and column
            col = _kernels.tall_tmatmul(K[:, : L + b], W)
            M = np.block([[M, col[:L]], [col[:L].T, col[L:]]])
            M = 0.5 * (M + M.T)
            L += b
            theta, G = np.linalg.eigh(M)
            theta, G = theta[::-1], G[:, ::-1]
            if op.fro is not None:
                err = _error(op.fro, np.sqrt(np.maximum(theta[:rank], 0.0)) / c)
                bar.update(it + 1, error=err / op.fro if op.fro else 0.0)
            else:
                bar.update(it + 1)
            room = K.shape[1] - L
            if it >= limit or room <= 0 or (auto and _converged(errs, err)):
                break
            errs.append(err)
            # the next block: (AᵀA) times the newest one, orthogonalized
            # against the basis (the coefficients are the column of M just
            # formed) and normalized; projected and normalized again where
            # it still leans on the basis by more than 1e-12 (cancellation,
            # or a block of lower rank, orthonormalized from rounding errors)
            Kl = K[:, :L]
            _kernels.tall_matmul(Kl, col, out=W, subtract=True)
            B = orth(W[:, :room], K[:, L : L + min(b, room)])
            C = _kernels.tall_tmatmul(Kl, B)
            if np.max(np.abs(C)) > 1e-12:
                orth(_kernels.tall_matmul(Kl, C, out=B.copy(), subtract=True), B)
    # Rayleigh–Ritz: V = K G spans the top Ritz vectors, and (cA V)ᵀ(cA V) =
    # Gᵀ M G = diag(θ), so U = (cA) V diag(θ)^{-1/2} (orthonormal to about
    # eps·θ_1/θ_k) when θ_k ≥ 1e-4·θ_1; below, the SVD of (cA) V from its QR
    G = G[:, :rank]
    V = _kernels.tall_matmul(K[:, :L], np.ascontiguousarray(G))
    sig = np.sqrt(np.maximum(theta[:rank], 0.0))
    ritz = bool(sig[-1] >= 1e-2 * sig[0] > 0)
    scale = sig if ritz else 1.0  # the product gives (cA) V diag(σ)⁻¹ directly
    if images is not None:  # (cA) V = Σ_i (cA) K_i G_i
        AV, row = 0, 0
        for Y in images:
            Gi = G[row : row + Y.shape[1]] / scale
            AV = AV + Y @ Gi.astype(Y.dtype, copy=False)
            row += Y.shape[1]
        images.clear()
    elif sparse:
        # the last product into the work buffer, whose pages are already
        # faulted in (a fresh n × k result cost ~0.1 s more at 10^6 × 20),
        # then cut to the result's size in place
        AV = fwd(op.host(V * (c / scale)), work)
        if np.shares_memory(AV, work):
            shape = AV.shape
            del AV
            try:
                work.resize(shape[0] * shape[1], refcheck=True)
                AV = work.reshape(shape)
            except ValueError:  # the buffer is referenced elsewhere: copy the result out
                AV = work[: shape[0] * shape[1]].reshape(shape).copy()
    else:
        AV = fwd(op.host(V * (c / scale)))
    if ritz:
        U, s = AV, sig / c
    else:
        U, s, Wt = _thin_svd(AV, op.xp)  # of (cA) V
        s = s / c
        V = V @ Wt.T
    if flip:  # A ≈ V diag(s) Uᵀ
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
    Q = _orth(xp.asarray(Y, copy=True), xp)
    R = to_numpy(xp.matrix_transpose(Q) @ Y).astype(np.float64, copy=False)
    Ur, s, Wt = np.linalg.svd(R)
    return Q @ from_numpy(Ur, Y), s, Wt


def range_finder(A, size, n_iter=2, sketch="gaussian", rng=None):
    """An orthonormal basis Q (n, size) of the dominant column space of A.

    Parameters
    ----------
    A : array (n, d), scipy.sparse matrix or scipy.sparse.linalg.LinearOperator
        Dense (NumPy or any array-API namespace: dask, CuPy), sparse (never
        densified) or an operator with ``matmat`` and ``rmatmat``.
    size : int
        Columns of Q, 1 ≤ size ≤ min(n, d) (a target rank plus about 10).
    n_iter : int or "auto", default 2
        Power iterations, each one pass over A and one over Aᵀ; ``"auto"``
        iterates until the Frobenius error of the rank-``size``
        approximation stops improving (module docstring).
    sketch : {"gaussian", "srht", "countsketch", "sparse_sign"}, default "gaussian"
        The test matrix Ω = Sᵀ. Gaussian gives the sharpest bounds; the
        structured ones make the first pass cheaper (SRHT: O(n d log d);
        CountSketch and sparse sign: O(nnz(A))).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The random draws (NumPy's conventions).

    Returns
    -------
    Q : array (n, size), in A's namespace
        Orthonormal columns.

    Notes
    -----
    Guarantee (Gaussian Ω, size = k + p, p ≥ 2, Halko et al. 2011, Thm 10.5):
    E‖A − QQᵀA‖_F ≤ (1 + k/(p − 1))^{1/2} (Σ_{j>k} σ_j²)^{1/2} with no power
    iteration; q iterations replace σ_j by σ_j^{2q+1} in the bound's
    spectral form. Cost: (2·n_iter + 1) products of A or Aᵀ with size
    vectors, plus a QR of an n × size and a d × size matrix per iteration.

    References
    ----------
    .. [1] N. Halko, P.-G. Martinsson, J. A. Tropp, SIAM Review 53 (2011),
       Algorithm 4.4.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> A = g.standard_normal((500, 20)) @ g.standard_normal((20, 300))   # rank 20
    >>> Q = sketchla.range_finder(A, 25, rng=0)
    >>> bool(np.linalg.norm(A - Q @ (Q.T @ A)) < 1e-10 * np.linalg.norm(A))
    True
    """
    op = _Operator(A)
    size = _check_size(size, op, "size")
    n_iter = _check_n_iter(n_iter)
    Q = _start(op, size, sketch, rng)
    if n_iter == 0:
        return Q
    return _iterate(op, Q, n_iter, size)[0]


def randomized_svd(A, rank, n_oversamples=10, n_iter="auto", sketch="gaussian", rng=None, *,
                   method="krylov", return_error=False, verbose=False):
    """A rank-``rank`` truncated SVD of A by randomized block Krylov (or power)
    iteration.

    Parameters
    ----------
    A : array (n, d), scipy.sparse matrix or scipy.sparse.linalg.LinearOperator
        As for :func:`range_finder`.
    rank : int
        Singular triplets returned, 1 ≤ rank ≤ min(n, d).
    n_oversamples : int, default 10
        Extra columns of the sketch (size = min(rank + n_oversamples,
        min(n, d))). Ten makes the expected error within a few percent of
        the best rank-``rank`` error for a Gaussian test matrix (Halko et al.).
    n_iter : int or "auto", default "auto"
        Krylov blocks after the first (``method="krylov"``) or power
        iterations (``"power"``); each is one pass over A and one over Aᵀ.
        ``0`` is the basic randomized SVD (one pass for A Ω, one for QᵀA)
        with either method. ``"auto"`` stops when the exact Frobenius error
        of the rank-``rank`` approximation improves by less than a relative
        1e-4, or (Krylov) when the next block's improvement, extrapolated
        from the last three, would, provided each of the last two was at
        most half the one before (at most 10); it uses 4 for a
        LinearOperator, whose Frobenius norm is unknown.
    sketch : {"gaussian", "srht", "countsketch", "sparse_sign"}, default "gaussian"
        The test matrix (see :func:`range_finder`).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The random draws (NumPy's conventions).
    method : {"krylov", "power"}, keyword-only, default "krylov"
        Block Krylov iteration (module docstring; memory: a basis of
        min(n, d) × l·(q + 1) on the host, q the blocks done) or the power
        method with re-orthonormalization (memory: n × l and d × l).
    return_error : bool, keyword-only, default False
        Also return the relative error ‖A − U diag(s) Vt‖_F / ‖A‖_F, exact
        up to cancellation (it is accurate while it exceeds about 1e-7;
        None for a LinearOperator).
    verbose : bool or int, keyword-only, default False
        Show a progress bar over the passes.

    Returns
    -------
    U : array (n, rank), in A's namespace
    s : ndarray (rank,)
        Non-increasing singular values.
    Vt : ndarray (rank, d)
    error : float or None
        Only with ``return_error=True``.

    Notes
    -----
    Guarantee (block Krylov, Gaussian Ω with l ≥ rank, Musco & Musco 2015,
    Theorem 1): q = O(log(d)/√ε) blocks give ‖A − Â‖ ≤ (1 + ε)‖A − A_k‖ in
    the Frobenius and spectral norms, and every singular value to 1 ± ε;
    the power method needs O(log(d)/ε) iterations for the same. From two
    blocks on, Krylov is the more accurate of the two pass for pass (one
    block is a Rayleigh–Ritz on the random Ω alone, hence ``n_iter=0``
    runs the basic method).

    Cost, block Krylov: 2q + 3 passes over A (A K_i and Aᵀ(A K_i) for the
    q + 1 blocks, and A V for the triplets; 2q + 2 for dense NumPy A, whose
    images A K_i are kept when they take at most a quarter of A's memory),
    plus O(min(n, d)·L²) host work for the basis, L = l(q + 1). The left
    singular vectors come straight from the last product, U = A V diag(σ)⁻¹
    ((A V)ᵀ(A V) = diag(σ²) for Ritz vectors), when σ_k ≥ 1e-2·σ_1, and from
    a QR of A V below that. The small side is orthogonalized in
    float64 whatever A's precision; products with A run in A's namespace
    and precision (scipy.sparse: threaded native kernels). Power method:
    2q + 2 passes (A Ω, q times Aᵀ Q and A Z, and a last Aᵀ Q, which is
    B = QᵀA itself) and QRs of n × l and d × l matrices per iteration.
    scikit-learn's ``randomized_svd`` takes 7 power iterations for rank <
    0.1·min(n, d) and 4 otherwise (16 or 10 passes); ``"auto"`` here takes
    as many as the error needs. The products use c·A, c = 1/‖A‖_F, so
    AᵀA's entries cannot overflow or underflow at any scale of A.

    References
    ----------
    .. [1] N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with
       randomness", SIAM Review 53 (2011).
    .. [2] P.-G. Martinsson, J. A. Tropp, "Randomized numerical linear
       algebra: foundations and algorithms", Acta Numerica 29 (2020).
    .. [3] C. Musco, C. Musco, "Randomized block Krylov methods for stronger
       and faster approximate singular value decomposition", NeurIPS 2015.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> A = (g.standard_normal((2000, 300)) * 0.9 ** np.arange(300)) @ g.standard_normal((300, 300))
    >>> U, s, Vt, err = sketchla.randomized_svd(A, 20, rng=0, return_error=True)
    >>> s_all = np.linalg.svd(A, compute_uv=False)
    >>> best = np.sqrt(np.sum(s_all[20:] ** 2) / np.sum(s_all ** 2))   # the optimum
    >>> bool(np.allclose(s, s_all[:20], rtol=1e-5)), bool(err <= 1.001 * best)
    (True, True)
    """
    op = _Operator(A)
    rank = check_int(rank, "rank", minimum=1, maximum=min(op.shape),
                     maximum_label="min(A.shape)")
    n_oversamples = check_int(n_oversamples, "n_oversamples", minimum=0)
    n_iter = _check_n_iter(n_iter)
    method = check_option(method, "method", ("krylov", "power"))
    size = min(rank + n_oversamples, min(op.shape))
    if method == "krylov" and n_iter != 0:  # one block alone: the basic method
        U, s, Vt = _block_krylov(op, rank, size, n_iter, sketch, rng, verbose)
    else:
        U, s, Vt = _power_svd(op, rank, size, n_iter, sketch, rng, verbose)
    out = (U, s.astype(op.dtype, copy=False), Vt.astype(op.dtype, copy=False))
    if not return_error:
        return out
    # either way Â is a projection of A: its error follows from s exactly
    err = None
    if op.fro is not None:
        err = _error(op.fro, s) / op.fro if op.fro else 0.0
    return (*out, err)


def _power_svd(op, rank, size, n_iter, sketch, rng, verbose):
    """Rank-``rank`` SVD (U, s, Vt) from power iterations."""
    Q = _start(op, size, sketch, rng)
    Q, Z, _, _ = _iterate(op, Q, n_iter, rank, verbose)
    # Z = Aᵀ Q = Bᵀ: B = U_B Σ Vᵀ from the SVD of the small d × l Z
    W, s, Ut = np.linalg.svd(to_numpy(Z).astype(np.float64, copy=False), full_matrices=False)
    s, Vt = s[:rank], W[:, :rank].T
    U = Q @ op.host(np.ascontiguousarray(Ut[:rank].T))
    return U, s, Vt


def nystrom(A, rank, sketch="gaussian", rng=None, *, n_oversamples=10):
    """A rank-``rank`` Nyström approximation A ≈ U diag(lam) Uᵀ of a positive
    semidefinite A.

    Parameters
    ----------
    A : array (n, n), scipy.sparse matrix or scipy.sparse.linalg.LinearOperator
        Symmetric positive semidefinite (only A Ω is evaluated: one pass).
    rank : int
        1 ≤ rank ≤ n.
    sketch : {"gaussian", "srht", "countsketch", "sparse_sign"}, default "gaussian"
        The test matrix Ω (n, rank + n_oversamples).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The random draws (NumPy's conventions).
    n_oversamples : int, keyword-only, default 10
        Extra sketch columns; the approximation is truncated to ``rank``.

    Returns
    -------
    U : array (n, rank), in A's namespace
        Orthonormal columns.
    lam : ndarray (rank,)
        Non-negative, non-increasing eigenvalue estimates.

    Notes
    -----
    The numerically stable form (Tropp et al. 2017, Algorithm 3): with the
    shift ν = √n·eps·‖A Ω‖_F (eps of the working precision; Frangella, Tropp
    & Udell 2021), Y_ν = A Ω + ν Ω, C = chol(Ωᵀ Y_ν), the SVD of
    Y_ν C⁻ᵀ gives U and lam = max(σ² − ν, 0). For PSD A it never breaks
    down, and its error ‖A − Â‖ is within a constant of the best rank-k
    error (Gittens & Mahoney 2016). Cost: one pass over A (A Ω), a
    Cholesky of l × l and a QR/SVD of n × l, l = rank + n_oversamples.

    References
    ----------
    .. [1] J. A. Tropp, A. Yurtsever, M. Udell, V. Cevher, "Fixed-rank
       approximation of a positive-semidefinite matrix from streaming data",
       NeurIPS 2017.
    .. [2] A. Gittens, M. W. Mahoney, "Revisiting the Nyström method for
       improved large-scale machine learning", JMLR 17 (2016).
    .. [3] Z. Frangella, J. A. Tropp, M. Udell, "Randomized Nyström
       preconditioning", SIAM J. Matrix Anal. Appl. 44 (2023).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> X = np.random.default_rng(0).standard_normal((400, 30))
    >>> K = X @ X.T                                   # PSD, rank 30
    >>> U, lam = sketchla.nystrom(K, 30, rng=0)
    >>> bool(np.linalg.norm(K - (U * lam) @ U.T) < 1e-8 * np.linalg.norm(K))
    True
    """
    import scipy.linalg as sla

    op = _Operator(A)
    if op.shape[0] != op.shape[1]:
        raise ValueError(f"A must be square (positive semidefinite), got shape {op.shape}")
    rank = check_int(rank, "rank", minimum=1, maximum=op.shape[0], maximum_label="n")
    n_oversamples = check_int(n_oversamples, "n_oversamples", minimum=0)
    size = min(rank + n_oversamples, op.shape[0])
    S = _test_sketch(sketch, size, op.shape[0], rng)
    Omega = _orth(op.host(np.ascontiguousarray(S.toarray().T)), op.xp)
    xp = op.xp
    Y = op.matmat(Omega)
    # the shift √n·eps·‖Y‖ of the working precision (Frangella, Tropp & Udell)
    nu = float(np.sqrt(op.shape[0]) * np.finfo(op.dtype).eps) * _frobenius(Y, array_kind(Y), xp)
    Y = Y + nu * Omega
    G = to_numpy(xp.matrix_transpose(Omega) @ Y).astype(np.float64)
    G = 0.5 * (G + G.T)
    try:
        C = sla.cholesky(G, lower=False, check_finite=False)
    except np.linalg.LinAlgError:
        raise ValueError("A does not look positive semidefinite: Ωᵀ A Ω is not") from None
    # B = Y C⁻¹ (n × l): a triangular solve on the small C, applied in A's namespace
    Cinv = sla.solve_triangular(C, np.eye(C.shape[0]), check_finite=False)
    B = Y @ op.host(Cinv)
    Qb = _orth(B, xp)
    R = to_numpy(xp.matrix_transpose(Qb) @ B).astype(np.float64)
    Ub, sig, _ = np.linalg.svd(R)
    lam = np.maximum(sig[:rank] ** 2 - nu, 0.0)
    U = Qb @ op.host(np.ascontiguousarray(Ub[:, :rank]))
    return U, lam.astype(op.dtype, copy=False)
