"""Data-aware row sampling: leverage scores, Lewis weights, ℓp sensitivities,
row samples for ℓp embeddings, projection DPPs and volume sampling, and coordinated (priority / threshold) sampling."""

from .coordinated import (CoordinatedSketch, column_sketch, coordinated_sketch,
                          estimate_correlation, estimate_join_size, estimate_product)
from .dpp import (sample_projection_dpp, sample_repeated_dpp, sample_volume,
                  sample_volume_rescaled)
from .lensemble import sample_dpp, sample_k_dpp
from .leverage import leverage_scores
from .lewis import lewis_weights
from .sensitivity import lp_sensitivities
from .._lazy import lazy_attributes
from .rows import RowSample, sample_rows

__all__ = [
    "CoordinatedSketch",
    "RowSample",
    "RowSampler",
    "coordinated_sketch",
    "estimate_product",
    "column_sketch",
    "estimate_join_size",
    "estimate_correlation",
    "leverage_scores",
    "lewis_weights",
    "lp_sensitivities",
    "sample_rows",
    "sample_projection_dpp",
    "sample_dpp",
    "sample_k_dpp",
    "sample_repeated_dpp",
    "sample_volume",
    "sample_volume_rescaled",
]

# estimators load scikit-learn: imported on first use
__getattr__, __dir__ = lazy_attributes(__name__, {"RowSampler": "row_sampler"})
