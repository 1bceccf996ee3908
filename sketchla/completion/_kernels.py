"""Numba kernels of alternating minimization: one least-squares problem per
row of the factor being updated, all rows in parallel.

Row ``i`` of the output solves ``min_u Σ_{p ∈ row i} (x_p − F[j_p]·u)² + reg‖u‖²``
over the observed entries ``p`` of that row (CSR for the rows, CSC for the
columns: the same kernel serves both half-sweeps). Two solvers:

* exact: the k×k normal equations, accumulated in one pass
  (|Ω_i|·k(k+1)/2 multiply-adds), solved by Cholesky; a singular system
  (fewer observations than k, or none) falls back to the minimum-norm
  solution through the pseudo-inverse.
* sketched (Gu, Song, Yin, Zhang 2024): a CountSketch of the row's
  |Ω_i|×k design into ``sketch_rows`` rows (one pass, |Ω_i|·k), the Cholesky
  factor L of the sketched Gram matrix as preconditioner, then ``n_inner``
  preconditioned conjugate-gradient steps on the normal equations, warm
  started from the previous iterate (2|Ω_i|·k per step). A sweep costs
  O(|Ω|·k·(n_inner + 2) + n·sketch_rows·k²) instead of O(|Ω|·k²).
  Rows with at most ``sketch_rows`` observations gain nothing from a sketch
  and are solved exactly.
"""

from __future__ import annotations

import numba as nb
import numpy as np

@nb.njit(cache=True, fastmath=True)
def _splitmix(x):
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@nb.njit(cache=True, fastmath=True)
def _cholesky(G, k):
    """In-place lower Cholesky factor of G[:k, :k]; False if not positive definite."""
    big = 0.0
    for a in range(k):
        big = max(big, G[a, a])
    floor = big * 1e-13
    if big <= 0.0:
        return False
    for j in range(k):
        s = G[j, j]
        for c in range(j):
            s -= G[j, c] * G[j, c]
        if s <= floor:
            return False
        d = np.sqrt(s)
        G[j, j] = d
        for i in range(j + 1, k):
            s = G[i, j]
            for c in range(j):
                s -= G[i, c] * G[j, c]
            G[i, j] = s / d
    return True


@nb.njit(cache=True, fastmath=True)
def _chol_solve(L, b, k):
    """b ← (L Lᵀ)⁻¹ b in place."""
    for i in range(k):
        s = b[i]
        for c in range(i):
            s -= L[i, c] * b[c]
        b[i] = s / L[i, i]
    for i in range(k - 1, -1, -1):
        s = b[i]
        for c in range(i + 1, k):
            s -= L[c, i] * b[c]
        b[i] = s / L[i, i]


@nb.njit(cache=True, fastmath=True)
def _solve_exact(indptr, indices, data, F, i, reg, G, Gc, b, u):
    """u ← argmin over row i's entries by the normal equations."""
    k = F.shape[1]
    G[:, :] = 0.0
    b[:] = 0.0
    for p in range(indptr[i], indptr[i + 1]):
        f = F[indices[p]]
        x = data[p]
        for a in range(k):
            fa = f[a]
            b[a] += x * fa
            for c in range(k):
                G[a, c] += fa * f[c]
    big = 0.0
    for a in range(k):
        G[a, a] += reg
        big = max(big, G[a, a])
    Gc[:, :] = G
    u[:] = b
    if _cholesky(G, k):
        _chol_solve(G, u, k)
        return
    # rank-deficient row (fewer observations than k): a tiny ridge gives the
    # minimum-norm solution to relative accuracy ~1e-10
    for a in range(k):
        Gc[a, a] += 1e-10 * big
    if big > 0.0 and _cholesky(Gc, k):
        _chol_solve(Gc, u, k)
    else:
        u[:] = 0.0


