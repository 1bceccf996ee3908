"""The damped fixed-point iteration of the Lewis weights, w ← (w^{1−2/p}·τ(w))^{…},
its residual, and the result type; shared by the in-memory and the streamed
drivers."""

from __future__ import annotations

import warnings

import numpy as np

from .._kernels.forks import checkpoint
from .._stack import find_stack_level
from .._backend import array_kind, materialize


class LewisResult(np.ndarray):
    """The weights (an ndarray) with ``residual`` and ``n_iter`` attached."""


def _safe(w, pos, xp):
    """w where positive, 1 elsewhere (so powers and logs stay finite)."""
    return xp.where(pos, w, xp.ones_like(w))


def _fixed_point_residual(tau, w, p, xp):
    """max_i |τ_i(W^{1/2−1/p}A) − w_i| / w_i; ``tau(s)`` gives the leverage
    scores of diag(s)·A."""
    pos = w > 0
    wp = _safe(w, pos, xp)
    t = tau(xp.where(pos, wp ** (0.5 - 1.0 / p), xp.zeros_like(w)))
    return float(xp.max(xp.where(pos, xp.abs(t - w) / wp, xp.zeros_like(w))))


def _wrap(w, residual, n_iter):
    """NumPy weights as a LewisResult carrying the residual and iteration count;
    other namespaces' arrays are returned as they are."""
    if array_kind(w) != "numpy":
        return w
    out = np.asarray(w, dtype=np.float64).view(LewisResult)
    out.residual, out.n_iter = residual, n_iter
    return out


def _damped(w, t, eta):
    """w ← w^(1−η)·t^η in place (t is overwritten); η = 2/3 (p = 1) as one
    cube root, cbrt(w·t²), several times cheaper than two powers."""
    if eta == 2.0 / 3.0:
        t *= t
        t *= w
        np.cbrt(t, out=w)
        return
    np.power(t, eta, out=t)
    w **= 1 - eta
    w *= t


def _power(w, e, out, where):
    """out ← w^e where ``where``: e = −1/2 (p = 1) as 1/√w, e = 0 (p = 2) as 1."""
    if e == -0.5:
        np.sqrt(w, out=out, where=where)
        np.divide(1.0, out, out=out, where=where)
    elif e == 0.0:
        out[where] = 1.0
    else:
        np.power(w, e, out=out, where=where)


def _damping(p):
    """η for log w ← (1−η) log w + η log T(w), T(w) = τ(W^{1/2−1/p}U).

    The Jacobian of log T is (1 − 2/p)(I − Q), Q = diag(τ)⁻¹(P∘P) with
    eigenvalues in [0, 1]: its spectrum lies in [1 − 2/p, 0] for p < 2 and
    in [0, 1 − 2/p] for p ≥ 2. η = 2p/(p + 2) (p < 2) centres the damped
    spectrum, giving the rate (2 − p)/(2 + p) (1/3 at p = 1); η = 1 gives
    1 − 2/p for p ≥ 2.
    """
    return 2.0 * p / (p + 2.0) if p < 2 else 1.0


def _fixed_point(tau, w, p, tol, max_iter, xp):
    """Damped Lewis fixed point from w; returns (w, iterations).

    Rows with w <= eps² (the null space of A, up to the rounding of the
    basis) are set to 0 and stay there."""
    eta = _damping(p)
    pos = w > float(xp.finfo(w.dtype).eps) ** 2
    pos, w = materialize(pos, xp.where(pos, w, xp.zeros_like(w)))
    zero = xp.zeros_like(w)
    it = 0
    for it in range(1, max_iter + 1):
        checkpoint()  # a fork waits here, not in the middle of the BLAS
        wp = _safe(w, pos, xp)
        t = tau(xp.where(pos, wp ** (0.5 - 1.0 / p), zero))
        res = xp.max(xp.where(pos, xp.abs(t - w) / wp, zero))
        t = _safe(t, pos, xp)
        # the step and its residual in one graph (one pass for dask)
        w, res = materialize(
            xp.where(pos, xp.exp((1 - eta) * xp.log(wp) + eta * xp.log(t)), zero), res)
        if float(res) <= tol:
            break
    else:
        if max_iter:
            warnings.warn(f"the Lewis fixed point did not reach tol={tol:g} in "
                          f"max_iter={max_iter} iterations (relative change {float(res):.3g})",
                          RuntimeWarning, stacklevel=find_stack_level())
    return w, it
