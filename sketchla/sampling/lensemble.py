"""L-ensemble DPPs and k-DPPs, built on the fast projection-DPP sampler.

An L-ensemble with positive semidefinite kernel L (N × N) draws a subset S
with P(S) = det(L_S) / det(I + L); its k-DPP restriction draws only subsets
of size k, with P(S) = det(L_S) / e_k(λ), where e_k is the k-th elementary
symmetric polynomial of L's eigenvalues λ. Both are mixtures of projection
DPPs (Hough, Krishnapur, Peres & Virág 2006): with L = Σ λ_i v_i v_iᵀ,

1. choose eigenvectors J -- each i independently with probability
   λ_i / (1 + λ_i) for the DPP; for the k-DPP, a size-k J with
   P(J) ∝ Π_{i∈J} λ_i, drawn backwards through the table of e_l over the
   first n eigenvalues (Kulesza & Taskar 2012, Algorithm 8);
2. draw the projection DPP with kernel V_J V_Jᵀ
   (:func:`sketchla.sample_projection_dpp`'s rejection chain rule).

The table of elementary symmetric polynomials is kept as the ratios
ρ_l(n) = e_{l−1}(n) / e_l(n) of adjacent levels, from
e_l(n) = e_l(n−1) + λ_n e_{l−1}(n−1):
ρ_l(n) = (1 + λ_n ρ_{l−1}(n−1)) / (1/ρ_l(n−1) + λ_n). A ratio is about 1/λ,
so the table neither overflows nor underflows, whatever the spread of the
eigenvalues, where e_l itself does for large N (DPPy's exact k-DPP sampler;
DPPy's GitHub tracker, #80). Eigenvalue n joins J at level l with
probability x/(1 + x), x = λ_n ρ_l(n−1). The sampler keeps every √n-th
column of the table and rebuilds the rest segment by segment on the way
back: O(k √n) memory, O(k n) time (native code).

References
----------
.. [1] J. B. Hough, M. Krishnapur, Y. Peres, B. Virág, "Determinantal
   processes and independence", Probability Surveys 3 (2006).
.. [2] A. Kulesza, B. Taskar, "Determinantal point processes for machine
   learning", Foundations and Trends in Machine Learning 5 (2012).
.. [3] G. Gautier, G. Polito, R. Bardenet, M. Valko, "DPPy: DPP sampling
   with Python", JMLR 20 (2019).
"""

from __future__ import annotations

import numpy as np

from .._kernels.forks import fork_safe
from .. import _kernels
from .._backend import array_kind
from .._validation import (
    check_array,
    check_host,
    check_int,
    check_option,
    check_rng,
)
from .dpp import _dpp_from_basis

__all__ = ["sample_dpp", "sample_k_dpp", "FORMS"]

#: how an L-ensemble may be given
FORMS = ("auto", "kernel", "eig", "factor")


def _rank_cut(lam, size):
    """λ with the eigenvalues at or below max(shape)·eps·λ_max set to zero
    (the numerical rank, as numpy.linalg.matrix_rank reads singular values).
    A zero eigenvalue is never chosen, so its eigenvector is never read."""
    top = lam.max() if lam.size else 0.0
    return np.where(lam > size * np.finfo(np.float64).eps * top, lam, 0.0)


def _from_kernel(L):
    import scipy.linalg as sla

    L = check_array(L, "L", ndim=2)
    check_host(L, "L", "sample_dpp", "one host eigendecomposition")
    N = L.shape[0]
    if L.shape[1] != N:
        raise ValueError(f"L must be square (a kernel matrix), got shape {L.shape}; "
                         "pass form='factor' for a feature matrix B with L = B Bᵀ")
    L = np.asarray(L, dtype=np.float64)
    m = _kernels.abs_max(L)
    if m == 0:
        return np.zeros(0), np.zeros((N, 0)), 0
    e = _kernels.pow2_exponent(m)
    L = _kernels.ldexp(L, -e)  # exact: the spectrum of L at O(1), times 2^e
    if np.abs(L - L.T).max() > 1e-8:
        raise ValueError("L must be symmetric (relative asymmetry above 1e-8)")
    lam, V = sla.eigh(L, check_finite=False)
    if lam.min() < -1e-8 * max(lam.max(), 0.0) or lam.max() <= 0:
        raise ValueError(f"L must be positive semidefinite: smallest eigenvalue "
                         f"{lam.min():.3g}·2^{e} against largest {lam.max():.3g}·2^{e}")
    return _rank_cut(lam, N), V, e


