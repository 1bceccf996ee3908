"""CumulantICA on scikit-learn's bundled sets: uncorrelated sources and
kurtoses that its own outputs confirm."""

import warnings

import numpy as np
import pytest
from sklearn import datasets

from sketchla import CumulantICA


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "diabetes", "digits"])
def test_sources_uncorrelated_and_kurtosis_measured_on_them(name):
    X = getattr(datasets, f"load_{name}")().data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ica = CumulantICA(random_state=0)
        S = ica.fit_transform(X)
    C = np.corrcoef(S.T)
    assert np.abs(C - np.diag(np.diag(C))).max() < 0.05
    np.testing.assert_allclose(S, ica.transform(X), atol=1e-8 * np.abs(S).max())
    Z = (S - S.mean(axis=0)) / S.std(axis=0)
    np.testing.assert_allclose(ica.kurtosis_, np.mean(Z**4, axis=0) - 3, atol=1e-6)
    assert np.all(ica.kurtosis_ >= -2.0)   # excess kurtosis is at least −2
    assert np.all(np.diff(np.abs(ica.kurtosis_)) <= 1e-12)
