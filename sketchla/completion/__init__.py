"""Low-rank matrix completion by alternating minimization."""

from .altmin import AltMinCompletion, CompletionResult, altmin_complete

__all__ = ["AltMinCompletion", "CompletionResult", "altmin_complete"]
