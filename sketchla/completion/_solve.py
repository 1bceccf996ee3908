"""The host driver of alternating minimization over one frozen options
object: plan (core, rank, ridge), sweep, assemble the result."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from .._stack import find_stack_level
from .._progress import Progress
from .._kernels.threads import serial_blas
from .._validation import check_bool, check_int, check_option, check_scalar
from .._backend import get_namespace
from ._entries import (
    _SPREAD,
    _CSREntries,
    _HalfSweep,
    _choose_solver,
    _fold_in,
    _plan_core,
    _split_bias,
    _with_ones,
)
from ._select import select_reg
from ._control import (_DivergenceGuard, _in_x_units, _StoppingRule, _warn_empty,
                       _warn_not_converged)
from ._result import CompletionResult
from ._sweeps import _balance, _sweep


SOLVERS = ("auto", "sketched", "exact")


@dataclass(frozen=True)
class _Options:
    """The validated settings of one :func:`altmin_complete` call."""

    solver: str
    max_iter: int
    tol: float
    clip: float
    n_inner: int
    sketch_rows: int
    equilibrate: object
    biases: bool
    sample_splitting: bool

    @classmethod
    def checked(cls, solver, max_iter, tol, clip, n_inner, sketch_rows, equilibrate, biases,
                sample_splitting, min_sketch):
        """The options validated, each error naming its argument."""
        check_option(solver, "method", SOLVERS)
        auto = isinstance(equilibrate, str) and equilibrate == "auto"
        return cls(
            solver=solver, max_iter=check_int(max_iter, "max_iter", minimum=1),
            tol=tol if isinstance(tol, str) and tol == "auto"
            else check_scalar(tol, "tol", minimum=0),
            clip=check_scalar(clip, "clip", minimum=0, include_minimum=False,
                              allow_none=True),
            n_inner=check_int(n_inner, "n_inner", minimum=1),
            sketch_rows=None if sketch_rows is None else check_int(
                sketch_rows, "sketch_size", minimum=min_sketch),
            equilibrate=equilibrate if auto else check_bool(equilibrate, "equilibrate"),
            biases=check_bool(biases, "biases"),
            sample_splitting=check_bool(sample_splitting, "sample_splitting"))

    def resolved(self, rank, reg):
        """The options with the defaults that depend on the rank and the ridge:
        ``sketch_size`` 3·rank; ``tol`` 1e-6 without a ridge, 1e-4 with one."""
        return replace(self, sketch_rows=3 * rank if self.sketch_rows is None
                       else self.sketch_rows,
                       tol=(1e-4 if reg > 0 else 1e-6) if self.tol == "auto" else self.tol)


#: rank="auto": the candidate ranks, in order; the search stops at the first
#: one whose held-out RMSE does not improve on the best by _RANK_GAIN
_RANKS = (1, 2, 4, 8, 16, 32, 64)


_RANK_GAIN = 1e-3


#: sweeps of the unregularized candidate of reg="auto" at most
_ZERO_SWEEPS = 10


def _zero_fit(entries, rank, nnz, opts, g):
    """The unregularized candidate of reg="auto" (a fit of a training part,
    given as CSR) where it differs from the path's fits: where the rank is
    identifiable without a ridge and the λ = 0 fit is equilibrated (which a
    ridge is not); else None."""
    shape = entries.shape
    if nnz < rank * (sum(shape) - rank) or opts.biases or opts.equilibrate is False:
        return None
    if opts.equilibrate == "auto" and not entries.spread(*entries.counts()) > _SPREAD:
        return None
    o = replace(opts.resolved(rank, 0.0), max_iter=min(opts.max_iter, _ZERO_SWEEPS))

    def fit(csr):
        if csr.nnz < rank * (sum(shape) - rank):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _altmin_host(_CSREntries(csr, np.dtype(np.float64), shape), rank, 0.0, o,
                                g, False, None)

    return fit


def _select_rank(entries, nnz, opts, g, verbose):
    """rank="auto": the candidate rank whose ridge path scores best on the
    held-out entries, and that path."""
    best, shape = None, entries.shape
    for r in (r for r in _RANKS if r <= min(shape)):
        path = select_reg(entries.csr, r, opts.resolved(r, 1.0), g,
                          allow_zero=nnz >= r * (sum(shape) - r),
                          fit_zero=_zero_fit(entries, r, nnz, opts, g), verbose=verbose)
        if best is not None and not path.score < best[1].score * (1 - _RANK_GAIN):
            break
        best = (r, path)
    return best


def _altmin_host(entries, rank, reg, o, g, verbose, callback, start=None):
    """The sweeps over observations held on the host (in memory or by dask):
    scale, plan the core, sweep, fold in the rows set aside, assemble.
    ``start``: factors and biases in X's units to start from (a warm start)."""
    m, n = entries.shape
    # scale-aware: the sweeps see the observations divided by their largest
    # magnitude s (and the ridge as reg / s, the same problem); the factors
    # are multiplied by √s at the end
    scale = entries.unit_scale()
    counts_r, counts_c = entries.counts()
    empty_rows, empty_cols = np.flatnonzero(counts_r == 0), np.flatnonzero(counts_c == 0)
    _warn_empty(empty_rows, empty_cols)
    d_rows = d_cols = None
    equilibrate = o.equilibrate
    if equilibrate == "auto":
        equilibrate = entries.spread(counts_r, counts_c) > _SPREAD
    if equilibrate and reg == 0 and not o.biases:
        d_rows, d_cols = entries.equilibrate(counts_r, counts_c)
    core_r, core_c, under_rows, under_cols = _plan_core(entries, rank, counts_r, counts_c, warn=True)
    sweep = _HalfSweep(reg / scale, False, o.n_inner, o.sketch_rows)
    prob = entries.problem(core_r, core_c, sweep, g if o.sample_splitting else None,
                           o.max_iter, o.biases)
    solver = _choose_solver(o.solver, prob, rank)
    sweep.sketched = solver == "sketched"
    stop = _StoppingRule(o.tol, o.sample_splitting)
    callback = _in_x_units(callback, (m, n), core_r, core_c, d_rows, d_cols, scale)
    # The per-sweep BLAS work (QR of n x rank) is tiny and runs serially, so
    # no BLAS pool spins on the cores of the native row solves.
    with Progress(o.max_iter, f"altmin ({solver})", verbose) as bar, serial_blas():
        if start is None:
            U, V = prob.initialize(rank, o.clip, g)
        else:
            U, V = start.restrict(prob, core_r, core_c, scale)
        if reg > 0:  # the ridge weighs both factors: start them balanced
            U, V = _balance(U, V)
        U, V, it, solver = _run_sweeps(prob, sweep, U, V, o, g, bar, callback, stop, solver)
        bar.close(f"{it} sweeps, residual {stop.residuals[-1]:.3e}, "
                  f"{'converged' if stop.converged else 'max_iter reached'}")
        if not o.sample_splitting:
            _warn_not_converged(stop, o.max_iter, o.tol)
        U, V, b, c = _assemble(entries, prob, U, V, core_r, core_c, under_rows, under_cols,
                               reg / scale, o.biases)
        if d_rows is not None:  # X = D_r⁻¹ Y D_c⁻¹ for the equilibrated Y
            U /= d_rows[:, None]
            V /= d_cols[:, None]
        U, V = _balance(U, V)
        root = float(np.sqrt(scale))
        U, V = U * root, V * root
    dtype = entries.dtype
    res = CompletionResult(U.astype(dtype), V.astype(dtype), it, stop.converged,
                           stop.residuals, empty_rows, empty_cols, under_rows, under_cols,
                           solver, data_scale=float(scale))
    if o.biases:
        res.mean = float(prob.mean * scale)
        res.row_bias, res.col_bias = (b * scale).astype(dtype), (c * scale).astype(dtype)
    return res


