"""Each documented promise, measured on real data shipped inside installed
packages (scikit-learn's and statsmodels' bundled sets) or on the cases
where it was found not to hold."""

import warnings

import numpy as np
import pytest
from sklearn import datasets

import sketchla


def _engel_design():
    engel = pytest.importorskip("statsmodels.datasets.engel")
    data = engel.load_pandas().data
    return np.c_[data["income"].to_numpy(), np.ones(len(data))]


@pytest.mark.parametrize("name,k_std,low,high", [
    ("breast_cancer", 2, 0.88, 0.96), ("wine", 2, 0.88, 0.96), ("diabetes", 2, 0.92, 0.97),
    ("breast_cancer", 3, 0.95, 1.0), ("wine", 3, 0.95, 1.0), ("diabetes", 3, 0.97, 1.0)])
def test_error_bar_coverage_as_documented(name, k_std, low, high):
    X = getattr(datasets, f"load_{name}")().data
    h = X.shape[1] // 2
    A, B = X[:, :h], X[:, h:]
    true, n = A.T @ B, X.shape[0]
    hits = []
    for seed in range(200):
        sa = sketchla.coordinated_sketch(A, n // 5, seed=seed)
        sb = sketchla.coordinated_sketch(B, n // 5, seed=seed)
        est, std = sketchla.estimate_product(sa, sb, return_std=True)
        hits.append(np.abs(est - true) <= k_std * std)
    assert low <= np.mean(hits) <= high


@pytest.mark.parametrize("name", ["engel", "iris", "diabetes", "breast_cancer", "wine"])
def test_approximate_leverage_is_exact_on_small_real_designs(name):
    A = _engel_design() if name == "engel" else getattr(datasets, f"load_{name}")().data
    np.testing.assert_allclose(sketchla.leverage_scores(A, "approx", rng=0),
                               sketchla.leverage_scores(A), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("kind", ["gauss", "student"])
def test_approximate_leverage_error_on_tall_designs(kind):
    g = np.random.default_rng(0)
    A = g.standard_normal((100_000, 20)) if kind == "gauss" else g.standard_t(2, (100_000, 10))
    exact = sketchla.leverage_scores(A)
    errs = [np.median(np.abs(sketchla.leverage_scores(A, "approx", rng=s) / exact - 1))
            for s in range(5)]
    assert np.median(errs) < 0.06 and max(errs) < 0.1


def test_randomized_svd_auto_stop_does_not_stop_early_on_a_flat_spectrum():
    A = np.random.default_rng(0).uniform(size=(300, 300))
    s = np.linalg.svd(A, compute_uv=False)
    from sklearn.utils.extmath import randomized_svd as sk_rsvd

    for k in (5, 10):
        opt = np.sqrt(np.sum(s[k:] ** 2))
        U, S, Vt = sk_rsvd(A, k, random_state=0)
        theirs = np.linalg.norm(A - U * S @ Vt) / opt
        for seed in range(3):
            U, S, Vt = sketchla.randomized_svd(A, k, rng=seed)
            assert np.linalg.norm(A - U * S @ Vt) / opt <= min(theirs, 1.0001)


@pytest.mark.parametrize("sketch", ["countsketch", "sparse_sign", "gaussian"])
@pytest.mark.parametrize("method", ["precondition", "sketch"])
def test_square_full_rank_lstsq_never_warns(sketch, method):
    g = np.random.default_rng(1)
    for n in (30, 200):
        A, b = g.standard_normal((n, n)), g.standard_normal(n)
        for size in (None, n):
            with warnings.catch_warnings():
                warnings.simplefilter("error", sketchla.RankDeficiencyWarning)
                res = sketchla.lstsq(A, b, sketch=sketch, method=method, sketch_size=size,
                                     rng=0)
            assert np.linalg.norm(A @ res.x - b) < 1e-8 * np.linalg.norm(b)


def test_a_truly_rank_deficient_a_still_warns():
    g = np.random.default_rng(2)
    A = g.standard_normal((500, 10))
    A[:, 9] = A[:, 0]
    with pytest.warns(sketchla.RankDeficiencyWarning):
        sketchla.lstsq(A, g.standard_normal(500), rng=0)
