"""The one dispatch point from array namespaces to kernels.

Algorithm code calls these functions with the namespace ``xp`` of its data
and never branches on the backend itself:

================  ==========================  ==============================
kernel            NumPy / scipy.sparse        CuPy, array-api-strict, others
================  ==========================  ==============================
``fwht``          native C (in place, SIMD,    array-API butterflies
                  threaded)                    (log2 n reshaped passes)
``hash_scatter``  native C, dense and CSR      CuPy: ``cupyx.scatter_add``;
                                               others: a dense block product
``hash_gather``   native C                     as above, transposed
``sparse_matmat`` native C, CSR and CSC,       (scipy.sparse only)
                  threaded (A X and Aᵀ Y)
``signed_pad``,   NumPy in place               array-API concat / take /
``take_rows``,                                 one-hot product
``put_rows``
================  ==========================  ==============================
"""

from __future__ import annotations

import numpy as np

from ._backend import (
    array_kind,
    device,
    from_numpy,
    get_namespace,
    is_numpy_namespace,
    namespace_name,
    to_numpy,
)

__all__ = [
    "fwht",
    "hash_scatter",
    "hash_gather",
    "sketch_map",
    "signed_pad",
    "take_rows",
    "put_rows",
    "dense_block",
    "sparse_matmat",
    "native",
]

_native = None


def native():
    """The compiled extension ``sketchla._native`` (imported on first use)."""
    global _native
    if _native is None:
        import os

        # the thread policy (_threads): the OpenMP pool sleeps between
        # regions instead of spinning on cores the BLAS or other processes need
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from . import _native as mod

        _native = mod
    return _native


# Row chunk for the hashing kernels: bounds the column map's memory.
_CHUNK = 1 << 17


def sketch_map(seed, start, n, s, m):
    """The column map of a hashing sketch for columns start..start+n-1.

    Returns ``(rows, signs)``: int64 and int8 arrays of shape (n, s); column
    ``j`` has nonzeros at ``rows[j]`` with signs ``signs[j]``. A pure function
    of ``(seed, column index)``, the same on every machine.
    """
    rows = np.empty((n, s), dtype=np.int64)
    signs = np.empty((n, s), dtype=np.int8)
    native().sketch_map(seed, start, m, rows, signs)
    return rows, signs


def fwht(x, xp, overwrite=False):
    """Unnormalized Walsh-Hadamard transform along axis 0 (length a power of 2).

    NumPy input is transformed in place when ``overwrite`` and it is C- or
    F-contiguous float32/float64; otherwise a transformed copy is returned.
    """
    name = namespace_name(xp)
    if name == "numpy":
        x = np.asarray(x)
        if not overwrite or not (x.flags.c_contiguous or x.flags.f_contiguous):
            x = np.array(x, order="F" if x.flags.f_contiguous and x.ndim == 2 else "C")
        native().fwht(x)
        return x
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


