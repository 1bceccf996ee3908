"""``MomentGaussianMixture``: a Gaussian mixture with shared spherical
covariance, estimated from its debiased third moment by the subspace power
method, optionally refined by EM.

Kept in its own module so that the function API does not import scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg as sla
from sklearn.base import BaseEstimator, DensityMixin

from .. import _kernels
from .._progress import Progress
from .._validation import check_int, check_rng, check_scalar
from ._moments import corrected_flattening, data_flattening
from .spm import _spm_core

__all__ = ["MomentGaussianMixture"]

_BLOCK = 65536


def _moment_parameters(A, lam, S2):
    """Means and weights from the third-moment components (λ_k = w_k r_k³ along
    unit a_k) and the debiased second moment S2 = Σ_k w_k r_k² a_k a_kᵀ."""
    K = A.shape[1]
    design = np.einsum("ik,jk->ijk", A, A).reshape(-1, K)  # vec(a_k a_kᵀ)
    scale = max(float(np.max(np.abs(S2))), np.finfo(float).tiny)
    c = sla.lstsq(design, S2.ravel() / scale)[0] * scale
    ok = (c > 0) & (lam > 0)
    r = np.where(ok, lam / np.where(ok, c, 1.0), 0.0)
    w = np.where(ok, c / np.where(ok, r, 1.0) ** 2, 0.0)
    return A * r, w, ok


def _log_resp(X, means, log_w, sigma2, sq=None):
    """Responsibilities (n, K) of w_k N(x; μ_k, σ²I) and the (n,) log-densities
    (``sq``: the rows' squared norms, when the caller has them)."""
    d = X.shape[1]
    if sq is None:
        sq = np.einsum("ij,ij->i", X, X)
    logp = X @ (means.T / sigma2)
    logp += (log_w - 0.5 * np.einsum("kj,kj->k", means, means) / sigma2)[None, :]
    top = logp.max(axis=1, keepdims=True)
    logp -= top
    np.exp(logp, out=logp)
    total = logp.sum(axis=1, keepdims=True)
    logp /= total
    ll = (top + np.log(total))[:, 0] - 0.5 * sq / sigma2 \
        - 0.5 * d * np.log(2.0 * np.pi * sigma2)
    return logp, ll


class MomentGaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture Σ_k w_k N(μ_k, σ²I) by the method of moments.

    For such a mixture with K ≤ d components and linearly independent
    means, Hsu & Kakade's identities give, with σ² the smallest eigenvalue
    of the covariance,

        E[x ⊗ x] − σ² I = Σ_k w_k μ_k μ_kᵀ,
        E[x^{⊗3}] − σ² Σ_i sym(E[x] ⊗ e_i ⊗ e_i) = Σ_k w_k μ_k^{⊗3}.

    The debiased third moment is formed in SPM's reduced coordinates only
    (one pass over the data, O(n·d³/2), never d³ per sample); the subspace
    power method decomposes it, with the number of components read from its
    spectral gap when not given; the second moment gives each component's
    weight and norm. The result is the global moment estimate, with no
    initialization and no local optimum; ``max_iter`` EM iterations (shared
    spherical covariance) then move it to the maximum-likelihood estimate
    nearby, as a statistically efficient one-step refinement does.

    Parameters
    ----------
    n_components : int or None, default None
        K. ``None`` estimates it from the spectral gap of the debiased third
        moment's flattening (:func:`sketchla.spm`).
    noise_variance : float or None, default None
        σ². ``None`` estimates it as the mean of the d − K + 1 smallest
        eigenvalues of the covariance (the first pass uses the smallest).
    max_iter : int, default 10
        EM iterations after the moment estimate; 0 keeps the moment estimate.
    tol : float, default 1e-3
        EM stops when the mean log-likelihood gains less than ``tol``
        (scikit-learn's ``GaussianMixture`` rule).
    random_state : None, int or Generator
        Starting points of the subspace power method.
    verbose : bool or int, default False
        Progress of the fit (``True``) or nothing.

    Attributes
    ----------
    means_ : ndarray, shape (K, d)
    weights_ : ndarray, shape (K,)
    noise_variance_ : float
        σ², the shared variance of every coordinate.
    moment_means_, moment_weights_ : ndarray
        The moment estimate before EM.
    moment_result_ : CPResult
        The decomposition of the debiased third moment (``spectrum``,
        ``gap``, ``noise_level`` show why K was chosen).
    n_components_ : int
    n_iter_ : int
        EM iterations run.
    converged_ : bool
        EM reached ``tol`` (True when ``max_iter=0``).
    lower_bound_ : float
        Mean log-likelihood of the training data at the end.

    Notes
    -----
    Cost: one pass over X for the moments, O(n·d·C(d+1, 2)) flops; the
    decomposition works on a C(d+1, 2) × d matrix; each EM iteration costs
    O(n·d·K). Requires K ≤ d and linearly independent means (a component
    whose mean is 0 or a combination of the others is invisible to the
    third moment); for K > d use :func:`sketchla.spm_moments` with an even
    order and a known σ².

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

    def __init__(self, n_components=None, noise_variance=None, max_iter=10, tol=1e-3,
                 random_state=None, verbose=False):
        self.n_components = n_components
        self.noise_variance = noise_variance
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Estimate the mixture from the rows of X (n_samples, n_features)."""
        from .._validation import validate_estimator_data

        X = validate_estimator_data(self, X, ensure_min_samples=2)
        X = np.asarray(X, dtype=np.float64)
        n, d = X.shape
        K = None
        if self.n_components is not None:
            K = check_int(self.n_components, "n_components", minimum=1, maximum=d,
                          maximum_label=f"n_features = {d} (the third moment identifies "
                                        "at most d components)")
        sigma2 = check_scalar(self.noise_variance, "noise_variance", minimum=0,
                              allow_none=True)
        max_iter = check_int(self.max_iter, "max_iter", minimum=0)
        tol = check_scalar(self.tol, "tol", minimum=0)
        g = check_rng(self.random_state, "random_state")
        # scale-aware: the moments of X / max|X| cannot overflow; the fitted
        # parameters are scaled back at the end
        s = np.float64(_kernels.abs_max(X) or 1.0)
        X = X / s
        if sigma2 is not None:
            sigma2 = sigma2 / s**2

        mean = X.mean(axis=0)
        S2raw = X.T @ X / n
        evals = np.linalg.eigvalsh(S2raw - np.outer(mean, mean))
        M3 = data_flattening(X, 3)
        estimate_sigma = sigma2 is None
        sigma2_used = float(max(evals[0], 0.0)) if estimate_sigma else sigma2

        def decompose(s2, rank):
            M = corrected_flattening(M3, d, 3, s2, {0: 1.0, 1: mean})
            with warnings.catch_warnings():
                if rank is None:
                    warnings.simplefilter("ignore", RuntimeWarning)
                return _spm_core(M, d, 3, rank, g, 5000, 3, 1e-14, None, 1e-2,
                                 self.verbose, max_rank=d,
                                 name="the debiased third moment of X")

        res = decompose(sigma2_used, K)
        if estimate_sigma:
            # the covariance is Σ_k w_k (μ_k − μ̄)(μ_k − μ̄)ᵀ + σ²I: its d − K + 1
            # smallest eigenvalues are σ²
            k_here = res.rank if K is None else K
            sigma2_used = float(max(np.mean(evals[: max(d - k_here + 1, 1)]), 0.0))
            res = decompose(sigma2_used, K)
        if K is None and res.gap < 10.0:
            warnings.warn(
                f"the debiased third moment shows no clear spectral gap (gap {res.gap:.3g} "
                f"at {res.rank} components): pass n_components", RuntimeWarning,
                stacklevel=2)
        means, w, ok = _moment_parameters(res.factors, res.weights,
                                          S2raw - sigma2_used * np.eye(d))
        if not ok.all():
            warnings.warn(
                f"{int((~ok).sum())} of {ok.size} moment components have a non-positive "
                "second-moment weight and were dropped", RuntimeWarning, stacklevel=2)
            means, w = means[:, ok], w[ok]
            if not ok.any():
                raise ValueError("no mixture component could be identified from the "
                                 "moments of X")
        w = w / w.sum()
        self.moment_result_ = res
        self.moment_means_ = means.T.copy()
        self.moment_weights_ = w.copy()
        self.means_, self.weights_ = self.moment_means_.copy(), w
        self.noise_variance_ = sigma2_used if sigma2_used > 0 else float(np.finfo(float).tiny)
        self.n_components_ = self.means_.shape[0]
        self._em(X, max_iter, tol, fit_sigma=estimate_sigma)
        self._rescale(s, d)
        return self

    def _rescale(self, s, d):
        """Parameters of the data from those of the data divided by s."""
        if s == 1.0:
            return
        r = self.moment_result_
        with np.errstate(over="ignore"):  # beyond float64 as the data's own moments are
            s3 = s**3
            self.moment_result_ = type(r)(r.weights * s3, r.factors, r.n_iter, r.order,
                                          r.rank, r.spectrum * s3, r.gap, r.noise_level * s3)
            self.noise_variance_ = max(float(self.noise_variance_ * s**2),
                                       float(np.finfo(float).tiny))
        self.means_ = self.means_ * s
        self.moment_means_ = self.moment_means_ * s
        self.lower_bound_ = self.lower_bound_ - d * float(np.log(s))

    def _em(self, X, max_iter, tol, fit_sigma):
        n, d = X.shape
        self.n_iter_, self.converged_ = 0, max_iter == 0
        prev, bound = -np.inf, None
        sq = np.einsum("ij,ij->i", X, X)  # once for every E-step
        sq_total = float(sq.sum())
        with Progress(max_iter, "EM from the moment estimate", self.verbose) as bar:
            for it in range(max_iter):
                log_w = np.log(np.maximum(self.weights_, np.finfo(float).tiny))
                Nk = np.zeros(self.n_components_)
                Sx = np.zeros((self.n_components_, d))
                ll_sum = 0.0
                for lo in range(0, n, _BLOCK):
                    blk = X[lo:lo + _BLOCK]
                    resp, ll = _log_resp(blk, self.means_, log_w, self.noise_variance_,
                                         sq[lo:lo + _BLOCK])
                    Nk += resp.sum(axis=0)
                    Sx += resp.T @ blk
                    ll_sum += ll.sum()
                bound = ll_sum / n
                keep = Nk > 10 * np.finfo(float).eps * n
                self.means_ = Sx[keep] / Nk[keep, None]
                self.weights_ = Nk[keep] / n
                self.n_components_ = int(keep.sum())
                if fit_sigma:
                    ss = sq_total - float(np.sum(Sx[keep] ** 2 / Nk[keep, None]))
                    self.noise_variance_ = max(ss / (n * d), np.finfo(float).tiny)
                self.n_iter_ = it + 1
                bar.update(it + 1, mean_log_likelihood=bound)
                if abs(bound - prev) < tol:
                    self.converged_ = True
                    break
                prev = bound
            bar.close(f"{self.n_iter_} EM iterations")
        if max_iter and not self.converged_:
            warnings.warn(f"EM did not reach tol={tol:g} in {max_iter} iterations; the "
                          "estimate is still the moment estimate moved by EM",
                          RuntimeWarning, stacklevel=3)
        # as in scikit-learn: the mean log-likelihood of the last E-step
        self.lower_bound_ = float(np.mean(self.score_samples(X)) if bound is None else bound)

    def _check_X(self, X):
        from sklearn.utils.validation import check_is_fitted

        from .._validation import validate_estimator_data

        check_is_fitted(self)
        X = validate_estimator_data(self, X, reset=False)
        return np.asarray(X, dtype=np.float64)

    def score_samples(self, X):
        """Log-density of each row of X under the fitted mixture."""
        X = self._check_X(X)
        log_w = np.log(np.maximum(self.weights_, np.finfo(float).tiny))
        return _log_resp(X, self.means_, log_w, self.noise_variance_)[1]

    def score(self, X, y=None):
        """Mean log-density of the rows of X under the fitted mixture."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X):
        """Posterior probability of each component for each row of X."""
        X = self._check_X(X)
        log_w = np.log(np.maximum(self.weights_, np.finfo(float).tiny))
        return _log_resp(X, self.means_, log_w, self.noise_variance_)[0]

    def predict(self, X):
        """The most probable component of each row of X."""
        return np.argmax(self.predict_proba(X), axis=1)
