"""The coordinated sketch of one keyed table: the result class (merge,
streaming update, files) and the in-memory sketching that builds it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.forks import fork_safe_methods
from .._kernels.work import advance, nnz
from .. import _kernels
from .._backend import array_kind
from .._validation import check_array, check_int, check_keys
from . import _coordinated_io
from ._coordinated_select import (
    KEY_SEED,
    LEVELS,
    METHODS,
    _as_csr,
    _group_by_key,
    _pow2_scale,
    _select,
    _uniform,
)

__all__ = ["CoordinatedSketch", "sketch_in_memory"]


@fork_safe_methods
@dataclass(kw_only=True, eq=False, repr=False)
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

    method: str
    level: str
    seed: int
    sketch_size: int
    n_rows: int
    n_features: int
    key_id: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    prob: np.ndarray
    dense_rows: bool
    weight: np.ndarray | None = None
    u: np.ndarray | None = None
    tau: float | None = None
    scale_exp: int | None = None

    def __post_init__(self):
        self.seed, self.sketch_size = int(self.seed), int(self.sketch_size)
        self.n_rows, self.n_features = int(self.n_rows), int(self.n_features)
        self.dense_rows = bool(self.dense_rows)
        self.tau = None if self.tau is None else float(self.tau)
        self.scale_exp = None if self.scale_exp is None else int(self.scale_exp)

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

        Parameters
        ----------
        other : CoordinatedSketch
            The sketch of a table whose keys are disjoint from this one's, made
            with the same settings.

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

        Parameters
        ----------
        rows : array_like or scipy.sparse matrix, shape (n_new, n_features)
            The new batch of rows.
        keys : array-like of int or str, shape (n_new,)
            Their keys, none of them already in the sketch.

        Returns
        -------
        CoordinatedSketch
            ``self``.
        """
        batch = sketch_in_memory(rows, self.sketch_size, method=self.method, level=self.level,
                                 keys=keys, seed=self.seed)
        merged = self.merge(batch)
        self.__dict__.update(merged.__dict__)
        return self

    # -------------------------------------------------------------- files
    def save(self, file):
        """Write the sketch to a compressed ``.npz`` file (or file object).

        The format is described in :mod:`sketchla.sampling._coordinated_io`;
        nothing is pickled.

        Parameters
        ----------
        file : str, path-like or file object
            Where to write (``numpy.savez_compressed``'s argument).

        Returns
        -------
        None
        """
        _coordinated_io.save(self, file)

    @classmethod
    def load(cls, file, *, max_bytes=_coordinated_io.MAX_BYTES):
        """Read a sketch written by :meth:`save`; every field is validated
        (a malformed or inconsistent file raises ``ValueError``).

        The file is not trusted: only a regular file is opened (a FIFO or a
        device is refused without blocking), the archive's declared sizes
        and each array's header are checked against ``max_bytes`` before
        anything is decompressed or allocated (an archive bomb is refused
        with no more memory than its headers), arrays are read in bounded
        chunks, and each member's CRC-32 is verified, so a flipped bit is
        refused rather than loaded.

        Parameters
        ----------
        file : str, path-like or file object
            A file written by :meth:`save` (a file object must be seekable).
        max_bytes : int, default 2**30
            The most bytes of arrays the file may hold.

        Returns
        -------
        CoordinatedSketch
            The sketch, validated field by field.
        """
        max_bytes = check_int(max_bytes, "max_bytes", minimum=1)
        return _coordinated_io.load(cls, file, METHODS, LEVELS, max_bytes)


def _merged(a, b, keep, w, u, p, tau, e):
    """The sketch holding items ``keep`` of a's items followed by b's, in the
    order :func:`coordinated_sketch` stores them (rows by key; entries by key,
    then column)."""
    import scipy.sparse as sp

    rows = sp.vstack([a.rows(), b.rows()], format="csr")
    keys = np.concatenate([a.key_id, b.key_id])
    common = dict(method=a.method, level=a.level, seed=a.seed, sketch_size=a.sketch_size,
                  n_rows=a.n_rows + b.n_rows, n_features=a.n_features,
                  dense_rows=a.dense_rows and b.dense_rows)
    if a.level == "row":
        order = np.argsort(keys[keep], kind="stable")
        sel = keep[order]
        sub = rows[sel]
        sub.sort_indices()
        return CoordinatedSketch(
            **common, key_id=keys[sel], indptr=sub.indptr.astype(np.int64),
            indices=sub.indices.astype(np.int64), data=sub.data, prob=p[order],
            weight=w[order], u=u[order], tau=tau, scale_exp=e)
    entry_key = np.repeat(keys, np.diff(rows.indptr))[keep]
    cols = rows.indices[keep]
    order = np.lexsort((cols, entry_key))
    kept_rows, indptr = _group_by_key(entry_key[order])
    return CoordinatedSketch(
        **common, key_id=kept_rows, indptr=indptr, indices=cols[order].astype(np.int64),
        data=rows.data[keep][order], prob=p[order], weight=w[order], u=u[order], tau=tau,
        scale_exp=e)


