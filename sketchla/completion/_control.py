"""Stopping control of the alternating sweeps: the relative-change rule
(on held-out entries when sample splitting), the divergence guard that keeps
the best factors, the warnings, and the callback in X's units."""

from __future__ import annotations

import warnings

import numpy as np
from .._stack import find_stack_level


class _DivergenceGuard:
    """Keeps the factors of the best sweep; reports a non-finite residual, or one
    that rose in two consecutive sweeps by more than 1 %, as divergence:
    "exact" (switch from sketched solves) or "stop" (already exact)."""

    def __init__(self):
        self.best, self.prev, self.rises = np.inf, np.inf, 0
        self._U = self._V = None
        self.best_state = None  # the biases with the best factors

    def __call__(self, r, U, V, sketched, state=None):
        finite = np.isfinite(r) and np.isfinite(U).all() and np.isfinite(V).all()
        if finite and r < self.best:
            self.best, self._U, self._V = r, U.copy(), V.copy()
            self.best_state = None if state is None else tuple(a.copy() for a in state)
        self.rises = self.rises + 1 if (not finite or r > 1.01 * self.prev) else 0
        self.prev = r if finite else np.inf
        if self.rises >= 2 or not finite:
            self.rises, self.prev = 0, np.inf
            if self._U is None:
                return None
            return "exact" if sketched else "stop"
        return None

    def best_factors(self):
        return self._U.copy(), self._V.copy()


class _StoppingRule:
    """Stop at rounding level (relative observed residual ≤ 1e-14) or, without
    sample splitting, when the relative decrease of the objective (the
    residual; with a ridge, the regularized objective, which exact
    alternating solves never increase) falls to ``tol``."""

    def __init__(self, tol, sample_splitting):
        self.tol, self.sample_splitting = tol, sample_splitting
        self.residuals = []
        self.objectives = []
        self.converged = False

    def __call__(self, r, f=None):
        f = r if f is None else f
        prev = self.objectives[-1] if self.objectives else np.inf
        self.residuals.append(r)
        self.objectives.append(f)
        if r <= 1e-14 or (not self.sample_splitting and np.isfinite(prev)
                          and prev - f <= self.tol * prev):
            self.converged = True
        return self.converged


def _warn_empty(rows, cols):
    if rows.size or cols.size:
        warnings.warn(f"{rows.size} row(s) and {cols.size} column(s) of X have no observed "
                      "entry; their completed values are set to 0", RuntimeWarning,
                      stacklevel=find_stack_level())


def _warn_not_converged(stop, max_iter, tol):
    if not stop.converged and tol > 0:
        warnings.warn(
            f"altmin did not converge in {max_iter} sweeps (relative observed residual "
            f"{stop.residuals[-1]:.3g}); pass a larger max_iter, or check the result",
            RuntimeWarning, stacklevel=find_stack_level())


def _in_x_units(callback, shape, core_r, core_c, d_rows, d_cols, scale):
    """The user's callback, given the sweeps' factors (of the well-observed
    core, equilibrated, at unit scale) as factors of X: full shape, in X's
    units, so that U @ V.T is the current estimate (rows set aside so far
    are zero)."""
    if callback is None:
        return None
    root = float(np.sqrt(scale))

    def wrapped(it, U, V):
        Uf, Vf = np.zeros((shape[0], U.shape[1])), np.zeros((shape[1], V.shape[1]))
        Uf[core_r], Vf[core_c] = U, V
        if d_rows is not None:
            Uf /= d_rows[:, None]
            Vf /= d_cols[:, None]
        callback(it, Uf * root, Vf * root)

    return wrapped
