"""Coordinated sampling: unbiasedness, the variance bound, storage, joins, files."""

import io

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import sketchla
from sketchla import CoordinatedSketch, coordinated_sketch, estimate_product
from sketchla.datasets import make_keyed_tables, make_sparse_pair
from sketchla.sampling._coordinated_select import _threshold_probs

METHODS = ["priority", "threshold"]


def keyed_tables(rng, n_a=3000, n_b=2500, overlap=1500, d=4, p=3, sparse=False):
    """Two tables with string keys, ``overlap`` of which are shared."""
    A, ka, B, kb = make_keyed_tables(n_a, n_b, overlap, d, p, rng=rng)
    if sparse:
        g = np.random.default_rng(rng)
        A[g.random(A.shape) < 0.6] = 0
        B[g.random(B.shape) < 0.6] = 0
        A, B = sp.csr_matrix(A), sp.csr_matrix(B)
    return A, ka, B, kb


def join_product(A, ka, B, kb):
    ia = {k: i for i, k in enumerate(ka.tolist())}
    pairs = [(ia[k], j) for j, k in enumerate(kb.tolist()) if k in ia]
    ra, rb = map(np.array, zip(*pairs))
    Ad = A.toarray() if sp.issparse(A) else A
    Bd = B.toarray() if sp.issparse(B) else B
    return Ad[ra].T @ Bd[rb]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("level", ["row", "entry"])
def test_unbiased_over_a_join(method, level):
    A, ka, B, kb = keyed_tables(0, sparse=level == "entry")
    exact = join_product(A, ka, B, kb)
    k = 300
    ests = []
    for seed in range(400):
        sa = coordinated_sketch(A, k, method, keys=ka, seed=seed, level=level)
        sb = coordinated_sketch(B, k, method, keys=kb, seed=seed, level=level)
        ests.append(estimate_product(sa, sb))
    ests = np.array(ests)
    sd = ests.std(axis=0, ddof=1) / np.sqrt(len(ests))
    z = (ests.mean(axis=0) - exact) / np.maximum(sd, 1e-12)
    # every entry of the Monte Carlo mean within 4.5 standard errors (12 entries)
    assert np.abs(z).max() < 4.5


def test_inclusion_probability_of_threshold_sampling():
    """Each row is kept with exactly its stated probability: a binomial test
    per row over 4000 seeds (a sampler keeping rows uniformly fails it)."""
    w = np.array([100.0, 10, 5, 1, 1, 0.5, 0.1, 0.0])
    A = np.sqrt(w)[:, None] * np.ones((1, 2))
    k = 3
    p = _threshold_probs(w, k)
    assert abs(p.sum() - k) < 1e-12 and p[0] == 1.0 and p[-1] == 0.0
    counts = np.zeros(len(w))
    n_trials = 4000
    for seed in range(n_trials):
        sk = coordinated_sketch(A, k, "threshold", seed=seed)
        counts[np.isin(np.arange(len(w)), _kept_rows(sk, len(w)))] += 1
    se = np.sqrt(p * (1 - p) / n_trials) + 1e-12
    assert np.all(np.abs(counts / n_trials - p) <= 4.5 * se + 1e-12)


def _kept_rows(sk, n):
    ids = sketchla._kernels.hash_keys(np.arange(n), sketchla.sampling._coordinated_select.KEY_SEED)
    return np.flatnonzero(np.isin(ids, sk.key_id))


@pytest.mark.parametrize("method", METHODS)
def test_priority_keeps_exactly_k_and_threshold_about_k(method):
    g = np.random.default_rng(1)
    A = g.standard_normal((5000, 3))
    sizes = [len(coordinated_sketch(A, 200, method, seed=s).key_id) for s in range(50)]
    if method == "priority":
        assert set(sizes) == {200}
    else:
        assert abs(np.mean(sizes) - 200) < 4 * np.sqrt(200 / 50)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_variance_bound_at_theorem_size(method):
    """k = 2/(δ ε²) rows give ‖est − AᵀB‖_F ≤ ε‖A‖_F‖B‖_F w.p. ≥ 1 − δ, and
    the mean squared error stays below the bound 2‖A‖²‖B‖²/k."""
    eps, delta = 0.15, 0.2
    k = int(np.ceil(2 / (delta * eps**2)))
    g = np.random.default_rng(2)
    A = g.standard_normal((20000, 5)) * g.lognormal(0, 1.5, (20000, 1))
    B = A[:, :3] + g.standard_normal((20000, 3)) * g.lognormal(0, 1.5, (20000, 1))
    exact = A.T @ B
    scale = np.linalg.norm(A) * np.linalg.norm(B)
    errs = np.array([np.linalg.norm(sketchla.approx_matmul(A, B, k, sketch=method, rng=s)
                                    - exact) for s in range(200)])
    assert np.mean(errs > eps * scale) <= delta
    bound = 2 * scale**2 / (k - 1)
    assert np.mean(errs**2) <= 1.2 * bound


