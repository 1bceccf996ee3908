"""scipy.sparse structure checks: index pointers and indices verified before
anything converts or reads them."""

from __future__ import annotations

import numpy as np

from .._backend import is_sparse_array
from ._params import _float_dtype


def _index_array(x, name, what):
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"{name}: sparse {what} must be 1-D, got shape {x.shape}")
    if x.dtype.kind not in "iu":
        raise TypeError(f"{name}: sparse {what} must be integers, got dtype {x.dtype}")
    return x


def _check_range(x, upper, name, what):
    if x.size and (int(x.min()) < 0 or int(x.max()) >= upper):
        raise ValueError(
            f"{name} has a corrupt sparse structure: {what} out of range [0, {upper})"
        )


def check_compressed(indptr, indices, n_major, n_minor, name):
    """O(n_major + nnz) checks of a CSR/CSC/BSR index structure; returns nnz."""
    indptr = _index_array(indptr, name, "indptr")
    indices = _index_array(indices, name, "indices")
    if indptr.shape[0] != n_major + 1:
        raise ValueError(f"{name} has a corrupt sparse structure: indptr has "
                         f"{indptr.shape[0]} entries, expected {n_major + 1}")
    if int(indptr[0]) != 0:
        raise ValueError(f"{name} has a corrupt sparse structure: indptr[0] != 0")
    if n_major and np.any(indptr[1:] < indptr[:-1]):
        raise ValueError(f"{name} has a corrupt sparse structure: indptr decreases")
    nnz = int(indptr[-1])
    if nnz > indices.shape[0]:
        raise ValueError(f"{name} has a corrupt sparse structure: indptr[-1] = {nnz} "
                         f"but only {indices.shape[0]} indices")
    _check_range(indices[:nnz], n_minor, name, "an index")
    return nnz


def _is_canonical(indptr, indices, nnz):
    """Indices strictly increasing within every row (sorted, no duplicates)."""
    if nnz < 2:
        return True
    idx = indices[:nnz]
    inc = idx[1:] > idx[:-1]
    starts = np.zeros(nnz, dtype=bool)
    inner = indptr[1:-1]
    starts[inner[inner < nnz]] = True
    return bool(np.all(inc | starts[1:]))


def check_sparse(A, name="A", formats=("csr",)):
    """Verify a scipy.sparse operand and return a safe, canonical copy-or-view.

    The index structure is checked in O(nnz) *before* SciPy converts the
    matrix (a corrupt ``indptr`` or an out-of-range index would otherwise
    crash SciPy's C++ conversions or a kernel): for CSR/CSC/BSR, ``indptr``
    has the right length, starts at 0, never decreases and ends within
    ``indices``, and every index is in range; for COO, the coordinates are
    in range and as long as the data. Other formats (LIL, DOK, DIA) go
    through COO first. The stored values must be finite.

    Returns a matrix in ``formats[0]`` (or the input's format if it is one
    of ``formats``) with sorted indices and no duplicates. The caller's
    arrays are never written: canonicalizing happens on a copy, and an
    already canonical input is shared through read-only views.
    """
    import scipy.sparse as sp

    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got {A.ndim}-D sparse input")
    n, d = A.shape
    is_array = is_sparse_array(A)
    fmt = A.format
    if fmt not in ("csr", "csc", "coo", "bsr"):
        A = A.tocoo()
        fmt = "coo"
    dt = _float_dtype(A.dtype, name)
    if fmt in ("csr", "csc"):
        n_major, n_minor = (n, d) if fmt == "csr" else (d, n)
        nnz = check_compressed(A.indptr, A.indices, n_major, n_minor, name)
        data = np.asarray(A.data)
        if data.ndim != 1 or data.shape[0] < nnz:
            raise ValueError(f"{name} has a corrupt sparse structure: data has "
                             f"{data.shape[0]} values, indptr says {nnz}")
        indptr, indices, data = np.asarray(A.indptr), np.asarray(A.indices)[:nnz], data[:nnz]
    elif fmt == "bsr":
        R, C = A.blocksize
        nnz = check_compressed(A.indptr, A.indices, n // R, d // C, name)
        if A.data.shape[0] < nnz:
            raise ValueError(f"{name} has a corrupt sparse structure: data has "
                             f"{A.data.shape[0]} blocks, indptr says {nnz}")
    else:
        row = _index_array(A.row if hasattr(A, "row") else A.coords[0], name, "row indices")
        col = _index_array(A.col if hasattr(A, "col") else A.coords[1], name, "column indices")
        if not (row.shape[0] == col.shape[0] == np.asarray(A.data).shape[0]):
            raise ValueError(f"{name} has a corrupt sparse structure: row, col and data "
                             "have different lengths")
        _check_range(row, n, name, "a row index")
        _check_range(col, d, name, "a column index")
    if not np.isfinite(np.asarray(A.data)).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    container = (sp.csr_array if fmt != "csc" else sp.csc_array) if is_array else \
        (sp.csr_matrix if fmt != "csc" else sp.csc_matrix)
    if fmt in ("csr", "csc") and fmt in formats:
        if _is_canonical(indptr, indices, nnz):
            views = []
            for arr in (data, indices, indptr):
                v = arr.view()
                v.flags.writeable = False
                views.append(v)
            out = container((views[0], views[1], views[2]), shape=(n, d), copy=False)
            out.has_canonical_format = True
        else:
            out = container((data.copy(), indices.copy(), indptr.copy()), shape=(n, d))
            out.sum_duplicates()
    else:
        # the structure is verified: SciPy's conversion is now safe, and it
        # writes only to the new matrix
        target = formats[0]
        out = A.tocsc() if target == "csc" else A.tocsr()
        if out.data is A.data or getattr(out, "indices", None) is getattr(A, "indices", 0):
            out = out.copy()
        out.sum_duplicates()
    if out.dtype != dt:
        out = out.astype(dt)
    return out
