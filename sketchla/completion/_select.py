"""Choosing the ridge of alternating minimization on held-out entries.

:func:`select_reg` is what ``altmin_complete(reg="auto")`` runs: a fraction
of the observed entries is held out, the ridge λ descends a geometric path
whose fits warm-start each other on the rest, the held-out error picks λ,
and the fit at that λ is the warm start of the final fit on all entries.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._progress import Progress
from ._entries import (_BiasedProblem, _CSREntries, _HalfSweep, _choose_solver, _plan_core,
                       _range_finder)
from ._regpath import RegPath
from ._sweeps import _balance, _sweep

__all__ = ["select_reg"]

#: the inner sweeps of a path point display nothing
_SILENT = Progress(1, "altmin reg path", False)
#: the fraction of the observed entries held out to score the path
HOLDOUT = 0.1
#: the path: λ from σ₁/2 down by _GRID_FACTOR while λ ≥ _LAM_MIN·σ₁ (σ₁ the
#: ridge above which the factors vanish); then λ = 0 where the rank is
#: identifiable
_LAM_MIN, _GRID_FACTOR = 1e-6, 2.0
#: sweeps per λ of the path at most; fewer once the objective's relative
#: decrease falls below _PATH_TOL (each λ starts from the previous fit)
_PATH_SWEEPS, _PATH_TOL = 8, 1e-4
#: components whose singular value falls below this fraction of the largest
#: are restarted from the spectral start before the next λ
_REVIVE = 1e-2
#: the path stops once the held-out error has failed to improve this many times
_PATIENCE = 2
#: the baseline's bias shrinkage, in entries (the damped means of Koren 2010)
_BIAS_SHRINK = 10.0
#: an unregularized fit whose held-out RMSE is below this fraction of the
#: held-out entries' RMS fits them exactly: λ = 0 without a path
_EXACT = 1e-3
#: fewer held-out entries than this: no choice is made (λ = 0 when identifiable)
_MIN_HELDOUT = 20


class _Start:
    """Factors and biases of a fit in X's units: the warm start of another
    fit of the same matrix (whose scale and mean may differ)."""

    def __init__(self, U, V, mean, b, c):
        self.U, self.V, self.mean, self.b, self.c = U, V, mean, b, c

    def restrict(self, prob, core_r, core_c, scale):
        root = np.sqrt(scale)
        if self.b is not None:  # μ' + b' + c' = (μ + b + c) / scale
            prob.set_biases((self.b[core_r] + self.mean) / scale - prob.mean,
                            self.c[core_c] / scale)
        return (np.ascontiguousarray(self.U[core_r] / root),
                np.ascontiguousarray(self.V[core_c] / root))


class _HeldOut:
    """The held-out entries and the predictions of a core fit for them."""

    def __init__(self, rows, cols, vals, core_r, core_c):
        self.vals = vals
        pos_r, pos_c = np.cumsum(core_r) - 1, np.cumsum(core_c) - 1
        self.in_r, self.in_c = core_r[rows], core_c[cols]
        self.pr, self.pc = pos_r[rows], pos_c[cols]
        self.both = self.in_r & self.in_c

    def rmse(self, U, V, prob=None):
        pred = np.zeros(self.vals.size)
        b = self.both
        pred[b] = np.einsum("ij,ij->i", U[self.pr[b]], V[self.pc[b]])
        if prob is not None:
            rb, cb = prob.biases()
            pred += prob.mean
            pred[self.in_r] += rb[self.pr[self.in_r]]
            pred[self.in_c] += cb[self.pc[self.in_c]]
        return float(np.sqrt(np.mean((self.vals - pred) ** 2)))


def _baseline(train, rows, cols, vals, biases):
    """Held-out RMSE of the training mean, plus damped row and column means."""
    data = train.data
    mean = float(data.mean()) if data.size else 0.0
    pred = np.full(vals.size, mean)
    if biases:
        m, n = train.shape
        r = np.repeat(np.arange(m), np.diff(train.indptr))
        b, c = np.zeros(m), np.zeros(n)
        nr, nc = np.bincount(r, minlength=m), np.bincount(train.indices, minlength=n)
        for _ in range(3):
            c = np.bincount(train.indices, data - mean - b[r], n) / (nc + _BIAS_SHRINK)
            b = np.bincount(r, data - mean - c[train.indices], m) / (nr + _BIAS_SHRINK)
        pred += b[rows] + c[cols]
    return float(np.sqrt(np.mean((vals - pred) ** 2)))


def _grid(top):
    """λ from top/2 down by factors of _GRID_FACTOR to _LAM_MIN·top (none when
    top is not positive: zero residuals, nothing to regularize)."""
    lams = []
    if not (np.isfinite(top) and top > 0):
        return lams
    lam = top / 2
    while lam >= _LAM_MIN * top:
        lams.append(lam)
        lam /= _GRID_FACTOR
    return lams


def _top_weighted(prob, g):
    """σ₁ of W_r⁻¹ P_Ω(R) W_c⁻¹ (R: the observations less the mean and the
    biases, W = diag(√n)): the smallest ridge at which the zero factors
    are optimal (the ridge is a weighted nuclear norm, ‖W_r U Vᵀ W_c‖_*)."""
    indptr, cols, data = prob.rows0
    m, n = prob.csr.shape
    rows = np.repeat(np.arange(m), prob.row_lengths)
    if isinstance(prob, _BiasedProblem):
        b, c = prob.biases()
        data = data - prob.mean - b[rows] - c[cols]
    wr = 1 / np.sqrt(np.maximum(prob.row_lengths, 1))
    wc = 1 / np.sqrt(np.maximum(prob.col_lengths, 1))
    A = sp.csr_matrix((data * wr[rows] * wc[cols], cols, indptr), shape=(m, n))
    s = _range_finder(lambda X: A @ X, lambda Y: A.T @ Y, (m, n), 1, g, n_power=3,
                      oversample=4)[1]
    return float(s[0]) if s.size else 0.0


def _revive(U, V, U0, V0):
    """Balanced factors whose collapsed components (singular value below
    _REVIVE of the largest; ALS cannot leave zero) are replaced by the
    spectral start's at that level, so that a smaller λ can grow them."""
    U, V = _balance(U, V)
    su, s0 = np.linalg.norm(U, axis=0), np.linalg.norm(U0, axis=0)
    dead = su < _REVIVE * max(float(su.max(initial=0)), 1e-300)
    if dead.any():
        level = np.sqrt(_REVIVE) * max(float(su.max(initial=0)), 1e-300)
        f = level / np.maximum(s0[dead], 1e-300)
        U[:, dead], V[:, dead] = U0[:, dead] * f, V0[:, dead] * f
    return U, V


