"""``AltMinCompletion``: the scikit-learn imputer over
:func:`sketchla.altmin_complete`.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

from .._backend import is_sparse
from .._validation import check_rng
from .altmin import _fold_in, _observed, altmin_complete

__all__ = ["AltMinCompletion"]


class AltMinCompletion(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Matrix completion by alternating minimization (scikit-learn imputer).

    Fits a rank-``rank`` model M ≈ U Vᵀ to the observed entries of X with
    :func:`altmin_complete`. Following scikit-learn's imputer convention,
    ``transform`` fills the missing (NaN) entries of dense X and keeps the
    observed ones; ``predict(rows, cols)`` returns entries of the fitted
    matrix for problems too large to fill.

    Parameters
    ----------
    rank : int, default 2
        Target rank (the contract's first positional argument).
    solver : {"auto", "sketched", "exact"}, default "auto"
    max_iter : int, default 100
    tol : float, default 1e-6
    reg : float, default 0.0
    sample_splitting : bool, default False
    clip : float or None, default 2.0
    n_inner : int, default 3
    sketch_rows : int, optional
        All as in :func:`altmin_complete`.
    random_state : None, int or Generator
    verbose : bool or int, default False
        Progress bar (``True``) or a line per sweep (``2``).

    Attributes
    ----------
    row_factors_ : ndarray, shape (n_samples, rank)
        U of the training matrix.
    components_ : ndarray, shape (rank, n_features)
        Vᵀ: the fitted matrix is ``row_factors_ @ components_``.
    n_iter_, converged_, residuals_ :
        As in :class:`CompletionResult`.
    result_ : CompletionResult
    n_features_in_ : int

    Notes
    -----
    New rows (``transform``) are folded in: each row's factor solves the
    least-squares problem over its observed entries with V fixed, exactly
    the U-step of the algorithm. So ``fit_transform(X)`` equals
    ``fit(X).transform(X)``.

    Sparse X: its stored entries are the observations (unlike
    :class:`sklearn.impute.SimpleImputer`, where they are values and
    explicit NaN are missing). ``fit`` accepts it; ``transform`` refuses it
    with a ``TypeError``, since the filled matrix would be dense: query
    entries with ``predict(rows, cols)`` instead.

    scikit-learn's estimator checks call ``predict(X)`` on any estimator that
    has ``predict``, expecting one target per sample; ``predict`` here is an
    entry query, so the checks that call it are listed (with this reason)
    as expected failures in ``tests/completion/test_altmin.py``; every other
    check passes.

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import AltMinCompletion
    >>> from sketchla.datasets import make_low_rank_completion
    >>> Xs, U, V = make_low_rank_completion(200, 100, 2, fraction=0.4, rng=0)
    >>> X = np.full(Xs.shape, np.nan); r, c = Xs.nonzero(); X[r, c] = Xs.data
    >>> filled = AltMinCompletion(rank=2, random_state=0).fit_transform(X)
    >>> bool(np.allclose(filled, U @ V.T, atol=1e-6))
    True
    """

    def __init__(self, rank=2, solver="auto", max_iter=100, tol=1e-6, reg=0.0,
                 sample_splitting=False, clip=2.0, n_inner=3, sketch_rows=None,
                 random_state=None, verbose=False):
        self.rank = rank
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.reg = reg
        self.sample_splitting = sample_splitting
        self.clip = clip
        self.n_inner = n_inner
        self.sketch_rows = sketch_rows
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        return tags

    def _validate(self, X, reset):
        from .._validation import validate_estimator_data

        return validate_estimator_data(self, X, accept_sparse=("csr", "csc", "coo"),
                                       reset=reset, ensure_all_finite="allow-nan")

    def fit(self, X, y=None):
        """Fit the low-rank model to the observed entries of X."""
        X = self._validate(X, reset=True)
        res = altmin_complete(X, self.rank, solver=self.solver, max_iter=self.max_iter,
                              tol=self.tol, reg=self.reg,
                              sample_splitting=self.sample_splitting, clip=self.clip,
                              n_inner=self.n_inner, sketch_rows=self.sketch_rows,
                              rng=check_rng(self.random_state, "random_state"),
                              verbose=self.verbose)
        self.result_ = res
        self.row_factors_ = res.U
        self.components_ = res.V.T
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged
        self.residuals_ = res.residuals
        return self

    def transform(self, X):
        """X with its NaN entries replaced by the model's values (dense X only)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if is_sparse(X):
            raise TypeError(
                "AltMinCompletion.transform does not accept sparse X: the filled matrix "
                "would be dense. Use predict(rows, cols) for entries of a sparse problem.")
        X = self._validate(X, reset=False)
        out = np.array(X, copy=True)
        miss = np.isnan(out)
        if miss.any():
            csr, _, _ = _observed(X)
            U = _fold_in(csr, self.components_.T, self.reg)
            r, c = np.nonzero(miss)
            out[r, c] = np.einsum("ij,ji->i", U[r], self.components_[:, c])
        return out

    def predict(self, rows, cols):
        """Entries ``(U Vᵀ)[rows, cols]`` of the fitted training matrix.

        O(len(rows)·rank); the matrix is never formed, so this is how to
        query a large sparse problem. ``rows`` and ``cols`` are integer
        arrays of the same shape (negative indices count from the end).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return self.result_.predict(rows, cols)