def unique_keys(A, keys, duplicates, host):
    """(A, keys, key ids) with every key once: a repeated key is refused
    (``duplicates="error"``) or its rows summed (``"sum"``, host input only)."""
    key_id = _kernels.hash_keys(keys, KEY_SEED)
    order = np.argsort(key_id, kind="stable")
    sid = key_id[order]
    dup = np.flatnonzero(sid[1:] == sid[:-1])
    if not dup.size:
        return A, keys, key_id
    if duplicates == "error":
        raise ValueError(
            f"keys must be unique: key {keys[order[dup[0]]].tolist()!r} appears more than "
            "once (pass duplicates='sum' to aggregate repeated keys)")
    if not host:
        raise TypeError("A: coordinated_sketch(duplicates='sum') supports numpy and "
                        f"scipy.sparse input; got {array_kind(A)}")
    import scipy.sparse as sp

    n = A.shape[0]
    uniq, inv = np.unique(key_id, return_inverse=True)
    P = sp.csr_matrix((np.ones(n), (inv, np.arange(n))), shape=(len(uniq), n))
    A = (P @ A).tocsr()
    A.sum_duplicates()
    first = np.zeros(A.shape[0], dtype=np.int64)
    first[inv[::-1]] = np.arange(len(keys))[::-1]
    return A, keys[first], uniq


def prepare(A, keys, level, duplicates):
    """The validated table (CSR on the host), whether it arrived dense,
    whether it is on the host, its unique keys and their ids."""
    A = check_array(A, "A", accept_sparse=True, allow_empty=True)
    host = array_kind(A) in ("numpy", "sparse")
    if not host and level == "entry":
        raise TypeError("A: coordinated_sketch(level='entry') supports numpy and "
                        f"scipy.sparse input (it reads every nonzero); got {array_kind(A)}")
    A, dense = _as_csr(A) if host else (A, True)
    keys = check_keys(keys, A.shape[0])
    A, keys, key_id = unique_keys(A, keys, duplicates, host)
    return A, dense, host, keys, key_id


def sketch_in_memory(A, k, *, method="priority", level="row", keys=None, seed=0,
                     duplicates="error", mergeable=True):
    """:func:`sketchla.coordinated_sketch` of a table that is not partitioned
    (NumPy, scipy.sparse, or a dask array sampled by threshold); the options
    are already checked, A is validated here."""
    A, dense, host, keys, key_id = prepare(A, keys, level, duplicates)
    return sketch_prepared(A, k, method=method, level=level, keys=keys, key_id=key_id,
                           seed=seed, dense=dense, host=host, mergeable=mergeable)


def sketch_prepared(A, k, *, method, level, keys, key_id, seed, dense, host, mergeable):
    """The sketch of a table that :func:`prepare` returned."""
    u = _uniform(_kernels.hash_keys(keys, seed))
    # weights from A / 2^e ≥ max|A|: sampling depends only on their ratios,
    # the squares of A itself overflow beyond 1e154, and a power of two
    # rescales exactly when sketches merge
    scale, e = _pow2_scale(_kernels.abs_max(A))
    advance(2.0 * nnz(A))  # the weights: one pass over A
    common = dict(method=method, level=level, seed=seed, sketch_size=k, n_rows=A.shape[0],
                  n_features=A.shape[1], dense_rows=dense)

    def state(w, uu, tau):
        return dict(weight=w, u=uu, tau=tau, scale_exp=e) if mergeable else {}

    if level == "row":
        weights, fetch = _kernels.row_access(A, scale=scale)
        keep, p, tau = _select(method, weights, u, k)
        rows = np.flatnonzero(keep)
        rows = rows[np.argsort(key_id[rows], kind="stable")]
        sub = fetch(rows) if host else _as_csr(fetch(rows))[0]
        sub.sort_indices()
        return CoordinatedSketch(**common, key_id=key_id[rows],
                                 indptr=sub.indptr.astype(np.int64),
                                 indices=sub.indices.astype(np.int64), data=sub.data,
                                 prob=p[rows], **state(weights[rows], u[rows], tau))
    # entry level: items are the nonzeros, each with its row's hash
    row_of = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    w_entries = (A.data.astype(np.float64) / scale) ** 2
    keep, p, tau = _select(method, w_entries, u[row_of], k)
    items = np.flatnonzero(keep)
    r_items = row_of[items]
    order = np.lexsort((A.indices[items], key_id[r_items]))
    items, r_items = items[order], r_items[order]
    kept_rows, indptr = _group_by_key(key_id[r_items])
    return CoordinatedSketch(**common, key_id=kept_rows, indptr=indptr,
                             indices=A.indices[items].astype(np.int64), data=A.data[items],
                             prob=p[items], **state(w_entries[items], u[r_items], tau))
