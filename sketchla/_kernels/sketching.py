"""A sketching operator applied to an operand of any kind: host NumPy and
scipy.sparse through the operator's own kernels (the result checked for
overflow), dask by row chunks summed by dask's tree reduction (the operator
one key of the graph), other namespaces directly. The operators implement
``_apply(A, xp)``, ``_rapply(Y, xp)``, ``_apply_columns(B, lo)`` and
``_block(lo, hi)`` on the data this module hands them; an operator with a
``_dense_chunk`` (columns at a time) gets a scipy.sparse operand densified
that many columns at a time. The dense column blocks of an explicit sketch
(Gaussian) are applied by :func:`blocks_apply`."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, device, get_namespace, is_sparse
from .._validation import check_memory, check_sparse, raise_if_not_finite
from .threads import worker_threads
from .work import advance, nnz


def apply_sketch(op, A, *, xp=None):
    """``S @ A`` for a validated 2-D operand A (n, k) of any kind."""
    kind = array_kind(A)
    k = 1 if A.ndim == 1 else A.shape[1]
    check_memory(op.m * k * np.dtype(getattr(A.dtype, "type", np.float64)).itemsize
                 if kind in ("numpy", "sparse") else 0, "m",
                 f"the {op.m} × {k} result of the {op.m}-row sketch")
    if kind == "dask":
        return _apply_dask(op, A)
    xp = get_namespace(A) if xp is None and kind != "sparse" else xp
    chunk = getattr(op, "_dense_chunk", 0)
    if kind == "sparse" and chunk:  # densify a few columns at a time
        A = A.tocsc()
        parts = [op._apply(A[:, c:c + chunk].toarray(), np) for c in range(0, A.shape[1], chunk)]
        out = np.concatenate(parts, axis=1) if parts else np.zeros((op.m, 0), A.dtype)
    else:
        out = op._apply(A, xp)
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
    out = op._rapply(Y, xp)
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


def blocks_apply(blocks, m, A, *, xp=None):
    """Σ_b G_b A[a_b:c_b] for the dense host column blocks ``(a, c, G)`` of
    an (m, ·) operator, in A's namespace: NumPy and scipy.sparse accumulate
    on the host (a sparse block as (Bᵀ Gᵀ)ᵀ, never densified); other
    namespaces get each block on A's device."""
    if array_kind(A) in ("numpy", "sparse"):
        k = 1 if A.ndim == 1 else A.shape[1]
        out = np.zeros((m, k), dtype=A.dtype)
        for a, c, G in blocks:
            part = A[a:c] if A.ndim == 2 else A[a:c][:, None]
            if is_sparse(part):
                out += (part.T @ G.T.astype(A.dtype)).T
            else:
                out += G.astype(A.dtype, copy=False) @ part
            advance(2.0 * m * nnz(part))
        return out
    xp = get_namespace(A) if xp is None else xp
    out = None
    for a, c, G in blocks:
        term = xp.asarray(G, dtype=A.dtype, device=device(A)) @ A[a:c, ...]
        out = term if out is None else out + term
        advance(2.0 * m * (c - a) * (1 if A.ndim == 1 else A.shape[1]))
    return out


def blocks_apply_transpose(blocks, Y, *, xp=None):
    """The blocks G_bᵀ Y stacked, in Y's namespace (the transpose of
    :func:`blocks_apply`)."""
    xp = get_namespace(Y) if xp is None else xp
    host = array_kind(Y) == "numpy"
    parts = [xp.matrix_transpose(G.astype(Y.dtype) if host
                                 else xp.asarray(G, dtype=Y.dtype, device=device(Y))) @ Y
             for _, _, G in blocks]
    return xp.concat(parts, axis=0)
