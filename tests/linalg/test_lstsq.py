"""lstsq / sketch_and_solve: accuracy against LAPACK, the ℓ∞ experiment, errors."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import sketchla
from sketchla.datasets import make_ill_conditioned, make_sparse
from sketchla.linalg import RankDeficiencyWarning, lstsq, sketch_and_solve


def planted(n, d, cond, resid, rng, coherent=False):
    """A with condition number ``cond``, and b = A x* + r with r ⟂ range(A).

    x* is the least-squares solution up to the rounding of the projection
    (an error u·κ·‖r‖, below LAPACK's own forward error).
    """
    A = make_ill_conditioned(n, d, cond=cond, rng=rng, coherent=coherent)
    g = np.random.default_rng(rng)
    x = g.standard_normal(d)
    Q, _ = np.linalg.qr(A)
    r = g.standard_normal(n)
    r -= Q @ (Q.T @ r)
    r -= Q @ (Q.T @ r)
    r *= resid / np.linalg.norm(r)
    return A, x, A @ x + r


def exact_solution(A, b):
    """The least-squares solution of the *stored* (A, b), to working accuracy.

    LAPACK's answer polished by iterative refinement whose gradient
    Aᵀ(b − Ax) is evaluated in double-double and whose (AᵀA)⁻¹ comes from
    LAPACK's R (Björck's mixed-precision refinement). Needed because the
    planted x* is the solution only up to u·κ²·‖r‖: the planted residual is
    orthogonal to the range of a *computed* Q, which is also the Q that
    LAPACK's gelsd uses internally — comparing with x* would reward LAPACK
    for sharing the construction's rounding errors.
    """
    import scipy.linalg as sla

    from sketchla._kernels import accurate_gradient

    x = np.linalg.lstsq(A, b, rcond=None)[0]
    R = np.linalg.qr(A, mode="r")
    for _ in range(6):
        g, _ = accurate_gradient(A, x, b)
        x = x + sla.solve_triangular(R, sla.solve_triangular(R, g, trans=1))
    return x


def fwd(x, x_ref):
    return np.linalg.norm(x - x_ref) / np.linalg.norm(x_ref)


def backward(A, x, b):
    """Normwise backward-error proxy ‖Aᵀ(b − Ax)‖ / (‖A‖ ‖b − Ax‖ + ‖A‖² ‖x‖)."""
    r = b - A @ x
    nA = np.linalg.norm(A, 2)
    return np.linalg.norm(A.T @ r) / (nA * np.linalg.norm(r) + nA**2 * np.linalg.norm(x))


@pytest.mark.parametrize("cond", [1e2, 1e6, 1e10])
@pytest.mark.parametrize("resid", [0.0, 1e-6, 1.0])
@pytest.mark.parametrize("sketch", ["sparse_sign", "srht"])
def test_precondition_matches_lapack(cond, resid, sketch):
    A, x_true, b = planted(6000, 60, cond, resid, rng=int(np.log10(cond)))
    x_np = np.linalg.lstsq(A, b, rcond=None)[0]
    res = lstsq(A, b, sketch=sketch, rng=0)
    assert res.converged and res.method == "precondition" and res.rank == 60
    assert 1 <= res.n_iter <= 10
    eps = np.finfo(float).eps
    # forward error against the exact solution: no worse than LAPACK's
    x_star = exact_solution(A, b)
    assert fwd(res.x, x_star) <= 10 * fwd(x_np, x_star) + 10 * eps
    # and against the planted x*, within LAPACK's error bound u(κ + κ²‖r‖/‖A‖‖x‖)
    bound = eps * (cond + cond**2 * resid / np.linalg.norm(x_true))
    assert fwd(res.x, x_true) <= 10 * bound
    # backward error at the level of LAPACK's
    assert backward(A, res.x, b) <= 10 * backward(A, x_np, b) + 100 * eps
    np.testing.assert_allclose(res.residual_norm, np.linalg.norm(A @ res.x - b), rtol=1e-8,
                               atol=1e-300)


def test_coherent_and_unrefined_paths():
    # coherent rows: uniform sampling would fail; sketching must not
    A, x_true, b = planted(5000, 40, 1e8, 1e-3, rng=3, coherent=True)
    x_np = np.linalg.lstsq(A, b, rcond=None)[0]
    for refine in (True, False):
        res = lstsq(A, b, rng=1, refine=refine, max_iter=500)
        assert res.converged
        assert fwd(res.x, x_true) <= 10 * fwd(x_np, x_true) + 1e-14 * 1e8
    # without refinement LSQR needs many more iterations: the refinement is real
    r1 = lstsq(A, b, rng=1, refine=True)
    r0 = lstsq(A, b, rng=1, refine=False, max_iter=500)
    assert r1.n_iter < r0.n_iter


def test_sparse_input_is_not_densified(monkeypatch):
    A = make_sparse(20000, 80, density=0.05, rng=0)
    g = np.random.default_rng(1)
    b = A @ g.standard_normal(80) + 0.01 * g.standard_normal(20000)

    def boom(*a, **k):
        raise AssertionError("sparse A was densified")

    monkeypatch.setattr(sp.csr_matrix, "toarray", boom)
    monkeypatch.setattr(sp.csr_array, "toarray", boom, raising=False)
    res = lstsq(A, b, rng=0)
    monkeypatch.undo()
    x_np = np.linalg.lstsq(A.toarray(), b, rcond=None)[0]
    assert res.converged
    assert fwd(res.x, x_np) < 1e-10


def test_sparse_ill_conditioned_uses_sketch_preconditioner():
    g = np.random.default_rng(0)
    A = make_sparse(8000, 30, density=0.2, rng=0)
    A = A @ sp.diags(np.logspace(0, -7, 30))  # κ ≈ 1e7: u κ² too large for AᵀA
    b = A @ g.standard_normal(30) + 1e-3 * g.standard_normal(8000)
    x_np = np.linalg.lstsq(A.toarray(), b, rcond=None)[0]
    res = lstsq(A.tocsc(), b, rng=0, max_iter=300)
    assert res.converged
    assert fwd(res.x, x_np) < 1e-6


def test_multiple_rhs_and_float32():
    g = np.random.default_rng(5)
    A = g.standard_normal((4000, 30))
    B = A @ g.standard_normal((30, 3)) + 0.1 * g.standard_normal((4000, 3))
    res = lstsq(A, B, rng=0)
    assert res.x.shape == (30, 3) and res.residual_norm.shape == (3,)
    np.testing.assert_allclose(res.x, np.linalg.lstsq(A, B, rcond=None)[0], rtol=1e-10)
    A32, b32 = A.astype(np.float32), B[:, 0].astype(np.float32)
    r32 = lstsq(A32, b32, rng=0)
    assert r32.x.dtype == np.float32 and r32.converged
    x_np32 = np.linalg.lstsq(A32, b32, rcond=None)[0]
    x64 = np.linalg.lstsq(A, B[:, 0], rcond=None)[0]
    assert fwd(r32.x, x64) <= 10 * fwd(x_np32, x64) + 1e-6


def test_sketch_method_and_exact_method():
    g = np.random.default_rng(2)
    A = g.standard_normal((5000, 20))
    b = A @ g.standard_normal(20) + g.standard_normal(5000)
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    r_star = np.linalg.norm(A @ x_star - b)
    for sketch in ("srht", "gaussian", "sparse_sign", "countsketch"):
        res = lstsq(A, b, method="sketch", sketch=sketch, sketch_size=400, rng=0)
        assert res.method == "sketch" and res.sketch_size == 400
        # (1 + ε) residual with ε ~ d/m
        assert res.residual_norm <= (1 + 0.2) * r_star
    ex = lstsq(A, b, method="exact")
    np.testing.assert_allclose(ex.x, x_star, rtol=1e-12)
    # small problems: the default sketch would not be smaller than A
    small = lstsq(A[:35], b[:35], rng=0)
    assert small.method == "exact"


def test_same_seed_same_answer_dense_and_sparse():
    g = np.random.default_rng(3)
    A = g.standard_normal((3000, 10))
    b = g.standard_normal(3000)
    x1 = sketch_and_solve(A, b, sketch="sparse_sign", rng=7)
    x2 = sketch_and_solve(sp.csr_matrix(A), b, sketch="sparse_sign", rng=7)
    np.testing.assert_allclose(x1, x2, rtol=1e-10)


def test_rank_deficient_falls_back_with_warning():
    g = np.random.default_rng(4)
    A = g.standard_normal((3000, 10))
    A = np.hstack([A, A[:, :2]])  # rank 10 < 12 columns
    b = g.standard_normal(3000)
    with pytest.warns(RankDeficiencyWarning, match="rank 10 < 12"):
        res = lstsq(A, b, rng=0)
    assert res.method == "exact" and res.rank == 10
    np.testing.assert_allclose(res.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-10)
    # sparse A through the sketch (an explicit sketch size skips plain LSQR)
    with pytest.warns(RankDeficiencyWarning):
        res = lstsq(sp.csr_matrix(A), b, sketch_size=48, rng=0)
    assert res.rank == 10
    # the minimum-norm solution, also for sparse A
    np.testing.assert_allclose(res.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-6)
    # plain LSQR (the default's first route) from x = 0: the minimum-norm
    # solution too, though it cannot tell the rank
    res = lstsq(sp.csr_matrix(A), b, rng=0)
    assert res.method == "lsqr" and res.rank is None
    np.testing.assert_allclose(res.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-10)


def _scaled_sparse(n, d, cond, seed=0):
    g = np.random.default_rng(seed)
    nnz = n * d // 50
    A = sp.csr_matrix((g.standard_normal(nnz), (g.integers(0, n, nnz), g.integers(0, d, nnz))),
                      shape=(n, d))
    A = (A @ sp.diags(np.logspace(0, np.log10(cond), d))).tocsr()
    return A, A @ g.standard_normal(d) + g.standard_normal(n)


@pytest.mark.parametrize("cond, route", [(1.0, "lsqr"), (1e8, "precondition")])
@pytest.mark.parametrize("k", [None, 3])
def test_sparse_default_picks_plain_lsqr_only_when_it_is_cheaper(cond, route, k):
    """Plain LSQR finishes on a well-conditioned sparse A within the cost of
    the sketch; on an ill-conditioned one it is abandoned after a few steps
    and the preconditioned route gives LAPACK's answer all the same."""
    A, b = _scaled_sparse(20_000, 40, cond)
    B = b if k is None else np.stack([b, 2 * b, -b], axis=1)
    res = lstsq(A, B, rng=0)
    assert res.method == route and res.converged
    ref = np.linalg.lstsq(A.toarray(), B, rcond=None)[0]
    assert np.linalg.norm(res.x - ref) <= 1e-9 * cond * np.linalg.norm(ref)


