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

import itertools
import math

import numpy as np
from numpy.polynomial import chebyshev as npc
from numpy.polynomial import hermite_e as nph
from numpy.polynomial import legendre as npl
from scipy.special import ndtr

from .._validation import (
    as_finite_float,
    check_int,
    check_option,
    check_rng,
)

__all__ = [
    "PolynomialBasis",
    "polynomial_basis",
    "sample_weighted_ls_points",
    "approximate",
    "FAMILIES",
    "INDEX_SETS",
    "METHODS",
]

FAMILIES = ("legendre", "chebyshev", "hermite")
INDEX_SETS = ("total_degree", "hyperbolic_cross", "tensor")
METHODS = ("christoffel", "dpp", "volume_rescaled", "repeated_dpp")
_HERMITE_MAX_DEGREE = 40  # the closed-form CDF loses accuracy beyond


def _multi_indices(dim, degree, index_set):
    rng1 = range(degree + 1)
    if index_set == "tensor":
        idx = list(itertools.product(rng1, repeat=dim))
    elif index_set == "total_degree":
        idx = [a for a in itertools.product(rng1, repeat=dim) if sum(a) <= degree]
    else:  # hyperbolic cross: ∏(α_i + 1) ≤ degree + 1
        idx = [a for a in itertools.product(rng1, repeat=dim)
               if math.prod(x + 1 for x in a) <= degree + 1]
    idx.sort(key=lambda a: (sum(a), tuple(-x for x in a)))
    return np.array(idx, dtype=np.int64).reshape(-1, dim)


class PolynomialBasis:
    """Tensorized orthonormal polynomials φ_α(x) = ∏_i p_{α_i}(x_i) on a product domain.

    ``legendre``: [−1, 1]^dim with the uniform probability measure;
    ``chebyshev``: [−1, 1]^dim with the arcsine measure dx/(π√(1 − x²));
    ``hermite``: R^dim with the standard Gaussian measure. Create with
    :func:`polynomial_basis`; call on X (n, dim) to get the (n, size) matrix.

    Attributes
    ----------
    family, index_set : str
    dim, degree, size : int
    indices : ndarray, shape (size, dim)
        The multi-indices α, constant first.
    """

    def __init__(self, family, dim, degree, index_set):
        self.family = family
        self.dim = dim
        self.degree = degree
        self.index_set = index_set
        self.indices = _multi_indices(dim, degree, index_set)
        self.size = self.indices.shape[0]

    def __repr__(self):
        return (f"polynomial_basis({self.family!r}, dim={self.dim}, degree={self.degree}, "
                f"index_set={self.index_set!r})  # size {self.size}")

    # -- evaluation -------------------------------------------------------
    def univariate(self, t, max_degree=None):
        """Orthonormal 1-D polynomials p_0..p_max at t: shape (len(t), max_degree + 1)."""
        p = self.degree if max_degree is None else max_degree
        t = np.asarray(t, dtype=np.float64)
        n = np.arange(p + 1)
        if self.family == "legendre":
            return npl.legvander(t, p) * np.sqrt(2 * n + 1)
        if self.family == "chebyshev":
            return npc.chebvander(t, p) * np.where(n == 0, 1.0, np.sqrt(2.0))
        # probabilists' Hermite, normalized by the stable recurrence
        out = np.empty(t.shape + (p + 1,))
        out[..., 0] = 1.0
        if p >= 1:
            out[..., 1] = t
        for k in range(1, p):
            out[..., k + 1] = (t * out[..., k] - np.sqrt(k) * out[..., k - 1]) / np.sqrt(k + 1)
        return out

    def check_points(self, X, name="X"):
        X = as_finite_float(X, name, 2)
        if X.shape[1] != self.dim:
            raise ValueError(f"{name} has {X.shape[1]} columns but the basis has dim = "
                             f"{self.dim}")
        if self.family != "hermite" and np.abs(X).max(initial=0) > 1 + 1e-12:
            raise ValueError(f"{name} must lie in [-1, 1]^{self.dim} for the {self.family} "
                             "basis")
        return X

    def __call__(self, X):
        """Basis values at the rows of X (n, dim): shape (n, size)."""
        X = self.check_points(X)
        out = np.ones((X.shape[0], self.size))
        for i in range(self.dim):
            out *= self.univariate(X[:, i])[:, self.indices[:, i]]
        return out

    def christoffel(self, X):
        """The inverse-weight function k_m(x) = Σ_j φ_j(x)² at the rows of X."""
        F = self(X)
        return np.einsum("ij,ij->i", F, F)

    # -- sampling ---------------------------------------------------------
    def sample_reference(self, n, rng=None):
        """n i.i.d. points from the reference measure ρ."""
        g = check_rng(rng)
        if self.family == "legendre":
            return g.uniform(-1.0, 1.0, (n, self.dim))
        if self.family == "chebyshev":
            return np.cos(np.pi * g.random((n, self.dim)))
        return g.standard_normal((n, self.dim))

    def _cdf(self, k):
        """CDF of the univariate density p_k(t)² dρ(t), and its bracket."""
        if self.family == "legendre":
            c = npl.legmul(np.eye(k + 1)[k], np.eye(k + 1)[k]) * (2 * k + 1) / 2
            F = npl.legint(c, lbnd=-1)
            return (lambda t: npl.legval(t, F)), -1.0, 1.0
        if self.family == "chebyshev":  # in θ = arccos t, density (1 + cos 2kθ)/π
            if k == 0:
                return (lambda th: th / np.pi), 0.0, np.pi
            return (lambda th: (th + np.sin(2 * k * th) / (2 * k)) / np.pi), 0.0, np.pi
        if k > _HERMITE_MAX_DEGREE:
            raise ValueError(f"hermite sampling supports degree <= {_HERMITE_MAX_DEGREE}")
        c = nph.hermemul(np.eye(k + 1)[k], np.eye(k + 1)[k]) / math.factorial(k)

        def cdf(x):
            phi = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
            tail = nph.hermeval(x, c[1:]) if c.size > 1 else 0.0
            return c[0] * ndtr(x) - phi * tail

        L = 2 * np.sqrt(k + 1) + 12.0
        return cdf, -L, L

    def sample_squared(self, degrees, rng=None):
        """One point per entry of ``degrees``, drawn from p_deg(t)² dρ(t) (exact)."""
        g = check_rng(rng)
        degrees = np.asarray(degrees, dtype=np.int64)
        out = np.empty(degrees.shape)
        for k in np.unique(degrees):
            sel = degrees == k
            cdf, lo, hi = self._cdf(int(k))
            flo, fhi = cdf(np.float64(lo)), cdf(np.float64(hi))
            u = flo + g.random(int(sel.sum())) * (fhi - flo)
            a = np.full(u.shape, lo)
            b = np.full(u.shape, hi)
            for _ in range(64):  # bisection to machine precision
                mid = 0.5 * (a + b)
                below = cdf(mid) < u
                a = np.where(below, mid, a)
                b = np.where(below, b, mid)
            x = 0.5 * (a + b)
            out[sel] = np.cos(x) if self.family == "chebyshev" else x
        return out

    def sample_christoffel(self, n, rng=None):
        """n i.i.d. points from the optimal density (1/m) Σ_j φ_j(x)² dρ(x) (exact)."""
        g = check_rng(rng)
        J = g.integers(0, self.size, n)
        X = np.empty((n, self.dim))
        for i in range(self.dim):
            X[:, i] = self.sample_squared(self.indices[J, i], g)
        return X


