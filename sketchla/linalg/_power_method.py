"""The power method with re-orthonormalization (Halko, Martinsson and Tropp
2011, Algorithm 4.4): power iterations from an orthonormal block, the
automatic stop, and the SVD from the block they converge to."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import to_numpy
from ._block_krylov import _AUTO_MAX, _AUTO_TOL, _test_sketch


def _orth(Y, xp):
    """Q with orthonormal columns spanning range(Y) (unpivoted economic QR)."""
    return _kernels.orthonormalize(Y, xp=xp)


def _start(op, size, sketch, rng):
    return _orth(op.sketch(_test_sketch(sketch, size, op.shape[1], rng)), op.xp)


def _iterate(op, Q, n_iter, rank, verbose=False):
    """Power iterations from the basis Q. Returns (Q, Z = Aᵀ Q, error or None,
    n_iter done). With ``n_iter="auto"``, stops when the exact Frobenius
    error of the rank-``rank`` approximation improves by less than
    _AUTO_TOL relatively (a LinearOperator, whose ‖A‖_F is unknown, gets 4
    iterations)."""
    from .._progress import Progress

    xp = op.xp
    auto = n_iter == "auto"
    if auto and op.fro is None:
        auto, n_iter = False, 4
    limit = _AUTO_MAX if auto else n_iter
    prev, err, it = np.inf, None, 0
    with Progress(limit + 1, "range finder", verbose) as bar:
        while True:
            Z = op.rmatmat(Q)  # Zᵀ = QᵀA
            if op.fro is not None:
                # the singular values of the tall Z from its small Gram matrix
                # (error ~eps·‖Z‖², far below the error being estimated)
                Zh = to_numpy(Z).astype(np.float64, copy=False)
                mu = np.linalg.eigvalsh(_kernels.gram(Zh))[::-1]
                s = np.sqrt(np.maximum(mu, 0.0))
                err = _kernels.projection_error(op.fro, s[:rank])
                bar.update(it + 1, error=err / op.fro if op.fro else 0.0)
            else:
                bar.update(it + 1)
            if it >= limit or (auto and err >= prev * (1.0 - _AUTO_TOL)):
                return Q, Z, err, it
            prev = err
            Q = _orth(op.matmat(_orth(Z, xp)), xp)
            it += 1


def _power_svd(op, rank, size, n_iter, sketch, rng, verbose):
    """Rank-``rank`` SVD (U, s, Vt) from power iterations."""
    return svd_from_range(op, _start(op, size, sketch, rng), rank, n_iter, verbose)


def svd_from_gaussian(op, rank, size, n_iter, rng):
    """:func:`svd_from_range` from the span of op·Ω, Ω a host Gaussian block
    (d, size) drawn from the generator ``rng`` itself (its stream advances by
    exactly those draws), for callers whose later draws share the generator."""
    omega = op.host(rng.standard_normal((op.shape[1], size)))
    return svd_from_range(op, _orth(op.matmat(omega), op.xp), rank, n_iter)


def svd_from_range(op, Q, rank, n_iter, verbose=False):
    """Rank-``rank`` SVD (U, s, Vt) of the operand ``op`` (a
    :class:`sketchla._kernels.Operator`) by ``n_iter`` power iterations from
    the orthonormal block Q (n, l), l ≥ rank: the range finder of
    :func:`randomized_svd` for a caller that draws its own test matrix."""
    Q, Z, _, _ = _iterate(op, Q, n_iter, rank, verbose)
    # Z = Aᵀ Q = Bᵀ: B = U_B Σ Vᵀ from the SVD of the small d × l Z
    W, s, Ut = np.linalg.svd(to_numpy(Z).astype(np.float64, copy=False), full_matrices=False)
    s, Vt = s[:rank], W[:, :rank].T
    U = Q @ op.host(np.ascontiguousarray(Ut[:rank].T))
    return U, s, Vt
