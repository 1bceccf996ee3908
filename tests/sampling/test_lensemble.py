"""L-ensemble DPPs and k-DPPs: exact enumeration on tiny kernels in every
input form, the eigenvector choice against its closed form, scale
invariance, stability over a wide eigenvalue spread, bad input."""

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sketchla import sample_dpp, sample_k_dpp
from sketchla._kernels import esp_ratios
from sketchla.sampling.lensemble import _choose_k

CHI2_P = 1e-4  # fixed seeds: a correct sampler passes, a wrong one fails by far


def log_elementary_symmetric(lam, k):
    """log e_l of the first n of λ (an array (k + 1, n + 1)) from the native
    ratio table the k-DPP sampler walks: log e_l = −Σ_{m ≤ l} log ρ_m
    (−inf exactly where e_l = 0)."""
    E = np.zeros((k + 1, np.size(lam) + 1))
    if k:
        with np.errstate(divide="ignore"):
            E[1:] = -np.cumsum(np.log(esp_ratios(lam, k).T), axis=0)
    return E


def _chi2(samples, probs):
    """Multinomial chi-square of sampled subsets against exact probabilities,
    cells with expected count < 5 pooled; the p-value."""
    keys = list(probs)
    index = {k: i for i, k in enumerate(keys)}
    obs = np.zeros(len(keys))
    for s in samples:
        obs[index[tuple(sorted(int(i) for i in s))]] += 1
    exp = len(samples) * np.array([probs[k] for k in keys])
    small = exp < 5
    o = np.append(obs[~small], obs[small].sum())
    e = np.append(exp[~small], exp[small].sum())
    if e[-1] == 0:
        o, e = o[:-1], e[:-1]
    return stats.chisquare(o, e * o.sum() / e.sum()).pvalue


def _lensemble_probs(L, k=None):
    """P(S) = det(L_S) / det(I + L) over all subsets (or over size k, / e_k)."""
    N = L.shape[0]
    sizes = range(N + 1) if k is None else [k]
    p = {}
    for size in sizes:
        for S in itertools.combinations(range(N), size):
            p[S] = np.linalg.det(L[np.ix_(S, S)]) if S else 1.0
    Z = sum(p.values())
    return {S: v / Z for S, v in p.items()}


def _feature_matrix(N, D, seed):
    g = np.random.default_rng(seed)
    # uneven feature scales: the eigenvalues spread over two decades
    return g.standard_normal((N, D)) * np.logspace(-0.5, 0.5, D)


def _forms(B):
    """The same kernel L = B Bᵀ in each input form sample_dpp takes."""
    L = B @ B.T
    lam, V = np.linalg.eigh(L)
    keep = lam > 1e-10 * lam.max()
    return {
        "kernel": (L, {}),
        "eig": ((lam[keep], V[:, keep]), {}),
        "factor": (B, {}),
        "factor-sparse": (sp.csr_matrix(B), {"form": "factor"}),
    }, L


@pytest.mark.parametrize("form", ["kernel", "eig", "factor", "factor-sparse"])
def test_dpp_subset_distribution(form):
    forms, L = _forms(_feature_matrix(6, 4, 0))
    arg, kw = forms[form]
    g = np.random.default_rng(1)
    samples = [sample_dpp(arg, rng=g, **kw) for _ in range(6000)]
    assert _chi2(samples, _lensemble_probs(L)) > CHI2_P


@pytest.mark.parametrize("form", ["kernel", "eig", "factor", "factor-sparse"])
def test_k_dpp_subset_distribution(form):
    forms, L = _forms(_feature_matrix(7, 5, 2))
    arg, kw = forms[form]
    g = np.random.default_rng(3)
    samples = [sample_k_dpp(arg, 3, rng=g, **kw) for _ in range(6000)]
    assert all(len(s) == 3 == len(set(s.tolist())) for s in samples)
    assert _chi2(samples, _lensemble_probs(L, 3)) > CHI2_P


@pytest.mark.slow
@pytest.mark.parametrize("N, D, k", [(10, 6, 4), (12, 12, 3), (12, 5, 5)])
def test_larger_enumerations(N, D, k):
    B = _feature_matrix(N, D, N + k)
    L = B @ B.T
    g = np.random.default_rng(4)
    samples = [sample_k_dpp(L, k, rng=g) for _ in range(20000)]
    assert _chi2(samples, _lensemble_probs(L, k)) > CHI2_P
    samples = [sample_dpp(B, rng=g, form="factor") for _ in range(20000)]
    assert _chi2(samples, _lensemble_probs(L)) > CHI2_P


