"""The operand of the low-rank drivers: A in its own namespace and precision,
its products with host blocks (into reused buffers for scipy.sparse A), and
its Frobenius norm without overflow. The drivers ask it, never the array
kind, which path to take."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._validation import check_array
from ._native import host_only
from .dense import abs_max
from .scaling import ldexp, moderate, pow2_exponent
from .sparse import sparse_matmat
from .work import advance


class Operator:
    """A · X and Aᵀ · Y for dense, scipy.sparse, LinearOperator or any
    array-API operand A (n, d); X, Y are dense in A's namespace (host NumPy
    for a LinearOperator). Data far from O(1) (‖A‖_F not ``moderate``) is held
    as 2^-exp · A: products, ``fro`` and everything computed from them are
    those of the rescaled operand, and a caller scales values back by 2^exp."""

    def __init__(self, A, name="A"):
        kind = array_kind(A)
        if kind == "linear_operator":
            if len(A.shape) != 2 or min(A.shape) < 1:
                raise ValueError(f"{name} must be a 2-D operator with no empty dimension, "
                                 f"got shape {A.shape}")
            dt = np.dtype(A.dtype) if A.dtype is not None else np.dtype(np.float64)
            if dt.kind not in "fiub":
                raise TypeError(f"{name} must be a real operator, got dtype {dt}")
            self.A, self.xp, self.fro, self.exp = A, np, None, 0
            self.dtype = np.float32 if dt == np.float32 else np.float64
        else:
            A = check_array(A, name, accept_sparse=True, ndim=2)
            kind = array_kind(A)  # lists and other array-likes arrive as NumPy
            self.A, self.xp = A, get_namespace(A)
            # the NumPy dtype of the small host results
            self.dtype = np.float32 if A.dtype == self.xp.float32 else np.float64
            self.fro = frobenius_norm(A, xp=self.xp)
            #: A = 2^exp · self.A: data far from O(1) is held rescaled, exactly,
            #: so that no product of two entries leaves the floating range
            self.exp = 0
            if not moderate(self.fro, self.dtype):
                self.exp = pow2_exponent(abs_max(A, xp=self.xp))
                self.A = ldexp(A, -self.exp, xp=self.xp)
                self.fro = frobenius_norm(self.A, xp=self.xp)
        self.kind = kind
        self.shape = tuple(A.shape)
        #: products may write into reused host buffers (scipy.sparse A)
        self.reuses_buffers = kind == "sparse"
        #: A is a dense host array: its images A·K may be kept instead of a
        #: last pass over A
        self.dense_host = kind == "numpy"

    def host(self, X):
        """A small host array in A's namespace and precision."""
        if self.kind == "linear_operator":
            return np.asarray(X, dtype=self.dtype)
        return from_numpy(X, self.A)

    def matmat(self, X, work=None):
        """A X; ``work``, a flat host buffer, may hold the result (sparse A)."""
        advance(self._flops(X))
        if self.kind == "linear_operator":
            return self.A.matmat(X)
        if self.kind == "sparse":
            return sparse_matmat(self.A, X, out=_view(work, self.shape[0], X))
        return self.A @ X

    def rmatmat(self, Y, work=None):
        """Aᵀ Y; ``work`` as for :meth:`matmat`."""
        advance(self._flops(Y))
        if self.kind == "linear_operator":
            return self.A.rmatmat(Y)
        if self.kind == "sparse":
            return sparse_matmat(self.A, Y, transpose=True,
                                          out=_view(work, self.shape[1], Y))
        return self.xp.matrix_transpose(self.A) @ Y

    def _flops(self, X):
        """A product with X (k columns): 2·nnz(A)·k."""
        k = 1 if len(X.shape) < 2 else X.shape[1]
        stored = self.A.nnz if self.kind == "sparse" else self.shape[0] * self.shape[1]
        return 2.0 * stored * k

    def sketch(self, S):
        """A Ω for Ω = Sᵀ (d, size): structured S Aᵀ on NumPy and scipy.sparse,
        the explicit Ω elsewhere."""
        if self.kind == "numpy":  # the sketch's own fast application to Aᵀ
            Y = S @ self.A.T
            return np.ascontiguousarray(np.asarray(Y).T, dtype=self.dtype)
        # scipy.sparse: A Ω with the small explicit Ω is one CSR pass
        return self.matmat(self.host(np.ascontiguousarray(S.toarray().T)))


def _view(work, rows, X):
    """The leading rows·k entries of the flat buffer ``work`` as a C-ordered
    (rows, k) array for the product with X (n, k), or None."""
    if work is None or X.ndim != 2 or work.size < rows * X.shape[1]:
        return None
    return work[: rows * X.shape[1]].reshape(rows, X.shape[1])


def frobenius_norm(A, *, xp=None):
    """‖A‖_F without overflow or a dense temporary (BLAS nrm2 on NumPy and
    scipy.sparse data; scaled by max|A| elsewhere)."""
    import scipy.linalg as sla

    kind = array_kind(A)
    if kind == "sparse":
        return float(sla.norm(A.data)) if A.nnz else 0.0
    if kind == "numpy":
        return float(sla.norm(np.ravel(A, order="K"), check_finite=False))
    s = abs_max(A)
    if s == 0:
        return 0.0
    xp = get_namespace(A) if xp is None else xp
    return s * float(to_numpy(xp.sqrt(xp.sum((A / s) ** 2))))


def projection_error(fro, s, *, xp=None):
    """‖A − Â‖_F = ‖A‖_F (1 − Σ (s_i/‖A‖_F)²)^{1/2}, in units that cannot overflow."""
    host_only(xp, "projection_error")
    if not fro:
        return 0.0
    return fro * float(np.sqrt(max(1.0 - np.sum((np.asarray(s) / fro) ** 2), 0.0)))