def _fit_at(prob, sweep, U, V, lam, g):
    """Sweeps at ridge ``lam`` (scaled units) from (U, V): at most
    _PATH_SWEEPS, fewer once the objective's relative decrease is below
    _PATH_TOL (no progress display: the path reports per λ)."""
    sweep.reg = lam
    prev = np.inf
    for k in range(_PATH_SWEEPS):
        U, V, _, f = _sweep(prob, U, V, k + 1, g, _SILENT, None, lam)
        if not (np.isfinite(f) and np.isfinite(U).all() and np.isfinite(V).all()):
            return None
        if prev - f <= _PATH_TOL * prev:
            break
        prev = f
    return U, V


def select_reg(csr, rank, opts, g, *, allow_zero, fit_zero=None, verbose=False):
    """Choose the ridge λ of :func:`altmin_complete` on held-out entries.

    ``csr``: the observations (float64 CSR, X's units; not modified).
    A fraction :data:`HOLDOUT` of the entries is held out. ``allow_zero``:
    the rank is identifiable without a ridge. ``fit_zero(train_csr)`` (an
    unregularized fit, a :class:`CompletionResult`; given where it differs
    from the path's fits, e.g. equilibrated) is scored first, and an
    exact fit of the held-out entries ends the search at λ = 0. λ descends
    from σ₁/2 (σ₁: the ridge above which the factors vanish) by factors of
    2 to 1e-6·σ₁, each fit warm-started from the previous one and scored
    by its held-out RMSE; the path stops once two steps in a row fail to
    improve on the best score, and a parabola in log λ through the best
    point and its neighbours proposes one more λ. Returns a
    :class:`RegPath`; its ``start`` is the best fit, to warm-start the fit
    on all entries (None where λ = 0 won).
    """
    m, n = csr.shape
    rows = np.repeat(np.arange(m), np.diff(csr.indptr))
    test = g.random(csr.nnz) < HOLDOUT
    nothing = np.empty(0)
    fallback = RegPath(0.0 if allow_zero else 1e-3 * float(np.abs(csr.data).max(initial=1)),
                       nothing, nothing, np.nan, int(test.sum()), opts.biases, rank)
    if test.sum() < _MIN_HELDOUT:
        return fallback
    train = sp.csr_matrix((csr.data[~test], (rows[~test], csr.indices[~test])), shape=(m, n))
    train.indices = train.indices.astype(np.int64, copy=False)
    train.indptr = train.indptr.astype(np.int64, copy=False)
    tr, tc, ty = rows[test], csr.indices[test], csr.data[test]
    baseline = _baseline(train, tr, tc, ty, opts.biases)
    zero = None
    fitted = None if fit_zero is None else fit_zero(train.copy())
    if fitted is not None:
        with np.errstate(all="ignore"):
            pred = fitted.predict(tr, tc)
        zero = float(np.sqrt(np.mean((ty - pred) ** 2))) if np.isfinite(pred).all() \
            else np.inf
        if zero <= _EXACT * float(np.sqrt(np.mean(ty * ty))):
            return RegPath(0.0, np.zeros(1), np.array([zero]), baseline, int(test.sum()),
                           opts.biases, rank)
    entries = _CSREntries(train, np.dtype(np.float64), (m, n))
    scale = entries.unit_scale()
    counts_r, counts_c = entries.counts()
    core_r, core_c, _, _ = _plan_core(entries, rank, counts_r, counts_c, warn=False)
    if min(core_r.sum(), core_c.sum()) < rank:
        return fallback
    sweep = _HalfSweep(0.0, False, opts.n_inner, opts.sketch_rows)
    prob = entries.problem(core_r, core_c, sweep, None, 0, opts.biases)
    sweep.sketched = _choose_solver(opts.solver, prob, rank) == "sketched"
    held = _HeldOut(tr, tc, ty / scale, core_r, core_c)
    U0, V0 = _balance(*prob.initialize(rank, opts.clip, g))
    lams = _grid(_top_weighted(prob, g))
    if not lams and fitted is None:
        return fallback
    with Progress(len(lams), "altmin reg path", verbose) as bar:
        tried, scores, state, ran_out = _descend(prob, sweep, held, lams, U0, V0, g, bar,
                                                 scale)
        if fitted is not None and np.isfinite(zero):
            tried.append(0.0)
            scores.append(zero / scale)
        if not scores or not np.isfinite(scores).all():
            return fallback
        k = int(np.argmin(scores))
        if allow_zero and ran_out and tried[k] == lams[-1]:
            # still improving at the end of the path: λ → 0
            if fitted is None or not np.isfinite(zero):
                tried.append(0.0)
                scores.append(scores[k])
            k = len(tried) - 1
        bar.close(f"{len(tried)} fits, reg {tried[k] * scale:.3g}, held-out RMSE "
                  f"{scores[k] * scale:.4g} (baseline {baseline:.4g})")
    start = None if tried[k] == 0 else _start(state, prob, core_r, core_c, scale, opts.biases)
    return RegPath(float(tried[k] * scale), np.asarray(tried) * scale,
                   np.asarray(scores) * scale, baseline, int(test.sum()), opts.biases, rank,
                   start)


