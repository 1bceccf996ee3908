"""Orthonormal polynomial bases on product domains (Legendre on [-1, 1]^d,
Chebyshev, probabilists' Hermite under the Gaussian) and their optimal
(Christoffel) sampling densities, for weighted least squares
(:mod:`sketchla.linalg.weighted_ls`).

References
----------
.. [1] A. Cohen, G. Migliorati, "Optimal weighted least-squares methods",
   SMAI J. Comput. Math. 3 (2017).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.polynomial import chebyshev as npc
from numpy.polynomial import hermite_e as nph
from numpy.polynomial import legendre as npl
from scipy.special import ndtr

from .._kernels.forks import fork_safe, fork_safe_methods
from .._kernels.work import advance
from .._validation import as_finite_float, check_int, check_option, check_rng

__all__ = ["PolynomialBasis", "polynomial_basis", "FAMILIES", "INDEX_SETS"]

FAMILIES = ("legendre", "chebyshev", "hermite")
INDEX_SETS = ("total_degree", "hyperbolic_cross", "tensor")
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


@fork_safe_methods
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
        advance(8.0 * X.shape[0] * self.size)  # a draw per point, its basis values
        return X


@fork_safe
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
