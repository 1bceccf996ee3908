"""The observations of :func:`altmin_complete` held by dask: row blocks and
column blocks of the observed entries on the workers, the factors on the
client.

Input is a row-chunked dask array (chunks scipy.sparse, whose stored
entries are observed, or dense with NaN for a missing entry) or a dask
DataFrame of (row, column, value) triplets. The entries are regrouped once
into CSR row blocks and CSR blocks of the transpose (column blocks), kept
on the workers (``persist``); every statistic the driver asks for is a map
over those blocks, and every half-sweep is a map over the row blocks (or
column blocks) of the target factor with the other factor broadcast.

:class:`_CSREntries` (in ``altmin``) is the in-memory counterpart with the
same methods; the driver does not know which one it holds.
"""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp
from .._kernels.forks import checkpoint
from ._blocked_problem import _delayed, _compute, _broadcast, _BlockedProblem


# ------------------------------------------------------------ block tasks
# Each runs on a worker, on one block; a CSR block holds rows lo..hi of the
# matrix (row blocks) or of its transpose (column blocks), float64 data and
# int64 indices, sorted, without duplicates.


def _csr(rows, cols, vals, shape):
    M = sp.csr_matrix((vals, (rows, cols)), shape=shape)
    M.sum_duplicates()
    M.indices = M.indices.astype(np.int64, copy=False)
    M.indptr = M.indptr.astype(np.int64, copy=False)
    M.data = np.asarray(M.data, dtype=np.float64)
    return M


def _chunk_triplets(block, lo):
    """(rows, cols, values) of a chunk of a dask array, rows offset by ``lo``."""
    if sp.issparse(block):
        C = sp.coo_matrix(block)
        vals = np.asarray(C.data, dtype=np.float64)
        if not np.isfinite(vals).all():
            raise ValueError("X must contain only finite stored entries")
        return C.row.astype(np.int64) + lo, C.col.astype(np.int64), vals
    block = np.asarray(block)
    if block.dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {block.dtype}")
    if np.isinf(block).any():
        raise ValueError("X must not contain inf (NaN marks a missing entry)")
    r, c = np.nonzero(~np.isnan(block))
    return r.astype(np.int64) + lo, c.astype(np.int64), block[r, c].astype(np.float64)


def _frame_triplets(part, names):
    r, c, v = (part[name].to_numpy() for name in names)
    if r.dtype.kind not in "iu" or c.dtype.kind not in "iu":
        raise TypeError(f"X: the {names[0]!r} and {names[1]!r} columns must hold integer "
                        "indices")
    v = np.asarray(v, dtype=np.float64)
    if not np.isfinite(v).all():
        raise ValueError(f"X: the {names[2]!r} column must be finite")
    return r.astype(np.int64), c.astype(np.int64), v


def _split(trip, bounds, axis):
    """A piece's triplets split by the blocks of ``bounds`` along ``axis``
    (0: rows, 1: columns), as a tuple of one triplet per block."""
    key = trip[axis]
    which = np.searchsorted(bounds, key, side="right") - 1
    order = np.argsort(which, kind="stable")
    edges = np.searchsorted(which[order], np.arange(len(bounds)))
    return tuple(tuple(t[order[edges[i]:edges[i + 1]]] for t in trip)
                 for i in range(len(bounds) - 1))


def _assemble(lo, hi, width, axis, *parts):
    """The CSR block for rows lo..hi (axis 0) or columns lo..hi, transposed
    (axis 1), from the pieces' triplets that fall in it."""
    r = np.concatenate([p[axis] for p in parts]) - lo
    c = np.concatenate([p[1 - axis] for p in parts])
    v = np.concatenate([p[2] for p in parts])
    return _csr(r, c, v, (hi - lo, width))


def _triplets_of(B, lo, axis):
    """The global triplets of a CSR block (inverse of :func:`_assemble`)."""
    local = np.repeat(np.arange(B.shape[0], dtype=np.int64), np.diff(B.indptr)) + lo
    return (local, B.indices, B.data) if axis == 0 else (B.indices, local, B.data)


def _stats(B):
    """(entries per row, largest magnitude) of a block."""
    return np.diff(B.indptr), float(np.abs(B.data).max()) if B.nnz else 0.0


def _scaled(B, s):
    B = B.copy()
    B.data /= s
    return B


def _entry_scale(B, local_scale, other_scale, transposed):
    """The block's entries times d_r[row] · d_c[col], multiplied in that order
    in both layouts (the local factor is the block's slice of d_r for a row
    block, of d_c for a column block)."""
    local = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr))
    if transposed:
        return local, B.data * other_scale[B.indices] * local_scale[local]
    return local, B.data * local_scale[local] * other_scale[B.indices]


def _sq_sums(B, local_scale, other_scale, transposed):
    """Per row of the block: Σ (x · d_r · d_c)² over its entries."""
    local, y = _entry_scale(B, local_scale, other_scale, transposed)
    return np.bincount(local, weights=y * y, minlength=B.shape[0])


