"""Scale equivariance: inputs scaled by 1e±150 give the scaled answer.

Each case computes a result on data multiplied by ``c`` and maps it back by
the power of ``c`` the mathematics says (scores and samples are invariant;
a least-squares or ℓ1 solution is invariant when A and b scale together;
tensor weights, eigenvalues and completed entries scale by c)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sketchla
from sketchla.datasets import make_low_rank_completion, make_symmetric_tensor

SCALES = [1e-150, 1e150]
_g = np.random.default_rng(0)
A = _g.standard_normal((600, 6))
A[:, 5] = A[:, 0] - A[:, 1] + 1e-3 * _g.standard_normal(600)
B = _g.standard_normal((600, 3))
b = A @ np.arange(6.0) + _g.standard_cauchy(600)
S = sp.random(800, 8, density=0.3, format="csr", random_state=1)
T4, _, _ = make_symmetric_tensor(8, 4, 10, rng=0)
XC, _, _ = make_low_rank_completion(200, 150, 3, fraction=0.4, rng=0)


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


# name -> (f(c) -> result mapped back to scale 1, tolerance)
CASES = {
    "leverage dense": (lambda c: sketchla.leverage_scores(A * c), 1e-12),
    "leverage sparse": (lambda c: sketchla.leverage_scores(S * c), 1e-12),
    "leverage approx": (lambda c: sketchla.leverage_scores(A * c, method="approx", rng=0),
                        1e-9),
    "lewis p=1": (lambda c: sketchla.lewis_weights(A * c, 1), 1e-9),
    "lewis p=5": (lambda c: sketchla.lewis_weights(A * c, 5), 1e-7),
    "lstsq": (lambda c: sketchla.lstsq(A * c, b * c, rng=0).x, 1e-9),
    "sketch_and_solve": (lambda c: sketchla.sketch_and_solve(A * c, b * c, rng=0), 1e-9),
    "lp_regression p=1": (lambda c: sketchla.lp_regression(A * c, b * c, 1, rng=0), 1e-7),
    "sample_rows": (lambda c: sketchla.sample_rows(A * c, 50, p=1, scores="lewis",
                                                   rng=0).indices, 0),
    "coordinated rows": (lambda c: sketchla.estimate_product(
        sketchla.coordinated_sketch(A * c, 80, seed=3),
        sketchla.coordinated_sketch(B / c, 80, seed=3)), 1e-12),
    "coordinated entries": (lambda c: sketchla.estimate_product(
        sketchla.coordinated_sketch(A * c, 300, seed=3, level="entry"),
        sketchla.coordinated_sketch(B / c, 300, seed=3, level="entry")), 1e-12),
    "sample_volume": (lambda c: np.sort(sketchla.sample_volume(A * c, 10, rng=0)), 0),
    "spm": (lambda c: sketchla.spm(T4 * c, rng=0).reconstruct() / c, 1e-9),
    "sshopm": (lambda c: sketchla.sshopm(T4 * c, rng=0)[0] / c, 1e-10),
    "altmin": (lambda c: sketchla.altmin_complete(XC * c, 3, rng=0).toarray() / c, 1e-9),
}


@pytest.mark.parametrize("c", SCALES)
@pytest.mark.parametrize("name", list(CASES))
def test_scaled_input_gives_the_scaled_answer(name, c):
    f, tol = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref, out = f(1.0), f(c)
    assert np.all(np.isfinite(np.asarray(out, float)))
    if tol == 0:
        np.testing.assert_array_equal(out, ref)
    else:
        assert _rel(out, ref) <= tol


def test_spm_at_the_extremes_neither_hangs_nor_calls_the_tensor_zero():
    ref = sketchla.spm(T4, rng=0)
    for c in (1e-170, 1e160):
        res = sketchla.spm(T4 * c, rng=0)
        assert res.rank == ref.rank
        np.testing.assert_allclose(res.weights / c, ref.weights, rtol=1e-9)


# the far ends of float64: 2^±520 (products of two entries leave the range),
# 2^±1000, and 2^-1030 (subnormal entries, 44 bits left of 53)
POW2 = [-1030, -1000, 520, 1000]
F = _g.standard_normal((400, 5))
y = F @ np.ones(5) + 0.1 * _g.standard_normal(400)
SP = sp.random(500, 6, density=0.4, format="csr", random_state=2)
ysp = SP @ np.ones(6) + 0.01 * _g.standard_normal(500)


def _subnormal_tol(e, tol):
    # entries at 2^-1030 carry 2^-44 relative precision, not 2^-53
    return max(tol, 1e-9) if e < -1021 else tol


# name -> (f(e) -> the result at scale 2^e mapped back to 2^0, tolerance)
EXTREME = {
    "lstsq dense": (lambda e: sketchla.lstsq(np.ldexp(F, e), np.ldexp(y, e), rng=0).x, 1e-12),
    "lstsq sparse": (lambda e: sketchla.lstsq(SP * 2.0**e if abs(e) < 1000 else
                                              sp.csr_matrix((np.ldexp(SP.data, e), SP.indices,
                                                             SP.indptr), SP.shape),
                                              np.ldexp(ysp, e), rng=0).x, 1e-10),
    "lstsq A only": (lambda e: np.ldexp(sketchla.lstsq(np.ldexp(F, e), y, rng=0).x, e)
                     if abs(e) <= 1000 else sketchla.lstsq(F, y, rng=0).x, 1e-12),
    "range_finder": (lambda e: (lambda Q: Q @ Q.T)(sketchla.range_finder(np.ldexp(F, e), 3, rng=0)),
                     1e-12),
    "randomized_svd": (lambda e: np.ldexp(sketchla.randomized_svd(np.ldexp(F, e), 3, rng=0).s,
                                          -e), 1e-12),
    "nystrom": (lambda e: np.ldexp(sketchla.nystrom(np.ldexp(F.T @ F, e), 2, rng=0)[1], -e),
                1e-12),
    "approx_matmul": (lambda e: np.ldexp(sketchla.approx_matmul(
        np.ldexp(F, e), np.ldexp(F, -max(e, -1000)), 200, rng=0), -min(e + 1000, 0)), 1e-12),
    "sample_k_dpp": (lambda e: sketchla.sample_k_dpp(np.ldexp(F, e), 3, 0, form="factor"), 0),
    "sample_k_dpp kernel": (lambda e: sketchla.sample_k_dpp(np.ldexp(F[:60] @ F[:60].T, e), 3, 0),
                            0),
    "lp_regression": (lambda e: sketchla.lp_regression(np.ldexp(F, e), np.ldexp(y, e), 1,
                                                       rng=0), 1e-7),
    "quantile_regression": (lambda e: sketchla.quantile_regression(
        np.ldexp(F, e), np.ldexp(y, e), rng=0), 1e-7),
    "leverage": (lambda e: sketchla.leverage_scores(np.ldexp(F, e)), 1e-12),
}


@pytest.mark.parametrize("e", POW2)
@pytest.mark.parametrize("name", list(EXTREME))
def test_the_far_ends_of_float64_give_the_scaled_answer(name, e):
    f, tol = EXTREME[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        ref, out = f(0), f(e)
    assert np.all(np.isfinite(np.asarray(out, float)))
    if tol == 0:
        np.testing.assert_array_equal(out, ref)
    else:
        assert _rel(out, ref) <= _subnormal_tol(e, tol)


def test_results_beyond_the_range_are_named_errors_not_infinities():
    with pytest.raises(ValueError, match="AᵀB overflows"):
        sketchla.approx_matmul(np.ldexp(F, 520), np.ldexp(F, 520), 200, rng=0)
    with pytest.raises(ValueError, match="X is at a scale"):
        sketchla.CumulantICA(n_components=2, random_state=0).fit(np.ldexp(F, -1030))
    # a DPP kernel beyond the range: every eigenvector is kept (λ/(1+λ) = 1)
    S = sketchla.sample_dpp(np.ldexp(F, 520), 0, form="factor")
    assert S.size == 5


def test_sample_k_dpp_draws_the_same_items_from_csr_and_dense_input():
    for seed in range(5):
        np.testing.assert_array_equal(sketchla.sample_k_dpp(SP, 4, seed, form="factor"),
                                      sketchla.sample_k_dpp(SP.toarray(), 4, seed, form="factor"))