def _from_eig(pair):
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError("an eigendecomposition must be a pair (eigenvalues, eigenvectors)")
    lam = check_array(pair[0], "eigenvalues", ndim=1)
    # finiteness of V is read off the probe below (one pass fewer)
    V = check_array(pair[1], "eigenvectors", ndim=2, ensure_finite=False)
    check_host(V, "eigenvectors", "sample_dpp", "host eigenvector selection")
    # orthonormal to half the given precision (float32 eigenvectors: 3e-4)
    tol = float(np.sqrt(np.finfo(V.dtype if V.dtype.kind == "f" else np.float64).eps))
    lam = np.asarray(lam, dtype=np.float64)
    V = np.asarray(V, dtype=np.float64)
    N, r = V.shape
    if lam.shape[0] != r:
        raise ValueError(f"eigenvalues has {lam.shape[0]} entries but eigenvectors "
                         f"has {r} columns")
    if r > N:
        raise ValueError(f"eigenvectors has {r} columns but only {N} rows")
    if (lam < 0).any():
        raise ValueError("eigenvalues must be non-negative (L positive semidefinite)")
    # V's finiteness and orthonormality are checked by _columns, in the pass
    # that gathers the chosen eigenvectors
    return lam, V, tol  # given eigenvalues are exact: used as they are


def _columns(V, J, tol):
    """(V[:, J], its squared row norms or None); with a tolerance ``tol``, V
    (given by the caller) checked in the same pass: ‖Vᵀ(V z) − z‖ ≤ tol‖z‖
    for a random z. Any departure of VᵀV from I above about ``tol`` shows
    with probability 1, and a NaN or inf anywhere in V makes V z non-finite
    (z has no zero entry). One native pass reads each block of V's rows once
    for both products, the gather and the row norms
    (:func:`sketchla._kernels.probe_columns`)."""
    if tol is None:
        return np.take(V, J, axis=1), None
    z = np.random.default_rng(0).standard_normal(V.shape[1])
    VJ, lev, VtVz, bad = _kernels.probe_columns(V, J, z)
    if bad:
        raise ValueError("eigenvectors must not contain NaN or infinity")
    if z.size and not np.linalg.norm(VtVz - z) <= tol * np.linalg.norm(z):
        raise ValueError("eigenvectors must have orthonormal columns")
    return VJ, lev


def _from_factor(B):
    """Eigenpairs of L = B Bᵀ without forming it: the thin SVD of dense B
    (B = U Σ Wᵀ: λ = σ², V = U), or for scipy.sparse B the eigenpairs of the
    d × d Gram matrix BᵀB (native kernel; V = B W Λ^{-1/2}, never densifying
    B). The Gram route resolves eigenvalues down to about eps·λ_max rather
    than eps²·λ_max."""
    import scipy.linalg as sla

    B = check_array(B, "L", ndim=2, accept_sparse=True)
    check_host(B, "L", "sample_dpp", "one host factorization")
    N, D = B.shape
    m = _kernels.abs_max(B)
    if m == 0:
        return np.zeros(0), np.zeros((N, 0)), 0
    e = _kernels.pow2_exponent(m)  # B / 2^e exactly; λ = σ²·2^(2e)
    if array_kind(B) == "sparse":
        Bs = _kernels.ldexp(B.astype(np.float64), -e).tocsr()
        mu, W = sla.eigh(_kernels.sparse_gram(Bs), check_finite=False)
        keep = _rank_cut(np.maximum(mu, 0.0), max(N, D)) > 0
        # descending, as the SVD route: the same draws pick the same eigenvectors
        mu, W = mu[keep][::-1], W[:, keep][:, ::-1]
        V = np.asarray(Bs @ (W / np.sqrt(mu)))
        return mu, np.ascontiguousarray(V), 2 * e
    U, s, _ = sla.svd(_kernels.ldexp(np.asarray(B, dtype=np.float64), -e), full_matrices=False,
                      check_finite=False, lapack_driver="gesdd")
    return _rank_cut(s * s, max(N, D)), U, 2 * e