def polynomial_basis(family="legendre", dim=1, degree=5, index_set="total_degree"):
    """Orthonormal tensorized polynomial basis of V_m on a product domain.

    Parameters
    ----------
    family : {"legendre", "chebyshev", "hermite"}
        Legendre: uniform measure on [−1, 1]; Chebyshev (first kind):
        arcsine measure on [−1, 1]; Hermite (probabilists'): standard
        Gaussian on R. Values from :mod:`numpy.polynomial`, scaled to be
        orthonormal.
    dim : int
        Number of variables.
    degree : int
        Polynomial degree p ≥ 0 of the index set.
    index_set : {"total_degree", "hyperbolic_cross", "tensor"}
        |α|₁ ≤ p; ∏(α_i + 1) ≤ p + 1; max α_i ≤ p.

    Returns
    -------
    PolynomialBasis
        Callable: ``basis(X)`` is (n, basis.size); ``basis.dim``, ``basis.size``.

    Notes
    -----
    The functions are tensor products of univariate orthonormal polynomials
    (Legendre for the uniform measure on [−1, 1], Hermite for the Gaussian),
    over the total-degree multi-index set: m = C(dim + degree, dim)
    functions. Evaluating at n points costs O(n·m·dim).

    References
    ----------
    .. [1] A. Cohen, G. Migliorati, "Optimal weighted least-squares methods",
       SMAI J. Comput. Math. 3 (2017).

    Examples
    --------
    >>> import sketchla
    >>> basis = sketchla.polynomial_basis("legendre", dim=2, degree=3)
    >>> basis.size
    10
    """
    check_option(family, "family", FAMILIES)
    check_option(index_set, "index_set", INDEX_SETS)
    dim = check_int(dim, "dim", minimum=1)
    degree = check_int(degree, "degree", minimum=0)
    if family == "hermite" and degree > _HERMITE_MAX_DEGREE:
        raise ValueError(f"degree must be <= {_HERMITE_MAX_DEGREE} for the hermite family")
    if dim * math.log(degree + 1) > math.log(5_000_000):
        raise ValueError(f"dim and degree: (degree + 1)**dim = ({degree} + 1)**{dim} "
                         "multi-indices to enumerate is more than 5·10^6")
    return PolynomialBasis(family, dim, degree, index_set)


def _weighted_gram_sum(F, w):
    """Σ_i w_i φ(x_i) φ(x_i)ᵀ from the basis values F (n, m) and the weights w."""
    return (F * w[:, None]).T @ F


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
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    X, w = sample_weighted_ls_points(basis, n_samples, method, rng)
    y = np.asarray(f(X), dtype=np.float64).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"f(X) must return one value per row of X, got shape {y.shape}")
    from .weighted_ls_estimator import WeightedLeastSquares

    return WeightedLeastSquares(basis).fit(X, y, sample_weight=w)
