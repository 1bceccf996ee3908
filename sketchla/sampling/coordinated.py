"""Coordinated (priority / threshold) sampling for matrix-product sketches.

Two parties hold A (n_a × d) and B (n_b × p) whose rows carry keys (say, a
join column). Each sketches its own table with the same integer ``seed``
and nothing else in common; :func:`estimate_product` then estimates AᵀB
over the rows whose keys match — the aggregate of a join — from the two
sketches alone, without bias.

How. Every key gets a shared uniform hash h(key) ∈ [0, 1) (XXH64 of the key
under the seed, the native stable hash). A row (``level="row"``) or a
nonzero entry (``level="entry"``) with weight w (‖a_i‖² or a_ij²) is kept
when h(key) < p, where

* threshold sampling: p = min(1, T·w/W) with W the total weight and T
  set so that the expected number kept is ``sketch_size``;
* priority sampling: p = min(1, w·τ), τ the (k+1)-th smallest rank
  h(key)/w, so exactly k = ``sketch_size`` items are kept.

Because both sides compare the *same* h(key) with their own p, a matching
key is in both samples with probability min(p_a, p_b), and

    Σ_{i ∈ S_A ∩ S_B} a_i b_iᵀ / min(p_a(i), p_b(i))

is unbiased for AᵀB (Horvitz–Thompson; for priority sampling by the
conditioning argument of Duffield–Lund–Thorup, extended to two coordinated
samples in Daliri et al. 2024). With threshold sampling and no capping,
E‖est − AᵀB‖_F² ≤ 2‖A‖_F²‖B‖_F²/k, so k = 2/(δε²) rows give
‖est − AᵀB‖_F ≤ ε‖A‖_F‖B‖_F with probability ≥ 1 − δ (Markov).

Rows are stored sparsely when the input is sparse: a sketch of a matrix
with s nonzeros per row stores O(k·s) numbers, where a linear sketch of the
same accuracy stores O(k·d) — the advantage the tests and the benchmark
measure.

References
----------
M. Daliri, J. Freire, D. Li, C. Musco, "Matrix product sketching via
coordinated sampling", ICLR 2025 (arXiv 2501.17836).
M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling methods for
inner product sketching", VLDB 2024.
N. Duffield, C. Lund, M. Thorup, "Priority sampling for estimation of
arbitrary subset sums", J. ACM 54 (2007).
"""

from __future__ import annotations


import numpy as np

from .. import _kernels
from .._backend import array_kind, is_sparse
from .._validation import (
    check_array,
    check_int,
    check_keys,
    check_matrix,
    check_option,
    check_seed,
)
from . import _coordinated_io

__all__ = ["CoordinatedSketch", "coordinated_sketch", "estimate_product"]

_METHODS = ("priority", "threshold")
_LEVELS = ("row", "entry")
# key identity: a fixed-seed hash, so that key ids match whatever the sampling seed
_KEY_SEED = 0x6B657969640A


# ------------------------------------------------------------------ pieces
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


def _threshold_probs(w, k):
    """p = min(1, T·w) with Σp = min(k, #{w > 0}), by water-filling (O(n log n))."""
    p = np.zeros_like(w)
    pos = np.flatnonzero(w > 0)
    if pos.size <= k:
        p[pos] = 1.0
        return p
    ws = np.sort(w[pos])[::-1]
    tail = np.cumsum(ws[::-1])[::-1]  # tail[c] = sum of ws[c:]
    # find the number c of capped items: T = (k - c) / tail[c] and T·ws[c] <= 1
    c = np.arange(k)
    T = (k - c) / tail[:k]
    ok = T * ws[:k] <= 1.0
    c0 = int(np.argmax(ok)) if ok.any() else k - 1
    p[pos] = np.minimum(1.0, T[c0] * w[pos])
    return p


