"""The ridge chosen by ``altmin_complete(reg="auto")`` and the path that
chose it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["RegPath"]


@dataclass
class RegPath:
    """The ridge chosen by ``reg="auto"`` and the path that chose it.

    Parameters
    ----------
    reg : float
        The chosen λ.
    regs, scores : ndarray
        The λ tried and their held-out RMSE.
    baseline : float
        The baseline's held-out RMSE.
    n_heldout : int
        The number of held-out entries.
    biases : bool, default False
        Whether the fits (and the baseline) have row and column biases.
    rank : int, default 0
        The rank of the fits.
    start : object, optional
        The best fit, kept to warm-start the final fit (internal).

    Attributes
    ----------
    reg : float
        The chosen λ, in the units of X.
    regs, scores : ndarray
        Every λ tried (X's units), in order, and the held-out RMSE of its
        fit (X's units).
    baseline : float
        The held-out RMSE of the baseline: the mean of the training entries,
        plus damped row and column means with ``biases``.
    n_heldout : int
        The number of held-out entries.
    rank : int
        The rank of the path's fits.

    Notes
    -----
    Made by :func:`altmin_complete` with ``reg="auto"`` (its
    ``CompletionResult.reg_path``; ``AltMinCompletion.reg_path_``). The
    ridge is a weighted nuclear norm, λ·‖W_r U Vᵀ W_c‖_* with W = diag(√n),
    so its path runs from the λ at which the factors vanish downwards, as
    for soft-impute [1]_; held-out validation picks the point [2]_.

    References
    ----------
    .. [1] R. Mazumder, T. Hastie, R. Tibshirani, "Spectral regularization
       algorithms for learning large incomplete matrices", JMLR 11, 2010.
    .. [2] Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan, "Large-scale parallel
       collaborative filtering for the Netflix prize", AAIM 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import altmin_complete
    >>> from sketchla.datasets import make_low_rank_completion
    >>> X, U, V = make_low_rank_completion(300, 200, 3, fraction=0.3, rng=0)
    >>> X.data += 0.3 * np.random.default_rng(1).standard_normal(X.nnz)
    >>> path = altmin_complete(X, 3, rng=0).reg_path
    >>> bool(path.reg > 0 and path.score < path.baseline)
    True
    """

    reg: float
    regs: np.ndarray
    scores: np.ndarray
    baseline: float
    n_heldout: int
    biases: bool = False
    rank: int = 0
    start: object = field(default=None, repr=False)

    @property
    def score(self):
        """The held-out RMSE at the chosen λ."""
        return float(self.scores[np.argmin(self.scores)]) if self.scores.size else np.nan

    def warn_if_worse(self, stacklevel=2):
        """Warn when the chosen fit predicts held-out entries no better than
        the baseline.

        Parameters
        ----------
        stacklevel : int, default 2
            Passed to :func:`warnings.warn`.

        Returns
        -------
        None
        """
        if self.scores.size and self.score > self.baseline:
            base = "the mean plus row and column biases" if self.biases else "the mean"
            hint = "a smaller rank" if self.biases else "biases=True or a smaller rank"
            warnings.warn(
                f"altmin: the completion predicts held-out entries worse than {base} "
                f"(RMSE {self.score:.4g} against {self.baseline:.4g}): try {hint}",
                RuntimeWarning, stacklevel=stacklevel + 1)
