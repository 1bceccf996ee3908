"""Dense Gaussian sketch."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._backend import array_kind
from .._kernels.forks import checkpoint, fork_safe, fork_safe_methods
from .. import _kernels
from .._kernels.work import advance
from .._validation import check_memory, substream
from ._base import SketchOperator

__all__ = ["GaussianSketch", "gaussian"]


@fork_safe_methods
class GaussianSketch(SketchOperator):
    """S with i.i.d. N(0, 1/m) entries, so that E[SᵀS] = I.

    Columns are generated in blocks of ``block_size`` from
    the substream ``(seed, "gaussian", block)`` (:func:`sketchla._validation.substream`) (float64, cast to the
    operand's dtype), so any column range can be regenerated on its own and
    applying S to an (n, k) A costs O(m n k) flops with O(m · block_size)
    extra memory.
    """

    kind = "gaussian"
    block_size = 2048

    def _blocks(self, lo, hi):
        """Yield (a, b, G) with G = S[:, lo+a : lo+b] (float64, host)."""
        B = self.block_size
        m = self.m
        for blk in range(lo // B, (hi - 1) // B + 1):
            c0 = blk * B
            width = min(B, self.n - c0)
            G = _normal_block(substream(self.seed, "gaussian", blk), m, width)
            G *= 1.0 / np.sqrt(m)
            a, b = max(lo, c0), min(hi, c0 + width)
            yield a - lo, b - lo, G[:, a - c0 : b - c0]

    def _block(self, lo, hi):
        return np.concatenate([G for _, _, G in self._blocks(lo, hi)], axis=1)

    def _apply_columns(self, B, lo):
        return _kernels.blocks_apply(self._blocks(lo, lo + B.shape[0]), self.m, B)

    def _apply(self, A, xp):
        check_memory(8 * self.m * min(self.n, self.block_size), "m",
                     f"a block of {min(self.n, self.block_size)} columns of the {self.m}-row sketch")
        if array_kind(A) == "sparse":
            return self._apply_sparse(A)
        return _kernels.blocks_apply(self._blocks(0, self.n), self.m, A, xp=xp)

    def _apply_sparse(self, A):
        """S A for scipy.sparse A from the column blocks of S that meet A's
        stored rows only: O(m (nnz + block_size · blocks met)) flops, however
        large n is, and the same S as for any other operand."""
        C = A.tocoo()
        blk = C.row // self.block_size
        order = np.argsort(blk, kind="stable")
        blk, rows, cols, vals = blk[order], C.row[order], C.col[order], C.data[order]
        starts = np.flatnonzero(np.r_[True, blk[1:] != blk[:-1]]) if blk.size else []
        out = np.zeros((self.m, A.shape[1]), dtype=A.dtype)
        for lo, hi in zip(starts, list(starts[1:]) + [blk.size]):
            c0 = int(blk[lo]) * self.block_size
            width = min(self.block_size, self.n - c0)
            (_, _, G), = self._blocks(c0, c0 + width)
            part = sp.csr_matrix((vals[lo:hi], (rows[lo:hi] - c0, cols[lo:hi])),
                                 shape=(width, A.shape[1]))
            out += (part.T @ G.T.astype(A.dtype)).T
            advance(2.0 * self.m * (hi - lo))
        return out

    def _rapply(self, Y, xp):
        return _kernels.blocks_apply_transpose(self._blocks(0, self.n), Y, xp=xp)


def _normal_block(gen, m, width):
    """gen.standard_normal((m, width)), drawn a few million entries at a
    time (the same numbers: the generator fills in order), so that Ctrl-C
    answers between pieces of a large block."""
    G = np.empty((m, width))
    step = max(1, 2**22 // width)
    for r in range(0, m, step):
        gen.standard_normal(out=G[r:r + step])
        checkpoint()
    return G


@fork_safe
def gaussian(m, n, rng=None):
    """A Gaussian sketch: an (m, n) operator with i.i.d. N(0, 1/m) entries.

    Parameters
    ----------
    m : int
        Sketch size (rows), ``m >= 1``.
    n : int
        Number of rows of the operands (columns of S).
    rng : None, int, numpy.random.Generator or SeedSequence
        Source of the operator's seed.

    Returns
    -------
    GaussianSketch

    Notes
    -----
    The classical Johnson–Lindenstrauss map: with m = O((d + log(1/δ)) / ε²)
    it is an ε-subspace embedding of any fixed d-dimensional subspace with
    probability 1 − δ. Applying it costs O(m n k) for an (n, k) operand — it
    is the reference the faster sketches are measured against.

    References
    ----------
    W. B. Johnson and J. Lindenstrauss (1984); D. P. Woodruff, "Sketching as a
    Tool for Numerical Linear Algebra", Found. Trends TCS 10 (2014), §2.1.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> A = np.random.default_rng(0).standard_normal((2000, 10))
    >>> S = sketchla.gaussian(40, 2000, rng=0)
    >>> (S @ A).shape
    (40, 10)
    """
    return GaussianSketch(m, n, rng=rng)