def test_chi2_rejects_a_wrong_sampler():
    """Negative control: the projection DPP onto the top-k eigenvectors (a
    common mistake for a k-DPP) is told apart from the k-DPP."""
    from sketchla import sample_projection_dpp

    B = _feature_matrix(7, 5, 2)
    L = B @ B.T
    lam, V = np.linalg.eigh(L)
    top = V[:, np.argsort(lam)[-3:]]
    g = np.random.default_rng(3)
    samples = [sample_projection_dpp(top, rng=g) for _ in range(6000)]
    assert _chi2(samples, _lensemble_probs(L, 3)) < 1e-12


def test_eigenvector_choice_matches_enumeration():
    """P(J) ∝ Π_{i∈J} λ_i over size-k subsets J of the eigen-indices."""
    lam = np.array([3.0, 0.2, 1.5, 7.0, 0.05, 1.0])
    k = 3
    probs = {J: np.prod(lam[list(J)]) for J in itertools.combinations(range(6), k)}
    Z = sum(probs.values())
    probs = {J: v / Z for J, v in probs.items()}
    g = np.random.default_rng(5)
    samples = [_choose_k(lam, k, g) for _ in range(20000)]
    assert _chi2(samples, probs) > CHI2_P


def test_log_elementary_symmetric_is_exact_and_never_overflows():
    lam = np.array([2.0, 0.5, 3.0, 1.0])
    E = np.exp(log_elementary_symmetric(lam, 4))
    for level in range(5):
        for n in range(5):
            want = sum(np.prod(c) for c in itertools.combinations(lam[:n], level))
            assert np.isclose(E[level, n], want, rtol=1e-13)
    # 10^5 eigenvalues from 1e-12 to 1e3: e_k spans thousands of decades
    big = np.logspace(-12, 3, 10**5)
    logE = log_elementary_symmetric(big, 60)
    assert np.isfinite(logE[:, -1]).all()  # every e_l over all 10^5 is finite and positive
    # e_1 is the sum; e_N of the last 60 is their product
    assert np.isclose(logE[1, -1], np.log(big.sum()), rtol=1e-12)
    tail = log_elementary_symmetric(big[-60:], 60)
    assert np.isclose(tail[60, -1], np.log(big[-60:]).sum(), rtol=1e-12)


def _log_esp_reference(lam, k):
    """log e_l of the first n of λ in log space, one cumulative ``logaddexp``
    per level (e_l(n) = Σ_{j ≤ n} λ_j e_{l−1}(j−1)): an independent check
    of the ratio recursion."""
    with np.errstate(divide="ignore"):
        loglam = np.log(lam)
    E = np.full((k + 1, lam.size + 1), -np.inf)
    E[0] = 0.0
    for level in range(1, k + 1):
        E[level, 1:] = np.logaddexp.accumulate(loglam + E[level - 1, :-1])
    return E


