"""Low-rank matrix completion by (robust) alternating minimization.

:func:`altmin_complete` is the function API, :class:`CompletionResult` its
result and :class:`AltMinCompletion` the scikit-learn estimator (imputer
convention) wrapping it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from .. import _kernels
from .._progress import Progress
from .._kernels.threads import serial_blas
from .._validation import (
    check_array,
    check_bool,
    check_host,
    check_indices,
    check_int,
    check_matrix,
    check_option,
    check_rng,
    check_scalar,
)
from .._backend import array_kind, frame_kind, get_namespace, is_sparse
from ._entries import (_SPREAD, _CSREntries,  # noqa: F401 (_arrays: re-exported)
                       _HalfSweep, _arrays, _choose_solver, _fold_in, _plan_core,
                       _split_bias, _with_ones)
from ._masked import _MaskedProblem
from ._select import select_reg
from ._sweeps import _balance, _sweep

__all__ = ["altmin_complete", "CompletionResult", "SOLVERS"]

SOLVERS = ("auto", "sketched", "exact")



@dataclass
class CompletionResult:
    """Result of :func:`altmin_complete`: the completed matrix is ``U @ V.T``.

    Attributes
    ----------
    U : ndarray, shape (n_rows, rank)
    V : ndarray, shape (n_cols, rank)
        Balanced factors: ``U = Q_U Σ^{1/2}``, ``V = Q_V Σ^{1/2}`` with Σ the
        singular values of the completed matrix, so ``U.T @ U == V.T @ V``.
    n_iter : int
        Full sweeps (a V-update and a U-update each).
    converged : bool
        Whether the stopping rule was met before ``max_iter``.
    residuals : list of float
        ‖P_Ω(X − U Vᵀ)‖_F / ‖P_Ω(X)‖_F after each sweep (the observed entries
        of that sweep's subset when sample splitting).
    empty_rows, empty_cols : ndarray of int
        Rows / columns with no observed entry: their factor rows are zero,
        so their completed values are 0 (nothing identifies them).
    underdetermined_rows, underdetermined_cols : ndarray of int
        Rows / columns with fewer observed entries than the rank (after the
        others are set aside, see :func:`altmin_complete`): fitted last, by
        minimum-norm least squares against the other factor; their
        completed values are poorly determined.
    solver : str
        The row solver that produced the result ("exact" when "auto" chose
        it or a divergence forced it).
    mean : float
        The global mean μ (0 without ``biases``).
    row_bias, col_bias : ndarray or None
        Row and column biases b, c (``None`` without ``biases``): the
        completed matrix is then ``mean + b[:, None] + c[None, :] + U @ V.T``.
    data_scale : float
        The largest observed magnitude s (1 when all are 0): the unit of the
        fit, to which the biases' ridge λ·n·b²/s is relative.
    reg : float
        The ridge λ of the fit (the chosen one with ``reg="auto"``).
    reg_path : RegPath or None
        With ``reg="auto"``: every λ tried, its held-out RMSE, the
        baseline's, and the number of held-out entries.

    Notes
    -----
    Returned by :func:`altmin_complete`; ``predict`` reads entries in
    O(rank) each, so large completions are never formed.

    References
    ----------
    .. [1] P. Jain, P. Netrapalli, S. Sanghavi, "Low-rank matrix completion
       using alternating minimization", STOC 2013.

    Examples
    --------
    >>> from sketchla import altmin_complete
    >>> from sketchla.datasets import make_low_rank_completion
    >>> X, U, V = make_low_rank_completion(200, 100, 2, fraction=0.4, rng=0)
    >>> res = altmin_complete(X, 2, rng=0)
    >>> res.shape, res.converged
    ((200, 100), True)
    """

    U: np.ndarray
    V: np.ndarray
    n_iter: int
    converged: bool
    residuals: list = field(default_factory=list)
    empty_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    empty_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    underdetermined_rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    underdetermined_cols: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    solver: str = "exact"
    mean: float = 0.0
    row_bias: np.ndarray = None
    col_bias: np.ndarray = None
    data_scale: float = 1.0
    reg: float = 0.0
    reg_path: object = None

    @property
    def shape(self):
        return (self.U.shape[0], self.V.shape[0])

    def predict(self, rows, cols):
        """Entries ``(U @ V.T)[rows, cols]`` without forming the matrix (O(len·rank))."""
        rows = check_indices(rows, self.U.shape[0], "rows")
        cols = check_indices(cols, self.V.shape[0], "cols")
        if rows.shape != cols.shape:
            raise ValueError(f"rows and cols must have the same shape, got {rows.shape} "
                             f"and {cols.shape}")
        flat_r, flat_c = rows.ravel(), cols.ravel()
        if array_kind(self.U) != "numpy":
            xp = get_namespace(self.U)
            out = xp.sum(_kernels.take_rows(self.U, flat_r, xp=xp)
                         * _kernels.take_rows(self.V, flat_c, xp=xp), axis=1)
            return xp.reshape(out, rows.shape)
        out = np.empty(flat_r.size, dtype=self.U.dtype)
        for lo in range(0, flat_r.size, 1 << 18):
            sl = slice(lo, lo + (1 << 18))
            out[sl] = np.einsum("ij,ij->i", self.U[flat_r[sl]], self.V[flat_c[sl]])
        if self.row_bias is not None:
            out += self.mean + self.row_bias[flat_r] + self.col_bias[flat_c]
        return out.reshape(rows.shape)

    def toarray(self):
        """The completed (n_rows, n_cols) matrix (dense): ``U @ V.T``, plus
        ``mean + row_bias[:, None] + col_bias`` with biases."""
        out = self.U @ self.V.T
        if self.row_bias is not None:
            out += self.mean + self.row_bias[:, None] + self.col_bias[None, :]
        return out


def _observed(X):
    """(csr of observed entries in float64, output dtype, shape) from sparse or NaN-dense X."""
    if is_sparse(X):  # stored entries are observations: all must be finite
        X = check_matrix(X, "X", allow_empty=True)
        dtype = X.dtype
        csr = sp.csr_matrix(X, dtype=np.float64, copy=True)
        csr.sum_duplicates()
    else:
        X = check_array(X, "X", ensure_finite=False, allow_empty=True)
        check_host(X, "X", "altmin_complete", "native row solves")
        dtype = X.dtype
        if np.isinf(X).any():
            raise ValueError("X must not contain inf (NaN marks a missing entry)")
        mask = ~np.isnan(X)
        r, c = np.nonzero(mask)
        csr = sp.csr_matrix((X[r, c].astype(np.float64), (r, c)), shape=X.shape)
    csr.indices = csr.indices.astype(np.int64, copy=False)
    csr.indptr = csr.indptr.astype(np.int64, copy=False)
    return csr, np.dtype(dtype), csr.shape


def altmin_complete(X, rank, solver="auto", max_iter=100, tol="auto", *, reg="auto",
                    biases=False, sample_splitting=False, clip=2.0, n_inner=3, sketch_rows=None,
                    equilibrate="auto", rng=None, verbose=False, callback=None):
    """Complete a low-rank matrix from some of its entries by alternating minimization.

    Starting from the top-``rank`` singular subspace of the rescaled observed
    matrix (clipped for incoherence), the factors are updated in turn: each
    row of V solves a least-squares problem over the observed entries of its
    column with U fixed, then each row of U with V fixed (Jain, Netrapalli,
    Sanghavi 2013). The ``"sketched"`` solver replaces each exact solve by a
    few sketch-preconditioned iterations, which alternating minimization
    tolerates (Gu, Song, Yin, Zhang 2024).

    Parameters
    ----------
    X : scipy.sparse matrix, ndarray, Ratings, dask array or dask DataFrame
        The observations, shape (n_rows, n_cols). :class:`Ratings`
        (triplets with arbitrary ids): its ``matrix``. Sparse: the *stored*
        entries are observed (explicit zeros included; duplicates are
        summed), memory O(|Ω| + (n_rows + n_cols)·rank) and never
        densified. Dense: NaN marks a missing entry. Observations held by
        dask, for factors that fit in memory: a row-chunked dask array (of
        scipy.sparse or NaN-dense chunks), or a dask DataFrame of three
        columns (row index, column index, value; integer indices, shape
        one past the largest). The entries are regrouped once into row
        blocks and column blocks kept on the workers; each half-sweep is a
        map over the blocks of the factor it updates, with the other
        factor broadcast, and ``U``, ``V`` come back as NumPy arrays. The
        result is the in-memory one for the same seed, whatever the
        chunking (the sketched solves hash each entry by its position in
        the whole matrix).
    rank : int or "auto"
        Target rank, 1 ≤ rank ≤ min(n_rows, n_cols). Without a ridge, a rank
        whose degrees of freedom rank·(n_rows + n_cols − rank) exceed the
        number of observed entries cannot be identified and raises
        ``ValueError``; with ``reg > 0`` (or a positive λ chosen by
        ``reg="auto"``) any rank is allowed. ``"auto"`` (with ``reg="auto"``):
        the ranks 1, 2, 4, 8, … are tried in turn, each with its ridge path,
        until the held-out RMSE improves by less than 0.1 %; the best is
        kept (``CompletionResult.U.shape[1]``).
    solver : {"auto", "sketched", "exact"}, default "auto"
        ``"auto"``: ``"sketched"`` from rank 20 on when the median row and
        column lengths are at least 5·rank, ``"exact"`` otherwise. Measured
        here per sweep (2 threads, 10 % observed): 2000², exact/sketched
        time 0.48 at rank 5, 0.81 at 10, 1.03 at 20, 1.11 at 40, 0.92 at 60
        (rows of 200 entries); 4000², 0.41, 0.85, 1.25, 1.44, 1.35 (rows of
        400); the sketched solver also needs about 10 % more sweeps.
        ``"exact"``: per row, the rank×rank normal equations, O(|Ω|·rank²) a
        sweep. ``"sketched"``: per row, a CountSketch of the row's design
        into ``sketch_rows`` rows, whose Cholesky factor preconditions
        ``n_inner`` conjugate-gradient steps warm started from the previous
        sweep: O(|Ω|·rank·(2·n_inner + 3) + (n_rows + n_cols)·sketch_rows·rank²).
    max_iter : int, default 100
        Maximum number of sweeps.
    tol : float or "auto", default "auto"
        ``"auto"``: 1e-6 without a ridge, 1e-4 with one (a regularized fit
        is a statistical estimate; its held-out error settles long before,
        e.g. on MovieLens 100k the held-out RMSE moves by less than 0.1 %
        from there to 1e-6). Stop when the relative observed-entry residual
        r_t = ‖P_Ω(X − U Vᵀ)‖/‖P_Ω(X)‖ stops decreasing: r_{t−1} − r_t ≤
        tol·r_{t−1}, or when r_t ≤ 1e-14 (exact fit to rounding). Without
        noise the first rule fires when rounding is reached, so exact
        recovery runs to full accuracy; with noise, once the fit plateaus.
        With ``sample_splitting`` each sweep sees other entries, so only the
        second rule applies.
    reg : float or "auto", default "auto"
        ``"auto"``: λ is chosen on held-out entries (numpy and scipy.sparse
        X; otherwise λ = 0). A tenth of the observed entries is held out;
        where the rank is identifiable without a ridge, a short unregularized
        fit is tried first, and an exact fit of the held-out entries (exactly
        low-rank data) gives λ = 0. Otherwise λ descends from σ₁/2 by
        factors of 2 (σ₁: the top singular value of the residual of the
        mean and biases, weighted by 1/√(n_i n_j) — the smallest λ at which
        the zero factors are optimal), each fit warm-started from the
        previous one, until the held-out RMSE fails to improve twice; a
        parabola in log λ through the best three proposes one more; a path
        still improving at its end gives λ = 0. The model is then refit on
        all entries at the chosen λ, warm-started from the path's best fit.
        ``CompletionResult.reg`` and ``reg_path`` report the choice and every
        score; a warning says when the chosen fit predicts held-out entries
        worse than the baseline (the mean; plus damped row and column means
        with ``biases``). Cost: a handful of short fits of 90 % of the
        entries. A float: the ridge penalty λ, weighted by each row's and column's number of
        observed entries n_i, n_j (ALS-WR, Zhou et al. 2008): the sweeps
        minimize ‖P_Ω(X − M)‖² + λ(Σ_i n_i‖u_i‖² + Σ_j n_j‖v_j‖²) (with
        ``biases``, + λ(Σ_i n_i b_i² + Σ_j n_j c_j²)) alternately, each row
        solving min Σ_j (x_ij − m_ij)² + λ n_i‖u_i‖², so that a heavy row is
        not shrunk less than a light one. After each sweep the factors are
        balanced (the least weighted penalty for the same product), and the
        sweeps stop when that objective's relative decrease falls to
        ``tol``. λ is in the units of X (the problem is the same at every
        scale of X and λ together); on MovieLens 100k the held-out
        optimum is λ ≈ 0.1.
    biases : bool, default False
        Fit the model M = μ + b 1ᵀ + 1 cᵀ + U Vᵀ, for ratings: μ the mean of
        the observed entries, b and c row (user) and column (item) biases
        fitted inside the sweeps (each row solve is over [u_i, b_i] against
        [V, 1] on x_ij − μ − c_j, and likewise for the columns). Rows or
        columns with no observed entry then predict μ plus the other bias
        instead of 0. numpy and scipy.sparse input, without
        ``equilibrate`` or ``sample_splitting``.
    sample_splitting : bool, default False
        The analysed algorithm: Ω is split at random into 2·max_iter + 1
        parts, the first for the initialization and a fresh part for every
        half-sweep. It needs about 2·max_iter times more samples, so it is
        off by default (the practice of every implementation).
    clip : float or None, default 2.0
        Rows of the initial basis with norm above clip·√(rank/n_rows) (twice
        the norm of a perfectly incoherent row) are scaled down to it
        before re-orthonormalization (Jain et al.'s incoherence step).
        ``None`` disables it.
    n_inner : int, default 3
        Preconditioned CG steps per row and sweep (``"sketched"``). The warm
        start is already close and the outer iteration contracts what the
        inner steps leave, so a few suffice: on the 2000², rank-10, 10 %
        problem, 3 steps with a 3·rank sketch need 22 sweeps where exact
        solves need 20 (1 step: 56; 2 steps: 28).
    sketch_rows : int, optional
        CountSketch rows per row problem (``"sketched"``), default 3·rank.
        With ≥ 2·rank rows the sketched design of an incoherent problem keeps
        its singular values within a small factor of the full one, so each
        CG step contracts the error by ~0.3; larger sketches cost
        sketch_rows·rank² per row. Rows with at most ``sketch_rows``
        observations are solved exactly.
    equilibrate : "auto" or bool, default "auto"
        Scale rows and columns to unit RMS over their observed entries
        (alternating, five times) before the sweeps, and the factors back
        after. A diagonal scaling keeps the rank, and it removes the
        coherence that a few rows or columns of much larger magnitude
        create (five rows and columns ×100 defeat the unscaled iteration).
        ``"auto"`` equilibrates when some row's or column's RMS exceeds the
        median's by 4×. Only with ``reg=0`` (a ridge is not invariant under
        the scaling); ``residuals`` are then those of the scaled problem.
    rng : None, int, Generator or SeedSequence
        Randomness of the range finder, the sketches and the splitting.
    verbose : bool or int, default False
        ``True``: a progress bar with the current residual; ``2``: one line
        per sweep.
    callback : callable, optional
        ``callback(it, U, V)`` after each sweep, with the current factors
        in X's units and shape: ``U @ V.T`` is the current estimate (without
        the biases; rows and columns set aside until the end are zero).
        Used by the tour to plot the error against the sweep.

    Returns
    -------
    CompletionResult
        ``U``, ``V`` (completed matrix ``U @ V.T``), ``n_iter``, ``converged``,
        ``residuals``, ``empty_rows``, ``empty_cols``,
        ``underdetermined_rows``, ``underdetermined_cols``, ``solver``; with
        ``biases``, ``mean``, ``row_bias``, ``col_bias``.

    Notes
    -----
    Rows or columns with no observed entry cannot be recovered; their
    factor rows are set to zero (completed values 0) and a warning says
    how many there are.

    Rows and columns with fewer than 2·rank observed entries among the
    others (peeled until stable) are set aside: the sweeps run on the rest,
    then those columns and rows are fitted against the other factor by
    minimum-norm least squares. A row with about ``rank`` entries is
    interpolated rather than estimated, and inside the sweeps its amplified
    errors would spoil the other factor (power-law sampling gives many such
    rows). A warning names how many there are; the result lists them.

    A residual that rises in two consecutive sweeps, or becomes non-finite,
    is divergence: the sweeps go on from the best factors so far with exact
    solves (or stop there, if they were exact), with a warning. Reaching
    ``max_iter`` without meeting ``tol`` (> 0) is warned too.

    Cost: memory O(|Ω| + (n_rows + n_cols)·rank) (the entries are held once
    by rows and once by columns); the initialization costs about ten
    sparse products with (rank + 10) columns; each sweep is linear in |Ω|
    as described under ``solver``. Rows are solved in parallel (native kernel).

    References
    ----------
    .. [1] P. Jain, P. Netrapalli, S. Sanghavi, "Low-rank matrix completion
       using alternating minimization", STOC 2013.
    .. [2] Y. Gu, Z. Song, J. Yin, L. Zhang, "Low rank matrix completion via
       robust alternating minimization in nearly linear time", ICLR 2024
       (arXiv:2302.11068).
    .. [3] Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan, "Large-scale parallel
       collaborative filtering for the Netflix prize", AAIM 2008 (ALS-WR).
    .. [4] Y. Koren, R. Bell, C. Volinsky, "Matrix factorization techniques
       for recommender systems", Computer 42(8), 2009 (biases).

    Examples
    --------
    >>> from sketchla.datasets import make_low_rank_completion
    >>> from sketchla import altmin_complete
    >>> X, U, V = make_low_rank_completion(300, 200, 3, fraction=0.3, rng=0)
    >>> res = altmin_complete(X, 3, rng=0)
    >>> import numpy as np
    >>> bool(np.linalg.norm(res.toarray() - U @ V.T) < 1e-6 * np.linalg.norm(U @ V.T))
    True
    """
    from .ratings import Ratings

    if isinstance(X, Ratings):
        X = X.matrix
    blocked = frame_kind(X) == "dask"
    if not blocked:
        X = check_array(X, "X", accept_sparse=True, ensure_finite=False, allow_empty=True)
        blocked = array_kind(X) == "dask"
    host = blocked or array_kind(X) in ("numpy", "sparse")
    if blocked:
        from ._blocked import _DaskEntries

        entries = _DaskEntries(X)
        dtype, (m, n), nnz = entries.dtype, entries.shape, entries.nnz
    elif host:
        entries = _CSREntries(*_observed(X))
        dtype, (m, n), nnz = entries.dtype, entries.shape, entries.nnz
    else:
        prob = _MaskedProblem(X)
        dtype, (m, n), nnz = X.dtype, X.shape, prob.nnz
    auto_rank = isinstance(rank, str)
    if auto_rank:
        check_option(rank, "rank", ("auto",))
    else:
        rank = check_int(rank, "rank", minimum=1, maximum=min(m, n),
                         maximum_label=f"min(X.shape) = {min(m, n)}")
    auto_reg = isinstance(reg, str)
    if auto_reg:
        check_option(reg, "reg", ("auto",))
    else:
        reg = check_scalar(reg, "reg", minimum=0)
    opts = _Options.checked(solver, max_iter, tol, clip, n_inner, sketch_rows, equilibrate,
                            biases, sample_splitting, 1 if auto_rank else rank)
    if opts.biases and (blocked or not host or opts.sample_splitting):
        raise TypeError(
            "biases: altmin_complete(biases=True) supports numpy and scipy.sparse input "
            "without sample_splitting; got "
            + ("sample_splitting=True" if opts.sample_splitting
               else 'dask' if blocked else array_kind(X)))
    if opts.sample_splitting and (blocked or not host):
        raise TypeError("X: altmin_complete(sample_splitting=True) supports numpy and "
                        f"scipy.sparse input; got {'dask' if blocked else array_kind(X)}")
    selectable = auto_reg and host and not blocked and not opts.sample_splitting
    if auto_rank and not selectable:
        raise ValueError('rank="auto" needs reg="auto" and numpy or scipy.sparse X without '
                         "sample_splitting (the rank is chosen on held-out entries)")
    g = check_rng(rng)
    path = None
    if auto_rank:
        if min(m, n) < 1 or nnz < 1:
            raise ValueError(f'rank="auto": X ({m}x{n}, {nnz} observed entries) has no '
                             "rank to choose")
        rank, path = _select_rank(entries, nnz, opts, g, verbose)
    else:
        dof = rank * (m + n - rank)
        if nnz < rank or (nnz < dof and not selectable and (auto_reg or reg == 0)):
            raise ValueError(
                f"rank={rank} is too large for {nnz} observed entries: a rank-{rank} "
                f"{m}x{n} matrix has rank*(n_rows + n_cols - rank) = {dof} degrees of "
                "freedom (a ridge reg > 0 makes it identifiable)")
        if selectable:
            path = select_reg(entries.csr, rank, opts.resolved(rank, 1.0), g,
                              allow_zero=nnz >= dof,
                              fit_zero=_zero_fit(entries, rank, nnz, opts, g),
                              verbose=verbose)
    reg = path.reg if path is not None else 0.0 if auto_reg else reg
    opts = opts.resolved(rank, reg)
    if not host:
        return _altmin_masked(prob, X, rank, opts.solver, opts.max_iter, opts.tol, reg,
                              opts.clip, g, verbose, callback, dtype)
    res = _altmin_host(entries, rank, reg, opts, g, verbose, callback,
                       None if path is None else path.start)
    res.reg = float(reg)
    if path is not None:
        res.reg_path = path
        path.warn_if_worse(stacklevel=2)
    return res


@dataclass(frozen=True)
class _Options:
    """The validated settings of one :func:`altmin_complete` call."""

    solver: str
    max_iter: int
    tol: float
    clip: float
    n_inner: int
    sketch_rows: int
    equilibrate: object
    biases: bool
    sample_splitting: bool

    @classmethod
    def checked(cls, solver, max_iter, tol, clip, n_inner, sketch_rows, equilibrate, biases,
                sample_splitting, min_sketch):
        """The options validated, each error naming its argument."""
        check_option(solver, "solver", SOLVERS)
        auto = isinstance(equilibrate, str) and equilibrate == "auto"
        return cls(
            solver=solver, max_iter=check_int(max_iter, "max_iter", minimum=1),
            tol=tol if isinstance(tol, str) and tol == "auto"
            else check_scalar(tol, "tol", minimum=0),
            clip=check_scalar(clip, "clip", minimum=0, include_minimum=False,
                              allow_none=True),
            n_inner=check_int(n_inner, "n_inner", minimum=1),
            sketch_rows=None if sketch_rows is None else check_int(
                sketch_rows, "sketch_rows", minimum=min_sketch),
            equilibrate=equilibrate if auto else check_bool(equilibrate, "equilibrate"),
            biases=check_bool(biases, "biases"),
            sample_splitting=check_bool(sample_splitting, "sample_splitting"))

    def resolved(self, rank, reg):
        """The options with the defaults that depend on the rank and the ridge:
        ``sketch_rows`` 3·rank; ``tol`` 1e-6 without a ridge, 1e-4 with one."""
        return replace(self, sketch_rows=3 * rank if self.sketch_rows is None
                       else self.sketch_rows,
                       tol=(1e-4 if reg > 0 else 1e-6) if self.tol == "auto" else self.tol)


#: rank="auto": the candidate ranks, in order; the search stops at the first
#: one whose held-out RMSE does not improve on the best by _RANK_GAIN
_RANKS = (1, 2, 4, 8, 16, 32, 64)
_RANK_GAIN = 1e-3


#: sweeps of the unregularized candidate of reg="auto" at most
_ZERO_SWEEPS = 10


def _zero_fit(entries, rank, nnz, opts, g):
    """The unregularized candidate of reg="auto" (a fit of a training part,
    given as CSR) where it differs from the path's fits: where the rank is
    identifiable without a ridge and the λ = 0 fit is equilibrated (which a
    ridge is not); else None."""
    shape = entries.shape
    if nnz < rank * (sum(shape) - rank) or opts.biases or opts.equilibrate is False:
        return None
    if opts.equilibrate == "auto" and not entries.spread(*entries.counts()) > _SPREAD:
        return None
    o = replace(opts.resolved(rank, 0.0), max_iter=min(opts.max_iter, _ZERO_SWEEPS))

    def fit(csr):
        if csr.nnz < rank * (sum(shape) - rank):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _altmin_host(_CSREntries(csr, np.dtype(np.float64), shape), rank, 0.0, o,
                                g, False, None)

    return fit


def _select_rank(entries, nnz, opts, g, verbose):
    """rank="auto": the candidate rank whose ridge path scores best on the
    held-out entries, and that path."""
    best, shape = None, entries.shape
    for r in (r for r in _RANKS if r <= min(shape)):
        path = select_reg(entries.csr, r, opts.resolved(r, 1.0), g,
                          allow_zero=nnz >= r * (sum(shape) - r),
                          fit_zero=_zero_fit(entries, r, nnz, opts, g), verbose=verbose)
        if best is not None and not path.score < best[1].score * (1 - _RANK_GAIN):
            break
        best = (r, path)
    return best


def _altmin_host(entries, rank, reg, o, g, verbose, callback, start=None):
    """The sweeps over observations held on the host (in memory or by dask):
    scale, plan the core, sweep, fold in the rows set aside, assemble.
    ``start``: factors and biases in X's units to start from (a warm start)."""
    m, n = entries.shape
    # scale-aware: the sweeps see the observations divided by their largest
    # magnitude s (and the ridge as reg / s, the same problem); the factors
    # are multiplied by √s at the end
    scale = entries.unit_scale()
    counts_r, counts_c = entries.counts()
    empty_rows, empty_cols = np.flatnonzero(counts_r == 0), np.flatnonzero(counts_c == 0)
    _warn_empty(empty_rows, empty_cols, 4)
    d_rows = d_cols = None
    equilibrate = o.equilibrate
    if equilibrate == "auto":
        equilibrate = entries.spread(counts_r, counts_c) > _SPREAD
    if equilibrate and reg == 0 and not o.biases:
        d_rows, d_cols = entries.equilibrate(counts_r, counts_c)
    core_r, core_c, under_rows, under_cols = _plan_core(entries, rank, counts_r, counts_c, 4)
    sweep = _HalfSweep(reg / scale, False, o.n_inner, o.sketch_rows)
    prob = entries.problem(core_r, core_c, sweep, g if o.sample_splitting else None,
                           o.max_iter, o.biases)
    solver = _choose_solver(o.solver, prob, rank)
    sweep.sketched = solver == "sketched"
    stop = _StoppingRule(o.tol, o.sample_splitting)
    callback = _in_x_units(callback, (m, n), core_r, core_c, d_rows, d_cols, scale)
    # The per-sweep BLAS work (QR of n x rank) is tiny and runs serially, so
    # no BLAS pool spins on the cores of the native row solves.
    with Progress(o.max_iter, f"altmin ({solver})", verbose) as bar, serial_blas():
        if start is None:
            U, V = prob.initialize(rank, o.clip, g)
        else:
            U, V = start.restrict(prob, core_r, core_c, scale)
        if reg > 0:  # the ridge weighs both factors: start them balanced
            U, V = _balance(U, V)
        U, V, it, solver = _run_sweeps(prob, sweep, U, V, o, g, bar, callback, stop, solver)
        bar.close(f"{it} sweeps, residual {stop.residuals[-1]:.3e}, "
                  f"{'converged' if stop.converged else 'max_iter reached'}")
        if not o.sample_splitting:
            _warn_not_converged(stop, o.max_iter, o.tol, 4)
        U, V, b, c = _assemble(entries, prob, U, V, core_r, core_c, under_rows, under_cols,
                               reg / scale, o.biases)
        if d_rows is not None:  # X = D_r⁻¹ Y D_c⁻¹ for the equilibrated Y
            U /= d_rows[:, None]
            V /= d_cols[:, None]
        U, V = _balance(U, V)
        root = float(np.sqrt(scale))
        U, V = U * root, V * root
    dtype = entries.dtype
    res = CompletionResult(U.astype(dtype), V.astype(dtype), it, stop.converged,
                           stop.residuals, empty_rows, empty_cols, under_rows, under_cols,
                           solver, data_scale=float(scale))
    if o.biases:
        res.mean = float(prob.mean * scale)
        res.row_bias, res.col_bias = (b * scale).astype(dtype), (c * scale).astype(dtype)
    return res


