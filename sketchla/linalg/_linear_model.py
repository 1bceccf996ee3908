"""Shared preprocessing of the linear-model estimators (``SketchedRegression``,
``LpRegression``), as scikit-learn's ``_preprocess_data`` and ``_rescale_data``
serve its linear models: validation, the intercept, sample weights and
``predict``. The estimators are thin shells over the functions."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import is_sparse
from .._validation import check_bool, validate_estimator_data


def validate_fit(est, X, y, sample_weight, multi_output=False):
    """(X, y, sample_weight or None, fit_intercept) for ``est.fit``.

    Sparse X has its structure verified before scikit-learn converts it;
    float32 is kept; weights must be non-negative."""
    from sklearn.utils.validation import _check_sample_weight

    fit_intercept = check_bool(est.fit_intercept, "fit_intercept")
    X, y = validate_estimator_data(est, X, y, accept_sparse=("csr", "csc"),
                                   multi_output=multi_output, y_numeric=True)
    y = np.asarray(y, dtype=X.dtype)
    sw = None
    if sample_weight is not None:
        sw = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        if (sw < 0).any():
            raise ValueError("sample_weight must be non-negative")
    return X, y, sw, fit_intercept


def intercept_scale(X):
    """The value of an appended intercept column: X's largest |entry| (1 when
    X is empty or zero), so that the design does not depend on the overall
    scale of the data. ``split_coef`` multiplies the last coefficient back."""
    c = _kernels.abs_max(X) if all(X.shape) else 1.0
    return c if np.isfinite(c) and c > 0 else 1.0


def preprocess(X, y, sample_weight, fit_intercept, p=2.0):
    """The design (A, b) of the weighted ℓp problem min Σ w_i |a_iᵀx − b_i|^p.

    The intercept: for p = 2 and dense X, X and y are centered with the
    weights (the intercept is then recovered exactly); otherwise a column of
    ones is appended (sparse X is never densified, and for p ≠ 2 centering
    does not give the intercept). The appended column holds max|X| rather
    than 1, so the design scales with the data. Weights scale row i by
    w_i^{1/p}.

    Returns ``(A, b, offsets)``; ``offsets`` goes to :func:`split_coef`.
    """
    n, d = X.shape
    center = fit_intercept and p == 2 and not is_sparse(X)
    x_mean = y_mean = None
    if center:
        w = np.ones(n, dtype=X.dtype) if sample_weight is None else sample_weight
        total = w.sum()
        x_mean = (w @ X) / total if total > 0 else np.zeros(d, X.dtype)
        y_mean = (w @ y) / total if total > 0 else np.zeros(y.shape[1:], X.dtype)
        A, b = X - x_mean, y - y_mean
    elif fit_intercept:
        c = intercept_scale(X)
        A, b = _kernels.hstack([X, np.full((n, 1), c, dtype=X.dtype)]), y
        x_mean = c
    else:
        A, b = X, y
    if sample_weight is not None:
        s = (sample_weight ** (1.0 / p)).astype(X.dtype)
        A = _kernels.scale_rows(A, s)
        b = b * (s if b.ndim == 1 else s[:, None])
    return A, b, (fit_intercept, center, x_mean, y_mean)


def split_coef(x, dtype, offsets):
    """(coef, intercept) from the solution of the preprocessed problem."""
    fit_intercept, center, x_mean, y_mean = offsets
    coef = np.asarray(x, dtype=dtype)
    if center:
        return coef, y_mean - x_mean @ coef
    if fit_intercept:  # x_mean holds the intercept column's value
        return coef[:-1], coef[-1] * x_mean
    return coef, (np.zeros(coef.shape[1:], dtype=dtype) if coef.ndim == 2 else 0.0)


class LinearPredictMixin:
    """``predict`` for a fitted ``coef_`` (n_features,) or (n_targets, n_features)
    and ``intercept_``; the linear models take scipy.sparse X (tag)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def predict(self, X):
        """Predict with the fitted linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with the fitted number of features.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_estimator_data(self, X, accept_sparse=("csr", "csc"), reset=False)
        return np.asarray(X @ self.coef_.T) + self.intercept_
