"""``WeightedLeastSquares``: the scikit-learn estimator of weighted least
squares on a domain (:mod:`sketchla.linalg.weighted_ls`).

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from .._kernels.forks import fork_safe_methods
from .._validation._deprecate import keyword_only
from .._validation import as_finite_float, check_consistent_length
from .polynomial_basis import PolynomialBasis, _weighted_gram_sum

__all__ = ["WeightedLeastSquares"]


@fork_safe_methods
class WeightedLeastSquares(RegressorMixin, BaseEstimator):
    """Weighted least-squares approximation in the span of an orthonormal basis.

    ``fit(X, y, sample_weight=w)`` solves min Σ w_i (y_i − φ(x_i)ᵀc)² (SciPy
    LAPACK least squares on √w-scaled rows) and exposes the weighted Gram
    matrix G = (1/n)Σ w_i φ(x_i)φ(x_i)ᵀ; ``is_stable_`` is ‖G − I‖₂ ≤ 1/2,
    the condition under which the fit is quasi-optimal (error within a
    constant of the best approximation in expectation, Cohen–Migliorati).

    Parameters
    ----------
    basis : PolynomialBasis
        The orthonormal basis of V_m (:func:`polynomial_basis`) whose span the fit lies in.

    Attributes
    ----------
    coef_ : ndarray, shape (basis.size,)
    gram_ : ndarray, shape (basis.size, basis.size)
    stability_ : float
        ‖G − I‖₂.
    is_stable_ : bool
    n_samples_ : int
        Number of points the fit used.
    n_features_in_ : int

    Notes
    -----
    The input dimension is fixed by the basis, so scikit-learn's generic
    estimator checks (random X with other widths, values outside the
    domain) do not apply; fit/predict/score follow its conventions.

    References
    ----------
    .. [1] A. Cohen, G. Migliorati, "Optimal weighted least-squares methods",
       SMAI J. Comput. Math. 3 (2017).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> basis = sketchla.polynomial_basis("legendre", dim=1, degree=3)
    >>> X = np.linspace(-1, 1, 50)[:, None]
    >>> est = sketchla.WeightedLeastSquares(basis=basis).fit(X, X[:, 0] ** 3)
    >>> bool(np.allclose(est.predict(X), X[:, 0] ** 3))
    True
    """

    @keyword_only
    def __init__(self, *, basis=None):
        self.basis = basis

    def _basis(self):
        if not isinstance(self.basis, PolynomialBasis):
            raise TypeError("basis must be a PolynomialBasis (see polynomial_basis)")
        return self.basis

    def fit(self, X, y, sample_weight=None):
        """Fit the weighted least-squares expansion.

        Parameters
        ----------
        X : array_like, shape (n_samples, basis.dim)
            Points of the basis' domain.
        y : array_like, shape (n_samples,)
            Values of the function at X.
        sample_weight : array_like, shape (n_samples,), optional
            The weights w(x_i) of the weighted least-squares fit (those that
            :func:`sample_weighted_ls_points` returns); default 1.

        Returns
        -------
        WeightedLeastSquares
            ``self``, with ``coef_``.
        """
        import scipy.linalg as sla

        basis = self._basis()
        X = basis.check_points(X)
        if X.shape[0] == 0:
            raise ValueError("X must have at least one row, got shape (0, "
                             f"{X.shape[1]})")
        y = as_finite_float(y, "y", 1)
        check_consistent_length(("X", X), ("y", y))
        w = np.ones(X.shape[0]) if sample_weight is None else as_finite_float(
            sample_weight, "sample_weight", 1)
        check_consistent_length(("X", X), ("sample_weight", w))
        if (w < 0).any():
            raise ValueError("sample_weight must be non-negative")
        if not (w > 0).any():
            raise ValueError("sample_weight: all weights are zero")
        F = basis(X)
        sq = np.sqrt(w)
        self.coef_ = sla.lstsq(F * sq[:, None], y * sq, lapack_driver="gelsd")[0]
        self.gram_ = _weighted_gram_sum(F, w) / X.shape[0]
        self.stability_ = float(np.linalg.norm(self.gram_ - np.eye(basis.size), 2))
        self.is_stable_ = self.stability_ <= 0.5
        self.n_features_in_ = basis.dim
        self.n_samples_ = X.shape[0]
        return self

    def predict(self, X):
        """Evaluate the fitted expansion.

        Parameters
        ----------
        X : array_like, shape (n_samples, basis.dim)
            Points of the basis' domain.

        Returns
        -------
        ndarray, shape (n_samples,)
            The fitted expansion at X.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return self._basis()(X) @ self.coef_
