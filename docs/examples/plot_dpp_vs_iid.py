"""
DPP points against i.i.d. points
================================

Points for weighted least squares on [−1, 1]² with a Legendre basis of
total degree 6 (m = 28 functions): i.i.d. draws from the Christoffel
density cluster and leave holes; a projection DPP of the same basis repels
its points, so n = m points already give a well-conditioned Gram matrix.
"""

import matplotlib.pyplot as plt
import numpy as np

import sketchla

basis = sketchla.polynomial_basis("legendre", dim=2, degree=6)
m = basis.size
fig, axes = plt.subplots(1, 2, figsize=(8, 4), sharey=True)
for ax, method in zip(axes, ("christoffel", "dpp")):
    X, w = sketchla.sample_weighted_ls_points(basis, m, method=method, rng=3)
    F = np.sqrt(w)[:, None] * basis(X)
    G = F.T @ F / X.shape[0]
    cond = np.linalg.cond(G)
    ax.scatter(X[:, 0], X[:, 1], s=18)
    ax.set_title(f"{method}: {X.shape[0]} points, cond(G) = {cond:.0f}")
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
fig.tight_layout()
plt.show()
