"""Statistical leverage scores: exact (thin QR) and fast approximate (DMMW 2012).

The leverage score of row i of A (n × d, rank r) is
τ_i = a_iᵀ (AᵀA)⁺ a_i = ‖U_i‖², U an orthonormal basis of range(A);
Σ τ_i = r.

References
----------
P. Drineas, M. Magdon-Ismail, M. W. Mahoney, D. P. Woodruff, "Fast
approximation of matrix coherence and statistical leverage", JMLR 13 (2012).
"""

from __future__ import annotations

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import advance, nnz, reports_progress
from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._validation import check_data, check_int, check_option, check_rng

#: the smallest default sketch of method="approx" (see leverage_scores)
_MIN_SKETCH = 1000

__all__ = ["leverage_scores", "orthonormal_basis"]

def orthonormal_basis(A):
    """(U, rank): U (n, r) orthonormal with range(U) = range(A) (numerically).

    Dense A: a rank-revealing QR (:func:`sketchla._kernels.qr_basis`:
    column-pivoted on NumPy, QR plus the SVD of R elsewhere), rank from
    max(n, d)·eps relative to the largest pivot. Sparse A: eigendecomposition
    of the Gram matrix AᵀA (native kernel, O(Σ nnz(a_i)²)), rank from
    eigenvalues above max(n, d)·eps·λ_max (accurate while κ(A)² ≪ 1/eps);
    U = A V Λ^{-1/2} is formed densely (n × r). :func:`leverage_scores`
    does not form it for sparse A.
    """
    if array_kind(A) == "sparse":
        A, W = _sparse_whitener(A)
        return np.asarray(A @ W), W.shape[1]
    return _kernels.qr_basis(A)


def _sparse_whitener(A):
    """(A / max|A|, W) for sparse A with W (d, r) such that (A / max|A|) W is an
    orthonormal basis of range(A): W = V Λ^{-1/2} from the eigendecomposition
    of the Gram matrix (native kernel, O(Σ nnz(a_i)²), d × d memory); rank from
    eigenvalues above max(n, d)·eps·λ_max. The scaling keeps the Gram matrix
    clear of underflow and overflow; the basis does not depend on it."""
    n, d = A.shape
    eps = np.finfo(np.float64).eps
    scale = _kernels.abs_max(A)
    if scale > 0:
        A = A * (1.0 / scale)
    lam, V = np.linalg.eigh(_kernels.sparse_gram(A))
    keep = lam > max(n, d) * eps * max(lam.max(), 0)
    return A, V[:, keep] / np.sqrt(lam[keep])


#: rows per block when the leverage scores of sparse A are read off A W
_SPARSE_BLOCK = 4096


@fork_safe
@reports_progress("leverage_scores", _costs.leverage_scores)
def leverage_scores(A, method="exact", rng=None, sketch_size=None, n_components=None):
    """Leverage scores τ_i = a_iᵀ(AᵀA)⁺a_i of the rows of A.

    Parameters
    ----------
    A : array of shape (n, d)
        NumPy, scipy.sparse (never densified by ``"approx"``), dask, CuPy or
        array-api-strict; the result is in the same namespace.
    method : {"exact", "approx"}
        ``"exact"``: row norms of an orthonormal basis (pivoted QR; handles
        rank deficiency; O(n d²)). ``"approx"``: Drineas–Magdon-Ismail–
        Mahoney–Woodruff: R from a QR of the sketch S A (sparse sign, m rows),
        then τ̃_i = ‖a_iᵀ R⁻¹ G‖² with G a d × k Gaussian JL matrix; O(nnz(A)·(8
        + k) + m d²), and sparse A is never densified.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    sketch_size : int, optional
        m for ``"approx"``; default max(20·d, 1000) (distortion ≈ √(d/m) of
        the sketch, which dominates the error; see Notes). The sketch's
        QR costs m·d², nothing beside the O(nnz) pass for small d, so the
        floor of 1000 rows buys accuracy for free; a problem of at most m
        rows is computed exactly (nothing to gain from sketching it).
    n_components : int, optional
        k, the JL dimension for ``"approx"``; default 256 (relative error
        of each norm ≈ √(2/k) ≈ 0.09 in standard deviation).

    Returns
    -------
    ndarray, shape (n,)
        Non-negative; the exact scores sum to rank(A).

    Notes
    -----
    With a sketch of distortion ε, (1+ε)⁻² τ_i ≤ ‖a_iᵀR⁻¹‖² ≤ (1−ε)⁻² τ_i
    (DMMW 2012, Lemma 4); the JL step adds a relative error of order
    √(2/k). Measured at the defaults (``tests/real/test_promises.py``):
    exact scores on designs of at most 1000 rows (scikit-learn's and
    statsmodels' bundled sets); a median relative error of 0.03–0.05 over
    10 seeds on 10^5-row Gaussian and Student-t(2) designs, and at most
    0.1 on any of them.
    For ``"approx"``, A is assumed to have full column rank (a rank-
    deficient sketch is detected and the exact method is used instead).

    References
    ----------
    .. [1] P. Drineas, M. Magdon-Ismail, M. W. Mahoney, D. P. Woodruff, "Fast
       approximation of matrix coherence and statistical leverage", JMLR 13
       (2012).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((1000, 5))
    >>> round(float(sketchla.leverage_scores(A).sum()), 10)
    5.0
    """
    check_option(method, "method", ("exact", "approx"))
    A = check_data(A)
    n, d = A.shape
    xp = get_namespace(A)
    if method == "exact":
        if array_kind(A) == "sparse":
            # ‖a_iᵀW‖² block by block: memory O(nnz + d² + block·r), never n × r
            A, W = _sparse_whitener(A)
            tau = np.empty(n)
            for lo in range(0, n, _SPARSE_BLOCK):
                tau[lo:lo + _SPARSE_BLOCK] = _kernels.row_sq_norms(
                    np.asarray(A[lo:lo + _SPARSE_BLOCK] @ W), xp=np)
            return tau
        U, _ = orthonormal_basis(A)
        return _kernels.row_sq_norms(U, xp=xp)
    from ..sketch import make_sketch

    m = max(20 * d, _MIN_SKETCH) if sketch_size is None else check_int(
        sketch_size, "sketch_size", minimum=d)
    k = 256 if n_components is None else check_int(n_components, "n_components", minimum=1)
    if m >= n:
        # nothing to gain: the sketch would not be smaller than A
        return leverage_scores(A, "exact")
    g = check_rng(rng)
    S = make_sketch("sparse_sign", m, n, rng=g)
    SA = S @ A
    Q, R, piv = _kernels.qr(SA, xp=xp)
    diag = np.abs(np.diag(to_numpy(R)))
    if diag.max() == 0 or diag.min() <= max(m, d) * np.finfo(diag.dtype).eps * diag.max():
        return leverage_scores(A, "exact")  # rank-deficient: no R⁻¹
    G = np.eye(d) if k >= d else g.standard_normal((d, k)) / np.sqrt(k)
    T = _kernels.solve_triangular(R, from_numpy(G, R), xp=xp)
    T = _kernels.take_rows(T, np.argsort(piv), xp=xp)  # undo the column pivoting
    tau = _kernels.row_sq_norms(A @ T, xp=xp)
    advance(2.0 * nnz(A) * T.shape[1])
    return tau.astype(np.float64) if array_kind(tau) == "numpy" else tau