def _block_max_sq(B, local_scale, other_scale, transposed=False):
    if not B.nnz:
        return 0.0
    y = _entry_scale(B, local_scale, other_scale, transposed)[1]
    return float(np.max(y * y))


def _rescaled(B, local_scale, other_scale, top, transposed):
    """The block with entries x · d_r · d_c / top."""
    B = B.copy()
    B.data = _entry_scale(B, local_scale, other_scale, transposed)[1] / top
    return B


def _live_counts(B, keep_local, keep_other, transposed=False):
    local = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr))
    live = keep_local[local] & keep_other[B.indices]
    return np.bincount(local[live], minlength=B.shape[0])


def _restrict(B, keep_local, keep_other, transposed=False):
    """The block's rows in ``keep_local`` and entries in columns
    ``keep_other``, the columns renumbered among those kept."""
    M = B[np.flatnonzero(keep_local)][:, np.flatnonzero(keep_other)].tocsr()
    M.sort_indices()
    M.indices = M.indices.astype(np.int64, copy=False)
    M.indptr = M.indptr.astype(np.int64, copy=False)
    return M


def _extent(trip):
    r, c, _ = trip
    return (min(int(r.min()), int(c.min())) if r.size else 0,
            int(r.max()) if r.size else -1, int(c.max()) if c.size else -1)


# ------------------------------------------------------------ the store


def _persist(xs):
    import dask

    return list(dask.persist(*xs))


def _bounds(n, parts):
    parts = max(1, min(parts, n))
    return np.linspace(0, n, parts + 1).round().astype(np.int64)


