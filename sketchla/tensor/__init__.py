"""Symmetric tensor decomposition: the subspace power method and SS-HOPM."""

from ._symmetric import cp_to_tensor, moment_tensor
from .spm import CPResult, SymmetricCP, rank_limit, spm, spm_moments
from .sshopm import sshopm

__all__ = ["CPResult", "SymmetricCP", "cp_to_tensor", "moment_tensor", "rank_limit", "spm",
           "spm_moments", "sshopm"]
