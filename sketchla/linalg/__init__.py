"""Solvers built on sketches and samples: least squares, matrix products, weighted least squares on a domain."""

from .lp_regression import LpRegression, lp_regression
from .lstsq import LstsqResult, RankDeficiencyWarning, lstsq, sketch_and_solve
from .matmul import approx_matmul
from .regression import SketchedRegression
from .weighted_ls import (PolynomialBasis, WeightedLeastSquares, approximate, polynomial_basis,
                          sample_weighted_ls_points)

__all__ = [
    "LpRegression",
    "LstsqResult",
    "RankDeficiencyWarning",
    "SketchedRegression",
    "approx_matmul",
    "lp_regression",
    "lstsq",
    "sketch_and_solve",
    "PolynomialBasis",
    "WeightedLeastSquares",
    "approximate",
    "polynomial_basis",
    "sample_weighted_ls_points",
]
