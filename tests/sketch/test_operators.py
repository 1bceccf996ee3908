"""Sketching operators: exactness of application, statistics, errors, backends."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import sketchla
from sketchla._backend import to_numpy

KINDS = ["gaussian", "srht", "countsketch", "sparse_sign"]


@pytest.mark.parametrize("kind", KINDS)
def test_same_rng_same_operator_and_formats_agree(kind, rng):
    n, k, m = 300, 7, 40
    A = rng.standard_normal((n, k))
    A[rng.random((n, k)) < 0.7] = 0
    S1 = sketchla.make_sketch(kind, m, n, rng=5)
    S2 = sketchla.make_sketch(kind, m, n, rng=5)
    D = S1.toarray()
    np.testing.assert_array_equal(D, S2.toarray())
    assert D.shape == (m, n) and S1.shape == (m, n)
    ref = D @ A
    for operand in [A, np.asfortranarray(A), sp.csr_matrix(A), sp.csc_matrix(A), sp.coo_matrix(A)]:
        out = S1 @ operand
        assert isinstance(out, np.ndarray) and out.shape == (m, k)
        np.testing.assert_allclose(out, ref, atol=1e-12)
    np.testing.assert_allclose(S1 @ A[:, 0], ref[:, 0], atol=1e-12)
    Y = rng.standard_normal((m, 3))
    np.testing.assert_allclose(S1.T @ Y, D.T @ Y, atol=1e-12)
    np.testing.assert_allclose(S1.T @ Y[:, 0], D.T @ Y[:, 0], atol=1e-12)
    assert S1.T.shape == (n, m)
    other = sketchla.make_sketch(kind, m, n, rng=6).toarray()
    assert not np.array_equal(D, other)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_and_integer_inputs(kind, rng):
    S = sketchla.make_sketch(kind, 16, 100, rng=0)
    A = rng.standard_normal((100, 4))
    out32 = S @ A.astype(np.float32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, S @ A, rtol=1e-4, atol=1e-4)
    Ai = rng.integers(-3, 3, size=(100, 4))
    outi = S @ Ai
    assert outi.dtype == np.float64
    np.testing.assert_allclose(outi, S.toarray() @ Ai, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_inputs_are_not_modified(kind, rng):
    A = rng.standard_normal((128, 5))
    A0 = A.copy()
    S = sketchla.make_sketch(kind, 10, 128, rng=1)
    S @ A
    S.T @ (S @ A)
    np.testing.assert_array_equal(A, A0)


@pytest.mark.parametrize("kind", KINDS)
def test_expectation_of_StS_is_identity(kind):
    # Monte Carlo over seeds; each entry of the average is within 6 standard
    # errors of I (entries of one S^T S have variance <= 2/m)
    n, m, trials = 12, 6, 3000
    acc = np.zeros((n, n))
    for t in range(trials):
        D = sketchla.make_sketch(kind, m, n, rng=t).toarray()
        acc += D.T @ D
    acc /= trials
    tol = 6 * np.sqrt(2.0 / m / trials)
    assert np.abs(acc - np.eye(n)).max() < tol


def _distortion(kind, m, n, d, seed):
    g = np.random.default_rng(seed)
    U, _ = np.linalg.qr(g.standard_normal((n, d)))
    S = sketchla.make_sketch(kind, m, n, rng=seed)
    sv = np.linalg.svd(S @ U, compute_uv=False)
    return max(sv.max() - 1, 1 - sv.min())


@pytest.mark.parametrize("kind", KINDS)
def test_subspace_embedding_distortion_shrinks_with_m(kind):
    n, d = 2048, 8
    ms = [4 * d, 16 * d, 64 * d]
    med = [np.median([_distortion(kind, m, n, d, s) for s in range(7)]) for m in ms]
    assert med[0] > med[1] > med[2]
    # theory: distortion ~ sqrt(d/m) up to constants (CountSketch: d/sqrt(m))
    assert med[2] < 0.5


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_embedding_distortion_rate(kind):
    # at m = 256 d, an OSE has distortion O(sqrt(d/m)) = O(1/16)
    n, d = 8192, 16
    dist = [_distortion(kind, 256 * d, n, d, s) for s in range(10)]
    limit = 0.35 if kind == "countsketch" else 0.2
    assert np.median(dist) < limit


def test_make_sketch_and_constructors_validate():
    with pytest.raises(ValueError, match="sketch must be one of"):
        sketchla.make_sketch("fourier", 4, 10)
    with pytest.raises(ValueError, match="m must be >= 1"):
        sketchla.gaussian(0, 10)
    with pytest.raises(ValueError, match="m must be <= n"):
        sketchla.srht(11, 10)
    with pytest.raises(TypeError, match="m must be an integer"):
        sketchla.countsketch(2.5, 10)
    with pytest.raises(ValueError, match="nnz_per_col"):
        sketchla.sparse_sign(4, 10, nnz_per_col=0)
    with pytest.raises(TypeError, match="rng"):
        sketchla.gaussian(4, 10, rng="seed")
    with pytest.raises(TypeError, match="make_sketch"):
        sketchla.make_sketch("gaussian", 4, 10, nnz_per_col=3)
    # nnz_per_col above m is clipped to m (every row of a column)
    assert sketchla.sparse_sign(3, 10, nnz_per_col=8).nnz_per_col == 3


@pytest.mark.parametrize("kind", KINDS)
def test_apply_validates_operand(kind):
    S = sketchla.make_sketch(kind, 4, 10, rng=0)
    with pytest.raises(ValueError, match="A has 9 rows"):
        S @ np.ones((9, 2))
    A = np.ones((10, 2))
    A[3, 1] = np.nan
    with pytest.raises(ValueError, match="A must not contain NaN or inf"):
        S @ A
    A[3, 1] = np.inf
    with pytest.raises(ValueError, match="A must not contain NaN or inf"):
        S @ A
    with pytest.raises(ValueError, match="A must not contain NaN or inf"):
        S @ sp.csr_matrix(A)
    with pytest.raises(TypeError, match="complex"):
        S @ np.ones((10, 2), dtype=complex)
    with pytest.raises(ValueError, match="1-D or 2-D"):
        S @ np.ones((10, 2, 2))
    with pytest.raises(TypeError, match="None"):
        S @ None
    with pytest.raises(ValueError, match="Y has 3 rows"):
        S.T @ np.ones((3, 2))


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    n=st.integers(1, 70),
    k=st.integers(1, 5),
    frac=st.floats(0.01, 1.0),
    dtype=st.sampled_from([np.float32, np.float64]),
    sparse=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_application_matches_dense_operator(kind, n, k, frac, dtype, sparse, seed):
    m = max(1, int(frac * n))
    g = np.random.default_rng(seed)
    A = g.standard_normal((n, k)).astype(dtype)
    if sparse:
        A[g.random((n, k)) < 0.5] = 0
        operand = sp.csr_matrix(A)
    else:
        operand = A
    S = sketchla.make_sketch(kind, m, n, rng=seed)
    out = S @ operand
    assert out.dtype == dtype and out.shape == (m, k)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out, S.toarray() @ A.astype(np.float64), atol=tol * (1 + np.abs(A).sum()))


# ------------------------------------------------------------------ backends


@pytest.mark.parametrize("kind", KINDS)
def test_array_api_strict_operands(kind, rng):
    xps = pytest.importorskip("array_api_strict")
    A = rng.standard_normal((64, 3))
    S = sketchla.make_sketch(kind, 8, 64, rng=2)
    ref = S @ A
    for dev in [xps.Device("CPU_DEVICE"), xps.Device("device1")]:
        Ax = xps.asarray(A, device=dev)
        out = S @ Ax
        assert type(out).__module__.startswith("array_api_strict")
        assert out.device == dev
        np.testing.assert_allclose(to_numpy(out), ref, atol=1e-12)
        Y = xps.asarray(rng.standard_normal((8, 2)), device=dev)
        back = S.T @ Y
        assert back.device == dev
        np.testing.assert_allclose(to_numpy(back), S.toarray().T @ to_numpy(Y), atol=1e-12)
    bad = xps.asarray(np.where(np.arange(64)[:, None] == 3, np.nan, A))
    with pytest.raises(ValueError, match="NaN"):
        S @ bad


def test_use_backend_moves_host_inputs(rng):
    xps = pytest.importorskip("array_api_strict")
    A = rng.standard_normal((32, 2))
    S = sketchla.srht(8, 32, rng=0)
    assert sketchla.get_backend() == "numpy"
    with sketchla.use_backend("array_api_strict"):
        assert sketchla.get_backend() == "array_api_strict"
        out = S @ A
        assert type(out).__module__.startswith("array_api_strict")
    assert sketchla.get_backend() == "numpy"
    np.testing.assert_allclose(to_numpy(out), S @ A, atol=1e-12)
    with pytest.raises(ValueError, match="backend"):
        sketchla.set_backend("torch")
    sketchla.set_backend("numpy")
    del xps


@pytest.mark.parametrize("kind", KINDS)
def test_dask_operands(kind, rng):
    da = pytest.importorskip("dask.array")
    A = rng.standard_normal((500, 4))
    Ad = da.from_array(A, chunks=(97, 4))
    S = sketchla.make_sketch(kind, 20, 500, rng=3)
    out = S @ Ad
    assert type(out).__module__.startswith("dask")
    np.testing.assert_allclose(out.compute(), S @ A, atol=1e-12)
    np.testing.assert_allclose((S @ Ad[:, 0]).compute(), S @ A[:, 0], atol=1e-12)


@pytest.mark.cupy
@pytest.mark.parametrize("kind", KINDS)
def test_cupy_operands(kind, rng):
    import cupy

    A = rng.standard_normal((4096 + 3, 6))
    S = sketchla.make_sketch(kind, 64, A.shape[0], rng=4)
    out = S @ cupy.asarray(A)
    assert isinstance(out, cupy.ndarray)
    np.testing.assert_allclose(out.get(), S @ A, atol=1e-10)
    Y = rng.standard_normal((64, 2))
    back = S.T @ cupy.asarray(Y)
    assert isinstance(back, cupy.ndarray)
    np.testing.assert_allclose(back.get(), S.T @ Y, atol=1e-10)
    with sketchla.use_backend("cupy"):
        assert isinstance(S @ A, cupy.ndarray)


@pytest.mark.parametrize("kind", ["gaussian", "srht", "sparse_sign", "countsketch"])
@pytest.mark.parametrize("rows", [100, 37])
def test_dask_array_of_sparse_chunks_matches_in_memory(kind, rows):
    da = pytest.importorskip("dask.array")
    X = sp.random(400, 6, density=0.3, format="csr", random_state=0)
    D = da.from_array(X, chunks=(rows, 6), asarray=False)
    S = sketchla.make_sketch(kind, 20, 400, rng=0)
    out = S @ D
    out = np.asarray(out.compute() if hasattr(out, "compute") else out)
    np.testing.assert_allclose(out, S @ X.toarray(), rtol=1e-12, atol=1e-12)
