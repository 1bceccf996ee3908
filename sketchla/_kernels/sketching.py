"""A sketching operator applied to an operand of any kind: host NumPy and
scipy.sparse through the operator's own kernels (the result checked for
overflow), dask by row chunks summed by dask's tree reduction (the operator
one key of the graph), other namespaces directly. The operators implement
``_apply``, ``_rapply``, ``_apply_columns`` and ``_block``; this module
decides which runs."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, get_namespace, is_sparse
from .._validation import check_sparse, raise_if_not_finite
from .threads import worker_threads


def apply_sketch(op, A, *, xp=None):
    """``S @ A`` for a validated 2-D operand A (n, k) of any kind."""
    kind = array_kind(A)
    if kind == "dask":
        return _apply_dask(op, A)
    xp = get_namespace(A) if xp is None and kind != "sparse" else xp
    out = op._apply(A, xp, kind)
    if kind in ("numpy", "sparse"):
        out = np.asarray(out)
        if kind == "numpy":
            raise_if_not_finite(out, A, "A")
    return out


def apply_transpose(op, Y, *, xp=None):
    """``S.T @ Y`` for a validated operand Y (m, k): sketch-sized, so a sparse
    or dask Y is brought to the host first."""
    kind = array_kind(Y)
    if kind == "sparse":
        Y, kind = Y.toarray(), "numpy"
    elif kind == "dask":
        Y, kind = np.asarray(Y.compute()), "numpy"
    xp = get_namespace(Y) if xp is None or kind == "numpy" else xp
    out = op._rapply(Y, xp, kind)
    if kind == "numpy":
        out = np.asarray(out)
        raise_if_not_finite(out, Y, "Y")
    return out


def _apply_dask(op, A):
    """``S @ A`` for a dask array: one (m, k) partial product per row chunk,
    summed by dask's tree reduction. Never gathers A in one place."""
    import dask
    import dask.array as da

    if A.ndim == 1:
        return _apply_dask(op, A[:, None])[:, 0]
    A = A.rechunk({1: -1})
    m, k = op.m, A.shape[1]
    offsets = np.concatenate([[0], np.cumsum(A.chunks[0])]).astype(int)
    # the operator is one key of the graph (its cached signs and rows travel
    # once), named by its distribution and seed
    key = dask.delayed(op, name="sketch-" + dask.base.tokenize(op), traverse=False)
    part = dask.delayed(_block_product, pure=True)
    parts = [da.from_delayed(part(key, blk, int(offsets[b])), shape=(m, k), dtype=A.dtype)
             for b, blk in enumerate(A.to_delayed()[:, 0])]
    return da.stack(parts).sum(axis=0)


def _block_product(op, B, lo):
    """``S[:, lo:lo+len(B)] @ B`` for one chunk of a dask array, on a worker.

    A chunk is a NumPy array or a scipy.sparse matrix, whose structure is
    verified before a kernel reads it."""
    B = check_sparse(B, "A", ("csr",)) if is_sparse(B) else np.asarray(B)
    with worker_threads():  # the scheduler runs one task per core
        out = op._apply_columns(B, lo)
    return np.asarray(out)
