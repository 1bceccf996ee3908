"""Mergeable and streaming coordinated sketches, error bars, join size and
correlation: merge equals one-shot bit for bit, the ±2 std interval covers
at its nominal rate, the join estimates are unbiased."""

import io

import numpy as np
import pytest
import scipy.sparse as sp

from sketchla import (CoordinatedSketch, column_sketch, coordinated_sketch,
                      estimate_correlation, estimate_join_size, estimate_product)

FIELDS = ("key_id", "indptr", "indices", "data", "prob", "weight", "u")


def _assert_same(s, t):
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(s, f), getattr(t, f), err_msg=f)
        assert getattr(s, f).dtype == getattr(t, f).dtype, f
    assert (s.tau, s.scale_exp, s.n_rows, s.n_features, s.dense_rows) == \
        (t.tau, t.scale_exp, t.n_rows, t.n_features, t.dense_rows)


def _tables(sparse, scale_b, seed=0, n_a=3000, n_b=2000, d=6):
    g = np.random.default_rng(seed)
    A = g.standard_normal((n_a, d)) * np.exp(g.standard_normal((n_a, 1)))  # heavy rows
    B = g.standard_normal((n_b, d)) * scale_b
    if sparse:
        A[g.random(A.shape) < 0.5] = 0
        B[g.random(B.shape) < 0.5] = 0
        A, B = sp.csr_matrix(A), sp.csr_matrix(B)
    return A, B


@pytest.mark.parametrize("level", ["row", "entry"])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("scale_b", [1.0, 1e5, 1e-7])
@pytest.mark.parametrize("string_keys", [False, True])
def test_merge_equals_one_shot_bit_for_bit(level, sparse, scale_b, string_keys):
    A, B = _tables(sparse, scale_b)
    ka, kb = np.arange(3000), np.arange(10**6, 10**6 + 2000)
    if string_keys:
        ka, kb = ka.astype(str), kb.astype(str)
    union = sp.vstack([A, B], format="csr") if sparse else np.vstack([A, B])
    one = coordinated_sketch(union, 400, keys=np.concatenate([ka, kb]), seed=9, level=level)
    sa = coordinated_sketch(A, 400, keys=ka, seed=9, level=level)
    sb = coordinated_sketch(B, 400, keys=kb, seed=9, level=level)
    _assert_same(sa.merge(sb), one)
    _assert_same(sb.merge(sa), one)  # either order


def test_merge_when_a_side_keeps_everything():
    """Fewer positive rows than k on one or both sides (τ = inf)."""
    g = np.random.default_rng(1)
    A, B = g.standard_normal((50, 3)), g.standard_normal((80, 3))
    B[:30] = 0  # zero rows are never kept
    for k in (40, 200):
        one = coordinated_sketch(np.vstack([A, B]), k, seed=2)
        merged = coordinated_sketch(A, k, seed=2).merge(
            coordinated_sketch(B, k, keys=np.arange(50, 130), seed=2))
        # keys of the one-shot are 0..129; the pieces used 0..49 and 50..129
        _assert_same(merged, one)


@pytest.mark.parametrize("level", ["row", "entry"])
def test_streaming_update_equals_one_shot_with_bounded_memory(level):
    A, _ = _tables(True, 1.0, seed=3, n_a=6000)
    one = coordinated_sketch(A, 300, keys=np.arange(6000), seed=4, level=level)
    s = coordinated_sketch(A[:1000], 300, keys=np.arange(1000), seed=4, level=level)
    for lo in range(1000, 6000, 700):
        hi = min(lo + 700, 6000)
        assert s.update(A[lo:hi], np.arange(lo, hi)) is s
        assert len(s.prob) <= 300  # never more than the sketch size is held
    _assert_same(s, one)


def test_merge_refuses_what_it_cannot_do_exactly():
    g = np.random.default_rng(5)
    A, B = g.standard_normal((500, 3)), g.standard_normal((400, 3))
    sa = coordinated_sketch(A, 50, seed=1)
    sb = coordinated_sketch(B, 50, keys=np.arange(500, 900), seed=1)
    with pytest.raises(ValueError, match="threshold"):
        coordinated_sketch(A, 50, "threshold", seed=1).merge(
            coordinated_sketch(B, 50, "threshold", keys=np.arange(500, 900), seed=1))
    with pytest.raises(ValueError, match="seed"):
        sa.merge(coordinated_sketch(B, 50, keys=np.arange(500, 900), seed=2))
    with pytest.raises(ValueError, match="sketch_size"):
        sa.merge(coordinated_sketch(B, 60, keys=np.arange(500, 900), seed=1))
    with pytest.raises(ValueError, match="disjoint"):
        sa.merge(coordinated_sketch(B, 50, seed=1))  # keys 0..399 overlap
    with pytest.raises(ValueError, match="mergeable"):
        sa.merge(coordinated_sketch(B, 50, keys=np.arange(500, 900), seed=1, mergeable=False))
    with pytest.raises(ValueError, match="n_features"):
        sa.merge(coordinated_sketch(np.ones((10, 4)), 50, keys=np.arange(900, 910), seed=1))
    with pytest.raises(TypeError, match="CoordinatedSketch"):
        sa.merge(B)
    with pytest.raises(TypeError, match="mergeable"):
        coordinated_sketch(A, 50, mergeable="yes")
    assert sa.merge(sb).n_rows == 900  # and nothing above modified the inputs
    assert sa.n_rows == 500 and sb.n_rows == 400