def _linear_sketch_error(kind, A, B, storage, seed):
    m = max(1, storage // A.shape[1])
    S = sketchla.make_sketch(kind, m, A.shape[0], rng=seed)
    return np.linalg.norm((S @ A).T @ (S @ B) - (A.T @ B).toarray())


@pytest.mark.slow
def test_equal_storage_beats_linear_sketches_on_sparse_data():
    n, d, s = 20000, 2000, 4
    A, B = make_sparse_pair(n, d, s, rng=3)
    exact = (A.T @ B).toarray()
    errs = {"priority": [], "threshold": [], "gaussian": [], "countsketch": []}
    for seed in range(6):
        for method in ("priority", "threshold"):
            sa = coordinated_sketch(A, 2000, method, seed=seed, mergeable=False)
            sb = coordinated_sketch(B, 2000, method, seed=seed, mergeable=False)
            errs[method].append(np.linalg.norm(estimate_product(sa, sb) - exact))
            storage = max(sa.storage_size, sb.storage_size)
        for kind in ("gaussian", "countsketch"):
            errs[kind].append(_linear_sketch_error(kind, A, B, storage, seed))
    med = {k: np.median(v) for k, v in errs.items()}
    for coord in ("priority", "threshold"):
        for lin in ("gaussian", "countsketch"):
            assert med[lin] >= 5 * med[coord], med


def test_equal_storage_dense_data_recorded(capsys):
    g = np.random.default_rng(4)
    A = g.standard_normal((4000, 20))
    B = g.standard_normal((4000, 20))
    sa = coordinated_sketch(A, 400, seed=0, mergeable=False)
    sb = coordinated_sketch(B, 400, seed=0, mergeable=False)
    e_coord = np.linalg.norm(estimate_product(sa, sb) - A.T @ B)
    m = sa.storage_size // 20
    S = sketchla.make_sketch("gaussian", m, 4000, rng=0)
    e_jl = np.linalg.norm((S @ A).T @ (S @ B) - A.T @ B)
    print(f"dense data, equal storage: coordinated/JL error ratio {e_coord / e_jl:.2f}")
    assert np.isfinite(e_coord) and np.isfinite(e_jl)


def test_join_regression_from_sketches():
    """Party 1 holds features X by key, party 2 the target y by key. From two
    sketches alone, estimate XᵀX and Xᵀy over the join and solve for β."""
    g = np.random.default_rng(5)
    n1, n2, overlap, d = 20000, 15000, 8000, 4
    keys1 = np.arange(n1)
    keys2 = np.concatenate([np.arange(overlap), n1 + np.arange(n2 - overlap)])
    X = g.standard_normal((n1, d))
    beta = np.array([1.0, -2.0, 0.5, 3.0])
    y_all = np.concatenate([X[:overlap] @ beta + 0.5 * g.standard_normal(overlap),
                            g.standard_normal(n2 - overlap)])
    # party 1: [x, vec(x xᵀ)]; party 2: [1, y]
    A = np.hstack([X, np.einsum("ni,nj->nij", X, X).reshape(n1, d * d)])
    Bt = np.column_stack([np.ones(n2), y_all])
    sa = coordinated_sketch(A, 3000, "priority", keys=keys1, seed=11)
    sb = coordinated_sketch(Bt, 3000, "priority", keys=keys2, seed=11)
    est = estimate_product(sa, sb)
    XtX = est[d:, 0].reshape(d, d)
    Xty = est[:d, 1]
    beta_sketch = np.linalg.solve(0.5 * (XtX + XtX.T), Xty)
    Xj, yj = X[:overlap], y_all[:overlap]
    beta_join = np.linalg.lstsq(Xj, yj, rcond=None)[0]
    assert np.linalg.norm(beta_sketch - beta_join) <= 0.1 * np.linalg.norm(beta_join)


def test_save_load_roundtrip_and_storage():
    A, ka, B, kb = keyed_tables(6, sparse=True)
    for level in ("row", "entry"):
        sa = coordinated_sketch(A, 200, keys=ka, seed=3, level=level)
        sb = coordinated_sketch(B, 200, keys=kb, seed=3, level=level)
        buf = io.BytesIO()
        sa.save(buf)
        buf.seek(0)
        sa2 = CoordinatedSketch.load(buf)
        np.testing.assert_array_equal(estimate_product(sa, sb), estimate_product(sa2, sb))
        assert sa2.storage_size == sa.storage_size
        assert sa2.mergeable and sa2.tau == sa.tau and sa2.scale_exp == sa.scale_exp
        np.testing.assert_array_equal(sa2.weight, sa.weight)
        nnz, r = len(sa.data), len(sa.key_id)
        probs = r if level == "row" else nnz
        # a weight and a hash per item, τ and the scale: the merge state
        assert sa.storage_size == r + probs + 2 * nnz + r + 2 * probs + 2
        lean = coordinated_sketch(A, 200, keys=ka, seed=3, level=level, mergeable=False)
        assert lean.storage_size == r + probs + 2 * nnz + r and not lean.mergeable
        np.testing.assert_array_equal(estimate_product(lean, sb), estimate_product(sa, sb))
    # dense tables: implicit column indices
    sd = coordinated_sketch(np.ones((100, 7)), 10, seed=0, mergeable=False)
    assert sd.storage_size == 10 + 10 + 70
    bad = io.BytesIO()
    np.savez(bad, meta=np.array([99, 0, 1, 1, 1, 0], dtype=np.uint64))
    bad.seek(0)
    with pytest.raises(ValueError, match="not a CoordinatedSketch file|version"):
        CoordinatedSketch.load(bad)


def test_duplicates_error_or_sum():
    A = np.arange(12.0).reshape(4, 3)
    keys = np.array(["x", "y", "x", "z"])
    with pytest.raises(ValueError, match="'x' appears more than once"):
        coordinated_sketch(A, 2, keys=keys)
    sk = coordinated_sketch(A, 10, keys=keys, duplicates="sum", seed=0)
    assert len(sk.key_id) == 3
    one = coordinated_sketch(np.ones((3, 1)), 10, keys=np.array(["x", "y", "z"]), seed=0)
    est = estimate_product(sk, one)  # all kept with p = 1: exact
    np.testing.assert_allclose(est[:, 0], A.sum(axis=0))


def test_integer_and_string_keys_and_same_order_default():
    g = np.random.default_rng(7)
    A, B = g.standard_normal((50, 2)), g.standard_normal((50, 2))
    est = estimate_product(coordinated_sketch(A, 100, seed=1), coordinated_sketch(B, 100, seed=1))
    np.testing.assert_allclose(est, A.T @ B)  # k ≥ n: every row kept, exact
    s_int = coordinated_sketch(A, 100, keys=np.arange(50), seed=1)
    s_str = coordinated_sketch(B, 100, keys=np.arange(50).astype(str), seed=1)
    assert np.all(estimate_product(s_int, s_str) == 0)  # ints never match strings


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda A: coordinated_sketch(A, 0), ValueError, "sketch_size must be >= 1"),
        (lambda A: coordinated_sketch(A, 5, method="reservoir"), ValueError, "method must be"),
        (lambda A: coordinated_sketch(A, 5, level="col"), ValueError, "level must be"),
        (lambda A: coordinated_sketch(A, 5, keys=np.arange(3)), ValueError, "one key per row"),
        (lambda A: coordinated_sketch(A, 5, keys=np.linspace(0, 1, 10)), TypeError,
         "integers or strings"),
        (lambda A: coordinated_sketch(A, 5, seed=-1), ValueError, "seed must be in"),
        (lambda A: coordinated_sketch(A, 5, seed=1.5), TypeError, "seed must be"),
        (lambda A: coordinated_sketch(np.full((10, 2), np.nan), 5), ValueError, "NaN"),
        (lambda A: coordinated_sketch(None, 5), TypeError, "A must be an array"),
        (lambda A: estimate_product(coordinated_sketch(A, 5, seed=1),
                                    coordinated_sketch(A, 5, seed=2)), ValueError,
         "different seeds"),
        (lambda A: estimate_product(coordinated_sketch(A, 5, "priority"),
                                    coordinated_sketch(A, 5, "threshold")), ValueError,
         "different methods"),
        (lambda A: estimate_product(coordinated_sketch(A, 5, level="row"),
                                    coordinated_sketch(A, 5, level="entry")), ValueError,
         "different levels"),
        (lambda A: estimate_product(A, A), TypeError, "CoordinatedSketch"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(np.random.default_rng(0).standard_normal((10, 2)))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 80), d=st.integers(1, 8), k=st.integers(1, 100),
       density=st.floats(0, 1), method=st.sampled_from(METHODS),
       level=st.sampled_from(["row", "entry"]), seed=st.integers(0, 2**40))
