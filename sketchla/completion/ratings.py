"""Ratings: (user, item, rating) triplets with arbitrary ids as a sparse
matrix that keeps its id maps, a held-out split by entries, and
rating-prediction errors.

A :class:`Ratings` is what :func:`sketchla.altmin_complete` and
:class:`sketchla.AltMinCompletion` take for recommender data:
``AltMinCompletion.fit(ratings)`` keeps the id maps, so that ``predict``
takes the original ids and ``fold_in`` adds new users and items.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._kernels.forks import fork_safe, fork_safe_methods
from .._validation import check_array, check_keys, check_rng, check_scalar, check_sparse

__all__ = ["Ratings", "split_entries", "rating_errors"]


def _ids(keys, n, name):
    keys = check_keys(keys, n, name)
    if keys.dtype.kind == "O":  # all str or all bytes (check_keys): a fixed-width array
        keys = np.asarray(keys.tolist())
    return keys


class IdMap:
    """Positions of ids: ``ids[positions(q)] == q``, −1 for unknown ids.

    ``ids`` are unique; they keep their order (positions are indices into
    ``ids``), and :meth:`extend` appends new ones.
    """

    def __init__(self, ids):
        self.ids = np.asarray(ids)
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        if self._sorted.size > 1 and (self._sorted[1:] == self._sorted[:-1]).any():
            raise ValueError("ids must be unique")

    def __len__(self):
        return self.ids.shape[0]

    def positions(self, query):
        query = np.asarray(query)
        if self._sorted.size == 0 or query.size == 0:
            return np.full(query.shape, -1, np.int64)
        try:
            at = np.searchsorted(self._sorted, query)
        except TypeError:  # ids of another kind than the known ones: none is known
            return np.full(query.shape, -1, np.int64)
        at = np.minimum(at, self._sorted.size - 1)
        hit = self._sorted[at] == query
        return np.where(hit, self._order[at], -1).astype(np.int64)

    def extend(self, new):
        new = np.asarray(new)
        if new.size == 0:
            return self
        return IdMap(np.concatenate([self.ids, new]))


@fork_safe_methods
class Ratings:
    """(user, item, rating) triplets as a sparse users × items matrix with
    its id maps.

    Parameters
    ----------
    users, items : array-like of shape (n_ratings,)
        The ids of each rating's user and item: integers or strings
        (arbitrary: they need not be contiguous or sorted).
    ratings : array-like of shape (n_ratings,)
        Finite ratings. float32 is kept; anything else becomes float64.
    user_ids, item_ids : array-like, optional
        The id maps (unique ids, whose order gives the rows and columns):
        by default the sorted unique ids present. Pass a training set's
        maps to index a test set the same way (its ids must all be known).

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (n_users, n_items)
        ``matrix[i, j]`` is the rating of ``user_ids[i]`` for
        ``item_ids[j]``; the stored entries are the observations.
    user_ids, item_ids : ndarray
        The id of each row and column.

    Notes
    -----
    A (user, item) pair rated twice is refused (``ValueError``): average
    or deduplicate first. Building costs O(n log n) for n ratings (the ids
    are sorted once); memory O(n).

    References
    ----------
    .. [1] F. M. Harper, J. A. Konstan, "The MovieLens datasets: history and
       context", ACM TiiS 5(4), 2015 (the triplet layout of rating data).

    Examples
    --------
    >>> from sketchla import Ratings
    >>> R = Ratings(["ann", "bob", "ann"], [10, 10, 42], [4.0, 3.0, 5.0])
    >>> R.shape, R.user_ids.tolist(), R.item_ids.tolist()
    ((2, 2), ['ann', 'bob'], [10, 42])
    >>> float(R.matrix[0, 1])
    5.0
    """

    def __init__(self, users, items, ratings, *, user_ids=None, item_ids=None):
        vals = check_array(ratings, "ratings", ndim=1, allow_empty=True)
        if sp.issparse(vals) or vals.dtype.kind not in "fiub":
            raise TypeError(f"ratings must be numeric, got {type(ratings).__name__}")
        n = vals.shape[0]
        users, items = _ids(users, n, "users"), _ids(items, n, "items")
        dtype = np.float32 if vals.dtype == np.float32 else np.float64
        umap = IdMap(np.unique(users) if user_ids is None else _ids(
            user_ids, np.asarray(user_ids).shape[0], "user_ids"))
        imap = IdMap(np.unique(items) if item_ids is None else _ids(
            item_ids, np.asarray(item_ids).shape[0], "item_ids"))
        r, c = umap.positions(users), imap.positions(items)
        for name, pos in (("users", r), ("items", c)):
            if (pos < 0).any():
                raise ValueError(f"{name}: {int((pos < 0).sum())} rating(s) have an id "
                                 f"missing from {name[:-1]}_ids")
        distinct = np.unique(r * max(len(imap), 1) + c).size
        if distinct != n:
            raise ValueError(f"users, items: {n - distinct} (user, item) pair(s) "
                             "are rated more than once; average or deduplicate them first")
        self.matrix = sp.csr_matrix((vals.astype(dtype), (r, c)), shape=(len(umap), len(imap)))
        self.matrix.sort_indices()
        self._users, self._items = umap, imap

    @classmethod
    def from_frame(cls, frame, user="user", item="item", rating="rating", *, user_ids=None,
                   item_ids=None):
        """Ratings from a pandas DataFrame with user, item and rating columns.

        Parameters
        ----------
        frame : pandas.DataFrame
            One rating per row.
        user, item, rating : column label, default "user", "item", "rating"
            The columns holding the user ids, the item ids and the ratings.
        user_ids, item_ids : array-like, optional
            As for :class:`Ratings`.

        Returns
        -------
        Ratings
        """
        missing = [c for c in (user, item, rating) if c not in getattr(frame, "columns", ())]
        if missing:
            raise ValueError(f"frame: no column(s) {missing!r}; pass user=, item=, rating= "
                             "to name them")
        return cls(frame[user].to_numpy(), frame[item].to_numpy(), frame[rating].to_numpy(),
                   user_ids=user_ids, item_ids=item_ids)

    @property
    def user_ids(self):
        return self._users.ids

    @property
    def item_ids(self):
        return self._items.ids

    @property
    def shape(self):
        return self.matrix.shape

    def __len__(self):
        return self.matrix.nnz

    def __repr__(self):
        return f"Ratings({len(self)} ratings, {self.shape[0]} users x {self.shape[1]} items)"

    def triplets(self):
        """(users, items, ratings) arrays, one per stored rating (in row order)."""
        coo = self.matrix.tocoo()
        return self.user_ids[coo.row], self.item_ids[coo.col], coo.data

    def positions(self, users, items):
        """(rows, cols) of the given ids, −1 where an id is unknown.

        Parameters
        ----------
        users, items : array_like, shape (k,)
            Ids, as given to the constructor.

        Returns
        -------
        rows, cols : ndarray of int64, shape (k,)
            Positions in the ratings matrix, −1 for unknown ids.
        """
        return self._users.positions(users), self._items.positions(items)

    def _with_matrix(self, matrix):
        out = object.__new__(Ratings)
        out.matrix, out._users, out._items = matrix, self._users, self._items
        return out


@fork_safe
def split_entries(X, test_size=0.2, rng=None):
    """Split observed entries at random into a training and a held-out set.

    Parameters
    ----------
    X : Ratings or scipy.sparse matrix
        The observations (stored entries).
    test_size : float, default 0.2
        The fraction of entries held out, in (0, 1).
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    train, test : same type as X
        Disjoint sets of entries whose union is X, on the same shape (and,
        for :class:`Ratings`, the same id maps), so the held-out entries
        index the model fitted on ``train``.

    Notes
    -----
    Every entry is held out independently with probability ``test_size``,
    so rows and columns keep about their share of entries; a row with all
    its entries held out is empty in ``train`` (``altmin_complete`` warns
    about it; with ``biases`` it is predicted by the mean and the item
    biases). Cost O(nnz).

    References
    ----------
    .. [1] Y. Koren, R. Bell, C. Volinsky, "Matrix factorization techniques
       for recommender systems", Computer 42(8), 2009 (held-out RMSE).

    Examples
    --------
    >>> from sketchla import Ratings, split_entries
    >>> R = Ratings([1, 1, 2, 2, 3], [7, 8, 7, 8, 7], [5.0, 3.0, 4.0, 1.0, 2.0])
    >>> train, test = split_entries(R, test_size=0.4, rng=0)
    >>> len(train) + len(test), train.shape == test.shape == R.shape
    (5, True)
    """
    test_size = check_scalar(test_size, "test_size", minimum=0, maximum=1,
                             include_minimum=False, include_maximum=False)
    g = check_rng(rng)
    ratings = isinstance(X, Ratings)
    M = X.matrix if ratings else X
    if not sp.issparse(M):
        raise TypeError(f"X must be Ratings or a scipy.sparse matrix, got {type(X).__name__}")
    fmt = M.format
    # the structure verified (a corrupt one is a ValueError, never a crash),
    # the values finite and real, duplicates summed: each cell lands on one side
    coo = check_sparse(M, "X", ("csr", "csc", "coo")).tocoo()
    held = g.random(coo.nnz) < test_size
    parts = [sp.csr_matrix((coo.data[k], (coo.row[k], coo.col[k])), shape=coo.shape)
             for k in (~held, held)]
    if ratings:
        return tuple(X._with_matrix(P) for P in parts)
    return tuple(P.asformat(fmt) for P in parts)


@fork_safe
def rating_errors(model, test, clip=None):
    """Root-mean-square and mean absolute error of predictions on held-out entries.

    Parameters
    ----------
    model : AltMinCompletion or CompletionResult
        A fitted model: an :class:`~sketchla.AltMinCompletion` fitted on
        :class:`Ratings` is queried by ids (ids unknown to it are predicted
        from the mean and the known biases); otherwise by positions, so
        ``test`` must have the model's shape.
    test : Ratings or scipy.sparse matrix
        The held-out entries (stored entries).
    clip : (float, float), optional
        Clip the predictions to this range first (a rating scale, such as
        ``(1, 5)``).

    Returns
    -------
    dict
        ``{"rmse": ..., "mae": ..., "n": number of entries}``.

    Notes
    -----
    O(n·rank) for n held-out entries. Clipping to the rating scale, as
    Surprise does by default, only lowers both errors.

    References
    ----------
    .. [1] Y. Koren, R. Bell, C. Volinsky, "Matrix factorization techniques
       for recommender systems", Computer 42(8), 2009.

    Examples
    --------
    >>> from sketchla import AltMinCompletion, rating_errors, split_entries
    >>> from sketchla.datasets import make_ratings
    >>> import numpy as np
    >>> R = make_ratings(1000, 500, 30000, rng=0)
    >>> train, test = split_entries(R, rng=0)
    >>> model = AltMinCompletion(rank=5, biases=True, reg=0.1, random_state=0).fit(train)
    >>> errors = rating_errors(model, test, clip=(1, 5))
    >>> y = test.triplets()[2]
    >>> bool(errors["rmse"] < np.sqrt(np.mean((y - train.matrix.data.mean()) ** 2)))  # < the mean's
    True
    """
    if isinstance(test, Ratings) and getattr(model, "user_ids_", None) is not None:
        users, items, y = test.triplets()
        pred = model.predict(users, items)
    else:
        M = test.matrix if isinstance(test, Ratings) else test
        if not sp.issparse(M):
            raise TypeError(f"test must be Ratings or a scipy.sparse matrix, got "
                            f"{type(test).__name__}")
        result = getattr(model, "result_", model)
        if tuple(M.shape) != tuple(result.shape):
            raise ValueError(f"test has shape {M.shape}; the model's is {result.shape}")
        coo = check_sparse(M, "test", ("csr", "csc", "coo")).tocoo()
        y = coo.data
        pred = result.predict(coo.row, coo.col)
    pred = np.asarray(pred, dtype=np.float64)
    if clip is not None:
        lo, hi = clip
        pred = np.clip(pred, lo, hi)
    err = pred - np.asarray(y, dtype=np.float64)
    n = err.size
    top = float(np.max(np.abs(err))) if n else 0.0
    # the root mean square at any scale: errors of 1e200 square beyond float64
    rmse = top * float(np.sqrt(np.mean((err / top) ** 2))) if top > 0 else 0.0
    return {"rmse": rmse if n else float("nan"),
            "mae": float(np.mean(np.abs(err))) if n else float("nan"), "n": n}
