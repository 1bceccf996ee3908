"""ℓp regression on a row sample: ``lp_regression`` and ``LpRegression``.

min_x ‖A x − b‖_p is solved on rows of [A b] sampled by ℓp importance
scores (Lewis weights by default) and reweighted, so the sampled objective
is an unbiased estimate of the full one; with Õ(d^{max(1,p/2)}/ε²) rows it is
a (1 ± ε) embedding of span([A b]) and the sampled minimizer is a
(1 + O(ε))-approximate solution (Cohen–Peng 2015; Woodruff–Yasuda 2023).
"""

from __future__ import annotations

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._validation._deprecate import DEPRECATED, renamed
from .. import _kernels
from .._validation import check_int, check_rng

from ._weighted_solvers import solve_weighted_lp

__all__ = ["lp_regression", "solve_weighted_lp"]


def _default_samples(n, d, p, factor=1.0):
    """⌈10·d^{max(1, p/2)}·log2(d + 2)·factor⌉ rows, at least 200, at most n."""
    m = int(np.ceil(10 * d ** max(1.0, p / 2) * np.log2(d + 2) * factor))
    return min(n, max(m, 200))


@fork_safe
@reports_progress("lp_regression", _costs.lp_regression)
def lp_regression(A, b, p, sketch_size=None, scores="lewis", rng=None, *, n_samples=DEPRECATED):
    """Approximate min_x ‖A x − b‖_p from a row sample.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The design matrix, shape (n, d): dense or scipy.sparse.
    b : ndarray, shape (n,)
        The response, shape (n,).
    p : float ≥ 1
        The exponent p ≥ 1 of the residual norm minimized.
    sketch_size : int, optional
        Rows sampled (i.i.d., with the ℓp weights; ``n_samples=`` is its
        deprecated spelling). Default
        ⌈10·(d+1)^{max(1,p/2)}·log2(d+3)⌉, at least 200 — the
        d^{max(1,p/2)} polylog rate of the theory with a constant that gives
        a 1.1-approximate objective in the benchmark. When ≥ n, the full
        problem is solved.
    scores : str, default "lewis"
        Scores of the rows of [A b]; see :func:`sketchla.sample_rows`.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    n_samples : optional
        Deprecated spelling of ``sketch_size``, accepted with a ``FutureWarning``
        for one release.

    Returns
    -------
    x : ndarray, shape (d,)

    Notes
    -----
    Cost: the scores (a few O(n d²) BLAS-3 passes for Lewis weights) plus the
    solve on sketch_size rows (an LP for p = 1, IRLS otherwise).

    References
    ----------
    .. [1] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC 2015.
    .. [2] D. Durfee, K. A. Lai, S. Sawlani, "ℓ1 regression using Lewis weights
       preconditioning and stochastic gradient descent", COLT 2018.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> A = g.standard_normal((5000, 3)); x = np.array([1.0, -2.0, 0.5])
    >>> b = A @ x + g.standard_cauchy(5000)
    >>> xs = sketchla.lp_regression(A, b, p=1, rng=0)
    >>> x_opt = sketchla.quantile_regression(A, b, method="exact")  # the exact ℓ1 fit
    >>> bool(np.abs(b - A @ xs).sum() < 1.05 * np.abs(b - A @ x_opt).sum())
    True
    """
    sketch_size = renamed("n_samples", n_samples, "sketch_size", sketch_size, None)
    from .._backend import array_kind, to_numpy
    from .._validation import check_array, check_consistent_length, check_data, check_p
    from ..sampling.rows import sample_rows

    p = check_p(p)
    A = check_data(A)
    kind = array_kind(A)
    if kind not in ("numpy", "sparse", "dask"):
        raise TypeError(
            "lp_regression solves the sampled problem on the host (HiGHS / IRLS in "
            f"SciPy) and supports numpy, scipy.sparse and dask input, got {kind}"
        )
    b = check_array(b, "b", ndim=1)
    check_consistent_length(("A", A), ("b", b))
    n, d = A.shape
    m = _default_samples(n, d + 1, p) if sketch_size is None else \
        check_int(sketch_size, "sketch_size", minimum=1)
    if m >= n:
        return solve_weighted_lp(A, to_numpy(b), np.ones(n), p)
    Ab = _kernels.hstack([A, b[:, None]])
    rs = sample_rows(Ab, m, p=p, scores=scores, rng=check_rng(rng))
    idx, uniq_w = _merge(rs.indices, rs.weights)
    # the sample (m rows) comes to the host for the solver
    return solve_weighted_lp(A[idx], to_numpy(b[idx]), uniq_w, p, presolve=False)


def _merge(idx, w):
    """Repeated draws of a row become one row with the summed weight."""
    u, inv = np.unique(idx, return_inverse=True)
    return u, np.bincount(inv, weights=w)