def _spectrum(L, form):
    """(λ ≥ 0 (r,), V (N, r), tol, e): the eigenpairs of the kernel, its
    eigenvalues 2^e·λ, with λ = 0 where an eigenvalue is zero or rounding
    noise; ``tol`` (None when computed here) is the orthonormality to which
    a given V is checked by :func:`_columns`. λ is O(1) (e = 0 for a given
    eigendecomposition at a moderate scale), so no kernel's scale overflows."""
    form = check_option(form, "form", FORMS)
    if form == "auto":
        if isinstance(L, tuple):
            form = "eig"
        else:
            shape = getattr(L, "shape", None)
            if shape is None:
                L = check_array(L, "L", ndim=2, accept_sparse=True)
                shape = L.shape
            form = "kernel" if len(shape) == 2 and shape[0] == shape[1] else "factor"
    if form == "kernel" and array_kind(L) == "sparse":
        raise TypeError("L: a scipy.sparse kernel would have to be densified for its "
                        "eigendecomposition; pass a sparse feature matrix B with "
                        "L = B Bᵀ (form='factor') or the eigendecomposition (form='eig')")
    if form == "eig":  # a given V is checked where it is read (_columns)
        lam, V, tol = _from_eig(L)
        e = _kernels.unit_exponent(lam)
        return _kernels.ldexp(lam, -e), V, tol, e
    lam, V, e = {"kernel": _from_kernel, "factor": _from_factor}[form](L)
    return lam, V, None, e


def _inclusion(lam, e):
    """λ/(1 + λ) for the eigenvalues 2^e·λ, as 1/(1 + 2^-e/λ): never formed,
    so it is 1 for eigenvalues beyond the floating range and 0 below it."""
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        return 1.0 / (1.0 + np.ldexp(1.0 / lam, -e))


def _projection(V, J, g, tol=None):
    VJ, lev = _columns(V, J, tol)
    if J.size == 0:
        return np.zeros(0, dtype=np.int64)
    return _dpp_from_basis(VJ, g, lev)


def _choose_k(lam, k, g):
    """A size-k subset J of the eigen-indices with P(J) ∝ Π_{i∈J} λ_i (ascending):
    backwards through the table of e_l over the first n eigenvalues, kept as
    ratios of adjacent levels (native; module docstring)."""
    return _kernels.choose_k(lam, k, g.random(lam.size))


