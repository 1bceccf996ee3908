"""Symmetric CP decomposition by the subspace power method (SPM).

:func:`spm` decomposes a dense symmetric tensor, :func:`spm_moments` the
moment tensor of data without forming it, :class:`SymmetricCP` is the
scikit-learn-style estimator and :class:`CPResult` the result.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from .._kernels.forks import fork_safe
from .._stack import find_stack_level
from .._progress import Progress
from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace, to_numpy
from .._validation import check_int, check_rng, check_scalar, check_tol
from ._symmetric import (
    check_moments,
    check_order,
    check_samples,
    check_symmetric_tensor,
    symmetric_indices,
)
from ._spm_rank import GAP_FACTOR, _gap, _rounding_floor, choose_rank
from ._spm_decompose import decompose, topk_size
from ._spm_power import _Subspace, _extract
from ._cp_result import CPResult

__all__ = ["spm", "spm_moments", "CPResult", "rank_limit", "GAP_FACTOR"]


@fork_safe
def rank_limit(d, order):
    """Largest rank SPM can identify: the rank bound of the flattening,
    min(C(d + ⌈m/2⌉ − 1, ⌈m/2⌉), C(d + ⌊m/2⌋ − 1, ⌊m/2⌋))."""
    from math import comb

    n2 = -(-order // 2)
    n1 = order // 2
    return min(comb(d + n2 - 1, n2), comb(d + n1 - 1, n1))


def _reduced_flattening(T, d, m):
    n2 = -(-m // 2)
    n1 = m // 2
    lin_l, mult_l, _ = symmetric_indices(d, n2)
    lin_r, mult_r, _ = symmetric_indices(d, n1)
    if array_kind(T) == "numpy":
        flat = T.reshape(d**n2, d**n1)
        return np.sqrt(mult_l)[:, None] * flat[np.ix_(lin_l, lin_r)] * np.sqrt(mult_r)[None, :]
    # other namespaces: the reduced flattening (C(d+n2-1, n2) x C(d+n1-1, n1), a
    # fraction of T's d^m entries) is gathered there; CuPy factors it on the
    # device (_decompose), the others on the host
    xp = get_namespace(T)
    flat = xp.reshape(T, (d**n2, d**n1))
    sub = _kernels.take_cols(_kernels.take_rows(flat, lin_l, xp=xp), lin_r, xp=xp)
    if array_kind(T) != "cupy":
        return np.sqrt(mult_l)[:, None] * to_numpy(sub) * np.sqrt(mult_r)[None, :]
    left = from_numpy(np.sqrt(mult_l), like=sub)
    right = from_numpy(np.sqrt(mult_r), like=sub)
    return left[:, None] * sub * right[None, :]


@dataclass(frozen=True)
class _Options:
    """The settings of one SPM run (see :func:`spm`): iterations, restarts and
    tolerances of the power method, the progress display, the pool of starts
    iterated together, the step below which Newton steps take over, a bound
    on the rank estimate, and the name of the decomposed object for errors."""

    max_iter: int = 5000
    n_tries: int = 3
    grad_tol: float = 1e-14
    eig_tol: float | None = None
    restart_tol: float = 1e-2
    verbose: bool | int = False
    pool: int = 8
    newton_tol: float = 1e-3
    max_rank: int | None = None
    name: str = "T"


def _spm_core(M, d, m, rank, g, opts):
    """SPM of the reduced flattening M of an order-m tensor in d variables.

    Scale-aware: works on M / max|M| (no overflow of the spectrum's moments,
    no underflow in deflation); weights and spectrum are scaled back."""
    scale = _kernels.abs_max(M)
    if scale == 0.0:
        raise ValueError(f"{opts.name} is numerically zero: no component to recover")
    res = _spm_unit(M / scale, d, m, rank, g, opts)
    return CPResult(res.weights * scale, res.factors, res.n_iter, res.order, res.rank,
                    res.spectrum * scale, res.gap, res.noise_level * scale)


def _spm_unit(M, d, m, rank, g, opts):
    """SPM of a flattening scaled to max|M| = 1."""
    n2, n1 = -(-m // 2), m // 2
    even = n1 == n2
    D, W, Wr, spectrum = decompose(M, even, topk_size(M.shape, rank))
    floor = _rounding_floor(spectrum, M.shape)
    estimated = rank is None
    rank, gap_rank, noise = choose_rank(spectrum, floor, rank, opts.eig_tol, opts.max_rank,
                                        d, m, opts.name)
    if even and rank == min(M.shape):
        warnings.warn(
            f"rank {rank} is the full rank of the flattening: for an even order the "
            "subspace is then everything and the components are not identifiable",
            RuntimeWarning, stacklevel=find_stack_level())
    _, mult_l, find_l = symmetric_indices(d, n2)
    V = (W[:, :rank] / np.sqrt(mult_l)[:, None])[find_l]  # (d^n2, R), orthonormal
    U = None
    if not even:
        _, mult_r, find_r = symmetric_indices(d, n1)
        U = (Wr[:, :rank] / np.sqrt(mult_r)[:, None])[find_r]  # (d^n1, R)
    # pseudo-inverse of the flattening: rows V coordinates, columns U coordinates
    sub = _Subspace(V, U, np.diag(1.0 / D[:rank]), d, n2, n1)
    noise_test = None
    if estimated and noise > 0:
        noise_test = ((W[:, :gap_rank] / np.sqrt(mult_l)[:, None])[find_l], noise)
    with Progress(rank, f"spm (order {m}, d={d}, rank {rank})", opts.verbose) as bar:
        factors, weights, total_iter, stopped = _extract(
            sub, rank, g, opts.pool, opts.max_iter, opts.n_tries, opts.grad_tol,
            opts.restart_tol, opts.newton_tol, bar, noise_test)
        bar.close(f"{weights.size} components, {total_iter} pooled power/Newton iterations")
    _warn_short(weights, rank, estimated, stopped, noise, gap_rank)
    rank = weights.size
    factors, weights = _canonical_signs(factors, weights, even)
    order = np.argsort(-np.abs(weights), kind="stable")
    return CPResult(weights[order], factors[:, order], total_iter, m, rank, spectrum,
                    _gap(spectrum, rank, floor), noise)


def _warn_short(weights, rank, estimated, stopped, noise, gap_rank):
    """Warn when fewer components than asked were found, or (a given rank)
    when some weights are below the noise level."""
    if weights.size < rank:
        why = (f"the next two read as noise (weights below the noise level {noise:.3g} of "
               f"the flattening's spectrum, or outside the top-{gap_rank} subspace its gap "
               "selects)") if stopped == "noise" else (
               "no start converged to a finite component in the subspace left (the "
               f"flattening's spectrum supports rank {gap_rank})")
        warnings.warn(f"stopped after {weights.size} of {rank} components: {why}",
                      RuntimeWarning, stacklevel=find_stack_level())
    elif not estimated and noise > 0 and np.any(np.abs(weights) < noise):
        warnings.warn(
            f"{int(np.sum(np.abs(weights) < noise))} of the {rank} components have weights "
            f"below the noise level {noise:.3g} of the flattening's spectrum",
            RuntimeWarning, stacklevel=find_stack_level())


def _canonical_signs(factors, weights, even):
    """Odd order: positive weights (a_r → −a_r flips λ_r's sign); even order:
    each factor's largest entry positive."""
    if not even:
        neg = weights < 0
        factors[:, neg] *= -1
        weights[neg] *= -1
    else:
        flip = np.sign(factors[np.argmax(np.abs(factors), axis=0), np.arange(factors.shape[1])])
        factors *= np.where(flip == 0, 1.0, flip)
    return factors, weights


def _check_options(max_iter, n_tries, grad_tol, eig_tol, restart_tol):
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    n_tries = check_int(n_tries, "n_tries", minimum=1)
    eps = np.finfo(np.float64).eps
    tols = tuple(check_tol(val, name, eps, allow_none=name == "eig_tol")
                 for name, val in (("grad_tol", grad_tol), ("eig_tol", eig_tol),
                                   ("restart_tol", restart_tol)))
    return max_iter, n_tries, tols


@fork_safe
def spm(T, rank=None, rng=None, *, max_iter=5000, n_tries=3, grad_tol=1e-14, eig_tol=None,
        restart_tol=1e-2, sym_tol=1e-8, verbose=False):
    """Symmetric CP decomposition T ≈ Σ_r λ_r a_r^{⊗m} by the subspace power method.

    1. Flatten T to the d^⌈m/2⌉ × d^⌊m/2⌋ matrix restricted to sorted
       multi-indices with √multiplicity scaling (an isometric reduction of
       size C(d+⌈m/2⌉−1, ⌈m/2⌉) × C(d+⌊m/2⌋−1, ⌊m/2⌋)), and take its
       eigen- (even m) or singular (odd m) decomposition. Its top-R
       subspace is span{a_r^{⊗⌈m/2⌉}}.
    2. For each component, maximize F(x) = ‖P(x^{⊗⌈m/2⌉})‖² on the sphere by
       the shifted power method with Kileel & Pereira's adaptive shift; its
       global maxima (F = 1) are exactly ±a_r. Two starts advance together
       (one matrix product per iteration); up to ``n_tries`` rounds restart
       when the best F stays below 1 − restart_tol.
    3. Recover the weight from the pseudo-inverse of the flattening and
       deflate the subspace by a Householder reflection, so the
       decomposition of step 1 is never recomputed.

    Parameters
    ----------
    T : ndarray, shape (d,) * m
        Dense symmetric tensor of order m ≥ 3.
    rank : int, optional
        Number of components. ``None`` reads it from the spectrum σ of the
        reduced flattening: the k with the largest gap σ_k / σ_{k+1} among
        those whose tail σ_{k+1:} looks like a noise bulk (its top within 5×
        its median, or at the rounding floor 10·ε·N·σ₁); ``res.gap`` and
        ``res.noise_level`` (the bulk's edge) report the evidence, and a gap
        below :data:`GAP_FACTOR` (10) is warned as poorly determined. For
        noise E, the gap at the true rank R is about σ_R(T) / ‖flat(E)‖₂, so
        R is found while that ratio stays above the largest gap inside the
        signal (tested at relative noise 1e-6 to 1e-2, orders 3, 4 and 6).
        The rank may not exceed :func:`rank_limit` (d, m), the rank of the
        flattening (e.g. d for order 3; C(d+1, 2) for order 4):
        ``ValueError``; a given rank above the one the gap supports is
        honoured with a warning.
    rng : None, int, Generator or SeedSequence
        Randomness of the starting points.
    max_iter : int, default 5000
        Power iterations per start.
    n_tries : int, default 3
        Rounds of (two) random starts per component at most.
    grad_tol : float, default 1e-14
        Stop a start when ‖x_{t+1} − x_t‖ < grad_tol.
    eig_tol : float, optional
        A fixed relative threshold instead of the gap rule: the rank is the
        number of σ_k above ``eig_tol`` × (mean σ² / mean σ). The extraction
        then stops early, with a warning, once two components in a row read
        as noise (|weight| below the gap rule's noise level, or x^{⊗⌈m/2⌉}
        mostly outside the subspace the gap selects).
    restart_tol : float, default 1e-2
        Restart when the best F is below 1 − restart_tol.
    sym_tol : float, default 1e-8
        T is accepted as symmetric when max|T − T^σ| ≤ sym_tol · max|T| for
        the two generating permutations; otherwise ``ValueError``.
    verbose : bool or int
        Progress bar over components (``True``) or a line per component (2).

    Returns
    -------
    CPResult
        ``weights`` (R,), ``factors`` (d, R) with unit-norm columns,
        ``n_iter``, ``rank``, ``spectrum``, ``gap``, ``noise_level``;
        ``reconstruct()``. The arrays are in T's namespace and on its
        device (a CuPy T's flattening is factored by cuSOLVER on the
        device; the power method on the small subspace runs on the host).

    Notes
    -----
    Cost: building the reduced flattening reads T once; its decomposition
    costs O(N³) with N = C(d+⌈m/2⌉−1, ⌈m/2⌉) (820 for d = 40, m = 4), or,
    with ``rank`` given, N ≥ 1024 and q = 2·rank + 20 ≤ N/8, O(N² q) per
    restart of ARPACK's Lanczos method for the leading q eigenpairs only
    (the same subspace, gap and noise level; ``spectrum`` then holds q
    values); each
    power iteration costs O(d^⌈m/2⌉ · R) and each deflation O(d^⌈m/2⌉ · R).

    References
    ----------
    .. [1] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", Numerical Algorithms (2025), arXiv:1912.04007.

    Examples
    --------
    >>> import numpy as np
    >>> from sketchla import spm
    >>> from sketchla.datasets import make_symmetric_tensor
    >>> T, w, A = make_symmetric_tensor(10, 4, 15, rng=0)   # rank 15 > d
    >>> res = spm(T, rng=0)
    >>> res.rank, bool(np.linalg.norm(res.reconstruct() - T) < 1e-10 * np.linalg.norm(T))
    (15, True)
    """
    T, m, d = check_symmetric_tensor(T, sym_tol=sym_tol)
    max_iter, n_tries, (grad_tol, eig_tol, restart_tol) = _check_options(
        max_iter, n_tries, grad_tol, eig_tol, restart_tol)
    g = check_rng(rng)
    opts = _Options(max_iter=max_iter, n_tries=n_tries, grad_tol=grad_tol, eig_tol=eig_tol,
                    restart_tol=restart_tol, verbose=verbose)
    return _in_namespace_of(T, _spm_core(_reduced_flattening(T, d, m), d, m, rank, g, opts))


@fork_safe
def spm_moments(X, order, rank=None, rng=None, *, noise_variance=0.0, max_iter=5000,
                n_tries=3, grad_tol=1e-14, eig_tol=None, restart_tol=1e-2, verbose=False):
    """SPM of the moment tensor (1/n) Σ_i x_i^{⊗order} without forming it.

    The reduced flattening of the moment tensor is Y_lᵀ Y_r / n, where the
    rows of Y are the samples' reduced tensor powers of orders ⌈m/2⌉ and
    ⌊m/2⌋; it is accumulated in blocks of rows, so memory is
    O(N_l·N_r + block·N_l) instead of d^m.

    Parameters
    ----------
    X : array_like, shape (n_samples, d)
        Data rows (dense; NumPy or any array-API namespace).
    order : int
        m ≥ 3.
    rank : int, optional
        As in :func:`spm`; ``None`` reads it from the spectral gap.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    noise_variance : float, default 0.0
        σ² of additive isotropic Gaussian noise x = s + σg, g ~ N(0, I)
        independent of s. With σ² > 0 the decomposed tensor is the signal's
        moment E[s^{⊗m}]: the data moment minus, entrywise,
        Σ_{i≥1} σ^{2i} Σ_{|J|=2i} E[g^{⊗2i}]_{ι_J} E[s^{⊗(m−2i)}]_{ι∖J}, with
        the lower signal moments debiased in turn (the binomial expansion
        the SPM authors use for even moments, here for every order). The
        correction is evaluated on the reduced flattening's entries only;
        the lower moments of order ≤ m − 2 are formed densely (d^{m−2}).
    max_iter, n_tries, grad_tol, eig_tol, restart_tol, verbose
        As in :func:`spm`.

    Returns
    -------
    CPResult
        Its arrays in X's namespace and on its device.

    Notes
    -----
    Useful when the moments are low-rank: for data x_i = s_i·a_{c_i} (each
    sample a scaled copy of one of R directions) the order-m moment is
    exactly Σ_r (1/n Σ_{c_i = r} s_i^m) a_r^{⊗m}; for a mixture of
    Gaussians with shared spherical covariance σ²I and means μ_r, the
    debiased moment is Σ_r w_r μ_r^{⊗m} (see
    :class:`sketchla.MomentGaussianMixture`). Cost: O(n·N_l·N_r) for the
    flattening, plus O(n·d^{m−2}) for the lower moments when σ² > 0.

    References
    ----------
    .. [1] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", Numerical Algorithms (2025), arXiv:1912.04007.
    .. [2] D. Hsu, S. M. Kakade, "Learning mixtures of spherical Gaussians:
       moment methods and spectral decompositions", ITCS (2013).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> A = np.linalg.qr(g.standard_normal((8, 3)))[0]
    >>> X = g.standard_normal((20000, 3)) ** 3 @ A.T  # independent heavy-tailed sources
    >>> res = sketchla.spm_moments(X, order=4, rank=3, rng=0)
    >>> res.factors.shape
    (8, 3)
    """
    from ._moments import corrected_flattening, data_flattening, signal_moments

    X = check_samples(X)
    order = check_order(order, X.shape[1], minimum=3, dense=False)
    noise_variance = check_scalar(noise_variance, "noise_variance", minimum=0)
    n, d = X.shape
    max_iter, n_tries, (grad_tol, eig_tol, restart_tol) = _check_options(
        max_iter, n_tries, grad_tol, eig_tol, restart_tol)
    M = check_moments(data_flattening(X, order), order)
    if noise_variance > 0:
        lower = signal_moments(X, order - 2, noise_variance)
        M = corrected_flattening(M, d, order, noise_variance, lower)
    opts = _Options(max_iter=max_iter, n_tries=n_tries, grad_tol=grad_tol, eig_tol=eig_tol,
                    restart_tol=restart_tol, verbose=verbose,
                    name=f"the order-{order} moment of X")
    return _in_namespace_of(X, _spm_core(M, d, order, rank, check_rng(rng), opts))


def _in_namespace_of(like, res):
    """The result's arrays in the namespace and on the device of the input."""
    if array_kind(like) == "numpy":
        return res
    return replace(res, weights=from_numpy(res.weights, like, dtype=None),
                   factors=from_numpy(res.factors, like, dtype=None),
                   spectrum=from_numpy(res.spectrum, like, dtype=None))
