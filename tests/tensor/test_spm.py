"""Subspace power method, SS-HOPM and the symmetric-tensor helpers."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from sketchla import CPResult, SymmetricCP, moment_tensor, spm, spm_moments, sshopm
from sketchla.datasets import make_symmetric_tensor
from sketchla.tensor import cp_to_tensor, rank_limit
from sketchla.tensor._symmetric import symmetric_indices


def factor_error(A, B):
    """max over matched columns of min(‖a − b‖, ‖a + b‖), optimal matching."""
    C = np.abs(A.T @ B)
    r, c = linear_sum_assignment(-C)
    assert len(r) == A.shape[1] == B.shape[1]
    return np.max(np.minimum(np.linalg.norm(A[:, r] - B[:, c], axis=0),
                             np.linalg.norm(A[:, r] + B[:, c], axis=0)))


def weight_error(res, w, A):
    C = np.abs(A.T @ res.factors)
    r, c = linear_sum_assignment(-C)
    return np.max(np.abs(np.sort(w) - np.sort(np.abs(res.weights))))


@pytest.mark.parametrize("d,m,R", [
    (5, 3, 5), (20, 3, 15), (8, 4, 20), (20, 4, 50), (6, 5, 15), (5, 6, 30), (8, 6, 60),
])
def test_planted_exact_recovery(d, m, R):
    T, w, A = make_symmetric_tensor(d, m, R, rng=1)
    res = spm(T, rng=0)
    assert isinstance(res, CPResult)
    assert res.rank == R  # rank estimated from the spectrum
    assert factor_error(A, res.factors) <= 1e-8
    assert weight_error(res, w, A) <= 1e-8
    assert np.linalg.norm(res.reconstruct() - T) <= 1e-10 * np.linalg.norm(T)
    np.testing.assert_allclose(np.linalg.norm(res.factors, axis=0), 1.0, atol=1e-12)
    assert np.all(np.diff(np.abs(res.weights)) <= 0)


@pytest.mark.slow
@pytest.mark.parametrize("d,m,R", [(40, 4, 200), (100, 3, 100), (10, 6, 100), (30, 4, 150)])
def test_planted_exact_recovery_large(d, m, R):
    T, w, A = make_symmetric_tensor(d, m, R, rng=2)
    res = spm(T, rng=0)
    assert res.rank == R
    assert factor_error(A, res.factors) <= 1e-8
    assert np.linalg.norm(res.reconstruct() - T) <= 1e-10 * np.linalg.norm(T)


def test_signed_weights_even_order():
    g = np.random.default_rng(3)
    A = g.standard_normal((10, 12))
    A /= np.linalg.norm(A, axis=0)
    w = g.uniform(1, 2, 12) * np.where(np.arange(12) % 3 == 0, -1, 1)
    T = cp_to_tensor(w, A, 4)
    res = spm(T, rng=0)
    assert factor_error(A, res.factors) <= 1e-8
    np.testing.assert_allclose(np.sort(res.weights), np.sort(w), atol=1e-8)


def test_given_rank_and_limits():
    T, w, A = make_symmetric_tensor(6, 4, 8, rng=4)
    res = spm(T, rank=8, rng=0)
    assert res.rank == 8 and factor_error(A, res.factors) <= 1e-8
    assert rank_limit(6, 4) == 21 and rank_limit(6, 3) == 6 and rank_limit(6, 5) == 21
    with pytest.raises(ValueError, match="identifiable limit"):
        spm(T, rank=22)
    with pytest.warns(RuntimeWarning, match="fitted to noise"):
        spm(T, rank=10, rng=0)


@pytest.mark.parametrize("sigma", [1e-6, 1e-4, 1e-2])
def test_noise_error_scales_with_sigma(sigma):
    T, w, A = make_symmetric_tensor(10, 4, 8, noise=sigma, rng=5)
    res = spm(T, rank=8, rng=0)
    err = factor_error(A, res.factors)
    assert sigma / 100 < err < 100 * sigma


def test_noise_errors_are_proportional():
    errs = []
    for sigma in (1e-7, 1e-5, 1e-3):
        T, w, A = make_symmetric_tensor(12, 4, 10, noise=sigma, rng=6)
        errs.append(factor_error(A, spm(T, rank=10, rng=0).factors))
    ratios = np.array(errs[1:]) / np.array(errs[:-1])
    assert np.all((ratios > 10) & (ratios < 1000))  # ≈ 100 per factor-100 step


def test_spm_beats_rank_above_dimension():
    # R > d: the regime where the tensor power method with deflation fails
    T, w, A = make_symmetric_tensor(20, 4, 40, rng=7)
    res = spm(T, rng=0)
    assert np.linalg.norm(res.reconstruct() - T) <= 1e-10 * np.linalg.norm(T)


def test_reproducible():
    T, _, _ = make_symmetric_tensor(8, 4, 10, rng=8)
    a, b = spm(T, rng=3), spm(T, rng=3)
    np.testing.assert_array_equal(a.factors, b.factors)


def test_verbose(capsys):
    T, _, _ = make_symmetric_tensor(6, 3, 4, rng=9)
    spm(T, rng=0, verbose=2)
    err = capsys.readouterr().err
    assert "spm (order 3, d=6, rank 4): 1/4" in err and "components" in err


@pytest.mark.parametrize("T,exc,match", [
    (np.ones((3, 3)), ValueError, "order >= 3"),
    (np.ones((3, 3, 4)), ValueError, "square"),
    (np.arange(27.0).reshape(3, 3, 3), ValueError, "not symmetric"),
    (np.full((3, 3, 3), np.nan), ValueError, "NaN"),
    (np.ones((3, 3, 3), complex), TypeError, "real"),
    (np.zeros((3, 3, 3)), ValueError, "zero"),
])
def test_bad_tensors(T, exc, match):
    with pytest.raises(exc, match=match):
        spm(T)


def test_bad_options():
    T, _, _ = make_symmetric_tensor(5, 3, 3, rng=10)
    with pytest.raises(ValueError, match="max_iter"):
        spm(T, max_iter=0)
    with pytest.raises(ValueError, match="grad_tol"):
        spm(T, grad_tol=-1)
    with pytest.raises(TypeError, match="rank"):
        spm(T, rank=2.5)


def test_sym_tol_accepts_rounding():
    T, _, _ = make_symmetric_tensor(5, 3, 3, rng=11)
    T2 = T + 1e-12 * np.random.default_rng(0).standard_normal(T.shape)
    spm(T2, rng=0)  # within the default tolerance
    with pytest.raises(ValueError, match="not symmetric"):
        spm(T2, sym_tol=1e-14)


def test_symmetric_indices_enumeration():
    for d, n in [(3, 2), (4, 3), (2, 4)]:
        lin, mult, find = symmetric_indices(d, n)
        assert lin.size == math.comb(d + n - 1, n)
        assert mult.sum() == d**n
        counts = np.bincount(find, minlength=lin.size)
        np.testing.assert_array_equal(counts, mult)
        for i, idx in enumerate(itertools.product(range(d), repeat=n)):
            assert lin[find[i]] == np.ravel_multi_index(tuple(sorted(idx)), (d,) * n)


def test_moment_tensor_and_spm_moments():
    g = np.random.default_rng(12)
    d, R, n = 6, 8, 4000
    A = g.standard_normal((d, R))
    A /= np.linalg.norm(A, axis=0)
    labels = g.integers(0, R, n)
    s = g.uniform(0.5, 1.5, n)
    X = s[:, None] * A[:, labels].T
    for order in (3, 4):
        M = moment_tensor(X, order)
        exact = cp_to_tensor(np.bincount(labels, s**order, R) / n, A, order)
        np.testing.assert_allclose(M, exact, atol=1e-12)
        res = spm_moments(X, order, rng=0)
        assert res.rank == (R if order == 4 else d)  # order 3 caps the rank at d
        if order == 4:
            assert factor_error(A, res.factors) <= 1e-8
            np.testing.assert_allclose(res.reconstruct(), M, atol=1e-10)


def test_moment_tensor_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        moment_tensor(np.ones(3), 3)
    with pytest.raises(ValueError, match="order"):
        spm_moments(np.ones((4, 2)), 2)


@settings(max_examples=20, deadline=None)
@given(d=st.integers(2, 7), m=st.integers(3, 5), frac=st.floats(0.1, 1.0),
       seed=st.integers(0, 2**16))
def test_hypothesis_planted(d, m, frac, seed):
    R = max(1, int(frac * min(rank_limit(d, m), 3 * d) * 0.5))
    T, w, A = make_symmetric_tensor(d, m, R, rng=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = spm(T, rank=R, rng=seed)
    assert res.factors.shape == (d, R)
    assert np.all(np.isfinite(res.weights))
    assert np.linalg.norm(res.reconstruct() - T) <= 1e-6 * np.linalg.norm(T)


# ------------------------------------------------------------------- SS-HOPM


@pytest.mark.parametrize("m", [3, 4, 5])
@pytest.mark.parametrize("shift", ["adaptive", "large"])
def test_sshopm_monotone_and_eigenpair(m, shift):
    T, _, _ = make_symmetric_tensor(8, m, 5, noise=0.1, rng=13)
    alpha = "adaptive" if shift == "adaptive" else (m - 1) * np.abs(T).sum()
    for seed in range(5):
        with warnings.catch_warnings():
            # a large fixed shift is slow on purpose: 300 steps check the ascent only
            warnings.filterwarnings("ignore", "sshopm did not converge", RuntimeWarning)
            res = sshopm(T, shift=alpha, rng=seed,
                         max_iter=20000 if shift == "adaptive" else 300)
        lam, x = res
        h = np.array(res.history)
        assert np.all(np.diff(h) >= -1e-12 * np.abs(h).max())  # monotone ascent
        if shift == "adaptive":
            assert res.converged
            g = T
            for _ in range(m - 1):
                g = g @ x
            assert np.linalg.norm(g - lam * x) <= 1e-5 * abs(lam)
            assert abs(np.linalg.norm(x) - 1) < 1e-12


def test_sshopm_finds_orthogonal_components():
    # orthogonally decomposable tensor: the local maxima are the components
    Q = np.linalg.qr(np.random.default_rng(14).standard_normal((6, 6)))[0]
    w = np.array([3.0, 2.5, 2.0, 1.5, 1.2, 1.0])
    T = cp_to_tensor(w, Q, 4)
    found = set()
    for seed in range(30):
        lam, x = sshopm(T, rng=seed)
        j = int(np.argmax(np.abs(Q.T @ x)))
        assert abs(abs(Q[:, j] @ x) - 1) < 1e-5 and abs(lam - w[j]) < 1e-8
        found.add(j)
    assert len(found) >= 4


def test_sshopm_bad_input():
    T, _, _ = make_symmetric_tensor(4, 3, 2, rng=15)
    with pytest.raises(ValueError, match="x0"):
        sshopm(T, x0=np.zeros(4))
    with pytest.raises(ValueError, match="x0"):
        sshopm(T, x0=np.ones(3))
    with pytest.raises(ValueError, match="shift"):
        sshopm(T, shift="fast")


# ---------------------------------------------------------------- estimator


def test_symmetric_cp_estimator():
    T, w, A = make_symmetric_tensor(10, 4, 12, rng=16)
    cp = SymmetricCP(random_state=0).fit(T)
    assert cp.rank_ == 12 and cp.order_ == 4 and cp.n_iter_ > 0
    assert factor_error(A, cp.factors_) <= 1e-8
    np.testing.assert_allclose(cp.reconstruct(), T, atol=1e-10)
    assert cp.get_params()["rank"] is None
    from sklearn.base import clone
    assert clone(cp).get_params() == cp.get_params()
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        SymmetricCP().reconstruct()


# --- noisy tensors: the rank from the spectral gap, errors proportional to the noise

def _angle(A, B):
    """Largest angle (radians) between matched factor columns, up to sign."""
    C = np.abs(A.T @ B)
    r, c = linear_sum_assignment(-C)
    return float(np.max(np.arccos(np.clip(C[r, c], 0.0, 1.0))))


NOISY_CASES = [(10, 3, 8), (20, 3, 15), (12, 4, 15), (20, 4, 50), (6, 6, 30), (8, 6, 40)]


@pytest.mark.parametrize("d,m,R", NOISY_CASES)
def test_noisy_rank_from_the_gap_and_error_proportional_to_noise(d, m, R):
    from sketchla.tensor.spm import GAP_FACTOR

    ratios = []
    for sigma in (1e-6, 1e-5, 1e-4, 1e-3, 1e-2):
        T, w, A = make_symmetric_tensor(d, m, R, noise=sigma, rng=11)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            res = spm(T, rng=0)
        s = res.spectrum
        if s[R - 1] / s[R] < GAP_FACTOR:
            continue  # no stated guarantee without a gap of GAP_FACTOR
        assert res.rank == R, (sigma, res.gap)
        assert res.gap == pytest.approx(s[R - 1] / s[R])
        assert res.noise_level == pytest.approx(s[R])
        # first-order perturbation: the angle error is a constant times sigma
        ratios.append(_angle(A, res.factors) / sigma)
    assert len(ratios) >= 3  # the gap holds at the lower noise levels
    assert 0.01 < min(ratios) and max(ratios) < 100
    assert max(ratios) / min(ratios) < 3


def _symmetric_noise(d, m, rng):
    """A symmetric Gaussian tensor with unit Frobenius norm."""
    _, mult, find = symmetric_indices(d, m)
    E = (np.random.default_rng(rng).standard_normal(mult.size) / np.sqrt(mult))[find]
    return (E / np.linalg.norm(E)).reshape((d,) * m)


def test_noisy_rank_with_a_dominant_component():
    # the largest gap of the spectrum is after the first value; the tail
    # behind it is signal, not a noise bulk, so the rank is R
    g = np.random.default_rng(12)
    A = g.standard_normal((12, 15))
    A /= np.linalg.norm(A, axis=0)
    w = np.r_[1000.0, g.uniform(1, 2, 14)]
    T = cp_to_tensor(w, A, 4)
    T = T + 2e-5 * np.linalg.norm(T) * _symmetric_noise(12, 4, 13)
    res = spm(T, rng=0)
    s = res.spectrum
    assert s[0] / s[1] > s[14] / s[15] > 10  # the first gap is the larger one
    assert res.rank == 15
    assert _angle(A, res.factors) < 0.05


def test_rank_is_scale_invariant_under_noise():
    T, w, A = make_symmetric_tensor(10, 4, 12, noise=1e-3, rng=14)
    base = spm(T, rng=0)
    for scale in (1e-150, 1e150):
        res = spm(T * scale, rng=0)
        assert res.rank == base.rank == 12
        assert res.gap == pytest.approx(base.gap, rel=1e-9)
        assert res.noise_level == pytest.approx(base.noise_level * scale, rel=1e-9)
        # under noise the deflation order may differ; the factors agree to
        # well within the noise
        assert _angle(base.factors, res.factors) < 1e-3


def test_pure_noise_warns():
    with pytest.warns(RuntimeWarning, match="no clear gap|not identifiable"):
        spm(_symmetric_noise(8, 4, 15), rng=0)


def test_overestimated_rank_stops_early_with_a_warning():
    # a tiny explicit eig_tol counts noise eigenvalues as signal; the extraction
    # stops once components read as noise, and says so
    T, w, A = make_symmetric_tensor(20, 3, 15, noise=1e-2, rng=1)
    with pytest.warns(RuntimeWarning, match="stopped after 15 of 20"):
        res = spm(T, rng=0, eig_tol=1e-6)
    assert res.rank == 15 and res.weights.size == 15
    assert _angle(A, res.factors) < 0.05


def test_given_rank_above_the_gap_warns():
    T, w, A = make_symmetric_tensor(12, 4, 15, noise=1e-3, rng=1)
    with pytest.warns(RuntimeWarning, match="fitted to noise"):
        res = spm(T, rank=17, rng=0)
    assert res.rank == 17  # a given rank is honoured


def test_full_rank_even_order_warns():
    T, w, A = make_symmetric_tensor(4, 4, 10, rng=16)  # rank_limit(4, 4) = 10
    with pytest.warns(RuntimeWarning, match="not identifiable"):
        spm(T, rank=10, rng=0)


def test_a_given_small_rank_takes_the_leading_eigenpairs_only():
    """rank given and 2·rank + 20 ≤ N/8 (N ≥ 1024): ARPACK's leading
    eigenpairs instead of the full eigh; the same components, gap and noise
    level as the full factorization, and the leading spectrum only."""
    import sys

    from sketchla.tensor._spm_decompose import topk_size

    assert topk_size((3240, 3240), 5) == 30 and topk_size((3240, 3240), None) is None
    assert topk_size((1000, 1000), 5) is None and topk_size((3240, 3240), 200) is None
    T, _, _ = make_symmetric_tensor(46, 4, 4, noise=0.01, rng=3)   # N = 1081
    fast = spm(T, rank=4, rng=0)
    mod = sys.modules["sketchla.tensor.spm"]
    keep = mod.topk_size
    mod.topk_size = lambda shape, rank: None
    try:
        full = spm(T, rank=4, rng=0)
    finally:
        mod.topk_size = keep
    assert fast.spectrum.size == 28 and full.spectrum.size == 1081
    np.testing.assert_allclose(fast.spectrum, full.spectrum[:28], rtol=1e-10)
    cos = np.abs(fast.factors.T @ full.factors).max(axis=1)
    assert cos.min() >= 1 - 1e-9
    np.testing.assert_allclose(np.sort(fast.weights), np.sort(full.weights), rtol=1e-6)
    assert fast.gap == pytest.approx(full.gap, rel=1e-8)
    assert fast.noise_level == pytest.approx(full.noise_level, rel=1e-8)
