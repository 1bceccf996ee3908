"""Symmetric tensor decomposition: the subspace power method and SS-HOPM, and the
method-of-moments estimators built on it (Gaussian mixtures, ICA)."""

from ._symmetric import cp_to_tensor, moment_tensor
from .._lazy import lazy_attributes
from .spm import CPResult, rank_limit, spm, spm_moments
from ._eigenpair import EigenpairResult
from .sshopm import sshopm

__all__ = ["CPResult", "EigenpairResult", "CumulantICA", "MomentGaussianMixture", "SymmetricCP", "cp_to_tensor", "moment_tensor", "rank_limit", "spm",
           "spm_moments", "sshopm"]

# the estimator loads scikit-learn: imported on first use
__getattr__, __dir__ = lazy_attributes(__name__, {"SymmetricCP": "estimator",
                                                  "MomentGaussianMixture": "gaussian_mixture",
                                                  "CumulantICA": "ica"})
