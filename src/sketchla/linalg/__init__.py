"""Solvers built on sketches and samples: least squares, matrix products."""

from .lstsq import LstsqResult, RankDeficiencyWarning, lstsq, sketch_and_solve
from .matmul import approx_matmul
from .regression import SketchedRegression

__all__ = [
    "LstsqResult",
    "RankDeficiencyWarning",
    "SketchedRegression",
    "approx_matmul",
    "lstsq",
    "sketch_and_solve",
]