def _run_sweeps(prob, sweep, U, V, o, g, bar, callback, stop, solver):
    """Sweeps until the stopping rule or ``max_iter``, with the divergence
    guard: (U, V, sweeps done, the solver in use at the end)."""
    guard = _DivergenceGuard()
    it = 0
    reg = sweep.reg
    for it in range(1, o.max_iter + 1):
        U, V, r, f = _sweep(prob, U, V, it, g, bar, callback, reg)
        action = guard(f, U, V, sweep.sketched and not o.sample_splitting,
                       prob.biases() if o.biases else None)
        if action is not None:
            U, V = guard.best_factors()
            if o.biases:
                prob.set_biases(*guard.best_state)
        if action == "exact":
            # a rising or non-finite residual under sketched solves: go on
            # from the best factors with exact solves
            sweep.sketched = False
            solver = "exact"
            warnings.warn(
                f"altmin: the observed residual rose at sweep {it} with sketched row "
                "solves; continuing from the best factors with exact solves",
                RuntimeWarning, stacklevel=4)
            continue
        if action == "stop":
            warnings.warn(f"altmin: the observed residual diverged at sweep {it}; "
                          "returning the best factors found", RuntimeWarning, stacklevel=4)
            break
        if stop(r, f):
            break
    return U, V, it, solver


