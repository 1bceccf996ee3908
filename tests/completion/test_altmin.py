"""Alternating-minimization completion: planted recovery, noise, robustness,
input checks and the scikit-learn estimator."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sketchla import AltMinCompletion, CompletionResult, altmin_complete
from sketchla.datasets import make_low_rank_completion

SOLVERS = ("exact", "sketched")


def _unobserved_error(res, X, U, V):
    M = U @ V.T
    mask = np.zeros(M.shape, bool)
    r, c = X.nonzero()
    mask[r, c] = True
    E = res.toarray() - M
    return np.linalg.norm(E[~mask]) / np.linalg.norm(M[~mask])


def _dense_with_nan(X):
    D = np.full(X.shape, np.nan)
    c = X.tocoo()
    D[c.row, c.col] = c.data
    return D


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("shape,rank,frac", [((300, 200), 3, 0.25), ((500, 400), 8, 0.3),
                                             ((1000, 600), 5, 0.1)])
def test_planted_recovery(solver, shape, rank, frac):
    # sampling at 3-8x the degrees of freedom r(m + n - r)
    X, U, V = make_low_rank_completion(*shape, rank, fraction=frac, rng=1)
    res = altmin_complete(X, rank, method=solver, rng=0)
    assert isinstance(res, CompletionResult)
    assert res.converged
    assert _unobserved_error(res, X, U, V) <= 1e-6
    assert res.U.shape == (shape[0], rank) and res.V.shape == (shape[1], rank)
    np.testing.assert_allclose(res.U.T @ res.U, res.V.T @ res.V, atol=1e-8 * shape[0])


@pytest.mark.slow
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("rank", [5, 10, 20])
def test_planted_recovery_2000(solver, rank):
    # the sizes: 2000 x 2000, rank 5-20, a few times the information limit
    frac = {5: 0.05, 10: 0.1, 20: 0.15}[rank]
    X, U, V = make_low_rank_completion(2000, 2000, rank, fraction=frac, rng=2)
    res = altmin_complete(X, rank, method=solver, rng=0)
    assert _unobserved_error(res, X, U, V) <= 1e-6


def test_solvers_agree_on_each_sweep_direction():
    # one sketched sweep with many inner steps is an exact solve
    X, U, V = make_low_rank_completion(200, 150, 4, fraction=0.4, rng=3)
    a = altmin_complete(X, 4, method="exact", max_iter=3, tol=0, rng=0)
    b = altmin_complete(X, 4, method="sketched", max_iter=3, tol=0, n_inner=40, rng=0)
    np.testing.assert_allclose(a.toarray(), b.toarray(), atol=1e-9)


def test_residuals_decrease_and_sketched_converges_slower_with_one_step():
    X, U, V = make_low_rank_completion(400, 300, 5, fraction=0.2, rng=4)
    res = altmin_complete(X, 5, method="exact", rng=0)
    r = np.array(res.residuals)
    assert np.all(np.diff(r[r > 1e-12]) < 0)
    one = altmin_complete(X, 5, method="sketched", n_inner=1, rng=0)
    three = altmin_complete(X, 5, method="sketched", n_inner=3, rng=0)
    assert one.n_iter > three.n_iter


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("sigma", [1e-3, 1e-2])
def test_noise_error_scales_with_noise(solver, sigma):
    # entries have unit variance; with |Ω| = 8x the degrees of freedom the
    # least-squares error on the model is about sigma·sqrt(dof/|Ω|) < sigma
    X, U, V = make_low_rank_completion(600, 500, 5, fraction=0.15, noise=sigma, rng=5)
    res = altmin_complete(X, 5, method=solver, rng=0)
    err = _unobserved_error(res, X, U, V)  # relative to unit-RMS entries
    assert sigma / 10 < err < 2 * sigma
    # observed residual close to the noise level
    assert 0.5 * sigma < res.residuals[-1] < 1.5 * sigma


def test_coherent_matrix_recovered():
    X, U, V = make_low_rank_completion(800, 600, 4, fraction=0.25, coherent=True, rng=6)
    res = altmin_complete(X, 4, rng=0)
    assert _unobserved_error(res, X, U, V) <= 1e-6


def test_empty_row_and_column_documented():
    X, U, V = make_low_rank_completion(300, 200, 3, fraction=0.3, rng=7)
    X = X.tolil()
    X[5, :] = 0
    X[:, 7] = 0
    X = X.tocsr()
    X.eliminate_zeros()
    with pytest.warns(RuntimeWarning, match="no observed entry"):
        res = altmin_complete(X, 3, rng=0)
    assert res.empty_rows.tolist() == [5] and res.empty_cols.tolist() == [7]
    full = res.toarray()
    assert np.all(full[5] == 0) and np.all(full[:, 7] == 0)
    keep_r = np.setdiff1d(np.arange(300), [5])
    keep_c = np.setdiff1d(np.arange(200), [7])
    M = U @ V.T
    sub = full[np.ix_(keep_r, keep_c)] - M[np.ix_(keep_r, keep_c)]
    assert np.linalg.norm(sub) <= 1e-6 * np.linalg.norm(M)


def test_rows_with_fewer_observations_than_rank_do_not_crash():
    X, U, V = make_low_rank_completion(300, 200, 5, fraction=0.3, rng=8)
    X = X.tolil()
    X[3, 10:] = 0  # row 3 keeps at most a few entries
    X = X.tocsr()
    X.eliminate_zeros()
    res = altmin_complete(X, 5, rng=0)
    assert np.all(np.isfinite(res.U)) and np.all(np.isfinite(res.V))


def test_dense_nan_input_matches_sparse():
    X, U, V = make_low_rank_completion(200, 150, 3, fraction=0.3, rng=9)
    a = altmin_complete(X, 3, rng=0)
    b = altmin_complete(_dense_with_nan(X), 3, rng=0)
    np.testing.assert_allclose(a.toarray(), b.toarray(), atol=1e-10)


@pytest.mark.parametrize("fmt", ["coo", "csc", "csr"])
def test_sparse_formats_and_input_untouched(fmt):
    X, U, V = make_low_rank_completion(200, 150, 3, fraction=0.3, rng=10)
    Y = X.asformat(fmt)
    before = Y.copy()
    res = altmin_complete(Y, 3, rng=0)
    assert _unobserved_error(res, X, U, V) <= 1e-6
    assert (Y != before).nnz == 0


def test_float32_input_gives_float32_factors():
    X, U, V = make_low_rank_completion(200, 150, 3, fraction=0.3, rng=11)
    res = altmin_complete(X.astype(np.float32), 3, rng=0)
    assert res.U.dtype == np.float32 and res.V.dtype == np.float32
    assert _unobserved_error(res, X, U, V) <= 1e-5


def test_sample_splitting_runs_and_recovers_with_many_samples():
    # 17 disjoint parts of ~5300 entries each, 13x the degrees of freedom
    X, U, V = make_low_rank_completion(300, 300, 2, fraction=1.0, rng=12)
    res = altmin_complete(X, 2, sample_splitting=True, max_iter=8, rng=0)
    assert res.n_iter == 8
    assert np.linalg.norm(res.toarray() - U @ V.T) <= 1e-4 * np.linalg.norm(U @ V.T)
    assert res.residuals[-1] < 1e-3 * res.residuals[0]


def test_reproducible_with_seed():
    X, _, _ = make_low_rank_completion(200, 150, 3, fraction=0.3, rng=13)
    a = altmin_complete(X, 3, rng=5)
    b = altmin_complete(X, 3, rng=5)
    np.testing.assert_array_equal(a.U, b.U)


def test_predict_entries():
    X, U, V = make_low_rank_completion(200, 150, 3, fraction=0.3, rng=14)
    res = altmin_complete(X, 3, rng=0)
    rows = np.array([[0, 5], [199, -1]])
    cols = np.array([[3, 4], [149, 0]])
    np.testing.assert_allclose(res.predict(rows, cols), res.toarray()[rows, cols])
    with pytest.raises(IndexError, match="rows"):
        res.predict([200], [0])
    with pytest.raises(ValueError, match="same shape"):
        res.predict([0, 1], [0])
    with pytest.raises(TypeError, match="cols"):
        res.predict([0], [0.5])


def test_verbose_progress(capsys):
    X, _, _ = make_low_rank_completion(100, 80, 2, fraction=0.4, rng=15)
    altmin_complete(X, 2, verbose=2, rng=0)
    err = capsys.readouterr().err
    assert "altmin (exact): 1/100  residual" in err and "converged" in err  # auto: exact at rank 2
    altmin_complete(X, 2, verbose=True, rng=0)
    assert "[" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(rank=0), ValueError, "rank"),
    (dict(rank=101), ValueError, "rank"),
    (dict(rank=40, reg=0.0), ValueError, "degrees of freedom"),
    (dict(rank="full"), ValueError, "rank"),
    (dict(rank=2, reg="cv"), ValueError, "reg"),
    (dict(rank=2, method="svd"), ValueError, "method"),
    (dict(rank=2, max_iter=0), ValueError, "max_iter"),
    (dict(rank=2, tol=-1), ValueError, "tol"),
    (dict(rank=2, reg=np.nan), ValueError, "reg"),
    (dict(rank=2, clip=0), ValueError, "clip"),
    (dict(rank=2, n_inner=0), ValueError, "n_inner"),
    (dict(rank=2, sketch_size=1), ValueError, "sketch_size"),
    (dict(rank=2.5), TypeError, "rank"),
])
def test_bad_arguments(kwargs, exc, match):
    X, _, _ = make_low_rank_completion(120, 100, 2, fraction=0.3, rng=16)
    with pytest.raises(exc, match=match):
        altmin_complete(X, **kwargs)


def test_bad_inputs():
    X, _, _ = make_low_rank_completion(60, 50, 2, fraction=0.5, rng=17)
    bad = X.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        altmin_complete(bad, 2)
    D = _dense_with_nan(X)
    D[0, 0] = np.inf
    with pytest.raises(ValueError, match="inf"):
        altmin_complete(D, 2)
    with pytest.raises(ValueError, match="2-D"):
        altmin_complete(np.ones(5), 1)
    with pytest.raises(TypeError, match="real"):
        altmin_complete(X.astype(complex), 2)
    with pytest.raises(TypeError, match="X must"):
        altmin_complete("abc", 2)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(2, 40), n=st.integers(2, 40), rank=st.integers(1, 4),
       density=st.floats(0.05, 1.0), seed=st.integers(0, 2**16),
       dtype=st.sampled_from([np.float64, np.float32]),
       solver=st.sampled_from(SOLVERS))
def test_hypothesis_shapes_never_crash(m, n, rank, density, seed, dtype, solver):
    g = np.random.default_rng(seed)
    A = (g.standard_normal((m, rank)) @ g.standard_normal((rank, n))).astype(dtype)
    mask = g.random((m, n)) < density
    D = np.where(mask, A, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            res = altmin_complete(D, rank, method=solver, max_iter=20, rng=seed)
        except ValueError as e:  # rank too large for the observations or the shape
            assert "rank" in str(e)
            return
    assert res.U.dtype == dtype
    assert np.all(np.isfinite(res.U)) and np.all(np.isfinite(res.V))


# ---------------------------------------------------------------- estimator


def test_estimator_fills_nan_and_keeps_observed():
    Xs, U, V = make_low_rank_completion(300, 120, 3, fraction=0.35, rng=18)
    D = _dense_with_nan(Xs)
    est = AltMinCompletion(rank=3, random_state=0)
    filled = est.fit_transform(D)
    obs = ~np.isnan(D)
    np.testing.assert_array_equal(filled[obs], D[obs])
    M = U @ V.T
    assert np.linalg.norm(filled - M) <= 1e-6 * np.linalg.norm(M)
    np.testing.assert_allclose(est.transform(D), filled)
    # new rows folded in
    g = np.random.default_rng(0)
    new_u = g.standard_normal((5, 3))
    new = new_u @ V.T
    partial = np.where(g.random(new.shape) < 0.5, new, np.nan)
    np.testing.assert_allclose(est.transform(partial), new, atol=1e-6)


def test_estimator_sparse_predict_and_transform_refusal():
    Xs, U, V = make_low_rank_completion(300, 120, 3, fraction=0.35, rng=19)
    est = AltMinCompletion(rank=3, method="exact", random_state=0).fit(Xs)
    assert est.n_iter_ >= 1 and est.converged_
    rows, cols = np.array([0, 10, 299]), np.array([0, 5, 119])
    np.testing.assert_allclose(est.predict(rows, cols), (U @ V.T)[rows, cols], atol=1e-6)
    assert est.components_.shape == (3, 120) and est.row_factors_.shape == (300, 3)
    with pytest.raises(TypeError, match="sparse"):
        est.transform(Xs)


def test_estimator_wrong_n_features():
    Xs, _, _ = make_low_rank_completion(100, 60, 2, fraction=0.5, rng=20)
    est = AltMinCompletion(rank=2, random_state=0).fit(_dense_with_nan(Xs))
    with pytest.raises(ValueError, match="features"):
        est.transform(np.ones((3, 61)))


def test_imputer_feature_names_and_pandas_output():
    pd = pytest.importorskip("pandas")
    Xs, _, _ = make_low_rank_completion(60, 8, 2, fraction=0.7, rng=1)
    X = np.full(Xs.shape, np.nan)
    r, c = Xs.nonzero()
    X[r, c] = Xs.data
    df = pd.DataFrame(X, columns=[f"q{j}" for j in range(8)])
    est = AltMinCompletion(rank=2, random_state=0).set_output(transform="pandas")
    out = est.fit_transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == list(df.columns)
    assert not out.isna().any().any()
    np.testing.assert_array_equal(est.get_feature_names_out(), df.columns.to_numpy())


def test_corrupt_sparse_input_to_the_estimator_is_a_value_error():
    Xs, _, _ = make_low_rank_completion(40, 30, 2, fraction=0.5, rng=1)
    bad = Xs.tocsc()
    bad.indices = bad.indices.copy()
    bad.indices[3] = 10**6
    with pytest.raises(ValueError, match="corrupt sparse structure"):
        AltMinCompletion(rank=2).fit(bad)


@pytest.mark.parametrize("k", [6, 31])
def test_row_solves_match_the_normal_equations_at_every_row_length(k):
    """The exact row kernel: rows of 0 … 2k entries, with the ALS-WR ridge
    λ·n_i, against numpy's solve of (FᵀF + λ n_i I) u = Fᵀx (short rows
    take the n_i × n_i dual form, long ones the k × k normal equations)."""
    import scipy.sparse as sp

    from sketchla.completion._entries import _fold_in

    g = np.random.default_rng(k)
    n_cols, lengths = 3 * k, np.arange(2 * k + 1)
    rows = [g.choice(n_cols, size=n, replace=False) for n in lengths]
    M = sp.csr_matrix((g.standard_normal(lengths.sum()),
                       (np.repeat(lengths.argsort().argsort(), lengths), np.concatenate(rows))),
                      shape=(lengths.size, n_cols))
    V = g.standard_normal((n_cols, k))
    for reg in (1e-3, 0.5):
        U = _fold_in(M, V, reg)
        for i in range(M.shape[0]):
            r = M[i]
            F, x, n = V[r.indices], r.data, r.nnz
            want = np.linalg.solve(F.T @ F + reg * n * np.eye(k), F.T @ x) if n else np.zeros(k)
            np.testing.assert_allclose(U[i], want, rtol=1e-9, atol=1e-11)
