"""``CumulantICA``: independent component analysis from the fourth-order
cumulant tensor of whitened data, decomposed by the subspace power method.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .._kernels.forks import fork_safe_methods
from .._kernels.forks import checkpoint
from .._stack import find_stack_level
from .. import _kernels
from .._validation._deprecate import keyword_only
from .._validation import check_int, check_rng
from ._moments import corrected_flattening, data_flattening
from .spm import _Options, _spm_core

__all__ = ["CumulantICA"]


#: whitened dimensions above which the cumulant start is skipped (its
#: flattening is C(w+1, 2)-square and costs O(n·w⁴) to form)
_MAX_CUMULANT_DIM = 24
#: the cumulant's decomposition is only the fixed point's start: one try of at
#: most this many power iterations per component
_SPM_ITER = 300
#: the fixed point's iterations and tolerance (FastICA's defaults)
_MAX_ITER, _TOL = 200, 1e-4


def _orthonormal_rows(W):
    """The nearest matrix with orthonormal rows, (W Wᵀ)^(-1/2) W."""
    U, _, Vt = np.linalg.svd(W, full_matrices=False)
    return U @ Vt


def _fixed_point(Z, Q, max_iter, tol):
    """The kurtosis fixed point with symmetric decorrelation (Hyvärinen
    1999, cubic nonlinearity) on whitened Z from the columns of Q: (Q with
    orthonormal columns, iterations, converged). Its outputs Z Q are
    uncorrelated with unit variance, and each column is a stationary point
    of the kurtosis contrast."""
    n = Z.shape[0]
    W = _orthonormal_rows(Q.T)
    for it in range(1, max_iter + 1):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        Y = Z @ W.T
        W1 = _orthonormal_rows((Y * Y * Y).T @ Z / n - 3.0 * W)  # y³ (a power is slower)
        change = float(np.max(np.abs(np.abs(np.sum(W1 * W, axis=1)) - 1.0)))
        W = W1
        if change < tol:
            return W.T, it, True
    return W.T, max_iter, False


@fork_safe_methods
class CumulantICA(TransformerMixin, BaseEstimator):
    """Independent component analysis by decomposing the fourth cumulant.

    For x = A s + μ with independent, zero-mean, unit-variance sources s,
    whitening z = W(x − μ) makes the mixing orthogonal, z = Q s, and the
    fourth cumulant of z is

        κ₄(z) = E[z^{⊗4}] − (δ_ij δ_kl + δ_ik δ_jl + δ_il δ_jk) = Σ_k κ_k q_k^{⊗4},

    with κ_k the excess kurtosis of source k. Its reduced flattening is
    accumulated in one pass over the data (d^4 is never formed) and
    decomposed by :func:`sketchla.spm`; the unmixing matrix is Qᵀ W.
    Gaussian sources (κ_k = 0) cannot be separated by any method: they
    leave no component, and the number of components found from the
    spectral gap (at most the whitened dimension w, which it is when no
    gap of :data:`sketchla.tensor.spm.GAP_FACTOR` shows) counts the
    non-Gaussian sources.

    Parameters
    ----------
    n_components : int or None, default None
        Number of sources. ``None`` estimates it from the spectral gap of the
        cumulant's flattening, within the whitened dimension.
    random_state : None, int or Generator
        Starting points of the subspace power method.
    verbose : bool or int, default False
        Progress of the fit (``True``) or nothing.

    Attributes
    ----------
    components_ : ndarray, shape (n_components_, n_features)
        The unmixing matrix: ``transform(X) = (X − mean_) @ components_.T``.
    mixing_ : ndarray, shape (n_features, n_components_)
        Its pseudo-inverse: X ≈ sources @ mixing_.T + mean_.
    mean_ : ndarray, shape (n_features,)
    whitening_ : ndarray, shape (n_whitened, n_features)
    kurtosis_ : ndarray, shape (n_components_,)
        Excess kurtosis of each returned source (measured on them).
    n_iter_ : int
        Fixed-point iterations run.
    cumulant_result_ : CPResult
        The decomposition of the cumulant (``spectrum``, ``gap``,
        ``noise_level``).
    n_components_ : int

    Notes
    -----
    The cumulant's components are the start of the kurtosis fixed point
    with symmetric decorrelation (FastICA's cubic contrast, Hyvärinen
    1999), which makes the returned sources exactly uncorrelated with unit
    variance and moves each direction to a stationary point of the
    kurtosis contrast; ``kurtosis_`` is measured on those sources, and the
    components are sorted by its magnitude. Above 24 whitened dimensions
    the cumulant is not formed (its flattening grows as w⁴/4) and the fixed
    point starts from the whitened axes. Which data it fits: independent,
    non-Gaussian sources (super- or sub-Gaussian); near-Gaussian ones
    converge slowly or not at all (a warning says so), as in every ICA.

    Cost: the covariance, one pass of O(n·w²·C(w+1, 2)/2) for the cumulant's
    flattening (w ≤ 24), an SPM on a C(w+1, 2)-square matrix, and O(n·w²)
    per fixed-point iteration (at most 200, tolerance 1e-4 as FastICA's).
    Sources are recovered up to order and sign, as in every ICA.

    References
    ----------
    .. [1] J.-F. Cardoso, "Source separation using higher order moments",
       ICASSP (1989); P. Comon, "Independent component analysis, a new
       concept?", Signal Processing 36 (1994).
    .. [2] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", Numerical Algorithms (2025), arXiv:1912.04007.
    .. [3] A. Hyvärinen, "Fast and robust fixed-point algorithms for
       independent component analysis", IEEE TNN 10(3) (1999).

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import CumulantICA
    >>> g = np.random.default_rng(0)
    >>> S = np.c_[g.uniform(-1, 1, 20000), g.laplace(size=20000)]
    >>> X = S @ np.array([[1.0, 0.5], [0.3, 1.0]]).T
    >>> ica = CumulantICA(random_state=0).fit(X)
    >>> ica.n_components_
    2
    """

    @keyword_only
    def __init__(self, *, n_components=None, random_state=None, verbose=False):
        self.n_components = n_components
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Estimate the unmixing matrix from the rows of X (n_samples, n_features).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            The mixed signals, one observation per row.
        y : None
            Ignored (scikit-learn's convention).

        Returns
        -------
        CumulantICA
            ``self``, with ``components_``, ``mixing_`` and ``mean_``.
        """
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit, then return the sources of X.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            The mixed signals, one observation per row.
        y : None
            Ignored (scikit-learn's convention).

        Returns
        -------
        ndarray, shape (n_samples, n_components_)
            The estimated sources.
        """
        return self._fit(X)

    def _fit(self, X):
        from .._validation import validate_estimator_data

        X = validate_estimator_data(self, X, ensure_min_samples=2)
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        g = check_rng(self.random_state, "random_state")
        # scale-aware: the covariance of X / max|X| cannot overflow or underflow;
        # the whitening takes the scale back
        s = _kernels.abs_max(X) or 1.0
        Xc = X / s
        mean = Xc.mean(axis=0)
        self.mean_ = mean * s
        Xc = Xc - mean
        evals, evecs = np.linalg.eigh(Xc.T @ Xc / n)
        keep = evals > 10 * np.finfo(float).eps * d * max(evals[-1], np.finfo(float).tiny)
        if not keep.any():
            raise ValueError("X has zero variance: no source to recover")
        evals, evecs = evals[keep][::-1], evecs[:, keep][:, ::-1]
        r = evals.size
        K = None
        if self.n_components is not None:
            K = check_int(self.n_components, "n_components", minimum=1, maximum=r,
                          maximum_label=f"the rank of X's covariance ({r})")
            evals, evecs = evals[:K], evecs[:, :K]
        unit_whitening = (evecs / np.sqrt(evals)).T
        with np.errstate(over="ignore"):
            self.whitening_ = unit_whitening / s
        if not np.isfinite(self.whitening_).all():
            raise ValueError(f"X is at a scale (max |X| = {s:.3g}) whose whitening and "
                             "unmixing matrices overflow float64; rescale X")
        Z = Xc @ unit_whitening.T
        w = Z.shape[1]
        self.cumulant_result_ = None
        if w == 1:
            Q = np.ones((1, 1))
        elif w > _MAX_CUMULANT_DIM:
            # the cumulant's flattening would be C(w+1, 2)-square: start the
            # fixed point from the whitened axes instead
            Q = np.eye(w)[:, : (w if K is None else K)]
        else:
            # κ4 = E[z^{⊗4}] − E[g^{⊗4}]: the Gaussian terms with σ² = 1 and no
            # lower signal moment
            M = corrected_flattening(data_flattening(Z, 4), w, 4, 1.0, {0: 1.0})
            with warnings.catch_warnings():
                if K is None:
                    warnings.simplefilter("ignore", RuntimeWarning)
                res = _spm_core(M, w, 4, K, g, _Options(
                    max_iter=_SPM_ITER, n_tries=1, grad_tol=1e-6, verbose=self.verbose,
                    max_rank=w, name="the fourth cumulant of X"))
            Q = res.factors
            self.cumulant_result_ = res
            if res.rank < w and K is None:
                warnings.warn(
                    f"{w - res.rank} of the {w} whitened directions carry no fourth "
                    f"cumulant above the noise (Gaussian sources; spectral gap "
                    f"{res.gap:.3g}); they are left out", RuntimeWarning, stacklevel=find_stack_level())
        Q, self.n_iter_, converged = _fixed_point(Z, Q, _MAX_ITER, _TOL)
        if not converged:
            warnings.warn(f"the kurtosis fixed point did not converge in {_MAX_ITER} "
                          "iterations (near-Gaussian sources?)", RuntimeWarning, stacklevel=find_stack_level())
        S = Z @ Q
        kurt = np.mean(np.square(S * S), axis=0) - 3.0  # of the returned sources themselves
        order = np.argsort(-np.abs(kurt), kind="stable")
        Q, S, kurt = Q[:, order], S[:, order], kurt[order]
        self.components_ = Q.T @ self.whitening_
        self.mixing_ = np.linalg.pinv(self.components_)
        self.kurtosis_ = kurt
        self.n_components_ = Q.shape[1]
        return S

    def transform(self, X):
        """Sources (n_samples, n_components_) of the rows of X.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Observations of the fitted number of features.

        Returns
        -------
        ndarray, shape (n_samples, n_components_)
            The estimated sources.
        """
        from sklearn.utils.validation import check_is_fitted

        from .._validation import validate_estimator_data

        check_is_fitted(self)
        X = validate_estimator_data(self, X, reset=False)
        return (np.asarray(X, dtype=np.float64) - self.mean_) @ self.components_.T

    def inverse_transform(self, S):
        """Data rows from sources: S @ mixing_.T + mean_.

        Parameters
        ----------
        S : array_like, shape (n_samples, n_components_)
            Sources.

        Returns
        -------
        ndarray, shape (n_samples, n_features)
            The data rows they mix into.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        from sklearn.utils.validation import check_array

        S = check_array(S, dtype=(np.float64, np.float32), input_name="S").astype(np.float64)
        if S.shape[1] != self.n_components_:
            raise ValueError(f"S has {S.shape[1]} columns, expected {self.n_components_}")
        return S @ self.mixing_.T + self.mean_
