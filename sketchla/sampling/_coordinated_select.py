"""The selection rules of coordinated sampling: shared uniform hashes,
threshold (water-filling) and priority (bottom-k) inclusion probabilities,
and the exact power-of-two weight scale."""

from __future__ import annotations

import numpy as np

from .._backend import is_sparse
from .._kernels.scaling import pow2_exponent
from .._validation import check_matrix

METHODS = ("priority", "threshold")
LEVELS = ("row", "entry")
# key identity: a fixed-seed hash, so that key ids match whatever the sampling seed
KEY_SEED = 0x6B657969640A


def _uniform(h):
    """uint64 hashes → floats uniform in [0, 1) (53 random bits)."""
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _as_csr(A):
    """A as CSR (float, finite, duplicates summed), and whether it arrived dense."""
    import scipy.sparse as sp

    dense = not is_sparse(A)
    A = sp.csr_matrix(check_matrix(A, "A", allow_empty=True))
    A.sum_duplicates()
    return A, dense


def _threshold_probs(w, k, return_threshold=False):
    """p = min(1, T·w) with Σp = min(k, #{w > 0}), by water-filling (O(n log n));
    with ``return_threshold``, also T (inf when every positive item is kept)."""
    p = np.zeros_like(w)
    pos = np.flatnonzero(w > 0)
    if pos.size <= k:
        p[pos] = 1.0
        return (p, np.inf) if return_threshold else p
    ws = np.sort(w[pos])[::-1]
    tail = np.cumsum(ws[::-1])[::-1]  # tail[c] = sum of ws[c:]
    # find the number c of capped items: T = (k - c) / tail[c] and T·ws[c] <= 1
    c = np.arange(k)
    T = (k - c) / tail[:k]
    ok = T * ws[:k] <= 1.0
    c0 = int(np.argmax(ok)) if ok.any() else k - 1
    p[pos] = np.minimum(1.0, T[c0] * w[pos])
    return (p, float(T[c0])) if return_threshold else p


def _priority_probs(w, u, k):
    """(keep mask, p = min(1, w·τ), τ) for priority sampling of k items; τ is
    the (k+1)-th smallest rank u/w (inf when at most k items have w > 0)."""
    p = np.zeros_like(w)
    pos = np.flatnonzero(w > 0)
    if pos.size <= k:
        p[pos] = 1.0
        return w > 0, p, np.inf
    rank = u[pos] / w[pos]
    part = np.argpartition(rank, k)
    tau = rank[part[k]]  # the (k+1)-th smallest rank
    keep = np.zeros(w.shape, dtype=bool)
    keep[pos[part[:k]]] = True
    p[pos] = np.minimum(1.0, w[pos] * tau)
    return keep, p, float(tau)


def _select(method, w, u, k):
    """(keep mask, inclusion probabilities, τ or T) of items with weights w, hashes u."""
    if method == "threshold":
        p, T = _threshold_probs(w, k, return_threshold=True)
        return u < p, p, T
    return _priority_probs(w, u, k)


def _pow2_scale(m):
    """The power of two 2^e ≥ m (1 for m = 0), and e: dividing by it is exact,
    so weights from two tables rescale to a common 2^e without rounding."""
    e = pow2_exponent(m)
    return float(np.ldexp(1.0, e)), e


def _group_by_key(entry_keys):
    """(the distinct keys, CSR indptr) of entries already sorted by key."""
    kept_rows, counts = np.unique(entry_keys, return_counts=True)
    indptr = np.zeros(len(kept_rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return kept_rows, indptr