def _priority_probs(w, u, k):
    """(keep mask, p = min(1, w·τ)) for priority sampling of k items."""
    p = np.zeros_like(w)
    pos = np.flatnonzero(w > 0)
    if pos.size <= k:
        p[pos] = 1.0
        return w > 0, p
    rank = u[pos] / w[pos]
    part = np.argpartition(rank, k)
    tau = rank[part[k]]  # the (k+1)-th smallest rank
    keep = np.zeros(w.shape, dtype=bool)
    keep[pos[part[:k]]] = True
    p[pos] = np.minimum(1.0, w[pos] * tau)
    return keep, p


def _select(method, w, u, k):
    """(keep mask, inclusion probabilities) of items with weights w, hashes u."""
    if method == "threshold":
        p = _threshold_probs(w, k)
        return u < p, p
    return _priority_probs(w, u, k)


# ------------------------------------------------------------------ sketch
class CoordinatedSketch:
    """A coordinated sample of the rows (or entries) of one keyed table.

    Made by :func:`coordinated_sketch`; combined with another party's sketch
    (same ``seed``, ``method`` and ``level``) by :func:`estimate_product`.

    Attributes
    ----------
    method : {"priority", "threshold"}
    level : {"row", "entry"}
    seed : int
        The shared seed: the only randomness.
    sketch_size : int
        Rows (level "row") or entries (level "entry") asked for.
    n_rows, n_features : int
        Shape of the sketched table.
    key_id : ndarray of uint64, shape (r,)
        Stable 64-bit identities of the kept keys (sorted). The keys
        themselves are not stored.
    indptr, indices, data : ndarray
        The kept rows in CSR form, unscaled (row j has key ``key_id[j]``).
    prob : ndarray of float64
        Inclusion probability per kept row (level "row") or per stored
        entry (level "entry").
    dense_rows : bool
        The table was dense: column indices are implicit and not counted.
    """

    def __init__(self, method, level, seed, sketch_size, n_rows, n_features, key_id,
                 indptr, indices, data, prob, dense_rows):
        self.method = method
        self.level = level
        self.seed = int(seed)
        self.sketch_size = int(sketch_size)
        self.n_rows = int(n_rows)
        self.n_features = int(n_features)
        self.key_id = key_id
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.prob = prob
        self.dense_rows = bool(dense_rows)

    def __repr__(self):
        return (f"CoordinatedSketch(method={self.method!r}, level={self.level!r}, "
                f"seed={self.seed}, rows={len(self.key_id)}, nnz={len(self.data)}, "
                f"storage_size={self.storage_size})")

    @property
    def storage_size(self):
        """Numbers stored, indices included: key ids, probabilities, values,
        and for sparse tables the column indices and row lengths."""
        r, nnz = len(self.key_id), len(self.data)
        size = r + len(self.prob) + nnz
        if not self.dense_rows:
            size += nnz + r
        return int(size)

    def rows(self):
        """The kept rows as a scipy.sparse CSR matrix (r, n_features), unscaled."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr),
                             shape=(len(self.key_id), self.n_features))

    # -------------------------------------------------------------- files
    def save(self, file):
        """Write the sketch to a compressed ``.npz`` file (or file object).

        The format is described in :mod:`sketchla.sampling._coordinated_io`;
        nothing is pickled.
        """
        _coordinated_io.save(self, file)

    @classmethod
    def load(cls, file):
        """Read a sketch written by :meth:`save`; every field is validated
        (a malformed or inconsistent file raises ``ValueError``)."""
        return _coordinated_io.load(cls, file, _METHODS, _LEVELS)


def coordinated_sketch(A, sketch_size, method="priority", keys=None, seed=0, level="row",
                       duplicates="error"):
    """Sketch a keyed table for estimating products with other tables.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The table; row i has key ``keys[i]``.
    sketch_size : int
        k ≥ 1: rows kept (``level="row"``) or nonzero entries kept
        (``level="entry"``); exactly k for priority sampling, k in
        expectation for threshold sampling (fewer when fewer rows have a
        nonzero weight).
    method : {"priority", "threshold"}
    keys : array-like of int or str, shape (n,), optional
        Row identifiers shared with the other party (a join key). Default
        ``arange(n)``: the same row order on both sides. Integer and string
        keys never match each other.
    seed : int
        The shared seed: both parties must use the same one.
    level : {"row", "entry"}
        Sample whole rows with weight ‖a_i‖² (default), or individual
        nonzero entries with weight a_ij² (all entries of a row share the
        row's hash, so they stay coordinated with the other party).
    duplicates : {"error", "sum"}
        What to do with repeated keys: refuse (default), or sum their rows
        (the aggregate a join on that key would see).

    Returns
    -------
    CoordinatedSketch

    Notes
    -----
    One pass over A: O(nnz) for the weights and hashes, O(n) selection
    (``argpartition``), plus O(n log n) for threshold sampling's
    water-filling (on the row weights only). Memory O(n + k·s).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((5000, 4)); B = rng.standard_normal((5000, 3))
    >>> sa = sketchla.coordinated_sketch(A, 1000, seed=7)
    >>> sb = sketchla.coordinated_sketch(B, 1000, seed=7)
    >>> sketchla.estimate_product(sa, sb).shape
    (4, 3)
    """
    check_option(method, "method", _METHODS)
    check_option(level, "level", _LEVELS)
    check_option(duplicates, "duplicates", ("error", "sum"))
    k = check_int(sketch_size, "sketch_size", minimum=1)
    seed = check_seed(seed)
    A = check_array(A, "A", accept_sparse=True, allow_empty=True)
    host = array_kind(A) in ("numpy", "sparse")
    if not host and level == "entry":
        raise TypeError("A: coordinated_sketch(level='entry') supports numpy and "
                        f"scipy.sparse input (it reads every nonzero); got {array_kind(A)}")
    A, dense = _as_csr(A) if host else (A, True)
    n, d = A.shape
    keys = check_keys(keys, n)
    key_id = _kernels.hash_keys(keys, _KEY_SEED)
    order = np.argsort(key_id, kind="stable")
    sid = key_id[order]
    dup = np.flatnonzero(sid[1:] == sid[:-1])
    if dup.size:
        if duplicates == "error":
            raise ValueError(
                f"keys must be unique: key {keys[order[dup[0]]].tolist()!r} appears more "
                "than once "
                "(pass duplicates='sum' to aggregate repeated keys)"
            )
        if not host:
            raise TypeError("A: coordinated_sketch(duplicates='sum') supports numpy and "
                            f"scipy.sparse input; got {array_kind(A)}")
        import scipy.sparse as sp

        uniq, inv = np.unique(key_id, return_inverse=True)
        P = sp.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(len(uniq), n))
        A = (P @ A).tocsr()
        A.sum_duplicates()
        key_id = uniq
        n = A.shape[0]
        first = np.zeros(n, dtype=np.int64)
        first[inv[::-1]] = np.arange(len(keys))[::-1]
        keys = keys[first]
    u = _uniform(_kernels.hash_keys(keys, seed))

    if level == "row":
        weights, fetch = _kernels.row_access(A, _kernels.abs_max(A) or 1.0)
        keep, p = _select(method, weights, u, k)
        rows = np.flatnonzero(keep)
        rows = rows[np.argsort(key_id[rows], kind="stable")]
        sub = fetch(rows) if host else _as_csr(fetch(rows))[0]
        sub.sort_indices()
        return CoordinatedSketch(method, level, seed, k, A.shape[0], d, key_id[rows],
                                 sub.indptr.astype(np.int64), sub.indices.astype(np.int64),
                                 sub.data, p[rows], dense)

    # entry level: items are the nonzeros, each with its row's hash
    row_of = np.repeat(np.arange(n), np.diff(A.indptr))
    # weights from A / max|A|: sampling depends only on their ratios, and the
    # squares of A itself overflow beyond 1e154
    scale = _kernels.abs_max(A) or 1.0
    keep, p = _select(method, (A.data.astype(np.float64) / scale) ** 2, u[row_of], k)
    items = np.flatnonzero(keep)
    r_items = row_of[items]
    order = np.lexsort((A.indices[items], key_id[r_items]))
    items, r_items = items[order], r_items[order]
    kept_rows, counts = np.unique(key_id[r_items], return_counts=True)
    indptr = np.zeros(len(kept_rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return CoordinatedSketch(method, level, seed, k, A.shape[0], d, kept_rows, indptr,
                             A.indices[items].astype(np.int64), A.data[items], p[items], dense)


def estimate_product(sketch_a, sketch_b):
    """Unbiased estimate of AᵀB over the rows whose keys match.

    Parameters
    ----------
    sketch_a, sketch_b : CoordinatedSketch
        Sketches of A (n_a × d) and B (n_b × p) made with the same
        ``seed``, ``method`` and ``level``.

    Returns
    -------
    ndarray, shape (d, p)
        Σ over kept matching rows (or entry pairs) of a_i b_iᵀ / min(p_a, p_b).

    Raises
    ------
    ValueError
        The sketches were made with different seeds, methods or levels
        (their samples are not coordinated and the estimate would be biased).
    """
    import scipy.sparse as sp

    for name, s in (("sketch_a", sketch_a), ("sketch_b", sketch_b)):
        if not isinstance(s, CoordinatedSketch):
            raise TypeError(f"{name} must be a CoordinatedSketch, got {type(s).__name__}")
    for attr in ("seed", "method", "level"):
        va, vb = getattr(sketch_a, attr), getattr(sketch_b, attr)
        if va != vb:
            raise ValueError(
                f"the sketches were made with different {attr}s ({va!r} and {vb!r}); "
                "coordinated sketches must share seed, method and level"
            )
    d, p = sketch_a.n_features, sketch_b.n_features
    _, ia, ib = np.intersect1d(sketch_a.key_id, sketch_b.key_id, assume_unique=True,
                               return_indices=True)
    Ra, Rb = sketch_a.rows()[ia], sketch_b.rows()[ib]
    if sketch_a.level == "row":
        scale = 1.0 / np.minimum(sketch_a.prob[ia], sketch_b.prob[ib])
        out = Ra.T @ (sp.diags(scale) @ Rb)
        return np.asarray(out.toarray(), dtype=np.float64)
    # entry level: every pair of kept entries in a matching row
    pa_rows = _entry_rows_prob(sketch_a, ia)
    pb_rows = _entry_rows_prob(sketch_b, ib)
    la, lb = np.diff(Ra.indptr), np.diff(Rb.indptr)
    npair = la * lb
    total = int(npair.sum())
    if total == 0:
        return np.zeros((d, p))
    row = np.repeat(np.arange(len(ia)), npair)
    start = np.concatenate([[0], np.cumsum(npair)[:-1]])
    t = np.arange(total) - start[row]
    ai = Ra.indptr[row] + t // lb[row]
    bi = Rb.indptr[row] + t % lb[row]
    vals = Ra.data[ai] * Rb.data[bi] / np.minimum(pa_rows[ai], pb_rows[bi])
    out = sp.coo_matrix((vals, (Ra.indices[ai], Rb.indices[bi])), shape=(d, p))
    return np.asarray(out.toarray(), dtype=np.float64)


def _entry_rows_prob(sk, idx):
    """The per-entry probabilities of rows ``idx`` of an entry-level sketch,
    in the order of ``sk.rows()[idx]``."""
    lens = np.diff(sk.indptr)[idx]
    starts = sk.indptr[:-1][idx]
    pos = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens) + \
        np.arange(int(lens.sum()))
    return sk.prob[pos]
