"""Projection DPPs, volume sampling and optimal weighted least squares:
exact enumeration on tiny cases, Monte Carlo unbiasedness, continuous
samplers against their densities, approximation quality."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sketchla import (WeightedLeastSquares, approximate, polynomial_basis,
                      sample_projection_dpp, sample_repeated_dpp, sample_volume,
                      sample_volume_rescaled, sample_weighted_ls_points)
from sketchla.linalg.weighted_ls import FAMILIES

CHI2_P = 1e-4  # fixed seeds: a correct sampler passes, a wrong one fails by far


def _chi2_subsets(samples, probs):
    """Multinomial chi-square of sampled subsets against exact probabilities
    (cells with expected count < 5 pooled). Returns the p-value."""
    M = len(samples)
    keys = list(probs)
    index = {k: i for i, k in enumerate(keys)}
    obs = np.zeros(len(keys))
    for s in samples:
        obs[index[tuple(sorted(s))]] += 1
    exp = M * np.array([probs[k] for k in keys])
    small = exp < 5
    o = np.append(obs[~small], obs[small].sum())
    e = np.append(exp[~small], exp[small].sum())
    if e[-1] == 0:
        o, e = o[:-1], e[:-1]
    return stats.chisquare(o, e).pvalue


def _dpp_probs(U):
    N, k = U.shape
    return {S: np.linalg.det(U[list(S)]) ** 2 for S in itertools.combinations(range(N), k)}


def _volume_probs(A, k):
    N = A.shape[0]
    p = {S: np.linalg.det(A[list(S)].T @ A[list(S)]) for S in itertools.combinations(range(N), k)}
    Z = sum(p.values())
    return {S: v / Z for S, v in p.items()}


def _coherent_basis(N, k, seed):
    g = np.random.default_rng(seed)
    A = g.standard_normal((N, k)) * np.linspace(0.2, 3, N)[:, None]
    return np.linalg.qr(A)[0]


@pytest.mark.parametrize("N,k", [(6, 2), pytest.param(8, 3, marks=pytest.mark.slow),
                                 pytest.param(10, 4, marks=pytest.mark.slow),
                                 pytest.param(12, 3, marks=pytest.mark.slow)])
def test_projection_dpp_subset_distribution(N, k):
    U = _coherent_basis(N, k, N)
    probs = _dpp_probs(U)
    assert abs(sum(probs.values()) - 1) < 1e-12  # Cauchy–Binet
    g = np.random.default_rng(0)
    M = 20000
    samples = [sample_projection_dpp(U, rng=g) for _ in range(M)]
    assert all(len(set(s.tolist())) == k for s in samples)  # exactly k, no duplicates
    assert _chi2_subsets(samples, probs) > CHI2_P
    # singleton and pair inclusion against the kernel K = U Uᵀ
    K = U @ U.T
    inc = np.zeros(N)
    pair = np.zeros((N, N))
    for s in samples:
        inc[s] += 1
        pair[np.ix_(s, s)] += 1
    p1 = np.diag(K)
    z1 = (inc - M * p1) / np.sqrt(M * p1 * (1 - p1) + 1e-300)
    assert np.abs(z1).max() < 5
    p2 = np.outer(p1, p1) - K**2
    iu = np.triu_indices(N, 1)
    sd = np.sqrt(M * p2[iu] * (1 - p2[iu])) + 1e-9
    assert np.abs((pair[iu] - M * p2[iu]) / sd).max() < 5
    # a negative control: uniform k-subsets fail the same test by far
    uni = [g.choice(N, k, replace=False) for _ in range(M)]
    assert _chi2_subsets(uni, probs) < 1e-12


@pytest.mark.parametrize("N,d,k", [(8, 2, 3), pytest.param(9, 3, 3, marks=pytest.mark.slow),
                                   pytest.param(10, 3, 5, marks=pytest.mark.slow)])
def test_volume_sampling_subset_distribution(N, d, k):
    g, A, _ = _heavy_rows_problem(N + k, N, d)
    probs = _volume_probs(A, k)
    M = 20000
    samples = [sample_volume(A, k, rng=g) for _ in range(M)]
    assert all(len(set(s.tolist())) == k for s in samples)
    assert _chi2_subsets(samples, probs) > CHI2_P
    uni = [g.choice(N, k, replace=False) for _ in range(M)]
    assert _chi2_subsets(uni, probs) < 1e-12


def _heavy_rows_problem(seed, N, d):
    g = np.random.default_rng(seed)
    A = g.standard_normal((N, d)) * np.linspace(0.3, 2.5, N)[:, None]
    return g, A, g.standard_normal(N)


def _z_of_mean(xs, target):
    """|mean − target| in standard errors, per coordinate."""
    xs = np.asarray(xs)
    return np.abs(xs.mean(axis=0) - target) / (xs.std(axis=0) / np.sqrt(len(xs)))


@pytest.mark.slow
def test_volume_sampled_least_squares_is_unbiased():
    N, d, k = 10, 3, 4
    g, A, b = _heavy_rows_problem(5, N, d)
    x_full = np.linalg.lstsq(A, b, rcond=None)[0]
    # exactly, by enumeration (the theorem the sampler relies on)
    probs = _volume_probs(A, k)
    exact = sum(p * np.linalg.lstsq(A[list(S)], b[list(S)], rcond=None)[0]
                for S, p in probs.items())
    np.testing.assert_allclose(exact, x_full, atol=1e-12)
    # and by Monte Carlo through the sampler
    M = 20000
    xs = [np.linalg.lstsq(A[S], b[S], rcond=None)[0]
          for S in (sample_volume(A, k, rng=g) for _ in range(M))]
    assert np.all(_z_of_mean(xs, x_full) < 5)
    # uniform subsets are biased here
    xu = [np.linalg.lstsq(A[S], b[S], rcond=None)[0]
          for S in (g.choice(N, k, replace=False) for _ in range(M))]
    assert np.any(_z_of_mean(xu, x_full) > 5)


@pytest.mark.slow
def test_volume_rescaled_marginals_and_unbiasedness():
    N, d, k = 12, 3, 6
    g, A, b = _heavy_rows_problem(6, N, d)
    Q = np.linalg.qr(A)[0]
    lev = np.einsum("ij,ij->i", Q, Q)
    M = 20000
    counts = np.zeros(N)
    xs = []
    for _ in range(M):
        S, w = sample_volume_rescaled(A, k, rng=g, return_weights=True)
        assert len(S) == k and len(set(S[:d].tolist())) == d
        np.add.at(counts, S, 1)
        sw = np.sqrt(w)
        xs.append(np.linalg.lstsq(A[S] * sw[:, None], b[S] * sw, rcond=None)[0])
    expected = M * (lev + (k - d) * lev / d)
    assert np.abs((counts - expected) / np.sqrt(expected)).max() < 5
    x_full = np.linalg.lstsq(A, b, rcond=None)[0]
    assert np.all(_z_of_mean(xs, x_full) < 5)


def test_repeated_dpp_reaches_stability():
    U = _coherent_basis(200, 5, 7)
    S, w = sample_repeated_dpp(U, rng=0)
    N, k = U.shape
    G = (U[S] * (w * N)[:, None]).T @ U[S] / len(S)
    assert len(S) % k == 0
    assert np.linalg.norm(G - np.eye(k), 2) <= 0.5


def test_non_orthonormal_basis_is_orthonormalized_with_warning():
    g = np.random.default_rng(8)
    A = g.standard_normal((9, 3))
    with pytest.warns(UserWarning, match="orthonormal"):
        S = sample_projection_dpp(A, rng=0)
    assert len(set(S.tolist())) == 3


@pytest.mark.parametrize("call,exc,match", [
    (lambda: sample_projection_dpp(np.eye(3)[:, :2] @ np.ones((2, 4))), ValueError, "columns"),
    (lambda: sample_projection_dpp(np.column_stack([np.ones(5), np.ones(5)])), ValueError,
     "full column rank"),
    (lambda: sample_projection_dpp(np.full((4, 2), np.nan)), ValueError, "NaN"),
    (lambda: sample_volume(np.random.default_rng(0).standard_normal((6, 3)), 2), ValueError,
     "rank"),
    (lambda: sample_volume(np.random.default_rng(0).standard_normal((6, 3)), 7), ValueError,
     "rows"),
    (lambda: sample_volume_rescaled(np.random.default_rng(0).standard_normal((6, 3)), 2),
     ValueError, "rank"),
    (lambda: polynomial_basis("legendre", 1, -1), ValueError, "degree"),
    (lambda: polynomial_basis("laguerre", 1, 2), ValueError, "family"),
    (lambda: polynomial_basis("legendre", 1, 2, "sparse"), ValueError, "index_set"),
    (lambda: sample_weighted_ls_points(polynomial_basis("legendre", 1, 4), 3, "dpp"),
     ValueError, "n_samples"),
    (lambda: sample_weighted_ls_points(polynomial_basis("legendre", 1, 4), 10, "grid"),
     ValueError, "method"),
    (lambda: polynomial_basis("legendre", 1, 3)(np.array([[2.0]])), ValueError, r"\[-1, 1\]"),
    (lambda: polynomial_basis("legendre", 2, 3)(np.zeros((3, 1))), ValueError, "columns"),
])
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@settings(max_examples=30, deadline=None)
@given(N=st.integers(1, 40), k=st.integers(1, 8), seed=st.integers(0, 2**16))
def test_hypothesis_dpp_sizes(N, k, seed):
    if k > N:
        with pytest.raises(ValueError):
            sample_projection_dpp(np.random.default_rng(seed).standard_normal((N, k)))
        return
    U = _coherent_basis(N, k, seed)
    S = sample_projection_dpp(U, rng=seed)
    assert S.dtype == np.int64 and len(S) == k and len(set(S.tolist())) == k
    assert S.min() >= 0 and S.max() < N


# ------------------------------------------------------------ continuous part


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("index_set", ["total_degree", "hyperbolic_cross", "tensor"])
def test_basis_is_orthonormal(family, index_set):
    b = polynomial_basis(family, 2, 4, index_set)
    x, w = {"legendre": np.polynomial.legendre.leggauss,
            "chebyshev": np.polynomial.chebyshev.chebgauss,
            "hermite": np.polynomial.hermite_e.hermegauss}[family](12)
    w = w / w.sum()
    X = np.array(list(itertools.product(x, x)))
    W = np.prod(np.array(list(itertools.product(w, w))), axis=1)
    F = b(X)
    np.testing.assert_allclose((F * W[:, None]).T @ F, np.eye(b.size), atol=1e-12)
    sizes = {"total_degree": 15, "hyperbolic_cross": 10, "tensor": 25}
    assert b.size == sizes[index_set] and b.dim == 2


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("k", [0, 1, 4, 9])
def test_univariate_squared_sampler_matches_density(family, k):
    b = polynomial_basis(family, 1, max(k, 1))
    t = b.sample_squared(np.full(4000, k), rng=k)
    cdf, lo, hi = b._cdf(k)
    if family == "chebyshev":
        u = cdf(np.arccos(np.clip(t, -1, 1)))
    else:
        u = (cdf(t) - cdf(lo)) / (cdf(hi) - cdf(lo))
    assert stats.kstest(u, "uniform").pvalue > CHI2_P
    # the CDF itself is the integral of the density (quadrature check)
    if family == "legendre":
        xq, wq = np.polynomial.legendre.leggauss(40)
        np.testing.assert_allclose(cdf(1.0), np.sum(wq * b.univariate(xq, k)[:, k] ** 2) / 2)


@pytest.mark.parametrize("family", FAMILIES)
def test_christoffel_sampler_histogram(family):
    b = polynomial_basis(family, 1, 6)
    X = b.sample_christoffel(20000, rng=1)[:, 0]
    # exact CDF of the mixture (1/m)Σ_j p_j² dρ
    def mix_cdf(t):
        vals = []
        for j in range(b.size):
            cdf, lo, hi = b._cdf(j)
            if family == "chebyshev":
                vals.append(1 - cdf(np.arccos(np.clip(t, -1, 1))))
            else:
                vals.append((cdf(t) - cdf(lo)) / (cdf(hi) - cdf(lo)))
        return np.mean(vals, axis=0)
    assert stats.kstest(X, mix_cdf).pvalue > CHI2_P
    # and it is not the reference measure
    assert stats.kstest(b.sample_reference(20000, 2)[:, 0], mix_cdf).pvalue < 1e-6 or \
        family == "chebyshev"


def test_continuous_dpp_intensities():
    # one-point intensity K(x,x) dρ: pooled points follow the Christoffel law;
    # two-point: E Σ_{i≠j} (x_i − x_j)² = ∫∫ (x−y)² (K(x,x)K(y,y) − K(x,y)²) dρ dρ
    b = polynomial_basis("legendre", 1, 2)
    xq, wq = np.polynomial.legendre.leggauss(30)
    wq = wq / 2
    F = b(xq[:, None])
    K = F @ F.T
    D = (xq[:, None] - xq[None, :]) ** 2
    exact = np.sum(wq[:, None] * wq[None, :] * D * (np.outer(np.diag(K), np.diag(K)) - K**2))
    g = np.random.default_rng(3)
    # 3000 independent DPP draws of 3 points, stacked in draw order
    X, _ = sample_weighted_ls_points(b, 3 * 3000, "dpp", rng=g)
    draws = X[:, 0].reshape(3000, 3)
    vals = np.sum((draws[:, :, None] - draws[:, None, :]) ** 2, axis=(1, 2))
    mix = lambda t: np.mean([(b._cdf(j)[0](t) - b._cdf(j)[0](-1.0)) for j in range(3)], axis=0)
    assert stats.kstest(draws.ravel()[::3], mix).pvalue > CHI2_P
    assert abs(vals.mean() - exact) < 5 * vals.std() / np.sqrt(len(vals))
    iid = b.sample_christoffel(3 * 3000, g)[:, 0].reshape(3000, 3)
    iid = np.sum((iid[:, :, None] - iid[:, None, :]) ** 2, axis=(1, 2))
    assert np.mean(iid) < vals.mean()  # DPP points repel


def test_dpp_gram_better_conditioned_than_iid():
    b = polynomial_basis("legendre", 2, 4)
    m = b.size
    g = np.random.default_rng(4)
    dev = {"dpp": [], "christoffel": []}
    for _ in range(30):
        for meth in dev:
            X, w = sample_weighted_ls_points(b, 2 * m, meth, rng=g)
            G = (b(X) * w[:, None]).T @ b(X) / len(X)
            dev[meth].append(np.linalg.norm(G - np.eye(m), 2))
    assert np.mean(dev["dpp"]) < np.mean(dev["christoffel"])


@pytest.mark.parametrize("method", ["christoffel", "dpp", "volume_rescaled", "repeated_dpp"])
def test_weighted_ls_reproduces_polynomials(method):
    b = polynomial_basis("legendre", 2, 3)
    c = np.arange(1.0, b.size + 1)

    def f(X):
        return b(X) @ c

    est = approximate(f, b, 3 * b.size, method=method, rng=0)
    np.testing.assert_allclose(est.coef_, c, atol=1e-10)
    X = b.sample_reference(50, 1)
    np.testing.assert_allclose(est.predict(X), f(X), atol=1e-9)
    assert est.gram_.shape == (b.size, b.size) and isinstance(est.is_stable_, bool)


def test_weighted_least_squares_estimator_checks():
    b = polynomial_basis("hermite", 1, 3)
    X, w = sample_weighted_ls_points(b, 40, "christoffel", rng=0)
    y = X[:, 0] ** 3
    est = WeightedLeastSquares(basis=b).fit(X, y, sample_weight=w)
    assert est.score(X, y) > 1 - 1e-12
    with pytest.raises(ValueError, match="mismatched"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="non-negative"):
        est.fit(X, y, sample_weight=-w)
    with pytest.raises(TypeError, match="PolynomialBasis"):
        WeightedLeastSquares(basis=None).fit(X, y)


def _best_and_errors(f, b, methods, n, reps, rng):
    g = np.random.default_rng(rng)
    Xt = b.sample_reference(20000, g)
    yt = f(Xt)
    Ft = b(Xt)
    best = np.linalg.lstsq(Ft, yt, rcond=None)[0]
    e_best = np.sqrt(np.mean((Ft @ best - yt) ** 2))
    out = {}
    for meth in methods:
        errs = []
        for _ in range(reps):
            est = approximate(f, b, n, method=meth, rng=g)
            errs.append(np.sqrt(np.mean((Ft @ est.coef_ - yt) ** 2)))
        out[meth] = np.mean(errs) / e_best
    return out


@pytest.mark.slow
@pytest.mark.parametrize("dim,degree", [(1, 10), (2, 6), (5, 2)])
@pytest.mark.parametrize("kind", ["smooth", "nonsmooth"])
def test_quasi_optimality(dim, degree, kind):
    b = polynomial_basis("legendre", dim, degree)
    m = b.size

    def f(X):
        if kind == "smooth":
            return np.exp(np.sum(X, axis=1) / dim) / (1 + 0.5 * X[:, 0] ** 2)
        return np.abs(np.sum(X, axis=1) / dim - 0.1) + np.sqrt(np.abs(X[:, -1]))

    n = int(np.ceil(m * np.log(m)))
    r = _best_and_errors(f, b, ["dpp", "volume_rescaled", "repeated_dpp"], n, 8, dim + 10)
    assert r["dpp"] <= 3 and r["volume_rescaled"] <= 3 and r["repeated_dpp"] <= 3


@pytest.mark.slow
def test_dpp_needs_fewer_points_for_stability():
    b = polynomial_basis("legendre", 2, 5)
    m = b.size
    g = np.random.default_rng(11)
    stable = {"dpp": 0, "christoffel": 0}
    for _ in range(30):  # n = 8m: about half the DPP designs are stable, few i.i.d. ones
        for meth in stable:
            X, w = sample_weighted_ls_points(b, 8 * m, meth, rng=g)
            G = (b(X) * w[:, None]).T @ b(X) / len(X)
            stable[meth] += np.linalg.norm(G - np.eye(m), 2) <= 0.5
    assert stable["dpp"] >= stable["christoffel"] + 5


def test_no_warning_for_orthonormal_input():
    U = _coherent_basis(30, 4, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sample_projection_dpp(U, rng=0)


def test_native_chain_batch_matches_the_sequential_rule():
    """The native batch accepts exactly the proposals that the chain rule,
    applied one proposal at a time with the same uniforms, accepts; E's new
    rows are an orthonormal basis of the accepted features."""
    from sketchla._kernels import chain_batch

    g = np.random.default_rng(0)
    k = 7
    U = np.linalg.qr(g.standard_normal((60, k)))[0]
    for start in (0, 3):
        E = np.zeros((k, k))
        if start:
            E[:start] = np.linalg.qr(g.standard_normal((k, start)))[0].T
        F = U[g.integers(0, 60, 40)]
        u = g.random(40)
        want, basis = [], [e for e in E[:start]]
        for i, f in enumerate(F):
            if len(basis) == k:
                break
            B = np.array(basis).reshape(-1, k)
            resid = f @ f - np.sum((B @ f) ** 2)
            if u[i] * (f @ f) < resid:
                want.append(i)
                w = f - B.T @ (B @ f)
                basis.append(w / np.linalg.norm(w))
        got = chain_batch(F, u, E, start)
        assert got.tolist() == want
        t = start + len(got)
        assert np.allclose(E[:t] @ E[:t].T, np.eye(t), atol=1e-12)
        # the accepted features lie in the span of E's rows
        P = F[got] - (F[got] @ E[:t].T) @ E[:t]
        assert np.abs(P).max() < 1e-12


def test_native_chain_batch_refuses_bad_arguments():
    from sketchla._kernels import native

    F, u, E = np.ones((4, 3)), np.full(4, 0.5), np.zeros((3, 3))
    acc, resid = np.empty(3, dtype=np.int64), np.empty(4)
    with pytest.raises(ValueError, match="t must be"):
        native().chain_batch(F, u, E, 4, acc, resid)
    with pytest.raises(ValueError, match="E has the wrong shape"):
        native().chain_batch(F, u, np.zeros((2, 3)), 0, acc, resid)
    with pytest.raises(ValueError, match="overlap"):
        native().chain_batch(F, u, E, 0, acc, u)
