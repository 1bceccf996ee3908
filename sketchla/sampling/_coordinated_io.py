"""The ``.npz`` file format of :class:`~sketchla.sampling.coordinated.CoordinatedSketch`.

One compressed NumPy archive, read with ``allow_pickle=False``: ``meta``
(uint64: format version, seed, sketch size, rows, features, dense flag),
``method`` and ``level`` (strings) and the arrays ``key_id`` (uint64),
``indptr``, ``indices``, ``data`` and ``prob``; version 2 adds, for a
mergeable sketch, ``weight`` and ``u`` (float64 per item), ``tau`` (float64)
and ``scale_exp`` (int64). Everything read is validated before a sketch is
built from it: a malformed archive or inconsistent contents raise
``ValueError``, never a crash or a later inf/NaN. The archive is read
without trusting it (regular files only, sizes checked against the headers
and a bound before anything is decompressed or allocated, each member's
CRC-32 verified, so a flipped bit is refused). Version-1 files load as
sketches without merge state.
"""

from __future__ import annotations

import numpy as np

from .._validation import _is_canonical, check_compressed
from .._validation._npz import read_npz

FORMAT_VERSION = 2
_ARRAYS = ("key_id", "indptr", "indices", "data", "prob")
_MERGE = ("weight", "u", "tau", "scale_exp")
# sizes beyond this are not a sketch this library wrote
_MAX_DIM = 2**48
#: the default bound on the arrays a file may hold (CoordinatedSketch.load)
MAX_BYTES = 1 << 30


def save(sketch, file):
    """Write ``sketch`` to a compressed ``.npz`` file (path or file object)."""
    meta = np.array([FORMAT_VERSION, sketch.seed, sketch.sketch_size, sketch.n_rows,
                     sketch.n_features, int(sketch.dense_rows)], dtype=np.uint64)
    merge = {}
    if sketch.mergeable:
        merge = dict(weight=sketch.weight, u=sketch.u, tau=np.array(sketch.tau),
                     scale_exp=np.array(sketch.scale_exp, dtype=np.int64))
    np.savez_compressed(
        file, meta=meta, method=np.array(sketch.method), level=np.array(sketch.level),
        key_id=sketch.key_id, indptr=sketch.indptr, indices=sketch.indices,
        data=sketch.data, prob=sketch.prob, **merge,
    )


def _read(file, max_bytes):
    """(meta, method, level, arrays) from the archive, read by
    :func:`~sketchla._validation._npz.read_npz` (bounded, CRC-checked,
    regular files only); any failure to read is a ValueError."""
    try:
        z = read_npz(file, max_bytes=max_bytes)
    except ValueError as exc:
        raise ValueError(f"not a readable CoordinatedSketch file: {exc}") from None
    missing = [k for k in ("meta", "method", "level", *_ARRAYS) if k not in z]
    if missing:
        raise ValueError(f"not a CoordinatedSketch file: missing {missing[0]!r}")
    arrays = {k: z[k] for k in _ARRAYS}
    arrays.update({k: z[k] for k in _MERGE if k in z})
    return z["meta"], z["method"], z["level"], arrays


