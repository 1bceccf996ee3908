"""approx_matmul with oblivious sketches: unbiased, error ∝ 1/√m."""

import numpy as np
import pytest
import scipy.sparse as sp

from sketchla import approx_matmul

KINDS = ["gaussian", "srht", "countsketch", "sparse_sign", "priority", "threshold"]


@pytest.mark.parametrize("method", KINDS)
def test_unbiased_and_error_shrinks(method):
    g = np.random.default_rng(0)
    A = g.standard_normal((2000, 6))
    B = A @ g.standard_normal((6, 4)) + g.standard_normal((2000, 4))
    exact = A.T @ B
    scale = np.linalg.norm(A) * np.linalg.norm(B)
    ests = np.array([approx_matmul(A, B, 64, sketch=method, rng=s) for s in range(300)])
    # unbiased: the Monte Carlo mean error is ~ per-draw error / sqrt(300)
    per_draw = np.sqrt(np.mean([np.linalg.norm(e - exact) ** 2 for e in ests]))
    assert np.linalg.norm(ests.mean(0) - exact) <= 4 * per_draw / np.sqrt(300)
    # E‖(SA)ᵀSB − AᵀB‖_F² ≤ 2‖A‖²‖B‖²/m for these sketches: error ~ 1/√m
    assert per_draw <= np.sqrt(2 / 64) * scale
    big = np.sqrt(np.mean([np.linalg.norm(approx_matmul(A, B, 1024, sketch=method, rng=s)
                                          - exact) ** 2 for s in range(30)]))
    assert big <= 0.5 * per_draw


def test_sparse_inputs_and_same_operator():
    g = np.random.default_rng(1)
    A = sp.random(3000, 20, density=0.05, format="csr", random_state=1)
    B = sp.random(3000, 7, density=0.05, format="csr", random_state=2)
    est = approx_matmul(A, B, 500, sketch="sparse_sign", rng=0)
    dense = approx_matmul(A.toarray(), B.toarray(), 500, sketch="sparse_sign", rng=0)
    assert isinstance(est, np.ndarray) and est.shape == (20, 7)
    np.testing.assert_allclose(est, dense, atol=1e-12)
    # one shared operator: A = B gives a symmetric PSD estimate
    AtA = approx_matmul(A, A, 500, sketch="countsketch", rng=0)
    np.testing.assert_allclose(AtA, AtA.T)
    assert np.linalg.eigvalsh(AtA).min() >= -1e-10
    del g


def test_errors():
    A = np.ones((10, 2))
    with pytest.raises(ValueError, match="same number of rows"):
        approx_matmul(A, np.ones((11, 2)), 4)
    with pytest.raises(ValueError, match="sketch must be one of"):
        approx_matmul(A, A, 4, sketch="fft")
    with pytest.raises(ValueError, match="sketch_size must be >= 1"):
        approx_matmul(A, A, 0)
    with pytest.raises(ValueError, match="2-D"):
        approx_matmul(np.ones(10), A, 4)

