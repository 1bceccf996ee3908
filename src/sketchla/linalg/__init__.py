"""Solvers built on sketches and samples: least squares, matrix products."""

from .lp_regression import LpRegression, lp_regression
from .lstsq import LstsqResult, RankDeficiencyWarning, lstsq, sketch_and_solve
from .matmul import approx_matmul
from .regression import SketchedRegression

__all__ = [
    "LpRegression",
    "LstsqResult",
    "RankDeficiencyWarning",
    "SketchedRegression",
    "approx_matmul",
    "lp_regression",
    "lstsq",
    "sketch_and_solve",
]