@fork_safe
def sample_dpp(L, rng=None, *, form="auto"):
    """A subset drawn from the L-ensemble DPP with kernel L.

    P(S) = det(L_S) / det(I + L); the size of S is random, with mean
    Σ λ_i / (1 + λ_i).

    Parameters
    ----------
    L : array (N, N), (eigenvalues, eigenvectors), or array (N, D)
        The positive semidefinite kernel matrix; or its eigendecomposition, a
        pair of λ (r,) ≥ 0 and V (N, r) with orthonormal columns (a low-rank
        L = V diag(λ) Vᵀ; VᵀV = I is checked to the square root of V's
        machine epsilon, 1.5e-8 in float64 and 3.5e-4 in float32); or a
        feature matrix B (dense or scipy.sparse) with L = B Bᵀ, which is
        never formed.
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The random draws (NumPy's conventions).
    form : {"auto", "kernel", "eig", "factor"}, keyword-only
        How ``L`` is given. ``"auto"``: a tuple is an eigendecomposition, a
        square array a kernel matrix, any other 2-D array a feature matrix;
        a square feature matrix needs ``form="factor"``.

    Returns
    -------
    indices : ndarray of int64
        Distinct items, in draw order.

    Notes
    -----
    Exact: the mixture of projection DPPs (module :mod:`sketchla.sampling.lensemble`).
    Cost: the eigendecomposition, O(N³) for a kernel matrix, O(N D²) for a
    feature matrix (a thin SVD; sparse B: its d × d Gram matrix), none when
    it is given; then O(N |S|) for the projection's row norms plus about
    |S| ln |S| proposals of O(|S|²) each.

    Eigenvalues of a kernel or feature matrix at or below max(N, D)·eps·λ_max
    are rounding noise of the decomposition and treated as zero; a given
    eigendecomposition is used as it is.

    References
    ----------
    .. [1] J. B. Hough, M. Krishnapur, Y. Peres, B. Virág, "Determinantal
       processes and independence", Probability Surveys 3 (2006).
    .. [2] A. Kulesza, B. Taskar, "Determinantal point processes for machine
       learning", Foundations and Trends in Machine Learning 5 (2012).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> B = np.random.default_rng(0).standard_normal((1000, 20))
    >>> S = sketchla.sample_dpp(B, rng=0)          # L = B Bᵀ, never formed
    >>> len(set(S.tolist())) == len(S) <= 20
    True
    """
    g = check_rng(rng)
    lam, V, tol, e = _spectrum(L, form)
    J = np.flatnonzero(g.random(lam.size) < _inclusion(lam, e))
    return _projection(V, J, g, tol)


@fork_safe
def sample_k_dpp(L, k, rng=None, *, form="auto"):
    """Exactly k distinct items from the k-DPP with kernel L.

    P(S) = det(L_S) / e_k(λ) for |S| = k, with e_k the k-th elementary
    symmetric polynomial of L's eigenvalues. The distribution does not
    change when L is scaled.

    Parameters
    ----------
    L : array (N, N), (eigenvalues, eigenvectors), or array (N, D)
        As for :func:`sample_dpp`.
    k : int
        The number of items, 0 ≤ k ≤ rank(L).
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        The random draws (NumPy's conventions).
    form : {"auto", "kernel", "eig", "factor"}, keyword-only
        As for :func:`sample_dpp`.

    Returns
    -------
    indices : ndarray of int64, shape (k,)
        Distinct items, in draw order.

    Notes
    -----
    Exact. The eigenvectors are chosen backwards through the table of
    e_l over the first n eigenvalues (Kulesza & Taskar 2012, Algorithm 8),
    kept as the ratios e_{l−1}/e_l of adjacent levels, so no eigenvalue
    spread (1e-12 to 1e3 over 10^5 eigenvalues, say) overflows or
    underflows it. Cost: the eigendecomposition (see :func:`sample_dpp`),
    O(r k) time and O(k √r) memory for the table over the r eigenvalues,
    then the projection DPP of rank k. A given eigendecomposition is
    checked (V finite, VᵀV = I) in the one pass that gathers the chosen
    eigenvectors.

    References
    ----------
    .. [1] A. Kulesza, B. Taskar, "k-DPPs: fixed-size determinantal point
       processes", ICML 2011.
    .. [2] A. Kulesza, B. Taskar, "Determinantal point processes for machine
       learning", Foundations and Trends in Machine Learning 5 (2012).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> X = np.random.default_rng(0).standard_normal((300, 2))
    >>> L = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))   # a Gaussian kernel
    >>> S = sketchla.sample_k_dpp(L, 10, rng=0)
    >>> S.shape, len(set(S.tolist()))
    ((10,), 10)
    """
    g = check_rng(rng)
    lam, V, tol, _ = _spectrum(L, form)  # a k-DPP does not depend on L's scale
    k = check_int(k, "k", minimum=0, maximum=V.shape[0], maximum_label="N")
    rank = int(np.count_nonzero(lam))
    if k > rank:
        raise ValueError(f"k = {k} exceeds the rank of L ({rank}): a k-DPP draws "
                         "k items only from a kernel of rank at least k")
    J = _choose_k(lam, k, g) if k else np.zeros(0, dtype=np.int64)
    return _projection(V, J, g, tol)
