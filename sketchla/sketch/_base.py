"""The sketching-operator protocol shared by every kind.

A sketch is a distribution plus a seed (as in RandBLAS): constructing one
draws a single 63-bit seed from ``rng`` and nothing else. Entries are
generated when the operator is applied, block by block, as pure functions
of ``(seed, column index)``; so the same seed gives the same operator for
dense, sparse, dask and CuPy operands, and no (m, n) matrix is ever stored
unless :meth:`SketchOperator.toarray` asks for it.
"""

from __future__ import annotations

import numpy as np

from .._backend import device, get_namespace, is_sparse
from .._kernels.threads import worker_threads
from .._validation import check_int, check_operand, check_sparse, draw_seed, raise_if_not_finite

__all__ = ["SketchOperator"]


class SketchOperator:
    """An (m, n) random linear map applied on the left: ``S @ A``.

    Subclasses implement ``_apply(A, xp, kind)`` for ``S @ A``,
    ``_rapply(Y, xp, kind)`` for ``S.T @ Y``, and ``_block(lo, hi)``,
    the dense host columns ``S[:, lo:hi]`` (used for dask operands and
    :meth:`toarray`).

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
        A, xp, kind, squeeze = check_operand(A, self.n, "A")
        if kind == "dask":
            return self._apply_dask(A)
        out = self._apply(A, xp, kind)
        if kind in ("numpy", "sparse"):
            out = np.asarray(out)
            if kind == "numpy":
                raise_if_not_finite(out, A, "A")
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
    def _apply_dask(self, A):
        """``S @ A`` for a dask array: one (m, k) partial product per row
        chunk, summed by dask's tree reduction. Never gathers A in one place."""
        import dask
        import dask.array as da

        if A.ndim == 1:
            return self._apply_dask(A[:, None])[:, 0]
        A = A.rechunk({1: -1})
        m, k = self.m, A.shape[1]
        offsets = np.concatenate([[0], np.cumsum(A.chunks[0])]).astype(int)
        # the operator is one key of the graph (its cached signs and rows
        # travel once), named by its distribution and seed
        op = dask.delayed(self, name="sketch-" + dask.base.tokenize(self), traverse=False)
        part = dask.delayed(_block_product, pure=True)
        parts = [da.from_delayed(part(op, blk, int(offsets[b])), shape=(m, k), dtype=A.dtype)
                 for b, blk in enumerate(A.to_delayed()[:, 0])]
        return da.stack(parts).sum(axis=0)

    def __dask_tokenize__(self):
        """The operator's identity: its kind, parameters and seed."""
        return (type(self).__name__, repr(self), self.seed)

    def _apply_columns(self, B, lo):
        """``S[:, lo:lo+len(B)] @ B`` for a NumPy block (used by dask)."""
        Sb = self._block(lo, lo + B.shape[0]).astype(B.dtype, copy=False)
        return Sb @ B

    def _rapply_generic(self, Y, xp):
        S = xp.asarray(self.toarray(), dtype=Y.dtype, device=device(Y))
        return xp.matrix_transpose(S) @ Y

    def _validate_rapply(self, Y):
        Y, xp, kind, squeeze = check_operand(Y, self.m, "Y")
        if kind == "sparse":
            Y = Y.toarray()  # an (m, k) sketch-sized operand: small by design
            kind = "numpy"
        return Y, xp, kind, squeeze


def _block_product(op, B, lo):
    """``S[:, lo:lo+len(B)] @ B`` for one chunk of a dask array, on a worker.

    A chunk is a NumPy array or a scipy.sparse matrix, whose structure is
    verified before a kernel reads it."""
    B = check_sparse(B, "A", ("csr",)) if is_sparse(B) else np.asarray(B)
    with worker_threads():  # the scheduler runs one task per core
        out = op._apply_columns(B, lo)
    return np.asarray(out)


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
        Y, xp, kind, squeeze = op._validate_rapply(Y)
        if kind == "dask":
            Y = np.asarray(Y.compute())  # (m, k): sketch-sized
            xp, kind = get_namespace(Y), "numpy"
        out = op._rapply(Y, xp, kind)
        if kind == "numpy":
            out = np.asarray(out)
            raise_if_not_finite(out, Y, "Y")
        if squeeze and out.ndim == 2:
            out = out[:, 0]
        return out

    def toarray(self):
        return self._op.toarray().T

