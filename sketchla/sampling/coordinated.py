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
from .._backend import array_kind, frame_kind, is_sparse
from .._validation import (
    check_array,
    check_bool,
    check_int,
    check_keys,
    check_matrix,
    check_option,
    check_seed,
)
from . import _coordinated_io

__all__ = ["CoordinatedSketch", "coordinated_sketch", "estimate_product", "column_sketch",
           "estimate_join_size", "estimate_correlation"]

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
    e = int(np.frexp(m)[1]) if m > 0 else 0
    return float(np.ldexp(1.0, e)), e


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
    weight, u : ndarray of float64 or None
        The merge state (``mergeable=True``): each kept item's sampling
        weight in units of 2^(2·scale_exp) and its shared hash in [0, 1).
    tau : float or None
        Priority sampling: the (k+1)-th smallest rank u/w (inf when every
        item of positive weight is kept); threshold sampling: the threshold T
        of p = min(1, T·w).
    scale_exp : int or None
        The weights are those of A / 2^scale_exp (a power of two ≥ max|A|).

    Notes
    -----
    Built by :func:`coordinated_sketch` or :func:`column_sketch`; memory
    O(sketch_size · n_features). ``merge`` of sketches over disjoint keys
    with the same seed equals the sketch of the union, and ``update`` streams
    new rows in with memory bounded by the sketch size.

    References
    ----------
    .. [1] M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling
       methods for inner product sketching", VLDB 2024.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((5000, 4))
    >>> s = sketchla.coordinated_sketch(A, 500, seed=3)
    >>> s.n_features
    4
    """

    def __init__(self, method, level, seed, sketch_size, n_rows, n_features, key_id,
                 indptr, indices, data, prob, dense_rows, weight=None, u=None, tau=None,
                 scale_exp=None):
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
        self.weight = weight
        self.u = u
        self.tau = None if tau is None else float(tau)
        self.scale_exp = None if scale_exp is None else int(scale_exp)

    @property
    def mergeable(self):
        """Whether the sketch carries the merge state (:meth:`merge`, :meth:`update`)."""
        return self.weight is not None

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
        if self.mergeable:  # a weight and a hash per item, τ and the scale
            size += 2 * len(self.prob) + 2
        return int(size)

    def rows(self):
        """The kept rows as a scipy.sparse CSR matrix (r, n_features), unscaled."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr),
                             shape=(len(self.key_id), self.n_features))

    # -------------------------------------------------------------- merging
    def merge(self, other):
        """The sketch of the union of two tables with disjoint keys.

        Both sketches must come from :func:`coordinated_sketch` with the same
        ``seed``, ``method="priority"``, ``level``, ``sketch_size`` and
        number of features, and ``mergeable=True``. The result equals, bit
        for bit, the sketch of the stacked tables made in one call: the
        union's k smallest ranks u/w are among the two kept sets, and its
        (k+1)-th smallest rank is among them or the two sides' τ; the
        weights of both sides are rescaled to the larger power-of-two scale,
        which is exact.

        Threshold sampling's threshold depends on the whole table's weights,
        which the sketches do not hold, so it cannot be merged exactly: a
        ``ValueError``.

        Returns
        -------
        CoordinatedSketch
            A new sketch; neither input is modified.
        """
        a, b = self, other
        if not isinstance(b, CoordinatedSketch):
            raise TypeError(f"other must be a CoordinatedSketch, got {type(b).__name__}")
        for attr in ("seed", "method", "level", "sketch_size", "n_features"):
            if getattr(a, attr) != getattr(b, attr):
                raise ValueError(f"the sketches differ in {attr} ({getattr(a, attr)!r} and "
                                 f"{getattr(b, attr)!r}); only sketches made alike merge")
        if a.method != "priority":
            raise ValueError("threshold sampling cannot be merged exactly (its threshold "
                             "depends on the whole table); use method='priority'")
        if not (a.mergeable and b.mergeable):
            raise ValueError("a sketch made with mergeable=False (or loaded from a "
                             "version-1 file) has no merge state")
        if np.intersect1d(a.key_id, b.key_id, assume_unique=True).size:
            raise ValueError("the sketches share keys: merge needs disjoint key sets")
        e = max(a.scale_exp, b.scale_exp)
        w = np.concatenate([np.ldexp(a.weight, 2 * (a.scale_exp - e)),
                            np.ldexp(b.weight, 2 * (b.scale_exp - e))])
        u = np.concatenate([a.u, b.u])
        taus = [np.ldexp(t, 2 * (e - s)) for t, s in ((a.tau, a.scale_exp),
                                                     (b.tau, b.scale_exp))]
        k = a.sketch_size
        rank = u / w
        if len(w) <= k and np.isinf(taus).all():
            keep, tau = np.arange(len(w)), np.inf
            p = np.ones(len(w))
        else:
            tau = float(np.sort(np.concatenate([rank, taus]))[k])
            keep = np.argpartition(rank, k)[:k] if len(w) > k else np.arange(len(w))
            p = np.minimum(1.0, w[keep] * tau)
        return _merged(a, b, keep, w[keep], u[keep], p, tau, e)

    def update(self, rows, keys):
        """Add the rows of a new batch (keys not seen before) to the sketch,
        in place: ``self.merge(coordinated_sketch(rows, ...))`` with this
        sketch's settings. Memory stays bounded by the sketch size.

        Returns
        -------
        CoordinatedSketch
            ``self``.
        """
        batch = coordinated_sketch(rows, self.sketch_size, self.method, keys=keys,
                                   seed=self.seed, level=self.level)
        merged = self.merge(batch)
        self.__dict__.update(merged.__dict__)
        return self

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


