"""
Embedding distortion against the sketch size
============================================

A subspace embedding keeps every ‖SAx‖ within (1 ± ε)‖Ax‖. The distortion ε
of the column space of a coherent 20000 × 20 matrix (a few heavy rows) is
the largest deviation of the singular values of S Q from 1, Q an orthonormal
basis. It shrinks like √(d/m) for the Gaussian, SRHT and sparse sign
sketches; CountSketch needs about d² rows.
"""

import matplotlib.pyplot as plt
import numpy as np

import sketchla

g = np.random.default_rng(0)
n, d = 20_000, 20
A = g.standard_normal((n, d))
A[:d] *= 1e3  # heavy rows: a coherent subspace, the hard case for row sampling
Q = np.linalg.qr(A)[0]
sizes = [40, 80, 160, 320, 640, 1280]
fig, ax = plt.subplots(figsize=(6, 4))
for kind in ("gaussian", "srht", "sparse_sign", "countsketch"):
    eps = []
    for m in sizes:
        sv = np.linalg.svd(sketchla.make_sketch(kind, m, n, rng=1) @ Q, compute_uv=False)
        eps.append(max(sv.max() - 1, 1 - sv.min()))
    ax.loglog(sizes, eps, "o-", label=kind)
ax.loglog(sizes, [np.sqrt(d / m) for m in sizes], "k--", lw=0.8, label="√(d/m)")
ax.set_xlabel("sketch rows m")
ax.set_ylabel("distortion ε")
ax.set_title(f"subspace embedding of a coherent {n} × {d} matrix")
ax.legend()
fig.tight_layout()
plt.show()
