"""Overdetermined least squares with sketches: precondition, or sketch-and-solve.

``lstsq(A, b, method="precondition")`` reaches the accuracy of LAPACK's
``gelsd`` in a few passes over A; ``method="sketch"`` (and
:func:`sketch_and_solve`) returns the cheaper sketch-and-solve solution,
which with a dense sketch carries a coordinate-wise (ℓ∞) error bound.
"""

from __future__ import annotations

import dataclasses
import warnings
import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._stack import find_stack_level
from .. import _kernels
from .._backend import array_kind, from_numpy, get_namespace
from .._kernels.threads import serial_blas
from .._validation import (
    check_array,
    check_bool,
    check_consistent_length,
    check_int,
    check_option,
    check_rng,
    check_tol,
    check_scalar,
)
from ._direct import _exact
from ._lstsq_result import LstsqResult, RankDeficiencyWarning
from ._plain_lsqr import lsqr_budget, plain_lsqr
from ._iterate import _columns, _gradient, _iterate, _residual_norm
from ._precondition import _Preconditioned, _refine_preconditioner, _sketch_qr

__all__ = ["LstsqResult", "lstsq", "sketch_and_solve", "RankDeficiencyWarning"]

_METHODS = ("precondition", "sketch", "exact")
_SKETCHES = ("gaussian", "srht", "countsketch", "sparse_sign")


# ----------------------------------------------------------------- checks
def _check_problem(A, b, name_a="A", name_b="b"):
    """Validate (A, b): A (n, d) dense or scipy.sparse in any supported
    namespace, b (n,) or (n, k) in the same namespace, cast to A's dtype."""
    A = check_array(A, name_a, accept_sparse=("csr", "csc"), ndim=2, ensure_finite="defer")
    kind = array_kind(A)
    if kind not in ("numpy", "sparse", "dask", "cupy", "array_api_strict"):
        raise TypeError(f"{name_a}: lstsq supports numpy, scipy.sparse, dask, cupy and "
                        f"array_api_strict input, got {type(A).__name__}")
    b = check_array(b, name_b, ndim=(1, 2), ensure_finite=kind != "dask")
    check_consistent_length((name_a, A), (name_b, b))
    if any(s == 0 for s in b.shape):
        raise ValueError(f"{name_b} must be non-empty, got shape {tuple(b.shape)}")
    if kind in ("numpy", "sparse"):
        b = np.asarray(b, dtype=A.dtype)
    else:
        b = get_namespace(b).astype(b, A.dtype)
    return A, b, kind


def _default_size(d, n, factor):
    return int(min(n, max(factor * d, d + 10)))


def _sketch(kind, m, n, rng):
    from ..sketch import make_sketch

    check_option(kind, "sketch", _SKETCHES)
    return make_sketch(kind, m, n, rng=rng)


# --------------------------------------------------------------------- API
class _NonFinite(ArithmeticError):
    """The solution left the floating range, or A's sketch shows data so far
    from O(1) that the products with A would."""


def _result(A, b, x, n_iter, converged, m, method, rank):
    """The LstsqResult of solution x (_NonFinite when x is not finite)."""
    if array_kind(x) == "numpy" and not np.isfinite(x).all():
        raise _NonFinite
    if not converged:
        warnings.warn(f"lstsq ({method}) did not meet its tolerance in {n_iter} iterations; "
                      "the result's converged is False (raise max_iter, or tol)",
                      RuntimeWarning, stacklevel=find_stack_level())
    return LstsqResult(x, _residual_norm(A, x, b), n_iter, converged, m, method, rank)


def _at_any_scale(solve, A, b, g, kind):
    """solve(A, b, g), and where its solution leaves the floating range on
    data far from O(1), the same solve on 2^-e_A·A and 2^-e_b·b with the
    same random draws, scaled back: x·2^(e_b−e_A), residuals·2^e_b. A
    solution that overflows at O(1) scale is a ValueError."""
    import copy

    g0 = copy.deepcopy(g)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return solve(A, b, g)
    except _NonFinite:
        pass
    ea = _kernels.unit_exponent(A) if kind != "dask" else 0
    eb = _kernels.unit_exponent(b) if kind != "dask" else 0
    if ea or eb:
        try:
            res = solve(_kernels.ldexp(A, -ea), _kernels.ldexp(b, -eb), g0)
        except _NonFinite:
            pass
        else:
            x = _kernels.ldexp(res.x, eb - ea)
            if array_kind(x) != "numpy" or np.isfinite(x).all():
                return dataclasses.replace(
                    res, x=x, residual_norm=_kernels.ldexp(res.residual_norm, eb))
    raise ValueError("the least-squares solution overflows the floating range although "
                     "A and b are finite: A is numerically singular at this scale")


