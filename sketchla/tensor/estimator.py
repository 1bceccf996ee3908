"""``SymmetricCP``: the scikit-learn estimator over :func:`sketchla.spm`.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

from sklearn.base import BaseEstimator

from .._kernels.forks import fork_safe_methods
from .._validation._deprecate import keyword_only
from .._validation import check_rng
from .spm import spm

__all__ = ["SymmetricCP"]


@fork_safe_methods
class SymmetricCP(BaseEstimator):
    """Symmetric CP decomposition by the subspace power method (estimator).

    Parameters
    ----------
    rank : int or None, default None
        None reads the rank from the spectral gap of the flattening
        (:func:`sketchla.spm`).
    random_state : None, int or Generator
        Seed or generator of the randomness (the ``rng`` of the function API).
    max_iter, n_tries, grad_tol, eig_tol, restart_tol, sym_tol :
        As in :func:`spm`.
    verbose : bool or int, default False
        Progress of the decomposition (``True``) or nothing.

    Attributes
    ----------
    weights_ : ndarray, shape (R,)
    factors_ : ndarray, shape (d, R)
    n_iter_ : int
    rank_ : int
    order_ : int
    spectrum_ : ndarray
    gap_ : float
    noise_level_ : float

    Notes
    -----
    ``fit`` runs :func:`spm`: with R below the generic identifiability bound
    of the order, exact tensors are decomposed to rounding and the rank is
    read from the spectral gap of the flattening. Cost O(d^m · R) per
    extracted component's power iterations, plus one eigendecomposition of
    the d^(m/2) × d^(m/2) flattening.

    References
    ----------
    .. [1] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", arXiv:1912.04007 (2019–2021).

    Examples
    --------
    >>> from sketchla import SymmetricCP
    >>> from sketchla.datasets import make_symmetric_tensor
    >>> T, w, A = make_symmetric_tensor(8, 3, 5, rng=0)
    >>> cp = SymmetricCP(random_state=0).fit(T)
    >>> cp.rank_, bool(abs(cp.reconstruct() - T).max() < 1e-10)
    (5, True)
    """

    @keyword_only
    def __init__(self, *, rank=None, random_state=None, max_iter=5000, n_tries=3,
                 grad_tol=1e-14, eig_tol=None, restart_tol=1e-2, sym_tol=1e-8,
                 verbose=False):
        self.rank = rank
        self.random_state = random_state
        self.max_iter = max_iter
        self.n_tries = n_tries
        self.grad_tol = grad_tol
        self.eig_tol = eig_tol
        self.restart_tol = restart_tol
        self.sym_tol = sym_tol
        self.verbose = verbose

    def fit(self, T, y=None):
        """Decompose the symmetric tensor T.

        Parameters
        ----------
        T : array_like, shape (d, d, ..., d)
            A dense symmetric tensor of order m ≥ 3.
        y : None
            Ignored (scikit-learn's convention).

        Returns
        -------
        SymmetricCP
            ``self``, with ``weights_`` and ``factors_``.
        """
        res = spm(T, self.rank, rng=check_rng(self.random_state, "random_state"),
                  max_iter=self.max_iter, n_tries=self.n_tries, grad_tol=self.grad_tol,
                  eig_tol=self.eig_tol, restart_tol=self.restart_tol,
                  sym_tol=self.sym_tol, verbose=self.verbose)
        self.result_ = res
        self.weights_ = res.weights
        self.factors_ = res.factors
        self.n_iter_ = res.n_iter
        self.rank_ = res.rank
        self.order_ = res.order
        self.spectrum_ = res.spectrum
        self.gap_ = res.gap
        self.noise_level_ = res.noise_level
        return self

    def reconstruct(self):
        """The dense fitted tensor Σ_r weights_[r] · factors_[:, r]^{⊗order}."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return self.result_.reconstruct()
