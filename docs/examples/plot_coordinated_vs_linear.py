"""
Coordinated sampling against linear sketches at equal storage
=============================================================

The error of an estimate of AᵀB from sketches of equal storage, as the
rows get sparser. A linear sketch (JL, CountSketch) spreads every nonzero
over all its rows; a coordinated sample keeps whole rows, chosen by a
shared hash, so on sparse data its error is several times smaller.
"""

import matplotlib.pyplot as plt

from sketchla.datasets import make_sparse_pair
from sketchla.linalg.matmul import compare_equal_storage

d, n = 300, 3000
nonzeros = [1, 3, 10, 30, 100, 300]
errors = {"priority": [], "gaussian": [], "countsketch": []}
for s in nonzeros:
    A, B = make_sparse_pair(n, d, s, rng=0)
    e = compare_equal_storage(A, B, 300, seeds=2)
    for k in errors:
        errors[k].append(e[k])
fig, ax = plt.subplots(figsize=(6, 4))
labels = {"priority": "coordinated (priority)", "gaussian": "JL (Gaussian)",
          "countsketch": "CountSketch"}
for k, v in errors.items():
    ax.loglog(nonzeros, v, "o-", label=labels[k])
ax.set_xlabel(f"nonzeros per row (of {d})")
ax.set_ylabel("‖estimate − AᵀB‖_F")
ax.set_title("error at equal storage")
ax.legend()
fig.tight_layout()
plt.show()
