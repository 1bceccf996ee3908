"""Overdetermined least squares with sketches: precondition, or sketch-and-solve.

``lstsq(A, b, method="precondition")`` reaches the accuracy of LAPACK's
``gelsd`` in a few passes over A; ``method="sketch"`` (and
:func:`sketch_and_solve`) returns the cheaper sketch-and-solve solution,
which with a dense sketch carries a coordinate-wise (ℓ∞) error bound.

References
----------
.. [RT08] V. Rokhlin, M. Tygert, "A fast randomized algorithm for
   overdetermined linear least-squares regression", PNAS 105 (2008).
.. [AMT10] H. Avron, P. Maymounkov, S. Toledo, "Blendenpik: supercharging
   LAPACK's least-squares solver", SIAM J. Sci. Comput. 32 (2010).
.. [MNTW23] M. Meier, Y. Nakatsukasa, A. Townsend, M. Webb, "Are sketch-and-
   precondition least squares solvers numerically stable?", SIMAX (2024).
.. [EMN24] E. N. Epperly, M. Meier, Y. Nakatsukasa, "Fast randomized
   least-squares solvers can be just as accurate and stable as classical
   direct solvers", arXiv 2406.03468 (2024).
.. [PSW17] E. Price, Z. Song, D. P. Woodruff, "Fast regression with an ℓ∞
   guarantee", ICALP 2017.
.. [SYYZ23] Z. Song, M. Ye, J. Yin, L. Zhang, "A nearly-optimal bound for
   fast regression with ℓ∞ guarantee", ICML 2023.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, materialize, to_numpy
from .._validation import (
    check_array,
    check_bool,
    check_consistent_length,
    check_int,
    check_option,
    check_rng,
    check_scalar,
    raise_if_not_finite,
)

__all__ = ["LstsqResult", "lstsq", "sketch_and_solve", "RankDeficiencyWarning"]

_METHODS = ("precondition", "sketch", "exact")
_SKETCHES = ("gaussian", "srht", "countsketch", "sparse_sign")
# rows of A handled at once when forming (A R⁻¹)ᵀ(A R⁻¹): keeps the block in L2/L3
_BLOCK_BYTES = 4 << 20


class RankDeficiencyWarning(UserWarning):
    """A was found (numerically) rank deficient; a fallback solver was used."""


@dataclass
class LstsqResult:
    """The result of :func:`lstsq`.

    Attributes
    ----------
    x : ndarray, shape (d,) or (d, k)
        The solution.
    residual_norm : float or ndarray of shape (k,)
        ``‖A x − b‖₂`` (per column of b).
    n_iter : int
        Iterations of the iterative solver (the largest over columns of b);
        0 for the direct methods.
    converged : bool
        Whether the iterative solver met its tolerance for every column
        (always True for the direct methods).
    sketch_size : int
        Rows of the sketch (0 when none was used).
    method : str
        The method that produced ``x`` (``"exact"`` after a fallback).
    rank : int
        The numerical rank of A as seen by the solver.
    """

    x: np.ndarray
    residual_norm: object
    n_iter: int
    converged: bool
    sketch_size: int
    method: str
    rank: int


# ----------------------------------------------------------------- checks
def _check_problem(A, b, name_a="A", name_b="b"):
    """Validate (A, b): A (n, d) dense or scipy.sparse in any supported
    namespace, b (n,) or (n, k) in the same namespace, cast to A's dtype."""
    A = check_array(A, name_a, accept_sparse=("csr", "csc"), ndim=2, ensure_finite="defer")
    kind = array_kind(A)
    if kind not in ("numpy", "sparse", "dask", "cupy", "array_api_strict"):
        raise TypeError(f"{name_a}: lstsq supports numpy, scipy.sparse, dask, cupy and "
                        f"array_api_strict input, got {type(A).__name__}")
    b = check_array(b, name_b, ndim=(1, 2), ensure_finite=kind != "dask")
    check_consistent_length((name_a, A), (name_b, b))
    if any(s == 0 for s in b.shape):
        raise ValueError(f"{name_b} must be non-empty, got shape {tuple(b.shape)}")
    if kind in ("numpy", "sparse"):
        b = np.asarray(b, dtype=A.dtype)
    else:
        b = get_namespace(b).astype(b, A.dtype)
    return A, b, kind


