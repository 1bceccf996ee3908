"""Dense Gaussian sketch."""

from __future__ import annotations

import numpy as np

from .._kernels.forks import fork_safe, fork_safe_methods
from .. import _kernels
from .._validation import substream
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
            G = substream(self.seed, "gaussian", blk).standard_normal((m, width))
            G *= 1.0 / np.sqrt(m)
            a, b = max(lo, c0), min(hi, c0 + width)
            yield a - lo, b - lo, G[:, a - c0 : b - c0]

    def _block(self, lo, hi):
        return np.concatenate([G for _, _, G in self._blocks(lo, hi)], axis=1)

    def _apply_columns(self, B, lo):
        return _kernels.blocks_apply(self._blocks(lo, lo + B.shape[0]), self.m, B)

    def _apply(self, A, xp):
        return _kernels.blocks_apply(self._blocks(0, self.n), self.m, A, xp=xp)

    def _rapply(self, Y, xp):
        return _kernels.blocks_apply_transpose(self._blocks(0, self.n), Y, xp=xp)


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
