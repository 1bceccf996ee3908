"""The linear-model estimators: ``SketchedRegression`` (the scikit-learn face of
:func:`sketchla.lstsq`), ``LpRegression`` (of :func:`sketchla.lp_regression`) and
``QuantileRegression`` (in :mod:`.quantile_estimator`)."""

from __future__ import annotations

import warnings

from sklearn.base import BaseEstimator, RegressorMixin

from .._kernels.forks import fork_safe_methods
from .._validation._deprecate import keyword_only, rename_parameter
from .._validation import check_p, check_rng
from ._linear_model import (LinearPredictMixin, preprocess, split_coef,
                            validate_fit)
from .lp_regression import lp_regression
from .lstsq import RankDeficiencyWarning, lstsq

__all__ = ["SketchedRegression", "LpRegression"]


@fork_safe_methods
class SketchedRegression(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Ordinary least squares solved with a sketch (scikit-learn estimator).

    Parameters
    ----------
    method : {"precondition", "sketch", "exact"}, default "precondition"
        See :func:`lstsq`: ``"precondition"`` gives LAPACK's accuracy,
        ``"sketch"`` the faster sketch-and-solve estimate.
    sketch : {"sparse_sign", "srht", "gaussian", "countsketch"}
    sketch_size : int, optional
        Rows of the sketch (default as in :func:`lstsq`).
    fit_intercept : bool, default True
        Dense X is centered (with the sample weights); sparse X gets a
        column of ones appended instead, so it is never densified.
    random_state : None, int or Generator
        Seed or generator of the randomness (the ``rng`` of the function API).
    verbose : bool or int, default False
        Progress of ``fit`` on stderr, as the ``verbose`` of
        :func:`sketchla.lstsq`.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray, shape (n_targets,)
    n_iter_ : int
    converged_ : bool
    sketch_size_ : int
        Rows of the sketch; 0 when none was used (``method="exact"``, or
        sparse X on which plain LSQR finished first).
    rank_ : int or None
        The numerical rank of X as :func:`lstsq` saw it (None after plain LSQR).
    n_features_in_ : int

    Notes
    -----
    ``fit`` runs :func:`lstsq`: with ``method="precondition"`` the
    coefficients have LAPACK's accuracy, at O(nnz(X)·log(1/ε) + d³)
    (sketch, QR of the sketch, a few LSQR iterations; on sparse X plain
    LSQR first, when it converges within the cost of the sketch).

    References
    ----------
    .. [1] V. Rokhlin, M. Tygert, "A fast randomized algorithm for
       overdetermined linear least-squares regression", PNAS 105 (2008).
    .. [2] H. Avron, P. Maymounkov, S. Toledo, "Blendenpik: supercharging
       LAPACK's least-squares solver", SIAM J. Sci. Comput. 32 (2010).

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import SketchedRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((5000, 10)); y = X @ np.arange(10.0) + 3
    >>> reg = SketchedRegression(random_state=0).fit(X, y)
    >>> bool(np.allclose(reg.coef_, np.arange(10.0))), round(float(reg.intercept_), 6)
    (True, 3.0)
    """

    @keyword_only
    def __init__(self, *, method="precondition", sketch="sparse_sign", sketch_size=None,
                 fit_intercept=True, random_state=None, verbose=False):
        self.method = method
        self.sketch = sketch
        self.sketch_size = sketch_size
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            float32 is kept; sparse X is never densified.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the squared residuals.

        Returns
        -------
        self
        """
        X, y, sw, fit_intercept = validate_fit(self, X, y, sample_weight, multi_output=True)
        A, b, offsets = preprocess(X, y, sw, fit_intercept, p=2.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficiencyWarning)
            res = lstsq(A, b, method=self.method, sketch=self.sketch,
                        sketch_size=self.sketch_size, verbose=self.verbose,
                        rng=check_rng(self.random_state, "random_state"))
        coef, self.intercept_ = split_coef(res.x, X.dtype, offsets)
        self.coef_ = coef.T
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged
        self.sketch_size_ = res.sketch_size
        self.rank_ = res.rank
        return self


@fork_safe_methods
class LpRegression(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """ℓp regression (least absolute deviations for p = 1) on a row sample.

    Parameters
    ----------
    p : float, default 1.0
        The exponent p ≥ 1 of the residual norm minimized.
    sketch_size : int, optional
        Rows sampled; see :func:`lp_regression` (``n_samples=`` is its
        deprecated spelling).
    scores : str, default "lewis"
        Which importance scores to sample rows by (see :func:`sample_rows`).
    fit_intercept : bool, default True
        A column of ones is appended (the intercept is not penalized).
    random_state : None, int or Generator
        Seed or generator of the randomness (the ``rng`` of the function API).
    verbose : bool or int, default False
        Progress of ``fit`` on stderr, as the ``verbose`` of
        :func:`sketchla.lp_regression`.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_features_in_ : int

    Notes
    -----
    ``fit`` runs :func:`lp_regression` on a sample of rows drawn by ``scores``;
    the objective reached is within (1 + ε) of the optimum with the sample
    sizes of :func:`sample_rows`, at the cost of the scores plus one linear
    program (p = 1) or an IRLS solve on the sample.

    References
    ----------
    .. [1] M. B. Cohen, R. Peng, "ℓp row sampling by Lewis weights", STOC 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import LpRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((2000, 3)); y = X @ [1.0, 2.0, 3.0] + rng.standard_cauchy(2000)
    >>> est = LpRegression(p=1, random_state=0).fit(X, y)
    >>> bool(np.abs(est.coef_ - [1, 2, 3]).max() < 0.5)  # Cauchy noise, a sample of rows
    True
    """

    @keyword_only
    @rename_parameter("n_samples", "sketch_size")
    def __init__(self, *, p=1.0, sketch_size=None, scores="lewis", fit_intercept=True,
                 random_state=None, verbose=False):
        self.p = p
        self.sketch_size = sketch_size
        self.scores = scores
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Fit the ℓp regression model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            float32 is kept (``coef_`` has X's dtype).
        y : array-like of shape (n_samples,)
            The targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights v: the objective is Σ v_i |x_iᵀβ + c − y_i|^p,
            fitted by scaling row i of [X y] by v_i^{1/p}.

        Returns
        -------
        self
        """

        p = check_p(self.p)
        X, y, sw, fit_intercept = validate_fit(self, X, y, sample_weight)
        A, b, offsets = preprocess(X, y, sw, fit_intercept, p=p)
        x = lp_regression(A, b, p, sketch_size=self.sketch_size, scores=self.scores,
                          rng=check_rng(self.random_state, "random_state"),
                          verbose=self.verbose)
        self.coef_, intercept = split_coef(x, X.dtype, offsets)
        self.intercept_ = float(intercept)
        return self
