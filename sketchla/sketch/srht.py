"""Subsampled randomized Hadamard transform."""

from __future__ import annotations

import numpy as np

from .._kernels.forks import fork_safe, fork_safe_methods
from .. import _kernels
from .._kernels.work import advance
from .._backend import array_kind, device
from .._validation import substream
from ._base import SketchOperator

__all__ = ["SRHT", "srht"]

# Dense workspace for one column chunk of a scipy.sparse operand (elements).
_SPARSE_CHUNK_ELEMS = 1 << 24
#: padded entries of a dense operand transformed at a time (columns in blocks)
_COLUMN_CHUNK_ELEMS = 1 << 24


@fork_safe_methods
class SRHT(SketchOperator):
    """S = sqrt(1/m) · P · H · D on the zero-padded space R^{n'}, n' = 2^⌈log2 n⌉.

    D: random signs (a hash of the seed and the row index); H: the
    unnormalized Walsh–Hadamard matrix (entries ±1), applied by the native
    FWHT; P: m rows of n' drawn uniformly without replacement. Then
    E[SᵀS] = (n'/m)(m/n') · DHᵀHD / n' = I on R^n.
    """

    kind = "srht"
    _subsampling = True

    def __init__(self, m, n, rng=None, seed=None):
        super().__init__(m, n, rng=rng, seed=seed)
        self.n_padded = 1 << (self.n - 1).bit_length()
        self._signs = None
        self._rows = None

    @property
    def signs(self):
        """The diagonal of D, shape (n,), float64 ±1."""
        if self._signs is None:
            _, g = _kernels.sketch_map(substream(self.seed, "srht_signs", integer=True),
                                      0, self.n, 1, 1)
            self._signs = g[:, 0].astype(np.float64)
        return self._signs

    @property
    def rows(self):
        """The m sampled rows of the padded transform, sorted, shape (m,)."""
        if self._rows is None:
            rng = substream(self.seed, "srht_rows")
            self._rows = np.sort(rng.choice(self.n_padded, self.m, replace=False))
        return self._rows

    @property
    def _dense_chunk(self):
        """Columns of a scipy.sparse operand densified at a time: O(n'·chunk)
        workspace."""
        return max(1, _SPARSE_CHUNK_ELEMS // self.n_padded)

    def _apply(self, A, xp):
        if array_kind(A) == "numpy" and A.ndim == 2 and A.shape[1] > 1 \
                and self.n_padded * A.shape[1] > _COLUMN_CHUNK_ELEMS:
            # columns transform independently: a bounded workspace, and
            # Ctrl-C answers between the blocks of a large operand
            w = max(1, _COLUMN_CHUNK_ELEMS // self.n_padded)
            return np.concatenate([self._apply(A[:, c:c + w], xp)
                                   for c in range(0, A.shape[1], w)], axis=1)
        Y = _kernels.signed_pad(A, self.signs, self.n_padded, xp=xp)
        Y = _kernels.fwht(Y, overwrite=True, xp=xp)
        advance(Y.shape[0] * (Y.shape[1] if Y.ndim == 2 else 1) * np.log2(max(Y.shape[0], 2)))
        return _kernels.take_rows(Y, self.rows, xp=xp) * float(1.0 / np.sqrt(self.m))

    def _rapply(self, Y, xp):
        Z = _kernels.put_rows(Y, self.rows, self.n_padded, xp=xp)
        Z = _kernels.fwht(Z, overwrite=True, xp=xp)
        d = xp.asarray(self.signs, dtype=Y.dtype, device=device(Y))
        Z = Z[: self.n, ...]
        scale = float(1.0 / np.sqrt(self.m))
        return (Z * d[:, None] if Z.ndim == 2 else Z * d) * scale

    def _apply_columns(self, B, lo):
        """``S[:, lo:lo+len(B)] @ B`` for a block of rows (dask), by fast
        transforms of aligned segments: with L a power of two, H_{n'} =
        H_{n'/L} ⊗ H_L, so sampled row r = qL + s of H x is
        Σ_j (−1)^popcount(q & j) (H_L x_j)_s over the segments x_j. A block
        costs O(len(B)·k·log L + (len(B)/L)·m·k), not the O(m·len(B)·k) of
        the dense columns."""
        hi = lo + B.shape[0]
        k = B.shape[1]
        L = 1 << max(0, (max(1, B.shape[0] // 8)).bit_length() - 1)
        L = min(max(L, 1024), self.n_padded)
        q, r = self.rows // L, self.rows % L
        dtype = np.result_type(B.dtype, np.float32)
        out = np.zeros((self.m, k), dtype=dtype)
        signs = self.signs
        for j in range(lo // L, (hi - 1) // L + 1):
            a, b = max(lo, j * L), min(hi, (j + 1) * L)
            Y = np.zeros((L, k), dtype=dtype)
            part = B[a - lo:b - lo]
            part = _kernels.to_dense_host(part)
            Y[a - j * L:b - j * L] = part * signs[a:b, None]
            Y = _kernels.fwht(Y, overwrite=True, xp=np)
            sign = 1.0 - 2.0 * (np.bitwise_count(q & j) & 1)
            out += Y[r] * sign[:, None].astype(dtype)
        return out * dtype.type(1.0 / np.sqrt(self.m))

    def _block(self, lo, hi):
        # H[p, i] = (-1)^popcount(p & i)
        idx = np.arange(lo, hi, dtype=np.int64)
        parity = np.bitwise_count(self.rows[:, None] & idx[None, :]) & 1
        return (1.0 - 2.0 * parity) * self.signs[lo:hi] / np.sqrt(self.m)


@fork_safe
def srht(m, n, rng=None):
    """A subsampled randomized Hadamard transform (SRHT) sketch.

    Parameters
    ----------
    m : int
        Sketch size, ``1 <= m <= n`` (it subsamples rows of an n'-point
        transform).
    n : int
        Number of rows of the operands.
    rng : None, int, numpy.random.Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    SRHT

    Notes
    -----
    Applying S to an (n, k) array costs O(n' k log n') with the native
    in-place fast Walsh–Hadamard transform (threaded, SIMD, cache-blocked;
    no copy to F order for C-ordered input), plus an (n', k) workspace. With
    m = O((d + log(n/δ)) log(d/δ) / ε²) it is an ε-subspace embedding
    (Tropp 2011). scipy.sparse operands are densified one column chunk at a
    time (workspace ≤ 2^24 entries), never as a whole.

    References
    ----------
    N. Ailon and B. Chazelle, "The fast Johnson–Lindenstrauss transform"
    (2009); J. A. Tropp, "Improved analysis of the subsampled randomized
    Hadamard transform", Adv. Adapt. Data Anal. 3 (2011).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((2000, 10))
    >>> S = sketchla.srht(40, 2000, rng=0)
    >>> (S @ A).shape
    (40, 10)
    """
    return SRHT(m, n, rng=rng)
