"""Quantile regression on an ℓ1 row sample: ``quantile_regression``, and the
weighted check-loss linear program it and ℓ1 regression share.

The check (pinball) loss ρ_τ(r) = τ·r⁺ + (1 − τ)·r⁻ lies between
min(τ, 1 − τ)|r| and max(τ, 1 − τ)|r|, so a row sample whose reweighted ℓ1
norm is a (1 ± ε) embedding of span([A b]) makes the sampled check-loss
objective a (1 ± κε)-approximation of the full one, uniformly in x, with
κ = max(τ, 1 − τ) / min(τ, 1 − τ); its minimizer is then within a factor
(1 + κε)/(1 − κε) of the optimum. Sampling by ℓ1 Lewis weights (or
sensitivities) with the sample size multiplied by κ keeps κε fixed
(Yang, Meng & Mahoney 2013, who sample by an ℓ1-conditioned basis; the
Lewis-weight embedding of Cohen & Peng 2015 gives the same guarantee with
Õ(d/ε²) rows).
"""

from __future__ import annotations

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._validation._deprecate import DEPRECATED, renamed
from .. import _kernels
from .._validation import check_int, check_rng, check_scalar

from ._weighted_solvers import solve_weighted_check_loss

__all__ = ["quantile_regression", "solve_weighted_check_loss"]

#: the streamed Lewis iterations assemble [D y] once, up front, when it takes
#: at most this many bytes (each pass then reads it in place); beyond, every
#: pass assembles its row blocks again, and memory stays a few n-vectors
_ASSEMBLE_BYTES = 1 << 28


def _check_quantile(quantile):
    return check_scalar(quantile, "quantile", minimum=0, maximum=1, include_minimum=False,
                        include_maximum=False)


def default_quantile_samples(n, d, quantile):
    """The ℓ1 default of :func:`sketchla.lp_regression` times √κ,
    κ = max(τ, 1−τ)/min(τ, 1−τ) (see :func:`quantile_regression`)."""
    from .lp_regression import _default_samples

    kappa = max(quantile, 1 - quantile) / min(quantile, 1 - quantile)
    return _default_samples(n, d, 1.0, float(np.sqrt(kappa)))


