"""Low-rank matrix completion by alternating minimization, and ratings."""

from .._lazy import lazy_attributes
from ._regpath import RegPath
from .altmin import CompletionResult, altmin_complete
from .movielens import load_movielens_100k
from .ratings import Ratings, rating_errors, split_entries

__all__ = ["AltMinCompletion", "CompletionResult", "Ratings", "RegPath", "altmin_complete",
           "load_movielens_100k", "rating_errors", "split_entries"]

# the estimator loads scikit-learn: imported on first use
__getattr__, __dir__ = lazy_attributes(__name__, {"AltMinCompletion": "estimator"})