def hash_scatter(A, xp, seed, start, s, m, scale, kind):
    """``S[:, start:start+n] @ A`` for a hashing sketch (CountSketch, sparse sign).

    ``kind`` is ``"numpy"``, ``"sparse"`` or another namespace name; the
    result is an (m, k) array of A's namespace (dense).
    """
    squeeze = A.ndim == 1
    n = A.shape[0]
    k = 1 if squeeze else A.shape[1]
    if kind in ("numpy", "sparse"):
        dtype = A.dtype
        if kind == "sparse":
            out = np.zeros((m, k), dtype=dtype)
            A = A.tocsr()  # CSC: an O(nnz) re-index, never dense
            for lo in range(0, n, _CHUNK):
                hi = min(n, lo + _CHUNK)
                rows, signs = sketch_map(seed, start + lo, hi - lo, s, m)
                ip = A.indptr[lo : hi + 1]
                p0, p1 = int(ip[0]), int(ip[-1])
                native().scatter_csr(
                    np.ascontiguousarray(ip - ip[0]),
                    A.indices[p0:p1],
                    A.data[p0:p1],
                    k,
                    rows,
                    signs,
                    scale,
                    out,
                )
            return out
        A2 = A.reshape(n, 1) if squeeze else A
        order = "F" if (A2.flags.f_contiguous and not A2.flags.c_contiguous) else "C"
        out = np.zeros((m, k), dtype=dtype, order=order)
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            rows, signs = sketch_map(seed, start + lo, hi - lo, s, m)
            native().scatter_dense(A2[lo:hi], rows, signs, scale, out)
        return out[:, 0] if squeeze else out
    rows, signs = sketch_map(seed, start, n, s, m)
    if kind == "cupy":
        import cupy
        import cupyx

        A2 = cupy.reshape(A, (n, k))
        out = cupy.zeros((m, k), dtype=A.dtype)
        r = cupy.asarray(rows)
        v = cupy.asarray(signs).astype(A.dtype) * A.dtype.type(scale)
        for t in range(s):
            cupyx.scatter_add(out, r[:, t], A2 * v[:, t, None])
        return out[:, 0] if squeeze else out
    S = dense_block(rows, signs, scale, m)
    S = xp.asarray(S, dtype=A.dtype, device=device(A))
    return S @ A


def hash_gather(Y, xp, seed, start, n, s, scale, kind):
    """``S[:, start:start+n].T @ Y`` for a hashing sketch; Y is (m, k) dense."""
    m = Y.shape[0]
    squeeze = Y.ndim == 1
    k = 1 if squeeze else Y.shape[1]
    if kind == "numpy":
        Y2 = Y.reshape(m, 1) if squeeze else Y
        out = np.empty((n, k), dtype=Y.dtype)
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            rows, signs = sketch_map(seed, start + lo, hi - lo, s, m)
            native().gather_dense(Y2, rows, signs, scale, out[lo:hi])
        return out[:, 0] if squeeze else out
    rows, signs = sketch_map(seed, start, n, s, m)
    if kind == "cupy":
        import cupy

        Y2 = cupy.reshape(Y, (m, k))
        r = cupy.asarray(rows)
        v = cupy.asarray(signs).astype(Y.dtype) * Y.dtype.type(scale)
        out = (Y2[r] * v[:, :, None]).sum(axis=1)
        return out[:, 0] if squeeze else out
    S = dense_block(rows, signs, scale, m)
    S = xp.asarray(S, dtype=Y.dtype, device=device(Y))
    return xp.matrix_transpose(S) @ Y if hasattr(xp, "matrix_transpose") else S.T @ Y


def dense_block(rows, signs, scale, m):
    n, s = rows.shape
    S = np.zeros((m, n))
    cols = np.repeat(np.arange(n), s)
    np.add.at(S, (rows.ravel(), cols), scale * signs.ravel())
    return S


def signed_pad(A, d, n_pad, xp):
    """The (n_pad, k) array [diag(d) A; 0] (a fresh, writable array)."""
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


def take_rows(Y, idx, xp):
    """Y[idx] for a host integer index array."""
    if is_numpy_namespace(xp):
        return np.asarray(Y)[idx]
    return xp.take(Y, xp.asarray(idx, device=device(Y)), axis=0)


def put_rows(Y, idx, n_rows, xp):
    """Z of shape (n_rows, k), zero except Z[idx] = Y (idx distinct)."""
    name = namespace_name(xp)
    if name in ("numpy", "cupy"):
        mod = np if name == "numpy" else __import__("cupy")
        Z = mod.zeros((n_rows,) + tuple(Y.shape[1:]), dtype=Y.dtype)
        Z[mod.asarray(idx)] = Y
        return Z
    E = np.zeros((n_rows, len(idx)))
    E[idx, np.arange(len(idx))] = 1.0
    return xp.asarray(E, dtype=Y.dtype, device=device(Y)) @ Y


