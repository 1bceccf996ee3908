"""The rank of a symmetric tensor read from the spectrum of its reduced
flattening: the largest gap above a noise bulk, the rounding floor, and the
checks on a rank the caller gives."""

from __future__ import annotations

import warnings

import numpy as np

from .._stack import find_stack_level
from .._validation import check_int

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
    leaves no bulk to see. A spectrum all at the floor gives (0, 0.0).
    ``max_rank`` bounds the candidates (a signal known to have
    at most that rank) and replaces N in the full-rank reading.
    """
    N = spectrum.size
    k0 = int(np.sum(spectrum > floor))
    if k0 == 0:  # numerically zero: no component
        return 0, 0.0
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


def choose_rank(spectrum, floor, rank, eig_tol, max_rank, d, m, name):
    """(rank, gap rank, noise level): the rank asked for, checked against the
    spectrum (warned above what it supports), else the gap rule's (warned
    when the gap is below :data:`GAP_FACTOR`), else the ``eig_tol`` count.
    A numerically zero spectrum is a ``ValueError`` naming ``name``."""
    even = m % 2 == 0
    gap_rank, noise = _estimate_rank(spectrum, even, floor, max_rank)
    zero = ValueError(f"{name} is numerically zero: no component to recover")
    if gap_rank == 0:
        raise zero
    if rank is None and eig_tol is None:
        gap = _gap(spectrum, gap_rank, floor)
        if gap < GAP_FACTOR:
            warnings.warn(
                f"the spectrum of the flattening has no clear gap (largest sigma_k / "
                f"sigma_k+1 = {gap:.3g} at k = {gap_rank}, below "
                f"{GAP_FACTOR:g}): the rank estimate is unreliable; pass rank=",
                RuntimeWarning, stacklevel=find_stack_level())
        return gap_rank, gap_rank, noise
    if rank is None:
        typical = np.mean(spectrum**2) / max(np.mean(spectrum), np.finfo(float).tiny)
        rank = int(np.sum(spectrum > eig_tol * typical))
        if rank == 0:
            raise zero
        return rank, gap_rank, noise
    limit = spectrum.size
    rank = check_int(rank, "rank", minimum=1, maximum=limit,
                     maximum_label=f"the identifiable limit {limit} for order {m}, d = {d}")
    if not spectrum[rank - 1] > 1.0 / np.finfo(float).max:  # zero: no inverse
        raise ValueError(
            f"rank={rank} exceeds the rank {int(np.sum(spectrum > 0))} of the "
            "flattening (exactly zero beyond it): those components are not defined")
    if spectrum[rank - 1] <= max(noise, floor):
        warnings.warn(f"rank={rank} exceeds the rank the spectrum of the flattening "
                      f"supports ({gap_rank}, noise level {noise:.3g}); the trailing "
                      "components are fitted to noise", RuntimeWarning, stacklevel=find_stack_level())
    return rank, gap_rank, noise