def test_shapes_and_sizes_hypothesis(n, d, k, density, method, level, seed):
    A = sp.random(n, d, density=density, format="csr", random_state=seed % 2**32)
    A0 = A.copy()
    sk = coordinated_sketch(A, k, method, seed=seed, level=level)
    items = np.count_nonzero(A.getnnz(axis=1)) if level == "row" else A.nnz
    kept = len(sk.key_id) if level == "row" else len(sk.data)
    if method == "priority":
        assert kept == min(k, items)
    assert np.all((sk.prob > 0) & (sk.prob <= 1))
    est = estimate_product(sk, sk)
    assert est.shape == (d, d) and np.isfinite(est).all()
    if k >= items:  # everything kept with probability 1: exact
        np.testing.assert_allclose(est, (A.T @ A).toarray(), atol=1e-12)
    assert (A != A0).nnz == 0  # input untouched


def _saved(sk, **override):
    """The archive of ``sk`` with some fields replaced."""
    buf = io.BytesIO()
    sk.save(buf)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as z:
        fields = {k: z[k] for k in z.files}
    fields.update(override)
    out = io.BytesIO()
    np.savez(out, **fields)
    out.seek(0)
    return out


@pytest.mark.parametrize("field", ["prob_zero", "prob_nan", "prob_big", "data_nan",
                                   "indices_float", "huge_features", "dup_keys",
                                   "truncated", "not_zip"])
