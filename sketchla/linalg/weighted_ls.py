"""Optimal weighted least squares on a domain (Cohen–Migliorati; Nouy–Michel).

To approximate f on a domain with product measure ρ by an element of
V_m = span{φ_1..φ_m} (orthonormal in L²(ρ)), sample points x_i and fit
min Σ_i w(x_i)(f(x_i) − Σ_j c_j φ_j(x_i))² with w(x) = m / Σ_j φ_j(x)².
The samplers:

* ``"christoffel"``: i.i.d. from the optimal density (1/m)Σ_j φ_j² dρ,
  drawn exactly through its mixture structure: pick j uniformly, then each
  coordinate from the univariate density φ_{α_i}(t)² dρ(t) by inverting its
  closed-form CDF (bisection to machine precision; no grid).
* ``"dpp"``: independent draws of the continuous projection DPP with
  kernel Σ_j φ_j(x)φ_j(y) (m points each) by the chain rule, each step by
  rejection from the Christoffel proposal (exact; about m ln m proposals).
* ``"volume_rescaled"``: m DPP points plus n − m i.i.d. Christoffel points.
* ``"repeated_dpp"``: independent DPP draws (at least ⌈n/m⌉) until the
  weighted Gram matrix G = (1/n)Σ w(x_i)φ(x_i)φ(x_i)ᵀ has ‖G − I‖₂ ≤ 1/2.

References
----------
.. [1] A. Cohen, G. Migliorati, "Optimal weighted least-squares methods",
   SMAI J. Comput. Math. 3 (2017).
.. [2] A. Nouy, B. Michel, "Weighted least-squares approximation with
   determinantal point processes and generalized volume sampling",
   arXiv:2312.14057.
.. [3] M. Dereziński, M. K. Warmuth, D. Hsu, "Unbiased estimators for
   random design regression", JMLR 23 (2022).
"""


from __future__ import annotations

import numpy as np

from .. import _costs
from .._kernels.forks import fork_safe
from .._kernels.work import reports_progress
from .._validation import check_int, check_memory, check_option, check_rng
from .polynomial_basis import (FAMILIES, INDEX_SETS, PolynomialBasis, _weighted_gram_sum,
                               polynomial_basis)

__all__ = [
    "PolynomialBasis",
    "polynomial_basis",
    "sample_weighted_ls_points",
    "approximate",
    "FAMILIES",
    "INDEX_SETS",
    "METHODS",
]

METHODS = ("christoffel", "dpp", "volume_rescaled", "repeated_dpp")


