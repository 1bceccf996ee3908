"""Hashing-sketch kernels (CountSketch, sparse sign) and stable key hashing."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, device, get_namespace
from . import cuda
from ._native import host_only, native
from .work import advance

# Row chunk for the hashing kernels: bounds the column map's memory.
_CHUNK = 1 << 17
# Integer operations of one XXH64 hash of an 8-byte key, counted as flops
# by the progress display.
_HASH_FLOPS = 20


def sketch_map(seed, start, n, s, m, *, xp=None):
    """The column map of a hashing sketch for columns start..start+n-1.

    Returns ``(rows, signs)``: int64 and int8 arrays of shape (n, s); column
    ``j`` has nonzeros at ``rows[j]`` with signs ``signs[j]``. A pure function
    of ``(seed, column index)``, the same on every machine.
    """
    host_only(xp, "sketch_map")
    rows = np.empty((n, s), dtype=np.int64)
    signs = np.empty((n, s), dtype=np.int8)
    native().sketch_map(seed, start, m, rows, signs)
    return rows, signs


def hash_scatter(A, *, seed, start, s, m, scale, xp=None):
    """``S[:, start:start+n] @ A`` for a hashing sketch (CountSketch, sparse sign)
    of ``s`` nonzeros ``±scale`` per column and ``m`` rows, drawn from ``seed``.

    The result is an (m, k) array of A's namespace (dense).
    """
    kind = array_kind(A)
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
                advance(2.0 * s * (p1 - p0))
            return out
        A2 = A.reshape(n, 1) if squeeze else A
        order = "F" if (A2.flags.f_contiguous and not A2.flags.c_contiguous) else "C"
        out = np.zeros((m, k), dtype=dtype, order=order)
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            rows, signs = sketch_map(seed, start + lo, hi - lo, s, m)
            native().scatter_dense(A2[lo:hi], rows, signs, scale, out)
            advance(2.0 * s * (hi - lo) * k)
        return out[:, 0] if squeeze else out
    if kind in ("cupy", "cupy_sparse") and cuda.available():
        return cuda.kernels().hash_scatter(A if kind == "cupy" else A.tocsr(), seed=seed,
                                           start=start, s=s, m=m, scale=scale, xp=cuda.cupy_module())
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
    xp = get_namespace(A) if xp is None else xp
    S = dense_block(rows, signs, scale, m)
    S = xp.asarray(S, dtype=A.dtype, device=device(A))
    return S @ A


def hash_gather(Y, *, seed, start, n, s, scale, xp=None):
    """``S[:, start:start+n].T @ Y`` for a hashing sketch; Y is (m, k) dense."""
    kind = array_kind(Y)
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
    if kind == "cupy" and cuda.available():
        return cuda.kernels().hash_gather(Y, seed=seed, start=start, n=n, s=s, scale=scale,
                                          xp=cuda.cupy_module())
    rows, signs = sketch_map(seed, start, n, s, m)
    if kind == "cupy":
        import cupy

        Y2 = cupy.reshape(Y, (m, k))
        r = cupy.asarray(rows)
        v = cupy.asarray(signs).astype(Y.dtype) * Y.dtype.type(scale)
        out = (Y2[r] * v[:, :, None]).sum(axis=1)
        return out[:, 0] if squeeze else out
    xp = get_namespace(Y) if xp is None else xp
    S = dense_block(rows, signs, scale, m)
    S = xp.asarray(S, dtype=Y.dtype, device=device(Y))
    return xp.matrix_transpose(S) @ Y if hasattr(xp, "matrix_transpose") else S.T @ Y


def dense_block(rows, signs, scale, m, *, xp=None):
    """The (m, n) host matrix of a block of hashing-sketch columns."""
    host_only(xp, "dense_block")
    n, s = rows.shape
    S = np.zeros((m, n))
    cols = np.repeat(np.arange(n), s)
    np.add.at(S, (rows.ravel(), cols), scale * signs.ravel())
    return S


def hash_keys(keys, seed, *, xp=None):
    """Stable 64-bit XXH64 hashes (uint64) of integer or string keys.

    ``keys`` is a 1-D NumPy array: integers (hashed as 8 little-endian bytes
    of their int64 value) or strings/bytes (hashed as their UTF-8 bytes);
    or a CuPy array of integers, hashed on its device (the same hashes).
    The same key and seed give the same hash on every machine and process.
    """
    if array_kind(keys) == "cupy" and cuda.available() and keys.dtype.kind in "iub":
        return cuda.kernels().hash_keys(keys, int(seed), xp=cuda.cupy_module())
    host_only(xp, "hash_keys")
    keys = np.asarray(keys)
    n = keys.shape[0]
    advance(_HASH_FLOPS * n)
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
