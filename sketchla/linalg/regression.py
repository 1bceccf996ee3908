"""``SketchedRegression``: the scikit-learn face of :func:`sketchla.lstsq`."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._validation import check_rng
from .lstsq import RankDeficiencyWarning, lstsq
from .._backend import is_sparse

__all__ = ["SketchedRegression"]



class SketchedRegression(RegressorMixin, BaseEstimator):
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

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray, shape (n_targets,)
    n_iter_ : int
    converged_ : bool
    sketch_size_ : int
    n_features_in_ : int

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

    def __init__(self, method="precondition", sketch="sparse_sign", sketch_size=None,
                 fit_intercept=True, random_state=None):
        self.method = method
        self.sketch = sketch
        self.sketch_size = sketch_size
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the linear model; ``sample_weight`` weights the squared residuals."""
        import scipy.sparse as sp
        from sklearn.utils.validation import _check_sample_weight, validate_data

        X, y = validate_data(self, X, y, accept_sparse=("csr", "csc"), multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32))
        y = np.asarray(y, dtype=X.dtype)
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=X.dtype)
            if (sw < 0).any():
                raise ValueError("sample_weight must be non-negative")
        n, d = X.shape
        if self.fit_intercept and not is_sparse(X):
            w = np.ones(n, dtype=X.dtype) if sw is None else sw
            x_mean = (w @ X) / w.sum() if w.sum() > 0 else np.zeros(d, X.dtype)
            y_mean = (w @ y) / w.sum() if w.sum() > 0 else np.zeros(y.shape[1:], X.dtype)
            A, b = X - x_mean, y - y_mean
        elif self.fit_intercept:
            A = sp.hstack([X, np.ones((n, 1), dtype=X.dtype)], format="csr")
            b = y
        else:
            A, b = X, y
        if sw is not None:
            sq = np.sqrt(sw)
            A = sp.diags(sq) @ A if is_sparse(A) else A * sq[:, None]
            b = b * (sq if b.ndim == 1 else sq[:, None])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficiencyWarning)
            res = lstsq(A, b, method=self.method, sketch=self.sketch,
                        sketch_size=self.sketch_size, rng=check_rng(self.random_state,
                                                                    "random_state"))
        coef = np.asarray(res.x, dtype=X.dtype)
        if self.fit_intercept and is_sparse(X):
            intercept, coef = coef[-1], coef[:-1]
        elif self.fit_intercept:
            intercept = y_mean - x_mean @ coef
        else:
            intercept = np.zeros(coef.shape[1:], dtype=X.dtype) if coef.ndim == 2 else 0.0
        self.coef_ = coef.T
        self.intercept_ = intercept
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged
        self.sketch_size_ = res.sketch_size
        self.rank_ = res.rank
        return self

    def predict(self, X):
        """Predict with the fitted linear model."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc"), reset=False,
                          dtype=(np.float64, np.float32))
        return np.asarray(X @ self.coef_.T) + self.intercept_