@fork_safe
@reports_progress("quantile_regression", _costs.quantile_regression)
def quantile_regression(A, b, quantile=0.5, alpha=0.0, sketch_size=None, rng=None, *,
                        method="auto", scores="lewis", penalized=None, n_samples=DEPRECATED):
    """Linear quantile regression min_x Σ_i ρ_τ(b_i − a_iᵀx) + α·n·‖x‖₁ from a row sample.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        Sparse A is never densified: the scores are computed on it and only
        the sampled rows reach the solver.
    b : ndarray, shape (n,)
        The response, shape (n,).
    quantile : float in (0, 1), default 0.5
        τ; 0.5 is least absolute deviations (half the ℓ1 objective).
    alpha : float ≥ 0, default 0.0
        ℓ1 penalty per sample, as in scikit-learn's ``QuantileRegressor``:
        the objective is (1/n) Σ ρ_τ + α‖x‖₁ (times n here).
    sketch_size : int, optional
        Rows sampled (``n_samples=`` is its deprecated spelling). Default ⌈10·(d+1)·log2(d+3)·√κ⌉ (at least 200), with
        κ = max(τ, 1−τ)/min(τ, 1−τ): the Õ(d) rows of an ℓ1 embedding times
        √κ. The worst-case bound of the Notes asks for κ× the ℓ1 sample; the
        objective's excess measured at 10^5 × 21 (Cauchy noise) grows like
        √κ/m, so √κ× keeps it at the median's level (within 1.005× of the
        optimum at τ = 0.1, 0.5, 0.9 in the asv benchmark). Pass
        ``sketch_size`` for the worst-case guarantee. When ≥ n the full problem
        is solved.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    method : {"auto", "sample", "refine", "exact"}, default "auto"
        "exact" solves the full linear program (HiGHS's dual simplex).
        "sample" solves the ℓ1 Lewis-weight sample's problem only (within
        1 + κε of the optimum's objective). "refine" reaches the exact
        optimum by Portnoy and Koenker's preprocessing [4]_: a uniform
        subsample of n^(2/3)·d^(1/3) rows is solved; rows whose residual
        sign that fit decides (by the residual standardized by ‖R⁻ᵀa_i‖,
        RᵀR = AᵀA) are aggregated into two rows; the 3·n^(2/3)·d^(1/3)
        undecided ones form a reduced problem; rows whose sign comes out
        wrong join it until none does. The reduced problems are solved by
        the Frisch–Newton interior-point method [5]_ to a relative duality
        gap of 1e-12 (with a penalty, by HiGHS), and the result carries
        the duality gap over all rows as its certificate. "auto": "exact"
        up to 5,000 rows (one linear program costs about as much as
        sampling there, and gives a vertex), "refine" beyond; dask input:
        "sample".
    scores : str, default "lewis"
        Scores of the rows of [A b] (``"lewis"`` or ``"sensitivity"`` with
        p = 1); see :func:`sketchla.sample_rows`.
    penalized : array of bool, shape (d,), optional
        Which coefficients carry the penalty (default all; an intercept
        column should not).
    n_samples : optional
        Deprecated spelling of ``sketch_size``, accepted with a ``FutureWarning``
        for one release.

    Returns
    -------
    x : ndarray, shape (d,)

    Notes
    -----
    Guarantee: ρ_τ(r) ∈ [min(τ,1−τ)|r|, max(τ,1−τ)|r|], so the reweighted
    sample of an ℓ1 subspace embedding of [A b] with distortion ε gives a
    check-loss objective within (1 ± κε) of the full one for every x, and the
    sampled minimizer is a (1 + κε)/(1 − κε)-approximate solution, so a
    sample κ times an ℓ1 embedding's keeps κε at the median's ε (the default
    takes √κ times, see ``sketch_size``).
    Cost: the ℓ1 Lewis weights (a few O(n d²) passes) plus a linear program
    on the sample with d constraint rows.

    References
    ----------
    .. [1] J. Yang, X. Meng, M. W. Mahoney, "Quantile regression for
       large-scale applications", ICML (2013); SIAM J. Sci. Comput. 36 (2014).
    .. [2] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC (2015).
    .. [3] R. Koenker, G. Bassett, "Regression quantiles", Econometrica 46 (1978).
    .. [4] S. Portnoy, R. Koenker, "The Gaussian hare and the Laplacian
       tortoise", Statistical Science 12(4) (1997).
    .. [5] R. Koenker, "Quantile Regression", Cambridge University Press
       (2005), §6.3 (Frisch–Newton; quantreg's ``rq.fit.fnb``).

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import quantile_regression
    >>> g = np.random.default_rng(0)
    >>> A = g.standard_normal((20000, 3)); b = A @ [1.0, 2.0, 3.0] + g.standard_normal(20000)
    >>> x = quantile_regression(A, b, quantile=0.9, rng=0)
    >>> x_opt = quantile_regression(A, b, quantile=0.9, method="exact")
    >>> def loss(x):
    ...     r = b - A @ x
    ...     return np.sum(np.maximum(0.9 * r, -0.1 * r))
    >>> bool(loss(x) < 1.05 * loss(x_opt))  # the objective, within (1 + ε) of the optimum
    True
    """
    sketch_size = renamed("n_samples", n_samples, "sketch_size", sketch_size, None)
    from .._backend import array_kind
    from .._validation import check_array, check_consistent_length, check_data

    A = check_data(A)
    kind = array_kind(A)
    if kind not in ("numpy", "sparse", "dask"):
        raise TypeError(
            "quantile_regression solves the sampled problem on the host (HiGHS) and "
            f"supports numpy, scipy.sparse and dask input, got {kind}")
    b = check_array(b, "b", ndim=1)
    check_consistent_length(("A", A), ("b", b))
    n, d = A.shape
    if penalized is not None:
        penalized = np.asarray(penalized, dtype=bool).reshape(-1)
        if penalized.size != d:
            raise ValueError(f"penalized must have one entry per column of A ({d}), got "
                             f"{penalized.size}")
    tau, alpha, method, m = check_options(quantile, alpha, method, sketch_size, n, d)
    return _solve(A, b, tau, alpha * n, m, rng, method, scores, penalized)


def check_options(quantile, alpha, method, sketch_size, n, width):
    """(τ, α, method, sample size) validated, for a design of ``width`` columns
    and n rows (the default sample from :func:`default_quantile_samples`)."""
    from .._validation import check_option

    tau = _check_quantile(quantile)
    alpha = check_scalar(alpha, "alpha", minimum=0)
    method = check_option(method, "method", ("auto", "sample", "exact", "refine"))
    m = default_quantile_samples(n, width + 1, tau) if sketch_size is None else \
        check_int(sketch_size, "sketch_size", minimum=1)
    return tau, alpha, method, m


#: method="auto" solves problems of at most this many rows exactly in one
#: linear program (HiGHS's dual simplex: a vertex, about the cost of sampling);
#: larger ones are refined to the optimum from a subsample's fit
_EXACT_ROWS = 5000


