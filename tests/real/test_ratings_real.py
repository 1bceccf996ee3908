"""Completion on real ratings at the defaults (MovieLens 100k, shipped in the
recbole wheel), against the trivial predictors, hand-chosen ridges and
Surprise's SVD at its defaults, on one 80/20 split by entries."""

import warnings

import numpy as np
import pytest

from sketchla import AltMinCompletion, load_movielens_100k, rating_errors, split_entries


@pytest.fixture(scope="module")
def split():
    try:
        R = load_movielens_100k()
    except ImportError as e:
        pytest.skip(str(e))
    return split_entries(R, 0.2, rng=0)


def _rmse(model, test):
    return rating_errors(model, test)["rmse"]


def _fit(train, **kw):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fewer than.*observed entries")
        return AltMinCompletion(biases=True, random_state=0, **kw).fit(train)


def test_default_beats_the_trivial_predictors(split):
    train, test = split
    y, y_train = test.triplets()[2], train.triplets()[2]
    mean_rmse = float(np.sqrt(np.mean((y - y_train.mean()) ** 2)))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*worse than.*")
        est = _fit(train)
    rmse = _rmse(est, test)
    assert rmse < 0.93 < 0.95 * mean_rmse
    assert est.reg_ > 0 and rmse < est.reg_path_.baseline


def test_default_within_one_percent_of_the_best_hand_chosen_ridge(split):
    train, test = split
    auto = _rmse(_fit(train), test)
    hand = [_rmse(_fit(train, reg=lam), test) for lam in (0.03, 0.05, 0.08, 0.1, 0.12, 0.15,
                                                          0.2, 0.3)]
    assert auto <= 1.01 * min(hand)


def test_a_large_rank_is_regularized_not_refused(split):
    train, test = split
    assert _rmse(_fit(train, rank=50), test) < 0.95


def test_no_worse_than_surprise_svd_at_its_defaults(split):
    surprise = pytest.importorskip("surprise")
    pd = pytest.importorskip("pandas")
    train, test = split
    u, i, r = train.triplets()
    data = surprise.Dataset.load_from_df(pd.DataFrame({"u": u, "i": i, "r": r}),
                                         surprise.Reader(rating_scale=(1, 5)))
    svd = surprise.SVD(random_state=0).fit(data.build_full_trainset())
    tu, ti, ty = test.triplets()
    pred = np.array([svd.predict(a, b).est for a, b in zip(tu, ti)])
    assert _rmse(_fit(train), test) <= float(np.sqrt(np.mean((pred - ty) ** 2)))
