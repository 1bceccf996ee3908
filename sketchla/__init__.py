"""sketchla: randomized ("sketching") numerical linear algebra.

The public names are importable from the top level; submodules load on
first use, so ``import sketchla`` stays fast (NumPy only). The compiled
kernels are built at install time; no call compiles anything.
"""

from __future__ import annotations

from ._backend import get_backend, set_backend, use_backend
from ._lazy import lazy_attributes
from ._kernels.threads import get_num_threads, set_num_threads, threads

__version__ = "0.1.0"

# public name -> submodule that defines it
_LAZY = {
    # sketching operators
    "SketchOperator": "sketch",
    "make_sketch": "sketch",
    "gaussian": "sketch",
    "srht": "sketch",
    "countsketch": "sketch",
    "sparse_sign": "sketch",
    # least squares and products
    "lstsq": "linalg",
    "sketch_and_solve": "linalg",
    "LstsqResult": "linalg",
    "SketchedRegression": "linalg",
    "RankDeficiencyWarning": "linalg",
    "approx_matmul": "linalg",
    # low-rank approximation
    "range_finder": "linalg",
    "randomized_svd": "linalg",
    "SVDResult": "linalg",
    "nystrom": "linalg",
    # coordinated sampling
    "coordinated_sketch": "sampling",
    "CoordinatedSketch": "sampling",
    "estimate_product": "sampling",
    "column_sketch": "sampling",
    "estimate_join_size": "sampling",
    "estimate_correlation": "sampling",
    # leverage and ℓp sampling
    "leverage_scores": "sampling",
    "lewis_weights": "sampling",
    "lp_sensitivities": "sampling",
    "sample_rows": "sampling",
    "RowSample": "sampling",
    "RowSampler": "sampling",
    "lp_regression": "linalg",
    "LpRegression": "linalg",
    "quantile_regression": "linalg",
    "QuantileRegression": "linalg",
    "QuantileCertificate": "linalg",
    "QuantileSummary": "linalg",
    # DPP and volume sampling, weighted least squares on a domain
    "sample_projection_dpp": "sampling",
    "sample_dpp": "sampling",
    "sample_k_dpp": "sampling",
    "sample_volume": "sampling",
    "sample_volume_rescaled": "sampling",
    "sample_repeated_dpp": "sampling",
    "polynomial_basis": "linalg",
    "sample_weighted_ls_points": "linalg",
    "WeightedLeastSquares": "linalg",
    "approximate": "linalg",
    # matrix completion
    "altmin_complete": "completion",
    "CompletionResult": "completion",
    "RegPath": "completion",
    "AltMinCompletion": "completion",
    "Ratings": "completion",
    "split_entries": "completion",
    "rating_errors": "completion",
    "load_movielens_100k": "completion",
    # symmetric tensors
    "spm": "tensor",
    "spm_moments": "tensor",
    "sshopm": "tensor",
    "CPResult": "tensor",
    "EigenpairResult": "tensor",
    "SymmetricCP": "tensor",
    "MomentGaussianMixture": "tensor",
    "CumulantICA": "tensor",
    "moment_tensor": "tensor",
    # data
    "datasets": None,
    "tensor": None,
    "completion": None,
    "sketch": None,
    "linalg": None,
    "sampling": None,
}

__all__ = ["set_backend", "get_backend", "use_backend", "set_num_threads", "get_num_threads",
           "threads", "__version__", *_LAZY]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