def _descend(prob, sweep, held, lams, U0, V0, g, bar, scale):
    """The warm-started path down ``lams``, then the parabola's λ: (λ tried,
    their held-out RMSE, the best fit's (U, V, biases), whether the path
    ran to its end without stopping)."""
    biased = prob if isinstance(prob, _BiasedProblem) else None
    tried, scores = [], []
    U, V = U0, V0
    best, misses, state, ran_out = np.inf, 0, None, True
    for lam in lams:
        fit = _fit_at(prob, sweep, *_revive(U, V, U0, V0), lam, g)
        if fit is None:
            ran_out = False
            break
        U, V = fit
        score = held.rmse(U, V, biased)
        if not np.isfinite(score):
            ran_out = False
            break
        tried.append(lam)
        scores.append(score)
        bar.update(len(tried), reg=lam * scale, heldout_rmse=scores[-1] * scale)
        if scores[-1] < best:
            best, misses = scores[-1], 0
            state = (U.copy(), V.copy(), biased and tuple(a.copy() for a in prob.biases()))
        else:
            misses += 1
            if misses >= _PATIENCE:
                ran_out = False
                break
    lam_v = _vertex(tried, scores)
    if lam_v is not None:
        if biased:
            prob.set_biases(*state[2])
        fit = _fit_at(prob, sweep, state[0], state[1], lam_v, g)
        score = np.nan if fit is None else held.rmse(*fit, biased)
        if np.isfinite(score):
            tried.append(lam_v)
            scores.append(score)
            if scores[-1] < best:
                state = (fit[0].copy(), fit[1].copy(),
                         biased and tuple(a.copy() for a in prob.biases()))
    return tried, scores, state, ran_out


def _vertex(tried, scores):
    """The λ at the vertex of the parabola in log λ through the best
    positive λ and its two neighbours on the grid, or None."""
    pos = [(np.log(lam), s) for lam, s in zip(tried, scores) if lam > 0]
    if len(pos) < 3:
        return None
    k = int(np.argmin([s for _, s in pos]))
    if k == 0 or k == len(pos) - 1:
        return None
    (x0, y0), (x1, y1), (x2, y2) = pos[k - 1], pos[k], pos[k + 1]
    den = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (y1 - y0) + x1 * (y0 - y2) + x0 * (y2 - y1)) / den
    b = (x2 * x2 * (y0 - y1) + x1 * x1 * (y2 - y0) + x0 * x0 * (y1 - y2)) / den
    if not a > 0:
        return None
    x = float(np.clip(-b / (2 * a), min(x0, x2), max(x0, x2)))
    return float(np.exp(x))


def _start(state, prob, core_r, core_c, scale, biases):
    """The best path fit as a warm start, in X's units and full shape."""
    U, V, bc = state
    m, n = core_r.size, core_c.size
    root = np.sqrt(scale)
    Uf, Vf = np.zeros((m, U.shape[1])), np.zeros((n, U.shape[1]))
    Uf[core_r], Vf[core_c] = U * root, V * root
    if not biases:
        return _Start(Uf, Vf, 0.0, None, None)
    b, c = np.zeros(m), np.zeros(n)
    b[core_r], c[core_c] = bc[0] * scale, bc[1] * scale
    return _Start(Uf, Vf, prob.mean * scale, b, c)