def _run_sweeps(prob, sweep, U, V, o, g, bar, callback, stop, solver):
    """Sweeps until the stopping rule or ``max_iter``, with the divergence
    guard: (U, V, sweeps done, the solver in use at the end)."""
    guard = _DivergenceGuard()
    it = 0
    reg = sweep.reg
    for it in range(1, o.max_iter + 1):
        U, V, r, f = _sweep(prob, U, V, it, g, bar, callback, reg)
        action = guard(f, U, V, sweep.sketched and not o.sample_splitting,
                       prob.biases() if o.biases else None)
        if action is not None:
            U, V = guard.best_factors()
            if o.biases:
                prob.set_biases(*guard.best_state)
        if action == "exact":
            # a rising or non-finite residual under sketched solves: go on
            # from the best factors with exact solves
            sweep.sketched = False
            solver = "exact"
            warnings.warn(
                f"altmin: the observed residual rose at sweep {it} with sketched row "
                "solves; continuing from the best factors with exact solves",
                RuntimeWarning, stacklevel=find_stack_level())
            continue
        if action == "stop":
            warnings.warn(f"altmin: the observed residual diverged at sweep {it}; "
                          "returning the best factors found", RuntimeWarning, stacklevel=find_stack_level())
            break
        if stop(r, f):
            break
    return U, V, it, solver


