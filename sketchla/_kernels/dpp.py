"""Native kernels of the DPP samplers: the chain rule's batches, column
probes, and the elementary symmetric polynomials of a k-DPP."""

from __future__ import annotations

import numpy as np

from ._native import host_only, native


def probe_columns(V, J, z, *, xp=None):
    """(V[:, J] C-ordered, its squared row norms, Vᵀ(V z), the number of rows
    where V z is not finite) for a host float64 V (n, r) of any strides.

    One native pass: each block of rows is read from memory once for both
    products and the gather (threaded; the result does not depend on the
    thread count)."""
    host_only(xp, "probe_columns")
    n, r = V.shape
    J = np.ascontiguousarray(J, dtype=np.int64)
    out = np.empty((n, J.size))
    lev = np.empty(n)
    acc = np.empty(r)
    bad = native().probe_columns(V, np.ascontiguousarray(z, dtype=np.float64), J, out, lev,
                                 acc)
    return out, lev, acc, bad


def chain_batch(F, u, E, t, *, xp=None):
    """One batch of the projection-DPP chain rule (native): the proposals'
    features F (m, k) examined in order with their uniforms u (m) against
    the orthonormal rows 0..t−1 of E (k, k), which grows in place. Returns
    the batch positions of the accepted proposals."""
    host_only(xp, "chain_batch")
    F = np.ascontiguousarray(F, dtype=np.float64)
    acc = np.empty(F.shape[1], dtype=np.int64)
    got = native().chain_batch(F, np.ascontiguousarray(u, dtype=np.float64), E, t, acc,
                               np.empty(F.shape[0]))
    return acc[:got]


def esp_ratios(lam, k, *, xp=None):
    """ρ (n + 1, k): ρ[m, l − 1] = e_{l−1}/e_l of the first m of λ ≥ 0 (+inf
    where e_l = 0), the elementary symmetric polynomials' table as ratios of
    adjacent levels (native; no intermediate product overflows, for any λ
    from about 1e-308 to 1e308). The whole table that :func:`choose_k`
    walks segment by segment, for checking it."""
    host_only(xp, "esp_ratios")
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    out = np.empty((lam.size + 1, k))
    native().esp_ratios(lam, out)
    return out


def choose_k(lam, k, u, *, xp=None):
    """An ascending size-k subset J of range(len(λ)) with P(J) ∝ Π_{i∈J} λ_i,
    drawn with the uniforms u (one per eigenvalue; native, O(k √n) memory)."""
    host_only(xp, "choose_k")
    J = np.empty(k, dtype=np.int64)
    native().choose_k(np.ascontiguousarray(lam, dtype=np.float64),
                      np.ascontiguousarray(u, dtype=np.float64), J)
    return J
