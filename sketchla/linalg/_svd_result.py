"""The result of :func:`sketchla.randomized_svd`."""

from __future__ import annotations

from .._kernels.forks import fork_safe_methods
from .._results import TupleResult


@fork_safe_methods
class SVDResult(TupleResult):
    """A truncated SVD A ≈ U diag(s) Vt that unpacks as ``U, s, Vt``.

    Attributes
    ----------
    U : array, shape (n, rank)
        Left singular vectors, in A's namespace.
    s : ndarray, shape (rank,)
        Non-increasing singular values.
    Vt : ndarray, shape (rank, d)
        Right singular vectors.
    error : float or None
        The relative error ‖A − U diag(s) Vt‖_F / ‖A‖_F, exact up to
        cancellation (accurate while it exceeds about 1e-7); None for a
        ``LinearOperator``, whose Frobenius norm is unknown.

    Notes
    -----
    The error costs nothing extra: Â is a projection of A, so
    ‖A − Â‖_F² = ‖A‖_F² − Σ s_i², with ‖A‖_F read once. Pickles and compares
    as the tuple ``(U, s, Vt)`` with the error attached.

    References
    ----------
    .. [1] N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with
       randomness", SIAM Review 53 (2011).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((300, 40))
    >>> res = sketchla.randomized_svd(A, 5, rng=0)
    >>> U, s, Vt = res
    >>> U.shape, bool(0 < res.error < 1)
    ((300, 5), True)
    """

    _fields = ("U", "s", "Vt")
    _extra = ("error",)