def test_load_validates_what_it_reads(field):
    A, ka, _, _ = keyed_tables(6, sparse=True)
    sk = coordinated_sketch(A, 50, keys=ka, seed=1)
    if field == "truncated":
        buf = _saved(sk)
        bad = io.BytesIO(buf.getvalue()[: len(buf.getvalue()) // 2])
    elif field == "not_zip":
        bad = io.BytesIO(b"PK\x03\x04 certainly not a zip archive")
    else:
        over = {
            "prob_zero": {"prob": np.where(np.arange(len(sk.prob)) == 0, 0.0, sk.prob)},
            "prob_nan": {"prob": np.full_like(sk.prob, np.nan)},
            "prob_big": {"prob": sk.prob + 1.0},
            "data_nan": {"data": np.full_like(sk.data, np.nan)},
            "indices_float": {"indices": sk.indices.astype(np.float64)},
            "huge_features": {"meta": np.array([1, 1, 50, 6, 2**62, 0], dtype=np.uint64)},
            "dup_keys": {"key_id": np.sort(np.r_[sk.key_id[:1], sk.key_id[:-1]])},
        }[field]
        bad = _saved(sk, **over)
    with pytest.raises(ValueError, match="CoordinatedSketch file"):
        CoordinatedSketch.load(bad)


def test_keys_mixed_or_aliasing_are_refused():
    A = np.ones((3, 2))
    with pytest.raises(TypeError, match="not a mix"):
        coordinated_sketch(A, 2, keys=np.array([1, "a", 2], dtype=object))
    with pytest.raises(ValueError, match="int64"):
        coordinated_sketch(A, 2, keys=np.array([0, 1, 2**64 - 1], dtype=np.uint64))
