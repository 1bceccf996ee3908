"""Randomized low-rank approximation: planted ranks recovered exactly, the
a-posteriori error against the true error, the Halko-Martinsson-Tropp bound
by Monte Carlo, every input kind and sketch, scale, bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.linalg import aslinearoperator

from sketchla import nystrom, randomized_svd, range_finder

SKETCHES = ["gaussian", "srht", "countsketch", "sparse_sign"]


def _planted(n, d, rank, decay=None, seed=0, dtype=np.float64):
    """A = U diag(s) Vᵀ with known singular values (exact rank, or a decay)."""
    g = np.random.default_rng(seed)
    r = min(n, d) if decay is not None else rank
    U = np.linalg.qr(g.standard_normal((n, r)))[0]
    V = np.linalg.qr(g.standard_normal((d, r)))[0]
    s = decay ** np.arange(r) if decay is not None else np.linspace(3.0, 1.0, r)
    return ((U * s) @ V.T).astype(dtype), s


@pytest.mark.parametrize("sketch", SKETCHES)
@pytest.mark.parametrize("kind", ["dense", "sparse", "linop"])
def test_exact_rank_is_recovered(sketch, kind):
    A, s = _planted(600, 250, 12, seed=1)
    arg = {"dense": A, "sparse": sp.csr_matrix(A), "linop": aslinearoperator(A)}[kind]
    U, sv, Vt = randomized_svd(arg, 12, sketch=sketch, rng=0)
    np.testing.assert_allclose(sv, s, rtol=1e-10)
    np.testing.assert_allclose(U.T @ U, np.eye(12), atol=1e-12)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(12), atol=1e-12)
    assert np.linalg.norm(A - (U * sv) @ Vt) <= 1e-10 * np.linalg.norm(A)
    Q = range_finder(arg, 15, sketch=sketch, rng=0)
    assert np.linalg.norm(A - Q @ (Q.T @ A)) <= 1e-10 * np.linalg.norm(A)


@pytest.mark.parametrize("decay", [0.97, 0.9])
def test_error_estimate_is_the_true_error_and_near_optimal(decay):
    A, s = _planted(1500, 400, None, decay=decay, seed=2)
    k = 20
    best = np.sqrt(np.sum(s[k:] ** 2))
    res = randomized_svd(A, k, rng=3)
    U, sv, Vt = res
    err = res.error
    true = np.linalg.norm(A - (U * sv) @ Vt)
    assert err * np.linalg.norm(A) == pytest.approx(true, rel=1e-8)
    # "auto" stops once an iteration improves the error by < 1e-4 relatively:
    # with geometric convergence the remaining excess is of that order
    assert true <= best * (1 + 1e-3)
    # fixed 0 iterations is measurably worse on the slowly decaying spectrum
    U0, s0, V0 = randomized_svd(A, k, n_iter=0, rng=3)
    assert np.linalg.norm(A - (U0 * s0) @ V0) > true


@pytest.mark.parametrize("shape", [(1500, 400), (300, 1200)])
def test_block_krylov_beats_the_power_method_pass_for_pass(shape):
    """On a slowly decaying spectrum, from two blocks on, block Krylov's
    rank-k error is smaller than the power method's with the same passes
    over A, and after six it reaches the optimum to 1e-6 where the power
    method is still above 1e-4 (Musco & Musco 2015: O(log d / √ε) blocks
    for a 1 + ε approximation, against O(log d / ε) power iterations). Tall
    and wide A (Krylov on the smaller side either way)."""
    n, d = shape
    A, s = _planted(n, d, None, decay=0.99, seed=21)
    k = 15
    best = np.sqrt(np.sum(s[k:] ** 2))
    for q in (2, 3, 4, 6):
        U, sv, Vt = randomized_svd(A, k, n_iter=q, rng=0)
        Up, svp, Vtp = randomized_svd(A, k, n_iter=q, rng=0, method="power")
        ek = np.linalg.norm(A - (U * sv) @ Vt) / best - 1
        ep = np.linalg.norm(A - (Up * svp) @ Vtp) / best - 1
        assert ek < ep
    assert ek < 1e-6 and ep > 1e-4
    np.testing.assert_allclose(U.T @ U, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(k), atol=1e-12)
    np.testing.assert_allclose(sv, s[:k], rtol=1e-6)


def test_block_krylov_paths_agree():
    """Dense NumPy A keeps the images A K (no last pass over A); sparse A
    makes the last pass; a LinearOperator has no Frobenius norm (fixed
    blocks). The same basis gives the same triplets."""
    A, s = _planted(3000, 1000, None, decay=0.9, seed=22)
    k = 5
    U, sv, Vt = randomized_svd(A, k, n_iter=3, rng=1)
    for other in (sp.csr_matrix(A), sp.csc_matrix(A), aslinearoperator(A)):
        Uo, so, Vto = randomized_svd(other, k, n_iter=3, rng=1)
        np.testing.assert_allclose(so, sv, rtol=1e-10)
        np.testing.assert_allclose(np.abs(Uo.T @ U), np.eye(k), atol=1e-8)
        np.testing.assert_allclose(np.abs(Vto @ Vt.T), np.eye(k), atol=1e-8)
        # U straight from the Ritz values (no Gram matrix of A V): orthonormal
        np.testing.assert_allclose(Uo.T @ Uo, np.eye(k), atol=1e-12)
        if sp.issparse(other):  # the product's buffer, cut to U's size
            assert Uo.base is None or Uo.base.nbytes == Uo.nbytes
    np.testing.assert_allclose(sv, s[:k], rtol=1e-10)


@pytest.mark.parametrize("sparse", [False, True])
def test_ill_conditioned_triplets_stay_orthonormal(sparse):
    """Singular values over four decades (κ(A V)² beyond what the Ritz
    route to the triplets allows): the QR route keeps U orthonormal."""
    g = np.random.default_rng(23)
    r = 10
    U0 = np.linalg.qr(g.standard_normal((800, r)))[0]
    V0 = np.linalg.qr(g.standard_normal((300, r)))[0]
    s0 = np.logspace(0, -4, r)
    A = (U0 * s0) @ V0.T
    U, sv, Vt = randomized_svd(sp.csr_matrix(A) if sparse else A, r, rng=0)
    np.testing.assert_allclose(sv, s0, rtol=1e-8)
    np.testing.assert_allclose(U.T @ U, np.eye(r), atol=1e-12)
    assert np.linalg.norm(A - (U * sv) @ Vt) <= 1e-12 * np.linalg.norm(A)


def test_block_krylov_exhausts_a_small_space():
    """Blocks stop when the basis spans the whole smaller side: then the
    factorization is exact whatever the spectrum."""
    A = np.random.default_rng(24).standard_normal((400, 30))
    U, sv, Vt = randomized_svd(A, 30, n_oversamples=0, n_iter=10, rng=0)
    np.testing.assert_allclose(sv, np.linalg.svd(A, compute_uv=False), rtol=1e-12)
    assert np.linalg.norm(A - (U * sv) @ Vt) <= 1e-12 * np.linalg.norm(A)


def test_halko_martinsson_tropp_bound_in_expectation():
    """E‖A − QQᵀA‖_F ≤ (1 + k/(p−1))^{1/2} (Σ_{j>k} σ_j²)^{1/2} for Gaussian Ω of
    k + p columns and no power iteration (Theorem 10.5)."""
    A, s = _planted(800, 300, None, decay=0.95, seed=4)
    k, p = 10, 5
    bound = np.sqrt(1 + k / (p - 1)) * np.sqrt(np.sum(s[k:] ** 2))
    errs = [np.linalg.norm(A - (Q := range_finder(A, k + p, n_iter=0, rng=seed)) @ (Q.T @ A))
            for seed in range(30)]
    assert np.mean(errs) <= bound
    # and the bound is not vacuous: the error exceeds the best rank-(k+p) error
    assert min(errs) >= np.sqrt(np.sum(s[k + p:] ** 2))


def test_sparse_input_is_never_densified():
    # 10^6 x 10^5 (dense: 800 GB) with 2·10^5 nonzeros and a planted rank-3 part
    g = np.random.default_rng(5)
    n, d = 10**6, 10**5
    rows = g.integers(0, n, 200000)
    cols = g.integers(0, d, 200000)
    A = sp.csr_matrix((g.standard_normal(200000), (rows, cols)), shape=(n, d))
    U, s, Vt = randomized_svd(A, 3, rng=0)
    assert U.shape == (n, 3) and Vt.shape == (3, d)
    assert np.all(np.diff(s) <= 0) and s[0] > 0


@pytest.mark.parametrize("sketch", SKETCHES)
def test_nystrom(sketch):
    g = np.random.default_rng(6)
    X = g.standard_normal((500, 25))
    K = X @ X.T  # PSD of rank 25: reproduced exactly from 35 columns
    U, lam = nystrom(K, 25, sketch=sketch, rng=0)
    assert np.linalg.norm(K - (U * lam) @ U.T) <= 1e-8 * np.linalg.norm(K)
    np.testing.assert_allclose(lam, np.linalg.eigvalsh(K)[::-1][:25], rtol=1e-8)
    # a decaying spectrum: within a small factor of the best rank-k error
    A, s = _planted(400, 400, None, decay=0.9, seed=7)
    P = A @ A.T
    U, lam = nystrom(P, 15, rng=0, n_oversamples=15)
    best = np.sqrt(np.sum(s[15:] ** 4))
    assert np.linalg.norm(P - (U * lam) @ U.T) <= 3 * best
    assert np.all(lam >= 0) and np.all(np.diff(lam) <= 0)
    U, lam = nystrom(sp.csr_matrix(K), 25, rng=0)
    assert np.linalg.norm(K - (U * lam) @ U.T) <= 1e-8 * np.linalg.norm(K)


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_scale_equivariance(scale):
    A, _ = _planted(500, 200, None, decay=0.9, seed=8)
    (U, s, Vt), e = (r := randomized_svd(A, 10, rng=0)), r.error
    (Us, ss, Vts), es = (r := randomized_svd(A * scale, 10, rng=0)), r.error
    np.testing.assert_allclose(ss, s * scale, rtol=1e-9)
    np.testing.assert_allclose(np.abs(Us.T @ U), np.eye(10), atol=1e-8)
    assert es == pytest.approx(e, rel=1e-6)
    K = A @ A.T
    U, lam = nystrom(K, 10, rng=0)
    Us, lams = nystrom(K * scale, 10, rng=0)
    np.testing.assert_allclose(lams, lam * scale, rtol=1e-8)


def test_float32_is_kept():
    A, s = _planted(400, 120, 8, seed=9, dtype=np.float32)
    U, sv, Vt = randomized_svd(A, 8, rng=0)
    assert U.dtype == sv.dtype == Vt.dtype == np.float32
    np.testing.assert_allclose(sv, s, rtol=1e-4)
    U, lam = nystrom((A @ A.T).astype(np.float32), 8, rng=0)
    assert U.dtype == lam.dtype == np.float32


def test_other_namespaces_give_the_numpy_result():
    da = pytest.importorskip("dask.array")
    xps = pytest.importorskip("array_api_strict")
    A, _ = _planted(2000, 60, None, decay=0.8, seed=10)
    U, s, Vt = randomized_svd(A, 5, n_iter=2, rng=0)
    for other in (da.from_array(A, chunks=(500, 60)), xps.asarray(A)):
        Uo, so, Vto = randomized_svd(other, 5, n_iter=2, rng=0)
        np.testing.assert_allclose(np.asarray(so), s, rtol=1e-8)
        np.testing.assert_allclose(np.abs(np.asarray(Uo).T @ U), np.eye(5), atol=1e-6)


def test_array_likes_are_accepted():
    A, s = _planted(60, 20, 4, seed=12)
    U, sv, Vt = randomized_svd(A.tolist(), 4, rng=0)
    np.testing.assert_allclose(sv, s, rtol=1e-10)


def test_inputs_are_not_modified():
    A, _ = _planted(300, 100, None, decay=0.9, seed=11)
    S = sp.csr_matrix(A)
    A0, d0 = A.copy(), S.data.copy()
    randomized_svd(A, 5, rng=0), range_finder(S, 5, rng=0), nystrom(A @ A.T, 5, rng=0)
    assert np.array_equal(A, A0) and np.array_equal(S.data, d0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda A: randomized_svd(A, 0), ValueError, "rank"),
    (lambda A: randomized_svd(A, 31), ValueError, "rank"),
    (lambda A: randomized_svd(A, 2.5), TypeError, "rank"),
    (lambda A: randomized_svd(A, 3, n_iter=-1), ValueError, "n_iter"),
    (lambda A: randomized_svd(A, 3, n_iter="many"), ValueError, "n_iter"),
    (lambda A: randomized_svd(A, 3, n_oversamples=-2), ValueError, "n_oversamples"),
    (lambda A: randomized_svd(A, 3, sketch="fourier"), ValueError, "sketch"),
    (lambda A: randomized_svd(A, 3, method="lanczos"), ValueError, "method"),
    (lambda A: randomized_svd(np.full((5, 4), np.nan), 2), ValueError, "A"),
    (lambda A: randomized_svd(np.ones(5), 1), ValueError, "A"),
    (lambda A: randomized_svd(A.astype(complex), 2), TypeError, "A"),
    (lambda A: range_finder(A, 0), ValueError, "size"),
    (lambda A: nystrom(A, 3), ValueError, "square"),
    (lambda A: nystrom(-np.eye(20), 3, rng=0), ValueError, "positive semidefinite"),
    (lambda A: randomized_svd(A, 2, rng="seed"), (TypeError, ValueError), "rng"),
])
def test_bad_inputs(call, exc, match):
    A = np.random.default_rng(0).standard_normal((50, 30))
    with pytest.raises(exc, match=match):
        call(A)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 60), d=st.integers(2, 40), rank=st.integers(1, 8),
       seed=st.integers(0, 2**16), sparse=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]),
       sketch=st.sampled_from(SKETCHES))
def test_hypothesis_shapes(n, d, rank, seed, sparse, dtype, sketch):
    g = np.random.default_rng(seed)
    r = min(rank, n, d)
    A = (g.standard_normal((n, r)) @ g.standard_normal((r, d))).astype(dtype)  # rank r
    k = min(r, 3)
    arg = sp.csr_matrix(A) if sparse else A
    U, s, Vt = randomized_svd(arg, k, rng=seed, sketch=sketch)
    assert U.shape == (n, k) and s.shape == (k,) and Vt.shape == (k, d)
    assert np.all(np.isfinite(s)) and np.all(np.diff(s) <= 1e-6 * s[0])
    if k == r:  # the whole range is captured: the factorization reproduces A
        tol = 1e-3 if dtype == np.float32 else 1e-8
        assert np.linalg.norm(A - (U * s) @ Vt) <= tol * np.linalg.norm(A)


@pytest.mark.parametrize("case", ["well", "ill", "deficient", "float32", "wide"])
def test_orthonormalize_paths(case):
    """Cholesky-QR2 where Y is well conditioned, Householder QR otherwise:
    orthonormal Q with range(Q) ⊇ range(Y) either way."""
    from sketchla import _kernels
    from sketchla._backend import get_namespace

    g = np.random.default_rng(13)
    Y = g.standard_normal((5000, 12))
    if case == "ill":
        Y = Y * np.logspace(0, -9, 12)  # κ = 1e9: beyond Cholesky-QR
    elif case == "deficient":
        Y[:, 5] = Y[:, 0] + Y[:, 1]
    elif case == "float32":
        Y = Y.astype(np.float32)
    elif case == "wide":
        Y = Y[:30]  # not tall enough for Cholesky-QR
    Q = _kernels.orthonormalize(Y.copy())
    tol = 1e-5 if case == "float32" else 1e-13
    np.testing.assert_allclose(Q.T @ Q, np.eye(Q.shape[1]), atol=tol)
    # Y is reproduced from its projection onto range(Q)
    assert np.linalg.norm(Y - Q @ (Q.T @ Y)) <= 100 * tol * np.linalg.norm(Y)
    if case != "float32":  # into a strided slot of a larger buffer, Y untouched
        buf = np.full((Y.shape[0], Y.shape[1] + 4), 7.0)
        Y0 = Y.copy()
        out = _kernels.orthonormalize(Y, out=buf[:, 2:-2])
        assert np.shares_memory(out, buf)
        np.testing.assert_allclose(buf[:, 2:-2], Q, atol=1e-12)
        assert np.all(buf[:, :2] == 7.0) and np.all(buf[:, -2:] == 7.0)
        np.testing.assert_array_equal(Y, Y0)


def test_term_document_matrix_and_its_truncated_svd():
    """make_term_document: the asked density, Zipf column popularity, and a
    randomized SVD within 1e-4 of the optimum that the exact sparse SVD gives."""
    from scipy.sparse.linalg import svds

    from sketchla.datasets import make_term_document

    A = make_term_document(20000, 2000, 1e-3, rng=0)
    assert sp.issparse(A) and A.format == "csr" and A.shape == (20000, 2000)
    assert 0.9 * 4e4 <= A.nnz <= 4e4
    counts = np.diff(A.tocsc().indptr)
    # E counts_j ∝ 1/(j + 10): the first 10 columns hold ~ H-ratio of the mass
    p = 1.0 / (np.arange(2000) + 10.0)
    assert abs(counts[:10].sum() / A.nnz - p[:10].sum() / p.sum()) < 0.01
    fro2 = float(np.sum(A.data ** 2))
    s_ref = np.sort(svds(A, k=10, random_state=0)[1])[::-1]
    _, s, _ = randomized_svd(A, 10, rng=0)
    ratio = np.sqrt((fro2 - np.sum(s ** 2)) / (fro2 - np.sum(s_ref ** 2)))
    assert 1.0 - 1e-9 <= ratio <= 1.0 + 1e-4
    for bad, match in (({"density": 0.0}, "density"), ({"n_docs": 0}, "n_docs")):
        kw = {"n_docs": 10, "n_terms": 5, **bad}
        with pytest.raises(ValueError, match=match):
            make_term_document(rng=0, **kw)
