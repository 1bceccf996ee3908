"""Moment tensors corrected for Gaussian noise, and the method-of-moments
estimators built on SPM: MomentGaussianMixture and CumulantICA."""

import itertools
import warnings
from math import comb

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from sketchla import CumulantICA, MomentGaussianMixture, spm_moments
from sketchla.datasets import make_gaussian_mixture
from sketchla.tensor._moments import (
    _matchings,
    corrected_flattening,
    data_flattening,
    gaussian_terms,
    signal_moments,
)
from sketchla.tensor._symmetric import moment_tensor
from sketchla.tensor.spm import _reduced_flattening


def _sym(T):
    perms = list(itertools.permutations(range(T.ndim)))
    return sum(T.transpose(p) for p in perms) / len(perms)


def _power(s, j):
    out = np.array(1.0)
    for _ in range(j):
        out = np.multiply.outer(out, s)
    return out


def _gaussian_moment(d, q):
    if q == 0:
        return np.array(1.0)
    return _matchings(np.indices((d,) * q).reshape(q, -1).T).reshape((d,) * q)


@pytest.mark.parametrize("m", [3, 4, 5, 6])
def test_gaussian_terms_match_the_binomial_expansion(m):
    # E[(s + σg)^{⊗m}] = Σ_i C(m, 2i) σ^{2i} sym(E[g^{⊗2i}] ⊗ s^{⊗(m−2i)}), s fixed
    d, sigma2 = 3, 0.49
    s = np.array([0.3, -1.2, 0.7])
    exact = sum(comb(m, 2 * i) * sigma2**i
                * _sym(np.multiply.outer(_gaussian_moment(d, 2 * i), _power(s, m - 2 * i)))
                for i in range(m // 2 + 1))
    lower = {j: _power(s, j) for j in range(m - 1)}
    full = np.indices((d,) * m).reshape(m, -1).T
    mine = _power(s, m) + gaussian_terms(full, sigma2, lower).reshape((d,) * m)
    np.testing.assert_allclose(mine, exact, atol=1e-12)
    red = corrected_flattening(_reduced_flattening(exact, d, m), d, m, sigma2, lower)
    np.testing.assert_allclose(red, _reduced_flattening(_power(s, m), d, m), atol=1e-12)


def test_gaussian_moment_counts_pairings():
    # E[g1^4] = 3, E[g1^2 g2^2] = 1, E[g1^6] = 15, odd = 0
    G4, G6 = _gaussian_moment(2, 4), _gaussian_moment(2, 6)
    assert G4[0, 0, 0, 0] == 3 and G4[0, 0, 1, 1] == 1 and G4[0, 1, 1, 1] == 0
    assert G6[0, 0, 0, 0, 0, 0] == 15 and G6[0, 0, 0, 0, 1, 1] == 3


@pytest.mark.parametrize("m", [3, 4, 5, 6])
def test_data_flattening_matches_the_dense_moment(m):
    X = np.random.default_rng(0).standard_normal((700, 4))
    np.testing.assert_allclose(data_flattening(X, m, block=256),
                               _reduced_flattening(moment_tensor(X, m), 4, m), atol=1e-12)


def test_data_flattening_array_api_strict():
    xs = pytest.importorskip("array_api_strict")
    X = np.random.default_rng(1).standard_normal((300, 3))
    np.testing.assert_allclose(np.asarray(data_flattening(xs.asarray(X), 4, block=100)),
                               data_flattening(X, 4), atol=1e-13)


def test_signal_moments_debias_the_sample_moments():
    g = np.random.default_rng(2)
    n = 200_000
    S = g.choice(2, n)[:, None] * np.array([[1.0, 2.0, 0.0]])
    X = S + 0.7 * g.standard_normal((n, 3))
    low = signal_moments(X, 3, 0.49)
    # sampling error of a moment of order j: O(1/√n) times its scale
    np.testing.assert_allclose(low[2], S.T @ S / n, atol=0.02)
    np.testing.assert_allclose(low[3], moment_tensor(S, 3), atol=0.06)


def _angles(A, B):
    C = np.abs(A.T @ B)
    r, c = linear_sum_assignment(-C)
    return np.degrees(np.arccos(np.clip(C[r, c], 0, 1)))


def test_spm_moments_debiased_overcomplete_fourth_moment():
    # x = r a_c + σ g with K = 8 > d = 5 directions: the debiased fourth moment is
    # Σ w r⁴ a^{⊗4}, overcomplete, and its rank is read from the gap
    g = np.random.default_rng(3)
    d, K, n, sigma = 5, 8, 400_000, 0.3
    A = g.standard_normal((d, K))
    A /= np.linalg.norm(A, axis=0)
    c = g.choice(K, n)
    X = A.T[c] + sigma * g.standard_normal((n, d))
    res = spm_moments(X, 4, rng=0, noise_variance=sigma**2)
    assert res.rank == K
    assert _angles(A, res.factors).max() < 2.0
    # without the correction the noise terms fill the spectrum: no rank-K gap
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        raw = spm_moments(X, 4, rank=K, rng=0)
    assert raw.spectrum[K - 1] / raw.spectrum[K] < res.gap / 10


def test_spm_moments_bad_noise_variance():
    X = np.random.default_rng(0).standard_normal((50, 3))
    with pytest.raises(ValueError, match="noise_variance"):
        spm_moments(X, 3, noise_variance=-1.0)
    with pytest.raises(TypeError, match="noise_variance"):
        spm_moments(X, 3, noise_variance="a")


# --- MomentGaussianMixture


def _mean_errors(M, T):
    C = np.linalg.norm(M[:, None, :] - T[None], axis=2)
    r, c = linear_sum_assignment(C)
    Mn = M[r] / np.linalg.norm(M[r], axis=1, keepdims=True)
    Tn = T[c] / np.linalg.norm(T[c], axis=1, keepdims=True)
    ang = np.degrees(np.arccos(np.clip(np.sum(Mn * Tn, axis=1), -1, 1)))
    return C[r, c].max(), ang.max(), r, c


def test_mixture_five_components_from_data():
    X, labels, means, weights = make_gaussian_mixture(400_000, 10, 5, rng=0)
    gm = MomentGaussianMixture(random_state=0).fit(X)
    assert gm.n_components_ == 5 and gm.moment_result_.rank == 5
    assert gm.moment_result_.gap > 10
    # the moment estimate alone: means within 1°, weights within 1%
    dist, ang, r, c = _mean_errors(gm.moment_means_, means)
    assert ang < 1.0
    np.testing.assert_allclose(gm.moment_weights_[r], weights[c], atol=0.01)
    # EM from it: no worse
    dist_em, ang_em, r, c = _mean_errors(gm.means_, means)
    assert dist_em <= dist * 1.05 and ang_em < 1.0
    assert gm.noise_variance_ == pytest.approx(1.0, rel=0.01)
    assert gm.converged_
    # labels up to the matching
    perm = np.empty(5, int)
    perm[r] = c
    assert np.mean(perm[gm.predict(X[:20000])] == labels[:20000]) > 0.95


def test_mixture_error_shrinks_like_one_over_root_n():
    errs = []
    for n in (20_000, 320_000):
        X, _, means, _ = make_gaussian_mixture(n, 8, 4, rng=1)
        gm = MomentGaussianMixture(n_components=4, max_iter=0, random_state=0).fit(X)
        errs.append(_mean_errors(gm.means_, means)[0])
    # 16x the samples: about 4x smaller error (allow 2x to 10x)
    assert 2 < errs[0] / errs[1] < 10


def test_mixture_known_noise_and_float32():
    X, _, means, _ = make_gaussian_mixture(100_000, 6, 3, noise=0.5, rng=4)
    a = MomentGaussianMixture(noise_variance=0.25, random_state=0).fit(X)
    b = MomentGaussianMixture(noise_variance=0.25, random_state=0).fit(X.astype(np.float32))
    assert a.n_components_ == b.n_components_ == 3
    np.testing.assert_allclose(a.means_, b.means_, atol=1e-3)
    assert _mean_errors(a.means_, means)[1] < 2.0


def test_mixture_scale_equivariant():
    X, _, means, _ = make_gaussian_mixture(50_000, 5, 3, rng=5)
    a = MomentGaussianMixture(random_state=0, max_iter=0).fit(X)
    for s in (1e-100, 1e100):
        b = MomentGaussianMixture(random_state=0, max_iter=0).fit(X * s)
        np.testing.assert_allclose(b.means_ / s, a.means_, rtol=1e-6, atol=1e-9)
        assert b.noise_variance_ / s**2 == pytest.approx(a.noise_variance_, rel=1e-6)


def test_mixture_bad_input():
    X = np.random.default_rng(0).standard_normal((100, 3))
    with pytest.raises(ValueError, match="n_components"):
        MomentGaussianMixture(n_components=4).fit(X)
    with pytest.raises(ValueError, match="noise_variance"):
        MomentGaussianMixture(noise_variance=-1).fit(X)
    with pytest.raises(ValueError, match="max_iter"):
        MomentGaussianMixture(max_iter=-1).fit(X)
    with pytest.raises(ValueError, match="NaN|finite"):
        MomentGaussianMixture().fit(np.full((10, 3), np.nan))
    gm = MomentGaussianMixture(n_components=2, random_state=0).fit(
        make_gaussian_mixture(5000, 3, 2, rng=0)[0])
    with pytest.raises(ValueError, match="features"):
        gm.predict(X[:, :2])


# --- CumulantICA


def _amari(W, A):
    P = np.abs(W @ A)
    n = P.shape[0]
    return ((P / P.max(1, keepdims=True)).sum() - n
            + (P / P.max(0, keepdims=True)).sum() - n) / (2 * n * (n - 1))


def _sources(n, g):
    return np.c_[g.uniform(-np.sqrt(3), np.sqrt(3), (n, 2)), g.laplace(size=(n, 2)) / np.sqrt(2),
                 g.exponential(size=(n, 2)) - 1]


def test_ica_separates_planted_sources():
    g = np.random.default_rng(6)
    S = _sources(200_000, g)
    A = g.standard_normal((6, 6))
    X = S @ A.T + g.standard_normal(6)
    ica = CumulantICA(random_state=0).fit(X)
    assert ica.n_components_ == 6
    assert _amari(ica.components_, A) < 0.01
    # excess kurtosis of uniform, Laplace, exponential: −1.2, 3, 6
    np.testing.assert_allclose(np.sort(ica.kurtosis_), [-1.2, -1.2, 3, 3, 6, 6], atol=0.6)
    Y = ica.transform(X)
    np.testing.assert_allclose(np.cov(Y.T), np.eye(6), atol=0.02)
    np.testing.assert_allclose(ica.inverse_transform(Y), X, atol=1e-8)


def test_ica_leaves_gaussian_sources_out():
    g = np.random.default_rng(7)
    S = np.c_[_sources(200_000, g)[:, :4], g.standard_normal((200_000, 2))]
    A = g.standard_normal((6, 6))
    with pytest.warns(RuntimeWarning, match="Gaussian sources"):
        ica = CumulantICA(random_state=0).fit(S @ A.T)
    assert ica.n_components_ == 4
    # each recovered source is one of the four non-Gaussian ones
    C = np.abs(np.corrcoef(ica.transform(S @ A.T).T, S[:, :4].T)[:4, 4:])
    assert np.all(C.max(axis=1) > 0.99)


def test_ica_error_shrinks_with_samples():
    g = np.random.default_rng(8)
    A = g.standard_normal((6, 6))
    errs = [_amari(CumulantICA(n_components=6, random_state=0).fit(
        _sources(n, np.random.default_rng(n)) @ A.T).components_, A) for n in (10_000, 160_000)]
    assert errs[1] < errs[0] / 2


def test_ica_bad_input():
    with pytest.raises(ValueError, match="n_components"):
        CumulantICA(n_components=5).fit(np.random.default_rng(0).standard_normal((50, 3)))
    with pytest.raises(ValueError, match="zero variance"):
        CumulantICA().fit(np.ones((20, 3)))
