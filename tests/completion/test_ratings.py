"""Ratings: ALS-WR, biases, triplets with ids, held-out errors, fold-in."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sketchla
from sketchla import AltMinCompletion, Ratings, altmin_complete, rating_errors, split_entries
from sketchla._kernels import native
from sketchla.completion._entries import _arrays
from sketchla.datasets import make_low_rank_completion, make_ratings


def _quiet(fn, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*a, **kw)


# ------------------------------------------------------------------- kernel
@pytest.mark.parametrize("sketched", [False, True])
def test_weighted_ridge_is_per_row_count(sketched):
    # row i solves min Σ (x − fᵀu)² + reg·n_i‖u‖²: the normal equations
    g = np.random.default_rng(0)
    X = sp.random(40, 30, density=0.5, random_state=1, format="csr")
    F = g.standard_normal((30, 4))
    U0 = np.zeros((40, 4))
    out = np.empty_like(U0)
    native().altmin_update_rows(*_arrays(X), F, U0, out, 0.3, sketched, 50, 8, 0, None, 0,
                                True)
    for i in range(40):
        row = X[i]
        Fi, x = F[row.indices], row.data
        u = np.linalg.solve(Fi.T @ Fi + 0.3 * x.size * np.eye(4), Fi.T @ x)
        np.testing.assert_allclose(out[i], u, rtol=1e-8, atol=1e-10)
    # unweighted (the default) is the plain ridge
    native().altmin_update_rows(*_arrays(X), F, U0, out, 0.3, False, 1, 8, 0, None)
    row = X[3]
    Fi, x = F[row.indices], row.data
    np.testing.assert_allclose(out[3], np.linalg.solve(Fi.T @ Fi + 0.3 * np.eye(4), Fi.T @ x),
                               rtol=1e-10)


# ------------------------------------------------------------------- biases
def _planted_biased(m, n, k, frac, rng):
    X, U, V = make_low_rank_completion(m, n, k, fraction=frac, rng=rng)
    g = np.random.default_rng(rng)
    b, c = g.normal(0, 2, m), g.normal(0, 2, n)
    r, cc = X.nonzero()
    X = X.tocoo()
    vals = 3.0 + b[X.row] + c[X.col] + X.data
    M = 3.0 + b[:, None] + c[None, :] + U @ V.T
    return sp.csr_matrix((vals, (X.row, X.col)), shape=X.shape), M


def test_biases_recover_planted_model_exactly():
    X, M = _planted_biased(400, 300, 3, 0.3, rng=0)
    res = altmin_complete(X, 3, biases=True, method="exact", rng=0)
    assert res.converged and res.row_bias.shape == (400,) and res.col_bias.shape == (300,)
    assert np.linalg.norm(res.toarray() - M) <= 1e-6 * np.linalg.norm(M)
    r, c = np.array([0, 7, 399]), np.array([1, 299, 0])
    np.testing.assert_allclose(res.predict(r, c), M[r, c], rtol=1e-6)
    # without biases the same rank cannot carry the offsets
    plain = altmin_complete(X, 3, method="exact", rng=0)
    assert np.linalg.norm(plain.toarray() - M) > 1e-2 * np.linalg.norm(M)


def test_biases_equivariant_under_scale_and_shift():
    X, _ = _planted_biased(200, 150, 2, 0.3, rng=1)
    a = altmin_complete(X, 2, biases=True, reg=0.1, rng=0, tol=1e-10, max_iter=300)
    b = altmin_complete(X * 1000.0, 2, biases=True, reg=100.0, rng=0, tol=1e-10, max_iter=300)
    np.testing.assert_allclose(b.toarray(), 1000.0 * a.toarray(), rtol=1e-6, atol=1e-6 * 1000)


def test_biased_objective_never_rises():
    # exact ALS-WR half-steps (and the weighted balancing) only lower
    # Σ r² + λ(Σ n_i(‖u_i‖² + b_i²) + Σ n_j(‖v_j‖² + c_j²)) in the sweeps' units
    R = make_ratings(400, 300, 12000, rng=3)
    res = _quiet(altmin_complete, R, 4, biases=True, reg=0.05, method="exact", tol=0,
                 max_iter=12, rng=0)
    assert len(res.residuals) == 12
    # the stopping rule's objective is monotone: rerun and record it
    from sketchla.completion import _control as am

    seen = []
    orig = am._StoppingRule.__call__

    def spy(self, r, f=None):
        seen.append(f)
        return orig(self, r, f)

    am._StoppingRule.__call__ = spy
    try:
        _quiet(altmin_complete, R, 4, biases=True, reg=0.05, method="exact", tol=0,
               max_iter=12, rng=0)
    finally:
        am._StoppingRule.__call__ = orig
    assert np.all(np.diff(seen) <= 1e-12)


def test_biased_fit_beats_trivial_predictors_on_ratings():
    R = make_ratings(2000, 1000, 100_000, rng=0)
    train, test = split_entries(R, rng=0)
    _, _, y = test.triplets()
    mean_rmse = np.sqrt(np.mean((y - train.matrix.data.mean()) ** 2))
    biased = _quiet(AltMinCompletion(rank=10, biases=True, reg=0.1, random_state=0).fit, train)
    e_b = rating_errors(biased, test, clip=(1, 5))
    # the mean plus damped biases (alternating means), the usual baseline
    X, T = train.matrix.tocoo(), test.matrix.tocoo()
    mu, b, c = X.data.mean(), np.zeros(X.shape[0]), np.zeros(X.shape[1])
    for _ in range(10):
        b = np.bincount(X.row, X.data - mu - c[X.col], X.shape[0]) / (
            np.bincount(X.row, minlength=X.shape[0]) + 15)
        c = np.bincount(X.col, X.data - mu - b[X.row], X.shape[1]) / (
            np.bincount(X.col, minlength=X.shape[1]) + 10)
    base = np.sqrt(np.mean((np.clip(mu + b[T.row] + c[T.col], 1, 5) - T.data) ** 2))
    assert e_b["n"] == len(test) and e_b["rmse"] < 0.9 * base < mean_rmse
    # the noise (0.5) and the rounding (1/12 variance) leave at least ~0.58
    assert 0.55 < e_b["rmse"] and e_b["mae"] < e_b["rmse"]
    # float32 ratings keep float32 factors
    R32 = Ratings(*[a if i < 2 else a.astype(np.float32)
                    for i, a in enumerate(train.triplets())])
    res = _quiet(altmin_complete, R32, 3, biases=True, reg=0.05, rng=0, max_iter=5)
    assert res.U.dtype == np.float32 and res.row_bias.dtype == np.float32


def test_empty_rows_predict_mean_plus_bias():
    X, M = _planted_biased(100, 80, 2, 0.5, rng=2)
    X = X.tolil()
    X[5, :] = 0
    X = X.tocsr()
    X.eliminate_zeros()
    res = _quiet(altmin_complete, X, 2, biases=True, reg=0.01, rng=0)
    assert 5 in res.empty_rows and res.row_bias[5] == 0
    np.testing.assert_allclose(res.predict(np.full(80, 5), np.arange(80)),
                               res.mean + res.col_bias, rtol=1e-12)


def test_biases_refused_where_unsupported():
    X, _ = _planted_biased(60, 50, 2, 0.5, rng=3)
    with pytest.raises(TypeError, match="biases"):
        altmin_complete(X, 2, biases=True, sample_splitting=True)
    with pytest.raises(TypeError, match="biases"):
        altmin_complete(X, 2, biases="yes")


# ------------------------------------------------------------------ Ratings
def test_ratings_keeps_arbitrary_ids():
    R = Ratings(["bob", "ann", "bob", "cy"], [30, 10, 10, 99], [1.0, 5.0, 2.0, 4.0])
    assert list(R.user_ids) == ["ann", "bob", "cy"] and list(R.item_ids) == [10, 30, 99]
    assert R.shape == (3, 3) and len(R) == 4
    assert R.matrix[1, 1] == 1.0 and R.matrix[0, 0] == 5.0 and R.matrix[2, 2] == 4.0
    r, c = R.positions(["cy", "zed"], [99, 10])
    assert list(r) == [2, -1] and list(c) == [2, 0]
    u, i, v = R.triplets()
    assert sorted(zip(u, i, v)) == sorted([("bob", 30, 1.0), ("ann", 10, 5.0),
                                           ("bob", 10, 2.0), ("cy", 99, 4.0)])


def test_ratings_from_frame_and_errors():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"u": [3, 1, 3], "i": ["x", "y", "y"], "stars": [4, 2, 5]})
    R = Ratings.from_frame(df, user="u", item="i", rating="stars")
    assert R.matrix.dtype == np.float64 and R.matrix[1, 1] == 5
    with pytest.raises(ValueError, match="column"):
        Ratings.from_frame(df)
    with pytest.raises(ValueError, match="more than once"):
        Ratings([1, 1], [2, 2], [3.0, 4.0])
    with pytest.raises(ValueError, match="items"):
        Ratings([1, 2], [2], [3.0, 4.0])
    with pytest.raises(ValueError, match="ratings"):
        Ratings([1, 2], [2, 3], [3.0, np.nan])
    with pytest.raises(TypeError, match="users"):
        Ratings(np.array([1, "a"], dtype=object), [2, 3], [3.0, 4.0])
    with pytest.raises(ValueError, match="user_ids"):
        Ratings([1, 2], [2, 3], [3.0, 4.0], user_ids=[1])


def test_split_entries_partitions():
    R = make_ratings(300, 200, 6000, rng=1)
    train, test = split_entries(R, test_size=0.25, rng=0)
    assert len(train) + len(test) == len(R) and train.shape == test.shape == R.shape
    assert 0.2 < len(test) / len(R) < 0.3
    assert (train.matrix.multiply(test.matrix)).nnz == 0  # disjoint (ratings ≥ 1)
    np.testing.assert_array_equal((train.matrix + test.matrix).toarray(), R.matrix.toarray())
    assert np.array_equal(train.user_ids, R.user_ids)
    a, b = split_entries(R.matrix.tocsc(), rng=0)
    assert a.format == "csc" and a.nnz + b.nnz == R.matrix.nnz
    for bad in (0, 1, 1.5):
        with pytest.raises(ValueError, match="test_size"):
            split_entries(R, test_size=bad)
    with pytest.raises(TypeError, match="X"):
        split_entries(np.ones((3, 3)))


def test_rating_errors_by_ids_and_positions():
    R = make_ratings(300, 200, 6000, rng=2)
    train, test = split_entries(R, rng=0)
    est = _quiet(AltMinCompletion(rank=3, biases=True, reg=0.05, random_state=0).fit, train)
    by_ids = rating_errors(est, test)
    by_pos = rating_errors(est.result_, test)
    assert by_ids["rmse"] == pytest.approx(by_pos["rmse"], rel=1e-12)
    u, i, y = test.triplets()
    p = est.predict(u, i)
    assert by_ids["mae"] == pytest.approx(np.mean(np.abs(p - y)), rel=1e-12)
    clipped = rating_errors(est, test, clip=(1, 5))
    assert clipped["rmse"] <= by_ids["rmse"] + 1e-12
    with pytest.raises(ValueError, match="shape"):
        rating_errors(est.result_, sp.csr_matrix((3, 3)))


def test_predict_unknown_ids_from_biases():
    R = make_ratings(200, 150, 5000, rng=4)
    est = _quiet(AltMinCompletion(rank=2, biases=True, reg=0.05, random_state=0).fit, R)
    uid, iid = R.user_ids[3], R.item_ids[7]
    p = est.predict([uid, -1, uid, -1], [iid, iid, -1, -1])
    res = est.result_
    assert p[0] == pytest.approx(res.predict([3], [7])[0])
    assert p[1] == pytest.approx(res.mean + res.col_bias[7])
    assert p[2] == pytest.approx(res.mean + res.row_bias[3])
    assert p[3] == pytest.approx(res.mean)


def test_fold_in_new_users_and_items_solve_their_row_problems():
    R = make_ratings(300, 200, 9000, rng=5)
    u, i, v = R.triplets()
    new_users, new_items = R.user_ids[:5], R.item_ids[:4]
    old = ~np.isin(u, new_users) & ~np.isin(i, new_items)
    base = Ratings(u[old], i[old], v[old])
    est = _quiet(AltMinCompletion(rank=3, biases=True, reg=0.05, random_state=0).fit, base)
    res0 = est.result_
    V0, U0 = res0.V.copy(), res0.U.copy()
    b0, c0, mu, s, lam = res0.row_bias.copy(), res0.col_bias.copy(), res0.mean, res0.data_scale, 0.05
    add = ~old
    est.fold_in(Ratings(u[add], i[add], v[add]))
    assert len(est.user_ids_) == len(base.user_ids) + 5
    assert len(est.item_ids_) == len(base.item_ids) + 4
    # a new item: ALS-WR over its ratings by known users, U fixed; bias ridge λ n c²/s
    j = est._items.positions([new_items[0]])[0]
    sel = (i == new_items[0]) & ~np.isin(u, new_users)
    rows = base._users.positions(u[sel])
    D = np.hstack([U0[rows], np.ones((rows.size, 1))])
    x = v[sel] - mu - b0[rows]
    P = lam * rows.size * np.diag([1.0] * 3 + [1.0 / s])
    w = np.linalg.solve(D.T @ D + P, D.T @ x)
    np.testing.assert_allclose(est.result_.V[j], w[:3], rtol=1e-8, atol=1e-10)
    assert est.result_.col_bias[j] == pytest.approx(w[3], rel=1e-8, abs=1e-10)
    # a new user: over all its ratings (new items included), the item factors fixed
    q = est._users.positions([new_users[1]])[0]
    sel = u == new_users[1]
    cols = est._items.positions(i[sel])
    Vall, call = est.result_.V, est.result_.col_bias
    D = np.hstack([Vall[cols], np.ones((cols.size, 1))])
    x = v[sel] - mu - call[cols]
    P = lam * cols.size * np.diag([1.0] * 3 + [1.0 / s])
    w = np.linalg.solve(D.T @ D + P, D.T @ x)
    np.testing.assert_allclose(est.result_.U[q], w[:3], rtol=1e-8, atol=1e-10)
    # the old factors are untouched
    np.testing.assert_array_equal(est.result_.V[: V0.shape[0]], V0)
    np.testing.assert_array_equal(est.result_.row_bias[: b0.size], b0)
    assert np.array_equal(est.result_.col_bias[: c0.size], c0)
    with pytest.raises(TypeError, match="Ratings"):
        est.fold_in(R.matrix)
    mat = _quiet(AltMinCompletion(rank=2, random_state=0).fit, R.matrix)
    with pytest.raises(TypeError, match="fitted on Ratings"):
        mat.fold_in(R)


def test_transform_with_biases_fills_new_rows():
    X, M = _planted_biased(300, 120, 2, 0.4, rng=6)
    D = np.full(X.shape, np.nan)
    r, c = X.nonzero()
    D[r, c] = np.asarray(X[r, c]).ravel()
    est = AltMinCompletion(rank=2, biases=True, method="exact", random_state=0).fit(D[:250])
    filled = est.transform(D[250:])
    assert np.linalg.norm(filled - M[250:]) <= 1e-5 * np.linalg.norm(M[250:])


def _corrupt(kind):
    A = sp.random(20, 10, density=0.3, format="csr", random_state=0)
    if kind == "indptr":
        A.indptr = A.indptr.copy()
        A.indptr[-1] = 10**9
    elif kind == "shape":
        A._shape = (20, 3)
    elif kind == "nan":
        A.data[0] = np.nan
    elif kind == "complex":
        A = A.astype(np.complex128)
    return A


@pytest.mark.parametrize("kind,exc", [("indptr", ValueError), ("shape", ValueError),
                                      ("nan", ValueError), ("complex", TypeError)])
def test_ratings_helpers_check_the_structure(kind, exc):
    # a corrupt structure aborted the interpreter (indptr) or gave a wrong
    # split; NaN and complex values were accepted
    with pytest.raises(exc, match="X"):
        sketchla.split_entries(_corrupt(kind), rng=0)
    res = sketchla.altmin_complete(_corrupt("none"), 2, rng=0)
    with pytest.raises(exc, match="test"):
        sketchla.rating_errors(res, _corrupt(kind))


def test_split_entries_sums_duplicates_so_no_cell_is_on_both_sides():
    r, c = np.repeat(np.arange(10), 5), np.tile(np.arange(5), 10)
    A = sp.coo_matrix((np.ones(100), (np.r_[r, r], np.r_[c, c])), shape=(10, 5))
    train, test = sketchla.split_entries(A, rng=0)
    assert ((train != 0).multiply(test != 0)).nnz == 0
    np.testing.assert_array_equal((train + test).toarray(), A.toarray())


def test_predict_out_of_range_is_a_value_error_naming_the_argument():
    A = sp.random(20, 10, density=0.5, format="csr", random_state=0)
    model = sketchla.AltMinCompletion(rank=2, random_state=0).fit(A)
    with pytest.raises(ValueError, match="rows"):
        model.predict([100], [0])
    with pytest.raises(IndexError, match="cols"):  # also an IndexError, as before
        model.predict([0], [10])
