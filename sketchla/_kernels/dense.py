"""Dense kernels: the Walsh-Hadamard transform, row and column selection, and
small dense linear algebra. Fast paths on NumPy (native C, SciPy's LAPACK:
pivoted QR, triangular solves); the array-API standard everywhere else
(CuPy, dask, array-api-strict)."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, device, get_namespace, is_numpy_namespace, namespace_name, to_numpy
from . import cuda
from ._native import host_only, native
from .blocked import _blocked_gram, tall_matmul
from .work import advance


def fwht(x, *, overwrite=False, xp=None):
    """Unnormalized Walsh-Hadamard transform along axis 0 (length a power of 2).

    NumPy input is transformed in place when ``overwrite`` and it is C- or
    F-contiguous float32/float64; otherwise a transformed copy is returned.
    CuPy float32/float64 input runs the numba.cuda kernel (in place when
    ``overwrite`` and C-contiguous).
    """
    xp = get_namespace(x) if xp is None else xp
    name = namespace_name(xp)
    if name == "numpy":
        x = np.asarray(x)
        if not overwrite or not (x.flags.c_contiguous or x.flags.f_contiguous):
            x = np.array(x, order="F" if x.flags.f_contiguous and x.ndim == 2 else "C")
        native().fwht(x)
        return x
    if name == "cupy" and x.dtype.name in ("float32", "float64") and cuda.available():
        return cuda.kernels().fwht(x, xp=cuda.cupy_module(), overwrite=overwrite)
    return _fwht_generic(x, xp)


def _fwht_generic(x, xp):
    n = x.shape[0]
    if n & (n - 1):
        raise ValueError(f"x.shape[0] must be a power of two, got {n}")
    squeeze = x.ndim == 1
    k = 1 if squeeze else x.shape[1]
    y = xp.reshape(x, (n, k))
    h = 1
    while h < n:
        y = xp.reshape(y, (n // (2 * h), 2, h, k))
        a = y[:, 0, :, :]
        b = y[:, 1, :, :]
        y = xp.stack([a + b, a - b], axis=1)
        h *= 2
    y = xp.reshape(y, (n,) if squeeze else (n, k))
    return y


def signed_pad(A, d, n_pad, *, xp=None):
    """The (n_pad, k) array [diag(d) A; 0] (a fresh, writable array)."""
    xp = get_namespace(A) if xp is None else xp
    n = A.shape[0]
    if is_numpy_namespace(xp):
        A = np.asarray(A)
        order = "F" if (A.ndim == 2 and A.flags.f_contiguous and not A.flags.c_contiguous) else "C"
        Y = np.empty((n_pad,) + A.shape[1:], dtype=A.dtype, order=order)
        dd = d.astype(A.dtype, copy=False)
        np.multiply(A, dd[:, None] if A.ndim == 2 else dd, out=Y[:n])
        Y[n:] = 0
        return Y
    dd = xp.asarray(d, dtype=A.dtype, device=device(A))
    top = A * (dd[:, None] if A.ndim == 2 else dd)
    if n_pad == n:
        return top
    pad = xp.zeros((n_pad - n,) + tuple(A.shape[1:]), dtype=A.dtype, device=device(A))
    return xp.concat([top, pad], axis=0)


def take_rows(Y, idx, *, xp=None):
    """Y[idx] for a host integer index array."""
    xp = get_namespace(Y) if xp is None else xp
    if is_numpy_namespace(xp):
        return np.asarray(Y)[idx]
    return xp.take(Y, xp.asarray(idx, device=device(Y)), axis=0)


def put_rows(Y, idx, n_rows, *, xp=None):
    """Z of shape (n_rows, k), zero except Z[idx] = Y (idx distinct)."""
    xp = get_namespace(Y) if xp is None else xp
    name = namespace_name(xp)
    if name in ("numpy", "cupy"):
        mod = np if name == "numpy" else __import__("cupy")
        Z = mod.zeros((n_rows,) + tuple(Y.shape[1:]), dtype=Y.dtype)
        Z[mod.asarray(idx)] = Y
        return Z
    E = np.zeros((n_rows, len(idx)))
    E[idx, np.arange(len(idx))] = 1.0
    return xp.asarray(E, dtype=Y.dtype, device=device(Y)) @ Y


def take_cols(Y, idx, *, xp=None):
    """Y[:, idx] for a host integer index array."""
    xp = get_namespace(Y) if xp is None else xp
    if is_numpy_namespace(xp):
        return np.asarray(Y)[:, idx]
    return xp.take(Y, xp.asarray(idx, device=device(Y)), axis=1)


def row_sq_norms(Y, *, xp=None):
    """‖Y_i‖² for every row i."""
    xp = get_namespace(Y) if xp is None else xp
    if is_numpy_namespace(xp):
        Y = np.asarray(Y)
        return np.einsum("ij,ij->i", Y, Y)
    return xp.sum(Y * Y, axis=1)


def qr_basis(A, *, xp=None):
    """(Q, r): Q (n, r) orthonormal with range(Q) = range(A) numerically.

    NumPy: column-pivoted Householder QR, rank from |R_ii| >
    max(n, d)·eps·|R₁₁|. Other namespaces: unpivoted QR (dask: TSQR, one
    pass) and the SVD of the small R, rank from its singular values with
    the same tolerance.
    """
    xp = get_namespace(A) if xp is None else xp
    n, d = A.shape
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        A = np.asarray(A)
        eps = np.finfo(np.float64).eps
        Q, R, _ = sla.qr(A.astype(np.float64, copy=False), mode="economic", pivoting=True,
                         check_finite=False)
        advance(4.0 * n * d * d)
        diag = np.abs(np.diag(R))
        r = int(np.count_nonzero(diag > max(n, d) * eps * diag[0])) if diag[0] > 0 else 0
        return Q[:, :r], r
    if namespace_name(xp) == "dask":
        A = A.rechunk({1: -1})
    eps = float(xp.finfo(A.dtype).eps)
    Q, R = xp.linalg.qr(A)
    W, s, _ = xp.linalg.svd(R, full_matrices=False)
    s = to_numpy(s)
    r = int(np.count_nonzero(s > max(n, d) * eps * s[0])) if s[0] > 0 else 0
    return Q @ W[:, :r], r


def _cholesky_qr2(Y, out=None):
    """Q of Y by Cholesky-QR twice (BLAS-3: a blocked SYRK, a Cholesky of the
    small Gram matrix and one blocked GEMM with R⁻¹; the second into ``out``
    when given), or None
    when Y is too ill-conditioned for it (κ(Y) above ~1e6: the first
    Cholesky fails or its R is that ill-conditioned). Twice makes Q
    orthonormal to working precision (Yamamoto et al. 2015).

    The small factorizations use NumPy's LAPACK, like the GEMMs: SciPy's
    OpenBLAS is a second library whose threads, woken by a call, spin for a
    while afterwards, and the GEMM that followed a SciPy Cholesky ran 2–8×
    slower (1e5 × 30, two cores)."""
    Q = Y
    for step in range(2):
        G = _blocked_gram(Q)
        try:
            L = np.linalg.cholesky(0.5 * (G + G.T))
        except np.linalg.LinAlgError:
            return None
        if step == 0:
            d = np.abs(np.diag(L))
            if not np.isfinite(d).all() or d.min() <= 1e-6 * d.max():
                return None
        # Q R⁻¹ (R = Lᵀ) as one GEMM with the small explicit inverse (κ ≤ 1e6 here)
        Q = tall_matmul(Q, np.linalg.inv(L).T, out=out if step == 1 else None)
    return Q


def orthonormalize(Y, *, out=None, xp=None):
    """Q with orthonormal columns spanning range(Y), for tall Y (n, k).

    NumPy: Cholesky-QR2 (BLAS-3, several times faster than Householder QR on
    a tall, skinny block, whose panels are memory-bound) when Y is well
    conditioned, else unpivoted Householder QR (LAPACK geqrf); dask: TSQR,
    one pass; other namespaces: their QR. ``out`` (NumPy, (n, k) float64,
    may be a strided view but not overlap Y) receives Q."""
    xp = get_namespace(Y) if xp is None else xp
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        Y = np.asarray(Y)
        if Y.shape[0] >= 4 * Y.shape[1] and Y.dtype == np.float64:
            Q = _cholesky_qr2(Y, out)
            if Q is not None:  # C-ordered: tall_matmul's result, or out
                return Q
        Q = sla.qr(Y, mode="economic", overwrite_a=out is None, check_finite=False)[0]
        advance(4.0 * Y.shape[0] * Y.shape[1] ** 2)
        if out is None:
            return Q
        out[...] = Q
        return out
    if namespace_name(xp) == "dask":
        Y = Y.rechunk({1: -1})
    return xp.linalg.qr(Y)[0]


def solve_triangular(R, B, *, trans=False, xp=None):
    """R⁻¹ B (or R⁻ᵀ B with ``trans``) for upper-triangular R (small, d × d)."""
    xp = get_namespace(R) if xp is None else xp
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        return sla.solve_triangular(R, B, trans=1 if trans else 0, check_finite=False)
    M = xp.matrix_transpose(R) if trans else R
    return xp.linalg.solve(M, B)


def qr(A, *, xp=None):
    """(Q, R, piv) with A[:, piv] = Q R (economic). NumPy: column-pivoted
    (rank-revealing); other namespaces: unpivoted, ``piv = arange(d)``."""
    xp = get_namespace(A) if xp is None else xp
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        return sla.qr(np.asarray(A), mode="economic", pivoting=True, check_finite=False)
    Q, R = xp.linalg.qr(A)
    return Q, R, np.arange(A.shape[1])


def cholesky(G, *, xp=None):
    """Lower Cholesky factor L of a small SPD matrix, G = L Lᵀ.

    dask: ``dask.array.linalg.cholesky(lower=True)`` directly, since
    array-api-compat's dask wrapper returns the upper factor.
    """
    xp = get_namespace(G) if xp is None else xp
    if namespace_name(xp) == "dask":
        import dask.array as da

        return da.linalg.cholesky(G, lower=True)
    return xp.linalg.cholesky(G)


def batched_solve(G, B, *, xp=None):
    """Solve G[i] X[i] = B[i] for a stack of small systems (G: (b, k, k), B: (b, k, r)).

    dask: one ``numpy.linalg.solve`` per chunk of the batch axis (dask's
    own ``solve`` takes a single 2-D system)."""
    xp = get_namespace(G) if xp is None else xp
    if namespace_name(xp) == "dask":
        G = G.rechunk({1: -1, 2: -1})
        B = B.rechunk({0: G.chunks[0], 1: -1, 2: -1})
        return G.map_blocks(np.linalg.solve, B, dtype=B.dtype)
    return xp.linalg.solve(G, B)


def row_access(A, *, scale=1.0, xp=None):
    """(squared row norms of A / scale as a host float64 vector, rows(idx) -> those
    rows of A on the host).

    For the samplers that read a matrix through its row norms and a few
    chosen rows (DPP chain rule, coordinated row sampling): one pass for
    the norms in A's namespace, then only the requested rows move to the
    host (dense NumPy, or CSR for scipy.sparse A). ``scale`` (for instance
    max|A|) keeps the squares from overflowing or underflowing."""

    kind = array_kind(A)
    if kind == "sparse":
        sq = (A.data.astype(np.float64) / scale) ** 2
        norms = np.zeros(A.shape[0])
        nz = np.diff(A.indptr) > 0
        if sq.size:
            norms[nz] = np.add.reduceat(sq, A.indptr[:-1][nz])
        return norms, lambda idx: A[idx]
    xp = get_namespace(A) if xp is None else xp
    norms = np.asarray(to_numpy(row_sq_norms(A if scale == 1.0 else A / scale, xp=xp)),
                       dtype=np.float64)
    if kind == "numpy":
        return norms, lambda idx: A[idx]
    return norms, lambda idx: to_numpy(take_rows(A, np.asarray(idx, dtype=np.int64), xp=xp))


def abs_max(A, *, xp=None):
    """max|A| as a host float (0.0 when A has no entries): the scale that the
    scale-aware algorithms divide by. scipy.sparse: over the stored values."""
    if array_kind(A) == "sparse":
        return float(np.max(np.abs(A.data))) if A.nnz else 0.0
    if any(s == 0 for s in A.shape):
        return 0.0
    if array_kind(A) == "numpy":  # two reductions, no |A| temporary
        return float(max(np.max(A), -np.min(A)))
    xp = get_namespace(A) if xp is None else xp
    return float(to_numpy(xp.max(xp.abs(A))))


def to_dense_host(B, *, xp=None):
    """A block of rows as a dense NumPy array (scipy.sparse densified: for
    blocks small by construction)."""
    host_only(xp, "to_dense_host")
    return B.toarray() if array_kind(B) == "sparse" else np.asarray(B)
