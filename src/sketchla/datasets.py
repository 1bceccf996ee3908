"""Synthetic problems for the tour, the tests and the benchmarks.

Every generator takes ``rng`` and returns NumPy / scipy.sparse data; none
reads from disk or the network.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_int, check_rng

__all__ = [
    "make_gaussian",
    "make_ill_conditioned",
    "make_coherent",
    "make_sparse",
]


def make_gaussian(n, d, rng=None, dtype=np.float64, order="C"):
    """An (n, d) matrix with i.i.d. standard normal entries."""
    n = check_int(n, "n", minimum=1)
    d = check_int(d, "d", minimum=1)
    A = check_rng(rng).standard_normal((n, d))
    return np.asarray(A, dtype=dtype, order=order)


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
