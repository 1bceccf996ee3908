"""``RowSampler``: the scikit-learn estimator over :func:`sketchla.sample_rows`.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from .._kernels.forks import fork_safe_methods
from .._validation._deprecate import keyword_only, rename_parameter
from .._validation import check_rng
from .rows import sample_rows

__all__ = ["RowSampler"]


@fork_safe_methods
class RowSampler(BaseEstimator):
    """Row sampling as a scikit-learn estimator (``fit`` / ``fit_resample``).

    Parameters
    ----------
    sketch_size : int, default 100
        Number of draws (``n_samples=`` is its deprecated spelling).
    p : float, default 2
        The exponent p ≥ 1 of the ℓp norm the sample preserves.
    scores : str, default "lewis"
        Which importance scores to sample by (see :func:`sample_rows`).
    random_state : None, int or Generator
        Seed or generator of the randomness (the ``rng`` of the function API).
    verbose : bool or int, default False
        Progress of ``fit`` on stderr, as the ``verbose`` of
        :func:`sketchla.sample_rows`.

    Attributes
    ----------
    indices_, weights_ : ndarray
        The sample and its ℓp weights (see :class:`RowSample`).
    sample_weight_ : ndarray of shape (n_rows,)
        The coreset as ``sample_weight`` for any estimator fitted on all of
        X: the summed weight of each sampled row, 0 elsewhere. For p = 2
        (squared loss) ``est.fit(X, y, sample_weight=sampler.sample_weight_)``
        fits the sampled problem, whose loss is an unbiased estimate of the
        full one.

    Notes
    -----
    ``fit`` computes the scores of X and draws the sample (see
    :func:`sample_rows` for the guarantee and the cost); ``sample_weight_``
    then weights any estimator's fit on the sampled rows.

    References
    ----------
    .. [1] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC 2015.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> X = np.random.default_rng(0).standard_normal((2000, 4))
    >>> rs = sketchla.RowSampler(sketch_size=200, p=2, random_state=0).fit(X)
    >>> rs.sample_weight_.shape
    (2000,)
    """

    @keyword_only
    @rename_parameter("n_samples", "sketch_size")
    def __init__(self, *, sketch_size=100, p=2, scores="lewis", random_state=None,
                 verbose=False):
        self.sketch_size = sketch_size
        self.p = p
        self.scores = scores
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = True
        return tags

    def fit(self, X, y=None):
        """Draw the sample from the rows of X.

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
            The rows to sample from.
        y : None
            Ignored (scikit-learn's convention).

        Returns
        -------
        RowSampler
            ``self``, with ``indices_``, ``weights_`` and ``sample_weight_``.
        """
        from .._validation import validate_estimator_data

        X = validate_estimator_data(self, X, accept_sparse=("csr", "csc"))
        rs = sample_rows(X, self.sketch_size, p=self.p, scores=self.scores,
                         rng=check_rng(self.random_state, "random_state"),
                         verbose=self.verbose)
        self.indices_ = rs.indices
        self.weights_ = rs.weights
        self.sample_weight_ = np.bincount(rs.indices, weights=rs.weights,
                                          minlength=X.shape[0])
        self.sample_ = rs
        return self

    def fit_resample(self, X, y):
        """Fit, then return the rescaled sampled rows of X and the matching y
        (scaled the same way, so ℓp regression on them is unbiased).

        Parameters
        ----------
        X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
            The rows to sample from.
        y : array_like, shape (n_samples,)
            The targets, sampled and rescaled with X.

        Returns
        -------
        X_res, y_res : arrays
            The rescaled sampled rows of X and entries of y.
        """
        from .._validation import check_consistent_length

        self.fit(X)
        y = np.asarray(y)
        check_consistent_length(("X", X), ("y", y))
        scale = self.weights_ ** (1.0 / float(self.p))
        ys = y[self.indices_] * (scale if y.ndim == 1 else scale[:, None])
        return self.sample_.apply(X), ys