@fork_safe
@reports_progress("lstsq", _costs.lstsq)
def lstsq(A, b, method="precondition", sketch="sparse_sign", sketch_size=None,
          tol=None, max_iter=None, rng=None, refine=True):
    """Solve min ‖A x − b‖₂ for tall A with a sketch.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        float32 or float64 (integers become float64). Sparse A is never
        densified: it is only multiplied with vectors and sketched. The
        sketch pays for tall A (n ≫ d); for wide A (n < d) it saves nothing,
        and the exact minimum-norm solution is returned (``method`` of the
        result ``"exact"``, as ``numpy.linalg.lstsq`` gives it).
    b : ndarray, shape (n,) or (n, k)
        The right-hand side, shape (n,) or (n, k).
    method : {"precondition", "sketch", "exact"}
        ``"precondition"`` (default): sketch-and-precondition, LAPACK
        accuracy; on scipy.sparse A with the default ``sketch_size``, plain
        LSQR runs first and is kept when its rate of convergence shows it
        finishing within the cost of the sketch (a well-conditioned A;
        the result's ``method`` is then ``"lsqr"``, its ``rank`` None).
        ``"sketch"``: sketch-and-solve (see
        :func:`sketch_and_solve`). ``"exact"``: LAPACK ``gelsd`` for dense
        A, LSMR for sparse A (minimum-norm solution).
    sketch : {"sparse_sign", "srht", "gaussian", "countsketch"}
        The sketch used to build the preconditioner (or the solution, for
        ``method="sketch"``).
    sketch_size : int, optional
        Rows of the sketch, in [d, n]. Default: 4·d for ``"precondition"``
        (the distortion √(d/m) ≈ 1/2 gives LSQR a condition number ≈ 3 even
        before refinement), 8·d for ``"sketch"``. When the default would be
        ≥ n the sketch saves nothing and the exact solver is used.
    tol : float, optional
        LSQR's ``atol`` and ``btol``; default 10·eps of the dtype.
    max_iter : int, optional
        LSQR iteration limit per column; default 100 (the refined
        preconditioner needs 2–5).
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    refine : bool, default True
        Whether to refine the sketch preconditioner R to the Cholesky
        factor of (A R⁻¹)ᵀ(A R⁻¹) (see Notes). For sparse A the refinement
        is made only when AᵀA is accurate enough (u·κ² ≤ 1e-4), since the
        other route would cost O(n d²) dense work.

    Returns
    -------
    LstsqResult
        ``x``, ``residual_norm``, ``n_iter``, ``converged``,
        ``sketch_size``, ``method``, ``rank``.

    Raises
    ------
    ValueError
        NaN or inf in A or b, mismatched lengths, empty input, sketch_size
        out of range, unknown method or sketch.

    Warns
    -----
    RankDeficiencyWarning
        A is numerically rank deficient (the pivoted QR of the sketch has a
        diagonal entry below max(m, d)·eps·|R₁₁|); the minimum-norm solution
        of ``method="exact"`` is returned instead.

    Notes
    -----
    ``"precondition"`` follows Rokhlin–Tygert [RT08]_ and Blendenpik
    [AMT10]_: with S the sketch, SA P = QR (column-pivoted QR, which also
    reveals the rank), the initial guess is the sketch-and-solve solution
    x₀ = P R⁻¹ Qᵀ S b (initializing at x₀, not 0, is what makes the method
    forward stable [MNTW23]_), and LSQR runs on the preconditioned operator
    A P R⁻¹. One extra step makes it fast on a 2-core laptop: R is refined
    by a Cholesky factor of the d×d Gram matrix of A P R⁻¹ (formed in
    n d² to 2 n d² flops of BLAS-3, depending on κ(A)), which makes the
    preconditioned operator orthonormal to working precision; LSQR then
    stops after 2–5 iterations (4–10 passes over A) instead of ~50. The
    refinement is a randomized Cholesky-QR (Fan–Guo–Lin 2021, Balabanov
    2022) used as a preconditioner, so its rounding errors only slow LSQR,
    never bias x.

    Cost for dense A: one sketch (O(s n d) for sparse sign), the QR of an
    (m, d) matrix (O(m d²)), the refinement (O(n d²), BLAS-3) and
    2·n_iter passes of O(n d). Memory: O(m d + block·d) beyond A and b.

    The forward error matches LAPACK's (``gelsd``) for condition numbers up
    to ~1e10 in float64 (see the tests).

    References
    ----------
    .. [RT08] V. Rokhlin, M. Tygert, "A fast randomized algorithm for
       overdetermined linear least-squares regression", PNAS 105 (2008).
    .. [AMT10] H. Avron, P. Maymounkov, S. Toledo, "Blendenpik: supercharging
       LAPACK's least-squares solver", SIAM J. Sci. Comput. 32 (2010).
    .. [MNTW23] M. Meier, Y. Nakatsukasa, A. Townsend, M. Webb, "Are sketch-and-
       precondition least squares solvers numerically stable?", SIMAX (2024).
    .. [EMN24] E. N. Epperly, M. Meier, Y. Nakatsukasa, "Fast randomized
       least-squares solvers can be just as accurate and stable as classical
       direct solvers", arXiv 2406.03468 (2024).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((20000, 50)); x = rng.standard_normal(50)
    >>> res = sketchla.lstsq(A, A @ x, rng=0)
    >>> bool(np.allclose(res.x, x)), res.converged
    (True, True)
    """
    check_option(method, "method", _METHODS)
    check_option(sketch, "sketch", _SKETCHES)
    refine = check_bool(refine, "refine")
    A, b, kind = _check_problem(A, b)
    n, d = A.shape
    factor = 8 if method == "sketch" else (2 if refine and kind != "sparse" else 4)
    if sketch_size is not None:
        sketch_size = check_int(sketch_size, "sketch_size", minimum=d,
                                maximum=n, maximum_label=f"n_samples = {n}")
    m = sketch_size if sketch_size is not None else _default_size(d, n, factor)
    eps = float(get_namespace(b).finfo(b.dtype).eps)
    tol = 10 * eps if tol is None else check_tol(tol, "tol", eps)
    max_iter = 100 if max_iter is None else check_int(max_iter, "max_iter", minimum=1)

    # sparse A, default sketch size: plain LSQR first, within the cost of the sketch
    plain = kind == "sparse" and method == "precondition" and sketch_size is None

    def solve(A, b, g):
        if plain and m < n:
            out = _plain_first(A, b, tol)
            if out is not None:
                return _result(A, b, out[0], out[1], True, 0, "lsqr", None)
        return _solve(A, b, kind, method, sketch, m, tol, max_iter, g, refine)

    return _at_any_scale(solve, A, b, check_rng(rng), kind)