def _solve(A, b, tau, penalty, m, rng, method, scores, penalized, const=None,
           row_weight=None, info=None):
    """The check-loss problem of the design D = diag(row_weight)·[A, const·1] and
    target diag(row_weight)·b (const and row_weight optional), exactly or on an
    ℓ1 Lewis-weight sample of the rows of [D y]. For dense NumPy A the design is
    never formed whole: the Lewis iterations stream over its row blocks and
    only the sampled rows are assembled. ``method``: "exact" (one linear
    program), "sample" (the ℓ1 Lewis-weight sample's solution), "refine" (a
    uniform subsample's solution refined to the certified optimum), "auto"
    (exact up to _EXACT_ROWS rows, else refined; dask input: the sample's). ``info`` (a dict): receives the certificate of an
    exact or refined solve under "certificate"."""
    from .._backend import array_kind, to_numpy

    kind = array_kind(A)
    n, d = A.shape
    width = d + (const is not None)
    b = np.asarray(to_numpy(b), dtype=np.float64)
    rw = None if row_weight is None else np.asarray(row_weight, dtype=np.float64)
    yw = b if rw is None else b * rw

    def rows(sel, target=False, out=None):
        """Design rows ``sel`` (a slice or indices), dense float64 or sparse;
        ``target`` (NumPy A): with the target as a last column, [D y], into
        ``out`` when given."""
        part = A[sel]
        if kind == "numpy":
            if out is None:
                out = np.empty((part.shape[0], width + target))
            out[:, :d] = part
            if const is not None:
                out[:, d] = const
            if rw is not None:
                out[:, :width] *= rw[sel][:, None]
            if target:
                out[:, width] = yw[sel]
            return out
        if const is not None:
            part = _kernels.hstack([part, np.full((part.shape[0], 1), const)])
        return part if rw is None else _kernels.scale_rows(part, rw[sel])

    if method == "exact" or (method == "auto" and (m >= n or n <= _EXACT_ROWS)):
        x, dual = solve_weighted_check_loss(rows(slice(0, n)), yw, np.ones(n), tau, penalty,
                                            penalized, return_dual=True)
        if info is not None:
            info["certificate"] = _certificate(rows, yw, n, tau, penalty, penalized, x, dual)
        return x
    if method == "sample" or kind not in ("numpy", "sparse"):
        return _sampled(A, kind, rows, yw, n, width, tau, penalty, m, rng, scores, penalized)
    from ._quantile_refine import refine_to_optimum

    x, cert = refine_to_optimum(rows, yw, n, width, tau, penalty, penalized,
                                rng=check_rng(rng))
    if info is not None:
        info["certificate"] = cert
    return x


def _certificate(rows, y, n, tau, penalty, penalized, x, dual):
    from ._quantile_refine import QuantileCertificate, _objective, _residuals

    obj = _objective(_residuals(rows, y, x, n), tau, x, penalty, penalized)
    dual_obj = float(y @ dual)
    return QuantileCertificate(obj, dual_obj, (obj - dual_obj) / obj if obj > 0 else 0.0,
                               1, n)


def _sampled(A, kind, rows, yw, n, width, tau, penalty, m, rng, scores, penalized):
    """The check-loss solution on an ℓ1 Lewis-weight sample of [D y]."""
    from .._backend import from_numpy
    from ..sampling.rows import sample_rows
    from .lp_regression import _merge

    g = check_rng(rng)
    rs = None
    if kind == "numpy" and scores == "lewis" and n >= 8 * (width + 1):
        # tall dense A: the Lewis iterations stream over row blocks of [D y],
        # assembled block by block (memory: a few n-vectors beyond A)
        from ..sampling._lewis_streamed import lewis_weights_streamed
        from ..sampling.rows import SAMPLING_TOL, sample_from_scores

        assemble = n * (width + 1) * 8 <= _ASSEMBLE_BYTES
        if assemble:
            # a scratch copy, assembled block by block in the first pass (on
            # the threads, while each block is in cache for its Gram matrix)
            # and then overwritten by its orthonormal rows
            whole = np.empty((n, width + 1))
            built = set()

            def block(lo, hi):
                if lo not in built:
                    rows(slice(lo, hi), target=True, out=whole[lo:hi])
                    built.add(lo)
                return whole[lo:hi]
        else:
            block = lambda lo, hi: rows(slice(lo, hi), target=True)  # noqa: E731
        w = lewis_weights_streamed(block, n, width + 1, 1.0, SAMPLING_TOL, overwrite=assemble)
        if w is not None:
            rs = sample_from_scores(w, m, 1.0, g)
    if rs is None:
        full = rows(slice(0, n))
        ycol = yw[:, None] if kind in ("numpy", "sparse") else from_numpy(yw[:, None], full)
        rs = sample_rows(_kernels.hstack([full, ycol]), m, p=1, scores=scores, rng=g)
    u, w = _merge(rs.indices, rs.weights)
    # the sample (at most m rows) comes to the host for the solver; the
    # penalty keeps the full problem's weight
    return solve_weighted_check_loss(rows(u), yw[u], w, tau, penalty, penalized,
                                     presolve=False)
