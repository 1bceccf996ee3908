"""The observations of :func:`altmin_complete` in memory and the problems the
sweeps solve: entries as CSR and CSC, the well-observed core, equilibration,
the initialization, and the native row solves (plain and with biases)."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from .._kernels.forks import checkpoint
from .._stack import find_stack_level
from .. import _kernels


def _range_finder(matmat, rmatmat, shape, k, rng, n_power=4, oversample=10):
    """Top-k left singular subspace and values of A, given X ↦ A X and
    Y ↦ Aᵀ Y: the power-method range finder of :func:`sketchla.randomized_svd`
    (n_power iterations) from a Gaussian block of k + oversample columns drawn
    from ``rng``, on the operator, so an A that is sparse or held in blocks is
    never densified."""
    from scipy.sparse.linalg import LinearOperator

    from ..linalg._power_method import svd_from_gaussian

    op = _kernels.Operator(LinearOperator(
        shape, dtype=np.float64, matvec=lambda x: matmat(x[:, None])[:, 0],
        rmatvec=lambda y: rmatmat(y[:, None])[:, 0], matmat=matmat, rmatmat=rmatmat))
    U, s, _ = svd_from_gaussian(op, k, min(k + oversample, min(shape)), n_power, rng)
    return np.asarray(U), s


def _clip_rows(U, clip, rank):
    """Jain et al.'s incoherence step: rows of U with norm above
    clip·√(rank/m) scaled down to it, then U re-orthonormalized."""
    if clip is None:
        return np.ascontiguousarray(U)
    cap = clip * np.sqrt(rank / U.shape[0])
    norms = np.linalg.norm(U, axis=1)
    big = norms > cap
    U[big] *= (cap / norms[big])[:, None]
    return np.ascontiguousarray(np.linalg.qr(U)[0])


def _arrays(M):
    """(indptr, indices, data) of a CSR matrix as the kernel takes them."""
    return (M.indptr.astype(np.int64, copy=False), M.indices.astype(np.int64, copy=False),
            np.ascontiguousarray(M.data, dtype=np.float64))


def _part(csr, coo, labels, part):
    """One part of Ω as CSR: all of it without sample splitting."""
    if labels is None:
        return csr
    keep = labels == part
    return sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=csr.shape)


def _with_ones(F, alpha=1.0):
    """[F, alpha]: the fixed factor of a biased row solve, whose last unknown
    is b/alpha (so its ridge reg·n_i·b²/alpha²)."""
    return np.ascontiguousarray(np.hstack([F, np.full((F.shape[0], 1), alpha)]))


def _split_bias(W, alpha=1.0):
    """(factor rows, biases) from the solutions of biased row solves."""
    return np.ascontiguousarray(W[:, :-1]), W[:, -1] * alpha


#: "auto" takes the sketched row solver from this rank on, when the median row
#: and column lengths are at least _AUTO_LENGTH times the rank (measured
#: crossover, see altmin_complete)
_AUTO_RANK = 20
_AUTO_LENGTH = 5

#: rows and columns with fewer than this many times ``rank`` observed entries
#: (among the others) are set aside and fitted last: a row with about rank
#: entries is interpolated, not estimated, and its amplified errors would
#: feed the other factor
_CORE_FACTOR = 2

#: "auto" equilibrates when a row's or column's RMS exceeds the median one's by this
_SPREAD = 4.0


def _spread(csr, rows, counts_r, counts_c):
    """max / median of the row and of the column RMS over the observed entries
    (``rows``: the row of each stored entry; the counts per row and column)."""
    m, n = csr.shape
    sq = csr.data * csr.data
    out = 1.0
    for idx, cnt, size in ((rows, counts_r, m), (csr.indices, counts_c, n)):
        rms = np.sqrt(np.bincount(idx, weights=sq, minlength=size)[cnt > 0] / cnt[cnt > 0])
        med = np.median(rms) if rms.size else 0.0
        if med > 0:
            out = max(out, float(rms.max() / med))
    return out


def _equilibrate(csr, rows, counts_r, counts_c, sweeps=5):
    """Scale the rows and columns of ``csr`` in place to unit RMS over their
    observed entries (alternating, ``sweeps`` times); return the row and
    column factors (Y = D_r X D_c). A diagonal scaling keeps the rank, so the
    completion of Y gives X's; it removes the coherence that a few rows or
    columns of much larger magnitude create. Arguments as for :func:`_spread`."""
    m, n = csr.shape
    d_r, d_c = np.ones(m), np.ones(n)
    data0 = csr.data.copy()
    cnt_r, cnt_c = np.maximum(counts_r, 1), np.maximum(counts_c, 1)
    for _ in range(sweeps):
        y = data0 * d_r[rows] * d_c[csr.indices]
        rms = np.sqrt(np.bincount(rows, weights=y * y, minlength=m) / cnt_r)
        d_r /= np.where(rms > 0, rms, 1.0)
        y = data0 * d_r[rows] * d_c[csr.indices]
        rms = np.sqrt(np.bincount(csr.indices, weights=y * y, minlength=n) / cnt_c)
        d_c /= np.where(rms > 0, rms, 1.0)
    # one overall scale keeps the largest entry at 1 (the unit scaling of the data)
    csr.data = data0 * d_r[rows] * d_c[csr.indices]
    top = _unit_scale(csr.data)
    return d_r / top, d_c


def _core(csr, rank):
    """Boolean masks of the rows and columns that keep at least ``rank``
    observed entries among each other (peeled until stable): the part whose
    factors the alternating solves determine.

    Each round drops every row and column below ``rank`` at once and
    subtracts from the counts only the entries those held (a dropped row's
    entries in columns still kept, through the CSR arrays, and a dropped
    column's in rows still kept, through the CSC ones), so the peeling
    costs O(nnz) in all, however many rounds it takes. An entry in both a
    dropped row and a dropped column is subtracted twice, but only from
    counts of dropped lines, which are never read again."""
    m, n = csr.shape
    csc = csr.tocsc()
    cr = np.diff(csr.indptr).astype(np.int64)
    cc = np.diff(csc.indptr).astype(np.int64)
    keep_r, keep_c = np.ones(m, bool), np.ones(n, bool)
    while True:
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        drop_r, drop_c = keep_r & (cr < rank), keep_c & (cc < rank)
        if not (drop_r.any() or drop_c.any()):
            return keep_r, keep_c
        j = csr.indices[_kernels.range_positions(csr.indptr, np.flatnonzero(drop_r))]
        i = csc.indices[_kernels.range_positions(csc.indptr, np.flatnonzero(drop_c))]
        cc -= np.bincount(j[keep_c[j]], minlength=n)
        cr -= np.bincount(i[keep_r[i]], minlength=m)
        keep_r &= ~drop_r
        keep_c &= ~drop_c


def _unit_scale(data):
    """Divide ``data`` (a float64 array the caller owns) in place by its largest
    magnitude and return that magnitude (1 when it is 0)."""
    s = _kernels.abs_max(data)
    if s > 0:
        data /= s
        return s
    return 1.0


class _CSREntries:
    """The observations in memory, as CSR: what the driver of
    :func:`altmin_complete` asks of them (the counterpart of
    ``_blocked._DaskEntries``)."""

    def __init__(self, csr, dtype, shape):
        self.csr, self.dtype, self.shape, self.nnz = csr, dtype, shape, csr.nnz
        self._counts = np.diff(csr.indptr), np.bincount(csr.indices, minlength=shape[1])
        self._rows = np.repeat(np.arange(shape[0]), self._counts[0])  # row of each entry

    def unit_scale(self):
        return _unit_scale(self.csr.data)

    def counts(self):
        return self._counts

    def spread(self, counts_r, counts_c):
        return _spread(self.csr, self._rows, counts_r, counts_c)

    def equilibrate(self, counts_r, counts_c):
        return _equilibrate(self.csr, self._rows, counts_r, counts_c)

    def core(self, need):
        return _core(self.csr, need)

    def core_nnz(self, core_r, core_c):
        return self.csr[core_r][:, core_c].nnz

    def problem(self, core_r, core_c, sweep, split_rng, max_iter, biases=False):
        sub = self.csr[np.flatnonzero(core_r)][:, np.flatnonzero(core_c)].tocsr()
        sub.indices = sub.indices.astype(np.int64, copy=False)
        sub.indptr = sub.indptr.astype(np.int64, copy=False)
        if biases:
            return _BiasedProblem(sub, sweep)
        return _CSRProblem(sub, split_rng, max_iter, sweep)

    def fold_in_cols(self, under_cols, core_r, U, reg, shift=None):
        """``shift``: subtracted from each entry by its row (biased solves)."""
        return _fold_in(self.csr.T.tocsr()[under_cols][:, np.flatnonzero(core_r)], U, reg,
                        shift)

    def fold_in_rows(self, under_rows, V, reg, shift=None):
        return _fold_in(self.csr[under_rows], V, reg, shift)


class _CSRProblem:
    """The observations as CSR (rows) and CSC (columns) parts for the native
    row kernels; with sample splitting, each half-sweep uses its own part."""

    def __init__(self, csr, split_rng, max_iter, sweep):
        m = csr.shape[0]
        self.sweep = sweep
        self.labels = (split_rng.integers(0, 2 * max_iter + 1, size=csr.nnz)
                       if split_rng is not None else None)
        self.csr = csr
        self.coo = csr.tocoo() if split_rng is not None else None
        self.A0 = _part(csr, self.coo, self.labels, 0)
        self.rows0, self.cols0 = _arrays(self.A0), _arrays(self.A0.T.tocsr())
        self.row_lengths = np.diff(csr.indptr)
        self.col_lengths = np.bincount(csr.indices, minlength=csr.shape[1])
        self.resid = np.empty(m)
        self.x_norm = None

    def initialize(self, rank, clip, g):
        return _initialize(self.A0, rank, clip, g)

    def solve_cols(self, U, V, it, seed):
        cols = self.cols0 if self.labels is None else \
            _arrays(_part(self.csr, self.coo, self.labels, 2 * it - 1).T.tocsr())
        return self.sweep(cols, U, V, seed)

    def solve_rows(self, V, U, it, seed):
        rows = self.rows0 if self.labels is None else \
            _arrays(_part(self.csr, self.coo, self.labels, 2 * it))
        U = self.sweep(rows, V, U, seed, self.resid)
        if self.x_norm is None or self.labels is not None:
            self.x_norm = np.sqrt(np.dot(rows[2], rows[2]))
        return U, self.resid.sum(), self.x_norm


def _initialize(A0, rank, clip, g):
    """(U, V): the top-``rank`` left subspace of the rescaled observations
    A0/p (randomized range finder, sparse A0 never densified), rows of norm
    above clip·√(rank/m) clipped and re-orthonormalized (incoherence), and
    V = A0ᵀU/p as the warm start of the first V-step."""
    m, n = A0.shape
    if A0.nnz == 0:  # nothing observed in the core: zero factors
        return np.zeros((m, rank)), np.zeros((n, rank))
    frac = A0.nnz / (m * n)
    A = A0 / frac

    def matmat(X, transpose=False):  # threaded native kernel, no transposed copy
        return _kernels.sparse_matmat(A, X, transpose=transpose)

    U = _clip_rows(_range_finder(matmat, lambda Y: matmat(Y, transpose=True), A.shape,
                                 rank, g)[0], clip, rank)
    V = np.ascontiguousarray(matmat(U, transpose=True))
    return U, V


class _HalfSweep:
    """One half-sweep: every row of the target factor re-solved (in parallel,
    native kernel) against the fixed other factor, exactly or sketch-preconditioned."""

    def __init__(self, reg, sketched, n_inner, sketch_rows):
        self.reg, self.sketched = reg, sketched
        self.n_inner, self.sketch_rows = n_inner, sketch_rows

    def __call__(self, part, fixed, current, seed, resid=None, offset=0):
        """``part`` as :func:`_arrays` gives it; ``offset``, the position of its
        first entry in the whole matrix (a block of rows), keys the sketches.
        Row i's ridge is reg·n_i (ALS-WR)."""
        out = np.empty_like(current)
        return _kernels.update_rows(*part, fixed, current, out, reg=self.reg,
                                    sketched=self.sketched, n_inner=self.n_inner,
                                    sketch_rows=self.sketch_rows, seed=seed, resid=resid,
                                    offset=offset)


def _fold_in(csr, V, reg, shift=None):
    """Row factors for new rows: each solves its least-squares problem with V
    fixed (ridge reg·n_i, ALS-WR); ``shift[j]`` is first subtracted from the
    entries of column j (the mean and biases of biased solves)."""
    U = np.zeros((csr.shape[0], V.shape[1]))
    indptr, indices, data = _arrays(csr)
    if shift is not None:
        data = data - np.broadcast_to(shift, (csr.shape[1],))[indices]
    return _kernels.update_rows(indptr, indices, data, np.ascontiguousarray(V, dtype=np.float64),
                                U, U, reg=reg, sketch_rows=V.shape[1])


class _BiasedProblem(_CSRProblem):
    """The observations as for :class:`_CSRProblem`, for the model
    x_ij ≈ μ + b_i + c_j + u_iᵀv_j: each half-sweep solves for [v_j, c_j]
    against [U, 1] on x_ij − μ − b_i (and for [u_i, b_i] against [V, 1] on
    x_ij − μ − c_j), so the biases are fitted with the factors by the same
    row kernel, under the same weighted ridge."""

    def __init__(self, csr, sweep):
        super().__init__(csr, None, 0, sweep)
        data = self.rows0[2]
        self.mean = float(data.mean()) if data.size else 0.0
        self.x_norm = float(np.sqrt(np.dot(data, data)))
        self.b, self.c = np.zeros(csr.shape[0]), np.zeros(csr.shape[1])

    def biases(self):
        return self.b, self.c

    def set_biases(self, b, c):
        self.b, self.c = b.copy(), c.copy()

    def bias_penalty(self):
        return float(np.dot(self.row_lengths, self.b * self.b)
                     + np.dot(self.col_lengths, self.c * self.c))

    def initialize(self, rank, clip, g):
        """Biases by three alternating ridge means (b_i = mean of x − μ − c
        over row i, over 1 + reg), then :func:`_initialize` on the residual."""
        indptr, cols, data = self.rows0
        rows = np.repeat(np.arange(self.csr.shape[0]), self.row_lengths)
        shrink = 1.0 + self.sweep.reg
        nr, nc = np.maximum(self.row_lengths, 1), np.maximum(self.col_lengths, 1)
        for _ in range(3):
            self.c = np.bincount(cols, data - self.mean - self.b[rows],
                                 self.csr.shape[1]) / nc / shrink
            self.b = np.bincount(rows, data - self.mean - self.c[cols],
                                 self.csr.shape[0]) / nr / shrink
        R = sp.csr_matrix((data - self.mean - self.b[rows] - self.c[cols], cols, indptr),
                          shape=self.csr.shape)
        return _initialize(R, rank, clip, g)

    def _half(self, part, fixed, current, own, other, seed, resid=None):
        """[current, own] re-solved against [fixed, 1] on x − μ − other (the
        other side's biases, by each entry's index): (factor rows, biases)."""
        indptr, idx, data = part
        W = self.sweep((indptr, idx, data - self.mean - other[idx]), _with_ones(fixed),
                       np.ascontiguousarray(np.hstack([current, own[:, None]])), seed, resid)
        return _split_bias(W)

    def solve_cols(self, U, V, it, seed):
        V, self.c = self._half(self.cols0, U, V, self.c, self.b, seed)
        return V

    def solve_rows(self, V, U, it, seed):
        U, self.b = self._half(self.rows0, V, U, self.b, self.c, seed, self.resid)
        return U, self.resid.sum(), self.x_norm


def _plan_core(entries, rank, counts_r, counts_c, warn):
    """The well-observed core (boolean masks) and the rows and columns set
    aside from it; if the core cannot carry the rank (tiny or extreme
    inputs), a laxer one, then every observed row and column. A warning
    names the rows and columns set aside (when ``warn``)."""
    for need in (_CORE_FACTOR * rank, rank, 1):
        core_r, core_c = entries.core(need)
        ms, ns = int(core_r.sum()), int(core_c.sum())
        if min(ms, ns) >= rank and entries.core_nnz(core_r, core_c) >= rank * (ms + ns - rank):
            break
    under_rows = np.flatnonzero(~core_r & (counts_r > 0))
    under_cols = np.flatnonzero(~core_c & (counts_c > 0))
    if warn and (under_rows.size or under_cols.size):
        warnings.warn(
            f"{under_rows.size} row(s) and {under_cols.size} column(s) of X have fewer than "
            f"{need} observed entries (among the well-observed others): they are fitted "
            "last, by minimum-norm least squares, and their completed values are poorly "
            "determined (CompletionResult.underdetermined_rows / _cols)",
            RuntimeWarning, stacklevel=find_stack_level())
    return core_r, core_c, under_rows, under_cols


def _choose_solver(solver, prob, rank):
    if solver != "auto":
        return solver
    lengths = min(np.median(prob.row_lengths), np.median(prob.col_lengths))
    return "sketched" if rank >= _AUTO_RANK and lengths >= _AUTO_LENGTH * rank else "exact"
