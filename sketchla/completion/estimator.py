"""``AltMinCompletion``: the scikit-learn imputer over
:func:`sketchla.altmin_complete`.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin

import scipy.sparse as sp

from .._kernels.forks import fork_safe_methods
from .._backend import is_sparse
from .._validation._deprecate import keyword_only, rename_parameter
from .._validation import check_rng
from ._solve import _fold_in_result
from .altmin import _observed, altmin_complete
from .ratings import Ratings

__all__ = ["AltMinCompletion"]


@fork_safe_methods
class AltMinCompletion(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Matrix completion by alternating minimization (scikit-learn imputer).

    Fits a rank-``rank`` model M ≈ U Vᵀ to the observed entries of X with
    :func:`altmin_complete`. Following scikit-learn's imputer convention,
    ``transform`` fills the missing (NaN) entries of dense X and keeps the
    observed ones; ``predict(rows, cols)`` returns entries of the fitted
    matrix for problems too large to fill. Fitted on :class:`Ratings`
    (triplets with arbitrary ids), it keeps the id maps: ``predict(users,
    items)`` takes the original ids and ``fold_in`` adds new users and items.

    Parameters
    ----------
    rank : int or "auto", default 2
        Target rank (the contract's first positional argument); ``"auto"``
        chooses it on held-out entries (see :func:`altmin_complete`).
    method : {"auto", "sketched", "exact"}, default "auto"
        The row solver (``solver=`` is its deprecated spelling): ``"exact"``
        normal equations, or ``"sketched"``
        (CountSketch-preconditioned CG); ``"auto"`` takes the sketched one
        from rank 20 on when rows are long enough (see
        :func:`altmin_complete` for the measured crossover).
    max_iter : int, default 100
        Maximum number of sweeps.
    tol : float or "auto", default "auto"
        Stop when the relative decrease of the objective falls to ``tol``
        (``"auto"``: 1e-6 without a ridge, 1e-4 with one).
    reg : float or "auto", default "auto"
        Ridge λ weighted by each row's and column's number of observations
        (ALS-WR), in the units of X. ``"auto"`` chooses it on a held-out
        tenth of the observed entries along a warm-started path, then
        refits on all of them (see :func:`altmin_complete`); λ = 0 on
        exactly low-rank data.
    biases : bool, default False
        Fit a global mean and row (user) and column (item) biases with the
        factors: the model μ + b_i + c_j + u_iᵀv_j of rating data.
    sample_splitting : bool, default False
        A fresh random part of the entries for every half-sweep (the
        analysed algorithm; needs many more entries).
    clip : float or None, default 2.0
        Incoherence clipping of the initial basis (row norms above
        clip·√(rank/n_rows) are scaled down).
    n_inner : int, default 3
        Preconditioned CG steps per row and sweep (``"sketched"``).
    sketch_size : int, optional
        CountSketch rows per row problem (``"sketched"``), default 3·rank
        (``sketch_rows=`` is its deprecated spelling).
    random_state : None, int or Generator
        Randomness of the initialization and the sketches.
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
    reg_ : float
        The ridge λ of the fit (the chosen one with ``reg="auto"``).
    reg_path_ : RegPath or None
        With ``reg="auto"``: every λ tried and its held-out RMSE
        (``regs``, ``scores``), the baseline's RMSE (``baseline``).
    rank_ : int
        The rank of the fit (the chosen one with ``rank="auto"``).
    mean_ : float
        The global mean (0 without ``biases``).
    row_bias_, col_bias_ : ndarray or None
        Row (user) and column (item) biases, with ``biases``.
    user_ids_, item_ids_ : ndarray or None
        The ids of the rows and columns when fitted on :class:`Ratings`
        (extended by ``fold_in``).
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

    References
    ----------
    .. [1] P. Jain, P. Netrapalli, S. Sanghavi, "Low-rank matrix completion
       using alternating minimization", STOC 2013.
    .. [2] Y. Gu, Z. Song, J. Yin, L. Zhang, "Low rank matrix completion via
       robust alternating minimization in nearly linear time", ICLR 2024.
    .. [3] Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan, "Large-scale parallel
       collaborative filtering for the Netflix prize", AAIM 2008.

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

    @keyword_only
    @rename_parameter("solver", "method")
    @rename_parameter("sketch_rows", "sketch_size")
    def __init__(self, *, rank=2, method="auto", max_iter=100, tol="auto", reg="auto",
                 biases=False, sample_splitting=False, clip=2.0, n_inner=3,
                 sketch_size=None, random_state=None, verbose=False):
        self.rank = rank
        self.method = method
        self.max_iter = max_iter
        self.tol = tol
        self.reg = reg
        self.biases = biases
        self.sample_splitting = sample_splitting
        self.clip = clip
        self.n_inner = n_inner
        self.sketch_size = sketch_size
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
        """Fit the low-rank model to the observed entries of X.

        Parameters
        ----------
        X : array-like, scipy.sparse matrix or Ratings
            Dense with NaN for the missing entries, sparse (stored entries
            are observed), or :class:`Ratings` triplets with ids.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        if isinstance(X, Ratings):
            self._users, self._items = X._users, X._items
            self.n_features_in_ = X.shape[1]
            X = X.matrix
        else:
            X = self._validate(X, reset=True)
            self._users = self._items = None
        res = altmin_complete(X, self.rank, method=self.method, max_iter=self.max_iter,
                              tol=self.tol, reg=self.reg, biases=self.biases,
                              sample_splitting=self.sample_splitting, clip=self.clip,
                              n_inner=self.n_inner, sketch_size=self.sketch_size,
                              rng=check_rng(self.random_state, "random_state"),
                              verbose=self.verbose)
        self._set_result(res)
        return self

    def _set_result(self, res):
        self.result_ = res
        self.row_factors_ = res.U
        self.components_ = res.V.T
        self.n_iter_ = res.n_iter
        self.converged_ = res.converged
        self.residuals_ = res.residuals
        self.reg_, self.reg_path_, self.rank_ = res.reg, res.reg_path, res.U.shape[1]
        self.mean_ = res.mean
        self.row_bias_, self.col_bias_ = res.row_bias, res.col_bias
        self.user_ids_ = None if self._users is None else self._users.ids
        self.item_ids_ = None if self._items is None else self._items.ids

    def transform(self, X):
        """X with its NaN entries replaced by the model's values (dense X only).

        Parameters
        ----------
        X : ndarray, shape (n_rows, n_cols)
            The matrix with NaN where entries are missing, of the fitted shape.

        Returns
        -------
        ndarray
            X completed: observed entries kept, missing ones predicted.
        """
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
            U, b = _fold_in_result(self.result_, csr, self.result_.reg)
            r, c = np.nonzero(miss)
            out[r, c] = np.einsum("ij,ji->i", U[r], self.components_[:, c])
            if b is not None:
                out[r, c] += self.mean_ + b[r] + self.col_bias_[c]
        return out

    def predict(self, rows, cols):
        """Entries of the fitted matrix, without forming it.

        Parameters
        ----------
        rows, cols : array-like of the same shape
            Integer positions (negative ones count from the end); or, when
            fitted on :class:`Ratings`, user and item ids. Unknown ids are
            predicted from what is known: the mean plus the known user or
            item bias (0 without ``biases``).

        Returns
        -------
        ndarray
            ``(μ + b_i + c_j +) u_iᵀv_j`` for each pair. O(len(rows)·rank).
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self._users is None:
            return self.result_.predict(rows, cols)
        r, c = self._users.positions(rows), self._items.positions(cols)
        if r.shape != c.shape:
            raise ValueError(f"users and items must have the same shape, got {r.shape} "
                             f"and {c.shape}")
        known = (r >= 0) & (c >= 0)
        res = self.result_
        out = np.zeros(r.shape, dtype=res.U.dtype)
        if known.any():
            out[known] = res.predict(r[known], c[known])
        if res.row_bias is not None and not known.all():
            miss = ~known
            rm, cm = r[miss], c[miss]
            out[miss] = (res.mean + np.where(rm >= 0, res.row_bias[np.maximum(rm, 0)], 0.0)
                         + np.where(cm >= 0, res.col_bias[np.maximum(cm, 0)], 0.0))
        return out

    def fold_in(self, X):
        """Add the new users and items of ``X`` to a model fitted on Ratings.

        A new item's factor (and bias) solves its ALS-WR row problem over
        its ratings by known users, with the users' factors fixed; then a
        new user's, over all its ratings, with the item factors (new ones
        included) fixed: the half-sweeps of the fit, for the new rows only.
        Ratings between known users and known items do not change the
        model (refit to take them into account).

        Parameters
        ----------
        X : Ratings
            Ratings that involve new users or items (ids not in
            ``user_ids_`` / ``item_ids_``).

        Returns
        -------
        self
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self._users is None:
            raise TypeError("fold_in needs a model fitted on Ratings (ids); for a matrix "
                            "fit, transform folds in new rows")
        if not isinstance(X, Ratings):
            raise TypeError(f"X must be Ratings, got {type(X).__name__}")
        users, items, vals = X.triplets()
        vals = vals.astype(np.float64)
        r, c = self._users.positions(users), self._items.positions(items)
        new_items = np.unique(items[c < 0])
        new_users = np.unique(users[r < 0])
        res = self.result_
        m = len(self._users)
        if new_items.size:
            imap = self._items.extend(new_items)
            c = imap.positions(items)
            sel = (c >= len(self._items)) & (r >= 0)
            csr = sp.csr_matrix((vals[sel], (c[sel] - len(self._items), r[sel])),
                                shape=(new_items.size, m))
            V, cb = _fold_in_result(_transposed(res), csr, res.reg)
            res.V = np.vstack([res.V, V.astype(res.V.dtype)])
            if cb is not None:
                res.col_bias = np.concatenate([res.col_bias, cb.astype(res.V.dtype)])
            self._items = imap
        if new_users.size:
            umap = self._users.extend(new_users)
            r = umap.positions(users)
            sel = r >= m
            csr = sp.csr_matrix((vals[sel], (r[sel] - m, c[sel])),
                                shape=(new_users.size, len(self._items)))
            U, b = _fold_in_result(res, csr, res.reg)
            res.U = np.vstack([res.U, U.astype(res.U.dtype)])
            if b is not None:
                res.row_bias = np.concatenate([res.row_bias, b.astype(res.U.dtype)])
            self._users = umap
        self._set_result(res)
        return self


def _transposed(res):
    """The result of the transposed problem (rows and columns swapped)."""
    from ._result import CompletionResult

    return CompletionResult(res.V, res.U, res.n_iter, res.converged, mean=res.mean,
                            row_bias=res.col_bias, col_bias=res.row_bias,
                            data_scale=res.data_scale)
