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

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._backend import array_kind, frame_kind
from .._validation import check_array, check_bool, check_int, check_option, check_seed
from ._coordinated_dask import _is_label, _key_column, _sketch_partitions, _sketch_row_blocks
from ._coordinated_estimates import estimate_correlation, estimate_join_size, estimate_product
from ._coordinated_select import LEVELS, METHODS
from ._coordinated_sketch import CoordinatedSketch, prepare, sketch_prepared

__all__ = ["CoordinatedSketch", "coordinated_sketch", "estimate_product", "column_sketch",
           "estimate_join_size", "estimate_correlation"]


@fork_safe
@reports_progress("coordinated_sketch", _costs.coordinated_sketch)
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
    check_option(method, "method", METHODS)
    check_option(level, "level", LEVELS)
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
    A, dense, host, keys, key_id = prepare(A, keys, level, duplicates)
    if array_kind(A) == "dask" and method == "priority":
        return _sketch_row_blocks(A, k, keys, seed, mergeable)
    return sketch_prepared(A, k, method=method, level=level, keys=keys, key_id=key_id,
                           seed=seed, dense=dense, host=host, mergeable=mergeable)


@fork_safe
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
