"""Coordinated sketches of partitioned data in one pass: a dask array by row
blocks, a dask DataFrame by partitions, each block sketched on its worker
and the block sketches merged exactly up a tree."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._validation import check_keys
from ._coordinated_select import KEY_SEED
from ._coordinated_sketch import CoordinatedSketch, sketch_in_memory


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
    return _kernels.hash_keys(check_keys(key.to_numpy(), len(key)), KEY_SEED)


def _block_sketch(B, k, keys, seed):
    """The mergeable priority sketch of one row block (NumPy or scipy.sparse:
    validated, structure included, as any input)."""
    return sketch_in_memory(B, k, keys=keys, seed=seed)
