"""scipy.sparse kernels: products, Gram matrices, row selection and scaling."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, get_namespace
from . import cuda
from ._native import host_only, native


def sparse_matmat(A, X, *, transpose=False, out=None, xp=None):
    """A @ X, or Aᵀ @ X with ``transpose``, for scipy.sparse A and dense host X.

    CSR and CSC float32/float64 A: a native kernel on the stored arrays (a
    CSC matrix's arrays are the CSR arrays of its transpose, so neither is
    converted), threaded: A X row-parallel, Aᵀ Y with one accumulator per
    thread; the rows of X (or of the accumulator) are prefetched ahead of
    their random accesses. Several times faster than scipy's
    single-threaded product on blocks of tens of columns. Other formats and dtypes: scipy's product. X is cast to
    A's dtype; the result is a C-ordered NumPy array.
    ``out`` (optional, 2-D X only): a C-contiguous array of the result's
    shape and A's dtype to write into (a buffer reused across calls spares
    the page faults of a fresh large result). Other formats and dtypes
    ignore it. A CuPy CSR or CSC matrix (with a CuPy X) runs the numba.cuda
    kernels on its device; the result is a CuPy array.
    """
    if array_kind(A) == "cupy_sparse" and A.format in ("csr", "csc") and cuda.available():
        return _device_matmat(A, X, transpose)
    host_only(xp, "sparse_matmat")
    fmt = A.format
    if fmt not in ("csr", "csc") or A.dtype not in (np.float32, np.float64):
        if A.dtype in (np.float32, np.float64):
            X = np.asarray(X, dtype=A.dtype)
        return np.ascontiguousarray((A.T if transpose else A) @ X)
    vector = np.ndim(X) == 1
    X = np.ascontiguousarray(np.reshape(X, (X.shape[0], -1)) if vector else X, dtype=A.dtype)
    rows, cols = A.shape if fmt == "csr" else A.shape[::-1]  # the stored CSR arrays' shape
    trans = transpose != (fmt == "csc")
    shape = (cols if trans else rows, X.shape[1])
    if out is None or vector:
        out = np.empty(shape, dtype=A.dtype)
    elif out.shape != shape:
        raise ValueError(f"out must have shape {shape}, got {out.shape}")
    native().csr_matmat(A.indptr, A.indices, A.data, cols, X, out, trans)
    return out[:, 0] if vector else out


def _device_matmat(A, X, transpose):
    """A @ X or Aᵀ @ X for a CuPy CSR/CSC matrix: the stored arrays are the
    CSR arrays of A (CSR) or of Aᵀ (CSC)."""
    cupy = cuda.cupy_module()
    drivers = cuda.kernels()
    X = cupy.asarray(X, dtype=A.dtype)
    shape = A.shape if A.format == "csr" else A.shape[::-1]
    trans = transpose != (A.format == "csc")
    run = drivers.csr_rmatmat if trans else drivers.csr_matmat
    return run(A.indptr, A.indices, A.data, shape, X, xp=cupy)


def range_positions(ptr, which, *, xp=None):
    """The positions ptr[w], …, ptr[w + 1] − 1 of every w in ``which``,
    concatenated in that order (the stored entries of rows ``which`` of a
    CSR matrix with index pointer ``ptr``), as int64."""
    host_only(xp, "range_positions")
    lo = np.asarray(ptr[which], dtype=np.int64)
    lens = np.asarray(ptr[np.asarray(which) + 1], dtype=np.int64) - lo
    total = int(lens.sum())
    if not total:
        return np.zeros(0, np.int64)
    return np.repeat(lo - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) + np.arange(total)


def sparse_gram(A, *, xp=None):
    """AᵀA as a dense (d, d) float64 array, for scipy.sparse A (n, d).

    NumPy/CSR: a native kernel that accumulates the outer products of the
    rows into one dense d×d buffer per thread — O(Σᵢ nnz(aᵢ)²/2) work and
    O(threads·d²) memory, several times faster than scipy's sparse product,
    which builds a sparse result. Falls back to scipy when d > 2048.
    """
    host_only(xp, "sparse_gram")
    d = A.shape[1]
    if d > 2048:
        return np.asarray((A.T @ A).toarray(), dtype=np.float64)
    A = A.tocsr()
    data = A.data if A.data.dtype in (np.float32, np.float64) else A.data.astype(np.float64)
    out = np.empty((d, d))
    native().sparse_gram(A.indptr, A.indices, data, d, out)
    return out


def scale_rows(A, s, *, xp=None):
    """diag(s) A for dense or scipy.sparse A (sparse stays sparse)."""

    if array_kind(A) == "sparse":
        import scipy.sparse as sp

        return sp.diags(np.asarray(s)) @ A
    return A * s[:, None]


def hstack(blocks, *, xp=None):
    """Blocks side by side: scipy.sparse (CSR) if any is sparse, else the namespace's concat."""

    if any(array_kind(b) == "sparse" for b in blocks):
        import scipy.sparse as sp

        return sp.hstack(blocks, format="csr")

    xp = get_namespace(*blocks) if xp is None else xp
    return xp.concat(blocks, axis=1)
