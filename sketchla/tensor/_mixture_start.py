"""The starts of the moment mixture: the method-of-moments parameters from
SPM of the debiased third moment (Hsu and Kakade 2013), and the choice
between that start and k-means++ by the EM likelihood."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg as sla

from ._moments import corrected_flattening, data_flattening
from ._mixture_em import em_spherical, kmeanspp, lloyd
from .spm import _Options, _spm_core


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


#: the decomposition is only EM's start: one try of at most this many power
#: iterations per component
_SPM_ITER = 300


class _Moments:
    """The data's first and second moments and its covariance spectrum."""

    def __init__(self, X):
        n = X.shape[0]
        self.X = X
        self.mean = X.mean(axis=0)
        self.S2 = X.T @ X / n
        self.cov_evals = np.linalg.eigvalsh(self.S2 - np.outer(self.mean, self.mean))
        self.S2_evecs = np.linalg.eigh(self.S2)[1]


def _moment_start(mom, K, sigma2, g, verbose):
    """The moment estimate of a K-component mixture, computed in the span of
    the top K eigenvectors of E[xxᵀ] (which holds the means; the projection
    keeps the noise spherical): ((means, weights, variances), σ², CPResult).
    Components the moments cannot identify are filled by k-means++."""
    d = mom.X.shape[1]
    if sigma2 is None:  # the covariance's d − K + 1 smallest eigenvalues are σ²
        sigma2 = float(max(np.mean(mom.cov_evals[: max(d - K + 1, 1)]), 0.0))
    U = mom.S2_evecs[:, ::-1][:, :K]
    Y = mom.X @ U
    M3 = data_flattening(Y, 3)
    M = corrected_flattening(M3, K, 3, sigma2, {0: 1.0, 1: mom.mean @ U})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            res = _spm_core(M, K, 3, K, g, _Options(
                max_iter=_SPM_ITER, n_tries=1, grad_tol=1e-6, verbose=verbose, max_rank=K,
                name="the debiased third moment of X"))
        except ValueError:
            res = None
    if res is None:
        means, w = np.zeros((0, d)), np.zeros(0)
    else:
        m_y, w, ok = _moment_parameters(res.factors, res.weights,
                                        U.T @ mom.S2 @ U - sigma2 * np.eye(K))
        means, w = (m_y[:, ok].T @ U.T), w[ok]
    if means.shape[0] < K:  # fill what the moments could not identify
        means = kmeanspp(mom.X, K, g, centers=means)
        w = np.r_[w, np.full(K - w.size, max(float(w.mean()) if w.size else 1.0, 1e-3))]
    w = w / w.sum()
    return (means, w, np.full(K, max(sigma2, 1e-12))), sigma2, res


def _best_start(X, start, K, tied, max_iter, tol, g, kmeans=True):
    """EM on X from the moment start and from a k-means start (k-means++
    seeding and Lloyd iterations, as scikit-learn starts): the fit of
    higher likelihood, ((means, weights, variances, mean log-likelihood,
    iterations, converged), "moments" or "k-means++")."""
    sq = np.einsum("ij,ij->i", X, X)
    var0 = float(np.mean(np.var(X, axis=0)))
    fits = {"moments": em_spherical(X, *start, max_iter, tol, tied, sq=sq)}
    if not kmeans:
        return fits["moments"], "moments"
    fits["k-means++"] = em_spherical(X, *lloyd(X, kmeanspp(X, K, g)),
                                     np.full(K, max(var0, 1e-12)), max_iter, tol, tied, sq=sq)
    # the moment start wins ties (within the EM tolerance)
    best = "moments" if fits["moments"][3] >= fits["k-means++"][3] - tol else "k-means++"
    return fits[best], best
