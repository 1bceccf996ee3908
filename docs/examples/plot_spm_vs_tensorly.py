"""
SPM against TensorLy's symmetric power iteration
================================================

Order-4 symmetric tensors of dimension 15 and growing rank R, past the
dimension (overcomplete). The subspace power method estimates R and
recovers the tensor to rounding; TensorLy's symmetric CP power iteration,
given the true R, leaves a large error.
"""

import matplotlib.pyplot as plt
import numpy as np

import sketchla
from sketchla.datasets import make_symmetric_tensor

try:
    import tensorly as tl
    from tensorly.decomposition import symmetric_parafac_power_iteration
except ImportError:
    tl = None

ranks = [5, 10, 20, 30]
ours, theirs = [], []
for R in ranks:
    T, w, A = make_symmetric_tensor(15, 4, R, rng=0)
    res = sketchla.spm(T, rng=0)
    ours.append(np.linalg.norm(res.reconstruct() - T) / np.linalg.norm(T))
    if tl is not None:
        wt, ft = symmetric_parafac_power_iteration(tl.tensor(T), R)  # its defaults
        theirs.append(np.linalg.norm(tl.cp_to_tensor((wt, [ft] * 4)) - T) / np.linalg.norm(T))
fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogy(ranks, np.maximum(ours, 1e-16), "o-", label="sketchla.spm (rank estimated)")
if theirs:
    ax.semilogy(ranks, theirs, "s-", label="TensorLy (rank given)")
ax.axvline(15, color="k", lw=0.5)
ax.set_xlabel("rank R (d = 15)")
ax.set_ylabel("relative error")
ax.legend()
fig.tight_layout()
plt.show()