def _default_size(d, n, factor):
    return int(min(n, max(factor * d, d + 10)))


def _sketch(kind, m, n, rng):
    from ..sketch import make_sketch

    if kind not in _SKETCHES:
        raise ValueError(f"sketch must be one of {_SKETCHES}, got {kind!r}")
    return make_sketch(kind, m, n, rng=rng)


# ------------------------------------------------------------ building blocks
def _colnorms(X):
    """Column 2-norms of X (n, k) or the norm of a vector, as host floats."""
    xp = get_namespace(X)
    return to_numpy(xp.linalg.vector_norm(X, axis=0))


def _residual_norm(A, x, b):
    r = _colnorms(b - A @ x)
    return r if r.ndim == 1 else float(r)


def _sketch_qr(S, A, b):
    """Column-pivoted QR of the sketch SA and the sketched right-hand side.

    Returns Q (m, d), R (d, d) upper triangular, piv (d,), Sb and the rank
    read off R's diagonal with the tolerance max(m, d)·eps·|R₁₁| (as
    numpy.linalg.matrix_rank does for singular values).
    """
    import scipy.linalg as sla

    # the sketch is small (m × d): it is factored on the host, in every namespace
    SA = to_numpy(S @ A)
    if not np.isfinite(SA).all():
        if array_kind(A) != "numpy":
            raise FloatingPointError("overflow in S @ A, or NaN/inf in A; check and rescale A")
        raise_if_not_finite(SA, A, "A")
    Sb = to_numpy(S @ b)
    Q, R, piv = sla.qr(SA, mode="economic", pivoting=True, check_finite=False)
    diag = np.abs(np.diag(R))
    tol = max(SA.shape) * np.finfo(R.dtype).eps * (diag[0] if diag.size else 0.0)
    rank = int(np.count_nonzero(diag > tol)) if diag.size and diag[0] > 0 else 0
    return Q, R, piv, Sb, rank


def _tri_solve(R, y, trans=0):
    import scipy.linalg as sla

    return sla.solve_triangular(R, y, trans=trans, lower=False, check_finite=False)


class _Preconditioned:
    """x = P R⁻¹ y: the column permutation P from pivoted QR and upper R.

    R and P are small host arrays; ``solve`` and ``rsolve`` take and return
    small (d, k) arrays of any namespace (moved to the host for the
    triangular solve and back)."""

    def __init__(self, R, piv):
        self.R = R
        self.piv = piv
        self.d = R.shape[0]

    def solve(self, y):  # x = P R⁻¹ y
        z = _tri_solve(self.R, to_numpy(y))
        x = np.empty_like(z)
        x[self.piv] = z
        return from_numpy(x, y)

    def rsolve(self, x):  # y = R⁻ᵀ Pᵀ x
        return from_numpy(_tri_solve(self.R, to_numpy(x)[self.piv], trans=1), x)


def _norm2(R, n_iter=20):
    """‖R‖₂ by a few power iterations on RᵀR (O(n_iter·d²)); with the refined
    R, for which A P R⁻¹ is orthonormal, this is ‖A‖₂."""
    v = np.ones(R.shape[1], dtype=np.float64) / np.sqrt(R.shape[1])
    s = 0.0
    for _ in range(n_iter):
        w = R.T @ (R @ v)
        s = np.linalg.norm(w)
        if s == 0:
            return 0.0
        v = w / s
    return float(np.sqrt(s))


def _kappa(R):
    """LAPACK's 1-norm condition estimate of upper-triangular R (O(d²))."""
    from scipy.linalg import lapack

    (trcon,) = lapack.get_lapack_funcs(("trcon",), (R,))
    rc, _ = trcon(R, norm="1", uplo="U", diag="N")
    return np.inf if rc <= 0 else 1.0 / rc


