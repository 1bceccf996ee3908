"""reg="auto" and rank="auto": the ridge and the rank chosen on held-out entries."""

import warnings

import numpy as np
import pytest

from sketchla import AltMinCompletion, RegPath, altmin_complete
from sketchla.datasets import make_low_rank_completion


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(*args, **kwargs)


def _noisy(sigma, seed=0, m=300, n=200, rank=3, fraction=0.3):
    X, U, V = make_low_rank_completion(m, n, rank, fraction=fraction, rng=seed)
    X = X.tocsr(copy=True)
    X.data += sigma * np.random.default_rng(seed + 1).standard_normal(X.nnz)
    return X, U @ V.T


def test_exact_low_rank_ends_at_zero_and_recovers():
    X, U, V = make_low_rank_completion(300, 200, 3, fraction=0.3, rng=0)
    res = altmin_complete(X, 3, rng=0)
    assert res.reg == 0.0 and res.reg_path.reg == 0.0
    M = U @ V.T
    assert np.linalg.norm(res.toarray() - M) < 1e-6 * np.linalg.norm(M)


def test_noise_gives_a_ridge_that_beats_none():
    X, M = _noisy(0.5)
    obs = X.toarray() != 0
    auto = _quiet(altmin_complete, X, 8, rng=0)
    none = _quiet(altmin_complete, X, 8, reg=0.0, rng=0)
    assert auto.reg > 0
    err = {k: np.linalg.norm((r.toarray() - M)[~obs]) for k, r in (("auto", auto), ("none", none))}
    assert err["auto"] < 0.75 * err["none"]
    path = auto.reg_path
    assert path.regs.shape == path.scores.shape and path.n_heldout > 0
    assert path.score == path.scores.min() and path.score < path.baseline


def test_rank_above_the_identifiability_limit_is_allowed_with_a_ridge():
    X, _ = _noisy(0.3, m=60, n=50, fraction=0.2)
    rank = 40                      # 40·(60 + 50 − 40) = 2800 > 600 entries
    with pytest.raises(ValueError, match="degrees of freedom"):
        altmin_complete(X, rank, reg=0.0, rng=0)
    res = _quiet(altmin_complete, X, rank, rng=0)
    assert res.reg > 0 and np.isfinite(res.U).all()


def test_rank_auto_finds_a_rank_that_carries_the_signal():
    X, M = _noisy(0.1)
    res = _quiet(altmin_complete, X, "auto", rng=0)
    assert res.U.shape[1] >= 3
    obs = X.toarray() != 0
    assert np.linalg.norm((res.toarray() - M)[~obs]) < 0.1 * np.linalg.norm(M[~obs])
    est = _quiet(AltMinCompletion(rank="auto", random_state=0).fit, X)
    assert est.rank_ == res.U.shape[1] and est.reg_ == res.reg


def test_rank_auto_needs_a_held_out_choice():
    X, _ = _noisy(0.1)
    with pytest.raises(ValueError, match="rank"):
        altmin_complete(X, "auto", reg=0.1)
    with pytest.raises(ValueError, match="rank"):
        altmin_complete(X, "auto", sample_splitting=True)


def test_warning_when_worse_than_the_baseline():
    path = RegPath(0.1, np.array([0.2, 0.1]), np.array([1.3, 1.2]), 1.0, 50, biases=True)
    with pytest.warns(RuntimeWarning, match="worse than the mean plus row and column biases"):
        path.warn_if_worse()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RegPath(0.1, np.array([0.1]), np.array([0.9]), 1.0, 50).warn_if_worse()


def test_auto_is_scale_equivariant():
    X, _ = _noisy(0.5)
    a = _quiet(altmin_complete, X, 4, rng=0)
    b = _quiet(altmin_complete, X * 1e6, 4, rng=0)
    assert b.reg == pytest.approx(1e6 * a.reg, rel=1e-6)
    np.testing.assert_allclose(b.toarray(), 1e6 * a.toarray(), rtol=1e-6, atol=1e-6 * 1e6)
