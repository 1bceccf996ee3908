"""Blocked BLAS-3 on tall NumPy operands: fixed row blocks taken by the
threads one at a time, summed in order (the same result for every thread
count)."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from ._native import host_only
from .sparse import sparse_gram
from .threads import run_blocks
from .work import advance



# Dense Gram matrices on NumPy: fixed row blocks of about this many bytes,
# at most _GRAM_BLOCKS of them and at most _GRAM_PARTIALS bytes of partial
# sums, taken by the threads one at a time (threads.run_blocks).
_GRAM_BLOCK_BYTES = 4 << 20
_GRAM_BLOCKS = 64
_GRAM_PARTIALS = 64 << 20
# An operand this small is one block, reduced on the calling thread with the
# BLAS pools as they are: its products are below the size at which a BLAS
# starts threads, so holding them to one thread would only cost the calls
# that set them.
_SMALL_BYTES = 256 << 10


def _row_blocks(n, d, r, itemsize, block_bytes=_GRAM_BLOCK_BYTES):
    """Row ranges of an (n, d) operand for a reduction into (r, r) partial sums."""
    rows = max(256, 2 * d, block_bytes // (itemsize * max(d, 1)))
    # at least two partial sums where there are rows for them: they are no
    # larger than A itself once n >= 2 r
    count = min(_GRAM_BLOCKS, -(-n // rows), max(2, _GRAM_PARTIALS // (8 * r * r)))
    count = max(count, 1)
    return [(n * i // count, n * (i + 1) // count) for i in range(count)]


def map_row_blocks(block, n, d, r, fn, *, block_bytes=_GRAM_BLOCK_BYTES, itemsize=8,
                   xp=None):
    """``[fn(lo, hi, block(lo, hi)) ...]`` over the fixed row blocks of an (n, d)
    dense operand whose reductions are (r, r), taken by the threads one at a
    time (:func:`sketchla._kernels.threads.run_blocks`, BLAS held to one thread each).

    ``block(lo, hi)`` returns the rows lo:hi as a NumPy array (a view, or a
    block assembled on the fly: the operand itself need never exist whole).
    The blocks depend only on the shape, so a sum of the results taken in
    order is the same for every thread count."""
    host_only(xp, "map_row_blocks")
    blocks = _row_blocks(n, d, r, itemsize, block_bytes)
    if len(blocks) == 1 and n * d * itemsize <= _SMALL_BYTES:
        return [fn(0, n, block(0, n))]

    def one(i):
        lo, hi = blocks[i]
        out = fn(lo, hi, block(lo, hi))
        advance(2.0 * (hi - lo) * d * r)
        return out

    return run_blocks(one, len(blocks))


def _blocked_gram(A, M=None, block_bytes=_GRAM_BLOCK_BYTES):
    """(A M)ᵀ(A M) (M=None: AᵀA) for NumPy A, summed over fixed row blocks."""
    n, d = A.shape
    r = d if M is None else M.shape[1]

    def part(lo, hi, Y):
        Y = Y if M is None else Y @ M
        return Y.T @ Y  # NumPy recognizes the SYRK

    return sum_in_order(map_row_blocks(lambda lo, hi: A[lo:hi], n, d, r, part,
                                       block_bytes=block_bytes, itemsize=A.itemsize))


def tall_matmul(A, B, *, out=None, subtract=False, xp=None):
    """A @ B for a tall NumPy A (n, l) and a small B (l, k), by fixed row
    blocks on the threads with the BLAS held to one thread each
    (:func:`map_row_blocks`). ``out`` (n, k; a strided view will do)
    receives the product, or with ``subtract`` has it subtracted.

    No multithreaded BLAS call: its idle threads spin on after it returns,
    and the native kernels that followed ran slower (a CSR product right
    after a two-thread GEMM: 172 ms against 133 ms after the same product by
    blocks, best of 10; the blocked product itself: 24 ms against 34 ms)."""
    host_only(xp, "tall_matmul")
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


def tall_tmatmul(A, B, *, xp=None):
    """Aᵀ B for tall NumPy A (n, l) and B (n, k), as partial products over
    fixed row blocks summed in order (the same for every thread count; see
    :func:`tall_matmul`)."""
    host_only(xp, "tall_tmatmul")
    n, l = A.shape
    k = B.shape[1]
    return sum_in_order(map_row_blocks(lambda lo, hi: A[lo:hi], n, max(l, k), max(l, k),
                                       lambda lo, hi, Ab: Ab.T @ B[lo:hi],
                                       itemsize=A.itemsize))


def sum_in_order(parts, *, xp=None):
    """parts[0] + parts[1] + … in that order (a fresh array): the reduction of
    :func:`map_row_blocks`' partial sums that every thread count shares."""
    host_only(xp, "sum_in_order")
    out = parts[0].copy()
    for P in parts[1:]:
        out += P
    return out


def gram(A, *, host=True, xp=None):
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
    xp = get_namespace(A) if xp is None else xp
    G = xp.matrix_transpose(A) @ A
    return to_numpy(G) if host else G


def gram_of_product(A, M, block_bytes, *, host=True, xp=None):
    """(A M)ᵀ(A M) as a small host array, for dense A (n, d) and host M (d, r).

    NumPy: row blocks of about ``block_bytes`` so each A-block·M stays in
    cache, taken by the threads one at a time; other namespaces: one product
    (dask reduces over its chunks; ``host=False`` as in :func:`gram`)."""

    if array_kind(A) == "numpy":
        return _blocked_gram(A, M, block_bytes)
    xp = get_namespace(A) if xp is None else xp
    Y = A @ from_numpy(M, A)
    G = xp.matrix_transpose(Y) @ Y
    return to_numpy(G) if host else G