def _plain_first(A, b, tol):
    """(x, iterations) of plain LSQR on every column of b within the budget
    of :mod:`._plain_lsqr`, or None when some column would overrun it."""
    budget = lsqr_budget(A)
    # at O(1) scale (exactly): LSQR's norms would leave the range at 2^±520
    ea, eb = _kernels.unit_exponent(A), _kernels.unit_exponent(b)
    A, b = _kernels.ldexp(A, -ea), _kernels.ldexp(b, -eb)
    cols, its = [], 0
    for j in range(1 if b.ndim == 1 else b.shape[1]):
        out = plain_lsqr(A, b if b.ndim == 1 else b[:, j], tol, budget)
        if out is None:
            return None
        cols.append(out[0])
        its = max(its, out[1])
    return _kernels.ldexp(cols[0] if b.ndim == 1 else np.stack(cols, axis=1), eb - ea), its


def _solve(A, b, kind, method, sketch, m, tol, max_iter, g, refine):
    """The body of :func:`lstsq` on validated arguments."""
    n, d = A.shape
    if method == "exact" or m >= n:  # a sketch of n or more rows saves nothing
        x, n_iter, conv, rank = _exact(A, b)
        rank = min(n, d) if rank is None else rank
        return _result(A, b, x, n_iter, conv, 0, "exact", rank)

    S = _sketch(sketch, m, n, g)
    Q, R, piv, Sb, rank = _sketch_qr(S, A, b)
    if not _kernels.moderate(float(np.max(np.abs(R))) if R.size else 0.0, A.dtype):
        raise _NonFinite  # A far from O(1): its Gram products would leave the range
    if rank < d and method == "sketch":
        import scipy.linalg as sla

        warnings.warn(
            f"the sketch S A has rank {rank} < {d} columns (A is rank deficient, or "
            "the sketch too small or too sparse for it); returning the minimum-norm "
            "solution of the sketched problem",
            RankDeficiencyWarning, stacklevel=find_stack_level(),
        )
        x = sla.lstsq(Q @ R, Sb, cond=max(Q.shape) * np.finfo(R.dtype).eps,
                      check_finite=False)[0]
        x0 = np.empty_like(x)
        x0[piv] = x
        x0 = from_numpy(x0, b)
        return _result(A, b, x0, 0, True, m, "sketch", rank)
    if rank < d:
        # the sketch lost rank: A's own rank decides whether A is to blame
        # (dense: gelsd's rank; sparse: LSMR gives none, and the sketch's stands)
        x, n_iter, conv, exact_rank = _exact(A, b)
        if exact_rank is None or exact_rank < d:
            exact_rank = rank if exact_rank is None else exact_rank
            warnings.warn(
                f"A is numerically rank deficient (rank {exact_rank} < {d} columns); "
                "returning the minimum-norm solution of method='exact'",
                RankDeficiencyWarning, stacklevel=find_stack_level(),
            )
        return _result(A, b, x, n_iter, conv, m, "exact", exact_rank)
    pre = _Preconditioned(R, piv)
    x0 = from_numpy(pre.solve(Q.T @ Sb), b)
    if method == "sketch":
        return _result(A, b, x0, 0, True, m, "sketch", rank)

    refined, first = False, None
    if refine:
        # lazy (dask) A: the refinement's Gram matrix and the first step's
        # gradient at x0 (which does not depend on R) in one pass; eager A
        # gains nothing from fusing them and would waste the gradient when
        # the refinement is refused
        fused = _gradient(A, *_columns(A, b, x0)) if kind == "dask" else ()
        better, first = _refine_preconditioner(A, pre, 1e-4, fused)
        first = first or None
        if better is not None:
            pre, refined = better, True
    with serial_blas():  # memory-bound products, one after another (see _threads)
        x, n_iter, conv = _iterate(A, b, pre, x0, tol, max_iter, refined, first)
    return _result(A, b, x, n_iter, conv, m, "precondition", rank)