def _assemble(entries, prob, U, V, core_r, core_c, under_rows, under_cols, reg, biases):
    """Full-shape factors (and biases) from the core's: the rows and columns
    set aside are folded in against the other factor (minimum-norm least
    squares, ridge ``reg`` in the scaled units)."""
    m, n = entries.shape
    Uf, Vf = np.zeros((m, U.shape[1])), np.zeros((n, U.shape[1]))
    Uf[core_r], Vf[core_c] = U, V
    fold_reg = max(reg, 1e-10 * float(np.sum(V * V)) / max(int(core_c.sum()), 1))
    if not biases:
        if under_cols.size:
            Vf[under_cols] = entries.fold_in_cols(under_cols, core_r, U, fold_reg)
        if under_rows.size:
            Uf[under_rows] = entries.fold_in_rows(under_rows, Vf, fold_reg)
        return Uf, Vf, None, None
    mean = prob.mean
    bf, cf = np.zeros(m), np.zeros(n)
    bf[core_r], cf[core_c] = prob.biases()
    if under_cols.size:
        Vf[under_cols], cf[under_cols] = _split_bias(entries.fold_in_cols(
            under_cols, core_r, _with_ones(U), fold_reg, shift=mean + bf[core_r]))
    if under_rows.size:
        Uf[under_rows], bf[under_rows] = _split_bias(entries.fold_in_rows(
            under_rows, _with_ones(Vf), fold_reg, shift=mean + cf))
    return Uf, Vf, bf, cf


