"""SS-HOPM: the shifted symmetric higher-order power method (Kolda & Mayo)."""

from __future__ import annotations

import warnings


import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import advance, reports_progress
from .._kernels.forks import checkpoint
from .._stack import find_stack_level
from ._eigenpair import EigenpairResult
from .. import _kernels
from .._backend import from_numpy, to_numpy
from .._validation import as_finite_float, check_int, check_option, check_rng, check_scalar, check_tol
from ._symmetric import check_symmetric_tensor

__all__ = ["sshopm"]


def _contract(T, x, times):
    """T contracted with the host vector x along its last ``times`` modes; the
    (small) result comes back to the host."""
    out = T
    xt = from_numpy(x, T)
    for _ in range(times):
        out = out @ xt
    return to_numpy(out)


@fork_safe
@reports_progress("sshopm", _costs.sshopm)
def sshopm(T, x0=None, shift="adaptive", rng=None, *, max_iter=1000, tol=1e-12, tau=1e-6,
           sym_tol=1e-8, return_info=False):
    """A Z-eigenpair (λ, x) of a symmetric tensor: T x^{m−1} = λ x, ‖x‖ = 1.

    Iterates x ← (T x^{m−1} + α x) / ‖T x^{m−1} + α x‖, which increases
    f(x) = T x^m monotonically whenever f + α‖x‖^m is convex near the
    iterates: a local maximizer of f on the sphere is found.

    Parameters
    ----------
    T : ndarray, shape (d,) * m
        Dense symmetric tensor, m ≥ 3 (checked as in :func:`spm`).
    x0 : ndarray, shape (d,), optional
        Start (normalized); default a random unit vector from ``rng``.
    shift : "adaptive" or float, default "adaptive"
        ``"adaptive"`` (Kolda & Mayo 2014): at each step
        α = max(0, τ − (m − 1)·λ_min(P (T x^{m−2}) P)), with P the projector
        onto x⊥, the smallest shift making f + α‖x‖^m locally convex on the
        tangent space (so each step ascends, with the least damping). A
        number: the fixed shift of SS-HOPM (2011), convergent for
        α > (m − 1)·max‖T x^{m−2}‖₂; 0 is the unshifted S-HOPM, which may
        fail to converge.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    max_iter : int, default 1000
        Maximum number of power steps.
    tol : float, default 1e-12
        Stop when |λ_{t+1} − λ_t| ≤ tol·max(1, |λ_t|) and ‖x_{t+1} − x_t‖ ≤ √tol.
    tau : float, default 1e-6
        Convexity margin of the adaptive shift.
    sym_tol : float, default 1e-8
        Relative tolerance of the symmetry check of T (max |T − Tᵀ| over ‖T‖).
    return_info : bool, default False
        Deprecated: the result carries ``n_iter``, ``converged`` and
        ``history``; ``True`` returns the tuple ``(eigenvalue, eigenvector,
        info)`` with a ``FutureWarning``, for one more release.

    Returns
    -------
    EigenpairResult
        Unpacks as ``eigenvalue, eigenvector``; also ``n_iter``,
        ``converged`` and ``history`` (λ after every step, nondecreasing for
        convex shifts).

    Notes
    -----
    Cost per iteration: one contraction of T with x, O(d^m) (plus an
    eigen-decomposition of a d×d matrix for the adaptive shift).

    References
    ----------
    .. [1] T. G. Kolda, J. R. Mayo, "Shifted power method for computing
       tensor eigenpairs", SIAM J. Matrix Anal. Appl. 32(4), 2011.
    .. [2] T. G. Kolda, J. R. Mayo, "An adaptive shifted power method for
       computing generalized tensor eigenpairs", SIAM J. Matrix Anal. Appl.
       35(4), 2014.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> a = np.array([0.6, 0.8, 0.0])
    >>> T = np.einsum("i,j,k->ijk", a, a, a)
    >>> lam, x = sketchla.sshopm(T, x0=[0.5, 0.9, 0.1])  # from near a: its eigenpair
    >>> bool(abs(lam - 1) < 1e-8 and abs(abs(x @ a) - 1) < 1e-8)
    True
    """
    T, m, d = check_symmetric_tensor(T, sym_tol=sym_tol)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = check_tol(tol, "tol", np.finfo(np.float64).eps)
    adaptive = isinstance(shift, str)
    if adaptive:
        check_option(shift, "shift", ("adaptive",))
    else:
        try:
            shift = check_scalar(shift, "shift")
        except TypeError:
            raise ValueError(f"shift must be 'adaptive' or a finite number, got {shift!r}") \
                from None
    if x0 is None:
        x = check_rng(rng).standard_normal(d)
    else:
        x = as_finite_float(x0, "x0", 1)
        if x.shape != (d,):
            raise ValueError(f"x0 must have shape ({d},), got {x.shape}")
        if not np.any(x):
            raise ValueError("x0 must be a finite, nonzero vector")
    x = x / np.linalg.norm(x)
    # scale-aware: iterate on T / max|T| (the tolerances and τ are then
    # relative); λ is scaled back on return
    scale = _kernels.abs_max(T)
    if scale > 0:
        T = T / scale
    else:
        scale = 1.0
    Tm2 = _contract(T, x, m - 2)
    g = Tm2 @ x
    lam = float(x @ g)
    history = [lam]
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        advance(2.0 * T.size)
        if adaptive:
            P = np.eye(d) - np.outer(x, x)
            w = np.linalg.eigvalsh(P @ Tm2 @ P + np.outer(x, x) * np.abs(Tm2).max())
            alpha = max(0.0, tau - (m - 1) * w[0])
        else:
            alpha = float(shift)
        y = g + alpha * x
        ny = np.linalg.norm(y)
        if ny == 0:
            break
        x_new = y / ny
        Tm2 = _contract(T, x_new, m - 2)
        g = Tm2 @ x_new
        lam_new = float(x_new @ g)
        history.append(lam_new)
        small = (abs(lam_new - lam) <= tol * max(1.0, abs(lam))
                 and np.linalg.norm(x_new - x) <= np.sqrt(tol))
        x, lam = x_new, lam_new
        if small:
            converged = True
            break
    lam *= scale
    if not converged:
        warnings.warn(f"sshopm did not converge in max_iter={max_iter} iterations "
                      f"(tol={tol:g}); the result's converged is False", RuntimeWarning,
                      stacklevel=find_stack_level())
    res = EigenpairResult(lam, x, n_iter=it, converged=converged,
                          history=[h * scale for h in history])
    if return_info:
        warnings.warn("return_info= is deprecated and will be removed in the next release: "
                      "the result carries n_iter, converged and history", FutureWarning,
                      stacklevel=find_stack_level())
        return lam, x, {"n_iter": it, "converged": converged, "history": res.history}
    return res
