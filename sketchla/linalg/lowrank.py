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

import warnings

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._stack import find_stack_level
from .._validation._deprecate import DEPRECATED, renamed
from .. import _kernels
from .._backend import to_numpy
from .._validation import check_int, check_option
from ._svd_result import SVDResult
from ._block_krylov import _test_sketch, _block_krylov
from ._power_method import _orth, _start, _iterate, _power_svd

__all__ = ["range_finder", "randomized_svd", "nystrom"]


def _check_size(size, op, name):
    return check_int(size, name, minimum=1, maximum=min(op.shape),
                     maximum_label="min(A.shape)")


def _check_n_iter(n_iter):
    if isinstance(n_iter, str):
        return check_option(n_iter, "n_iter", ("auto",))
    return check_int(n_iter, "n_iter", minimum=0, maximum=1000)


@fork_safe
@reports_progress("range_finder", _costs.range_finder)
def range_finder(A, sketch_size=None, n_iter=2, sketch="gaussian", rng=None, *, size=DEPRECATED):
    """An orthonormal basis Q (n, sketch_size) of the dominant column space of A.

    Parameters
    ----------
    A : array (n, d), scipy.sparse matrix or scipy.sparse.linalg.LinearOperator
        Dense (NumPy or any array-API namespace: dask, CuPy), sparse (never
        densified) or an operator with ``matmat`` and ``rmatmat``.
    sketch_size : int
        Columns of Q, 1 ≤ sketch_size ≤ min(n, d) (a target rank plus about
        10; ``size=`` is its deprecated spelling, scikit-learn's name in
        ``randomized_range_finder``).
    n_iter : int or "auto", default 2
        Power iterations, each one pass over A and one over Aᵀ; ``"auto"``
        iterates until the Frobenius error of the rank-``sketch_size``
        approximation stops improving (module docstring).
    sketch : {"gaussian", "srht", "countsketch", "sparse_sign"}, default "gaussian"
        The test matrix Ω = Sᵀ. Gaussian gives the sharpest bounds; the
        structured ones make the first pass cheaper (SRHT: O(n d log d);
        CountSketch and sparse sign: O(nnz(A))).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The random draws (NumPy's conventions).
    size : optional
        Deprecated spelling of ``sketch_size``, accepted with a ``FutureWarning``
        for one release.

    Returns
    -------
    Q : array (n, sketch_size), in A's namespace
        Orthonormal columns.

    Notes
    -----
    Guarantee (Gaussian Ω, sketch_size = k + p, p ≥ 2, Halko et al. 2011, Thm 10.5):
    E‖A − QQᵀA‖_F ≤ (1 + k/(p − 1))^{1/2} (Σ_{j>k} σ_j²)^{1/2} with no power
    iteration; q iterations replace σ_j by σ_j^{2q+1} in the bound's
    spectral form. Cost: (2·n_iter + 1) products of A or Aᵀ with
    sketch_size vectors, plus a QR of an n × sketch_size and a d × sketch_size
    matrix per iteration.

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
    sketch_size = renamed("size", size, "sketch_size", sketch_size, None)
    op = _kernels.Operator(A)
    size = _check_size(sketch_size, op, "sketch_size")
    n_iter = _check_n_iter(n_iter)
    Q = _start(op, size, sketch, rng)
    if n_iter == 0:
        return Q
    return _iterate(op, Q, n_iter, size)[0]


@fork_safe
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
        Deprecated: the result carries the error as ``res.error``;
        ``True`` returns the tuple ``(U, s, Vt, error)`` with a
        ``FutureWarning``, for one more release.
    verbose : bool or int, keyword-only, default False
        Show a progress bar over the passes.

    Returns
    -------
    SVDResult
        Unpacks as ``U, s, Vt`` (U (n, rank) in A's namespace, s
        non-increasing, Vt (rank, d)); ``.error`` is the relative error
        ‖A − U diag(s) Vt‖_F / ‖A‖_F (None for a LinearOperator).

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
    >>> res = sketchla.randomized_svd(A, 20, rng=0)
    >>> U, s, Vt = res
    >>> err = res.error
    >>> s_all = np.linalg.svd(A, compute_uv=False)
    >>> best = np.sqrt(np.sum(s_all[20:] ** 2) / np.sum(s_all ** 2))   # the optimum
    >>> bool(np.allclose(s, s_all[:20], rtol=1e-5)), bool(err <= 1.001 * best)
    (True, True)
    """
    op = _kernels.Operator(A)
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
    # either way Â is a projection of A: its error follows from s exactly
    err = None
    if op.fro is not None:
        err = _kernels.projection_error(op.fro, s) / op.fro if op.fro else 0.0
    s = _kernels.ldexp(s.astype(op.dtype, copy=False), op.exp)  # op holds 2^-exp·A
    res = SVDResult(U, s, Vt.astype(op.dtype, copy=False), err)
    if return_error:
        warnings.warn("return_error= is deprecated and will be removed in the next release: "
                      "the result carries the error as .error", FutureWarning, stacklevel=find_stack_level())
        return (*res, err)
    return res


@fork_safe
@reports_progress("nystrom", _costs.nystrom)
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

    op = _kernels.Operator(A)
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
    nu = float(np.sqrt(op.shape[0]) * np.finfo(op.dtype).eps) * _kernels.frobenius_norm(Y, xp=xp)
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
    return U, _kernels.ldexp(lam.astype(op.dtype, copy=False), op.exp)
