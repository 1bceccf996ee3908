"""Observed entries held on a GPU (a CuPy CSR matrix): the row problems of
:func:`altmin_complete` formed by the numba.cuda kernels and solved by one
batched cuSOLVER solve per half-sweep, the data never leaving the device."""

from __future__ import annotations

import numpy as np

from .. import _kernels
from .._backend import from_numpy, get_namespace, to_numpy
from .._kernels import cuda
from ..linalg._power_method import svd_from_gaussian
from ._masked import clip_rows


class _DeviceCSRProblem:
    """The observed entries of an (m, n) matrix as CSR arrays in the
    namespace ``xp`` (CuPy; NumPy under numba's CUDA simulator), with the
    CSR arrays of the transpose for the column half-sweeps. Row i's normal
    equations (G_i = Σ_j v_j v_jᵀ + reg·n_i·I, b_i = Σ_j x_ij v_j) are
    formed by one kernel for all rows and solved in one batched solve:
    O(nnz·k²) a half-sweep, exact (the sketched solvers are a kernel of the
    host path)."""

    reg = 0.0

    def __init__(self, indptr, indices, data, shape, xp):
        self.xp = xp
        self.shape = tuple(shape)
        data = xp.asarray(data, dtype=xp.float64)
        if not bool(xp.all(xp.isfinite(data))):
            raise ValueError("X must not contain inf or NaN among its stored entries")
        scale = _kernels.abs_max(data)
        self.scale = scale if scale > 0 else 1.0
        self.rows = (xp.asarray(indptr, dtype=xp.int64), xp.asarray(indices, dtype=xp.int64),
                     data / self.scale)
        self.cols = cuda.kernels().csr_transpose(*self.rows, self.shape, xp=xp)
        self.row_lengths = to_numpy(self.rows[0][1:] - self.rows[0][:-1]).astype(np.float64)
        self.col_lengths = to_numpy(self.cols[0][1:] - self.cols[0][:-1]).astype(np.float64)
        self.nnz = int(self.row_lengths.sum())
        self.empty_rows = np.flatnonzero(self.row_lengths == 0)
        self.empty_cols = np.flatnonzero(self.col_lengths == 0)
        self.x_norm = float(xp.sqrt(xp.sum(self.rows[2] * self.rows[2])))

    @classmethod
    def from_cupy(cls, X):
        """From a ``cupyx.scipy.sparse`` matrix (duplicates summed)."""
        import cupy

        X = X.tocsr()
        X.sum_duplicates()
        return cls(X.indptr, X.indices, X.data, X.shape, cupy)

    def initialize(self, rank, clip, g):
        """The range finder on X/p (p the observed fraction) from a Gaussian
        block, rows clipped, then V = (X/p)ᵀ U (as the host path)."""
        op = _Operand(self)
        U = svd_from_gaussian(op, rank, min(rank + 10, min(self.shape)), 4, g)[0]
        U = clip_rows(U, clip, rank)
        return U, op.rmatmat(U)

    def _solve(self, csr, F, counts):
        xp = self.xp
        G, b = cuda.kernels().normal_equations(*csr, F, xp=xp)
        k = F.shape[1]
        # empty rows get the identity (their right-hand side is 0, so u = 0)
        shift = self.reg * counts + (counts == 0)
        G = G + from_numpy(shift, G)[:, None, None] * xp.eye(k, dtype=G.dtype)
        return _kernels.batched_solve(G, b[:, :, None], xp=xp)[:, :, 0]

    def solve_cols(self, U, V, it, seed):
        return self._solve(self.cols, U, self.col_lengths)

    def solve_rows(self, V, U, it, seed):
        U = self._solve(self.rows, V, self.row_lengths)
        rss = cuda.kernels().row_residuals(*self.rows, U, V, xp=self.xp)
        return U, float(self.xp.sum(rss)), self.x_norm

    def zero_empty(self, U, V):
        return U, V  # already 0: their normal equations have a zero right-hand side


class _Operand:
    """X/p as the operand of the range finder (the attributes of
    :class:`sketchla._kernels.Operator` that it reads), its products by the
    device kernels."""

    def __init__(self, prob):
        self._prob = prob
        self._frac = max(prob.nnz, 1) / (prob.shape[0] * prob.shape[1])
        self.xp = get_namespace(prob.rows[2])
        self.shape = prob.shape
        self.fro = prob.x_norm / self._frac

    def host(self, X):
        return from_numpy(X, self._prob.rows[2])

    def matmat(self, X, work=None):
        p = self._prob
        return cuda.kernels().csr_matmat(*p.rows, p.shape, X, xp=p.xp) / self._frac

    def rmatmat(self, Y, work=None):
        p = self._prob
        return cuda.kernels().csr_matmat(*p.cols, p.shape[::-1], Y, xp=p.xp) / self._frac
