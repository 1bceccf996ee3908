"""Dense observations with NaN in any array-API namespace (dask, CuPy,
array-api-strict): the row problems of :func:`altmin_complete` as batched
solves."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import from_numpy, get_namespace, materialize, to_numpy
from ..linalg._power_method import svd_from_gaussian


class _MaskedProblem:
    """Dense X with NaN for the missing entries, in any array-API namespace
    (dask, CuPy, array-api-strict): every row's normal equations are formed
    as one product of the mask with the rows' outer products and solved in
    one batched solve. Cost O(n·m·k²) a sweep (the mask is dense); rows are
    solved exactly whatever ``solver`` says (the sketch preconditioner is a
    kernel of the CSR path)."""

    reg = 0.0

    def __init__(self, X):
        xp = self.xp = get_namespace(X)
        X = xp.astype(X, xp.float64)
        if bool(xp.any(xp.isinf(X))):
            raise ValueError("X must not contain inf (NaN marks a missing entry)")
        obs = ~xp.isnan(X)
        self.M = xp.astype(obs, xp.float64)
        X0 = xp.where(obs, X, xp.zeros_like(X))
        scale = _kernels.abs_max(X0)
        self.scale = scale if scale > 0 else 1.0
        self.X0 = X0 / self.scale
        rc = to_numpy(xp.sum(self.M, axis=1))
        cc = to_numpy(xp.sum(self.M, axis=0))
        self.row_lengths, self.col_lengths = rc, cc
        self._row_n = from_numpy(rc, self.X0)
        self._col_n = from_numpy(cc, self.X0)
        self.nnz = int(rc.sum())
        self.empty_rows = np.flatnonzero(rc == 0)
        self.empty_cols = np.flatnonzero(cc == 0)
        self._row_empty = from_numpy((rc == 0).astype(np.float64), self.X0)
        self._col_empty = from_numpy((cc == 0).astype(np.float64), self.X0)
        self.x_norm = float(xp.sqrt(xp.sum(self.X0 * self.X0)))

    def initialize(self, rank, clip, g):
        """As :func:`_initialize`, in the array API: the range finder of
        :func:`sketchla.randomized_svd` on X0/p from a Gaussian block,
        clipped rows, V = X0ᵀU/p."""
        xp = self.xp
        m, n = self.X0.shape
        frac = max(self.nnz, 1) / (m * n)
        A = self.X0 / frac
        U = svd_from_gaussian(_kernels.Operator(A), rank, min(rank + 10, min(m, n)), 4, g)[0]
        U = clip_rows(U, clip, rank)
        return U, xp.matrix_transpose(self.X0) @ U / frac

    def _solve(self, M, X, F, empty, counts):
        """Row i: argmin_u Σ_j M_ij (X_ij − F_jᵀu)² + reg·n_i‖u‖² for every i at once."""
        xp = self.xp
        p, k = F.shape
        outer = xp.reshape(F[:, :, None] * F[:, None, :], (p, k * k))
        G = xp.reshape(M @ outer, (M.shape[0], k, k))
        eye = xp.eye(k, dtype=G.dtype)
        # empty rows get the identity (their right-hand side is 0, so u = 0)
        G = G + (self.reg * counts + empty)[:, None, None] * eye
        return _kernels.batched_solve(G, (X @ F)[:, :, None], xp=xp)[:, :, 0]

    def solve_cols(self, U, V, it, seed):
        xp = self.xp
        return self._solve(xp.matrix_transpose(self.M), xp.matrix_transpose(self.X0), U,
                           self._col_empty, self._col_n)

    def solve_rows(self, V, U, it, seed):
        xp = self.xp
        U = materialize(self._solve(self.M, self.X0, V, self._row_empty, self._row_n))
        R = self.M * (self.X0 - U @ xp.matrix_transpose(V))
        return U, float(xp.sum(R * R)), self.x_norm

    def zero_empty(self, U, V):
        return U, V  # already 0: their normal equations have a zero right-hand side


def clip_rows(U, clip, rank):
    """Jain et al.'s incoherence step in U's namespace: rows of U with norm
    above clip·√(rank/m) scaled down to it, then U re-orthonormalized (the
    host path's ``_clip_rows``)."""
    if clip is None:
        return U
    xp = get_namespace(U)
    cap = clip * np.sqrt(rank / U.shape[0])
    norms = to_numpy(xp.linalg.vector_norm(U, axis=1))
    shrink = np.where(norms > cap, cap / np.maximum(norms, 1e-300), 1.0)
    return xp.linalg.qr(U * from_numpy(shrink, U)[:, None])[0]