class _DaskEntries:
    """Observed entries held by dask, as persisted CSR row and column blocks."""

    def __init__(self, X):
        from .._backend import frame_kind

        delayed = _delayed()
        if frame_kind(X) == "dask":
            names = list(X.columns)
            if len(names) != 3:
                raise ValueError("X: a dask DataFrame of observations must have three "
                                 f"columns (row, column, value), got {len(names)}")
            pieces = [delayed(_frame_triplets)(p, names) for p in X.to_delayed()]
            hi = _compute(*[delayed(_extent)(p) for p in pieces])
            if any(h[0] < 0 for h in hi):
                raise ValueError("X: row and column indices must be non-negative")
            m = int(max((h[1] for h in hi), default=-1)) + 1
            n = int(max((h[2] for h in hi), default=-1)) + 1
            vdt = np.dtype(X.dtypes[names[2]])
            self.dtype = vdt if vdt.kind == "f" else np.dtype(np.float64)
            row_bounds = _bounds(m, len(pieces))
            rows = self._regroup(pieces, row_bounds, n, 0)
        else:
            if X.ndim != 2:
                raise ValueError(f"X must be 2-D, got {X.ndim}-D")
            if any(np.isnan(c) for c in X.chunks[0]):
                raise ValueError("X: a dask array with unknown chunk sizes; call "
                                 "X.compute_chunk_sizes() first")
            if len(X.chunks[1]) > 1:
                X = X.rechunk({1: -1})
            m, n = X.shape
            self.dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)
            row_bounds = np.concatenate([[0], np.cumsum(X.chunks[0])]).astype(np.int64)
            rows = [delayed(_assemble)(lo, hi, n, 0, delayed(_chunk_triplets)(c, lo))
                    for c, lo, hi in zip(X.to_delayed().ravel(), row_bounds[:-1],
                                         row_bounds[1:])]
        self.shape = (m, n)
        self.row_bounds = row_bounds
        self.col_bounds = _bounds(n, len(rows))
        trip = [delayed(_triplets_of)(B, lo, 0) for B, lo in zip(rows, row_bounds[:-1])]
        cols = self._regroup(trip, self.col_bounds, m, 1)
        self.rows, self.cols = self._persist_pair(rows, cols)
        stats = _compute(*[delayed(_stats)(B) for B in self.rows + self.cols])
        nr = len(self.rows)
        self.counts_r = np.concatenate([s[0] for s in stats[:nr]])
        self.counts_c = np.concatenate([s[0] for s in stats[nr:]])
        self._abs_max = max((s[1] for s in stats), default=0.0)
        self.nnz = int(self.counts_r.sum())

    @staticmethod
    def _regroup(pieces, bounds, width, axis):
        delayed = _delayed()
        nb = len(bounds) - 1
        split = [delayed(_split, nout=nb)(p, bounds, axis) for p in pieces]
        return [delayed(_assemble)(bounds[j], bounds[j + 1], width, axis,
                                   *[s[j] for s in split]) for j in range(nb)]

    def _persist_pair(self, rows, cols):
        both = _persist(rows + cols)
        return both[:len(rows)], both[len(rows):]

    def _both(self, fn, local_r, other_r, local_c, other_c, *extra):
        """``fn`` on every row block and every column block, the first with
        its slice of ``local_r`` and all of ``other_r`` (the column blocks
        likewise); the tasks, not computed."""
        delayed = _delayed()
        lr, orr, lc, oc = (_broadcast(x) for x in (local_r, other_r, local_c, other_c))
        rb, cb = self.row_bounds, self.col_bounds
        return ([delayed(fn)(B, lr[lo:hi], orr, *extra, False) for B, lo, hi in
                 zip(self.rows, rb[:-1], rb[1:])],
                [delayed(fn)(B, lc[lo:hi], oc, *extra, True) for B, lo, hi in
                 zip(self.cols, cb[:-1], cb[1:])])

    def _both_computed(self, fn, *args):
        r, c = self._both(fn, *args)
        out = _compute(*r, *c)
        return np.concatenate(out[:len(r)]), np.concatenate(out[len(r):])

    # ------------------------------------------------ what the driver asks
    def counts(self):
        return self.counts_r, self.counts_c

    def unit_scale(self):
        s = self._abs_max
        if s > 0:
            delayed = _delayed()
            self.rows, self.cols = self._persist_pair(
                [delayed(_scaled)(B, s) for B in self.rows],
                [delayed(_scaled)(B, s) for B in self.cols])
            return s
        return 1.0

    def _sq(self, d_r, d_c):
        """Row and column sums of squares of the scaled entries."""
        return self._both_computed(_sq_sums, d_r, d_c, d_c, d_r)

    def spread(self, counts_r, counts_c):
        sq_r, sq_c = self._sq(np.ones(self.shape[0]), np.ones(self.shape[1]))
        out = 1.0
        for sq, cnt in ((sq_r, counts_r), (sq_c, counts_c)):
            rms = np.sqrt(sq[cnt > 0] / cnt[cnt > 0])
            med = np.median(rms) if rms.size else 0.0
            if med > 0:
                out = max(out, float(rms.max() / med))
        return out

    def equilibrate(self, counts_r, counts_c, sweeps=5):
        """As :func:`_entries._equilibrate`: alternating row and column
        scalings to unit RMS, then the largest entry to 1."""
        m, n = self.shape
        d_r, d_c = np.ones(m), np.ones(n)
        cnt_r, cnt_c = np.maximum(counts_r, 1), np.maximum(counts_c, 1)
        for _ in range(sweeps):
            rms = np.sqrt(self._sq(d_r, d_c)[0] / cnt_r)
            d_r /= np.where(rms > 0, rms, 1.0)
            rms = np.sqrt(self._sq(d_r, d_c)[1] / cnt_c)
            d_c /= np.where(rms > 0, rms, 1.0)
        r, _ = self._both(_block_max_sq, d_r, d_c, d_c, d_r)
        top = float(np.sqrt(max(_compute(*r), default=0.0))) or 1.0
        r, c = self._both(_rescaled, d_r, d_c, d_c, d_r, top)
        self.rows, self.cols = self._persist_pair(r, c)
        return d_r / top, d_c

    def core(self, need):
        """As :func:`_entries._core`: one pass over both layouts a peeling round."""
        m, n = self.shape
        keep_r, keep_c = np.ones(m, bool), np.ones(n, bool)
        while True:
            checkpoint()  # a fork waits here, not in the middle of the BLAS
            cr, cc = self._both_computed(_live_counts, keep_r, keep_c, keep_c, keep_r)
            new_r, new_c = keep_r & (cr >= need), keep_c & (cc >= need)
            if (new_r == keep_r).all() and (new_c == keep_c).all():
                self._core_nnz = int(cr[keep_r].sum())
                return keep_r, keep_c
            keep_r, keep_c = new_r, new_c

    def core_nnz(self, core_r, core_c):
        return self._core_nnz

    def problem(self, core_r, core_c, sweep, split_rng=None, max_iter=None, biases=False):
        r, c = self._both(_restrict, core_r, core_c, core_c, core_r)
        rows, cols = self._persist_pair(r, c)
        return _BlockedProblem(rows, cols, (int(core_r.sum()), int(core_c.sum())), sweep)

    def fold_in_cols(self, under_cols, core_r, U, reg):
        return self._fold_in(self.cols, self.col_bounds, under_cols, core_r, U, reg)

    def fold_in_rows(self, under_rows, V, reg):
        return self._fold_in(self.rows, self.row_bounds, under_rows,
                             np.ones(self.shape[1], bool), V, reg)

    def _fold_in(self, blocks, bounds, which, keep_other, F, reg):
        delayed = _delayed()
        sel = np.zeros(bounds[-1], bool)
        sel[which] = True
        s, k, f = _broadcast(sel), _broadcast(keep_other), _broadcast(F)
        parts = _compute(*[delayed(_fold_in_block)(B, s[lo:hi], k, f, reg)
                           for B, lo, hi in zip(blocks, bounds[:-1], bounds[1:])])
        return np.concatenate(parts) if parts else np.zeros((0, F.shape[1]))


def _fold_in_block(B, sel, keep_other, F, reg):
    from .._kernels.threads import worker_threads
    from ._entries import _fold_in

    with worker_threads():
        return _fold_in(_restrict(B, sel, keep_other), F, reg)


