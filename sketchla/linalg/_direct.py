"""Direct minimum-norm least squares: the fallback of :func:`sketchla.lstsq`
(``method="exact"``, rank deficiency, sketches no smaller than A)."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._kernels.work import advance
from .._validation import check_finite


def _exact(A, b):
    """Minimum-norm least squares: LAPACK gelsd (dense NumPy), LSMR (sparse),
    or QR plus the SVD of R (other namespaces; dask: TSQR, one pass)."""
    kind = array_kind(A)
    if kind not in ("numpy", "sparse"):
        return _exact_array_api(A, b)
    if kind == "sparse":
        from scipy.sparse.linalg import lsmr

        from .. import _kernels

        # LSMR's stopping tests (its condition estimate against conlim) are not
        # scale-invariant: it runs on A / max|A| and b / max|b|
        s_a, s_b = _kernels.abs_max(A) or 1.0, _kernels.abs_max(b) or 1.0
        A = A * (1.0 / s_a)
        cols = (b[:, None] if b.ndim == 1 else b) * (1.0 / s_b)
        X = np.empty((A.shape[1], cols.shape[1]), dtype=A.dtype)
        n_iter, conv = 0, True
        tol = 10 * np.finfo(A.dtype).eps
        for j in range(cols.shape[1]):
            out = lsmr(A, cols[:, j], atol=tol, btol=tol, maxiter=10 * A.shape[1])
            X[:, j] = out[0] * (s_b / s_a)
            n_iter = max(n_iter, int(out[2]))
            advance(4.0 * A.nnz * int(out[2]))
            conv &= out[1] in (1, 2, 4, 5)
        x = X[:, 0] if b.ndim == 1 else X
        return x, n_iter, bool(conv), None
    import scipy.linalg as sla

    from .._validation import check_memory

    # gelsd works on a copy of A and b (a strided or broadcast view included)
    check_memory(A.dtype.itemsize * (A.shape[0] + b.size // A.shape[0]) * max(A.shape[1], 1),
                 "A", f"the direct solve's copy of the {A.shape[0]} × {A.shape[1]} A")
    check_finite(A, "A")
    # singular values below max(n, d)·eps·σ₁ count as zero (numpy.linalg.lstsq's rcond)
    x, _, rank, _ = sla.lstsq(A, b, cond=max(A.shape) * np.finfo(A.dtype).eps,
                              lapack_driver="gelsd", check_finite=False)
    advance(4.0 * A.shape[0] * A.shape[1] ** 2)
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
