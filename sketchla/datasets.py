"""Synthetic problems for the tour, the tests and the benchmarks.

Every generator takes ``rng`` and returns NumPy / scipy.sparse data; none
reads from disk or the network.
"""

from __future__ import annotations

import numpy as np

from ._kernels.forks import fork_safe
from ._validation import check_int, check_rng, check_scalar

__all__ = [
    "make_gaussian",
    "make_gaussian_mixture",
    "make_ill_conditioned",
    "make_coherent",
    "make_sparse",
    "make_term_document",
    "make_attention",
    "make_keyed_tables",
    "make_sparse_pair",
    "make_low_rank_completion",
    "make_ratings",
    "make_symmetric_tensor",
]


@fork_safe
def make_gaussian(n, d, rng=None, dtype=np.float64, order="C"):
    """An (n, d) matrix with i.i.d. standard normal entries."""
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    A = check_rng(rng).standard_normal((n, d))
    return np.asarray(A, dtype=dtype, order=order)


@fork_safe
def make_ill_conditioned(n, d, cond=1e6, rng=None, coherent=False):
    """A = U diag(σ) Vᵀ with log-spaced singular values from 1 to 1/cond.

    U is a random orthonormal n×d basis (Gaussian then QR), or, with
    ``coherent=True``, one whose leverage is concentrated on d rows (the
    hard case for uniform sampling). Returns A (n, d).
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1, maximum=n, maximum_label="n")
    if not np.isfinite(cond) or cond < 1:
        raise ValueError(f"cond must be a finite number >= 1, got {cond}")
    g = check_rng(rng)
    if coherent:
        G = g.standard_normal((n, d)) * 1e-3
        G[:d] += np.eye(d)
    else:
        G = g.standard_normal((n, d))
    U, _ = np.linalg.qr(G)
    V, _ = np.linalg.qr(g.standard_normal((d, d)))
    sigma = np.logspace(0, -np.log10(cond), d)
    return (U * sigma) @ V.T


@fork_safe
def make_coherent(n, d, n_heavy=None, weight=100.0, rng=None):
    """Gaussian rows plus a few heavy rows that carry most of some directions.

    ``n_heavy`` rows (default d) are scaled by ``weight``; uniform sampling
    misses them, leverage/Lewis sampling does not.
    """
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    n_heavy = d if n_heavy is None else check_int(n_heavy, "n_heavy", minimum=0, maximum=n)
    g = check_rng(rng)
    A = g.standard_normal((n, d))
    heavy = g.choice(n, n_heavy, replace=False)
    A[heavy] *= weight
    return A


@fork_safe
def make_sparse(n, d, density=0.01, rng=None, dtype=np.float64, fmt="csr"):
    """A random scipy.sparse (n, d) matrix with standard normal nonzeros.

    Built row by row with a fixed number of nonzeros per row (at least 1),
    in O(nnz) time and memory.
    """
    import scipy.sparse as sp

    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    g = check_rng(rng)
    per_row = max(1, int(round(density * d)))
    cols = g.integers(0, d, size=(n, per_row))
    cols.sort(axis=1)
    data = g.standard_normal(n * per_row).astype(dtype)
    indptr = np.arange(0, n * per_row + 1, per_row, dtype=np.int64)
    A = sp.csr_matrix((data, cols.ravel(), indptr), shape=(n, d))
    A.sum_duplicates()
    return A.asformat(fmt)


@fork_safe
def make_term_document(n_docs, n_terms, density=1e-4, rng=None):
    """A term-document-like scipy.sparse CSR matrix (n_docs, n_terms).

    About ``density · n_docs · n_terms`` entries, each in a uniformly random
    row and in column j with probability ∝ 1/(j + 10) (Zipf's law of term
    popularity), with values 1 + N(0, 1); repeated positions are summed.
    Unlike :func:`make_sparse`'s flat spectrum, the popular columns give a
    decaying one, as in text data. O(nnz) time and memory.
    """
    import scipy.sparse as sp

    n_docs = check_int(n_docs, "n_docs", minimum=1)
    n_terms = check_int(n_terms, "n_terms", minimum=1)
    if not 0 < density <= 1:
        raise ValueError(f"density must be in (0, 1], got {density}")
    g = check_rng(rng)
    nnz = max(1, int(density * n_docs * n_terms))
    p = 1.0 / (np.arange(n_terms) + 10.0)
    p /= p.sum()
    rows = g.integers(0, n_docs, nnz)
    cols = g.choice(n_terms, size=nnz, p=p)
    A = sp.csr_matrix((g.standard_normal(nnz) + 1.0, (rows, cols)), shape=(n_docs, n_terms))
    A.sum_duplicates()
    return A


@fork_safe
def make_attention(n_tokens, d_features, n_outliers=8, outlier_scale=20.0, rng=None):
    """Synthetic queries Q and keys K (n_tokens × d_features) for Q Kᵀ.

    Gaussian activations plus ``n_outliers`` feature dimensions scaled by
    ``outlier_scale`` (the outlier features of transformer activations),
    so a few features carry most of ‖Q‖_F and ‖K‖_F — where norm-based
    sampling of the feature dimension pays off (Daliri et al., ICLR 2025).
    """
    n_tokens = check_int(n_tokens, "n_tokens", minimum=1)
    d_features = check_int(d_features, "d_features", minimum=1)
    n_outliers = check_int(n_outliers, "n_outliers", minimum=0, maximum=d_features)
    g = check_rng(rng)
    scale = np.ones(d_features)
    scale[g.choice(d_features, n_outliers, replace=False)] = outlier_scale
    Q = g.standard_normal((n_tokens, d_features)) * scale
    K = 0.5 * Q + g.standard_normal((n_tokens, d_features)) * scale
    return Q, K


@fork_safe
def make_keyed_tables(n_a, n_b, overlap, d=4, p=3, rng=None):
    """Two tables with string keys, ``overlap`` of which they share.

    Returns ``(A, keys_a, B, keys_b)``; rows have log-normal norms, so
    norm-proportional sampling matters.
    """
    n_a = check_int(n_a, "n_a", minimum=1)
    n_b = check_int(n_b, "n_b", minimum=1)
    overlap = check_int(overlap, "overlap", minimum=0, maximum=min(n_a, n_b))
    g = check_rng(rng)
    shared = [f"id{i}" for i in range(overlap)]
    ka = np.array(shared + [f"a{i}" for i in range(n_a - overlap)], dtype=object)
    kb = np.array(shared + [f"b{i}" for i in range(n_b - overlap)], dtype=object)
    ka, kb = ka[g.permutation(n_a)], kb[g.permutation(n_b)]
    A = g.standard_normal((n_a, d)) * g.lognormal(0, 1, (n_a, 1))
    B = g.standard_normal((n_b, p)) * g.lognormal(0, 1, (n_b, 1))
    return A, ka, B, kb


@fork_safe
def make_sparse_pair(n, d, nnz_per_row, rng=None):
    """Two (n, d) tables for AᵀB with ``nnz_per_row`` nonzeros per row.

    CSR matrices with standard normal nonzeros; B shares half of each row's
    support with A, so AᵀB has signal. With ``nnz_per_row >= d`` both are
    dense Gaussian arrays.
    """
    import scipy.sparse as sp

    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    s = check_int(nnz_per_row, "nnz_per_row", minimum=1)
    g = check_rng(rng)
    if s >= d:
        return g.standard_normal((n, d)), g.standard_normal((n, d))
    cols = g.integers(0, d, size=(n, s))
    rows = np.repeat(np.arange(n), s)
    A = sp.csr_matrix((g.standard_normal(n * s), (rows, cols.ravel())), shape=(n, d))
    half = max(1, s // 2)
    cols[:, :half] = g.integers(0, d, size=(n, half))
    B = sp.csr_matrix((g.standard_normal(n * s), (rows, cols.ravel())), shape=(n, d))
    return A, B


@fork_safe
def make_low_rank_completion(n_rows, n_cols, rank, n_observed=None, fraction=None,
                             noise=0.0, coherent=False, rng=None):
    """A planted rank-``rank`` matrix M = U Vᵀ and a uniform sample of its entries.

    U (n_rows, rank) and V (n_cols, rank) are Gaussian, so M is incoherent
    and its entries have unit variance. ``coherent=True`` scales the first
    ``n_rows // 20`` rows of U by 10 (a spiky, coherent row space: the hard
    case for the clipping step of alternating minimization).

    Exactly one of ``n_observed`` (count of distinct observed entries) and
    ``fraction`` is given. Observed values get i.i.d. N(0, noise²) noise.
    M is never formed, so this works at 10^5 x 10^5.

    Returns
    -------
    X : scipy.sparse.csr_matrix, shape (n_rows, n_cols)
        The observed entries (stored entries are observations).
    U, V : ndarray
        The planted factors: M = U @ V.T.
    """
    import scipy.sparse as sp

    n_rows = check_int(n_rows, "n_rows", minimum=1)
    n_cols = check_int(n_cols, "n_cols", minimum=1)
    rank = check_int(rank, "rank", minimum=1)
    total = n_rows * n_cols
    if (n_observed is None) == (fraction is None):
        raise ValueError("give exactly one of n_observed and fraction")
    if fraction is not None:
        if not 0 < fraction <= 1:
            raise ValueError(f"fraction must be in (0, 1], got {fraction}")
        n_observed = int(round(fraction * total))
    n_observed = check_int(n_observed, "n_observed", minimum=1, maximum=total)
    g = check_rng(rng)
    U = g.standard_normal((n_rows, rank)) / rank**0.25
    V = g.standard_normal((n_cols, rank)) / rank**0.25
    if coherent:
        U[: max(n_rows // 20, 1)] *= 10.0
    if n_observed > total // 4:
        lin = np.sort(g.choice(total, n_observed, replace=False))
    else:  # draw with replacement and top up: O(n_observed) memory at any size
        lin = np.unique(g.integers(0, total, size=n_observed + n_observed // 8 + 16))
        while lin.size < n_observed:
            more = g.integers(0, total, size=2 * (n_observed - lin.size) + 16)
            lin = np.unique(np.concatenate([lin, more]))
        lin = np.sort(g.choice(lin, n_observed, replace=False))
    rows, cols = np.divmod(lin, n_cols)
    vals = np.empty(n_observed)
    for lo in range(0, n_observed, 1 << 20):  # chunks keep memory O(n_observed)
        sl = slice(lo, lo + (1 << 20))
        vals[sl] = np.einsum("ij,ij->i", U[rows[sl]], V[cols[sl]])
    if noise:
        vals += noise * g.standard_normal(vals.size)
    X = sp.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_cols))
    return X, U, V


@fork_safe
def make_ratings(n_users, n_items, n_ratings, rank=10, noise=0.5, activity=0.8,
                 popularity=1.0, rng=None):
    """Synthetic ratings on a 1–5 scale, as recommender data looks.

    Users and items have power-law activity: user u (in a random order)
    rates with weight (1 + u)^(−``activity``), item i is rated with weight
    (1 + i)^(−``popularity``), so a few users and items have most of the
    ratings and many have a handful. A rating is
    3.6 + b_u + c_i + p_uᵀq_i + ε (b ~ N(0, 0.35²), c ~ N(0, 0.45²), the
    rank-``rank`` interaction of standard deviation 0.7, ε ~ N(0, noise²)),
    rounded and clipped to 1–5. Ids are distinct random integers below 10^9
    (arbitrary ids, as real data has).

    Returns
    -------
    Ratings
        ``n_ratings`` distinct (user, item) pairs.
    """
    from .completion.ratings import Ratings

    n_users = check_int(n_users, "n_users", minimum=1)
    n_items = check_int(n_items, "n_items", minimum=1)
    rank = check_int(rank, "rank", minimum=1)
    n_ratings = check_int(n_ratings, "n_ratings", minimum=1,
                          maximum=n_users * n_items // 2,
                          maximum_label="n_users * n_items // 2")
    noise = check_scalar(noise, "noise", minimum=0)
    activity = check_scalar(activity, "activity", minimum=0)
    popularity = check_scalar(popularity, "popularity", minimum=0)
    g = check_rng(rng)
    wu = (1.0 + g.permutation(n_users)) ** -activity
    wi = (1.0 + g.permutation(n_items)) ** -popularity
    wu, wi = wu / wu.sum(), wi / wi.sum()
    codes = np.empty(0, np.int64)
    for _ in range(100):  # draw pairs until n_ratings are distinct
        need = n_ratings - codes.size
        if need <= 0:
            break
        k = 2 * need + 16
        more = g.choice(n_users, k, p=wu) * n_items + g.choice(n_items, k, p=wi)
        codes = np.unique(np.concatenate([codes, more]))
    codes = g.permutation(codes)[:n_ratings]
    if codes.size < n_ratings:
        raise ValueError("n_ratings: too many pairs for this skew; lower activity or "
                         "popularity, or n_ratings")
    u, i = np.divmod(codes, n_items)
    s = (0.49 / rank) ** 0.25
    P, Q = s * g.standard_normal((n_users, rank)), s * g.standard_normal((n_items, rank))
    b, c = 0.35 * g.standard_normal(n_users), 0.45 * g.standard_normal(n_items)
    vals = 3.6 + b[u] + c[i] + np.einsum("ij,ij->i", P[u], Q[i])
    vals += noise * g.standard_normal(vals.size)
    vals = np.clip(np.rint(vals), 1.0, 5.0)
    user_ids = g.choice(10**9, n_users, replace=False)
    item_ids = g.choice(10**9, n_items, replace=False)
    return Ratings(user_ids[u], item_ids[i], vals)


@fork_safe
def make_symmetric_tensor(d, order, rank, noise=0.0, rng=None):
    """A planted symmetric tensor T = Σ_r w_r a_r^{⊗order} (+ symmetric noise).

    The a_r are uniform on the unit sphere of R^d, the weights uniform in
    [1, 2]. ``noise`` > 0 adds σ·E, with E the symmetrization of an i.i.d.
    Gaussian tensor scaled to unit Frobenius norm, times ‖T‖_F (so σ is a
    relative noise level).

    Returns
    -------
    T : ndarray, shape (d,) * order
    weights : ndarray, shape (rank,)
    factors : ndarray, shape (d, rank), unit-norm columns
    """
    from .tensor._symmetric import cp_to_tensor, symmetric_indices

    d = check_int(d, "d", minimum=1)
    order = check_int(order, "order", minimum=1)
    rank = check_int(rank, "rank", minimum=1)
    noise = check_scalar(noise, "noise", minimum=0)
    g = check_rng(rng)
    A = g.standard_normal((d, rank))
    A /= np.linalg.norm(A, axis=0)
    w = g.uniform(1.0, 2.0, rank)
    T = cp_to_tensor(w, A, order)
    if noise:
        # the symmetrization of an i.i.d. N(0, 1) tensor has independent
        # entries N(0, 1/multiplicity) on the sorted multi-indices
        _, mult, find = symmetric_indices(d, order)
        E = (g.standard_normal(mult.size) / np.sqrt(mult))[find].reshape(T.shape)
        T = T + noise * np.linalg.norm(T) * E / np.linalg.norm(E)
    return T, w, A


@fork_safe
def make_gaussian_mixture(n_samples, n_features, n_components, noise=1.0, separation=4.0,
                          rng=None):
    """Samples of Σ_k w_k N(μ_k, noise²·I), a mixture with shared spherical covariance.

    The means are ``separation`` × ``noise`` times independent uniform unit
    vectors (so components are about √2·separation standard deviations
    apart), the weights uniform in [1, 2], normalized.

    Returns
    -------
    X : ndarray, shape (n_samples, n_features)
    labels : ndarray, shape (n_samples,)
    means : ndarray, shape (n_components, n_features)
    weights : ndarray, shape (n_components,)
    """
    n = check_int(n_samples, "n_samples", minimum=1)
    d = check_int(n_features, "n_features", minimum=1)
    K = check_int(n_components, "n_components", minimum=1)
    noise = check_scalar(noise, "noise", minimum=0)
    separation = check_scalar(separation, "separation", minimum=0)
    g = check_rng(rng)
    means = g.standard_normal((K, d))
    means *= separation * noise / np.linalg.norm(means, axis=1, keepdims=True)
    weights = g.uniform(1.0, 2.0, K)
    weights /= weights.sum()
    labels = g.choice(K, size=n, p=weights)
    X = means[labels] + noise * g.standard_normal((n, d))
    return X, labels, means, weights
