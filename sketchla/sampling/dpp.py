"""Projection DPPs and volume sampling of rows.

A projection DPP with marginal kernel K = U Uᵀ (U: N × k, orthonormal
columns) draws exactly k distinct items with P(S) = det(U_S)². The chain
rule draws item t + 1 with probability ‖P_t^⊥ u_i‖² / (k − t), where P_t^⊥
projects out the span of the rows already drawn. Here each step is drawn
by *rejection from the leverage distribution* ‖u_i‖²/k (a fixed alias-free
CDF): accept a proposal i with probability ‖P_t^⊥ u_i‖²/‖u_i‖². This is
exact and costs O(N k) once (the row norms) plus O(k² t) per proposal,
with k/(k − t) proposals expected at step t — k·H_k ≈ k ln k in all —
so no step ever touches all N rows again.

Volume sampling of size k ≥ d (P(S) ∝ det(A_Sᵀ A_S)) is, by Cauchy–Binet,
a projection DPP of size d (kernel A(AᵀA)⁻¹Aᵀ) plus k − d items drawn
uniformly without replacement from the rest (Dereziński & Warmuth 2017).
Volume-rescaled sampling replaces the uniform part by i.i.d. leverage-score
draws (Dereziński, Warmuth & Hsu 2019): the rescaled least-squares
estimator on it is unbiased.

References
----------
.. [1] J. B. Hough, M. Krishnapur, Y. Peres, B. Virág, "Determinantal
   processes and independence", Probability Surveys 3 (2006).
.. [2] M. Dereziński, M. K. Warmuth, "Unbiased estimates for linear
   regression via volume sampling", NeurIPS 2017.
.. [3] M. Dereziński, M. K. Warmuth, D. Hsu, "Correcting the bias in least
   squares regression with volume-rescaled sampling", AISTATS 2019.
.. [4] A. Nouy, B. Michel, "Weighted least-squares approximation with
   determinantal point processes and generalized volume sampling",
   arXiv:2312.14057.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import advance, reports_progress
from .._kernels.forks import checkpoint
from .._stack import find_stack_level
from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._validation import check_data, check_int, check_memory, check_rng, check_scalar
from .leverage import orthonormal_basis

__all__ = [
    "sample_projection_dpp",
    "sample_volume",
    "sample_volume_rescaled",
    "sample_repeated_dpp",
    "chain_rule_rejection",
]


#: the most entries (proposals × k) of one batch of proposal features
_BATCH_ENTRIES = 1 << 20


def chain_rule_rejection(k, propose, features, g, batch=None):
    """The projection-DPP chain rule by rejection from the leverage proposal.

    ``propose(s)`` returns s proposals (items or points) drawn i.i.d. from
    the density ∝ ‖φ(x)‖²; ``features(x)`` their feature rows φ(x) (s × k),
    whose Gram operator is the identity under the base measure. Returns the
    k accepted proposals in draw order (a list).

    The proposals do not depend on the state of the chain, so they are
    drawn in batches (``batch`` at a time; by default the expected number
    still needed, k·H_{k−t} after t acceptances, plus 2k, within
    ``_BATCH_ENTRIES`` features) and examined in order, each once, against
    the state at its turn: proposal x is accepted after t acceptances with
    probability ‖P_t^⊥ φ(x)‖² / ‖φ(x)‖² from its own uniform. A batch runs
    natively (:func:`sketchla._kernels.chain_batch`): the residuals
    ‖P_t^⊥ φ(x)‖² of its unexamined proposals drop by one product per
    acceptance, and each accepted feature is orthogonalized twice.
    """
    E = np.zeros((k, k))  # rows 0..t-1: orthonormal basis of the accepted features
    chosen = []
    while len(chosen) < k:
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        t = len(chosen)
        m = batch or min(int(np.ceil(k * (np.sum(1.0 / np.arange(1, k - t + 1)) + 2.0))),
                         max(16, _BATCH_ENTRIES // k))
        xs = propose(m)
        advance(4.0 * m * k * k)  # the batch's features against the accepted ones
        chosen.extend(xs[j] for j in _kernels.chain_batch(features(xs), g.random(m), E, t))
    return chosen


def _check_basis(U, name="U"):
    """Orthonormal U (N, k) of full column rank, in U's namespace (sparse U
    becomes dense: it is N × k by contract)."""
    U = check_data(U, name)
    if array_kind(U) == "sparse":
        U = U.toarray()
    N, k = U.shape
    if k > N:
        raise ValueError(f"{name} has {k} columns but only {N} rows: a DPP cannot draw "
                         f"k > N distinct items")
    # orthonormality probe: ‖U z‖ = ‖z‖ for 4 random z (O(N k), not O(N k²));
    # any departure of UᵀU from I above ~1e-8 shows up with probability 1
    Z = np.random.default_rng(0).standard_normal((k, 4))
    xp = get_namespace(U)
    Y = U @ from_numpy(Z, U)
    YtY = to_numpy(xp.matrix_transpose(Y) @ Y)
    if np.linalg.norm(YtY - Z.T @ Z) > 1e-8 * np.linalg.norm(Z.T @ Z):
        Q, r = orthonormal_basis(U)
        if r < k:
            raise ValueError(f"{name} must have full column rank: rank {r} < {k} columns")
        warnings.warn(f"{name} does not have orthonormal columns; sampling the projection "
                      "DPP onto its column space (an orthonormal basis from QR)",
                      UserWarning, stacklevel=find_stack_level())
        U = Q
    return np.ascontiguousarray(U, dtype=np.float64) if array_kind(U) == "numpy" else U


def _dpp_from_basis(U, g, lev=None):
    """The projection DPP of orthonormal U (N, k); ``lev``: U's squared row
    norms when the caller has them."""
    N, k = U.shape
    if lev is None:
        lev, rows = _kernels.row_access(U)
    else:  # host U
        rows = U.__getitem__
    cdf = np.cumsum(lev)
    cdf /= cdf[-1]

    def propose(s):
        return np.minimum(np.searchsorted(cdf, g.random(s), side="right"), N - 1)

    chosen = chain_rule_rejection(k, propose, rows, g)
    return np.array(chosen, dtype=np.int64)


@fork_safe
def sample_projection_dpp(U, rng=None):
    """Exactly k distinct rows from the projection DPP with kernel U Uᵀ.

    Parameters
    ----------
    U : array, shape (N, k)
        Orthonormal columns. A full-rank U that is not orthonormal is
        replaced by an orthonormal basis of its column space, with a
        ``UserWarning``; rank-deficient U raises ``ValueError``.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    indices : ndarray of int64, shape (k,)
        Distinct, in draw order; P(set) = det(U_S U_Sᵀ).

    Notes
    -----
    Chain rule with rejection from the leverage distribution (module
    docstring): O(N k) for the row norms plus about k·ln k proposals of
    O(k²) each. The alternative Gram–Schmidt chain rule costs O(N k²).

    References
    ----------
    .. [1] J. B. Hough, M. Krishnapur, Y. Peres, B. Virág, "Determinantal
       processes and independence", Probab. Surveys 3 (2006).
    .. [2] G. Gautier, G. Polito, R. Bardenet, M. Valko, "DPPy: DPP sampling
       with Python", JMLR 20 (2019).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> U = np.linalg.qr(np.random.default_rng(0).standard_normal((1000, 5)))[0]
    >>> S = sketchla.sample_projection_dpp(U, rng=0)
    >>> len(set(S.tolist()))  # k distinct rows
    5
    """
    return _dpp_from_basis(_check_basis(U), check_rng(rng))


def _basis_of(A, name="A"):
    Q, r = orthonormal_basis(check_data(A, name))
    return (np.ascontiguousarray(Q) if array_kind(Q) == "numpy" else Q), r


@fork_safe
def sample_volume(A, k, rng=None):
    """k distinct rows with P(S) ∝ det(A_Sᵀ A_S) (volume sampling), k ≥ rank(A).

    A projection DPP of size r = rank(A) with kernel the projector onto
    range(A), plus k − r rows uniformly without replacement from the rest.
    For rank-deficient A, det(A_Sᵀ A_S) vanishes for every S; the sampler
    then uses an orthonormal basis of range(A) (pseudo-determinant volume).
    The least-squares solution on the rows of S is an unbiased estimate of
    the full one (Dereziński & Warmuth 2017).

    Cost: a pivoted QR of A, O(n d²), plus the DPP draw.

    Parameters
    ----------
    A : ndarray, shape (n, d)
        The rows to choose from.
    k : int
        Sample size, rank(A) ≤ k ≤ n.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness.

    Returns
    -------
    ndarray of int, shape (k,)
        Distinct row indices.

    Notes
    -----
    Guarantee: P(S) ∝ det(A_Sᵀ A_S) exactly, and E[x_S] = x* for the
    least-squares solutions on S and on all rows (Dereziński & Warmuth).

    References
    ----------
    .. [1] M. Dereziński, M. K. Warmuth, "Unbiased estimates for linear
       regression via volume sampling", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((500, 4))
    >>> S = sketchla.sample_volume(A, 10, rng=0)
    >>> len(set(S.tolist()))
    10
    """
    g = check_rng(rng)
    U, r = _basis_of(A)
    n = U.shape[0]
    k = check_int(k, "k", minimum=1, maximum=n, maximum_label=f"the number of rows {n}")
    if k < r:
        raise ValueError(f"k = {k} is less than rank(A) = {r}: volume sampling needs k >= rank")
    S = _dpp_from_basis(U[:, :r], g)
    if k > r:
        rest = np.setdiff1d(np.arange(n), S, assume_unique=False)
        S = np.concatenate([S, g.choice(rest, k - r, replace=False)])
    return S


@fork_safe
def sample_volume_rescaled(A, k, rng=None, return_weights=False):
    """k rows (with repetition): r = rank(A) from the projection DPP, k − r i.i.d.
    from the leverage scores (volume-rescaled sampling with leverage-score
    proposal, Dereziński, Warmuth & Hsu 2019).

    With q_i = τ_i / r the leverage distribution, minimizing
    Σ_j (a_{s_j}ᵀ x − b_{s_j})² / q_{s_j} over the sample gives an unbiased
    estimate of the full least-squares solution.

    Returns the indices (k,), and with ``return_weights=True`` also the
    weights 1/(k·q_i) of that estimator.

    Parameters
    ----------
    A : ndarray, shape (n, d)
        The rows to choose from.
    k : int
        Sample size, k ≥ rank(A).
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness.
    return_weights : bool, default False
        Also return the weights 1/(k·q_i) of the unbiased estimator.

    Returns
    -------
    indices : ndarray of int, shape (k,)
        Row indices (repetitions possible).
    weights : ndarray, shape (k,)
        Only with ``return_weights``.

    Notes
    -----
    Cost: the leverage scores and a projection DPP of size rank(A),
    O(n d²), then O(k) for the i.i.d. part.

    References
    ----------
    .. [1] M. Dereziński, M. K. Warmuth, D. Hsu, "Unbiased estimators for
       random design regression", arXiv:1907.03411 (2019).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((500, 4))
    >>> S, w = sketchla.sample_volume_rescaled(A, 20, rng=0, return_weights=True)
    >>> S.shape, w.shape
    ((20,), (20,))
    """
    g = check_rng(rng)
    U, r = _basis_of(A)
    n = U.shape[0]
    k = check_int(k, "k", minimum=1)
    if r == 0:
        raise ValueError("A is numerically zero (rank 0): there is no row to sample")
    if k < r:
        raise ValueError(f"k = {k} is less than rank(A) = {r}: volume-rescaled sampling "
                         "needs k >= rank")
    U = U[:, :r]
    S = _dpp_from_basis(U, g)
    q = _kernels.row_access(U)[0] / r
    if k > r:
        S = np.concatenate([S, g.choice(n, k - r, replace=True, p=q / q.sum())])
    if return_weights:
        return S, 1.0 / (k * q[S])
    return S


@fork_safe
@reports_progress("sample_repeated_dpp", _costs.sample_repeated_dpp)
def sample_repeated_dpp(U, delta=0.5, min_repeats=1, max_repeats=100, rng=None):
    """Independent projection-DPP draws until the weighted Gram matrix is stable.

    Draw r = min_repeats, min_repeats + 1, … independent DPP samples of U
    (N × k orthonormal: a basis of a k-dimensional space of functions on N
    points under the uniform measure) and stop at the first r with
    ‖G_r − I‖₂ ≤ ``delta``, G_r = (1/(r k)) Σ_{draws} Σ_{i∈S} w_i N u_iᵀu_i and
    w_i = k/(N ‖u_i‖²) the optimal weights (Nouy & Michel). Returns
    ``(indices, weights)`` (all draws concatenated; repetitions across draws
    are possible) or raises ``RuntimeError`` after ``max_repeats``.

    Parameters
    ----------
    U : ndarray, shape (N, k)
        Orthonormal columns.
    delta : float, default 0.5
        The stability threshold on ‖G_r − I‖₂.
    min_repeats, max_repeats : int, default 1 and 100
        The fewest and the most draws.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness.

    Returns
    -------
    indices : ndarray of int
        The points of all draws.
    weights : ndarray
        Their weights w_i.

    Notes
    -----
    Each draw costs O(N k²); the expected number of draws is O(1) for
    ``delta`` = 1/2 (Nouy & Michel), so the sample has O(k) points and the
    weighted least-squares estimate is quasi-optimal.

    References
    ----------
    .. [1] A. Nouy, B. Michel, "Weighted least-squares approximation with
       determinantal point processes and generalized volume sampling",
       arXiv:2312.14057 (2023).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> U = np.linalg.qr(np.random.default_rng(0).standard_normal((2000, 6)))[0]
    >>> idx, w = sketchla.sample_repeated_dpp(U, rng=0)
    >>> idx.shape == w.shape and idx.size % 6 == 0
    True
    """
    U = _check_basis(U)
    g = check_rng(rng)
    N, k = U.shape
    delta = check_scalar(delta, "delta", minimum=0, include_minimum=False)
    min_repeats = check_int(min_repeats, "min_repeats", minimum=1)
    max_repeats = check_int(max_repeats, "max_repeats", minimum=min_repeats)
    # each draw keeps k indices, returned with their weights
    check_memory(16 * k * min_repeats, "min_repeats", f"{min_repeats} draws of {k} points")
    lev, rows = _kernels.row_access(U)
    G = np.zeros((k, k))
    idx = []
    for r in range(1, max_repeats + 1):
        S = _dpp_from_basis(U, g)
        advance(4.0 * N * k * k)
        idx.append(S)
        US = rows(S)
        G += (US / lev[S, None]).T @ US
        if r >= min_repeats and np.linalg.norm(G / r - np.eye(k), 2) <= delta:
            S = np.concatenate(idx)
            return S, k / (N * lev[S])
    raise RuntimeError(f"the weighted Gram matrix did not reach ||G - I|| <= {delta} "
                       f"within {max_repeats} repetitions")