def test_merge_state_survives_save_and_load_and_is_validated():
    g = np.random.default_rng(6)
    A, B = g.standard_normal((500, 3)), g.standard_normal((400, 3))
    sa = coordinated_sketch(A, 50, seed=1)
    sb = coordinated_sketch(B, 50, keys=np.arange(500, 900), seed=1)
    buf = io.BytesIO()
    sa.save(buf)
    buf.seek(0)
    _assert_same(CoordinatedSketch.load(buf).merge(sb), sa.merge(sb))
    # corrupt merge state: each is a ValueError
    buf.seek(0)
    with np.load(buf) as z:
        fields = {k: z[k] for k in z.files}
    for key, bad in (("weight", -fields["weight"]), ("u", fields["u"] + 1.0),
                     ("tau", np.array(np.nan)), ("scale_exp", np.array(10**6)),
                     ("weight", fields["weight"][:-1])):
        f = dict(fields, **{key: bad})
        out = io.BytesIO()
        np.savez(out, **f)
        out.seek(0)
        with pytest.raises(ValueError, match="corrupt"):
            CoordinatedSketch.load(out)
    # a version-1 file (no merge state) loads, and says it cannot merge
    f = {k: v for k, v in fields.items() if k not in ("weight", "u", "tau", "scale_exp")}
    f["meta"] = f["meta"].copy()
    f["meta"][0] = 1
    out = io.BytesIO()
    np.savez(out, **f)
    out.seek(0)
    old = CoordinatedSketch.load(out)
    assert not old.mergeable
    np.testing.assert_array_equal(estimate_product(old, sb), estimate_product(sa, sb))
    with pytest.raises(ValueError, match="merge state"):
        old.merge(sb)


def _coverage(method, level, seeds, k=150):
    g = np.random.default_rng(7)
    n = 2000
    A = g.standard_normal((n, 3)) * np.exp(0.5 * g.standard_normal((n, 1)))
    B = A[:, :2] + g.standard_normal((n, 2))
    if level == "entry":
        A[g.random(A.shape) < 0.3] = 0
    exact = A.T @ B
    inside, z = [], []
    for seed in range(seeds):
        est, std = estimate_product(coordinated_sketch(A, k, method, seed=seed, level=level),
                                    coordinated_sketch(B, k, method, seed=seed, level=level),
                                    return_std=True)
        inside.append(np.abs(est - exact) <= 2 * std)
        z.append(est - exact)
    return np.mean(inside), np.array(z)


@pytest.mark.parametrize("method", ["priority", "threshold"])
def test_two_std_intervals_cover_at_the_nominal_rate(method):
    """±2 std over 500 seeds covers between 90 % and 98 % of the time
    (Gaussian: 95.4 %); a std ten times too small would cover ~16 %."""
    cov, _ = _coverage(method, "row", 500)
    assert 0.90 <= cov <= 0.98, cov


@pytest.mark.slow
def test_two_std_intervals_cover_at_entry_level():
    cov, _ = _coverage("priority", "entry", 500)
    assert 0.90 <= cov <= 0.98, cov


def test_variance_estimate_is_unbiased():
    """Mean of the estimated variances ≈ the Monte Carlo variance of the estimate."""
    g = np.random.default_rng(8)
    A = g.standard_normal((1500, 2)) * np.exp(g.standard_normal((1500, 1)))
    B = A + g.standard_normal((1500, 2))
    est, var = [], []
    for seed in range(400):
        e, s = estimate_product(coordinated_sketch(A, 100, "threshold", seed=seed),
                                coordinated_sketch(B, 100, "threshold", seed=seed),
                                return_std=True)
        est.append(e)
        var.append(s**2)
    mc = np.var(est, axis=0, ddof=1)
    mean_est = np.mean(var, axis=0)
    # 400 draws: the Monte Carlo variance itself is known to about ±15 % (2 sd)
    np.testing.assert_allclose(mean_est, mc, rtol=0.25)


def test_join_size_and_correlation():
    g = np.random.default_rng(9)
    n_a, n_b, overlap = 20000, 15000, 8000
    ka = np.arange(n_a)
    kb = np.concatenate([np.arange(overlap), n_a + np.arange(n_b - overlap)])
    a = g.standard_normal(n_a) * 3 + 1
    b = np.concatenate([0.7 * a[:overlap], np.zeros(n_b - overlap)]) + g.standard_normal(n_b)
    true_corr = np.corrcoef(a[:overlap], b[:overlap])[0, 1]
    sizes, stds, corrs = [], [], []
    for seed in range(40):
        sa = column_sketch(a, 1500, keys=ka, seed=seed)
        sb = column_sketch(b, 1500, keys=kb, seed=seed)
        nj, sd = estimate_join_size(sa, sb, return_std=True)
        sizes.append(nj)
        stds.append(sd)
        corrs.append(estimate_correlation(sa, sb))
    # unbiased: the mean of 40 draws within 3 standard errors
    assert abs(np.mean(sizes) - overlap) <= 3 * np.std(sizes) / np.sqrt(40)
    assert np.median(stds) == pytest.approx(np.std(sizes), rel=0.5)
    assert abs(np.median(corrs) - true_corr) <= 0.05
    with pytest.raises(ValueError, match="column_sketch"):
        estimate_join_size(coordinated_sketch(np.ones((10, 2)), 5), sb)
    with pytest.raises(ValueError, match="1e150"):
        column_sketch(np.array([1e200, 1.0]), 5)
    with pytest.warns(RuntimeWarning, match="correlation is undefined"):
        assert np.isnan(estimate_correlation(column_sketch(np.ones(100), 20, seed=0),
                                             column_sketch(np.ones(100), 20, seed=0)))