@nb.njit(cache=True, fastmath=True)
def _solve_sketched(indptr, indices, data, F, i, reg, u0, n_inner, ms, seed,
                    SB, G, u, g, z, d, q):
    """u ← n_inner sketch-preconditioned CG steps from u0; False if the sketch
    is singular (the caller then solves exactly)."""
    k = F.shape[1]
    SB[:, :] = 0.0
    for p in range(indptr[i], indptr[i + 1]):
        h = _splitmix(np.uint64(p) ^ seed)
        row = np.int64(((h & np.uint64(0xFFFFFFFF)) * np.uint64(ms)) >> np.uint64(32))
        f = F[indices[p]]
        if (h >> np.uint64(63)) == np.uint64(1):
            for a in range(k):
                SB[row, a] -= f[a]
        else:
            for a in range(k):
                SB[row, a] += f[a]
    G[:, :] = 0.0
    for r in range(ms):
        for a in range(k):
            sa = SB[r, a]
            for c in range(k):
                G[a, c] += sa * SB[r, c]
    for a in range(k):
        G[a, a] += reg
    if not _cholesky(G, k):
        return False
    # g = Bᵀ(y − B u) − reg·u
    u[:] = u0
    for a in range(k):
        g[a] = -reg * u[a]
    for p in range(indptr[i], indptr[i + 1]):
        f = F[indices[p]]
        t = data[p]
        for a in range(k):
            t -= f[a] * u[a]
        for a in range(k):
            g[a] += t * f[a]
    z[:] = g
    _chol_solve(G, z, k)
    d[:] = z
    rz = 0.0
    for a in range(k):
        rz += g[a] * z[a]
    for _ in range(n_inner):
        if rz <= 0.0:
            break
        for a in range(k):
            q[a] = reg * d[a]
        for p in range(indptr[i], indptr[i + 1]):
            f = F[indices[p]]
            t = 0.0
            for a in range(k):
                t += f[a] * d[a]
            for a in range(k):
                q[a] += t * f[a]
        dq = 0.0
        for a in range(k):
            dq += d[a] * q[a]
        if dq <= 0.0:
            break
        alpha = rz / dq
        for a in range(k):
            u[a] += alpha * d[a]
            g[a] -= alpha * q[a]
        z[:] = g
        _chol_solve(G, z, k)
        rz_new = 0.0
        for a in range(k):
            rz_new += g[a] * z[a]
        beta = rz_new / rz
        rz = rz_new
        for a in range(k):
            d[a] = z[a] + beta * d[a]
    return True


@nb.njit(parallel=True, cache=True, fastmath=True)
def update_rows(indptr, indices, data, F, U0, out, reg, sketched, n_inner, sketch_rows,
                seed, resid, n_threads):
    """Solve every row's least-squares problem; ``out[i]`` ← solution.

    ``U0`` holds the warm starts (used by the sketched solver). When
    ``resid`` has length n, ``resid[i]`` ← the row's squared residual.
    """
    n = indptr.size - 1
    k = F.shape[1]
    ms = max(sketch_rows, k)
    n_chunks = min(n, 16 * n_threads)
    want_resid = resid.size == n
    seed64 = np.uint64(seed)
    for c in nb.prange(n_chunks):
        lo = (n * c) // n_chunks
        hi = (n * (c + 1)) // n_chunks
        G = np.empty((k, k))
        Gc = np.empty((k, k))
        SB = np.empty((ms, k))
        b = np.empty(k)
        u = np.empty(k)
        g = np.empty(k)
        z = np.empty(k)
        d = np.empty(k)
        q = np.empty(k)
        for i in range(lo, hi):
            done = False
            if sketched and indptr[i + 1] - indptr[i] > ms:
                done = _solve_sketched(indptr, indices, data, F, i, reg, U0[i], n_inner, ms,
                                       seed64, SB, G, u, g, z, d, q)
            if not done:
                _solve_exact(indptr, indices, data, F, i, reg, G, Gc, b, u)
            out[i, :] = u
            if want_resid:
                s = 0.0
                for p in range(indptr[i], indptr[i + 1]):
                    f = F[indices[p]]
                    t = data[p]
                    for a in range(k):
                        t -= f[a] * u[a]
                    s += t * t
                resid[i] = s
