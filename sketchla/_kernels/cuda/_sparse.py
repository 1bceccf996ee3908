"""CSR products on the device, each output element owned by one thread (no
atomics: every sum runs in the order of the CSR structure, so a result is
the same on every launch).
"""

from __future__ import annotations

from numba import cuda

TILE = 16  # the two-dimensional kernels' blocks are TILE × TILE threads


@cuda.jit
def csr_dense_kernel(indptr, indices, data, B, out):
    """``out = C @ B`` for the CSR matrix C = (indptr, indices, data):
    thread (r, j) sums row r of C against column j of B (j is the fast
    index of the launch: a warp reads one row of B, coalesced)."""
    j, r = cuda.grid(2)
    if r >= out.shape[0] or j >= out.shape[1]:
        return
    acc = 0.0
    for p in range(indptr[r], indptr[r + 1]):
        acc += data[p] * B[indices[p], j]
    out[r, j] = acc


@cuda.jit
def csr_csr_kernel(s_indptr, s_indices, s_data, a_indptr, a_indices, a_data, out):
    """``out = S @ A`` for two CSR matrices, into a dense ``out``: thread r
    owns row r of out and adds the rows of A that row r of S selects."""
    r = cuda.grid(1)
    if r >= out.shape[0]:
        return
    for p in range(s_indptr[r], s_indptr[r + 1]):
        i = s_indices[p]
        w = s_data[p]
        for q in range(a_indptr[i], a_indptr[i + 1]):
            out[r, a_indices[q]] += w * a_data[q]


@cuda.jit
def gather_kernel(Y, rows, signs, scale, out):
    """``out[i, j] = scale · Σ_t signs[i, t] · Y[rows[i, t], j]`` (Sᵀ Y)."""
    j, i = cuda.grid(2)
    if i >= out.shape[0] or j >= out.shape[1]:
        return
    acc = 0.0
    for t in range(rows.shape[1]):
        acc += signs[i, t] * Y[rows[i, t], j]
    out[i, j] = acc * scale


def grid2(n, k):
    """The (blocks, threads) of a two-dimensional launch over n rows × k
    columns, the columns first."""
    return ((max(1, (k + TILE - 1) // TILE), max(1, (n + TILE - 1) // TILE)), (TILE, TILE))
