"""MovieLens 100k, read from a copy that an installed package ships.

The ratings are not bundled with sketchla and never downloaded: the
``recbole`` wheel carries them (``recbole/dataset_example/ml-100k``), and
``pip install --no-deps recbole`` puts them on disk without RecBole's own
dependencies. The package is located, not imported.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np

from .._kernels.forks import fork_safe
from .ratings import Ratings

__all__ = ["load_movielens_100k"]

_PACKAGE = "recbole"
_MEMBER = ("dataset_example", "ml-100k", "ml-100k.inter")


def _path():
    spec = importlib.util.find_spec(_PACKAGE)
    roots = [] if spec is None else list(spec.submodule_search_locations or [])
    for root in roots:
        path = os.path.join(root, *_MEMBER)
        if os.path.isfile(path):
            return path
    raise ImportError(
        "load_movielens_100k reads the MovieLens 100k ratings that the recbole wheel "
        "ships; install them with `pip install --no-deps recbole` (RecBole's own "
        "dependencies are not needed)")


@fork_safe
def load_movielens_100k():
    """The MovieLens 100k ratings: 100,000 ratings (1–5 stars) of 1,682
    movies by 943 users.

    Returns
    -------
    Ratings
        Users × items, ids as in the original data (integers), rows and
        columns in sorted id order.

    Raises
    ------
    ImportError
        When no installed ``recbole`` package ships the data (install it
        with ``pip install --no-deps recbole``).

    Notes
    -----
    Read from the tab-separated copy in the ``recbole`` wheel
    (``user_id, item_id, rating, timestamp`` under one header line); the
    timestamps are dropped. Nothing is downloaded. Cost: one parse of a
    2 MB file.

    References
    ----------
    .. [1] F. M. Harper, J. A. Konstan, "The MovieLens datasets: history and
       context", ACM TiiS 5(4), 2015.

    Examples
    --------
    >>> from sketchla import load_movielens_100k   # doctest: +SKIP
    >>> load_movielens_100k()                      # doctest: +SKIP
    Ratings(100000 ratings, 943 users x 1682 items)
    """
    data = np.loadtxt(_path(), skiprows=1, usecols=(0, 1, 2), dtype=np.float64)
    if data.ndim != 2 or data.shape[1] != 3:
        raise ValueError(f"unexpected layout of {_path()}")
    return Ratings(data[:, 0].astype(np.int64), data[:, 1].astype(np.int64), data[:, 2])
