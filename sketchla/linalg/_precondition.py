"""Sketch-and-precondition: the preconditioner of :func:`sketchla.lstsq`.

A column-pivoted QR of the sketch S A gives R (and the rank); R is then
refined to the Cholesky factor of the Gram matrix of A P R⁻¹ (randomized
Cholesky-QR), after which A P R⁻¹ is orthonormal to working precision.
"""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import array_kind, from_numpy, to_numpy, to_numpy_many
from .._validation import raise_if_not_finite

# rows of A handled at once when forming (A R⁻¹)ᵀ(A R⁻¹): keeps the block in L2/L3
_BLOCK_BYTES = 4 << 20


def _sketch_qr(S, A, b):
    """Column-pivoted QR of the sketch SA and the sketched right-hand side.

    Returns Q (m, d), R (d, d) upper triangular, piv (d,), Sb and the rank
    read off R's diagonal with the tolerance max(m, d)·eps·|R₁₁| (as
    numpy.linalg.matrix_rank does for singular values).
    """
    import scipy.linalg as sla

    # the sketch is small (m × d): it is factored on the host, in every namespace
    # (S A and S b in one graph: one pass over dask data)
    SA, Sb = to_numpy_many(S @ A, S @ b)
    if not np.isfinite(SA).all():
        if array_kind(A) != "numpy":
            raise ValueError("overflow in S @ A, or NaN/inf in A; check and rescale A")
        raise_if_not_finite(SA, A, "A")
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


def _refine_preconditioner(A, pre, rcond_gram, extra=()):
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

    ``extra`` are further reductions of A (arrays in its namespace) that
    are computed in the same pass as the Gram matrix.

    Returns the refined preconditioner, or None when the Cholesky
    factorization fails (the unrefined one is then used), and the host
    values of ``extra``.
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
        AtA, *extra = to_numpy_many(_kernels.gram(A, host=False), *extra)
        G = Rinv.T @ AtA.astype(dtype, copy=False)[np.ix_(piv, piv)] @ Rinv
    else:
        if array_kind(A) == "sparse":
            return None, to_numpy_many(*extra)  # n d² dense work does not pay for sparse A
        RinvP = np.zeros_like(Rinv)
        RinvP[piv] = Rinv  # A P R⁻¹ = A (P R⁻¹): scatter rows of R⁻¹
        G, *extra = to_numpy_many(
            _kernels.gram_of_product(A, RinvP, _BLOCK_BYTES, host=False), *extra)
        G = G.astype(dtype, copy=False)
    G = 0.5 * (G + G.T)
    try:
        R2 = sla.cholesky(G, lower=False, check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
        return None, tuple(extra)
    if not np.isfinite(R2).all():
        return None, tuple(extra)
    return _Preconditioned(np.triu(R2 @ R).astype(dtype, copy=False), piv), tuple(extra)