def sparse_matmat(A, X, transpose=False, out=None):
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
    ignore it.
    """
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


def range_positions(ptr, which):
    """The positions ptr[w], …, ptr[w + 1] − 1 of every w in ``which``,
    concatenated in that order (the stored entries of rows ``which`` of a
    CSR matrix with index pointer ``ptr``), as int64."""
    lo = np.asarray(ptr[which], dtype=np.int64)
    lens = np.asarray(ptr[np.asarray(which) + 1], dtype=np.int64) - lo
    total = int(lens.sum())
    if not total:
        return np.zeros(0, np.int64)
    return np.repeat(lo - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) + np.arange(total)


def sparse_gram(A):
    """AᵀA as a dense (d, d) float64 array, for scipy.sparse A (n, d).

    NumPy/CSR: a native kernel that accumulates the outer products of the
    rows into one dense d×d buffer per thread — O(Σᵢ nnz(aᵢ)²/2) work and
    O(threads·d²) memory, several times faster than scipy's sparse product,
    which builds a sparse result. Falls back to scipy when d > 2048.
    """
    d = A.shape[1]
    if d > 2048:
        return np.asarray((A.T @ A).toarray(), dtype=np.float64)
    A = A.tocsr()
    data = A.data if A.data.dtype in (np.float32, np.float64) else A.data.astype(np.float64)
    out = np.empty((d, d))
    native().sparse_gram(A.indptr, A.indices, data, d, out)
    return out


def hash_keys(keys, seed):
    """Stable 64-bit XXH64 hashes (uint64) of integer or string keys.

    ``keys`` is a 1-D NumPy array: integers (hashed as 8 little-endian bytes
    of their int64 value) or strings/bytes (hashed as their UTF-8 bytes).
    The same key and seed give the same hash on every machine and process.
    """
    keys = np.asarray(keys)
    n = keys.shape[0]
    out = np.empty(n, dtype=np.uint64)
    if keys.dtype.kind in "iub":
        k = np.ascontiguousarray(keys.astype(np.int64, casting="unsafe"))
        native().hash_int64(k, int(seed), out)
        return out
    parts = [k.encode("utf-8") if isinstance(k, str) else bytes(k) for k in keys.tolist()]
    offsets = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum([len(p) for p in parts], out=offsets[1:])
    native().hash_bytes(b"".join(parts), offsets, int(seed), out)
    return out


# ------------------------------------------------------- dense linear algebra
# Fast paths on NumPy (SciPy's LAPACK: pivoted QR, triangular solves); the
# array-API standard everywhere else (CuPy, dask, array-api-strict).


def qr_basis(A, xp):
    """(Q, r): Q (n, r) orthonormal with range(Q) = range(A) numerically.

    NumPy: column-pivoted Householder QR, rank from |R_ii| >
    max(n, d)·eps·|R₁₁|. Other namespaces: unpivoted QR (dask: TSQR, one
    pass) and the SVD of the small R, rank from its singular values with
    the same tolerance.
    """
    n, d = A.shape
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        A = np.asarray(A)
        eps = np.finfo(np.float64).eps
        Q, R, _ = sla.qr(A.astype(np.float64, copy=False), mode="economic", pivoting=True,
                         check_finite=False)
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


def orthonormalize(Y, xp, out=None):
    """Q with orthonormal columns spanning range(Y), for tall Y (n, k).

    NumPy: Cholesky-QR2 (BLAS-3, several times faster than Householder QR on
    a tall, skinny block, whose panels are memory-bound) when Y is well
    conditioned, else unpivoted Householder QR (LAPACK geqrf); dask: TSQR,
    one pass; other namespaces: their QR. ``out`` (NumPy, (n, k) float64,
    may be a strided view but not overlap Y) receives Q."""
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        Y = np.asarray(Y)
        if Y.shape[0] >= 4 * Y.shape[1] and Y.dtype == np.float64:
            Q = _cholesky_qr2(Y, out)
            if Q is not None:  # C-ordered: tall_matmul's result, or out
                return Q
        Q = sla.qr(Y, mode="economic", overwrite_a=out is None, check_finite=False)[0]
        if out is None:
            return Q
        out[...] = Q
        return out
    if namespace_name(xp) == "dask":
        Y = Y.rechunk({1: -1})
    return xp.linalg.qr(Y)[0]


def solve_triangular(R, B, xp, trans=False):
    """R⁻¹ B (or R⁻ᵀ B with ``trans``) for upper-triangular R (small, d × d)."""
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        return sla.solve_triangular(R, B, trans=1 if trans else 0, check_finite=False)
    M = xp.matrix_transpose(R) if trans else R
    return xp.linalg.solve(M, B)


def row_sq_norms(Y, xp):
    """‖Y_i‖² for every row i."""
    if is_numpy_namespace(xp):
        Y = np.asarray(Y)
        return np.einsum("ij,ij->i", Y, Y)
    return xp.sum(Y * Y, axis=1)


def qr(A, xp):
    """(Q, R, piv) with A[:, piv] = Q R (economic). NumPy: column-pivoted
    (rank-revealing); other namespaces: unpivoted, ``piv = arange(d)``."""
    if is_numpy_namespace(xp):
        import scipy.linalg as sla

        return sla.qr(np.asarray(A), mode="economic", pivoting=True, check_finite=False)
    Q, R = xp.linalg.qr(A)
    return Q, R, np.arange(A.shape[1])


def scale_rows(A, s, xp):
    """diag(s) A for dense or scipy.sparse A (sparse stays sparse)."""

    if array_kind(A) == "sparse":
        import scipy.sparse as sp

        return sp.diags(np.asarray(s)) @ A
    return A * s[:, None]


def cholesky(G, xp):
    """Lower Cholesky factor L of a small SPD matrix, G = L Lᵀ.

    dask: ``dask.array.linalg.cholesky(lower=True)`` directly, since
    array-api-compat's dask wrapper returns the upper factor.
    """
    if namespace_name(xp) == "dask":
        import dask.array as da

        return da.linalg.cholesky(G, lower=True)
    return xp.linalg.cholesky(G)


def hstack(blocks):
    """Blocks side by side: scipy.sparse (CSR) if any is sparse, else the namespace's concat."""

    if any(array_kind(b) == "sparse" for b in blocks):
        import scipy.sparse as sp

        return sp.hstack(blocks, format="csr")

    return get_namespace(*blocks).concat(blocks, axis=1)


