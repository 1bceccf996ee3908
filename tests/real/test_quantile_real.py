"""Quantile regression at the defaults is the exact optimum: on the Engel
food-expenditure data (statsmodels), on scikit-learn's asymmetric-error case,
and, through the refinement of a sampled fit, on a tall heavy-tailed problem."""

import numpy as np
import pytest

from sketchla import QuantileRegression, quantile_regression

TAUS = (0.1, 0.25, 0.5, 0.75, 0.9)


def _highs(X, y, tau):
    from sklearn.linear_model import QuantileRegressor

    est = QuantileRegressor(quantile=tau, alpha=0.0, solver="highs").fit(X, y)
    return np.r_[est.coef_, est.intercept_]


@pytest.mark.parametrize("tau", TAUS)
def test_engel_defaults_equal_highs(tau):
    engel = pytest.importorskip("statsmodels.datasets.engel")
    data = engel.load_pandas().data
    X, y = data[["income"]].to_numpy(), data["foodexp"].to_numpy()
    est = QuantileRegression(quantile=tau, random_state=0).fit(X, y)
    np.testing.assert_allclose(np.r_[est.coef_, est.intercept_], _highs(X, y, tau), rtol=1e-6)
    assert abs(est.certificate_.duality_gap) < 1e-9


@pytest.mark.parametrize("seed", range(5))
def test_sklearn_asymmetric_error_case_at_the_defaults(seed):
    # scikit-learn's test_asymmetric_error: 1000 rows, exponential errors
    g = np.random.default_rng(seed)
    n = 1000
    X = np.c_[g.standard_normal(n) * 10, g.uniform(0, 5, n)]
    y = 1 + X @ [1.0, -1.0] + g.exponential(scale=0.5, size=n)
    for tau in (0.2, 0.8):
        est = QuantileRegression(quantile=tau, random_state=seed).fit(X, y)
        np.testing.assert_allclose(np.r_[est.coef_, est.intercept_], _highs(X, y, tau),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("tau", (0.1, 0.5, 0.9))
def test_refined_sample_is_the_certified_optimum(tau):
    g = np.random.default_rng(3)
    n, d = 30_000, 8
    A = g.standard_normal((n, d))
    A[:5] *= 50                                   # a few high-leverage rows
    A = np.c_[A, np.ones(n)]
    b = A[:, :d] @ g.standard_normal(d) + g.standard_t(1.5, n)
    x = quantile_regression(A, b, quantile=tau, rng=0)
    x_exact = quantile_regression(A, b, quantile=tau, method="exact")
    np.testing.assert_allclose(x, x_exact, rtol=1e-6, atol=1e-9 * np.abs(x_exact).max())
    est = QuantileRegression(quantile=tau, random_state=0, method="refine").fit(A[:, :d], b)
    cert = est.certificate_
    assert cert.n_kept < n and abs(cert.duality_gap) < 1e-9
    assert cert.objective == pytest.approx(cert.dual_objective, rel=1e-9)


@pytest.mark.parametrize("tau", (0.25, 0.5, 0.9))
def test_engel_standard_errors_as_statsmodels(tau):
    # the module itself: statsmodels.api would load optional solvers' BLAS
    qr = pytest.importorskip("statsmodels.regression.quantile_regression")
    engel = pytest.importorskip("statsmodels.datasets.engel")
    data = engel.load_pandas().data
    X, y = data[["income"]].to_numpy(), data["foodexp"].to_numpy()
    est = QuantileRegression(quantile=tau).fit(X, y)
    ref = {v: qr.QuantReg(y, np.c_[X, np.ones(len(y))]).fit(q=tau, vcov=v)
           for v in ("iid", "robust")}
    np.testing.assert_allclose(est.summary(X, y, vcov="iid").bse, ref["iid"].bse, rtol=1e-5)
    # robust: the same formula; at the exact optimum two residuals are 0 (they
    # count as negative), where statsmodels' iterative fit leaves them at ±tiny
    np.testing.assert_allclose(est.summary(X, y).bse, ref["robust"].bse, rtol=0.03)
    assert "const" in str(est.summary(X, y))


def test_confidence_intervals_cover_at_their_level():
    g = np.random.default_rng(0)
    hits = []
    for _ in range(200):
        X = g.standard_normal((400, 2))
        y = 1.0 + X @ [2.0, -1.0] + g.standard_t(3, 400)
        ci = QuantileRegression(quantile=0.5).fit(X, y).summary(X, y).conf_int
        hits.append((ci[:, 0] <= [2.0, -1.0, 1.0]) & ([2.0, -1.0, 1.0] <= ci[:, 1]))
    assert 0.90 <= np.mean(hits) <= 0.99
