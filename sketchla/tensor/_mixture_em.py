"""EM for spherical Gaussian mixtures, k-means++ seeding and the BIC: the
refinement, the second start and the model choice of
:class:`sketchla.MomentGaussianMixture`."""

from __future__ import annotations

import numpy as np

from .._kernels.forks import checkpoint

__all__ = ["bic", "em_spherical", "kmeanspp", "lloyd", "log_resp"]

_BLOCK = 65536
#: Lloyd iterations after the k-means++ seeding, at most
_LLOYD_ITER = 100
_TINY = np.finfo(float).tiny
_VAR_FLOOR = 1e-6


def log_resp(X, means, log_w, variances, sq=None):
    """Responsibilities (n, K) of w_k N(x; μ_k, σ_k²I) and the (n,) log-densities
    (``sq``: the rows' squared norms, when the caller has them)."""
    d = X.shape[1]
    if sq is None:
        sq = np.einsum("ij,ij->i", X, X)
    var = np.broadcast_to(np.asarray(variances, float), (means.shape[0],))
    mm = np.einsum("kj,kj->k", means, means)
    logp = X @ (means.T / var)
    logp -= 0.5 * sq[:, None] / var[None, :]
    logp += (log_w - 0.5 * mm / var - 0.5 * d * np.log(2 * np.pi * var))[None, :]
    top = logp.max(axis=1, keepdims=True)
    logp -= top
    np.exp(logp, out=logp)
    total = logp.sum(axis=1, keepdims=True)
    logp /= total
    return logp, (top + np.log(total))[:, 0]


def em_spherical(X, means, weights, variances, max_iter, tol, tied, sq=None, bar=None):
    """EM from (means, weights, variances): per-component variances σ_k², or one
    shared σ² with ``tied``. Stops when the mean log-likelihood gains less than
    ``tol`` (scikit-learn's rule). A component whose responsibility vanishes
    restarts at the row of lowest density (K is kept). Returns (means, weights, variances, mean log-likelihood of the
    last E-step, iterations, converged)."""
    n, d = X.shape
    if sq is None:
        sq = np.einsum("ij,ij->i", X, X)
    prev, bound, it, converged = -np.inf, -np.inf, 0, max_iter == 0
    var = np.broadcast_to(np.asarray(variances, float), (means.shape[0],)).copy()
    # variances stay above 1e-6 of the data's (scikit-learn's reg_covar on
    # standardized data): a component on a single row would be a spike
    floor = _VAR_FLOOR * max(float(np.mean(np.var(X, axis=0))), _TINY)
    for it in range(1, max_iter + 1):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        log_w = np.log(np.maximum(weights, _TINY))
        K = means.shape[0]
        Nk, Sx, Sq = np.zeros(K), np.zeros((K, d)), np.zeros(K)
        ll, worst = 0.0, (np.inf, 0)
        for lo in range(0, n, _BLOCK):
            blk, s = X[lo:lo + _BLOCK], sq[lo:lo + _BLOCK]
            resp, l = log_resp(blk, means, log_w, var, s)
            Nk += resp.sum(axis=0)
            Sx += resp.T @ blk
            Sq += resp.T @ s
            ll += float(l.sum())
            i = int(np.argmin(l))
            worst = min(worst, (float(l[i]), lo + i))
        bound = ll / n
        dead = Nk <= 10 * np.finfo(float).eps * n
        Nk = np.where(dead, 1.0, Nk)
        means = Sx / Nk[:, None]
        weights = Nk / Nk.sum()
        ss = np.maximum(Sq - np.einsum("kj,kj->k", Sx, means), 0)   # Σ r_ik ‖x_i − μ_k‖²
        total = max(float(ss[~dead].sum()) / (n * d), floor)
        if tied:
            var = np.full(K, total)
        else:
            var = np.maximum(ss / (Nk * d), floor)
        if dead.any():  # restart at the worst-explained row, with the pooled variance
            means[dead], var[dead] = X[worst[1]], total
            converged = False
        if bar is not None:
            bar.update(it, mean_log_likelihood=bound)
        # a gain within rounding of the bound itself counts as none (tol = 0
        # cannot otherwise stop an iteration that has reached its fixed point)
        if abs(bound - prev) < max(tol, 4 * np.finfo(float).eps * abs(bound)) \
                and not dead.any():
            converged = True
            break
        prev = bound
    return means, weights, var, bound, it, converged


def kmeanspp(X, K, g, centers=None):
    """K centres by greedy k-means++ (D² sampling, Arthur & Vassilvitskii
    2007; 2 + ⌊log K⌋ candidates a step, the one that lowers the potential
    most kept, as scikit-learn does), extending the rows of ``centers``."""
    n = X.shape[0]
    C = [X[g.integers(n)]] if centers is None or len(centers) == 0 else list(centers)
    d2 = np.min([np.sum((X - c) ** 2, axis=1) for c in C], axis=0)
    trials = 2 + int(np.log(max(K, 1)))
    while len(C) < K:
        total = float(d2.sum())
        cand = g.choice(n, size=trials, p=d2 / total) if total > 0 else g.integers(n, size=1)
        pots = [np.minimum(d2, np.sum((X - X[i]) ** 2, axis=1)) for i in cand]
        best = int(np.argmin([p.sum() for p in pots]))
        C.append(X[cand[best]])
        d2 = pots[best]
    return np.asarray(C[:K], dtype=float)


def lloyd(X, centers, max_iter=_LLOYD_ITER):
    """Lloyd's k-means iterations from ``centers`` (as scikit-learn's
    GaussianMixture starts EM from k-means): (centres, weights)."""
    C = np.array(centers, dtype=float)
    K = C.shape[0]
    sq = np.einsum("ij,ij->i", X, X)
    labels = None
    for _ in range(max_iter):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        dist = sq[:, None] - 2 * X @ C.T + np.einsum("kj,kj->k", C, C)[None, :]
        new = np.argmin(dist, axis=1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=K)
        sums = np.zeros_like(C)
        np.add.at(sums, labels, X)
        full = counts > 0
        C[full] = sums[full] / counts[full, None]
    counts = np.bincount(labels, minlength=K) if labels is not None else np.ones(K)
    return C, np.maximum(counts, 1) / np.maximum(counts, 1).sum()


def bic(mean_ll, n, d, K, tied):
    """Schwarz's criterion −2·n·ℓ̄ + p·log n of a spherical mixture: p = K·d
    means, K − 1 weights and K variances (1 with ``tied``)."""
    p = K * d + (K - 1) + (1 if tied else K)
    return -2.0 * n * mean_ll + p * np.log(n)
