"""The device kernels behind the kernel table's CuPy route: each driver
takes arrays of one namespace ``xp`` (CuPy on a GPU; NumPy under the
simulator), allocates its result there, and launches the kernels.

Every driver gives what its native twin gives for the same arguments: the
same column map (bit for bit), and the same products to rounding.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np

from . import _fwht, _hash, _rows, _sparse, simulated

__all__ = ["sketch_map", "hash_keys", "hash_scatter", "hash_gather", "csr_matmat",
           "csr_rmatmat", "csr_transpose", "normal_equations", "row_residuals", "fwht"]

#: columns of a hashing sketch mapped at a time (bounds the map's memory)
CHUNK = 1 << 20


@contextmanager
def _quiet():
    """The simulator runs the hash in NumPy scalars on threads of its own,
    and NumPy reports their wrap-around on uint64 (intended: XXH64 is
    arithmetic modulo 2^64); the filter is process-wide, as the threads
    are. A real device reports nothing."""
    if not simulated():
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "overflow encountered in scalar", RuntimeWarning)
        yield


def sketch_map(seed, start, n, s, m, *, xp):
    """``(rows, signs)`` of shape (n, s), int64 and int8: the column map of
    columns start .. start+n-1, equal to the native ``sketch_map``."""
    rows = xp.empty((n, s), dtype=xp.int64)
    signs = xp.empty((n, s), dtype=xp.int8)
    if n and s:
        with _quiet():
            _hash.sketch_map_kernel[_hash.blocks(n), _hash.THREADS](
                np.uint64(seed), np.int64(start), np.int64(m), rows, signs)
    return rows, signs


def hash_keys(keys, seed, *, xp):
    """XXH64 (uint64) of int64 keys, equal to the native ``hash_keys``."""
    keys = xp.asarray(keys, dtype=xp.int64)
    out = xp.empty(keys.shape[0], dtype=xp.uint64)
    if keys.shape[0]:
        with _quiet():
            _hash.hash_keys_kernel[_hash.blocks(keys.shape[0]), _hash.THREADS](
                keys, np.uint64(seed), out)
    return out


def _csr_of_map(rows, signs, scale, m, dtype, xp):
    """The block of S as a CSR matrix (m rows, one column per map row),
    each row's entries ordered by column: ``(indptr, indices, data)``."""
    n, s = rows.shape
    flat = xp.reshape(rows, (n * s,))
    order = xp.argsort(flat * (n * s) + xp.arange(n * s, dtype=xp.int64))
    indptr = xp.searchsorted(flat[order], xp.arange(m + 1, dtype=xp.int64))
    indices = order // s
    data = xp.reshape(signs, (n * s,))[order].astype(dtype) * dtype.type(scale)
    return indptr, indices, data


def hash_scatter(A, *, seed, start, s, m, scale, xp):
    """``S[:, start:start+n] @ A`` for a hashing sketch: A dense (n, k) or
    (n,), or a CSR matrix with ``indptr``, ``indices``, ``data``; the
    result is dense (m, k) (or (m,)) in ``xp``."""
    sparse = hasattr(A, "indptr")
    squeeze = not sparse and A.ndim == 1
    n = A.shape[0]
    k = 1 if squeeze else A.shape[1]
    dtype = np.dtype(A.dtype)
    out = xp.zeros((m, k), dtype=dtype)
    A2 = xp.reshape(A, (n, 1)) if squeeze else A
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        rows, signs = sketch_map(seed, start + lo, hi - lo, s, m, xp=xp)
        ip, ix, dt = _csr_of_map(rows, signs, scale, m, dtype, xp)
        if sparse:  # the kernel adds into out, chunk after chunk (as the native one)
            a_ptr = A.indptr[lo:hi + 1]
            _sparse.csr_csr_kernel[_hash.blocks(m), _hash.THREADS](
                ip, ix, dt, a_ptr - a_ptr[0], A.indices[int(a_ptr[0]):int(a_ptr[-1])],
                A.data[int(a_ptr[0]):int(a_ptr[-1])], out)
        else:
            part = xp.empty((m, k), dtype=dtype)
            _sparse.csr_dense_kernel[_sparse.grid2(m, k)](ip, ix, dt, _c(A2[lo:hi], xp), part)
            out += part
    return out[:, 0] if squeeze else out