@fork_safe
@reports_progress("sketch_and_solve", _costs.sketch_and_solve)
def sketch_and_solve(A, b, sketch="srht", sketch_size=None, rng=None):
    """The sketch-and-solve solution x′ = argmin ‖S(A x − b)‖₂.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The tall matrix, shape (n, d), n ≥ d: dense, scipy.sparse or an array of another namespace.
    b : ndarray, shape (n,) or (n, k)
        The right-hand side, shape (n,) or (n, k).
    sketch : {"srht", "gaussian", "sparse_sign", "countsketch"}
        Default ``"srht"``: a dense sketch, for the ℓ∞ guarantee below.
    sketch_size : int, optional
        Rows m of the sketch, d ≤ m ≤ n. Default 8·d (capped at n).
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    x : ndarray, shape (d,) or (d, k)

    Notes
    -----
    With m = O(d/ε²) rows of any subspace embedding, ‖A x′ − b‖ ≤ (1 + ε)
    ‖A x* − b‖. A dense sketch gives more, coordinate by coordinate:

    .. math:: |x'_i - x^*_i| \\le \\frac{ε}{\\sqrt d}\\,‖A x^* - b‖_2\\,‖A^†‖_2
       \\quad\\text{for all } i

    **What the code relies on.** For a Gaussian sketch this is rigorous
    with m = 2 d log(2d/δ)/ε² (probability 1 − δ): r* = b − A x* is
    orthogonal to range(A), so S r* is independent of SA and
    x′ − x* = (SA)⁺ S r* is, given SA, a Gaussian vector whose i-th entry
    has standard deviation ≤ ‖r*‖‖(SA)⁺‖/√m ≈ ‖r*‖‖A†‖/√m (Price, Song and
    Woodruff [PSW17]_). For SRHT, Song, Ye, Yin and Zhang [SYYZ23]_ claim
    the same bound with m = O(ε⁻² d log²(n/δ)); a 2026 manuscript disputes
    a step of that proof, so for SRHT we claim only what the tests measure:
    the ℓ∞ error behaves like the Gaussian's and falls like 1/√m (see
    tests/linalg/test_lstsq.py). Sparse sketches (CountSketch, sparse sign)
    carry no such guarantee: a residual concentrated on a few rows that
    collide with a row of A moves a coordinate of x′ by up to ‖r*‖ (the
    Price–Song–Woodruff lower bound), which the tests reproduce.

    Cost: the sketch (O(n d log n) for SRHT) plus O(m d²) for the QR.

    References
    ----------
    .. [PSW17] E. Price, Z. Song, D. P. Woodruff, "Fast regression with an ℓ∞
       guarantee", ICALP 2017.
    .. [SYYZ23] Z. Song, M. Ye, J. Yin, L. Zhang, "A nearly-optimal bound for
       fast regression with ℓ∞ guarantee", ICML 2023.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((4096, 20)); b = rng.standard_normal(4096)
    >>> x = sketchla.sketch_and_solve(A, b, rng=0)
    >>> x.shape
    (20,)
    """
    res = lstsq(A, b, method="sketch", sketch=sketch, sketch_size=sketch_size, rng=rng)
    return res.x

