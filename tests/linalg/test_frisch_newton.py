"""The Frisch–Newton interior point and the Portnoy–Koenker refinement
against HiGHS's simplex on the same check-loss programs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sketchla.linalg._frisch_newton import frisch_newton
from sketchla.linalg._quantile_refine import _reduced, refine_to_optimum
from sketchla.linalg.quantile import solve_weighted_check_loss


def _problem(n, d, seed, heavy=True):
    g = np.random.default_rng(seed)
    A = np.c_[g.standard_normal((n, d - 1)), np.ones(n)]
    if heavy:
        A[:3] *= 30
    b = A[:, :-1] @ g.standard_normal(d - 1) + g.standard_t(1.5, n)
    return A, b


def _loss(A, b, x, tau, linear=None):
    r = b - A @ x
    return np.sum(np.maximum(tau * r, (tau - 1) * r)) + (0 if linear is None else linear @ x)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(30, 600), d=st.integers(1, 6), tau=st.floats(0.05, 0.95),
       seed=st.integers(0, 2**16), lin=st.booleans())
def test_interior_point_reaches_the_simplex_optimum(n, d, tau, seed, lin):
    A, b = _problem(n, d, seed, heavy=False)
    g = np.random.default_rng(seed)
    # a linear term the rows can balance (the problem stays bounded): Aᵀy₀ for a
    # y₀ strictly inside the dual box [τ − 1, τ]
    linear = A.T @ (0.5 * g.uniform(tau - 1, tau, n)) if lin else None
    x_s = solve_weighted_check_loss(A, b, np.ones(n), tau, linear=linear)
    f_s = _loss(A, b, x_s, tau, linear)
    # the refinement's path: the interior point, HiGHS where it stalls
    x_r = _reduced(A, b, tau, 0.0, None, np.zeros(d) if linear is None else linear)[0]
    assert _loss(A, b, x_r, tau, linear) <= f_s + 1e-9 * max(abs(f_s), 1.0)
    try:
        x, y, gap = frisch_newton(A, b, tau, linear=linear)
    except RuntimeError:  # a stall is reported, never returned (counted below)
        return
    f = _loss(A, b, x, tau, linear)
    assert f <= f_s + 1e-9 * max(abs(f_s), 1.0)
    assert abs(gap) < 1e-9
    assert np.all(y >= tau - 1 - 1e-9) and np.all(y <= tau + 1e-9)
    np.testing.assert_allclose(A.T @ y, 0 if linear is None else linear,
                               atol=1e-7 * (1 + np.abs(A).sum(axis=0).max()))


def test_interior_point_stalls_are_rare():
    # small random problems (30–600 rows, heavy tails): the interior point
    # reaches the 1e-12 gap on all but a few; measured 3 stalls in 400
    rs = np.random.default_rng(123)
    stalls = 0
    for _ in range(200):
        n, d = int(rs.integers(30, 600)), int(rs.integers(1, 7))
        tau, seed = float(rs.uniform(0.05, 0.95)), int(rs.integers(0, 2**16))
        A, b = _problem(n, d, seed, heavy=False)
        try:
            frisch_newton(A, b, tau)
        except RuntimeError:
            stalls += 1
    assert stalls <= 4


@pytest.mark.parametrize("tau", [0.1, 0.5, 0.9])
def test_refinement_from_a_poor_start_still_ends_at_the_optimum(tau):
    A, b = _problem(20_000, 6, 1)
    x_s = solve_weighted_check_loss(A, b, np.ones(A.shape[0]), tau)
    bad = x_s + 0.5 * np.random.default_rng(2).standard_normal(6)  # many signs wrong
    x, cert = refine_to_optimum(lambda sel: A[sel], b, A.shape[0], 6, tau, 0.0, None, bad)
    np.testing.assert_allclose(x, x_s, rtol=1e-6, atol=1e-8)
    assert abs(cert.duality_gap) < 1e-9 and cert.n_rounds >= 2


def test_refinement_with_a_penalty_uses_the_simplex():
    A, b = _problem(8000, 5, 3)
    pen = np.array([True] * 4 + [False])
    x_s = solve_weighted_check_loss(A, b, np.ones(8000), 0.3, penalty=50.0, penalized=pen)
    x, cert = refine_to_optimum(lambda sel: A[sel], b, 8000, 5, 0.3, 50.0, pen,
                                rng=np.random.default_rng(0))
    f = _loss(A, b, x, 0.3) + 50 * np.abs(x[:4]).sum()
    f_s = _loss(A, b, x_s, 0.3) + 50 * np.abs(x_s[:4]).sum()
    assert f == pytest.approx(f_s, rel=1e-9) and abs(cert.duality_gap) < 1e-8
