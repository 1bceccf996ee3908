"""The gradient Aᵀ(b − A x) in extended precision (native kernel).

Near the solution of a large-residual least-squares problem, Aᵀr is tiny
while r is not, and computing it in working precision loses everything:
its error u·‖A‖‖r‖ is amplified by ‖(AᵀA)⁻¹‖, giving the u·κ²·‖r‖ term
that makes normal-equation-type iterations worse than Householder QR on
ill-conditioned problems. Evaluating r = b − A x and Aᵀr in double-double
(float64 input: Dekker's exact products and Knuth's TwoSum) or in float64
(float32 input) removes that term; iterative refinement with these
gradients converges to the solution correctly rounded up to O(u)·‖x‖ —
the classical mixed-precision refinement (Björck, "Numerical Methods for
Least Squares Problems", §2.9; Higham, "Accuracy and Stability", §20.5).

Cost: about 40 flops per entry of A per call, in parallel over row blocks;
used only when the estimated κ²-term exceeds LAPACK's u·κ (see lstsq).
"""

from __future__ import annotations

import numpy as np

from ._native import host_only, native


def accurate_gradient(A, x, b, *, xp=None):
    """(Aᵀ(b − A x), ‖b − A x‖) with the products and sums in extended precision.

    A : float64 or float32 (n, d); x : (d,); b : (n,). The native kernel's
    result does not depend on the thread count. Returns float64 (the caller
    rounds).
    """
    host_only(xp, "accurate_gradient")
    A = np.ascontiguousarray(A)
    x = np.ascontiguousarray(x, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=A.dtype)
    g = np.empty(A.shape[1])
    rn = native().accurate_gradient(A, x, b, g)
    return g, rn