def _fold_in_result(result, csr, reg):
    """Factor rows (and row biases) for new rows ``csr`` of observations in
    the columns of ``result``: each solves its row problem with V fixed
    (ridge reg·n_i; with biases on x − μ − c_j, the bias's ridge
    reg·n_i·b²/s as in the fit, s = ``result.data_scale``). Returns
    (U_new, b_new or None)."""
    V = np.asarray(result.V, dtype=np.float64)
    if result.row_bias is None:
        return _fold_in(csr, V, reg), None
    alpha = float(np.sqrt(result.data_scale))
    W = _fold_in(csr, _with_ones(V, alpha), reg,
                 shift=result.mean + np.asarray(result.col_bias, dtype=np.float64))
    return _split_bias(W, alpha)


def _in_x_units(callback, shape, core_r, core_c, d_rows, d_cols, scale):
    """The user's callback, given the sweeps' factors (of the well-observed
    core, equilibrated, at unit scale) as factors of X: full shape, in X's
    units, so that U @ V.T is the current estimate (rows set aside so far
    are zero)."""
    if callback is None:
        return None
    root = float(np.sqrt(scale))

    def wrapped(it, U, V):
        Uf, Vf = np.zeros((shape[0], U.shape[1])), np.zeros((shape[1], V.shape[1]))
        Uf[core_r], Vf[core_c] = U, V
        if d_rows is not None:
            Uf /= d_rows[:, None]
            Vf /= d_cols[:, None]
        callback(it, Uf * root, Vf * root)

    return wrapped


