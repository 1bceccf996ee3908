"""Quantile regression as a scikit-learn estimator (of
:func:`sketchla.quantile_regression`)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .. import _costs
from .._kernels.forks import fork_safe_methods
from .._kernels.work import metered
from .._validation._deprecate import keyword_only, rename_parameter
from .._validation import check_rng
from ._linear_model import (LinearPredictMixin, intercept_scale, preprocess, split_coef,
                            validate_fit)

__all__ = ["QuantileRegression"]


@fork_safe_methods
class QuantileRegression(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Linear quantile regression on an ℓ1 row sample (parameters named as
    scikit-learn's ``QuantileRegressor``).

    Minimizes (1/Σv) Σ_i v_i ρ_τ(y_i − x_iᵀβ − c) + α‖β‖₁ (the intercept c is
    not penalized), by :func:`sketchla.quantile_regression`: the linear
    program on a sample of rows drawn by the ℓ1 Lewis weights of [X 1 y],
    or on all rows (``method="exact"``, or when the sample would be the
    whole data), solved by HiGHS.

    Parameters
    ----------
    quantile : float in (0, 1), default 0.5
        The quantile τ in (0, 1) to estimate (0.5: the median).
    alpha : float ≥ 0, default 0.0
        ℓ1 penalty, as in ``QuantileRegressor`` (whose default is 1.0).
    fit_intercept : bool, default True
        Whether to fit an intercept (a column of ones appended to X).
    sketch_size : int, optional
        Rows sampled; see :func:`sketchla.quantile_regression` (``n_samples=``
        is its deprecated spelling).
    random_state : None, int or Generator
        Seed or generator of the randomness (the ``rng`` of the function API).
    method : {"auto", "sample", "refine", "exact"}, default "auto"
        See :func:`quantile_regression`: "auto" is exact (one linear program
        up to 5,000 rows, a subsample's fit refined to the certified optimum
        beyond).
    scores : str, default "lewis"
        Which importance scores to sample rows by (see :func:`sample_rows`).
    verbose : bool or int, default False
        Progress of ``fit`` on stderr, as the ``verbose`` of
        :func:`sketchla.quantile_regression`.

    Attributes
    ----------
    certificate_ : QuantileCertificate or None
        The objective, the dual objective and the relative duality gap of
        an exact or refined fit (None for a sampled one).
    coef_ : ndarray, shape (n_features,)
        X's dtype (float32 is kept).
    intercept_ : float
    n_features_in_ : int

    Notes
    -----
    ``fit`` runs :func:`quantile_regression`: the check loss is sampled by
    ℓ1 Lewis weights and the sample solved exactly (HiGHS), or the whole
    problem when it is small; see there for the guarantee and the cost.

    References
    ----------
    .. [1] J. Yang, X. Meng, M. W. Mahoney, "Quantile regression for
       large-scale applications", ICML (2013).
    .. [2] R. Koenker, G. Bassett, "Regression quantiles", Econometrica 46 (1978).

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import QuantileRegression
    >>> g = np.random.default_rng(0)
    >>> X = g.standard_normal((20000, 3)); y = X @ [1.0, 2.0, 3.0] + g.standard_normal(20000)
    >>> est = QuantileRegression(quantile=0.9, method="exact").fit(X, y)
    >>> round(float(est.intercept_), 1)   # the 0.9 quantile of N(0, 1) is 1.28
    1.3
    """

    @keyword_only
    @rename_parameter("n_samples", "sketch_size")
    def __init__(self, *, quantile=0.5, alpha=0.0, fit_intercept=True, sketch_size=None,
                 random_state=None, method="auto", scores="lewis", verbose=False):
        self.quantile = quantile
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.sketch_size = sketch_size
        self.random_state = random_state
        self.method = method
        self.scores = scores
        self.verbose = verbose

    def fit(self, X, y, sample_weight=None):
        """Fit the quantile regression model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            float32 is kept; sparse X is never densified.
        y : array-like of shape (n_samples,)
            The targets.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights v of the check losses, as in
            ``QuantileRegressor`` (the penalty is α·Σv).

        Returns
        -------
        self
        """
        from .quantile import check_options

        X, y, sw, fit_intercept = validate_fit(self, X, y, sample_weight)
        n, d = X.shape
        tau, alpha, method, m = check_options(self.quantile, self.alpha, self.method,
                                              self.sketch_size, n, d + fit_intercept)
        total = float(n if sw is None else np.sum(sw, dtype=np.float64))
        penalized = np.ones(d + fit_intercept, bool)
        penalized[d:] = False
        rng = check_rng(self.random_state, "random_state")
        info = {}
        flops, detail = _costs.quantile_regression(X, y)
        with metered("QuantileRegression", flops, self.verbose, detail=detail):
            x, offsets = self._fit(X, y, sw, fit_intercept, tau, alpha * total, m, rng,
                                   method, penalized, info)
        self.certificate_ = info.get("certificate")
        self.coef_, intercept = split_coef(x, X.dtype, offsets)
        self.intercept_ = float(intercept)
        return self

    def _fit(self, X, y, sw, fit_intercept, tau, alpha, m, rng, method, penalized, info):
        from .._backend import is_sparse
        from .quantile import _solve

        if is_sparse(X):
            A, b, offsets = preprocess(X, y, sw, fit_intercept, p=1.0)
            x = _solve(A, b, tau, alpha, m, rng, method, self.scores, penalized,
                       info=info)
        else:
            # dense X: the intercept column (as preprocess would append it) and
            # the weights are applied block by block; [X 1] is never formed
            c = intercept_scale(X)
            x = _solve(X, y, tau, alpha, m, rng, method, self.scores, penalized,
                       const=c if fit_intercept else None, row_weight=sw, info=info)
            offsets = (fit_intercept, False, c, None)
        return x, offsets

    def summary(self, X, y, vcov="robust"):
        """Standard errors, t statistics and confidence intervals of the fit,
        as statsmodels' ``QuantReg`` reports them.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training data.
        y : array-like of shape (n_samples,)
            The training response.
        vcov : {"robust", "iid"}, default "robust"
            The sandwich covariance (heteroscedasticity-robust) or the iid
            one; both with an Epanechnikov-kernel density at zero and the
            Hall–Sheather bandwidth (statsmodels' defaults).

        Returns
        -------
        QuantileSummary
            Its ``str()`` is the coefficient table; ``bse``, ``pvalues``,
            ``conf_int`` hold the numbers (the intercept last, as ``const``).
        """
        from sklearn.utils.validation import check_is_fitted

        from .._backend import is_sparse
        from .._validation import check_option, validate_estimator_data
        from ._quantile_inference import QuantileSummary, quantile_covariance

        check_is_fitted(self)
        vcov = check_option(vcov, "vcov", ("robust", "iid"))
        X, y = validate_estimator_data(self, X, y, reset=False, accept_sparse="csr")
        X = X.astype(np.float64)
        y = np.asarray(y, dtype=np.float64)
        x = np.r_[self.coef_, self.intercept_] if self.fit_intercept else \
            np.asarray(self.coef_, np.float64)
        if self.fit_intercept:
            import scipy.sparse as sp

            ones = np.ones((X.shape[0], 1))
            D = sp.hstack([X, ones]).tocsr() if is_sparse(X) else np.hstack([X, ones])
        else:
            D = X
        cov = quantile_covariance(D, y, x, float(self.quantile), vcov)
        names = [f"x{i}" for i in range(X.shape[1])] + (["const"] if self.fit_intercept
                                                        else [])
        return QuantileSummary(names, x, np.sqrt(np.diag(cov)), D.shape[0] - D.shape[1],
                               float(self.quantile), vcov)
