"""Moment tensors of data in the reduced coordinates of SPM, and their
correction for additive isotropic Gaussian noise.

For x = s + σg with g ~ N(0, I) independent of s, the binomial expansion
and the vanishing odd moments of g give, entrywise at a multi-index ι of
order m,

    E[x^{⊗m}]_ι = Σ_{i ≥ 0} σ^{2i} Σ_{J ⊂ positions, |J| = 2i} G(ι_J) E[s^{⊗(m−2i)}]_{ι \\ J},

where G(ι_J) = E[g^{⊗2i}]_{ι_J} counts the perfect matchings of J whose pairs
carry equal indices (Isserlis). The signal moments S_j = E[s^{⊗j}] follow
from the data moments by solving this triangle from j = 0 upward. Only the
reduced flattening of the order-m moment is formed (N_l × N_r entries,
accumulated from the data in row blocks); the lower moments S_j, j ≤ m − 2,
are dense (d^j entries).
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from .._backend import get_namespace, to_numpy
from ._symmetric import moment_tensor, sorted_multi_indices, symmetric_indices

__all__ = ["corrected_flattening", "data_flattening", "flattening_indices", "gaussian_terms",
           "signal_moments"]


def flattening_indices(d, m):
    """Full multi-indices (N_l·N_r, m) of the reduced flattening's entries and
    the √multiplicity scaling (N_l, N_r) that makes the reduction isometric."""
    n2 = -(-m // 2)
    n1 = m // 2
    left, right = sorted_multi_indices(d, n2), sorted_multi_indices(d, n1)
    idx = np.concatenate([np.repeat(left, len(right), axis=0),
                          np.tile(right, (len(left), 1))], axis=1)
    _, mult_l, _ = symmetric_indices(d, n2)
    _, mult_r, _ = symmetric_indices(d, n1)
    return idx, np.sqrt(mult_l)[:, None] * np.sqrt(mult_r)[None, :]


def _matchings(cols):
    """Per row of ``cols`` (P, q), the number of perfect matchings of its q
    positions whose pairs hold equal values (E[g^{⊗q}] at that index)."""
    q = cols.shape[1]
    if q == 0:
        return np.ones(cols.shape[0])
    out = np.zeros(cols.shape[0])
    for j in range(1, q):
        rest = [k for k in range(1, q) if k != j]
        out += (cols[:, 0] == cols[:, j]) * _matchings(cols[:, rest])
    return out


def gaussian_terms(idx, sigma2, lower):
    """Σ_{i ≥ 1} σ^{2i} Σ_{|J| = 2i} G(ι_J) S_{m−2i}[ι \\ J] at each row ι of ``idx``.

    ``lower`` maps j to the dense signal moment S_j (``lower[0] = 1.0``);
    a missing j counts as zero.
    """
    P, m = idx.shape
    out = np.zeros(P)
    for i in range(1, m // 2 + 1):
        S = lower.get(m - 2 * i)
        if S is None:
            continue
        S = np.asarray(S, dtype=np.float64)
        for J in itertools.combinations(range(m), 2 * i):
            rest = [k for k in range(m) if k not in J]
            s_part = S[tuple(idx[:, rest].T)] if rest else S
            out += sigma2**i * _matchings(idx[:, list(J)]) * s_part
    return out


def signal_moments(X, max_order, sigma2):
    """Dense signal moments {j: S_j} for j = 0 … max_order of x = s + σg (each
    data moment is formed in X's namespace; only the d^j result comes to the
    host)."""
    d = X.shape[1]
    lower = {0: 1.0}
    for j in range(1, max_order + 1):
        Mj = to_numpy(moment_tensor(X, j))
        if sigma2 and j >= 2:
            full = np.indices((d,) * j).reshape(j, -1).T
            Mj = Mj - gaussian_terms(full, sigma2, lower).reshape(Mj.shape)
        lower[j] = Mj
    return lower


@lru_cache(maxsize=32)
def _run_starts(d, q):
    """Where the multi-indices of order q starting at ≥ i begin, for i < d."""
    if q == 0:
        return tuple([0] * d)
    return tuple(int(v) for v in np.searchsorted(sorted_multi_indices(d, q)[:, 0],
                                                 np.arange(d)))


def _reduced_power_t(Xt, q, xp):
    """Reduced tensor powers of order q of the columns of Xt (d, b), as rows:
    row j is ∏_t Xt[c_t, :] for the j-th sorted multi-index c (itertools
    order). The multi-indices of order q starting with i are i followed by
    those of order q − 1 starting at ≥ i, a contiguous run; so each power is
    the previous one's row runs times one row of Xt, with no gather."""
    d = Xt.shape[0]
    out = xp.ones((1, Xt.shape[1]), dtype=Xt.dtype)
    for r in range(1, q + 1):
        starts = _run_starts(d, r - 1)
        out = xp.concat([Xt[i:i + 1, :] * out[starts[i]:, :] for i in range(d)], axis=0)
    return out


def data_flattening(X, m, block=2048):
    """Reduced flattening of (1/n) Σ_i x_i^{⊗m}: Y_lᵀ Y_r / n with the rows'
    reduced tensor powers (products of columns over sorted multi-indices),
    accumulated in row blocks: memory O(N_l·N_r + block·N_l); d^m is never
    formed."""
    n, d = X.shape
    n2 = -(-m // 2)
    n1 = m // 2
    _, mult_l, _ = symmetric_indices(d, n2)
    _, mult_r, _ = symmetric_indices(d, n1)
    M = np.zeros((mult_l.size, mult_r.size))
    xp = get_namespace(X)
    for lo in range(0, n, block):
        blk_t = xp.matrix_transpose(X[lo:min(lo + block, n), :])
        blk_t = xp.asarray(blk_t, copy=True)  # contiguous rows
        left = _reduced_power_t(blk_t, n2, xp)
        right = blk_t if n1 == 1 else _reduced_power_t(blk_t, n1, xp)
        M += to_numpy(left @ xp.matrix_transpose(right))
    return (M / n) * np.sqrt(mult_l)[:, None] * np.sqrt(mult_r)[None, :]


def corrected_flattening(M, d, m, sigma2, lower):
    """M minus the Gaussian terms, in reduced coordinates (same shape as M)."""
    idx, scale = flattening_indices(d, m)
    return M - gaussian_terms(idx, sigma2, lower).reshape(M.shape) * scale