@pytest.mark.parametrize("seed", range(4))
def test_ratio_table_matches_the_log_space_recursion(seed):
    """log e_l from the native ratio table against a log-space recursion,
    over 2000 eigenvalues spanning 1e-14 to 1e6 in random order, some zero."""
    g = np.random.default_rng(seed)
    lam = 10.0 ** g.uniform(-14, 6, 2000)
    lam[g.choice(2000, 50, replace=False)] = 0.0
    got, want = log_elementary_symmetric(lam, 80), _log_esp_reference(lam, 80)
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want)
    # both accumulate O(n) roundings of relative size eps per entry
    assert np.allclose(got[fin], want[fin], rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("lam", [
    np.array([0.3, 2.0, 1.0]),
    np.array([1.0, 5.0, 0.5, 2.0, 0.0, 3.0, 1.5, 0.2]),          # segment length 3
    np.array([4.0, 0.1, 1.0, 2.0, 0.5, 3.0, 1.5, 0.7, 2.5]),       # segment length 4
    np.array([1e-9, 1e3, 2.0, 1e-6, 0.5, 7.0, 1.0, 0.0, 3.0, 1e2, 0.3, 4.0]),
])
def test_native_eigenvector_choice_matches_enumeration(lam):
    """Every size k of the native backward pass across its segment
    boundaries, zero eigenvalues never chosen: P(J) ∝ Π λ_J exactly."""
    from sketchla._kernels import choose_k

    g = np.random.default_rng(int(lam.size))
    for k in sorted({1, int(np.count_nonzero(lam)) // 2, int(np.count_nonzero(lam)) - 1}):
        probs = {J: np.prod(lam[list(J)]) for J in itertools.combinations(range(lam.size), k)}
        Z = sum(probs.values())
        probs = {J: v / Z for J, v in probs.items() if v > 0}
        samples = [choose_k(lam, k, g.random(lam.size)) for _ in range(20000)]
        assert all(np.all(np.diff(J) > 0) and (lam[J] > 0).all() for J in samples)
        assert _chi2(samples, probs) > CHI2_P


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), k=st.integers(0, 40), seed=st.integers(0, 2**16),
       spread=st.sampled_from([0.0, 3.0, 30.0, 300.0]), zeros=st.floats(0.0, 0.9))
def test_hypothesis_ratio_table_and_choice(n, k, seed, spread, zeros):
    """Any length, level count, spread (up to 10^±300) and share of zero
    eigenvalues: the ratio table's log e_l agrees with the log-space
    recursion, and the native choice returns k ascending indices of positive
    eigenvalues whenever there are k of them."""
    from sketchla._kernels import choose_k

    g = np.random.default_rng(seed)
    lam = 10.0 ** g.uniform(-spread, spread, n) if spread else np.ones(n)
    lam[g.random(n) < zeros] = 0.0
    got, want = log_elementary_symmetric(lam, k), _log_esp_reference(lam, k)
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    fin = np.isfinite(want)
    assert np.allclose(got[fin], want[fin], rtol=1e-10, atol=1e-9)
    if 0 < k <= np.count_nonzero(lam):
        J = choose_k(lam, k, g.random(n))
        assert J.shape == (k,) and np.all(np.diff(J) > 0) and (lam[J] > 0).all()


@pytest.mark.parametrize("lam, k, u, match", [
    (np.array([1.0, -1.0]), 1, np.zeros(2), "non-negative"),
    (np.array([1.0, np.nan]), 1, np.zeros(2), "non-negative"),
    (np.array([1.0, np.inf]), 1, np.zeros(2), "finite"),
    (np.array([1.0, 0.0, 2.0]), 3, np.zeros(3), "fewer positive"),
    (np.array([1.0, 2.0]), 1, np.array([0.5, 1.0]), r"\[0, 1\)"),
    (np.array([1.0, 2.0]), 1, np.zeros(3), "wrong shape"),
])
def test_native_eigenvector_choice_refuses_bad_input(lam, k, u, match):
    from sketchla._kernels import choose_k

    with pytest.raises(ValueError, match=match):
        choose_k(lam, k, u)


def test_given_eigenvectors_are_checked_to_their_own_precision():
    """float32 eigenvectors (orthonormal to ~1e-6) are accepted and give
    the float64 decomposition's draw; a departure from VᵀV = I well above
    the square root of the dtype's epsilon is refused in either dtype."""
    g = np.random.default_rng(2)
    B = g.standard_normal((300, 40))
    lam, V = np.linalg.eigh(B @ B.T)
    lam = lam.clip(0)
    lam32, V32 = np.linalg.eigh((B @ B.T).astype(np.float32))
    assert sample_k_dpp((lam32.clip(0), V32), 6, rng=0).shape == (6,)
    assert sample_k_dpp((lam, np.asfortranarray(V)), 6, rng=0).tolist() == \
        sample_k_dpp((lam, V), 6, rng=0).tolist()
    bent = V.copy()
    bent[:, -1] += 1e-6 * bent[:, -2]  # VᵀV − I of norm 1e-6
    with pytest.raises(ValueError, match="orthonormal"):
        sample_k_dpp((lam, bent), 6, rng=0)
    bent32 = V32.copy()
    bent32[:, -1] += 1e-2 * bent32[:, -2]
    with pytest.raises(ValueError, match="orthonormal"):
        sample_k_dpp((lam32.clip(0), bent32), 6, rng=0)


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_probe_columns_gathers_and_probes_in_one_pass(layout):
    """V[:, J], its row norms and Vᵀ(V z) for every layout, bit-identical
    for 1, 2 and 3 threads; the inputs untouched."""
    import sketchla
    from sketchla._kernels import probe_columns

    g = np.random.default_rng(1)
    V = g.standard_normal((3001, 70))
    if layout == "F":
        V = np.asfortranarray(V)
    elif layout == "strided":
        V = np.repeat(V, 2, axis=1)[::1, ::2]
    J = np.array([69, 0, 5, 5, 33])
    z = g.standard_normal(70)
    before = V.copy()
    runs = []
    for n in (1, 2, 3):
        with sketchla.threads(n):
            runs.append(probe_columns(V, J, z))
    out, lev, acc, bad = runs[0]
    assert np.array_equal(out, V[:, J]) and out.flags.c_contiguous and bad == 0
    assert np.allclose(lev, (V[:, J] ** 2).sum(axis=1), rtol=1e-13)
    assert np.allclose(acc, V.T @ (V @ z), rtol=1e-11)
    for other in runs[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(runs[0], other))
    assert np.array_equal(V, before)
    V = np.array(V)
    V[17, 3] = np.nan
    V[2000, 9] = -np.inf
    assert probe_columns(V, J, z)[3] == 2


def test_probe_columns_refuses_bad_indices_and_aliases():
    from sketchla._kernels import native

    V = np.eye(6)[:, :4].copy()
    z = np.ones(4)
    for J in (np.array([4]), np.array([-1])):
        with pytest.raises(ValueError, match="out of range"):
            native().probe_columns(V, z, J, np.empty((6, 1)), np.empty(6), np.empty(4))
    with pytest.raises(ValueError, match="overlap"):
        native().probe_columns(V, z, np.array([0]), np.empty((6, 1)), np.empty(6), z)
    with pytest.raises(TypeError, match="float64"):
        native().probe_columns(V.astype(np.float32), z, np.array([0]), np.empty((6, 1)),
                               np.empty(6), np.empty(4))


def test_k_dpp_is_stable_over_a_wide_eigenvalue_spread():
    """N = 10^5 items, 200 eigenvalues from 1e-12 to 1e3 (the regime where
    the direct recursion overflows): exactly k distinct items, and the
    eigenvector choice follows its closed-form marginals."""
    g = np.random.default_rng(0)
    N, r = 10**5, 200
    lam = np.logspace(-12, 3, r)
    V = np.linalg.qr(g.standard_normal((N, r)))[0]
    for k in (50, 199):
        S = sample_k_dpp((lam, V), k, rng=k)
        assert S.shape == (k,) and len(set(S.tolist())) == k
        assert S.min() >= 0 and S.max() < N
    # P(i ∈ J) = λ_i e_{k-1}(λ without i) / e_k(λ): the top 50 eigenvalues
    # are in J almost surely for k = 50 (they dominate by 1e3 / 1e2.9)
    counts = np.zeros(r)
    for seed in range(200):
        counts[_choose_k(lam, 50, np.random.default_rng(seed))] += 1
    E = log_elementary_symmetric(lam, 50)
    # marginal of the largest eigenvalue: 1 - e_50(others)/e_50(all) ≈ 1
    assert counts[-1] == 200
    assert counts[:100].sum() == 0  # λ ≤ 1e-4.5 against the top 50 ≥ 1e-0.8
    # log e_l(first n) is -inf exactly where n < l (no size-l subset), finite elsewhere
    n_idx, l_idx = np.meshgrid(np.arange(r + 1), np.arange(51))
    assert np.array_equal(np.isfinite(E), n_idx >= l_idx)


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_k_dpp_does_not_depend_on_the_scale_of_L(scale):
    B = _feature_matrix(40, 8, 7)
    L = B @ B.T
    for arg, arg_s in ((L, L * scale), (B, B * np.sqrt(scale))):
        ref = sample_k_dpp(arg, 5, rng=11)
        assert np.array_equal(sample_k_dpp(arg_s, 5, rng=11), ref)


def test_dpp_size_and_sparse_factor_never_densified():
    B = sp.random(5000, 30, density=0.05, format="csr", random_state=0)
    lam = np.linalg.svd(B.toarray(), compute_uv=False) ** 2
    sizes = [len(sample_dpp(B, rng=s)) for s in range(300)]
    mean = np.sum(lam / (1 + lam))
    var = np.sum(lam / (1 + lam) ** 2)
    assert abs(np.mean(sizes) - mean) < 5 * np.sqrt(var / len(sizes))


def test_inputs_are_not_modified():
    B = _feature_matrix(30, 6, 1)
    L = B @ B.T
    lam, V = np.linalg.eigh(L)
    copies = [x.copy() for x in (B, L, lam, V)]
    sample_dpp(B, rng=0), sample_k_dpp(L, 3, rng=0), sample_k_dpp((lam.clip(0), V), 3, rng=0)
    for x, c in zip((B, L, lam, V), copies):
        assert np.array_equal(x, c)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: sample_dpp(np.array([[1.0, 2.0], [0.0, 1.0]])), ValueError, "symmetric"),
    (lambda: sample_dpp(np.diag([1.0, -1.0])), ValueError, "positive semidefinite"),
    (lambda: sample_dpp(np.full((3, 3), np.nan)), ValueError, "L"),
    (lambda: sample_dpp(np.eye(3), form="gram"), ValueError, "form"),
    (lambda: sample_dpp(sp.eye(4, format="csr")), TypeError, "form='factor'"),
    (lambda: sample_dpp((np.ones(2), np.ones((4, 2)))), ValueError, "orthonormal"),
    (lambda: sample_dpp((np.ones(3), np.eye(4)[:, :2])), ValueError, "columns"),
    (lambda: sample_dpp((-np.ones(2), np.eye(4)[:, :2])), ValueError, "non-negative"),
    (lambda: sample_dpp((np.ones(2), np.where(np.eye(4)[:, :2] == 1, np.nan, 0.0))), ValueError,
     "NaN"),
    (lambda: sample_k_dpp((np.ones(2), np.where(np.eye(4)[:, :2] == 1, np.inf, 0.0)), 1),
     ValueError, "NaN"),
    (lambda: sample_dpp((np.array([np.nan, 1.0]), np.eye(4)[:, :2])), ValueError, "eigenvalues"),
    (lambda: sample_dpp(([1.0], )), TypeError, "pair"),
    (lambda: sample_k_dpp(np.eye(4), 5), ValueError, "k"),
    (lambda: sample_k_dpp(np.diag([1.0, 1.0, 0.0]), 3), ValueError, "rank"),
    (lambda: sample_k_dpp(np.eye(4), -1), ValueError, "k"),
    (lambda: sample_k_dpp(np.eye(4), 1.5), TypeError, "k"),
    (lambda: sample_k_dpp(np.eye(4), 2, rng="x"), (TypeError, ValueError), "rng"),
    (lambda: sample_k_dpp("kernel", 2), (TypeError, ValueError), "L"),
    (lambda: sample_k_dpp(3.0, 1), (TypeError, ValueError), "L"),
    (lambda: sample_dpp(None), (TypeError, ValueError), "L"),
])
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_edge_cases():
    assert sample_k_dpp(np.eye(4), 0, rng=0).size == 0
    assert sample_dpp(np.zeros((5, 5)), rng=0).size == 0
    assert sorted(sample_k_dpp(np.eye(4), 4, rng=0).tolist()) == [0, 1, 2, 3]
    # a square feature matrix, named explicitly
    B = _feature_matrix(5, 5, 3)
    assert sample_k_dpp(B, 2, rng=0, form="factor").shape == (2,)


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 40), D=st.integers(1, 12), seed=st.integers(0, 2**16),
       dtype=st.sampled_from([np.float32, np.float64]), sparse=st.booleans(),
       scale=st.sampled_from([1e-100, 1.0, 1e100]))
def test_hypothesis_sizes(N, D, seed, dtype, sparse, scale):
    # float32 cannot hold 1e±100: scaled cases are float64
    B = (_feature_matrix(N, D, seed) * (scale if dtype == np.float64 else 1.0)).astype(dtype)
    arg = sp.csr_matrix(B) if sparse else B
    S = sample_dpp(arg, rng=seed, form="factor")
    assert len(set(S.tolist())) == len(S) <= min(N, D)
    r = np.linalg.matrix_rank(B.astype(np.float64))
    k = min(r, 3)
    S = sample_k_dpp(arg, k, rng=seed, form="factor")
    assert S.shape == (k,) and len(set(S.tolist())) == k and (S < N).all()
