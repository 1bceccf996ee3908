"""Row sampling for ℓp subspace embeddings: ``sample_rows``, ``RowSample``, ``RowSampler``.

A sample S of rows with weights v_j makes Σ_j v_j |a_{S_j}ᵀx|^p an
unbiased estimate of ‖Ax‖_p^p for every x; with importance scores that
bound the ℓp sensitivities it is a (1 ± ε) ℓp subspace embedding with
Õ(d^{max(1, p/2)}/ε²) rows (Cohen–Peng; Woodruff–Yasuda 2023; Munteanu–Omlor
2024 for the combined ℓp + ℓ2 scores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator

from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._validation import check_data, check_int, check_option, check_p, check_rng
from .leverage import leverage_scores
from .lewis import lewis_weights, lp_sensitivities

__all__ = ["RowSample", "sample_rows", "row_scores", "RowSampler", "SCORES"]

SCORES = ("leverage", "root_leverage", "lewis", "sensitivity", "combined", "uniform")


def row_scores(A, p=2, scores="lewis", rng=None):
    """Importance scores of the rows (unnormalized), by name.

    ``leverage``: τ_i; ``root_leverage``: τ_i^{p/2} (root-leverage sampling
    of Woodruff–Yasuda for 1 ≤ p < 2); ``lewis``: ℓp Lewis weights;
    ``sensitivity``: the certified ℓp sensitivity upper bounds of
    :func:`lp_sensitivities` (method "bound"); ``combined``: leverage plus
    sensitivity bounds, each normalized to sum 1 (Woodruff–Yasuda for
    p > 2, Munteanu–Omlor for p ≤ 2); ``uniform``: all ones.
    """
    check_option(scores, "scores", SCORES)
    n = A.shape[0]
    if scores == "uniform":
        return np.ones(n)
    if scores == "lewis":
        return _host(lewis_weights(A, p))
    if scores == "sensitivity":
        return _host(lp_sensitivities(A, p, method="bound"))
    lev = _host(leverage_scores(A, "exact", rng=rng))
    if scores == "leverage":
        return lev
    if scores == "root_leverage":
        return lev ** (p / 2)
    sens = _host(lp_sensitivities(A, p, method="bound"))
    return lev / max(lev.sum(), 1e-300) + sens / max(sens.sum(), 1e-300)


def _host(scores):
    """Scores as a host float64 vector: the host generator draws from them
    (n numbers, never the data matrix)."""
    return np.asarray(to_numpy(scores), dtype=np.float64)


@dataclass
class RowSample:
    """Sampled rows and their ℓp weights.

    Attributes
    ----------
    indices : ndarray of int64
        Row indices (with repeats for i.i.d. sampling).
    weights : ndarray of float64
        v_j such that Σ_j v_j |a_{indices_j}ᵀ x|^p is unbiased for ‖Ax‖_p^p.
    p : float
    probabilities : ndarray of float64, shape (n,)
        Sampling distribution (i.i.d.) or inclusion probabilities (Bernoulli).
    mode : str
        "iid" or "bernoulli".
    """

    indices: np.ndarray
    weights: np.ndarray
    p: float
    probabilities: np.ndarray
    mode: str

    def apply(self, A):
        """The rescaled sampled rows diag(weights)^{1/p} · A[indices].

        Then ‖(rescaled) x‖_p^p = Σ_j v_j |a_jᵀx|^p.
        """
        A = check_data(A)
        scale = self.weights ** (1.0 / self.p)
        if array_kind(A) == "sparse":
            return _kernels.scale_rows(A[self.indices], scale, None)
        xp = get_namespace(A)
        sub = _kernels.take_rows(A, self.indices, xp)
        return _kernels.scale_rows(sub, from_numpy(scale, sub), xp)


def sample_rows(A, n_samples, p=2, scores="leverage", rng=None, mode="iid"):
    """Sample rows of A for an ℓp subspace embedding.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
    n_samples : int ≥ 1
        Draws (``mode="iid"``) or the expected sample size
        (``mode="bernoulli"``).
    p : float ≥ 1
    scores : {"leverage", "root_leverage", "lewis", "sensitivity", "combined", "uniform"}
        See :func:`row_scores`.
    rng : None, int, Generator or SeedSequence
    mode : {"iid", "bernoulli"}
        i.i.d. draws with probabilities q ∝ scores (weights 1/(n_samples q)),
        or independent inclusion with π_i = min(1, c·score_i), c set so that
        Σπ = n_samples (weights 1/π).

    Returns
    -------
    RowSample
    """
    p = check_p(p)
    check_option(mode, "mode", ("iid", "bernoulli"))
    check_option(scores, "scores", SCORES)
    k = check_int(n_samples, "n_samples", minimum=1)
    A = check_data(A)
    g = check_rng(rng)
    s = np.maximum(row_scores(A, p, scores, rng=g), 0)
    if not s.sum() > 0:
        s = np.ones_like(s)
    if mode == "iid":
        q = s / s.sum()
        idx = g.choice(len(q), size=k, replace=True, p=q)
        return RowSample(idx.astype(np.int64), 1.0 / (k * q[idx]), p, q, "iid")
    from .coordinated import _threshold_probs

    pi = _threshold_probs(s, k)
    keep = np.flatnonzero(g.random(len(pi)) < pi)
    return RowSample(keep.astype(np.int64), 1.0 / pi[keep], p, pi, "bernoulli")


class RowSampler(BaseEstimator):
    """Row sampling as a scikit-learn estimator (``fit`` / ``fit_resample``).

    Parameters
    ----------
    n_samples : int, default 100
    p : float, default 2
    scores : str, default "lewis"
    random_state : None, int or Generator

    Attributes
    ----------
    indices_, weights_ : ndarray
        The sample and its ℓp weights (see :class:`RowSample`).
    sample_weight_ : ndarray of shape (n_rows,)
        The coreset as ``sample_weight`` for any estimator fitted on all of
        X: the summed weight of each sampled row, 0 elsewhere. For p = 2
        (squared loss) ``est.fit(X, y, sample_weight=sampler.sample_weight_)``
        fits the sampled problem, whose loss is an unbiased estimate of the
        full one.
    """

    def __init__(self, n_samples=100, p=2, scores="lewis", random_state=None):
        self.n_samples = n_samples
        self.p = p
        self.scores = scores
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = True
        return tags

    def fit(self, X, y=None):
        """Draw the sample from the rows of X."""
        from sklearn.utils.validation import validate_data

        from .._backend import is_sparse
        from .._validation import check_sparse

        if is_sparse(X):  # verify the structure before scikit-learn converts it
            X = check_sparse(X, "X", ("csr", "csc"))
        X = validate_data(self, X, accept_sparse=("csr", "csc"), dtype=(np.float64, np.float32))
        rs = sample_rows(X, self.n_samples, p=self.p, scores=self.scores,
                         rng=check_rng(self.random_state, "random_state"))
        self.indices_ = rs.indices
        self.weights_ = rs.weights
        self.sample_weight_ = np.bincount(rs.indices, weights=rs.weights,
                                          minlength=X.shape[0])
        self.sample_ = rs
        return self

    def fit_resample(self, X, y):
        """Fit, then return the rescaled sampled rows of X and the matching y
        (scaled the same way, so ℓp regression on them is unbiased)."""
        from .._validation import check_consistent_length

        self.fit(X)
        y = np.asarray(y)
        check_consistent_length(("X", X), ("y", y))
        scale = self.weights_ ** (1.0 / float(self.p))
        ys = y[self.indices_] * (scale if y.ndim == 1 else scale[:, None])
        return self.sample_.apply(X), ys
