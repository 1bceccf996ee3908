"""Low-rank matrix completion by (robust) alternating minimization.

:func:`altmin_complete` is the function API, :class:`CompletionResult` its
result and :class:`AltMinCompletion` the scikit-learn estimator (imputer
convention) wrapping it.
"""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp

from .._kernels.forks import fork_safe
from .._stack import find_stack_level
from .._validation._deprecate import DEPRECATED, renamed
from .._validation import (
    check_array,
    check_host,
    check_int,
    check_matrix,
    check_option,
    check_rng,
    check_scalar,
)
from .._backend import array_kind, frame_kind, is_sparse
from ._entries import _CSREntries
from ._device import _DeviceCSRProblem
from ._masked import _MaskedProblem
from ._select import select_reg
from ._result import CompletionResult
from ._solve import SOLVERS, _altmin_host, _altmin_masked, _Options, _select_rank, _zero_fit

__all__ = ["altmin_complete", "CompletionResult", "SOLVERS"]


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


@fork_safe
def altmin_complete(X, rank, method="auto", max_iter=100, tol="auto", *, reg="auto",
                    biases=False, sample_splitting=False, clip=2.0, n_inner=3, sketch_size=None,
                    equilibrate="auto", rng=None, verbose=False, callback=None,
                    solver=DEPRECATED, sketch_rows=DEPRECATED):
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
        the whole matrix). A CuPy CSR matrix (``cupyx.scipy.sparse``) stays
        on its device: each half-sweep forms every row's normal equations
        with one numba.cuda kernel and solves them in one batched cuSOLVER
        solve (exact row solves; ``U``, ``V`` are CuPy arrays).
    rank : int or "auto"
        Target rank, 1 ≤ rank ≤ min(n_rows, n_cols). Without a ridge, a rank
        whose degrees of freedom rank·(n_rows + n_cols − rank) exceed the
        number of observed entries cannot be identified and raises
        ``ValueError``; with ``reg > 0`` (or a positive λ chosen by
        ``reg="auto"``) any rank is allowed. ``"auto"`` (with ``reg="auto"``):
        the ranks 1, 2, 4, 8, … are tried in turn, each with its ridge path,
        until the held-out RMSE improves by less than 0.1 %; the best is
        kept (``CompletionResult.U.shape[1]``).
    method : {"auto", "sketched", "exact"}, default "auto"
        The row solver (``solver=`` is its deprecated spelling).
        ``"auto"``: ``"sketched"`` from rank 20 on when the median row and
        column lengths are at least 5·rank, ``"exact"`` otherwise. Measured
        here per sweep (2 threads, 10 % observed): 2000², exact/sketched
        time 0.48 at rank 5, 0.81 at 10, 1.03 at 20, 1.11 at 40, 0.92 at 60
        (rows of 200 entries); 4000², 0.41, 0.85, 1.25, 1.44, 1.35 (rows of
        400); the sketched solver also needs about 10 % more sweeps.
        ``"exact"``: per row, the rank×rank normal equations, O(|Ω|·rank²) a
        sweep. ``"sketched"``: per row, a CountSketch of the row's design
        into ``sketch_size`` rows, whose Cholesky factor preconditions
        ``n_inner`` conjugate-gradient steps warm started from the previous
        sweep: O(|Ω|·rank·(2·n_inner + 3) + (n_rows + n_cols)·sketch_size·rank²).
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
    sketch_size : int, optional
        CountSketch rows per row problem (``"sketched"``), default 3·rank
        (``sketch_rows=`` is its deprecated spelling).
        With ≥ 2·rank rows the sketched design of an incoherent problem keeps
        its singular values within a small factor of the full one, so each
        CG step contracts the error by ~0.3; larger sketches cost
        sketch_size·rank² per row. Rows with at most ``sketch_size``
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
    solver : optional
        Deprecated spelling of ``method``, accepted with a ``FutureWarning``
        for one release.
    sketch_rows : optional
        Deprecated spelling of ``sketch_size``, accepted with a ``FutureWarning``
        for one release.

    Returns
    -------
    CompletionResult
        ``U``, ``V`` (completed matrix ``U @ V.T``), ``n_iter``, ``converged``,
        ``residuals``, ``empty_rows``, ``empty_cols``,
        ``underdetermined_rows``, ``underdetermined_cols``, ``method``; with
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
    as described under ``method``. Rows are solved in parallel (native kernel).

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
    method = renamed("solver", solver, "method", method, "auto")
    sketch_size = renamed("sketch_rows", sketch_rows, "sketch_size", sketch_size, None)
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
        prob = (_DeviceCSRProblem.from_cupy(X) if array_kind(X) == "cupy_sparse"
                else _MaskedProblem(X))
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
    opts = _Options.checked(method, max_iter, tol, clip, n_inner, sketch_size, equilibrate,
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
        path.warn_if_worse(stacklevel=find_stack_level())
    return res


#: rows and columns with fewer than this many times ``rank`` observed entries
#: (among the others) are set aside and fitted last: a row with about rank
#: entries is interpolated, not estimated, and its amplified errors would
#: feed the other factor