@fork_safe
@reports_progress("sample_weighted_ls_points", _costs.sample_weighted_ls_points)
def sample_weighted_ls_points(basis, n_samples, method="christoffel", rng=None):
    """Points and optimal weights for weighted least squares in V_m.

    Parameters
    ----------
    basis : PolynomialBasis
        The orthonormal basis of V_m (:func:`polynomial_basis`).
    n_samples : int
        Number of points, at least m = basis.size except for
        ``"christoffel"``. ``"dpp"`` takes ⌈n/m⌉ independent DPP draws of m
        points each (n rounded up to a multiple of m); ``"repeated_dpp"``
        starts from as many and adds draws until ‖G − I‖₂ ≤ 1/2.
    method : {"christoffel", "dpp", "volume_rescaled", "repeated_dpp"}
        See the module docstring.
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).

    Returns
    -------
    X : ndarray, shape (n, dim)
    w : ndarray, shape (n,)
        w(x) = m / Σ_j φ_j(x)².

    Notes
    -----
    With ``method="christoffel"`` (i.i.d. from the density m/K_m) the
    weighted Gram matrix satisfies ‖G − I‖ ≤ 1/2 with high probability from
    n = O(m log m) points; the DPP and volume-rescaled methods reach it with
    n = O(m). Cost: O(N·m²) for a candidate grid of N points, plus the draw.

    References
    ----------
    .. [1] A. Cohen, G. Migliorati, "Optimal weighted least-squares methods",
       SMAI J. Comput. Math. 3 (2017).
    .. [2] A. Nouy, B. Michel, "Weighted least-squares approximation with
       determinantal point processes and generalized volume sampling",
       arXiv:2312.14057 (2023).

    Examples
    --------
    >>> import sketchla
    >>> basis = sketchla.polynomial_basis("legendre", dim=1, degree=4)
    >>> X, w = sketchla.sample_weighted_ls_points(basis, 10, method="dpp", rng=0)
    >>> X.shape[1], X.shape[0] == w.shape[0]
    (1, True)
    """
    from ..sampling.dpp import chain_rule_rejection

    if not isinstance(basis, PolynomialBasis):
        raise TypeError(f"basis must be a PolynomialBasis (see polynomial_basis), got "
                        f"{type(basis).__name__}")
    check_option(method, "method", METHODS)
    g = check_rng(rng)
    m = basis.size
    n = check_int(n_samples, "n_samples", minimum=1)
    # the points, their weights and one evaluation of the basis at them
    check_memory(8 * n * (basis.dim + 1 + m), "n_samples", f"{n} points in V_{m}")
    if method != "christoffel" and n < m:
        raise ValueError(f"n_samples = {n} is less than the dimension m = {m} of the "
                         f"space, which method={method!r} needs")

    # i.i.d. Christoffel proposals drawn in large chunks and consumed in order
    # (exactness is unaffected; one vectorized inversion serves many steps)
    chunk = int(4 * m * np.log(m + 1)) + 64
    buf = {"X": np.empty((0, basis.dim))}

    def propose(s):
        if buf["X"].shape[0] < s:
            buf["X"] = np.vstack([buf["X"], basis.sample_christoffel(max(chunk, s), g)])
        out, buf["X"] = buf["X"][:s], buf["X"][s:]
        return out

    def dpp():
        pts = chain_rule_rejection(m, propose, basis, g)
        return np.array(pts)

    if method == "christoffel":
        X = basis.sample_christoffel(n, g)
    elif method == "dpp":
        X = np.vstack([dpp() for _ in range(-(-n // m))])
    elif method == "volume_rescaled":
        X = np.vstack([dpp(), basis.sample_christoffel(n - m, g)]) if n > m else dpp()
    else:  # the Gram sum is accumulated draw by draw, each draw evaluated once
        draws, weights = [], []
        S = np.zeros((m, m))

        def add_draw():
            Xd = dpp()
            F = basis(Xd)
            wd = m / np.einsum("ij,ij->i", F, F)
            draws.append(Xd)
            weights.append(wd)
            return _weighted_gram_sum(F, wd)

        for _ in range(-(-n // m)):
            S += add_draw()
        for _ in range(100):
            if np.linalg.norm(S / (m * len(draws)) - np.eye(m), 2) <= 0.5:
                break
            S += add_draw()
        else:
            raise RuntimeError("repeated_dpp: ||G - I|| <= 1/2 not reached in 100 extra draws")
        return np.vstack(draws), np.concatenate(weights)
    return X, m / basis.christoffel(X)


@fork_safe
@reports_progress("approximate", _costs.approximate)
def approximate(f, basis, n_samples, method="dpp", rng=None):
    """Weighted least-squares approximation of f in V_m from sampled points.

    Draws ``(X, w) = sample_weighted_ls_points(basis, n_samples, method, rng)``,
    evaluates ``f(X)`` (X of shape (n, dim), one value per row) and returns
    the fitted :class:`WeightedLeastSquares`.

    Parameters
    ----------
    f : callable
        ``f(X)`` for X of shape (n, dim), one value per row.
    basis : PolynomialBasis
        The orthonormal basis of V_m (:func:`polynomial_basis`).
    n_samples : int
        Number of points.
    method : {"christoffel", "dpp", "volume_rescaled", "repeated_dpp"}, default "dpp"
        How the points are drawn (:func:`sample_weighted_ls_points`).
    rng : None, int, Generator or SeedSequence
        Seed or generator of the randomness.

    Returns
    -------
    WeightedLeastSquares
        The fitted approximation (``predict``, ``coef_``, ``is_stable_``).

    Notes
    -----
    With the DPP and volume-rescaled methods, n = O(m) points give an error
    within a constant factor of the best approximation in V_m in
    expectation; the cost is the sampler's plus n evaluations of f and an
    n × m least-squares solve.

    References
    ----------
    .. [1] A. Nouy, B. Michel, "Weighted least-squares approximation with
       determinantal point processes and generalized volume sampling",
       arXiv:2312.14057 (2023).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> basis = sketchla.polynomial_basis("legendre", dim=1, degree=5)
    >>> est = sketchla.approximate(lambda X: np.cos(X[:, 0]), basis, 12, rng=0)
    >>> X = np.linspace(-1, 1, 5)[:, None]
    >>> bool(np.abs(est.predict(X) - np.cos(X[:, 0])).max() < 1e-3)
    True
    """
    from .weighted_ls_estimator import WeightedLeastSquares  # scikit-learn on demand

    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    X, w = sample_weighted_ls_points(basis, n_samples, method, rng)
    y = np.asarray(f(X), dtype=np.float64).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"f(X) must return one value per row of X, got shape {y.shape}")

    return WeightedLeastSquares(basis=basis).fit(X, y, sample_weight=w)
