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
