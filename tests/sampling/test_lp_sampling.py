"""Leverage scores, Lewis weights, sensitivities, row sampling, ℓp regression."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from sketchla import (
    LpRegression,
    RowSampler,
    leverage_scores,
    lewis_weights,
    lp_regression,
    lp_sensitivities,
    sample_rows,
)
from sketchla.datasets import make_coherent


def svd_leverage(A):
    U, s, _ = np.linalg.svd(A, full_matrices=False)
    r = int(np.sum(s > max(A.shape) * np.finfo(float).eps * s[0]))
    return np.sum(U[:, :r] ** 2, axis=1)


def slow_lewis(A, p, iters=3000):
    """Reference: the plain Lewis fixed point from the definition, many
    iterations, with a pseudo-inverse (works for rank-deficient A)."""
    w = np.ones(A.shape[0])
    for _ in range(iters):
        M = np.linalg.pinv(A.T @ (w[:, None] ** (1 - 2 / p) * A))
        new = np.einsum("ij,jk,ik->i", A, M, A) ** (p / 2)
        w = np.sqrt(w * new) if p >= 4 else new  # geometric damping
    return w


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 60), d=st.integers(1, 6), rank_def=st.booleans(),
       sparse=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_exact_leverage_matches_svd(n, d, rank_def, sparse, seed):
    g = np.random.default_rng(seed)
    A = g.standard_normal((n, d))
    if rank_def and d > 1:
        A[:, -1] = A[:, 0]
    tau = leverage_scores(sp.csr_matrix(A) if sparse else A)
    np.testing.assert_allclose(tau, svd_leverage(A), atol=1e-8)
    assert abs(tau.sum() - np.linalg.matrix_rank(A)) < 1e-8


def test_approx_leverage_relative_error():
    A = make_coherent(20000, 30, n_heavy=30, rng=0)
    exact = leverage_scores(A)
    for B in (A, sp.csr_matrix(A)):
        approx = leverage_scores(B, "approx", rng=1, n_components=20)
        rel = np.abs(approx / exact - 1)
        assert np.median(rel) <= 0.25  # JL with k = 20 and a 20·d sketch
        approx = leverage_scores(B, "approx", rng=1)  # k ≥ d: sketch distortion only
        assert np.median(np.abs(approx / exact - 1)) <= 0.1


def test_approx_leverage_never_densifies_sparse(monkeypatch):
    A = sp.random(30000, 40, density=0.05, format="csr", random_state=0)

    def boom(*a, **k):
        raise AssertionError("densified")

    monkeypatch.setattr(sp.csr_matrix, "toarray", boom)
    monkeypatch.setattr(sp.csr_matrix, "todense", boom)
    tau = leverage_scores(A, "approx", rng=0)
    assert tau.shape == (30000,)


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0, 4.0, 6.0])
def test_lewis_weights_match_reference_and_fixed_point(p):
    g = np.random.default_rng(int(p * 10))
    A = g.standard_normal((40, 4))
    A[:3] *= 10
    w = lewis_weights(A, p, tol=1e-12)
    assert w.residual <= 1e-9
    np.testing.assert_allclose(w.sum(), 4.0, rtol=1e-9)
    # the fixed-point property, from the definition
    M = np.linalg.inv(A.T @ (w[:, None] ** (1 - 2 / p) * A))
    np.testing.assert_allclose(np.einsum("ij,jk,ik->i", A, M, A) ** (p / 2), w, rtol=1e-8)
    np.testing.assert_allclose(w, slow_lewis(A, p), rtol=1e-6)


def test_lewis_rank_deficient_and_p2():
    g = np.random.default_rng(1)
    A = g.standard_normal((50, 3))
    A = np.hstack([A, A[:, :1]])
    w = lewis_weights(A, 1.0)
    np.testing.assert_allclose(w.sum(), 3.0, rtol=1e-9)
    np.testing.assert_allclose(lewis_weights(A, 2.0), svd_leverage(A), atol=1e-10)
    wa = lewis_weights(g.standard_normal((5000, 5)), 1.0, method="approx", rng=0)
    assert wa.shape == (5000,) and np.isfinite(wa).all()


def brute_sensitivity(A, p, n_dirs=20000, rng=0):
    """A lower bound on the sensitivities by maximizing over many directions."""
    g = np.random.default_rng(rng)
    X = g.standard_normal((A.shape[1], n_dirs))
    V = np.abs(A @ X) ** p
    return (V / V.sum(axis=0)).max(axis=1)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_exact_sensitivities_and_bounds(p):
    g = np.random.default_rng(2)
    A = g.standard_normal((25, 3))
    A[0] *= 8
    s = lp_sensitivities(A, p, method="exact")
    lower = brute_sensitivity(A, p)
    assert np.all(s >= lower - 1e-7)  # no direction beats the exact maximum
    assert np.all(s <= lower * 1.5 + 1e-3)  # and random directions come close
    bound = lp_sensitivities(A, p, method="bound")
    assert np.all(s <= bound * (1 + 1e-7))
    if p == 2:
        np.testing.assert_allclose(s, svd_leverage(A), atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(4, 20), d=st.integers(1, 3), p=st.sampled_from([1.0, 1.5, 3.0]),
       rank_def=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_sensitivity_bounds_hold_hypothesis(n, d, p, rank_def, seed):
    g = np.random.default_rng(seed)
    A = g.standard_normal((n, d)) * g.lognormal(0, 1, (n, 1))
    if rank_def and d > 1:
        A[:, -1] = 2 * A[:, 0]
    s = lp_sensitivities(A, p, method="exact")
    b = lp_sensitivities(A, p, method="bound")
    assert np.all(s <= b * (1 + 1e-6) + 1e-9)


def distortion(A, rs, p, n_dirs=300, rng=0):
    g = np.random.default_rng(rng)
    X = g.standard_normal((A.shape[1], n_dirs))
    full = np.sum(np.abs(A @ X) ** p, axis=0)
    samp = np.sum(rs.weights[:, None] * np.abs(A[rs.indices] @ X) ** p, axis=0)
    return np.max(np.abs(samp / full - 1))


@pytest.mark.slow
@pytest.mark.parametrize("p", [1.0, 3.0])
def test_embedding_distortion_shrinks_and_beats_uniform(p):
    A = make_coherent(20000, 10, n_heavy=10, weight=300.0, rng=3)
    dist = {}
    for scores in ("lewis", "leverage", "root_leverage", "combined", "uniform"):
        for m in (500, 4000):
            dist[scores, m] = np.median([distortion(A, sample_rows(A, m, p, scores, rng=s), p)
                                         for s in range(5)])
    for scores in ("lewis", "leverage", "root_leverage", "combined"):
        assert dist[scores, 4000] < dist[scores, 500]
    # measured here (median of 5): p = 1: lewis 0.032, root_leverage 0.040,
    # combined 0.050, leverage 0.12, uniform 0.16; p = 3: all ≤ 0.1, uniform 3.2
    if p == 1:
        for scores, factor in (("lewis", 3), ("root_leverage", 3), ("combined", 2)):
            assert dist["uniform", 4000] >= factor * dist[scores, 4000]
    else:
        for scores in ("lewis", "leverage", "root_leverage", "combined"):
            assert dist["uniform", 4000] >= 3 * dist[scores, 4000]


def test_unbiased_weights_iid_and_bernoulli():
    g = np.random.default_rng(4)
    A = g.standard_normal((300, 3)) * g.lognormal(0, 1, (300, 1))
    x = g.standard_normal(3)
    for p in (1.0, 3.0):
        full = np.sum(np.abs(A @ x) ** p)
        for mode in ("iid", "bernoulli"):
            ests = [np.sum(rs.weights * np.abs(A[rs.indices] @ x) ** p)
                    for rs in (sample_rows(A, 30, p, "lewis", rng=s, method=mode)
                               for s in range(700))]
            se = np.std(ests) / np.sqrt(len(ests))
            assert abs(np.mean(ests) - full) <= 4.5 * se
    rs = sample_rows(A, 40, 1.0, "lewis", rng=0)
    np.testing.assert_allclose(np.abs(rs.apply(A) @ x).sum(),
                               np.sum(rs.weights * np.abs(A[rs.indices] @ x)))


@pytest.mark.slow
def test_l1_regression_constant_factor_with_root_leverage():
    g = np.random.default_rng(5)
    n, d = 30000, 8
    X = make_coherent(n, d, n_heavy=8, weight=50.0, rng=5)
    y = X @ g.standard_normal(d) + g.standard_cauchy(n)
    from sketchla.linalg.lp_regression import solve_weighted_lp

    x_full = solve_weighted_lp(X, y, np.ones(n), 1.0)
    f = lambda x: np.abs(X @ x - y).sum()  # noqa: E731
    for scores in ("root_leverage", "lewis"):
        x = lp_regression(X, y, 1.0, sketch_size=int(20 * d * np.log2(d) ** 2), scores=scores,
                          rng=0)
        assert f(x) <= 1.5 * f(x_full)
    x_uni = lp_regression(X, y, 1.0, sketch_size=int(20 * d * np.log2(d) ** 2), scores="uniform",
                          rng=0)
    assert f(x_uni) >= f(x)  # uniform misses the heavy rows


def test_lp_regression_p_values_and_full_solve():
    g = np.random.default_rng(6)
    X = g.standard_normal((300, 3))
    y = X @ [1.0, -1.0, 2.0] + 0.1 * g.standard_normal(300)
    for p in (1.0, 1.5, 2.0, 3.0):
        x = lp_regression(X, y, p, sketch_size=10**6)  # ≥ n: the full problem
        np.testing.assert_allclose(x, [1.0, -1.0, 2.0], atol=0.05)
    x2 = lp_regression(X, y, 2.0, sketch_size=10**6)
    np.testing.assert_allclose(x2, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-10)


def test_row_sampler_fit_resample():
    g = np.random.default_rng(7)
    X = g.standard_normal((500, 3))
    y = X.sum(1)
    Xs, ys = RowSampler(sketch_size=50, p=1, random_state=0).fit_resample(X, y)
    assert Xs.shape == (50, 3) and ys.shape == (50,)
    # rows and targets rescaled alike: the relation y = X·1 survives
    np.testing.assert_allclose(ys, Xs.sum(1))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda A: lewis_weights(A, 0.5), ValueError, r"p must be a number in \[1, 100\]"),
        (lambda A: lp_sensitivities(A, "x"), TypeError, "p must be a number"),
        (lambda A: sample_rows(A, 0), ValueError, "sketch_size must be >= 1"),
        (lambda A: sample_rows(A, 5, scores="magic"), ValueError, "scores must be one of"),
        (lambda A: sample_rows(A, 5, method="poisson"), ValueError, "method must be"),
        (lambda A: leverage_scores(np.full((5, 2), np.nan)), ValueError, "NaN"),
        (lambda A: leverage_scores(A, "fast"), ValueError, "method must be"),
        (lambda A: lp_regression(A, np.ones(9), 1), ValueError, "mismatched lengths"),
        (lambda A: lp_regression(A, np.r_[np.nan, np.ones(9)], 1), ValueError, "b must not"),
        (lambda A: lp_sensitivities(A, 1, method="guess"), ValueError, "method must be"),
        (lambda A: leverage_scores(np.zeros((0, 3))), ValueError, "non-empty"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(np.random.default_rng(0).standard_normal((10, 2)))


def test_lp_regression_estimator_sample_weight_and_float32():
    g = np.random.default_rng(3)
    X = g.standard_normal((150, 3))
    y = X @ [1.0, -2.0, 0.5] + g.standard_cauchy(150)
    w = g.integers(0, 3, 150)
    # integer weights are row repetitions: the same ℓ1 optimum (exact: n_samples >= n)
    rep = np.repeat(np.arange(150), w)
    a = LpRegression(p=1, sketch_size=10**6, random_state=0).fit(X, y, sample_weight=w)
    b = LpRegression(p=1, sketch_size=10**6, random_state=0).fit(X[rep], y[rep])
    obj = lambda e: np.sum(w * np.abs(X @ e.coef_ + e.intercept_ - y))  # noqa: E731
    assert obj(a) <= obj(b) * (1 + 1e-9)
    e32 = LpRegression(p=1, random_state=0).fit(X.astype(np.float32), y.astype(np.float32))
    assert e32.coef_.dtype == np.float32
    with pytest.raises(TypeError, match="fit_intercept"):
        LpRegression(fit_intercept="no").fit(X, y)


def test_row_sampler_hands_back_sample_weight():
    X = np.random.default_rng(5).standard_normal((400, 4))
    rs = RowSampler(sketch_size=60, p=2, scores="leverage", random_state=0).fit(X)
    sw = rs.sample_weight_
    assert sw.shape == (400,) and np.isclose(sw.sum(), rs.weights_.sum())
    assert set(np.flatnonzero(sw)) == set(rs.indices_.tolist())
    # the weighted Gram matrix is the sample's estimate of XᵀX
    np.testing.assert_allclose((X * sw[:, None]).T @ X,
                               (X[rs.indices_] * rs.weights_[:, None]).T @ X[rs.indices_])


def test_rank_deficiency_warning_is_public():
    import sketchla

    assert issubclass(sketchla.RankDeficiencyWarning, UserWarning)


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_streamed_lewis_weights_equal_the_basis_path(p, monkeypatch):
    # tall dense A streams its iterations over row blocks (implicit basis);
    # the weights are those of the explicit-basis path and satisfy the
    # defining equation w_i = (a_iᵀ(AᵀW^{1−2/p}A)⁻¹a_i)^{p/2}
    import sketchla.sampling.lewis as lewis

    g = np.random.default_rng(21)
    A = g.standard_normal((40_000, 6)) * np.array([1, 10, 1e-2, 1, 1e2, 1])
    assert lewis.lewis_weights_streamed(lambda lo, hi: A[lo:hi], *A.shape, p) is not None
    monkeypatch.setattr(lewis, "_STREAM_ENTRIES", 1)
    streamed = lewis_weights(A, p)
    monkeypatch.setattr(lewis, "_STREAM_ENTRIES", 1 << 62)
    basis = lewis_weights(A, p)
    np.testing.assert_allclose(streamed, basis, rtol=1e-9, atol=1e-14)
    W = streamed ** (1 - 2 / p)
    G = A.T @ (A * W[:, None])
    lhs = np.einsum("ij,ij->i", A @ np.linalg.inv(G), A) ** (p / 2)
    np.testing.assert_allclose(lhs, streamed, rtol=1e-8)
    assert streamed.sum() == pytest.approx(6, rel=1e-9)
    # overwrite: the blocks are a scratch copy, replaced by the orthonormal
    # rows of the implicit basis, and the weights are the same
    scratch = A.copy()
    over = lewis.lewis_weights_streamed(lambda lo, hi: scratch[lo:hi], *A.shape, p, 1e-10,
                                        overwrite=True)
    np.testing.assert_allclose(over, streamed, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(scratch.T @ scratch, np.eye(6), atol=1e-10)


def test_streamed_lewis_falls_back_when_ill_conditioned(monkeypatch):
    import sketchla.sampling.lewis as lewis

    g = np.random.default_rng(22)
    A = g.standard_normal((20_000, 4))
    A[:, 3] = A[:, 2] + 1e-9 * A[:, 3]  # κ ≈ 1e9: the Gram path is refused
    assert lewis.lewis_weights_streamed(lambda lo, hi: A[lo:hi], 20_000, 4, 1.0) is None
    monkeypatch.setattr(lewis, "_STREAM_ENTRIES", 1)
    w = lewis_weights(A, 1)
    assert w.sum() == pytest.approx(4, rel=1e-6) and w.residual < 1e-8