def _refine_preconditioner(A, pre, rcond_gram):
    """Replace R by R₂R, where R₂ is the Cholesky factor of (A P R⁻¹)ᵀ(A P R⁻¹).

    After this A P (R₂R)⁻¹ has orthonormal columns up to rounding, so LSQR
    converges in a handful of iterations whatever the sketch's distortion.
    Two ways to form the d×d Gram matrix, chosen by the condition number
    κ of R (≈ κ(A) up to the sketch's distortion):

    * ``Aᵀ A`` by one SYRK (n d² flops), then R⁻ᵀ(AᵀA)R⁻¹; the rounding
      error of the Gram matrix is ~ u κ², so this is used when u κ² ≤
      ``rcond_gram``;
    * otherwise ``Y = A P R⁻¹`` block by block (GEMM with R⁻¹, n d² flops)
      and ``YᵀY`` (SYRK, n d² flops): error ~ u κ.

    Returns the refined preconditioner, or None when the Cholesky
    factorization fails (the unrefined one is then used).
    """
    import scipy.linalg as sla

    # NumPy's matmul for the big products: it recognizes ``X.T @ X`` as a
    # SYRK, and mixing it with SciPy's own BLAS would make two OpenBLAS
    # thread pools spin against each other.
    R, piv = pre.R, pre.piv
    d = R.shape[0]
    dtype = R.dtype
    kappa = _kappa(R)
    eps = np.finfo(dtype).eps
    Rinv = _tri_solve(R, np.eye(d, dtype=dtype))  # d³/3 flops, small
    if eps * kappa * kappa <= rcond_gram:
        AtA = _kernels.gram(A).astype(dtype, copy=False)[np.ix_(piv, piv)]
        G = Rinv.T @ AtA @ Rinv
    else:
        if array_kind(A) == "sparse":
            return None  # n d² dense work does not pay for sparse A
        RinvP = np.zeros_like(Rinv)
        RinvP[piv] = Rinv  # A P R⁻¹ = A (P R⁻¹): scatter rows of R⁻¹
        G = _kernels.gram_of_product(A, RinvP, _BLOCK_BYTES).astype(dtype, copy=False)
    G = 0.5 * (G + G.T)
    try:
        R2 = sla.cholesky(G, lower=False, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not np.isfinite(R2).all():
        return None
    return _Preconditioned(np.triu(R2 @ R).astype(dtype, copy=False), piv)


def _richardson(A, B, pre, X, tol, max_iter):
    """Preconditioned iterative refinement, all columns of B at once.

    X ← X + P R⁻¹ R⁻ᵀ Pᵀ Aᵀ (B − A X): iterative sketching (Epperly 2023)
    with the refined R, for which A P R⁻¹ is orthonormal to working
    precision, so each step contracts the error by ~u·κ and 2–4 steps
    reach the limiting accuracy. Each step is one pass of A·X and one of
    Aᵀ·R (GEMM-shaped when B has several columns). Stops when the
    preconditioned gradient ‖dY‖ = ‖(A P R⁻¹)ᵀ r‖ ≤ tol·(‖A‖‖x‖ + ‖r‖)
    column-wise (a normwise backward error of order tol), or when it
    stops shrinking (rounding level), or after max_iter steps.

    Returns X, the steps taken, whether it converged, and whether it
    contracted at all (if not, the caller switches to LSQR).
    """
    prev = None
    k = 0
    normA = _norm2(pre.R)
    while k < max_iter:
        Rres = B - A @ X
        dY = pre.rsolve(A.T @ Rres)
        k += 1
        size = _colnorms(dY)
        scale = normA * _colnorms(X) + _colnorms(Rres)
        X = materialize(X + pre.solve(dY))
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


def _iterate(A, b, pre, x0, tol, max_iter, refined):
    """Drive the refinement (refined R) or LSQR (plain sketch R) from x0."""
    kind = array_kind(A)
    B = b[:, None] if b.ndim == 1 else b
    X = x0[:, None] if x0.ndim == 1 else x0
    X = np.array(X, dtype=A.dtype) if kind in ("numpy", "sparse") else from_numpy(to_numpy(X), A)
    n_iter, conv, contracted = 0, False, False
    if refined:
        X, n_iter, conv, contracted = _richardson(A, B, pre, X, tol, max_iter)
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
    from ._accurate import accurate_gradient

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


def _exact(A, b):
    """Minimum-norm least squares: LAPACK gelsd (dense NumPy), LSMR (sparse),
    or QR plus the SVD of R (other namespaces; dask: TSQR, one pass)."""
    kind = array_kind(A)
    if kind not in ("numpy", "sparse"):
        return _exact_array_api(A, b)
    if kind == "sparse":
        from scipy.sparse.linalg import lsmr

        cols = b[:, None] if b.ndim == 1 else b
        X = np.empty((A.shape[1], cols.shape[1]), dtype=A.dtype)
        n_iter, conv = 0, True
        tol = 10 * np.finfo(A.dtype).eps
        for j in range(cols.shape[1]):
            out = lsmr(A, cols[:, j], atol=tol, btol=tol, maxiter=10 * A.shape[1])
            X[:, j] = out[0]
            n_iter = max(n_iter, int(out[2]))
            conv &= out[1] in (1, 2, 4, 5)
        x = X[:, 0] if b.ndim == 1 else X
        return x, n_iter, bool(conv), None
    import scipy.linalg as sla

    if not np.isfinite(A).all():
        raise ValueError("A must not contain NaN or inf")
    # singular values below max(n, d)·eps·σ₁ count as zero (numpy.linalg.lstsq's rcond)
    x, _, rank, _ = sla.lstsq(A, b, cond=max(A.shape) * np.finfo(A.dtype).eps,
                              lapack_driver="gelsd", check_finite=False)
    return x, 0, True, int(rank)


def _exact_array_api(A, b):
    """min-norm x from A = Q R, R = W Σ Vᵀ: x = V Σ⁺ Wᵀ Qᵀ b (rank cut at
    max(n, d)·eps·σ₁, as gelsd)."""
    xp = get_namespace(A)
    if array_kind(A) == "dask":
        A = A.rechunk({1: -1})
    Q, R = xp.linalg.qr(A)
    Qtb = to_numpy(xp.matrix_transpose(Q) @ b)
    W, sv, Vt = np.linalg.svd(to_numpy(R))
    rank = int(np.count_nonzero(sv > max(A.shape) * np.finfo(sv.dtype).eps * sv[0])) \
        if sv[0] > 0 else 0
    Wt_Qtb = W[:, :rank].T @ Qtb
    coef = Wt_Qtb / (sv[:rank, None] if Wt_Qtb.ndim == 2 else sv[:rank])
    x = Vt[:rank].T @ coef
    return from_numpy(x, A), 0, True, rank


# --------------------------------------------------------------------- API
def lstsq(A, b, method="precondition", sketch="sparse_sign", sketch_size=None,
          tol=None, max_iter=None, rng=None, refine=True):
    """Solve min ‖A x − b‖₂ for tall A with a sketch.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        float32 or float64 (integers become float64). Sparse A is never
        densified: it is only multiplied with vectors and sketched.
    b : ndarray, shape (n,) or (n, k)
    method : {"precondition", "sketch", "exact"}
        ``"precondition"`` (default): sketch-and-precondition, LAPACK
        accuracy. ``"sketch"``: sketch-and-solve (see
        :func:`sketch_and_solve`). ``"exact"``: LAPACK ``gelsd`` for dense
        A, LSMR for sparse A (minimum-norm solution).
    sketch : {"sparse_sign", "srht", "gaussian", "countsketch"}
        The sketch used to build the preconditioner (or the solution, for
        ``method="sketch"``).
    sketch_size : int, optional
        Rows of the sketch, in [d, n]. Default: 4·d for ``"precondition"``
        (the distortion √(d/m) ≈ 1/2 gives LSQR a condition number ≈ 3 even
        before refinement), 8·d for ``"sketch"``. When the default would be
        ≥ n the sketch saves nothing and the exact solver is used.
    tol : float, optional
        LSQR's ``atol`` and ``btol``; default 10·eps of the dtype.
    max_iter : int, optional
        LSQR iteration limit per column; default 100 (the refined
        preconditioner needs 2–5).
    rng : None, int, Generator or SeedSequence
    refine : bool, default True
        Whether to refine the sketch preconditioner R to the Cholesky
        factor of (A R⁻¹)ᵀ(A R⁻¹) (see Notes). For sparse A the refinement
        is made only when AᵀA is accurate enough (u·κ² ≤ 1e-4), since the
        other route would cost O(n d²) dense work.

    Returns
    -------
    LstsqResult
        ``x``, ``residual_norm``, ``n_iter``, ``converged``,
        ``sketch_size``, ``method``, ``rank``.

    Raises
    ------
    ValueError
        NaN or inf in A or b, mismatched lengths, empty input, sketch_size
        out of range, unknown method or sketch.

    Warns
    -----
    RankDeficiencyWarning
        A is numerically rank deficient (the pivoted QR of the sketch has a
        diagonal entry below max(m, d)·eps·|R₁₁|); the minimum-norm solution
        of ``method="exact"`` is returned instead.

    Notes
    -----
    ``"precondition"`` follows Rokhlin–Tygert [RT08]_ and Blendenpik
    [AMT10]_: with S the sketch, SA P = QR (column-pivoted QR, which also
    reveals the rank), the initial guess is the sketch-and-solve solution
    x₀ = P R⁻¹ Qᵀ S b (initializing at x₀, not 0, is what makes the method
    forward stable [MNTW23]_), and LSQR runs on the preconditioned operator
    A P R⁻¹. One extra step makes it fast on a 2-core laptop: R is refined
    by a Cholesky factor of the d×d Gram matrix of A P R⁻¹ (formed in
    n d² to 2 n d² flops of BLAS-3, depending on κ(A)), which makes the
    preconditioned operator orthonormal to working precision; LSQR then
    stops after 2–5 iterations (4–10 passes over A) instead of ~50. The
    refinement is a randomized Cholesky-QR (Fan–Guo–Lin 2021, Balabanov
    2022) used as a preconditioner, so its rounding errors only slow LSQR,
    never bias x.

    Cost for dense A: one sketch (O(s n d) for sparse sign), the QR of an
    (m, d) matrix (O(m d²)), the refinement (O(n d²), BLAS-3) and
    2·n_iter passes of O(n d). Memory: O(m d + block·d) beyond A and b.

    The forward error matches LAPACK's (``gelsd``) for condition numbers up
    to ~1e10 in float64 (see the tests).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((20000, 50)); x = rng.standard_normal(50)
    >>> res = sketchla.lstsq(A, A @ x, rng=0)
    >>> bool(np.allclose(res.x, x)), res.converged
    (True, True)
    """
    check_option(method, "method", _METHODS)
    check_option(sketch, "sketch", _SKETCHES)
    refine = check_bool(refine, "refine")
    A, b, kind = _check_problem(A, b)
    n, d = A.shape
    factor = 8 if method == "sketch" else (2 if refine and kind != "sparse" else 4)
    if sketch_size is not None:
        sketch_size = check_int(sketch_size, "sketch_size", minimum=d,
                                maximum=n, maximum_label=f"n_samples = {n}")
    m = sketch_size if sketch_size is not None else _default_size(d, n, factor)
    eps = float(get_namespace(b).finfo(b.dtype).eps)
    tol = 10 * eps if tol is None else check_scalar(tol, "tol", minimum=0, include_minimum=False)
    max_iter = 100 if max_iter is None else check_int(max_iter, "max_iter", minimum=1)
    g = check_rng(rng)

    if method == "exact" or (sketch_size is None and m >= n):
        x, n_iter, conv, rank = _exact(A, b)
        rank = min(n, d) if rank is None else rank
        return LstsqResult(x, _residual_norm(A, x, b), n_iter, conv, 0, "exact", rank)

    S = _sketch(sketch, m, n, g)
    Q, R, piv, Sb, rank = _sketch_qr(S, A, b)
    if rank < d and method == "sketch":
        import scipy.linalg as sla

        warnings.warn(
            f"the sketch S A has rank {rank} < {d} columns (A is rank deficient, or "
            "the sketch too small or too sparse for it); returning the minimum-norm "
            "solution of the sketched problem",
            RankDeficiencyWarning, stacklevel=2,
        )
        x = sla.lstsq(Q @ R, Sb, cond=max(Q.shape) * np.finfo(R.dtype).eps,
                      check_finite=False)[0]
        x0 = np.empty_like(x)
        x0[piv] = x
        x0 = from_numpy(x0, b)
        return LstsqResult(x0, _residual_norm(A, x0, b), 0, True, m, "sketch", rank)
    if rank < d:
        warnings.warn(
            f"A is numerically rank deficient (rank {rank} < {d} columns); "
            "returning the minimum-norm solution of method='exact'",
            RankDeficiencyWarning, stacklevel=2,
        )
        x, n_iter, conv, _ = _exact(A, b)
        return LstsqResult(x, _residual_norm(A, x, b), n_iter, conv, m, "exact", rank)
    pre = _Preconditioned(R, piv)
    x0 = from_numpy(pre.solve(Q.T @ Sb), b)
    if method == "sketch":
        return LstsqResult(x0, _residual_norm(A, x0, b), 0, True, m, "sketch", rank)

    refined = False
    if refine:
        better = _refine_preconditioner(A, pre, rcond_gram=1e-4)
        if better is not None:
            pre, refined = better, True
    x, n_iter, conv = _iterate(A, b, pre, x0, tol, max_iter, refined)
    return LstsqResult(x, _residual_norm(A, x, b), n_iter, conv, m, "precondition", rank)


def sketch_and_solve(A, b, sketch="srht", sketch_size=None, rng=None):
    """The sketch-and-solve solution x′ = argmin ‖S(A x − b)‖₂.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
    b : ndarray, shape (n,) or (n, k)
    sketch : {"srht", "gaussian", "sparse_sign", "countsketch"}
        Default ``"srht"``: a dense sketch, for the ℓ∞ guarantee below.
    sketch_size : int, optional
        Rows m of the sketch, d ≤ m ≤ n. Default 8·d (capped at n).
    rng : None, int, Generator or SeedSequence

    Returns
    -------
    x : ndarray, shape (d,) or (d, k)

    Notes
    -----
    With m = O(d/ε²) rows of any subspace embedding, ‖A x′ − b‖ ≤ (1 + ε)
    ‖A x* − b‖. A dense sketch gives more, coordinate by coordinate:

    .. math:: |x'_i - x^*_i| \\le \\frac{ε}{\\sqrt d}\\,‖A x^* - b‖_2\\,‖A^†‖_2
       \\quad\\text{for all } i

    **What the code relies on.** For a Gaussian sketch this is rigorous
    with m = 2 d log(2d/δ)/ε² (probability 1 − δ): r* = b − A x* is
    orthogonal to range(A), so S r* is independent of SA and
    x′ − x* = (SA)⁺ S r* is, given SA, a Gaussian vector whose i-th entry
    has standard deviation ≤ ‖r*‖‖(SA)⁺‖/√m ≈ ‖r*‖‖A†‖/√m (Price, Song and
    Woodruff [PSW17]_). For SRHT, Song, Ye, Yin and Zhang [SYYZ23]_ claim
    the same bound with m = O(ε⁻² d log²(n/δ)); a 2026 manuscript disputes
    a step of that proof, so for SRHT we claim only what the tests measure:
    the ℓ∞ error behaves like the Gaussian's and falls like 1/√m (see
    tests/linalg/test_lstsq.py). Sparse sketches (CountSketch, sparse sign)
    carry no such guarantee: a residual concentrated on a few rows that
    collide with a row of A moves a coordinate of x′ by up to ‖r*‖ (the
    Price–Song–Woodruff lower bound), which the tests reproduce.

    Cost: the sketch (O(n d log n) for SRHT) plus O(m d²) for the QR.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((4096, 20)); b = rng.standard_normal(4096)
    >>> x = sketchla.sketch_and_solve(A, b, rng=0)
    >>> x.shape
    (20,)
    """
    res = lstsq(A, b, method="sketch", sketch=sketch, sketch_size=sketch_size, rng=rng)
    return res.x