# Dense Gram matrices on NumPy: fixed row blocks of about this many bytes,
# at most _GRAM_BLOCKS of them and at most _GRAM_PARTIALS bytes of partial
# sums, taken by the threads one at a time (_threads.run_blocks).
_GRAM_BLOCK_BYTES = 4 << 20
_GRAM_BLOCKS = 64
_GRAM_PARTIALS = 64 << 20


def _row_blocks(n, d, r, itemsize, block_bytes=_GRAM_BLOCK_BYTES):
    """Row ranges of an (n, d) operand for a reduction into (r, r) partial sums."""
    rows = max(256, 2 * d, block_bytes // (itemsize * max(d, 1)))
    # at least two partial sums where there are rows for them: they are no
    # larger than A itself once n >= 2 r
    count = min(_GRAM_BLOCKS, -(-n // rows), max(2, _GRAM_PARTIALS // (8 * r * r)))
    count = max(count, 1)
    return [(n * i // count, n * (i + 1) // count) for i in range(count)]


def map_row_blocks(block, n, d, r, fn, block_bytes=_GRAM_BLOCK_BYTES, itemsize=8):
    """``[fn(lo, hi, block(lo, hi)) ...]`` over the fixed row blocks of an (n, d)
    dense operand whose reductions are (r, r), taken by the threads one at a
    time (:func:`sketchla._threads.run_blocks`, BLAS held to one thread each).

    ``block(lo, hi)`` returns the rows lo:hi as a NumPy array (a view, or a
    block assembled on the fly: the operand itself need never exist whole).
    The blocks depend only on the shape, so a sum of the results taken in
    order is the same for every thread count."""
    from ._threads import run_blocks

    blocks = _row_blocks(n, d, r, itemsize, block_bytes)
    return run_blocks(lambda i: fn(*blocks[i], block(*blocks[i])), len(blocks))


def _blocked_gram(A, M=None, block_bytes=_GRAM_BLOCK_BYTES):
    """(A M)ᵀ(A M) (M=None: AᵀA) for NumPy A, summed over fixed row blocks."""
    n, d = A.shape
    r = d if M is None else M.shape[1]

    def part(lo, hi, Y):
        Y = Y if M is None else Y @ M
        return Y.T @ Y  # NumPy recognizes the SYRK

    return sum_in_order(map_row_blocks(lambda lo, hi: A[lo:hi], n, d, r, part, block_bytes,
                                       A.itemsize))


def tall_matmul(A, B, out=None, subtract=False):
    """A @ B for a tall NumPy A (n, l) and a small B (l, k), by fixed row
    blocks on the threads with the BLAS held to one thread each
    (:func:`map_row_blocks`). ``out`` (n, k; a strided view will do)
    receives the product, or with ``subtract`` has it subtracted.

    No multithreaded BLAS call: its idle threads spin on after it returns,
    and the native kernels that followed ran slower (a CSR product right
    after a two-thread GEMM: 172 ms against 133 ms after the same product by
    blocks, best of 10; the blocked product itself: 24 ms against 34 ms)."""
    n, l = A.shape
    if out is None:
        out = np.empty((n, B.shape[1]), dtype=np.result_type(A, B))

    def part(lo, hi, Ab):
        if subtract:
            out[lo:hi] -= Ab @ B
        else:
            np.matmul(Ab, B, out=out[lo:hi])

    map_row_blocks(lambda lo, hi: A[lo:hi], n, max(l, B.shape[1]), 1, part,
                   itemsize=A.itemsize)
    return out


def tall_tmatmul(A, B):
    """Aᵀ B for tall NumPy A (n, l) and B (n, k), as partial products over
    fixed row blocks summed in order (the same for every thread count; see
    :func:`tall_matmul`)."""
    n, l = A.shape
    k = B.shape[1]
    return sum_in_order(map_row_blocks(lambda lo, hi: A[lo:hi], n, max(l, k), max(l, k),
                                       lambda lo, hi, Ab: Ab.T @ B[lo:hi],
                                       itemsize=A.itemsize))


def sum_in_order(parts):
    """parts[0] + parts[1] + … in that order (a fresh array): the reduction of
    :func:`map_row_blocks`' partial sums that every thread count shares."""
    out = parts[0].copy()
    for P in parts[1:]:
        out += P
    return out


def gram(A, host=True):
    """AᵀA as a small host (d, d) array: native kernel for scipy.sparse,
    blocked BLAS SYRK for NumPy (load-balanced over the threads, the same
    result for every thread count), the namespace's product (a reduction on
    dask) else. ``host=False`` leaves that product in A's namespace (lazy
    for dask, to be computed together with other reductions of A)."""

    kind = array_kind(A)
    if kind == "sparse":
        return sparse_gram(A)
    if kind == "numpy":
        return _blocked_gram(A)
    xp = get_namespace(A)
    G = xp.matrix_transpose(A) @ A
    return to_numpy(G) if host else G


def gram_of_product(A, M, block_bytes, host=True):
    """(A M)ᵀ(A M) as a small host array, for dense A (n, d) and host M (d, r).

    NumPy: row blocks of about ``block_bytes`` so each A-block·M stays in
    cache, taken by the threads one at a time; other namespaces: one product
    (dask reduces over its chunks; ``host=False`` as in :func:`gram`)."""

    if array_kind(A) == "numpy":
        return _blocked_gram(A, M, block_bytes)
    xp = get_namespace(A)
    Y = A @ from_numpy(M, A)
    G = xp.matrix_transpose(Y) @ Y
    return to_numpy(G) if host else G


def batched_solve(G, B, xp):
    """Solve G[i] X[i] = B[i] for a stack of small systems (G: (b, k, k), B: (b, k, r)).

    dask: one ``numpy.linalg.solve`` per chunk of the batch axis (dask's
    own ``solve`` takes a single 2-D system)."""
    if namespace_name(xp) == "dask":
        G = G.rechunk({1: -1, 2: -1})
        B = B.rechunk({0: G.chunks[0], 1: -1, 2: -1})
        return G.map_blocks(np.linalg.solve, B, dtype=B.dtype)
    return xp.linalg.solve(G, B)


def take_cols(Y, idx, xp):
    """Y[:, idx] for a host integer index array."""
    if is_numpy_namespace(xp):
        return np.asarray(Y)[:, idx]
    return xp.take(Y, xp.asarray(idx, device=device(Y)), axis=1)


def probe_columns(V, J, z):
    """(V[:, J] C-ordered, its squared row norms, Vᵀ(V z), the number of rows
    where V z is not finite) for a host float64 V (n, r) of any strides.

    One native pass: each block of rows is read from memory once for both
    products and the gather (threaded; the result does not depend on the
    thread count)."""
    n, r = V.shape
    J = np.ascontiguousarray(J, dtype=np.int64)
    out = np.empty((n, J.size))
    lev = np.empty(n)
    acc = np.empty(r)
    bad = native().probe_columns(V, np.ascontiguousarray(z, dtype=np.float64), J, out, lev,
                                 acc)
    return out, lev, acc, bad


def chain_batch(F, u, E, t):
    """One batch of the projection-DPP chain rule (native): the proposals'
    features F (m, k) examined in order with their uniforms u (m) against
    the orthonormal rows 0..t−1 of E (k, k), which grows in place. Returns
    the batch positions of the accepted proposals."""
    F = np.ascontiguousarray(F, dtype=np.float64)
    acc = np.empty(F.shape[1], dtype=np.int64)
    got = native().chain_batch(F, np.ascontiguousarray(u, dtype=np.float64), E, t, acc,
                               np.empty(F.shape[0]))
    return acc[:got]


def esp_ratios(lam, k):
    """ρ (n + 1, k): ρ[m, l − 1] = e_{l−1}/e_l of the first m of λ ≥ 0 (+inf
    where e_l = 0), the elementary symmetric polynomials' table as ratios of
    adjacent levels (native; no intermediate product overflows, for any λ
    from about 1e-308 to 1e308). The whole table that :func:`choose_k`
    walks segment by segment, for checking it."""
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    out = np.empty((lam.size + 1, k))
    native().esp_ratios(lam, out)
    return out


def choose_k(lam, k, u):
    """An ascending size-k subset J of range(len(λ)) with P(J) ∝ Π_{i∈J} λ_i,
    drawn with the uniforms u (one per eigenvalue; native, O(k √n) memory)."""
    J = np.empty(k, dtype=np.int64)
    native().choose_k(np.ascontiguousarray(lam, dtype=np.float64),
                      np.ascontiguousarray(u, dtype=np.float64), J)
    return J


def row_access(A, scale=1.0):
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
    xp = get_namespace(A)
    norms = np.asarray(to_numpy(row_sq_norms(A if scale == 1.0 else A / scale, xp)),
                       dtype=np.float64)
    if kind == "numpy":
        return norms, lambda idx: A[idx]
    return norms, lambda idx: to_numpy(take_rows(A, np.asarray(idx, dtype=np.int64), xp))


def abs_max(A):
    """max|A| as a host float (0.0 when A has no entries): the scale that the
    scale-aware algorithms divide by. scipy.sparse: over the stored values."""
    if array_kind(A) == "sparse":
        return float(np.max(np.abs(A.data))) if A.nnz else 0.0
    if any(s == 0 for s in A.shape):
        return 0.0
    if array_kind(A) == "numpy":  # two reductions, no |A| temporary
        return float(max(np.max(A), -np.min(A)))
    xp = get_namespace(A)
    return float(to_numpy(xp.max(xp.abs(A))))
