"""Hashing sketches: CountSketch and sparse sign."""

from __future__ import annotations

import numpy as np

from .._kernels.forks import fork_safe, fork_safe_methods
from .. import _kernels
from .._validation import check_int
from ._base import SketchOperator

__all__ = ["HashingSketch", "countsketch", "sparse_sign"]


@fork_safe_methods
class HashingSketch(SketchOperator):
    """S with ``nnz_per_col`` nonzeros ±1/sqrt(s) per column at distinct rows.

    Column j's rows and signs are an XXH64 hash of (seed, j, draw) — the
    native :func:`sketchla._kernels.sketch_map` — so any column range is
    regenerated on demand and nothing of size (m, n) is stored. s = 1 is
    CountSketch (Clarkson–Woodruff); s > 1 is the sparse sign / OSNAP sketch.
    """

    def __init__(self, m, n, nnz_per_col=1, rng=None, seed=None, kind="sparse_sign"):
        super().__init__(m, n, rng=rng, seed=seed)
        s = check_int(nnz_per_col, "nnz_per_col", minimum=1)
        self.nnz_per_col = min(s, self.m)
        self.kind = kind

    def __repr__(self):
        return (
            f"{type(self).__name__}(kind={self.kind!r}, m={self.m}, n={self.n}, "
            f"nnz_per_col={self.nnz_per_col}, seed={self.seed})"
        )

    @property
    def _scale(self):
        return 1.0 / np.sqrt(self.nnz_per_col)

    def column_map(self, lo=0, hi=None):
        """Rows (int64) and signs (int8), each (hi - lo, s), of columns lo..hi-1."""
        hi = self.n if hi is None else hi
        return _kernels.sketch_map(self.seed, lo, hi - lo, self.nnz_per_col, self.m)

    def _apply(self, A, xp):
        return _kernels.hash_scatter(A, seed=self.seed, start=0, s=self.nnz_per_col, m=self.m,
                                     scale=self._scale, xp=xp)

    def _apply_columns(self, B, lo):
        return _kernels.hash_scatter(B, seed=self.seed, start=lo, s=self.nnz_per_col, m=self.m,
                                     scale=self._scale)

    def _rapply(self, Y, xp):
        return _kernels.hash_gather(Y, seed=self.seed, start=0, n=self.n, s=self.nnz_per_col,
                                    scale=self._scale, xp=xp)

    def _block(self, lo, hi):
        rows, signs = self.column_map(lo, hi)
        return _kernels.dense_block(rows, signs, self._scale, self.m)


@fork_safe
def countsketch(m, n, rng=None):
    """CountSketch: one ±1 per column, in a uniformly hashed row.

    Parameters
    ----------
    m : int
        Sketch size, ``m >= 1``.
    n : int
        Number of rows of the operands.
    rng : None, int, numpy.random.Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    HashingSketch

    Notes
    -----
    ``S @ A`` costs O(nnz(A)) — one pass over A, in native code, threaded
    over output columns (dense) or output rows (CSR), with O(m k) output and
    an O(chunk) column map as the only memory. It is an ε-subspace
    embedding for m = O(d² / (ε² δ)) (Clarkson & Woodruff 2013; Nelson &
    Nguyên 2013). E[SᵀS] = I.

    References
    ----------
    K. L. Clarkson and D. P. Woodruff, "Low rank approximation and regression
    in input sparsity time", STOC 2013 / J. ACM 63 (2017).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((2000, 10))
    >>> S = sketchla.countsketch(400, 2000, rng=0)
    >>> (S @ A).shape
    (400, 10)
    """
    return HashingSketch(m, n, nnz_per_col=1, rng=rng, kind="countsketch")


@fork_safe
def sparse_sign(m, n, nnz_per_col=8, rng=None):
    """Sparse sign sketch: ``nnz_per_col`` entries ±1/sqrt(s) per column.

    Parameters
    ----------
    m : int
        Sketch size, ``m >= 1``.
    n : int
        Number of rows of the operands.
    nnz_per_col : int, default 8
        Nonzeros per column s (clipped to m). Eight is the value Tropp et al.
        and RandNLA practice recommend: with m ≈ 2d it already embeds
        reliably, where CountSketch (s = 1) needs m = O(d²).
    rng : None, int, numpy.random.Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    HashingSketch

    Notes
    -----
    ``S @ A`` costs O(s · nnz(A)). With m = O(d log d / ε²) and
    s = O(log d / ε) it is an ε-subspace embedding (OSNAP; Nelson & Nguyên
    2013, Cohen 2016).

    References
    ----------
    J. Nelson and H. L. Nguyên, "OSNAP: Faster numerical linear algebra
    algorithms via sparser subspace embeddings", FOCS 2013; M. B. Cohen,
    "Nearly tight oblivious subspace embeddings by trace inequalities",
    SODA 2016.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((2000, 10))
    >>> S = sketchla.sparse_sign(40, 2000, rng=0)
    >>> (S @ A).shape
    (40, 10)
    """
    return HashingSketch(m, n, nnz_per_col=nnz_per_col, rng=rng, kind="sparse_sign")
