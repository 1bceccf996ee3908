"""The row problems of alternating minimization on the device: for each row
i of a CSR matrix X of observed entries and a factor F, the normal
equations G_i = Σ_j F_jᵀ F_j, b_i = Σ_j X_ij F_j over the row's entries,
and the row's residual Σ_j (X_ij − u_i·F_j)². Each output element is owned
by one thread and summed in the order of the CSR structure.
"""

from __future__ import annotations

from numba import cuda


@cuda.jit
def normal_equations_kernel(indptr, indices, data, F, G, b):
    """Thread (e, i): entry e of row i's system, e < k·k an entry (a, c) of
    G_i, e = k·k + a the entry a of b_i."""
    e, i = cuda.grid(2)
    k = F.shape[1]
    if i >= G.shape[0] or e >= k * k + k:
        return
    acc = 0.0
    if e < k * k:
        a, c = e // k, e % k
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            acc += F[j, a] * F[j, c]
        G[i, a, c] = acc
    else:
        a = e - k * k
        for p in range(indptr[i], indptr[i + 1]):
            acc += data[p] * F[indices[p], a]
        b[i, a] = acc


@cuda.jit
def residual_kernel(indptr, indices, data, U, V, out):
    """out[i] = Σ_p (data[p] − U_i · V_{indices[p]})² over row i."""
    i = cuda.grid(1)
    if i >= out.shape[0]:
        return
    k = U.shape[1]
    acc = 0.0
    for p in range(indptr[i], indptr[i + 1]):
        j = indices[p]
        pred = 0.0
        for a in range(k):
            pred += U[i, a] * V[j, a]
        r = data[p] - pred
        acc += r * r
    out[i] = acc
