"""One sweep of alternating minimization and the factor algebra it uses:
orthonormalizing and balancing the factors of a product."""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .._backend import array_kind, from_numpy, get_namespace, materialize, to_numpy
from .._validation import draw_seed
from ._entries import _BiasedProblem


def _orthonormalize(F, other):
    """F = Q R; return (Q, other @ Rᵀ): the product F otherᵀ is unchanged."""
    if array_kind(F) == "numpy":
        Q, R = np.linalg.qr(F)
        return np.ascontiguousarray(Q), np.ascontiguousarray(other @ R.T)
    xp = get_namespace(F)
    Q, R = xp.linalg.qr(F)
    return Q, materialize(other @ xp.matrix_transpose(R))


def _sweep(prob, U, V, it, g, bar, callback, reg=0.0):
    """One sweep (a V-update, then a U-update): (U, V, relative observed
    residual, relative objective). Without a ridge V is orthonormalized
    (the product is unchanged); with one (``reg`` in the scaled units) every
    half-step minimizes the same objective ‖P_Ω(X − UVᵀ)‖² + reg·(‖U‖² + ‖V‖²)
    and the sweep ends by balancing the factors; the relative objective is
    its square root over ‖P_Ω(X)‖."""
    V = prob.solve_cols(U, V, it, draw_seed(g))
    if reg == 0:
        V, U = _orthonormalize(V, U)
    U, rss, x_norm = prob.solve_rows(V, U, it, draw_seed(g))
    r = float(np.sqrt(rss) / x_norm) if x_norm > 0 else 0.0
    f = r
    if reg > 0 and x_norm > 0:
        # the balanced factors of the same product have the least weighted
        # penalty (Σ n_i‖u_i‖² + Σ n_j‖v_j‖² = 2·Σσ_i of D_r U Vᵀ D_c, with
        # D = diag(√n)): the objective only drops, and the slow drift of the
        # scale between the factors is gone
        xp = get_namespace(U)
        wr = from_numpy(np.sqrt(np.maximum(prob.row_lengths, 1.0)), U)[:, None]
        wc = from_numpy(np.sqrt(np.maximum(prob.col_lengths, 1.0)), V)[:, None]
        Uw, Vw = _balance(U * wr, V * wc)
        U, V = Uw / wr, Vw / wc
        pen = float(xp.sum(Uw * Uw)) + float(xp.sum(Vw * Vw))
        if isinstance(prob, _BiasedProblem):
            pen += prob.bias_penalty()
        f = float(np.sqrt(rss + reg * pen) / x_norm)
    bar.update(it, residual=r)
    if callback is not None:
        callback(it, U, V)
    return U, V, r, f


def _balance(U, V):
    """Factors of the same product with U = Q_U W Σ^½, V = Q_V Z Σ^½ (the k × k
    SVD on the host)."""
    xp = get_namespace(U)
    Qu, Ru = xp.linalg.qr(U)
    Qv, Rv = xp.linalg.qr(V)
    W, s, Zt = sla.svd(to_numpy(Ru @ xp.matrix_transpose(Rv)))
    r = np.sqrt(s)
    return Qu @ from_numpy(W * r, U), Qv @ from_numpy(Zt.T * r, V)
