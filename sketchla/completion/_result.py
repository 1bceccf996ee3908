"""The result of a completion: the factors, the scales and biases that
map them back to X's units, and predictions at any entries."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._kernels.forks import fork_safe_methods
from .._validation._deprecate import deprecated_alias

from .. import _kernels
from .._validation import check_indices
from .._backend import array_kind, get_namespace


@fork_safe_methods
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
    method : str
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
    method: str = "exact"
    mean: float = 0.0
    row_bias: np.ndarray = None
    col_bias: np.ndarray = None
    data_scale: float = 1.0
    reg: float = 0.0
    reg_path: object = None

    solver = deprecated_alias("method")

    @property
    def shape(self):
        return (self.U.shape[0], self.V.shape[0])

    def predict(self, rows, cols):
        """Entries ``(U @ V.T)[rows, cols]`` without forming the matrix (O(len·rank)).

        Parameters
        ----------
        rows, cols : array_like of int, shape (k,)
            Row and column indices of the entries, in range.

        Returns
        -------
        ndarray, shape (k,)
            The completed entries.
        """
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
