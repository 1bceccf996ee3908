"""The sketching-operator protocol shared by every kind.

A sketch is a distribution plus a seed (as in RandBLAS): constructing one
draws a single 63-bit seed from ``rng`` and nothing else. Entries are
generated when the operator is applied, block by block, as pure functions
of ``(seed, column index)``; so the same seed gives the same operator for
dense, sparse, dask and CuPy operands, and no (m, n) matrix is ever stored
unless :meth:`SketchOperator.toarray` asks for it.
"""

from __future__ import annotations

from .._kernels.forks import fork_safe_methods
from .. import _kernels
from .._validation import check_int, check_operand, draw_seed

__all__ = ["SketchOperator"]


@fork_safe_methods
class SketchOperator:
    """An (m, n) random linear map applied on the left: ``S @ A``.

    Subclasses implement ``_apply(A, xp)`` for ``S @ A``, ``_rapply(Y, xp)``
    for ``S.T @ Y``, and ``_block(lo, hi)``, the dense host columns
    ``S[:, lo:hi]`` (used for dask operands and :meth:`toarray`); which of
    them runs on which operand is decided in the kernel package
    (:mod:`sketchla._kernels.sketching`).

    Parameters
    ----------
    m, n : int
        The shape: m sketch rows for inputs of n rows.
    rng : None, int, Generator or SeedSequence
        Where the seed comes from when ``seed`` is not given.
    seed : int, optional
        The operator's whole random state (an integer in [0, 2**64)).

    Attributes
    ----------
    shape : tuple of int
        ``(m, n)``.
    seed : int
        The operator's whole random state.
    kind : str
        ``"gaussian"``, ``"srht"``, ``"countsketch"`` or ``"sparse_sign"``.

    Notes
    -----
    Nothing of size m × n is stored: the operator is regenerated from
    ``seed`` wherever it is applied, so the same seed gives the same S on
    every backend, thread count and chunking.

    References
    ----------
    .. [1] R. Murray et al., "Randomized numerical linear algebra: a
       perspective on the field with an eye to software", arXiv:2302.11474
       (2023).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> S = sketchla.make_sketch("sparse_sign", 50, 1000, rng=0)
    >>> S.shape, S.kind
    ((50, 1000), 'sparse_sign')
    >>> A = np.ones((1000, 3))
    >>> bool(np.allclose(S @ A, S.toarray() @ A))
    True
    """

    kind = "abstract"
    #: whether the map subsamples rows (then m <= n is required)
    _subsampling = False

    def __init__(self, m, n, rng=None, seed=None):
        n = check_int(n, "n", minimum=1)
        if self._subsampling:
            m = check_int(m, "m", minimum=1, maximum=n, maximum_label=f"n = {n}")
        else:
            m = check_int(m, "m", minimum=1)
        self.shape = (m, n)
        self.seed = draw_seed(rng) if seed is None else int(seed)

    # ------------------------------------------------------------ protocol
    @property
    def m(self):
        return self.shape[0]

    @property
    def n(self):
        return self.shape[1]

    def __repr__(self):
        return f"{type(self).__name__}(m={self.m}, n={self.n}, seed={self.seed})"

    def __matmul__(self, A):
        A, xp, _, squeeze = check_operand(A, self.n, "A")
        out = _kernels.apply_sketch(self, A, xp=xp)
        if squeeze and out.ndim == 2:
            out = out[:, 0]
        return out

    def __rmatmul__(self, other):
        return NotImplemented

    @property
    def T(self):
        """The transpose, an (n, m) operator: ``S.T @ Y``."""
        return _Transposed(self)

    def toarray(self):
        """The operator as a dense (m, n) float64 NumPy array."""
        return self._block(0, self.n)

    # ------------------------------------------------------------ generic
    def __dask_tokenize__(self):
        """The operator's identity: its kind, parameters and seed."""
        return (type(self).__name__, repr(self), self.seed)

    def _apply_columns(self, B, lo):
        """``S[:, lo:lo+len(B)] @ B`` for a NumPy block (used by dask)."""
        Sb = self._block(lo, lo + B.shape[0]).astype(B.dtype, copy=False)
        return Sb @ B


@fork_safe_methods
class _Transposed:
    """``S.T``: applies the transpose of a sketch, ``S.T @ Y`` with Y (m, k)."""

    def __init__(self, op):
        self._op = op
        self.shape = (op.n, op.m)

    @property
    def T(self):
        return self._op

    def __repr__(self):
        return f"{self._op!r}.T"

    def __matmul__(self, Y):
        op = self._op
        Y, xp, _, squeeze = check_operand(Y, op.m, "Y")
        out = _kernels.apply_transpose(op, Y, xp=xp)
        if squeeze and out.ndim == 2:
            out = out[:, 0]
        return out

    def toarray(self):
        return self._op.toarray().T