def hash_gather(Y, *, seed, start, n, s, scale, xp):
    """``S[:, start:start+n].T @ Y`` for a hashing sketch; Y dense (m, k)
    or (m,)."""
    squeeze = Y.ndim == 1
    m = Y.shape[0]
    k = 1 if squeeze else Y.shape[1]
    Y2 = _c(xp.reshape(Y, (m, 1)) if squeeze else Y, xp)
    dtype = np.dtype(Y.dtype)
    out = xp.empty((n, k), dtype=dtype)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        rows, signs = sketch_map(seed, start + lo, hi - lo, s, m, xp=xp)
        _sparse.gather_kernel[_sparse.grid2(hi - lo, k)](
            Y2, rows, signs, dtype.type(scale), out[lo:hi])
    return out[:, 0] if squeeze else out


def csr_matmat(indptr, indices, data, shape, B, *, xp):
    """``C @ B`` for the CSR matrix C of ``shape`` and dense B (rows, k)."""
    squeeze = B.ndim == 1
    B2 = _c(xp.reshape(B, (B.shape[0], 1)) if squeeze else B, xp)
    out = xp.empty((shape[0], B2.shape[1]), dtype=data.dtype)
    if out.size:
        _sparse.csr_dense_kernel[_sparse.grid2(*out.shape)](indptr, indices, data, B2, out)
    return out[:, 0] if squeeze else out


def csr_transpose(indptr, indices, data, shape, *, xp):
    """The CSR arrays ``(indptr, indices, data)`` of Cᵀ: a sort of the
    column indices, each row of Cᵀ with its entries in increasing row of C."""
    nr, nc = shape
    nnz = int(indptr[-1]) if nr else 0
    row_of = xp.searchsorted(indptr[1:], xp.arange(nnz, dtype=xp.int64), side="right")
    cols = indices.astype(xp.int64)
    order = xp.argsort(cols * max(nr, 1) + row_of)
    t_ptr = xp.searchsorted(cols[order], xp.arange(nc + 1, dtype=xp.int64))
    return t_ptr, row_of[order], data[order]


def csr_rmatmat(indptr, indices, data, shape, B, *, xp):
    """``Cᵀ @ B``: :func:`csr_transpose`, then :func:`csr_matmat`."""
    t = csr_transpose(indptr, indices, data, shape, xp=xp)
    return csr_matmat(*t, shape[::-1], B, xp=xp)


def normal_equations(indptr, indices, data, F, *, xp):
    """``(G, b)``: for each row i of the CSR matrix X, G_i = Σ_j F_jᵀ F_j
    (k × k) and b_i = Σ_j X_ij F_j over the row's stored entries."""
    rows, k = indptr.shape[0] - 1, F.shape[1]
    F = _c(F, xp)
    G = xp.empty((rows, k, k), dtype=F.dtype)
    b = xp.empty((rows, k), dtype=F.dtype)
    if rows and k:
        _rows.normal_equations_kernel[_sparse.grid2(rows, k * k + k)](indptr, indices, data,
                                                                       F, G, b)
    return G, b


def row_residuals(indptr, indices, data, U, V, *, xp):
    """Σ_j (X_ij − U_i·V_j)² over each row's stored entries."""
    out = xp.empty(U.shape[0], dtype=U.dtype)
    if U.shape[0]:
        _rows.residual_kernel[_hash.blocks(U.shape[0]), _hash.THREADS](
            indptr, indices, data, _c(U, xp), _c(V, xp), out)
    return out


def fwht(x, *, xp, overwrite=False):
    """The unnormalized Walsh–Hadamard transform along axis 0 (length a
    power of two); in place when ``overwrite`` and x is C-contiguous."""
    n = x.shape[0]
    if n & (n - 1):
        raise ValueError(f"x.shape[0] must be a power of two, got {n}")
    squeeze = x.ndim == 1
    y = x if overwrite and _c_contiguous(x) else xp.array(x, order="C", copy=True)
    y2 = xp.reshape(y, (n, 1)) if squeeze else y
    _fwht.fwht_inplace(y2)
    return y


def _c(x, xp):
    """x, C-contiguous (a copy only when it is not): the kernels read any
    strides on a device, but host arrays travel as one buffer."""
    return x if _c_contiguous(x) else xp.ascontiguousarray(x)


def _c_contiguous(x):
    flags = getattr(x, "flags", None)
    return bool(flags is not None and flags.c_contiguous)
