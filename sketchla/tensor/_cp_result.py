"""The result of a symmetric CP decomposition."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._backend import array_kind, from_numpy, to_numpy
from .._kernels.forks import fork_safe_methods
from ._symmetric import cp_to_tensor


@fork_safe_methods
@dataclass
class CPResult:
    """T ≈ Σ_r weights[r] · factors[:, r]^{⊗order}.

    Attributes
    ----------
    weights : ndarray, shape (R,)
        Sorted by decreasing absolute value. For odd orders they are made
        positive by the sign of the factor.
    factors : ndarray, shape (d, R)
        Unit-norm columns (for even orders the sign is fixed so that the
        largest-magnitude entry is positive).
    n_iter : int
        Power-method iterations summed over components and starts.
    order : int
    rank : int
        R, estimated from the spectrum of the flattening when not given.
    spectrum : ndarray
        Singular values (absolute eigenvalues for even orders) of the
        reduced flattening, in decreasing order: the evidence for the rank.
        The leading 2·rank + 20 only when a small rank was given for a
        flattening of N ≥ 1024 (see :func:`spm`).
    gap : float
        ``spectrum[rank - 1] / spectrum[rank]`` (inf at the flattening's
        full rank); below :data:`GAP_FACTOR` the rank is poorly determined.
    noise_level : float
        The edge of the spectrum's noise bulk, ``spectrum[k]`` for the rank
        ``k`` the gap rule chooses (0 when the flattening has full rank and no
        bulk). Components with |weight| below it cannot be told from noise.

    Notes
    -----
    Returned by :func:`spm` and :func:`spm_moments`; ``reconstruct()``
    forms Σ_r weights[r]·factors[:, r]^{⊗order} (size d^order).

    References
    ----------
    .. [1] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", arXiv:1912.04007.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> from sketchla.datasets import make_symmetric_tensor
    >>> T, w, A = make_symmetric_tensor(8, 4, 5, rng=0)
    >>> res = sketchla.spm(T, rng=0)
    >>> res.rank, bool(np.allclose(res.reconstruct(), T))
    (5, True)
    """

    weights: np.ndarray
    factors: np.ndarray
    n_iter: int
    order: int
    rank: int
    spectrum: np.ndarray
    gap: float = np.inf
    noise_level: float = 0.0

    def reconstruct(self):
        """The dense tensor Σ_r weights[r] · factors[:, r]^{⊗order}, in the
        namespace of the factors (formed on the host)."""
        out = cp_to_tensor(to_numpy(self.weights), to_numpy(self.factors), self.order)
        return out if array_kind(self.factors) == "numpy" else from_numpy(out, self.factors)