def test_plain_lsqr_budget_stops_a_slow_start_early():
    from sketchla.linalg._plain_lsqr import lsqr_budget, plain_lsqr

    A, b = _scaled_sparse(20_000, 40, 1e6)
    assert plain_lsqr(A, b, 1e-15, lsqr_budget(A)) is None
    A, b = _scaled_sparse(20_000, 40, 1.0)
    x, it = plain_lsqr(A, b, 1e-15, lsqr_budget(A))
    assert it <= lsqr_budget(A)
    ref = np.linalg.lstsq(A.toarray(), b, rcond=None)[0]
    assert np.linalg.norm(x - ref) <= 1e-12 * np.linalg.norm(ref)
    assert plain_lsqr(A, np.zeros(A.shape[0]), 1e-15, 10)[1] == 0


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(A=np.full((100, 3), np.nan)), ValueError, "A must not contain NaN"),
        (dict(b=np.r_[np.inf, np.zeros(99)]), ValueError, "b must not contain NaN"),
        (dict(b=np.zeros(99)), ValueError, "mismatched lengths"),
        (dict(sketch_size=2), ValueError, "sketch_size must be >= 3"),
        (dict(sketch_size=101), ValueError, "sketch_size must be <="),
        (dict(A=np.zeros((0, 3)), b=np.zeros(0)), ValueError, "non-empty"),
        (dict(A=np.zeros((100, 3, 2))), ValueError, "2-D"),
        (dict(method="qr"), ValueError, "method must be one of"),
        (dict(sketch="fft"), ValueError, "sketch must be one of"),
        (dict(b=np.array(["a"] * 100)), TypeError, "b must hold real numbers"),
        (dict(A=np.ones((100, 3), dtype=complex)), TypeError, "complex"),
        (dict(tol=-1.0), ValueError, "tol must be > 0"),
        (dict(b=None), TypeError, "b must be an array"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = dict(A=np.random.default_rng(0).standard_normal((100, 3)), b=np.ones(100))
    args.update(kwargs)
    A, b = args.pop("A"), args.pop("b")
    with pytest.raises(exc, match=match):
        lstsq(A, b, **args)


def test_nan_in_sparse_and_inputs_untouched():
    A = sp.random(500, 5, density=0.3, format="csr", random_state=0)
    A.data[0] = np.nan
    with pytest.raises(ValueError, match="A must not contain NaN"):
        lstsq(A, np.ones(500))
    g = np.random.default_rng(0)
    A = g.standard_normal((2000, 8))
    b = g.standard_normal(2000)
    A0, b0 = A.copy(), b.copy()
    lstsq(A, b, rng=0)
    sketch_and_solve(A, b, rng=0)
    assert np.array_equal(A, A0) and np.array_equal(b, b0)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(40, 600),
    d=st.integers(1, 12),
    dtype=st.sampled_from([np.float64, np.float32]),
    sparse=st.booleans(),
    sketch=st.sampled_from(["sparse_sign", "srht", "gaussian", "countsketch"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_precondition_agrees_with_lapack_hypothesis(n, d, dtype, sparse, sketch, seed):
    g = np.random.default_rng(seed)
    A = g.standard_normal((n, d)).astype(dtype)
    if sparse:
        A[g.random((n, d)) < 0.5] = 0
        A[np.arange(d), np.arange(d)] = 1.0 + np.abs(A[np.arange(d), np.arange(d)])
        A = sp.csr_matrix(A)
    b = g.standard_normal(n).astype(dtype)
    Ad = A.toarray() if sparse else A
    x_ref = np.linalg.lstsq(Ad.astype(np.float64), b.astype(np.float64), rcond=None)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficiencyWarning)
        res = lstsq(A, b, sketch=sketch, sketch_size=min(n, 4 * d + 8), rng=seed)
    assert res.x.dtype == dtype and res.x.shape == (d,)
    kappa = np.linalg.cond(Ad.astype(np.float64))
    tol = (1e-9 if dtype == np.float64 else 2e-3) * max(1.0, kappa)
    assert fwd(res.x, x_ref) <= tol or res.method == "exact"


# ------------------------------------------------------------- ℓ∞ experiment
def _linf_instance(n, d, n_spikes, rng):
    """Price–Song–Woodruff-style hard case for sparse sketches.

    A = [I_d; 0] (so ‖A†‖ = 1) and the optimal residual r* is a few spikes
    on rows > d. A sparse sketch hashes a spike into the bucket of a row of
    A with probability ≈ d/m, and then moves x′ by the spike's full size;
    a dense sketch spreads every spike over all rows.
    """
    A = np.zeros((n, d))
    A[:d, :d] = np.eye(d)
    g = np.random.default_rng(rng)
    x_star = g.standard_normal(d)
    r = np.zeros(n)
    spikes = g.choice(np.arange(d, n), n_spikes, replace=False)
    r[spikes] = 1.0 / np.sqrt(n_spikes)  # ‖r*‖ = 1
    return A, x_star, A @ x_star + r


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sketchla.linalg.RankDeficiencyWarning")
def test_linf_dense_sketches_beat_countsketch():
    n, d, trials = 4096, 64, 30
    errs = {}
    for m in (512, 2048):
        for sketch in ("srht", "gaussian", "countsketch"):
            e = []
            for t in range(trials):
                A, x_star, b = _linf_instance(n, d, 4, rng=t)
                x = sketch_and_solve(A, b, sketch=sketch, sketch_size=m, rng=1000 + t)
                e.append(np.abs(x - x_star).max())
            errs[sketch, m] = np.quantile(e, 0.9)
    # the theory's scale for a dense sketch: ‖r*‖‖A†‖·sqrt(2 log(2d/δ)/m)
    for m in (512, 2048):
        bound = np.sqrt(2 * np.log(2 * d / 0.1) / m)
        for dense in ("srht", "gaussian"):
            assert errs[dense, m] <= 1.5 * bound
            assert errs["countsketch", m] >= 3 * errs[dense, m]
    # the ℓ∞ error of dense sketches falls like 1/sqrt(m)
    for dense in ("srht", "gaussian"):
        assert errs[dense, 2048] <= 0.7 * errs[dense, 512]


def test_linf_quick_single_seed():
    n, d, m = 4096, 32, 512
    A, x_star, b = _linf_instance(n, d, 4, rng=0)
    x_g = sketch_and_solve(A, b, sketch="gaussian", sketch_size=m, rng=1)
    assert np.abs(x_g - x_star).max() <= 1.5 * np.sqrt(2 * np.log(2 * d / 0.01) / m)


@pytest.mark.parametrize("method", ["precondition", "sketch", "exact"])
def test_array_api_strict_gives_the_numpy_solution(method):
    xps = pytest.importorskip("array_api_strict")
    from sketchla._backend import to_numpy

    A, x_true, b = planted(3000, 12, 1e4, 1e-3, rng=4)
    ref = lstsq(A, b, method=method, rng=0)
    res = lstsq(xps.asarray(A), xps.asarray(b), method=method, rng=0)
    assert type(res.x) is type(xps.asarray(b))
    # the same seed gives the same sketch; the solutions agree to the
    # conditioning of the problem (κ = 1e4) times rounding
    assert fwd(to_numpy(res.x), ref.x) <= 1e-9
    assert res.converged and res.method == ref.method


def test_public_names():
    for name in ("lstsq", "sketch_and_solve", "SketchedRegression", "approx_matmul",
                 "LstsqResult"):
        assert hasattr(sketchla, name)


def test_float32_large_residual_ill_conditioned_uses_float64_gradient():
    A, x_true, b = planted(4000, 20, 1e3, 1.0, rng=9)
    A32, b32 = A.astype(np.float32), b.astype(np.float32)
    x64 = exact_solution(A32.astype(np.float64), b32.astype(np.float64))
    res = lstsq(A32, b32, rng=0)
    x_np = np.linalg.lstsq(A32, b32, rcond=None)[0]
    assert res.converged and res.x.dtype == np.float32
    assert fwd(res.x, x64) <= 10 * fwd(x_np, x64) + 1e-6


@pytest.mark.parametrize("sparse", [False, True])
def test_wide_a_gives_the_minimum_norm_solution(sparse):
    """n < d: documented as the exact minimum-norm solution, numpy's."""
    g = np.random.default_rng(3)
    A, b = g.standard_normal((5, 100)), g.standard_normal(5)
    res = lstsq(sp.csr_matrix(A) if sparse else A, b, rng=0)
    assert res.method == "exact" and res.rank == 5
    np.testing.assert_allclose(res.x, np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-10)
    np.testing.assert_allclose(A @ res.x, b, atol=1e-10)
