"""The half-sweeps of alternating minimization over persisted dask blocks:
each block of rows (columns) is re-solved on its worker by the native row
kernel, the factors broadcast once per half-sweep."""

from __future__ import annotations

import uuid

import numpy as np


def _delayed():
    import dask

    return dask.delayed


def _compute(*xs):
    import dask

    return dask.compute(*xs)


def _broadcast(x):
    """A client array as one graph key (named, so that it is not hashed)."""
    return _delayed()(x, name=f"sketchla-factor-{uuid.uuid4().hex}", traverse=False)


def _product(B, F):
    return np.asarray(B @ F)


def _solve_block(B, fixed, current, sweep, seed, offset, with_resid):
    """One block's rows re-solved by the half-sweep ``sweep`` (its entries
    keyed from ``offset``); with ``with_resid``, also their residual sum."""
    from .._kernels.threads import worker_threads
    from ._entries import _arrays

    resid = np.empty(B.shape[0]) if with_resid else None
    with worker_threads():  # the scheduler runs one task per core
        out = sweep(_arrays(B), fixed, current, seed, resid, offset)
    return (out, float(resid.sum())) if with_resid else out


class _BlockedProblem:
    """:class:`_entries._CSRProblem` over persisted blocks: each half-sweep is a
    map over the blocks of the target factor with the other factor
    broadcast; the sketched solves hash each entry by its position in the
    whole matrix, so the result does not depend on the blocks."""

    def __init__(self, rows, cols, shape, sweep):
        self.rows, self.cols, self.shape, self.sweep = rows, cols, shape, sweep
        delayed = _delayed()
        info = _compute(*[delayed(_nnz_sq)(B) for B in rows + cols])
        nr = len(rows)
        self.row_nnz = np.array([i[0] for i in info[:nr]], np.int64)
        self.col_nnz = np.array([i[0] for i in info[nr:]], np.int64)
        self.nnz = int(self.row_nnz.sum())
        self.x_norm = float(np.sqrt(sum(i[1] for i in info[:nr])))
        self.row_sizes = np.array([i[2] for i in info[:nr]], np.int64)
        self.col_sizes = np.array([i[2] for i in info[nr:]], np.int64)
        self.row_lengths = np.concatenate([i[3] for i in info[:nr]])
        self.col_lengths = np.concatenate([i[3] for i in info[nr:]])

    def _products(self, blocks, F):
        delayed = _delayed()
        f = _broadcast(F)
        return np.concatenate(_compute(*[delayed(_product)(B, f) for B in blocks]))

    def initialize(self, rank, clip, g):
        """As :func:`_entries._initialize`: the range finder on A0/p by block products."""
        from ._entries import _clip_rows, _range_finder

        m, n = self.shape
        frac = max(self.nnz, 1) / (m * n)
        U = _clip_rows(_range_finder(lambda X: self._products(self.rows, X) / frac,
                                     lambda Y: self._products(self.cols, Y) / frac,
                                     self.shape, rank, g)[0], clip, rank)
        V = np.ascontiguousarray(self._products(self.cols, U) / frac)
        return U, V

    def _half(self, blocks, sizes, nnz, fixed, current, seed, with_resid):
        delayed = _delayed()
        f = _broadcast(np.ascontiguousarray(fixed, dtype=np.float64))
        lo = np.concatenate([[0], np.cumsum(sizes)])
        off = np.concatenate([[0], np.cumsum(nnz)])
        out = _compute(*[delayed(_solve_block)(
            B, f, np.ascontiguousarray(current[lo[i]:lo[i + 1]]), self.sweep, seed,
            int(off[i]), with_resid) for i, B in enumerate(blocks)])
        if with_resid:
            return np.concatenate([o[0] for o in out]), sum(o[1] for o in out)
        return np.concatenate(out)

    def solve_cols(self, U, V, it, seed):
        return self._half(self.cols, self.col_sizes, self.col_nnz, U, V, seed, False)

    def solve_rows(self, V, U, it, seed):
        U, rss = self._half(self.rows, self.row_sizes, self.row_nnz, V, U, seed, True)
        return U, rss, self.x_norm


def _nnz_sq(B):
    return B.nnz, float(np.dot(B.data, B.data)), B.shape[0], np.diff(B.indptr)
