"""quantile_regression and QuantileRegression: the exact linear program
against scikit-learn's QuantileRegressor, the sampled solution against the
optimum, and the estimator contract."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes
from sklearn.linear_model import QuantileRegressor

from sketchla import QuantileRegression, quantile_regression
from sketchla.linalg.quantile import default_quantile_samples


def _check_loss(r, tau):
    return np.sum(np.where(r > 0, tau * r, (tau - 1) * r))


def _objective(X, y, coef, intercept, tau, alpha, w=None):
    w = np.ones(len(y)) if w is None else w
    r = y - X @ coef - intercept
    return np.sum(w * np.where(r > 0, tau * r, (tau - 1) * r)) / w.sum() + alpha * np.abs(coef).sum()


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("alpha", [0.0, 1e-3, 0.05])
def test_exact_equals_quantile_regressor_on_diabetes(tau, alpha):
    X, y = load_diabetes(return_X_y=True)
    w = np.random.default_rng(0).integers(1, 4, len(y)).astype(float)
    for sw in (None, w):
        ours = QuantileRegression(quantile=tau, alpha=alpha, method="exact").fit(
            X, y, sample_weight=sw)
        ref = QuantileRegressor(quantile=tau, alpha=alpha, solver="highs").fit(
            X, y, sample_weight=sw)
        f_ours = _objective(X, y, ours.coef_, ours.intercept_, tau, alpha, sw)
        f_ref = _objective(X, y, ref.coef_, ref.intercept_, tau, alpha, sw)
        assert f_ours == pytest.approx(f_ref, rel=1e-9)
        if alpha == 0.0:  # a unique optimum: the coefficients agree
            np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6,
                                       atol=1e-6 * np.abs(ref.coef_).max())


def test_integer_weights_equal_repeated_rows():
    X, y = load_diabetes(return_X_y=True)
    w = np.random.default_rng(1).integers(0, 3, len(y))
    a = QuantileRegression(quantile=0.3, method="exact").fit(X, y, sample_weight=w)
    b = QuantileRegression(quantile=0.3, method="exact").fit(np.repeat(X, w, axis=0),
                                                             np.repeat(y, w))
    assert _objective(X, y, a.coef_, a.intercept_, 0.3, 0, w) == pytest.approx(
        _objective(X, y, b.coef_, b.intercept_, 0.3, 0, w), rel=1e-10)


def _tall(n, d, seed):
    g = np.random.default_rng(seed)
    X = g.standard_normal((n, d))
    y = X @ g.standard_normal(d) + g.standard_cauchy(n)
    return X, y


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_sampled_objective_near_the_optimum(tau):
    # the sampled minimizer is (1 + κε)/(1 − κε)-optimal; the default sample
    # size scales with √κ, which keeps the excess at the median's level (seeds fixed)
    X, y = _tall(30_000, 10, 2)
    A = np.c_[X, np.ones(len(y))]
    f_opt = _check_loss(y - A @ quantile_regression(A, y, tau, method="exact"), tau)
    for seed in range(3):
        x = quantile_regression(A, y, tau, rng=seed)
        assert _check_loss(y - A @ x, tau) <= 1.01 * f_opt


def test_sample_size_scales_with_the_check_loss_distortion():
    m5 = default_quantile_samples(10**9, 21, 0.5)
    assert default_quantile_samples(10**9, 21, 0.1) == pytest.approx(3 * m5, rel=1e-3)
    assert default_quantile_samples(10**9, 21, 0.9) == default_quantile_samples(10**9, 21, 0.1)
    assert default_quantile_samples(50, 21, 0.1) == 50  # never more than n


def test_fewer_samples_are_worse():
    # a test that fails if the sample were ignored: a tiny sample is far from optimal
    X, y = _tall(30_000, 10, 3)
    A = np.c_[X, np.ones(len(y))]
    f_opt = _check_loss(y - A @ quantile_regression(A, y, 0.5, method="exact"), 0.5)
    small = np.mean([_check_loss(y - A @ quantile_regression(A, y, 0.5, sketch_size=40, rng=s,
                                                    method="sample"),
                                 0.5) for s in range(5)])
    assert small > 1.02 * f_opt


def test_sparse_float32_and_scale():
    X, y = _tall(20_000, 8, 4)
    X[np.abs(X) < 0.8] = 0.0
    dense = QuantileRegression(quantile=0.7, random_state=0).fit(X, y)
    sparse = QuantileRegression(quantile=0.7, random_state=0).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-9)
    f32 = QuantileRegression(quantile=0.7, random_state=0).fit(X.astype(np.float32), y)
    assert f32.coef_.dtype == np.float32
    np.testing.assert_allclose(f32.coef_, dense.coef_, atol=0.05)
    for s in (1e-150, 1e150):  # the whole data scaled: the same sample, coef unchanged
        scaled = QuantileRegression(quantile=0.7, random_state=0).fit(X * s, y * s)
        np.testing.assert_allclose(scaled.coef_, dense.coef_, rtol=1e-6, atol=1e-9)
        assert scaled.intercept_ / s == pytest.approx(dense.intercept_, rel=1e-6, abs=1e-9)


def test_intercept_is_the_quantile():
    g = np.random.default_rng(5)
    X = g.standard_normal((50_000, 2))
    y = X @ [1.0, -1.0] + g.standard_normal(50_000)
    for tau, z in ((0.1, -1.2816), (0.5, 0.0), (0.9, 1.2816)):
        est = QuantileRegression(quantile=tau, sketch_size=20_000, random_state=0).fit(X, y)
        # from m = 2·10^4 rows the estimates have standard deviation about
        # √(τ(1−τ))/φ(z_τ)/√m ≤ 0.01: allow 4.5 of them
        assert est.intercept_ == pytest.approx(z, abs=0.045)
        np.testing.assert_allclose(est.coef_, [1, -1], atol=0.045)


def test_penalty_shrinks():
    X, y = load_diabetes(return_X_y=True)
    norms = [np.abs(QuantileRegression(alpha=a, method="exact").fit(X, y).coef_).sum()
             for a in (0.0, 0.01, 0.1, 10.0)]
    assert norms[0] > norms[1] > norms[2] >= norms[3] == 0.0


@pytest.mark.parametrize("kw, exc, match", [
    ({"quantile": 0.0}, ValueError, "quantile"),
    ({"quantile": 1.0}, ValueError, "quantile"),
    ({"quantile": "a"}, TypeError, "quantile"),
    ({"alpha": -1.0}, ValueError, "alpha"),
    ({"method": "fast"}, ValueError, "method"),
    ({"sketch_size": 0}, ValueError, "sketch_size"),
])
def test_bad_arguments(kw, exc, match):
    X, y = _tall(300, 3, 6)
    with pytest.raises(exc, match=match):
        QuantileRegression(**kw).fit(X, y)
    with pytest.raises(exc, match=match):
        quantile_regression(X, y, **kw)


def test_bad_penalized_and_host_only():
    X, y = _tall(300, 3, 7)
    with pytest.raises(ValueError, match="penalized"):
        quantile_regression(X, y, penalized=[True])
    xps = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="host"):
        quantile_regression(xps.asarray(X), xps.asarray(y))
