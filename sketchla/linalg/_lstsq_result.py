"""The result and the warning of :func:`sketchla.lstsq`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.forks import fork_safe_methods

__all__ = ["LstsqResult", "RankDeficiencyWarning"]


class RankDeficiencyWarning(UserWarning):
    """A was found (numerically) rank deficient; a fallback solver was used.

    Notes
    -----
    Raised as a warning (``warnings.warn``), never an exception: the
    minimum-norm solution is still returned. Filter it with
    ``warnings.simplefilter("ignore", sketchla.RankDeficiencyWarning)``.

    References
    ----------
    .. [1] G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed., §5.4
       (rank-revealing QR).

    Examples
    --------
    >>> import warnings, numpy as np, sketchla
    >>> A = np.ones((100, 2))  # rank 1
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     _ = sketchla.lstsq(A, np.ones(100), rng=0)
    >>> any(issubclass(x.category, sketchla.RankDeficiencyWarning) for x in w)
    True
    """


@fork_safe_methods
@dataclass
class LstsqResult:
    """The result of :func:`lstsq`.

    Attributes
    ----------
    x : ndarray, shape (d,) or (d, k)
        The solution.
    residual_norm : float or ndarray of shape (k,)
        ``‖A x − b‖₂`` (per column of b). For a dask ``A``, a dask array
        (0-d, or shape (k,)): computing it is one more pass over A.
    n_iter : int
        Iterations of the iterative solver (the largest over columns of b);
        0 for the direct methods.
    converged : bool
        Whether the iterative solver met its tolerance for every column
        (always True for the direct methods).
    sketch_size : int
        Rows of the sketch (0 when none was used).
    method : str
        The method that produced ``x``: ``"precondition"``, ``"sketch"``,
        ``"exact"`` (also after a fallback), or ``"lsqr"`` when plain LSQR
        finished first on scipy.sparse A (see :func:`lstsq`).
    rank : int or None
        The numerical rank of A as seen by the solver; None after plain
        LSQR, which does not reveal it (its solution from x = 0 is still the
        minimum-norm one, and no :class:`RankDeficiencyWarning` is raised).

    Notes
    -----
    Returned by :func:`lstsq`; ``x`` is in the namespace of A.

    References
    ----------
    .. [1] V. Rokhlin, M. Tygert, "A fast randomized algorithm for
       overdetermined linear least-squares regression", PNAS 105 (2008).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((1000, 5))
    >>> res = sketchla.lstsq(A, A @ np.ones(5), rng=0)
    >>> res.converged, bool(np.allclose(res.x, 1))
    (True, True)
    """

    x: np.ndarray
    residual_norm: object
    n_iter: int
    converged: bool
    sketch_size: int
    method: str
    rank: int | None
