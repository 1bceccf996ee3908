"""Low-rank matrix completion by alternating minimization."""

from .._lazy import lazy_attributes
from .altmin import CompletionResult, altmin_complete

__all__ = ["AltMinCompletion", "CompletionResult", "altmin_complete"]

# the estimator loads scikit-learn: imported on first use
__getattr__, __dir__ = lazy_attributes(__name__, {"AltMinCompletion": "estimator"})