def _warn_empty(rows, cols, stacklevel):
    if rows.size or cols.size:
        warnings.warn(f"{rows.size} row(s) and {cols.size} column(s) of X have no observed "
                      "entry; their completed values are set to 0", RuntimeWarning,
                      stacklevel=stacklevel)


def _warn_not_converged(stop, max_iter, tol, stacklevel):
    if not stop.converged and tol > 0:
        warnings.warn(
            f"altmin did not converge in {max_iter} sweeps (relative observed residual "
            f"{stop.residuals[-1]:.3g}); pass a larger max_iter, or check the result",
            RuntimeWarning, stacklevel=stacklevel)


def _altmin_masked(prob, X, rank, solver, max_iter, tol, reg, clip, g, verbose, callback,
                   dtype):
    """altmin_complete for dense X with NaN in other namespaces (exact batched solves)."""
    scale = prob.scale
    prob.reg = reg / scale
    if callback is not None:
        root, user = float(np.sqrt(scale)), callback

        def callback(it, U, V):
            user(it, U * root, V * root)

    _warn_empty(prob.empty_rows, prob.empty_cols, 4)
    stop = _StoppingRule(tol, False)
    it = 0
    with Progress(max_iter, "altmin (exact, batched)", verbose) as bar, serial_blas():
        U, V = prob.initialize(rank, clip, g)
        if reg > 0:  # the ridge weighs both factors: start them balanced
            U, V = _balance(U, V)
        for it in range(1, max_iter + 1):
            U, V, r, f = _sweep(prob, U, V, it, g, bar, callback, prob.reg)
            if stop(r, f):
                break
        bar.close(f"{it} sweeps, residual {stop.residuals[-1]:.3e}, "
                  f"{'converged' if stop.converged else 'max_iter reached'}")
        _warn_not_converged(stop, max_iter, tol, 4)
        U, V = prob.zero_empty(U, V)
        U, V = _balance(U, V)
        root = float(np.sqrt(scale))
        U, V = U * root, V * root
    xp = get_namespace(U)
    return CompletionResult(xp.astype(U, dtype), xp.astype(V, dtype), it,
                            stop.converged, stop.residuals, prob.empty_rows, prob.empty_cols,
                            data_scale=float(scale))