def _group_by_key(entry_keys):
    """(the distinct keys, CSR indptr) of entries already sorted by key."""
    kept_rows, counts = np.unique(entry_keys, return_counts=True)
    indptr = np.zeros(len(kept_rows) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return kept_rows, indptr


def _merged(a, b, keep, w, u, p, tau, e):
    """The sketch holding items ``keep`` of a's items followed by b's, in the
    order :func:`coordinated_sketch` stores them (rows by key; entries by key,
    then column)."""
    import scipy.sparse as sp

    rows = sp.vstack([a.rows(), b.rows()], format="csr")
    keys = np.concatenate([a.key_id, b.key_id])
    if a.level == "row":
        order = np.argsort(keys[keep], kind="stable")
        sel = keep[order]
        sub = rows[sel]
        sub.sort_indices()
        return CoordinatedSketch(a.method, a.level, a.seed, a.sketch_size,
                                 a.n_rows + b.n_rows, a.n_features, keys[sel],
                                 sub.indptr.astype(np.int64), sub.indices.astype(np.int64),
                                 sub.data, p[order], a.dense_rows and b.dense_rows,
                                 w[order], u[order], tau, e)
    entry_key = np.repeat(keys, np.diff(rows.indptr))[keep]
    cols = rows.indices[keep]
    order = np.lexsort((cols, entry_key))
    kept_rows, indptr = _group_by_key(entry_key[order])
    return CoordinatedSketch(a.method, a.level, a.seed, a.sketch_size, a.n_rows + b.n_rows,
                             a.n_features, kept_rows, indptr, cols[order].astype(np.int64),
                             rows.data[keep][order], p[order], a.dense_rows and b.dense_rows,
                             w[order], u[order], tau, e)


def coordinated_sketch(A, sketch_size, method="priority", keys=None, seed=0, level="row",
                       duplicates="error", mergeable=True):
    """Sketch a keyed table for estimating products with other tables.

    Parameters
    ----------
    A : array_like, scipy.sparse matrix, dask array or DataFrame, shape (n, d)
        The table; row i has key ``keys[i]``. A dask array is sketched by
        row blocks in one pass (below); a pandas or dask DataFrame may hold
        the keys in one of its columns.
    sketch_size : int
        k ≥ 1: rows kept (``level="row"``) or nonzero entries kept
        (``level="entry"``); exactly k for priority sampling, k in
        expectation for threshold sampling (fewer when fewer rows have a
        nonzero weight).
    method : {"priority", "threshold"}
    keys : array-like of int or str, shape (n,), optional
        Row identifiers shared with the other party (a join key). Default
        ``arange(n)``: the same row order on both sides. Integer and string
        keys never match each other. When A is a DataFrame, a column label
        names its key column; the other columns are the table.
    seed : int
        The shared seed: both parties must use the same one.
    level : {"row", "entry"}
        Sample whole rows with weight ‖a_i‖² (default), or individual
        nonzero entries with weight a_ij² (all entries of a row share the
        row's hash, so they stay coordinated with the other party).
    duplicates : {"error", "sum"}
        What to do with repeated keys: refuse (default), or sum their rows
        (the aggregate a join on that key would see).
    mergeable : bool, default True
        Keep each item's weight and hash and the sampling threshold, so that
        :meth:`CoordinatedSketch.merge` and :meth:`~CoordinatedSketch.update`
        work: 2 more numbers per kept item (counted in ``storage_size``).
        ``False`` keeps only what :func:`estimate_product` reads.

    Returns
    -------
    CoordinatedSketch

    Notes
    -----
    One pass over A: O(nnz) for the weights and hashes, O(n) selection
    (``argpartition``), plus O(n log n) for threshold sampling's
    water-filling (on the row weights only). Memory O(n + k·s).

    Data partitioned by rows (a dask array chunked by rows, or a dask
    DataFrame with a key column) is sketched by priority sampling in one
    pass without gathering it: each row block (partition) is sketched on
    its worker, and the block sketches are combined by a tree of exact
    :meth:`CoordinatedSketch.merge` calls. The result equals, bit for bit,
    the sketch of the whole table made in memory with the same seed,
    whatever the partitioning. Threshold sampling of a dask array reads the
    row weights to the client (its threshold depends on all of them) and
    then only the kept rows.

    References
    ----------
    .. [1] M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling
       methods for inner product sketching", VLDB 2024 (arXiv:2309.16157).
    .. [2] E. Cohen, H. Kaplan, "Summarizing data using bottom-k sketches",
       PODC 2007.

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
    mergeable = check_bool(mergeable, "mergeable")
    k = check_int(sketch_size, "sketch_size", minimum=1)
    seed = check_seed(seed)
    if frame_kind(A) is not None and _is_label(keys):
        A, keys = _key_column(A, keys)
        if frame_kind(A) == "dask":
            if level == "entry" or method != "priority" or duplicates != "error":
                raise TypeError("A: a dask DataFrame is sketched by priority sampling of "
                                "rows with unique keys (method='priority', level='row', "
                                "duplicates='error')")
            return _sketch_partitions(A, keys, k, seed, mergeable)
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
    if array_kind(A) == "dask" and method == "priority":
        return _sketch_row_blocks(A, k, keys, seed, mergeable)
    u = _uniform(_kernels.hash_keys(keys, seed))

    # weights from A / 2^e ≥ max|A|: sampling depends only on their ratios,
    # the squares of A itself overflow beyond 1e154, and a power of two
    # rescales exactly when sketches merge
    scale, e = _pow2_scale(_kernels.abs_max(A))

    def state(w, uu, tau):
        return dict(weight=w, u=uu, tau=tau, scale_exp=e) if mergeable else {}

    if level == "row":
        weights, fetch = _kernels.row_access(A, scale=scale)
        keep, p, tau = _select(method, weights, u, k)
        rows = np.flatnonzero(keep)
        rows = rows[np.argsort(key_id[rows], kind="stable")]
        sub = fetch(rows) if host else _as_csr(fetch(rows))[0]
        sub.sort_indices()
        return CoordinatedSketch(method, level, seed, k, A.shape[0], d, key_id[rows],
                                 sub.indptr.astype(np.int64), sub.indices.astype(np.int64),
                                 sub.data, p[rows], dense,
                                 **state(weights[rows], u[rows], tau))

    # entry level: items are the nonzeros, each with its row's hash
    row_of = np.repeat(np.arange(n), np.diff(A.indptr))
    w_entries = (A.data.astype(np.float64) / scale) ** 2
    keep, p, tau = _select(method, w_entries, u[row_of], k)
    items = np.flatnonzero(keep)
    r_items = row_of[items]
    order = np.lexsort((A.indices[items], key_id[r_items]))
    items, r_items = items[order], r_items[order]
    kept_rows, indptr = _group_by_key(key_id[r_items])
    return CoordinatedSketch(method, level, seed, k, A.shape[0], d, kept_rows, indptr,
                             A.indices[items].astype(np.int64), A.data[items], p[items], dense,
                             **state(w_entries[items], u[r_items], tau))


def _sketch_row_blocks(A, k, keys, seed, mergeable):
    """Priority sampling of a row-chunked dask array in one pass: one task per
    row block sketches that block alone (with its slice of the keys), and a
    tree of exact :meth:`CoordinatedSketch.merge` calls combines them, so
    the result is, bit for bit, the sketch of the whole table in memory."""
    import dask

    A = A.rechunk({1: -1})
    ends = np.cumsum(A.chunks[0])
    sketch = dask.delayed(_block_sketch, pure=True)
    parts = [sketch(blk, k, keys[hi - size:hi], seed)
             for blk, size, hi in zip(A.to_delayed()[:, 0], A.chunks[0], ends)]
    return _without_merge_state(_merge_tree(parts).compute(), mergeable)


def _merge_tree(parts):
    """The delayed exact merge of block sketches, pairwise up a binary tree."""
    import dask

    merge = dask.delayed(CoordinatedSketch.merge, pure=True)
    while len(parts) > 1:
        parts = [merge(*parts[i:i + 2]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    return parts[0]


def _without_merge_state(out, mergeable):
    """The merged sketch, its merge state dropped for ``mergeable=False``."""
    if not mergeable:
        out.weight = out.u = out.tau = out.scale_exp = None
    return out


def _is_label(keys):
    return isinstance(keys, (str, int, np.integer)) and not isinstance(keys, bool)


def _key_column(frame, label):
    """A DataFrame with a key column: (the other columns, the key column)."""
    if label not in frame.columns:
        raise ValueError(f"keys: {label!r} is not a column of A (columns: "
                         f"{list(frame.columns)!r})")
    kind = frame[label].dtype.kind
    if kind not in "iuOUS" and str(frame[label].dtype) not in ("string", "str"):
        raise TypeError(f"keys: the key column {label!r} must hold integers or strings, "
                        f"got dtype {frame[label].dtype}")
    return frame.drop(columns=[label]), frame[label]


def _sketch_partitions(frame, keys, k, seed, mergeable):
    """Priority sampling of a dask DataFrame in one pass: a sketch per
    partition, merged exactly as in :func:`_sketch_row_blocks`; the key
    identities come back in the same pass so that a key repeated across
    partitions is refused."""
    import dask

    sketch = dask.delayed(_frame_sketch, pure=True)
    parts = [sketch(x, key, k, seed)
             for x, key in zip(frame.to_delayed(), keys.to_delayed())]
    ids = [dask.delayed(_key_ids, pure=True)(key) for key in keys.to_delayed()]
    out, ids = dask.compute(_merge_tree(parts), ids)
    ids = np.sort(np.concatenate(ids))
    if np.any(ids[1:] == ids[:-1]):
        raise ValueError("keys must be unique: a key appears more than once in the key "
                         "column")
    return _without_merge_state(out, mergeable)


def _frame_sketch(x, key, k, seed):
    return _block_sketch(x.to_numpy(), k, key.to_numpy(), seed)


def _key_ids(key):
    return _kernels.hash_keys(check_keys(key.to_numpy(), len(key)), _KEY_SEED)


def _block_sketch(B, k, keys, seed):
    """The mergeable priority sketch of one row block (NumPy or scipy.sparse:
    validated, structure included, as any input)."""
    return coordinated_sketch(B, k, "priority", keys=keys, seed=seed, level="row")


def estimate_product(sketch_a, sketch_b, return_std=False):
    """Unbiased estimate of AᵀB over the rows whose keys match.

    Parameters
    ----------
    sketch_a, sketch_b : CoordinatedSketch
        Sketches of A (n_a × d) and B (n_b × p) made with the same
        ``seed``, ``method`` and ``level``.
    return_std : bool, default False
        Also return an estimate of each entry's standard deviation: the
        square root of the unbiased variance estimate
        Σ_{i ∈ S} x_i² (1 − π_i) / π_i² over the kept matching rows (or
        entry pairs) i with x_i = a_ij b_il and π_i = min(p_a, p_b).

    Returns
    -------
    estimate : ndarray, shape (d, p)
        Σ over kept matching rows (or entry pairs) of a_i b_iᵀ / min(p_a, p_b).
    std : ndarray, shape (d, p)
        Only with ``return_std=True``.

    Raises
    ------
    ValueError
        The sketches were made with different seeds, methods or levels
        (their samples are not coordinated and the estimate would be biased),
        or the estimate overflows float64.

    Notes
    -----
    For a fixed output entry each matching row contributes at most one term.
    With threshold sampling the rows are included independently (the hash
    of each key is independent), so the variance is Σ x_i² (1 − π_i)/π_i
    and the estimate above is its Horvitz–Thompson estimator. For priority
    sampling the same estimator is unbiased conditionally on the threshold
    τ (Duffield, Lund & Thorup 2007, Theorem 8), which carries over to two
    coordinated samples with π_i = min(w_a τ_a, w_b τ_b, 1) (Daliri et al.
    2024). ±2 std is a normal approximation: it covers 95 % over 500 seeds
    on Gaussian data (``tests/sampling/test_coordinated.py``) but 90–95 %
    on skewed real features, where ±3 std covers 96–99 %
    (``tests/real/test_promises.py``).

    References
    ----------
    .. [1] M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling
       methods for inner product sketching", VLDB 2024.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> A, B = g.standard_normal((2000, 3)), g.standard_normal((2000, 2))
    >>> sa = sketchla.coordinated_sketch(A, 2000, seed=1)
    >>> sb = sketchla.coordinated_sketch(B, 2000, seed=1)
    >>> bool(np.allclose(sketchla.estimate_product(sa, sb), A.T @ B))  # everything kept
    True
    """
    for name, s in (("sketch_a", sketch_a), ("sketch_b", sketch_b)):
        if not isinstance(s, CoordinatedSketch):
            raise TypeError(f"{name} must be a CoordinatedSketch, got {type(s).__name__}")
    for attr in ("seed", "method", "level"):
        va, vb = getattr(sketch_a, attr), getattr(sketch_b, attr)
        if va != vb:
            raise ValueError(
                f"sketch_a and sketch_b were made with different {attr}s ({va!r} and {vb!r}); "
                "coordinated sketches must share seed, method and level"
            )
    _, ia, ib = np.intersect1d(sketch_a.key_id, sketch_b.key_id, assume_unique=True,
                               return_indices=True)
    return_std = check_bool(return_std, "return_std")
    with np.errstate(over="ignore"):
        est, std = _product(sketch_a, sketch_b, ia, ib, return_std)
    if not np.isfinite(est).all():
        raise ValueError("sketch_a and sketch_b: the estimate of A^T B overflows float64; "
                         "rescale A or B")
    return (est, std) if return_std else est


def _product(sketch_a, sketch_b, ia, ib, return_std):
    """(estimate, std or None) over the matched items ia, ib. The variance is
    summed on rows divided by their largest entry, so that the squares do not
    overflow where the standard deviation itself is representable."""
    import scipy.sparse as sp

    d, p = sketch_a.n_features, sketch_b.n_features
    Ra, Rb = sketch_a.rows()[ia], sketch_b.rows()[ib]
    sa, sb = (_kernels.abs_max(R) or 1.0 for R in (Ra, Rb))

    def dense(M):
        return np.asarray(M.toarray(), dtype=np.float64)

    if sketch_a.level == "row":
        pi = np.minimum(sketch_a.prob[ia], sketch_b.prob[ib])
        est = dense(Ra.T @ (sp.diags(1.0 / pi) @ Rb))
        if not return_std:
            return est, None
        Ua, Ub = Ra / sa, Rb / sb
        var = dense(Ua.multiply(Ua).T @ (sp.diags((1.0 - pi) / pi**2) @ Ub.multiply(Ub)))
        return est, np.sqrt(np.maximum(var, 0.0)) * sa * sb
    # entry level: every pair of kept entries in a matching row
    pa_rows = _entry_rows_prob(sketch_a, ia)
    pb_rows = _entry_rows_prob(sketch_b, ib)
    la, lb = np.diff(Ra.indptr), np.diff(Rb.indptr)
    npair = la * lb
    total = int(npair.sum())
    if total == 0:
        return np.zeros((d, p)), np.zeros((d, p))
    row = np.repeat(np.arange(len(ia)), npair)
    start = np.concatenate([[0], np.cumsum(npair)[:-1]])
    t = np.arange(total) - start[row]
    ai = Ra.indptr[row] + t // lb[row]
    bi = Rb.indptr[row] + t % lb[row]
    x = Ra.data[ai] * Rb.data[bi]
    pi = np.minimum(pa_rows[ai], pb_rows[bi])
    where = (Ra.indices[ai], Rb.indices[bi])
    est = dense(sp.coo_matrix((x / pi, where), shape=(d, p)))
    if not return_std:
        return est, None
    u = (Ra.data[ai] / sa) * (Rb.data[bi] / sb)
    var = dense(sp.coo_matrix((u * u * (1.0 - pi) / pi**2, where), shape=(d, p)))
    return est, np.sqrt(np.maximum(var, 0.0)) * sa * sb


def column_sketch(values, sketch_size, keys=None, seed=0, method="priority"):
    """A coordinated sketch of one keyed numeric column, for join sizes and
    correlations (:func:`estimate_join_size`, :func:`estimate_correlation`).

    It is the sketch of the rows [1, v, v²], so that the product of two such
    sketches estimates, over the join, the count, the sums Σa, Σb, Σa², Σb²
    and the cross sum Σab.

    Parameters
    ----------
    values : array-like of float, shape (n,)
        The column; row i has key ``keys[i]``.
    sketch_size, keys, seed, method
        As for :func:`coordinated_sketch`.

    Returns
    -------
    CoordinatedSketch
        With ``n_features == 3``; mergeable.

    Notes
    -----
    The sketch of a column is the coordinated sample of its entries (the
    same keys and shared seed as :func:`coordinated_sketch`), so two columns
    sketched separately give unbiased inner products, join sizes and
    correlations. O(n) to build; memory O(sketch_size).

    References
    ----------
    .. [1] M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling
       methods for inner product sketching", VLDB 2024.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> a, b = g.standard_normal(20000), g.standard_normal(30000)
    >>> sa = sketchla.column_sketch(a, 2000, keys=np.arange(20000), seed=1)
    >>> sb = sketchla.column_sketch(b, 2000, keys=np.arange(10000, 40000), seed=1)
    >>> n = sketchla.estimate_join_size(sa, sb)          # 10000 matching keys
    >>> bool(abs(n - 10000) < 1500)
    True
    """
    v = check_array(values, "values", ndim=1)
    v = np.asarray(v, dtype=np.float64)
    if v.size and np.abs(v).max() > 1e150:
        raise ValueError("values: magnitudes above 1e150 overflow v²; rescale the column "
                         "(the correlation does not change)")
    return coordinated_sketch(np.column_stack([np.ones_like(v), v, v * v]), sketch_size,
                              method=method, keys=keys, seed=seed)


def _column_moments(sketch_a, sketch_b, return_std=False):
    for name, s in (("sketch_a", sketch_a), ("sketch_b", sketch_b)):
        if not isinstance(s, CoordinatedSketch) or s.n_features != 3 or s.level != "row":
            raise ValueError(f"{name} must come from column_sketch (rows [1, v, v²])")
    return estimate_product(sketch_a, sketch_b, return_std=return_std)


def estimate_join_size(sketch_a, sketch_b, return_std=False):
    """The number of keys two column sketches share (the size of their join).

    Parameters
    ----------
    sketch_a, sketch_b : CoordinatedSketch
        From :func:`column_sketch`, same ``seed`` and ``method``.
    return_std : bool, default False
        Also return the estimated standard deviation.

    Returns
    -------
    float, or (float, float)
        Unbiased (Horvitz–Thompson over the matched keys).

    Notes
    -----
    Both columns must be sketched with the same seed (the keys they share
    are then sampled together); the estimate is computed from the sketches
    alone, O(sketch_size).

    References
    ----------
    .. [1] M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling
       methods for inner product sketching", VLDB 2024.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> sa = sketchla.column_sketch(g.standard_normal(20000), 2000, keys=np.arange(20000), seed=1)
    >>> sb = sketchla.column_sketch(g.standard_normal(30000), 2000,
    ...                             keys=np.arange(10000, 40000), seed=1)
    >>> bool(abs(sketchla.estimate_join_size(sa, sb) / 10000 - 1) < 0.2)  # 10000 shared keys
    True
    """
    if return_std:
        est, std = _column_moments(sketch_a, sketch_b, True)
        return float(est[0, 0]), float(std[0, 0])
    return float(_column_moments(sketch_a, sketch_b)[0, 0])


def estimate_correlation(sketch_a, sketch_b):
    """Pearson correlation of two keyed columns over their join.

    The ratio of the unbiased estimates of n Σab − Σa Σb and of
    ((n Σa² − (Σa)²)(n Σb² − (Σb)²))^{1/2}, each sum over the matching keys
    (a ratio estimator: consistent, with bias O(1/k)), clipped to [−1, 1].

    Parameters
    ----------
    sketch_a, sketch_b : CoordinatedSketch
        From :func:`column_sketch`, same ``seed`` and ``method``.

    Returns
    -------
    float
        NaN, with a ``RuntimeWarning``, when the join looks empty or a column
        constant on it (as ``scipy.stats.pearsonr`` for constant input).

    Notes
    -----
    A ratio of unbiased estimates is not unbiased: its bias and its spread
    shrink like 1/k for k matched keys kept. Both columns must be sketched
    with the same seed. O(sketch_size), from the sketches alone.

    References
    ----------
    .. [1] M. Daliri, J. Freire, C. Musco, A. Santos, H. Zhang, "Sampling
       methods for inner product sketching", VLDB 2024.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> a = g.standard_normal(20000)
    >>> b = a + 0.5 * g.standard_normal(20000)     # correlation 0.89
    >>> sa = sketchla.column_sketch(a, 2000, keys=np.arange(20000), seed=1)
    >>> sb = sketchla.column_sketch(b, 2000, keys=np.arange(20000), seed=1)
    >>> bool(abs(sketchla.estimate_correlation(sa, sb) - 0.89) < 0.05)
    True
    """
    M = _column_moments(sketch_a, sketch_b)
    n, sa, sb, sab = M[0, 0], M[1, 0], M[0, 1], M[1, 1]
    saa, sbb = M[2, 0], M[0, 2]
    va, vb = n * saa - sa * sa, n * sbb - sb * sb
    if not (n > 0 and va > 0 and vb > 0):
        import warnings

        warnings.warn("the correlation is undefined: the join looks empty, or a column is "
                      "constant on it; returning NaN", RuntimeWarning, stacklevel=2)
        return float("nan")
    return float(np.clip((n * sab - sa * sb) / np.sqrt(va * vb), -1.0, 1.0))


def _entry_rows_prob(sk, idx):
    """The per-entry probabilities of rows ``idx`` of an entry-level sketch,
    in the order of ``sk.rows()[idx]``."""
    return sk.prob[_kernels.range_positions(sk.indptr, idx)]
