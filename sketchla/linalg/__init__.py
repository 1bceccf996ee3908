"""Solvers built on sketches and samples: least squares, ℓp and quantile regression, matrix products, low-rank approximation, weighted least squares on a domain."""

from .._lazy import lazy_attributes
from ._svd_result import SVDResult
from .lowrank import nystrom, randomized_svd, range_finder
from .lp_regression import lp_regression
from .lstsq import LstsqResult, RankDeficiencyWarning, lstsq, sketch_and_solve
from .matmul import approx_matmul
from ._quantile_inference import QuantileSummary
from ._quantile_refine import QuantileCertificate
from .quantile import quantile_regression
from .weighted_ls import (PolynomialBasis, approximate, polynomial_basis,
                          sample_weighted_ls_points)

__all__ = [
    "LpRegression",
    "LstsqResult",
    "QuantileCertificate",
    "QuantileRegression",
    "QuantileSummary",
    "RankDeficiencyWarning",
    "SVDResult",
    "SketchedRegression",
    "approx_matmul",
    "nystrom",
    "randomized_svd",
    "range_finder",
    "lp_regression",
    "lstsq",
    "quantile_regression",
    "sketch_and_solve",
    "PolynomialBasis",
    "WeightedLeastSquares",
    "approximate",
    "polynomial_basis",
    "sample_weighted_ls_points",
]

# estimators load scikit-learn: imported on first use
__getattr__, __dir__ = lazy_attributes(__name__, {
    "SketchedRegression": "regression",
    "LpRegression": "regression",
    "QuantileRegression": "quantile_estimator",
    "WeightedLeastSquares": "weighted_ls_estimator",
})