def _assemble(entries, prob, U, V, core_r, core_c, under_rows, under_cols, reg, biases):
    """Full-shape factors (and biases) from the core's: the rows and columns
    set aside are folded in against the other factor (minimum-norm least
    squares, ridge ``reg`` in the scaled units)."""
    m, n = entries.shape
    Uf, Vf = np.zeros((m, U.shape[1])), np.zeros((n, U.shape[1]))
    Uf[core_r], Vf[core_c] = U, V
    fold_reg = max(reg, 1e-10 * float(np.sum(V * V)) / max(int(core_c.sum()), 1))
    if not biases:
        if under_cols.size:
            Vf[under_cols] = entries.fold_in_cols(under_cols, core_r, U, fold_reg)
        if under_rows.size:
            Uf[under_rows] = entries.fold_in_rows(under_rows, Vf, fold_reg)
        return Uf, Vf, None, None
    mean = prob.mean
    bf, cf = np.zeros(m), np.zeros(n)
    bf[core_r], cf[core_c] = prob.biases()
    if under_cols.size:
        Vf[under_cols], cf[under_cols] = _split_bias(entries.fold_in_cols(
            under_cols, core_r, _with_ones(U), fold_reg, shift=mean + bf[core_r]))
    if under_rows.size:
        Uf[under_rows], bf[under_rows] = _split_bias(entries.fold_in_rows(
            under_rows, _with_ones(Vf), fold_reg, shift=mean + cf))
    return Uf, Vf, bf, cf


def _fold_in_result(result, csr, reg):
    """Factor rows (and row biases) for new rows ``csr`` of observations in
    the columns of ``result``: each solves its row problem with V fixed
    (ridge reg·n_i; with biases on x − μ − c_j, the bias's ridge
    reg·n_i·b²/s as in the fit, s = ``result.data_scale``). Returns
    (U_new, b_new or None)."""
    V = np.asarray(result.V, dtype=np.float64)
    if result.row_bias is None:
        return _fold_in(csr, V, reg), None
    alpha = float(np.sqrt(result.data_scale))
    W = _fold_in(csr, _with_ones(V, alpha), reg,
                 shift=result.mean + np.asarray(result.col_bias, dtype=np.float64))
    return _split_bias(W, alpha)


def _altmin_masked(prob, X, rank, solver, max_iter, tol, reg, clip, g, verbose, callback,
                   dtype):
    """altmin_complete for dense X with NaN in other namespaces (exact batched solves)."""
    scale = prob.scale
    prob.reg = reg / scale
    if callback is not None:
        root, user = float(np.sqrt(scale)), callback

        def callback(it, U, V):
            user(it, U * root, V * root)

    _warn_empty(prob.empty_rows, prob.empty_cols)
    stop = _StoppingRule(tol, False)
    it = 0
    with Progress(max_iter, "altmin (exact, batched)", verbose) as bar, serial_blas():
        U, V = prob.initialize(rank, clip, g)
        if reg > 0:  # the ridge weighs both factors: start them balanced
            U, V = _balance(U, V)
        for it in range(1, max_iter + 1):
            U, V, r, f = _sweep(prob, U, V, it, g, bar, callback, prob.reg)
            if stop(r, f):
                break
        bar.close(f"{it} sweeps, residual {stop.residuals[-1]:.3e}, "
                  f"{'converged' if stop.converged else 'max_iter reached'}")
        _warn_not_converged(stop, max_iter, tol)
        U, V = prob.zero_empty(U, V)
        U, V = _balance(U, V)
        root = float(np.sqrt(scale))
        U, V = U * root, V * root
    xp = get_namespace(U)
    return CompletionResult(xp.astype(U, dtype), xp.astype(V, dtype), it,
                            stop.converged, stop.residuals, prob.empty_rows, prob.empty_cols,
                            data_scale=float(scale))
