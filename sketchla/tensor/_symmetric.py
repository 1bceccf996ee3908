"""Symmetric tensors: validation, symmetric multi-indices, reconstruction,
moment tensors and the reduced flattening used by the subspace power method.

A symmetric tensor of order n over R^d has C(d + n − 1, n) distinct entries,
one per sorted multi-index i₁ ≤ … ≤ iₙ. Scaling each by √(multiplicity)
(the number of its permutations) makes the map to that reduced vector an
isometry for the Frobenius inner product, so eigen/singular vectors of the
reduced flattening are those of the full one (Kileel & Pereira, §4).
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np

from .._kernels.forks import fork_safe
from .. import _kernels
from .._backend import array_kind, get_namespace, to_numpy
from .._validation import check_array, check_int, check_scalar

__all__ = [
    "check_symmetric_tensor",
    "sorted_multi_indices",
    "symmetric_indices",
    "cp_to_tensor",
    "moment_tensor",
    "veronese",
]


def check_symmetric_tensor(T, name="T", sym_tol=1e-8, min_order=3):
    """Validate a dense symmetric tensor; return (float array, order m, dimension d).

    Symmetry is checked on the two permutations that generate the symmetric
    group (swap the first two modes; cycle all modes):
    max|T − T^σ| ≤ sym_tol · max|T|. Cost: two passes over T.
    """
    T = check_array(T, name, ndim=None, ensure_finite=False, allow_empty=True,
                    accept_dask=True)
    m = T.ndim
    if m < min_order:
        raise ValueError(f"{name} must have order >= {min_order}, got an array with "
                         f"{m} dimension(s)")
    d = T.shape[0]
    if any(s != d for s in T.shape):
        raise ValueError(f"{name} must be square in every mode, got shape {T.shape}")
    if d == 0:
        raise ValueError(f"{name} must not be empty")
    sym_tol = check_scalar(sym_tol, "sym_tol", minimum=0)
    if array_kind(T) == "numpy":
        T = np.asarray(T, dtype=np.float64)
        scale, devs = _host_checks(T, name)
    else:
        xp = get_namespace(T)
        T = xp.astype(T, xp.float64)
        if not bool(xp.all(xp.isfinite(T))):
            raise ValueError(f"{name} must not contain NaN or inf")
        scale = _kernels.abs_max(T)
        devs = [(perm, float(xp.max(xp.abs(T - xp.permute_dims(T, perm)))))
                for perm in _generators(m)]
    for perm, dev in devs:
        if dev > sym_tol * scale:
            raise ValueError(
                f"{name} is not symmetric: max|T - T.transpose{perm}| = {dev:.3g} exceeds "
                f"sym_tol * max|T| = {sym_tol * scale:.3g}")
    return T, m, d


def _generators(m):
    """Two permutations that generate the symmetric group on m modes."""
    return ((1, 0) + tuple(range(2, m)), tuple(range(1, m)) + (0,))


def _host_checks(T, name):
    """(max|T|, [(perm, max|T − T^perm|)]) of a NumPy tensor, by slices of
    its first index: no temporary the size of T, and Ctrl-C is answered
    between two slices."""
    scale = 0.0
    devs = {perm: 0.0 for perm in _generators(T.ndim)}
    views = {perm: T.transpose(perm) for perm in devs}
    for i in range(T.shape[0]):
        row = T[i]
        if not np.isfinite(row).all():
            raise ValueError(f"{name} must not contain NaN or inf")
        scale = max(scale, float(np.max(np.abs(row))))
        for perm, view in views.items():
            devs[perm] = max(devs[perm], float(np.max(np.abs(row - view[i]))))
    return scale, list(devs.items())


@lru_cache(maxsize=32)
def sorted_multi_indices(d, n):
    """The sorted multi-indices i₁ ≤ … ≤ iₙ over range(d), one per row, in
    itertools order: shape (C(d + n − 1, n), n). Read-only (cached)."""
    out = np.array(list(itertools.combinations_with_replacement(range(d), n)),
                   np.int64).reshape(-1, n)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=32)
def symmetric_indices(d, n):
    """Sorted multi-indices of order n over range(d).

    Returns ``(lin, mult, find)``: ``lin`` (N,) their C-order linear indices
    into R^{d^n}, ``mult`` (N,) their multiplicities n!/∏ counts!, and
    ``find`` (d^n,) the position in the reduced vector of every full index.
    N = C(d + n − 1, n).
    """
    if n == 0:
        return np.zeros(1, np.int64), np.ones(1), np.zeros(1, np.int64)
    combos = sorted_multi_indices(d, n)
    powers = d ** np.arange(n - 1, -1, -1, dtype=np.int64)
    lin = combos @ powers
    fact = np.array([math.factorial(k) for k in range(n + 1)], dtype=np.float64)
    counts = np.zeros((combos.shape[0], d), np.int64)
    np.add.at(counts, (np.repeat(np.arange(combos.shape[0]), n), combos.ravel()), 1)
    mult = fact[n] / np.prod(fact[counts], axis=1)
    full = np.indices((d,) * n).reshape(n, -1).T
    full.sort(axis=1)
    find = np.searchsorted(lin, full @ powers)
    return lin, mult, find


def veronese(X, n):
    """Rows x^{⊗n} of X (s, d), flattened in C order: shape (s, d^n), in X's namespace."""
    if array_kind(X) in ("numpy", "array_like"):
        X = np.atleast_2d(X)
        out = np.ones((X.shape[0], 1))
        for _ in range(n):
            out = (out[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)
        return out
    xp = get_namespace(X)
    out = xp.ones((X.shape[0], 1), dtype=X.dtype)
    for _ in range(n):
        out = xp.reshape(out[:, :, None] * X[:, None, :], (X.shape[0], -1))
    return out


@fork_safe
def cp_to_tensor(weights, factors, order):
    """Σ_r weights[r]·factors[:, r]^{⊗order} as a dense (d,)*order array."""
    weights = np.asarray(weights, dtype=np.float64)
    factors = np.asarray(factors, dtype=np.float64)
    d = factors.shape[0]
    n1 = order // 2
    n2 = order - n1
    left = veronese(factors.T, n2) * weights[:, None]  # (R, d^n2)
    right = veronese(factors.T, n1)  # (R, d^n1)
    return (left.T @ right).reshape((d,) * order)


@fork_safe
def moment_tensor(X, order):
    """Empirical moment tensor (1/n) Σ_i x_i^{⊗order} of the rows of X (n, d).

    Dense output of size d^order, built as one matrix product of the rows'
    tensor powers: O(n·d^order). Use :func:`sketchla.tensor.spm_moments` to
    decompose the moments without forming it.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        The data rows.
    order : int
        The tensor order m ≥ 1.

    Returns
    -------
    ndarray, shape (d,) * order
        The symmetric moment tensor.

    Notes
    -----
    Exactly symmetric (it is a sum of symmetric rank-one terms); memory
    O(d^order).

    References
    ----------
    .. [1] A. Anandkumar, R. Ge, D. Hsu, S. M. Kakade, M. Telgarsky, "Tensor
       decompositions for learning latent variable models", JMLR 15 (2014).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> X = np.random.default_rng(0).standard_normal((100, 3))
    >>> T = sketchla.moment_tensor(X, 3)
    >>> T.shape, bool(np.allclose(T, T.transpose(1, 0, 2)))
    ((3, 3, 3), True)
    """
    X = check_samples(X)
    order = check_order(order, X.shape[1], minimum=1, dense=True)
    n, d = X.shape
    xp = get_namespace(X)
    # on X / max|X|: the sums cannot overflow, and the scale comes back at the end
    s = _kernels.abs_max(X) or 1.0
    X = X / s
    n1 = order // 2
    n2 = order - n1
    out = None
    for lo in range(0, n, 4096):
        blk = X[lo:min(lo + 4096, n), :]
        part = xp.matrix_transpose(veronese(blk, n2)) @ veronese(blk, n1)
        out = part if out is None else out + part
    with np.errstate(over="ignore"):
        return check_moments(xp.reshape(out / n, (d,) * order) * float(np.float64(s)**order),
                             order)


#: the most entries a moment tensor or flattening built from data may have
MAX_MOMENT_ENTRIES = 2**31


def check_order(order, d, minimum, dense):
    """The order of a moment of d-dimensional data: an integer >= minimum whose
    dense tensor (``dense``) or reduced flattening has at most
    MAX_MOMENT_ENTRIES entries."""
    order = check_int(order, "order", minimum=minimum, maximum=256)
    if dense:
        size = d**order
        what = f"d**order = {d}**{order}"
    else:
        n1 = order // 2
        size = math.comb(d + n1 - 1, n1) * math.comb(d + order - n1 - 1, order - n1)
        what = f"the reduced flattening's {size} entries"
    if size > MAX_MOMENT_ENTRIES:
        raise ValueError(f"order = {order} is too large for {d} features: {what} "
                         f"exceeds 2**31 entries")
    return order


def check_moments(M, order, name="X"):
    """M, or a ValueError if the order-``order`` moments of ``name`` overflow float64."""
    if not bool(np.all(np.isfinite(np.asarray(to_numpy(M))))):
        raise ValueError(f"the order-{order} moments of {name} overflow float64; "
                         f"rescale {name}")
    return M


def check_samples(X, name="X"):
    """Data rows (n, d), n >= 1, finite, dense, in any namespace (float64)."""
    X = check_array(X, name, ndim=2, allow_empty=True)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} must have at least one row and one column, got shape "
                         f"{tuple(X.shape)}")
    xp = get_namespace(X)
    return xp.astype(X, xp.float64, copy=False)
