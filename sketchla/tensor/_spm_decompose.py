"""The eigendecomposition (even order) or SVD (odd order) of SPM's reduced
flattening: in full, or only its leading part when the rank is given and
small against the flattening.

The full factorization costs O(N³) for an N-square flattening. With the
rank R given and q = 2R + 20 ≤ N/8, the leading q eigenpairs (singular
triplets) come from ARPACK's implicitly restarted Lanczos method
(``scipy.sparse.linalg.eigsh`` / ``svds`` to machine precision), which
costs O(N² q) per restart: the subspace SPM needs, the gap σ_R/σ_{R+1}
and the top of the noise bulk are all within the leading q values. Its
iterations run in Python, so Ctrl-C answers between them; a full
factorization of N ≥ 1024 runs on an interruptible helper thread.

References
----------
.. [1] R. B. Lehoucq, D. C. Sorensen, C. Yang, *ARPACK Users' Guide*,
   SIAM (1998).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .._backend import array_kind, to_numpy
from .._kernels.interrupt import interruptible

#: flattenings at least this large are factored off the main thread, and
#: are candidates for the leading-part route
LARGE = 1024


def topk_size(shape, rank):
    """q, the leading eigenpairs to compute for a given ``rank`` (None: the
    full factorization: no rank given, a small flattening, or q > N/8)."""
    N = min(shape)
    if rank is None or N < LARGE:
        return None
    q = 2 * int(rank) + 20
    return q if 8 * q <= N else None


def decompose(M, even, q=None):
    """(D, W, Wr, spectrum) sorted by |D| (descending): the eigenvalues and
    eigenvectors (even order; Wr = W) or singular triplets (odd) of the
    flattening, on the host, in full or the leading ``q``. A CuPy
    flattening is factored on its device (cuSOLVER), in full."""
    if array_kind(M) == "cupy":
        import cupy

        if even:
            D, W = (to_numpy(a) for a in cupy.linalg.eigh(M))
            return _sorted(D, W, W)
        W, D, Wrt = (to_numpy(a) for a in cupy.linalg.svd(M, full_matrices=False))
        return D, W, Wrt.T, np.abs(D)
    if q is not None:
        return _leading(M, even, q)
    run = interruptible if min(M.shape) >= LARGE else _call
    if even:
        D, W = run(sla.eigh, M)
        return _sorted(D, W, W)
    W, D, Wrt = run(sla.svd, M, full_matrices=False)
    return D, W, Wrt.T, np.abs(D)


def _leading(M, even, q):
    from scipy.sparse.linalg import eigsh, svds

    v0 = np.random.default_rng(0).standard_normal(min(M.shape))  # ARPACK's start, fixed
    if even:
        D, W = eigsh(M, k=q, which="LM", v0=v0, tol=0)
        return _sorted(D, W, W)
    W, D, Wrt = svds(M, k=q, v0=v0, tol=0)
    D, W, Wr = D[::-1], W[:, ::-1], Wrt[::-1].T
    order = np.argsort(-D, kind="stable")
    return D[order], np.ascontiguousarray(W[:, order]), np.ascontiguousarray(Wr[:, order]), \
        D[order]


def _sorted(D, W, Wr):
    order = np.argsort(-np.abs(D), kind="stable")
    W = np.ascontiguousarray(W[:, order])
    return D[order], W, W if Wr is W else np.ascontiguousarray(Wr[:, order]), np.abs(D[order])


def _call(fn, *args, **kwargs):
    return fn(*args, **kwargs)