#: rows and columns with fewer than this many times ``rank`` observed entries
#: (among the others) are set aside and fitted last: a row with about rank
#: entries is interpolated, not estimated, and its amplified errors would
#: feed the other factor


class _DivergenceGuard:
    """Keeps the factors of the best sweep; reports a non-finite residual, or one
    that rose in two consecutive sweeps by more than 1 %, as divergence:
    "exact" (switch from sketched solves) or "stop" (already exact)."""

    def __init__(self):
        self.best, self.prev, self.rises = np.inf, np.inf, 0
        self._U = self._V = None
        self.best_state = None  # the biases with the best factors

    def __call__(self, r, U, V, sketched, state=None):
        finite = np.isfinite(r) and np.isfinite(U).all() and np.isfinite(V).all()
        if finite and r < self.best:
            self.best, self._U, self._V = r, U.copy(), V.copy()
            self.best_state = None if state is None else tuple(a.copy() for a in state)
        self.rises = self.rises + 1 if (not finite or r > 1.01 * self.prev) else 0
        self.prev = r if finite else np.inf
        if self.rises >= 2 or not finite:
            self.rises, self.prev = 0, np.inf
            if self._U is None:
                return None
            return "exact" if sketched else "stop"
        return None

    def best_factors(self):
        return self._U.copy(), self._V.copy()


class _StoppingRule:
    """Stop at rounding level (relative observed residual ≤ 1e-14) or, without
    sample splitting, when the relative decrease of the objective (the
    residual; with a ridge, the regularized objective, which exact
    alternating solves never increase) falls to ``tol``."""

    def __init__(self, tol, sample_splitting):
        self.tol, self.sample_splitting = tol, sample_splitting
        self.residuals = []
        self.objectives = []
        self.converged = False

    def __call__(self, r, f=None):
        f = r if f is None else f
        prev = self.objectives[-1] if self.objectives else np.inf
        self.residuals.append(r)
        self.objectives.append(f)
        if r <= 1e-14 or (not self.sample_splitting and np.isfinite(prev)
                          and prev - f <= self.tol * prev):
            self.converged = True
        return self.converged