def load(cls, file, methods, levels, max_bytes=MAX_BYTES):
    """Read and validate a sketch written by :func:`save`."""
    meta, method, level, a = _read(file, max_bytes)
    if meta.shape != (6,) or meta.dtype != np.uint64:
        raise ValueError("corrupt CoordinatedSketch file: bad meta record")
    version, seed, size, n_rows, n_features, dense = (int(v) for v in meta)
    if version not in (1, FORMAT_VERSION):
        raise ValueError(f"unsupported CoordinatedSketch file format version {version}")
    if method.dtype.kind != "U" or level.dtype.kind != "U" or method.ndim or level.ndim:
        raise ValueError("corrupt CoordinatedSketch file: bad method or level")
    method, level = str(method), str(level)
    if method not in methods or level not in levels:
        raise ValueError("corrupt CoordinatedSketch file: bad method or level")
    if not (n_rows < _MAX_DIM and n_features < _MAX_DIM and 0 < size < _MAX_DIM
            and dense in (0, 1)):
        raise ValueError("corrupt CoordinatedSketch file: sizes out of range")
    key_id, indptr, indices, data, prob = (a[k] for k in _ARRAYS)
    if key_id.ndim != 1 or key_id.dtype != np.uint64:
        raise ValueError("corrupt CoordinatedSketch file: key_id must be 1-D uint64")
    if key_id.size > 1 and np.any(key_id[1:] <= key_id[:-1]):
        raise ValueError("corrupt CoordinatedSketch file: key_id not strictly increasing")
    if data.ndim != 1 or data.dtype.kind != "f" or prob.ndim != 1 or prob.dtype.kind != "f":
        raise ValueError("corrupt CoordinatedSketch file: data and prob must be 1-D floats")
    r = key_id.shape[0]
    try:
        nnz = check_compressed(indptr, indices, r, max(n_features, 1), "the file")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"corrupt CoordinatedSketch file: {exc}") from None
    if nnz != data.shape[0] or indices.shape[0] != nnz:
        raise ValueError("corrupt CoordinatedSketch file: inconsistent arrays")
    if not _is_canonical(np.asarray(indptr), np.asarray(indices), nnz):
        # save writes each row's indices sorted and unique
        raise ValueError("corrupt CoordinatedSketch file: a row's indices are not strictly "
                         "increasing")
    if prob.shape[0] != (r if level == "row" else nnz):
        raise ValueError("corrupt CoordinatedSketch file: inconsistent arrays")
    if not np.isfinite(data).all():
        raise ValueError("corrupt CoordinatedSketch file: data must be finite")
    if not (np.all(prob > 0) and np.all(prob <= 1)):
        raise ValueError("corrupt CoordinatedSketch file: probabilities must lie in (0, 1]")
    return cls(method=method, level=level, seed=seed, sketch_size=size, n_rows=n_rows,
               n_features=n_features, key_id=key_id,
               indptr=indptr.astype(np.int64), indices=indices.astype(np.int64),
               data=data.astype(np.float64, copy=False), prob=prob.astype(np.float64, copy=False),
               dense_rows=bool(dense), **_merge_state(a, prob))


def _merge_state(a, prob):
    """The validated merge state of a version-2 archive ({} when absent)."""
    n_items = prob.shape[0]
    present = [k for k in _MERGE if k in a]
    if not present:
        return {}
    if len(present) != len(_MERGE):
        raise ValueError("corrupt CoordinatedSketch file: incomplete merge state")
    w, u, tau, e = (a[k] for k in _MERGE)
    for name, x in (("weight", w), ("u", u)):
        if x.ndim != 1 or x.dtype != np.float64 or x.shape[0] != n_items:
            raise ValueError(f"corrupt CoordinatedSketch file: {name} must be 1-D float64, "
                             "one per item")
    if not (np.isfinite(w).all() and np.all(w > 0)):
        raise ValueError("corrupt CoordinatedSketch file: weights must be finite and positive")
    if not (np.isfinite(u).all() and np.all(u >= 0) and np.all(u < 1)):
        raise ValueError("corrupt CoordinatedSketch file: hashes must lie in [0, 1)")
    if tau.shape != () or tau.dtype.kind != "f" or not (float(tau) > 0):
        raise ValueError("corrupt CoordinatedSketch file: tau must be a positive float")
    if np.isinf(tau) and not np.all(prob == 1.0):
        # tau = inf means that every item was kept, each with probability 1
        raise ValueError("corrupt CoordinatedSketch file: tau = inf with items kept with "
                         "probability < 1")
    if e.shape != () or e.dtype.kind not in "iu" or not (-1100 <= int(e) <= 1100):
        raise ValueError("corrupt CoordinatedSketch file: scale_exp out of range")
    return dict(weight=w, u=u, tau=float(tau), scale_exp=int(e))
