"""The result of :func:`sketchla.sshopm`."""

from __future__ import annotations

from .._kernels.forks import fork_safe_methods
from .._results import TupleResult


@fork_safe_methods
class EigenpairResult(TupleResult):
    """A Z-eigenpair T x^{m−1} = λ x of a symmetric tensor that unpacks as
    ``eigenvalue, eigenvector``.

    Attributes
    ----------
    eigenvalue : float
        λ = T x^m.
    eigenvector : ndarray, shape (d,)
        x, of unit norm.
    n_iter : int
        Iterations run.
    converged : bool
        Whether λ and x stopped changing within ``tol``.
    history : list of float
        λ at the start and after every step (nondecreasing for a convex
        shift).

    Notes
    -----
    Returned by :func:`sketchla.sshopm`; the iteration's record comes with
    every call, at no extra cost.

    References
    ----------
    .. [1] T. G. Kolda, J. R. Mayo, "Shifted power method for computing tensor
       eigenpairs", SIAM J. Matrix Anal. Appl. 32 (2011).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> from sketchla.datasets import make_symmetric_tensor
    >>> T, w, A = make_symmetric_tensor(5, 3, 2, rng=0)
    >>> res = sketchla.sshopm(T, rng=0)
    >>> lam, x = res
    >>> bool(res.converged), x.shape
    (True, (5,))
    """

    _fields = ("eigenvalue", "eigenvector")
    _extra = ("n_iter", "converged", "history")
