"""Approximate matrix products AᵀB from a shared sketch or a coordinated sample."""

from __future__ import annotations


from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._validation._deprecate import DEPRECATED, renamed
from .._backend import get_namespace, to_numpy
from .._validation import (
    check_array,
    check_consistent_length,
    check_int,
    check_memory,
    check_option,
    check_rng,
    draw_seed,
)

__all__ = ["approx_matmul", "compare_equal_storage"]

_OBLIVIOUS = ("gaussian", "srht", "countsketch", "sparse_sign")
_SAMPLING = ("priority", "threshold")


@fork_safe
@reports_progress("approx_matmul", _costs.approx_matmul)
def approx_matmul(A, B, sketch_size, sketch="sparse_sign", rng=None, *, method=DEPRECATED):
    """An estimate of AᵀB from sketches of A and B.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, d)
        The factors, shapes (n, p) and (n, q): the product is AᵀB.
    B : ndarray or scipy.sparse matrix, shape (n, p)
        Rows of A and B correspond (same row order).
    sketch_size : int
        Rows m of the shared sketch S (oblivious sketches, ≥ 1; SRHT needs
        m ≤ n), or the expected number of sampled rows (sampling sketches).
    sketch : {"gaussian", "srht", "countsketch", "sparse_sign", "priority", "threshold"}
        The sketch (``method=`` is its deprecated spelling). Oblivious sketches return (SA)ᵀ(SB) with one operator S applied to
        both. ``"priority"`` and ``"threshold"`` sketch A and B separately
        by coordinated row sampling with one shared seed
        (:func:`sketchla.coordinated_sketch`), keys = row numbers; with
        sparse rows they store far fewer numbers for the same error.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    method : optional
        Deprecated spelling of ``sketch``, accepted with a ``FutureWarning``
        for one release.

    Returns
    -------
    ndarray, shape (d, p)

    Notes
    -----
    Every oblivious sketch here has E[SᵀS] = I, so the estimate is unbiased,
    and with m = O(1/ε²) rows (JL moment property; Kane–Nelson for sparse
    sign) ‖(SA)ᵀ(SB) − AᵀB‖_F ≤ ε‖A‖_F‖B‖_F with constant probability.
    Cost: two sketch applications plus an (m·d·p) product.

    References
    ----------
    Woodruff, "Sketching as a tool for numerical linear algebra" (2014),
    §2.2; Cohen, Nelson, Woodruff, "Optimal approximate matrix product in
    terms of stable rank" (ICALP 2016).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((10000, 5)); B = A + 0.1 * rng.standard_normal((10000, 5))
    >>> est = sketchla.approx_matmul(A, B, 2000, sketch="srht", rng=0)
    >>> bool(np.linalg.norm(est - A.T @ B) < 0.1 * np.linalg.norm(A) * np.linalg.norm(B))
    True
    """
    sketch = renamed("method", method, "sketch", sketch, "sparse_sign")
    from ..sketch import make_sketch

    check_option(sketch, "sketch", _OBLIVIOUS + _SAMPLING)
    same = B is A
    A = check_array(A, "A", accept_sparse=("csr", "csc"), ensure_finite="defer")
    B = A if same else check_array(B, "B", accept_sparse=("csr", "csc"), ensure_finite="defer")
    check_consistent_length(("A", A), ("B", B))
    if sketch in _SAMPLING:
        from ..sampling.coordinated import coordinated_sketch, estimate_product

        seed = draw_seed(rng)
        sa = coordinated_sketch(A, sketch_size, method=sketch, seed=seed, mergeable=False)
        sb = coordinated_sketch(B, sketch_size, method=sketch, seed=seed, mergeable=False)
        return estimate_product(sa, sb)
    n = A.shape[0]
    m = check_int(sketch_size, "sketch_size", minimum=1)
    check_memory(8 * m * (A.shape[1] + (0 if same else B.shape[1])), "sketch_size",
                 f"the sketches SA and SB of {m} rows")
    S = make_sketch(sketch, m, n, rng=check_rng(rng))
    SA = S @ A
    SB = SA if same else S @ B
    return _product(SA, SB)


def _product(SA, SB):
    """(SA)ᵀ(SB), formed from the sketches rescaled by powers of two where
    their entries are far from O(1), so that it is finite whenever AᵀB's
    scale is; a product beyond the floating range is a ValueError."""
    from .. import _kernels

    xp = get_namespace(SA)
    ea = _kernels.unit_exponent(SA)
    eb = ea if SB is SA else _kernels.unit_exponent(SB)
    SA1 = _kernels.ldexp(SA, -ea)
    C = xp.matrix_transpose(SA1) @ (SA1 if SB is SA else _kernels.ldexp(SB, -eb))
    if ea or eb:
        C = _kernels.ldexp(C, ea + eb)
        if not bool(xp.all(xp.isfinite(C))):
            raise ValueError("A and B are finite but their product AᵀB overflows the "
                             f"floating range (entries near 2^{ea + eb}); rescale A or B")
    return C


def compare_equal_storage(A, B, sketch_size, method="priority", linear=("gaussian",
                          "countsketch"), seeds=3):
    """Frobenius errors for AᵀB: coordinated sampling vs linear sketches
    storing as many numbers (indices included).

    Each linear sketch S (m rows) stores m·d numbers per table, with
    m = max(storage of the two coordinated sketches) // d. Returns the
    median error over ``seeds`` seeds for ``method`` and each kind in
    ``linear``, as a dict. Used by the tour and the benchmarks.
    """
    import numpy as np

    from ..sampling.coordinated import coordinated_sketch, estimate_product
    from ..sketch import make_sketch

    exact = A.T @ B
    exact = to_numpy(exact)
    errs = {method: [], **{kind: [] for kind in linear}}
    for seed in range(seeds):
        # the storage of the product estimator itself (no merge state)
        sa = coordinated_sketch(A, sketch_size, method, seed=seed, mergeable=False)
        sb = coordinated_sketch(B, sketch_size, method, seed=seed, mergeable=False)
        errs[method].append(np.linalg.norm(estimate_product(sa, sb) - exact))
        m = max(1, max(sa.storage_size, sb.storage_size) // A.shape[1])
        for kind in linear:
            S = make_sketch(kind, min(m, A.shape[0]) if kind == "srht" else m, A.shape[0],
                            rng=seed)
            SA, SB = S @ A, S @ B
            errs[kind].append(np.linalg.norm(SA.T @ SB - exact))
    return {key: float(np.median(v)) for key, v in errs.items()}
