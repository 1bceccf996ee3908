"""scikit-learn's estimator checks for every sketchla estimator, in one place.

The estimators whose input is not a generic (n_samples, n_features) table,
WeightedLeastSquares (points of the basis' domain) and SymmetricCP (a
symmetric tensor), declare each excluded check with its reason, and the
properties those checks test are checked on their own inputs below.
AltMinCompletion runs with ``predict`` (an entry query, ``predict(rows,
cols)``) hidden, so that every check runs on its imputer API.
"""

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sketchla import (
    AltMinCompletion,
    CumulantICA,
    LpRegression,
    MomentGaussianMixture,
    QuantileRegression,
    RowSampler,
    SketchedRegression,
    SymmetricCP,
    WeightedLeastSquares,
    polynomial_basis,
)
from sketchla.datasets import make_symmetric_tensor

_WIDTH = ("the checks draw X with 2 to 30 columns; the estimator's X are points of a "
          "fixed domain (basis.dim = 1 here), so other widths are refused by design")
_TENSOR = ("fit takes one symmetric tensor of order >= 3, not an (n_samples, "
           "n_features) table; the checks' 2-D data are refused by design")
_ERRMSG = ("the input is refused for its shape first, with a message about the "
           "domain or the tensor rather than scikit-learn's wording")
_POS = "the check's negative-valued data has the wrong shape for this input contract"

_WLS_FAIL = {
    name: _WIDTH for name in (
        "check_estimators_dtypes", "check_sample_weights_pandas_series",
        "check_sample_weights_not_an_array", "check_sample_weights_list",
        "check_sample_weights_shape", "check_sample_weights_not_overwritten",
        "check_sample_weight_equivalence_on_dense_data", "check_pipeline_consistency",
        "check_estimators_nan_inf", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_regressors_train",
        "check_regressor_data_not_an_array", "check_regressors_no_decision_function",
        "check_supervised_y_2d", "check_regressors_int",
        "check_methods_sample_order_invariance", "check_methods_subset_invariance",
        "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
        "check_n_features_in", "check_fit2d_predict1d", "check_all_zero_sample_weights_error",
        "check_fit2d_1feature", "check_fit_score_takes_y", "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    )
}
_WLS_FAIL.update({
    "check_positive_only_tag_during_fit": _POS,
    "check_estimators_empty_data_messages": _ERRMSG,
    "check_fit2d_1sample": _ERRMSG,
    "check_requires_y_none": _ERRMSG,
    "check_complex_data": _ERRMSG,
    "check_dtype_object": _ERRMSG,
})
_CP_FAIL = {
    name: _TENSOR for name in (
        "check_fit_score_takes_y", "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
        "check_readonly_memmap_input", "check_n_features_in_after_fitting",
        "check_estimators_dtypes", "check_pipeline_consistency", "check_estimators_pickle",
        "check_f_contiguous_array_estimator", "check_methods_sample_order_invariance",
        "check_methods_subset_invariance", "check_dict_unchanged", "check_fit_idempotent",
        "check_fit_check_is_fitted", "check_n_features_in", "check_fit2d_predict1d",
        "check_estimators_nan_inf",
    )
}
_CP_FAIL.update({
    "check_positive_only_tag_during_fit": _POS,
    "check_complex_data": _ERRMSG,
    "check_dtype_object": _ERRMSG,
    "check_estimators_empty_data_messages": _ERRMSG,
    "check_fit2d_1sample": _ERRMSG,
    "check_fit2d_1feature": _ERRMSG,
})


class _EntryQueryHidden(AltMinCompletion):
    """AltMinCompletion with ``predict`` hidden from ``hasattr``.

    scikit-learn's checks call ``predict(X)`` on any estimator that has it and
    expect one target per sample; ``predict(rows, cols)`` is an entry query
    (the contract), tested with the algorithm. Hiding it lets every check run
    on fit, transform and fit_transform, the imputer API.
    """

    @property
    def predict(self):
        raise AttributeError("predict is an entry query; hidden from the estimator checks")


ESTIMATORS = [
    SketchedRegression(random_state=0),
    SketchedRegression(method="sketch", random_state=0),
    LpRegression(random_state=0),
    LpRegression(p=3, random_state=0),
    QuantileRegression(random_state=0),
    QuantileRegression(quantile=0.2, alpha=0.01, random_state=0),
    RowSampler(sketch_size=10, random_state=0),
    _EntryQueryHidden(rank=1, random_state=0),
    _EntryQueryHidden(rank=1, method="exact", random_state=0),
    _EntryQueryHidden(rank=1, biases=True, reg=0.1, random_state=0),
    MomentGaussianMixture(random_state=0),
    CumulantICA(random_state=0),
    WeightedLeastSquares(basis=polynomial_basis("legendre", dim=1, degree=3)),
    SymmetricCP(random_state=0),
]


def _expected_failed(est):
    if isinstance(est, WeightedLeastSquares):
        return _WLS_FAIL
    return _CP_FAIL if isinstance(est, SymmetricCP) else {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed)
def test_sklearn_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(estimator)


def test_every_estimator_is_checked():
    import inspect

    from sklearn.base import BaseEstimator

    import sketchla

    public = {name for name in sketchla.__all__
              if inspect.isclass(c := getattr(sketchla, name)) and issubclass(c, BaseEstimator)}
    checked = {type(e).__name__.replace("_EntryQueryHidden", "AltMinCompletion")
               for e in ESTIMATORS}
    assert public == checked


def test_what_the_generic_checks_cannot_reach():
    """The excluded checks' properties, on the estimators' own inputs."""
    import pickle

    from sklearn.base import clone

    basis = polynomial_basis("legendre", dim=1, degree=3)
    g = np.random.default_rng(0)
    X = g.uniform(-1, 1, (50, 1))
    y = np.cos(3 * X[:, 0])
    w = g.uniform(0.5, 2, 50)
    est = WeightedLeastSquares(basis=basis)
    a = est.fit(X, y, sample_weight=w).predict(X)
    # idempotent, pickles, does not overwrite inputs, sample_weight lists work
    Xc, wc = X.copy(), w.copy()
    b = clone(est).fit(X, y, sample_weight=list(w)).predict(X)
    np.testing.assert_allclose(a, b)
    assert np.array_equal(X, Xc) and np.array_equal(w, wc)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(est)).predict(X), a)
    # integer weights equal repetition
    k = g.integers(1, 3, 50)
    rep = np.repeat(np.arange(50), k)
    np.testing.assert_allclose(clone(est).fit(X, y, sample_weight=k).coef_,
                               clone(est).fit(X[rep], y[rep]).coef_, atol=1e-10)
    with pytest.raises(ValueError, match="zero"):
        clone(est).fit(X, y, sample_weight=np.zeros(50))
    with pytest.raises(ValueError, match="NaN or inf"):
        clone(est).fit(np.where(X > 0.9, np.nan, X), y)

    T, _, _ = make_symmetric_tensor(6, 3, 3, rng=0)
    cp = SymmetricCP(rank=3, random_state=0).fit(T)
    assert cp.fit(T) is cp
    np.testing.assert_allclose(clone(cp).fit(T).reconstruct(), cp.reconstruct(), atol=1e-10)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(cp)).reconstruct(), cp.reconstruct())
    Tc = T.copy()
    SymmetricCP(rank=3, random_state=0).fit(T)
    assert np.array_equal(T, Tc)
    Tn = T.copy()
    Tn[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        SymmetricCP(rank=3).fit(Tn)
