"""Symmetric CP decomposition by the subspace power method (SPM).

:func:`spm` decomposes a dense symmetric tensor, :func:`spm_moments` the
moment tensor of data without forming it, :class:`SymmetricCP` is the
scikit-learn-style estimator and :class:`CPResult` the result.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla

from .._progress import Progress
from .. import _kernels
from .._backend import array_kind, get_namespace, to_numpy
from .._validation import check_int, check_rng, check_scalar
from ._symmetric import (
    check_moments,
    check_order,
    check_samples,
    check_symmetric_tensor,
    cp_to_tensor,
    symmetric_indices,
    veronese,
)

__all__ = ["spm", "spm_moments", "CPResult", "rank_limit"]


@dataclass
class CPResult:
    """T ≈ Σ_r weights[r] · factors[:, r]^{⊗order}.

    Attributes
    ----------
    weights : ndarray, shape (R,)
        Sorted by decreasing absolute value. For odd orders they are made
        positive by the sign of the factor.
    factors : ndarray, shape (d, R)
        Unit-norm columns (for even orders the sign is fixed so that the
        largest-magnitude entry is positive).
    n_iter : int
        Power-method iterations summed over components and starts.
    order : int
    rank : int
        R, estimated from the spectrum of the flattening when not given.
    spectrum : ndarray
        Singular values (absolute eigenvalues for even orders) of the
        reduced flattening, in decreasing order: the evidence for the rank.
    gap : float
        ``spectrum[rank - 1] / spectrum[rank]`` (inf at the flattening's
        full rank); below :data:`GAP_FACTOR` the rank is poorly determined.
    noise_level : float
        The edge of the spectrum's noise bulk, ``spectrum[k]`` for the rank
        ``k`` the gap rule chooses (0 when the flattening has full rank and no
        bulk). Components with |weight| below it cannot be told from noise.

    Notes
    -----
    Returned by :func:`spm` and :func:`spm_moments`; ``reconstruct()``
    forms Σ_r weights[r]·factors[:, r]^{⊗order} (size d^order).

    References
    ----------
    .. [1] J. Kileel, J. M. Pereira, "Subspace power method for symmetric
       tensor decomposition", arXiv:1912.04007.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> from sketchla.datasets import make_symmetric_tensor
    >>> T, w, A = make_symmetric_tensor(8, 4, 5, rng=0)
    >>> res = sketchla.spm(T, rng=0)
    >>> res.rank, bool(np.allclose(res.reconstruct(), T))
    (5, True)
    """

    weights: np.ndarray
    factors: np.ndarray
    n_iter: int
    order: int
    rank: int
    spectrum: np.ndarray
    gap: float = np.inf
    noise_level: float = 0.0

    def reconstruct(self):
        """The dense tensor Σ_r weights[r] · factors[:, r]^{⊗order}."""
        return cp_to_tensor(self.weights, self.factors, self.order)


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
    # fraction of T's d^m entries) is gathered there and factored on the host
    xp = get_namespace(T)
    flat = xp.reshape(T, (d**n2, d**n1))
    sub = to_numpy(_kernels.take_cols(_kernels.take_rows(flat, lin_l, xp=xp), lin_r, xp=xp))
    return np.sqrt(mult_l)[:, None] * sub * np.sqrt(mult_r)[None, :]


def _householder(y):
    """u with H = I − 2uuᵀ mapping e_last to ±y/‖y‖ (‖u‖ = 1)."""
    u = np.array(y, dtype=np.float64, copy=True)
    ny = np.linalg.norm(u)
    u[-1] += ny if u[-1] >= 0 else -ny
    return u / np.linalg.norm(u)


def _drop_cols(B, u):
    """(B H)[:, :-1] for H = I − 2uuᵀ."""
    return (B - 2.0 * np.outer(B @ u, u))[:, :-1]


class _Subspace:
    """The current subspace span{a_r^{⊗n2}} (and, for odd orders, span{a_r^{⊗n1}})
    with the pseudo-inverse of the flattening in its coordinates."""

    def __init__(self, V, U, Dinv, d, n2, n1):
        self.V, self.U, self.Dinv = V, U, Dinv
        self.d, self.n2, self.n1 = d, n2, n1

    @property
    def k(self):
        return self.V.shape[1]

    def contract(self, X):
        """V contracted with x^{⊗(n2−1)} for each column x of X: (s, d, k)."""
        d, k = self.d, self.k
        P = veronese(X.T, self.n2 - 1)
        return (P @ self.V.reshape(d ** (self.n2 - 1), d * k)).reshape(-1, d, k)

    def random_starts(self, s, g):
        d, k = self.d, self.k
        Y = (g.standard_normal((s, d ** (self.n2 - 1))) @ self.V.reshape(-1, d * k))
        X = np.einsum("sdk,ks->ds", Y.reshape(s, d, k), g.standard_normal((k, s)))
        return X / np.linalg.norm(X, axis=0)

    def newton_steps(self, X, VX, c, G, f):
        """Riemannian Newton steps for max F on the sphere; NaN where the
        tangent Hessian is not negative definite (not near a maximum)."""
        d, n2 = self.d, self.n2
        s = X.shape[1]
        # ∇²F / (2 n2) = n2 VX VXᵀ + (n2 − 1) (V c)(x^{n2−2}, ·, ·)
        H = n2 * (VX @ VX.transpose(0, 2, 1))
        Vc = (self.V @ c.T).T.reshape(s, d ** (n2 - 2), d * d)  # n2 ≥ 2 as the order is ≥ 3
        P = veronese(X.T, n2 - 2)
        H += (n2 - 1) * np.einsum("sp,spq->sq", P, Vc).reshape(s, d, d)
        # Riemannian Hessian / (2 n2) on the tangent space: P (H − F I) P, with
        # the normal direction x given eigenvalue −1 so the system is regular
        H -= f[:, None, None] * np.eye(d)
        Xt = X.T
        Hx = np.einsum("sde,se->sd", H, Xt)
        xHx = np.einsum("sd,sd->s", Hx, Xt)
        H += (-np.einsum("sd,se->sde", Xt, Hx) - np.einsum("sd,se->sde", Hx, Xt)
              + (xHx - 1.0)[:, None, None] * np.einsum("sd,se->sde", Xt, Xt))
        grad = G.T - np.einsum("sd,s->sd", Xt, f)  # tangent part of G
        w, Q = np.linalg.eigh(H)
        out = np.full((d, s), np.nan)
        ok = np.all(w < 0, axis=1)
        if ok.any():
            coef = np.einsum("sdk,sd->sk", Q[ok], grad[ok]) / w[ok]
            out[:, ok] = -np.einsum("sdk,sk->ds", Q[ok], coef)
        return out

    def deflate(self, x):
        """Weight of the component x and the subspace without it."""
        n2, n1 = self.n2, self.n1
        aV = self.V.T @ veronese(x[None], n2)[0]
        if self.U is None:
            y = self.Dinv @ aV
            lam = (aV @ aV) / (aV @ y)
            if self.k > 1:
                u = _householder(y)
                self.V = _drop_cols(self.V, u)
                self.Dinv = _drop_cols(_drop_cols(self.Dinv, u).T, u).T
            return lam
        aU = self.U.T @ veronese(x[None], n1)[0]
        lam = np.linalg.norm(aU) * np.linalg.norm(aV) / (aV @ self.Dinv @ aU)
        if self.k > 1:
            uV, uU = _householder(self.Dinv @ aU), _householder(self.Dinv.T @ aV)
            self.V = _drop_cols(self.V, uV)
            self.U = _drop_cols(self.U, uU)
            self.Dinv = _drop_cols(_drop_cols(self.Dinv.T, uV).T, uU)
        return lam


def _reads_as_noise(x, weight, n2, V_signal, level):
    f_signal = np.sum((veronese(x[None], n2)[0] @ V_signal) ** 2)
    return abs(weight) < level or f_signal < 0.5


def _extract(sub, rank, g, pool, max_iter, n_tries, grad_tol, restart_tol, newton_tol,
             bar, noise_test=None):
    """Find ``rank`` components: a pool of starts iterates together (one matrix
    product per iteration); each start runs the adaptively shifted power
    method, then Riemannian Newton steps once its step falls below
    ``newton_tol``; a converged start with F ≥ 1 − restart_tol is accepted,
    weighted and deflated, and the pool is refilled with fresh starts.

    With ``noise_test = (V_signal, level)``, the extraction stops once two
    components in a row read as noise, |weight| < level or x^{⊗⌈m/2⌉}
    mostly outside span(V_signal) (F < 1/2 there); those two are dropped
    (unless no component would be left)."""
    d, n2 = sub.d, sub.n2
    cn = np.sqrt((n2 - 1) / n2)
    pool = max(1, min(pool, rank))
    X = sub.random_starts(pool, g)
    iters = np.zeros(pool, np.int64)
    last = np.full(pool, np.inf)
    factors, weights = [], []
    best_spurious = (None, -np.inf)
    failures = 0
    total = 0
    below = 0
    stopped = None
    while len(factors) < rank:
        total += 1
        VX = sub.contract(X)
        c = np.einsum("sdk,ds->sk", VX, X)
        G = np.einsum("sdk,sk->ds", VX, c)
        f = np.einsum("ds,ds->s", G, X)
        lam = np.where(f > 2 / 3, np.sqrt(2 * f * np.maximum(1 - f, 0)), 1 - f / 2)
        Xn = G + (lam * cn) * X
        Xn /= np.linalg.norm(Xn, axis=0)
        near = last < newton_tol
        if near.any():
            idx = np.flatnonzero(near)
            eta = sub.newton_steps(X[:, idx], VX[idx], c[idx], G[:, idx], f[idx])
            ok = ~np.isnan(eta[0])
            if ok.any():
                Y = X[:, idx[ok]] + eta[:, ok]
                Xn[:, idx[ok]] = Y / np.linalg.norm(Y, axis=0)
        step = np.linalg.norm(Xn - X, axis=0)
        X = Xn
        iters += 1
        last = step
        done = (step < grad_tol) | (near & (step < 1e-8)) | (iters >= max_iter)
        if not done.any():
            continue
        cand = np.flatnonzero(done)
        j = cand[np.argmax(f[cand])]
        accept, f_acc = None, f[j]
        if 1 - f[j] < restart_tol:
            accept = X[:, j].copy()
        else:
            failures += len(cand)
            for i in cand:
                if f[i] > best_spurious[1]:
                    best_spurious = (X[:, i].copy(), f[i])
            if failures >= n_tries * pool:
                if best_spurious[0] is None:
                    # no start gave a finite value: the subspace left has no component
                    stopped = "exhausted"
                    break
                accept, f_acc = best_spurious
        if accept is not None:
            weights.append(sub.deflate(accept))
            factors.append(accept)
            below = below + 1 if noise_test is not None and _reads_as_noise(
                accept, weights[-1], n2, *noise_test) else 0
            if below == 2 and len(factors) > 2:
                del factors[-2:], weights[-2:]
                stopped = "noise"
                break
            failures, best_spurious = 0, (None, -np.inf)
            bar.update(len(factors), f=float(f_acc), weight=float(weights[-1]))
            if len(factors) == rank:
                break
            # restart the accepted start and those that sit on the same component
            again = np.abs(accept @ X) > 0.99
            again[j] = True
        else:
            again = np.zeros(pool, bool)
            again[cand] = ~(1 - f[cand] < restart_tol)  # NaN included
        if again.any():
            X[:, again] = sub.random_starts(int(again.sum()), g)
            iters[again] = 0
            last[again] = np.inf
    return np.array(factors).reshape(-1, d).T, np.array(weights), total, stopped


class _NumericallyZero(ValueError):
    """Raised inside the extraction; :func:`_spm_core` names the argument."""


def _spm_core(M, d, m, rank, g, max_iter, n_tries, grad_tol, eig_tol, restart_tol,
              verbose, pool=8, newton_tol=1e-3, max_rank=None, name="T"):
    # scale-aware: work on M / max|M| (no overflow of the spectrum's moments,
    # no underflow in deflation), weights and spectrum scaled back at the end
    scale = _kernels.abs_max(M)
    try:
        if scale == 0.0:
            raise _NumericallyZero
        res = _spm_unit(M / scale, d, m, rank, g, max_iter, n_tries, grad_tol, eig_tol,
                        restart_tol, verbose, pool, newton_tol, max_rank)
    except _NumericallyZero:
        raise ValueError(f"{name} is numerically zero: no component to recover") from None
    return CPResult(res.weights * scale, res.factors, res.n_iter, res.order, res.rank,
                    res.spectrum * scale, res.gap, res.noise_level * scale)


#: a rank is reported as well determined when its spectral gap σ_R / σ_{R+1}
#: is at least this factor
GAP_FACTOR = 10.0
#: a tail σ_{k+1}, …, σ_N is read as a noise bulk when its largest value is
#: within this factor of its median (semicircle |λ|: ≈ 2.5; Marchenko–Pastur
#: singular values of the odd-order flattening: ≈ 1.1–1.3)
_BULK_RATIO = 5.0
#: a gap this large above a bulk of at least three values is taken over the
#: full-rank reading, though reported as weak (below GAP_FACTOR)
_WEAK_GAP = 3.0


def _rounding_floor(spectrum, shape):
    """Spectral values at or below 10·ε·max(shape)·σ₁ are zero."""
    return 10.0 * np.finfo(np.float64).eps * max(shape) * spectrum[0]


def _gap(spectrum, k, floor):
    """σ_k / σ_{k+1}, with values under the rounding floor read as the floor."""
    if k >= spectrum.size:
        return np.inf
    return spectrum[k - 1] / max(spectrum[k], floor)


def _estimate_rank(spectrum, even, floor, max_rank=None):
    """(rank, noise_level) from the sorted spectrum of the reduced flattening
    and its rounding floor (:func:`_rounding_floor`).

    Every k whose tail σ_{k+1:} reads as a noise bulk (σ_{k+1} at the
    rounding floor, or within 5 × the tail's median) is a candidate; the
    rank is the candidate with the largest gap σ_k / σ_{k+1}, and the noise
    level the bulk's edge σ_{k+1}. For even orders the spectrum is
    |eigenvalues| of a symmetric matrix, whose smallest values approach 0
    inside a noise bulk; candidates there leave at least max(3, N/10)
    values in the tail, unless it is at the floor. When no candidate has a
    gap of at least :data:`GAP_FACTOR`, no value is at the floor, and the
    best candidate is not a gap of at least 3 above a bulk of at least 3
    values, the flattening is read as full rank N (noise level 0): for odd
    orders a rank-N signal fills the smaller side of the flattening and
    leaves no bulk to see. ``max_rank`` bounds the candidates (a signal known to have
    at most that rank) and replaces N in the full-rank reading.
    """
    N = spectrum.size
    k0 = int(np.sum(spectrum > floor))
    if k0 == 0:
        raise _NumericallyZero
    keep = max(3, -(-N // 10)) if even else 1
    top = N if max_rank is None else min(max_rank, N)
    best, best_gap = (top, 0.0), -np.inf
    for k in range(1, min(k0, top, N - 1) + 1):
        edge = max(spectrum[k], floor)
        if edge > floor and (N - k < keep or edge > _BULK_RATIO * np.median(spectrum[k:])):
            continue
        gap = spectrum[k - 1] / edge
        if gap > best_gap:
            best, best_gap = (k, float(edge)), gap
    bulk_seen = N - best[0] >= 3 and best_gap >= _WEAK_GAP
    if k0 >= top and best_gap < GAP_FACTOR and not bulk_seen:
        return top, (0.0 if top == N else float(max(spectrum[top], floor)))
    return best


def _spm_unit(M, d, m, rank, g, max_iter, n_tries, grad_tol, eig_tol, restart_tol,
              verbose, pool, newton_tol, max_rank=None):
    n2 = -(-m // 2)
    n1 = m // 2
    even = n1 == n2
    if even:
        D, W = sla.eigh(M)
        order = np.argsort(-np.abs(D))
        D, W = D[order], W[:, order]
        Wr = W
    else:
        W, D, Wrt = sla.svd(M, full_matrices=False)
        Wr = Wrt.T
    spectrum = np.abs(D)
    limit = min(M.shape)
    floor = _rounding_floor(spectrum, M.shape)
    gap_rank, noise = _estimate_rank(spectrum, even, floor, max_rank)
    estimated = rank is None
    if rank is None and eig_tol is None:
        rank = gap_rank
        gap = _gap(spectrum, rank, floor)
        if gap < GAP_FACTOR:
            warnings.warn(
                f"the spectrum of the flattening has no clear gap (largest sigma_k / "
                f"sigma_k+1 = {gap:.3g} at k = {rank}, below "
                f"{GAP_FACTOR:g}): the rank estimate is unreliable; pass rank=",
                RuntimeWarning, stacklevel=4)
    elif rank is None:
        typical = np.mean(spectrum**2) / max(np.mean(spectrum), np.finfo(float).tiny)
        rank = int(np.sum(spectrum > eig_tol * typical))
        if rank == 0:
            raise _NumericallyZero
    else:
        rank = check_int(rank, "rank", minimum=1, maximum=limit,
                         maximum_label=f"the identifiable limit {limit} for order {m}, "
                                       f"d = {d}")
        if not spectrum[rank - 1] * np.finfo(float).max > 1.0:  # zero: no inverse
            raise ValueError(
                f"rank={rank} exceeds the rank {int(np.sum(spectrum > 0))} of the "
                "flattening (exactly zero beyond it): those components are not defined")
        if spectrum[rank - 1] <= max(noise, floor):
            warnings.warn(f"rank={rank} exceeds the rank the spectrum of the flattening "
                          f"supports ({gap_rank}, noise level {noise:.3g}); the trailing "
                          "components are fitted to noise", RuntimeWarning, stacklevel=4)
    if even and rank == limit:
        warnings.warn(
            f"rank {limit} is the full rank of the flattening: for an even order the "
            "subspace is then everything and the components are not identifiable",
            RuntimeWarning, stacklevel=4)
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
    with Progress(rank, f"spm (order {m}, d={d}, rank {rank})", verbose) as bar:
        factors, weights, total_iter, stopped = _extract(
            sub, rank, g, pool, max_iter, n_tries, grad_tol, restart_tol, newton_tol, bar,
            noise_test)
        bar.close(f"{weights.size} components, {total_iter} pooled power/Newton iterations")
    if weights.size < rank:
        why = (f"the next two read as noise (weights below the noise level {noise:.3g} of "
               f"the flattening's spectrum, or outside the top-{gap_rank} subspace its gap "
               "selects)") if stopped == "noise" else (
               "no start converged to a finite component in the subspace left (the "
               f"flattening's spectrum supports rank {gap_rank})")
        warnings.warn(f"stopped after {weights.size} of {rank} components: {why}",
                      RuntimeWarning, stacklevel=4)
        rank = weights.size
    elif not estimated and noise > 0 and np.any(np.abs(weights) < noise):
        warnings.warn(
            f"{int(np.sum(np.abs(weights) < noise))} of the {rank} components have weights "
            f"below the noise level {noise:.3g} of the flattening's spectrum",
            RuntimeWarning, stacklevel=4)
    if not even:
        neg = weights < 0
        factors[:, neg] *= -1
        weights[neg] *= -1
    if even:
        flip = np.sign(factors[np.argmax(np.abs(factors), axis=0), np.arange(rank)])
        factors *= np.where(flip == 0, 1.0, flip)
    order = np.argsort(-np.abs(weights), kind="stable")
    return CPResult(weights[order], factors[:, order], total_iter, m, rank, spectrum,
                    _gap(spectrum, rank, floor), noise)


def _check_options(max_iter, n_tries, grad_tol, eig_tol, restart_tol):
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    n_tries = check_int(n_tries, "n_tries", minimum=1)
    for name, val in (("grad_tol", grad_tol), ("eig_tol", eig_tol),
                      ("restart_tol", restart_tol)):
        check_scalar(val, name, minimum=0, include_minimum=False,
                     allow_none=name == "eig_tol")
    return max_iter, n_tries


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
        ``reconstruct()``.

    Notes
    -----
    Cost: building the reduced flattening reads T once; its decomposition
    costs O(N³) with N = C(d+⌈m/2⌉−1, ⌈m/2⌉) (820 for d = 40, m = 4); each
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
    max_iter, n_tries = _check_options(max_iter, n_tries, grad_tol, eig_tol, restart_tol)
    g = check_rng(rng)
    return _spm_core(_reduced_flattening(T, d, m), d, m, rank, g, max_iter, n_tries,
                     grad_tol, eig_tol, restart_tol, verbose)


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
    max_iter, n_tries = _check_options(max_iter, n_tries, grad_tol, eig_tol, restart_tol)
    M = check_moments(data_flattening(X, order), order)
    if noise_variance > 0:
        lower = signal_moments(X, order - 2, noise_variance)
        M = corrected_flattening(M, d, order, noise_variance, lower)
    return _spm_core(M, d, order, rank, check_rng(rng), max_iter, n_tries, grad_tol, eig_tol,
                     restart_tol, verbose, name=f"the order-{order} moment of X")
