"""SketchedRegression: scikit-learn conformance and agreement with OLS."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression

from sketchla import SketchedRegression


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_linear_regression(sparse, fit_intercept):
    g = np.random.default_rng(0)
    X = g.standard_normal((6000, 15))
    X[:, 3] *= 1e4  # badly scaled columns are fine
    Y = X @ g.standard_normal((15, 2)) + 5.0 + 0.1 * g.standard_normal((6000, 2))
    w = g.uniform(0.5, 2.0, 6000)
    Xf = sp.csr_matrix(X) if sparse else X
    for y in (Y[:, 0], Y):
        ours = SketchedRegression(fit_intercept=fit_intercept, random_state=0).fit(
            Xf, y, sample_weight=w)
        ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(ours.predict(Xf), ref.predict(X), rtol=1e-8, atol=1e-8)
        # sparse X: plain LSQR may finish first, with no sketch
        assert ours.converged_ and (ours.sketch_size_ > 0 or (sparse and ours.rank_ is None))


def test_float32_and_random_state():
    g = np.random.default_rng(1)
    X = g.standard_normal((3000, 8)).astype(np.float32)
    y = (X @ np.arange(8.0) + 1).astype(np.float32)
    a = SketchedRegression(method="sketch", random_state=3).fit(X, y)
    b = SketchedRegression(method="sketch", random_state=3).fit(X, y)
    assert a.coef_.dtype == np.float32
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_allclose(a.coef_, np.arange(8.0), atol=1e-3)


def test_bad_parameters():
    X = np.random.default_rng(0).standard_normal((200, 3))
    y = X.sum(1)
    with pytest.raises(ValueError, match="method must be one of"):
        SketchedRegression(method="qr").fit(X, y)
    with pytest.raises(ValueError, match="sketch_size must be >= 3"):
        SketchedRegression(sketch_size=2).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        SketchedRegression().fit(X, y, sample_weight=-np.ones(200))
