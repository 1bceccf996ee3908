"""``MomentGaussianMixture``: a Gaussian mixture with shared spherical
covariance, estimated from its debiased third moment by the subspace power
method, optionally refined by EM.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin

from .._kernels.forks import fork_safe_methods
from .._stack import find_stack_level
from .. import _kernels
from .._progress import Progress
from .._validation._deprecate import keyword_only
from .._validation import check_int, check_rng, check_scalar
from ._mixture_em import bic, em_spherical, log_resp
from ._mixture_start import _Moments, _moment_start, _best_start

__all__ = ["MomentGaussianMixture"]


#: K and the start are chosen on at most this many rows (all rows when fewer)
_SUBSAMPLE = 20_000
#: n_components=None: candidates above this K are fitted from the moment
#: start alone (the k-means start's cost grows with K)
_KMEANS_K = 4
#: n_components=None: candidates 1 … min(d, _MAX_AUTO_K)
_MAX_AUTO_K = 30
#: … stopping at a K whose BIC is this much per row above the best so far
_BIC_STOP = 0.05


@fork_safe_methods
class MomentGaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture Σ_k w_k N(μ_k, σ_k²I) started from the method of moments.

    For a mixture of spherical Gaussians with K ≤ d components, linearly
    independent means and a shared variance σ², Hsu & Kakade's identities
    give, with σ² the smallest eigenvalue of the covariance,

        E[x ⊗ x] − σ² I = Σ_k w_k μ_k μ_kᵀ,
        E[x^{⊗3}] − σ² Σ_i sym(E[x] ⊗ e_i ⊗ e_i) = Σ_k w_k μ_k^{⊗3}.

    The means span the top K eigenvectors of E[x xᵀ], so the data are
    projected there (an orthonormal projection keeps the noise spherical)
    and the debiased third moment is formed and decomposed in K
    dimensions by the subspace power method; the second moment gives each
    component's weight and norm. That global estimate needs no
    initialization. EM (per-component variances σ_k², scikit-learn's
    ``covariance_type="spherical"``, or one shared σ² with ``"tied"``) then
    moves it to the maximum-likelihood estimate nearby. A second start, by
    k-means (greedy k-means++ seeding and Lloyd iterations, as
    scikit-learn's ``GaussianMixture`` starts), runs beside it, and the
    higher likelihood wins: on data the moment model fits, that is the
    moment start; where it is not, a warning says so. The start and K are
    chosen on at most 20,000 rows; EM then runs on all of them.

    Parameters
    ----------
    n_components : int or None, default None
        K, always honoured (components the moments cannot identify are
        seeded by k-means++; a component that EM empties restarts at the
        worst-explained row). ``None``: the BIC over K = 1, 2, … (at most
        min(d, 30)), each candidate fitted from its best start; the search
        stops once a K's BIC exceeds the best by 0.05 per row, and a fit
        with a component carried by fewer than d + 1 rows (a degenerate
        spike) does not count.
    noise_variance : float or None, default None
        σ² of the moment estimate. ``None`` estimates it as the mean of the
        d − K + 1 smallest eigenvalues of the covariance.
    covariance_type : {"spherical", "tied"}, default "spherical"
        The EM model: σ_k² per component, or one σ² shared by all.
    max_iter : int, default 100
        EM iterations from each start (scikit-learn's default); 0 keeps the
        chosen start.
    tol : float, default 1e-3
        EM stops when the mean log-likelihood gains less than ``tol``
        (scikit-learn's ``GaussianMixture`` rule), or less than its own
        rounding (4·eps·|log-likelihood|: ``tol=0`` stops at the fixed point).
    random_state : None, int or Generator
        Starting points of the subspace power method, the k-means++ seeds and
        the subsample.
    verbose : bool or int, default False
        Progress of the fit (``True``) or nothing.

    Attributes
    ----------
    means_ : ndarray, shape (K, d)
    weights_ : ndarray, shape (K,)
    covariances_ : ndarray, shape (K,)
        σ_k² of each component (all equal with ``"tied"``).
    noise_variance_ : float
        Σ_k w_k σ_k².
    moment_means_, moment_weights_ : ndarray
        The moment estimate before EM.
    moment_result_ : CPResult or None
        The decomposition of the projected, debiased third moment.
    init_ : str
        The start that won: ``"moments"`` or ``"k-means++"``.
    bic_ : dict
        With ``n_components=None``: the BIC of each candidate K.
    n_components_ : int
    n_iter_ : int
        EM iterations run from the winning start.
    converged_ : bool
        EM reached ``tol`` (True when ``max_iter=0``).
    lower_bound_ : float
        Mean log-likelihood of the training data at the end.

    Notes
    -----
    Which data the moment start fits: clusters that are roughly spherical
    with comparable spreads and means that are linearly independent (at
    most d of them). Measured at the true K on scikit-learn's bundled sets,
    its start wins on iris (raw and standardized), raw wine and breast
    cancer (raw and standardized); on standardized wine and on the digit
    images (clusters far from spherical, means nearly dependent) the
    k-means start wins, with the warning. A spherical model's BIC over-counts
    elongated clusters, so ``n_components=None`` is reliable only on data
    the model fits (the measured choices on scikit-learn's bundled sets
    are in ``tests/real/test_mixture_real.py``).

    Cost: one pass over X for the projection and the moments (O(n·d·K) +
    O(n·K³)); the decomposition works on a C(K+1, 2) × K matrix; each EM
    iteration costs O(n·d·K), on at most 20,000 rows for the two starts
    and on all rows after. For K > d use :func:`sketchla.spm_moments` with
    an even order and a known σ².

    References
    ----------
    .. [1] D. Hsu, S. M. Kakade, "Learning mixtures of spherical Gaussians:
       moment methods and spectral decompositions", ITCS (2013).
    .. [2] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", Numerical Algorithms (2025), arXiv:1912.04007.

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import MomentGaussianMixture
    >>> from sketchla.datasets import make_gaussian_mixture
    >>> X, labels, means, weights = make_gaussian_mixture(20000, 6, 3, rng=0)
    >>> gm = MomentGaussianMixture(random_state=0).fit(X)
    >>> gm.n_components_
    3
    """

    @keyword_only
    def __init__(self, *, n_components=None, noise_variance=None, covariance_type="spherical",
                 max_iter=100, tol=1e-3, random_state=None, verbose=False):
        self.n_components = n_components
        self.noise_variance = noise_variance
        self.covariance_type = covariance_type
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Estimate the mixture from the rows of X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data; float32 is computed in float64.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        from .._validation import check_option, validate_estimator_data

        X = validate_estimator_data(self, X, ensure_min_samples=2)
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        K = None
        if self.n_components is not None:
            K = check_int(self.n_components, "n_components", minimum=1, maximum=min(d, n),
                          maximum_label=f"min(n_samples, n_features) = {min(d, n)} (the "
                                        "third moment identifies at most d components)")
        sigma2 = check_scalar(self.noise_variance, "noise_variance", minimum=0,
                              allow_none=True)
        tied = check_option(self.covariance_type, "covariance_type",
                            ("spherical", "tied")) == "tied"
        max_iter = check_int(self.max_iter, "max_iter", minimum=0)
        tol = check_scalar(self.tol, "tol", minimum=0)
        g = check_rng(self.random_state, "random_state")
        # scale-aware: the moments of X / max|X| cannot overflow; the fitted
        # parameters are scaled back at the end
        s = np.float64(_kernels.abs_max(X) or 1.0)
        X = X / s
        if sigma2 is not None:
            sigma2 = sigma2 / s**2
        moments = _Moments(X)
        sub = X if n <= _SUBSAMPLE else X[np.sort(g.choice(n, _SUBSAMPLE, replace=False))]
        if K is None:
            # the search's moment starts from the subsample's moments (one
            # projection of the subsample per candidate, not of all rows)
            K = self._choose_k(moments if sub is X else _Moments(sub), sub, sigma2, tied,
                               max_iter, tol, g, s)
        start, sigma2_used, res = _moment_start(moments, K, sigma2, g, self.verbose)
        self.moment_result_ = res
        self.moment_means_, self.moment_weights_ = start[0].copy(), start[1].copy()
        params, self.init_ = _best_start(sub, start, K, tied, max_iter, tol, g)
        if self.init_ != "moments":
            warnings.warn(
                "the data do not look like a mixture of spherical Gaussians with linearly "
                "independent means (the moment estimate's likelihood lost to a k-means++ "
                "start, which is used instead); see the Notes", RuntimeWarning,
                stacklevel=find_stack_level())
        means, w, var, bound, it, conv = params
        if sub is not X:  # the subsample chose the start: EM on all rows from it
            with Progress(max_iter, "EM", self.verbose) as bar:
                means, w, var, bound, it, conv = em_spherical(X, means, w, var, max_iter,
                                                              tol, tied, bar=bar)
                bar.close(f"{it} EM iterations")
        if max_iter and not conv:
            warnings.warn(f"EM did not reach tol={tol:g} in {max_iter} iterations",
                          RuntimeWarning, stacklevel=find_stack_level())
        if means.shape[0] < K:
            warnings.warn(f"EM emptied {K - means.shape[0]} of {K} components",
                          RuntimeWarning, stacklevel=find_stack_level())
        self.means_, self.weights_, self.covariances_ = means, w, var
        self.noise_variance_ = float(np.dot(w, var))
        self.n_components_ = means.shape[0]
        self.n_iter_, self.converged_, self.lower_bound_ = it, conv, bound
        self._rescale(s, d)
        return self

    def _choose_k(self, moments, sub, sigma2, tied, max_iter, tol, g, s):
        """K by the BIC (in X's units: the data were divided by s) over
        1 … min(d, _MAX_AUTO_K), each candidate fitted on the subsample from
        its best start; the first K whose BIC exceeds the best by _BIC_STOP
        ends the search."""
        n, d = sub.shape
        self.bic_ = {}
        for k in range(1, min(d, n - 1, _MAX_AUTO_K) + 1):
            start = _moment_start(moments, k, sigma2, g, False)[0]
            params, _ = _best_start(sub, start, k, tied, max_iter, tol, g,
                                    kmeans=k <= _KMEANS_K)
            # a component carried by fewer rows than its mean has coordinates is a
            # degenerate spike (its variance shrinks towards 0), not a cluster
            self.bic_[k] = np.inf if params[1].min() * n < d + 1 else bic(
                params[3] - d * float(np.log(s)), n, d, params[0].shape[0], tied)
            if self.bic_[k] > min(self.bic_.values()) + _BIC_STOP * n:
                break
        return min(self.bic_, key=self.bic_.get)

    def _rescale(self, s, d):
        """Parameters of the data from those of the data divided by s."""
        if s == 1.0:
            return
        r = self.moment_result_
        with np.errstate(over="ignore"):  # beyond float64 as the data's own moments are
            s3 = s**3
            self.moment_result_ = type(r)(r.weights * s3, r.factors, r.n_iter, r.order,
                                          r.rank, r.spectrum * s3, r.gap,
                                          r.noise_level * s3 if r.noise_level else 0.0)
            self.covariances_ = np.maximum(self.covariances_ * s**2, np.finfo(float).tiny)
            self.noise_variance_ = max(float(self.noise_variance_ * s**2),
                                       float(np.finfo(float).tiny))
        self.means_ = self.means_ * s
        self.moment_means_ = self.moment_means_ * s
        self.lower_bound_ = self.lower_bound_ - d * float(np.log(s))

    def _check_X(self, X):
        from sklearn.utils.validation import check_is_fitted

        from .._validation import validate_estimator_data

        check_is_fitted(self)
        X = validate_estimator_data(self, X, reset=False)
        return np.asarray(X, dtype=np.float64)

    def score_samples(self, X):
        """Log-density of each row of X under the fitted mixture.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        ndarray, shape (n_samples,)
            The log-density of each row.
        """
        X = self._check_X(X)
        log_w = np.log(np.maximum(self.weights_, np.finfo(float).tiny))
        return log_resp(X, self.means_, log_w, self.covariances_)[1]

    def score(self, X, y=None):
        """Mean log-density of the rows of X under the fitted mixture.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Rows to score.
        y : None
            Ignored (scikit-learn's convention).

        Returns
        -------
        float
            The mean log-density.
        """
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X):
        """Posterior probability of each component for each row of X.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        ndarray, shape (n_samples, n_components_)
            Posterior probabilities; each row sums to 1.
        """
        X = self._check_X(X)
        log_w = np.log(np.maximum(self.weights_, np.finfo(float).tiny))
        return log_resp(X, self.means_, log_w, self.covariances_)[0]

    def predict(self, X):
        """The most probable component of each row of X.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        ndarray of int, shape (n_samples,)
            The component of largest posterior probability.
        """
        return np.argmax(self.predict_proba(X), axis=1)
