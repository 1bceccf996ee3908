"""The numba.cuda kernels against the native ones, for the same seeds, over
edge shapes: empty, one row, sizes that are not powers of two, and the
boundaries of blocks, tiles and chunks (shrunk so that the simulator,
one Python thread per CUDA thread, stays fast).

Without a GPU (CuPy absent) the module selects numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) before numba.cuda is first imported, and the
kernels run on NumPy arrays; on a GPU machine the same tests run on the
device. The column maps must agree bit for bit (the same operator); the
products to rounding.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp

if importlib.util.find_spec("cupy") is None:
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
pytest.importorskip("numba.cuda")

from sketchla import _kernels  # noqa: E402
from sketchla._kernels.cuda import _drivers as D  # noqa: E402
from sketchla._kernels.cuda import _fwht, _hash, available  # noqa: E402

pytestmark = pytest.mark.cudasim
TOL = {np.float64: 1e-12, np.float32: 2e-5}


@pytest.fixture(autouse=True)
def small_launches(monkeypatch):
    """Blocks of 32 threads and map chunks of 16 columns, so that the tests'
    small shapes cross block and chunk boundaries."""
    monkeypatch.setattr(_hash, "THREADS", 32)
    monkeypatch.setattr(_fwht, "THREADS", 32)
    monkeypatch.setattr(D, "CHUNK", 16)


def test_kernels_are_available():
    assert available()


@pytest.mark.parametrize("seed,start,n,s,m", [
    (0, 0, 0, 1, 5),            # empty
    (0, 0, 1, 1, 1),            # one column, one row
    (7, 0, 33, 1, 10),          # one block and one more column
    (123456789, 5, 40, 3, 7),   # rejection of repeated rows (s close to m)
    (2**64 - 1, 2**40, 17, 4, 4),   # the largest seed; s = m: every row
    (99, 3, 9, 2, 2**35 + 3),   # m beyond 32 bits: the high word of the draw
])
def test_sketch_map_is_the_native_map(seed, start, n, s, m):
    rows, signs = D.sketch_map(seed, start, n, s, m, xp=np)
    want_rows, want_signs = _kernels.sketch_map(seed, start, n, s, m)
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_array_equal(signs, want_signs)


@pytest.mark.parametrize("keys", [
    np.array([], dtype=np.int64),
    np.array([0], dtype=np.int64),
    np.array([-1, 1, 2**62, -2**63, 2**63 - 1] + list(range(30)), dtype=np.int64),
])
def test_hash_keys_are_the_native_hashes(keys):
    np.testing.assert_array_equal(D.hash_keys(keys, 11, xp=np), _kernels.hash_keys(keys, 11))


def _dense(n, k, dtype, layout, seed=0):
    A = np.random.default_rng(seed).standard_normal((n, k)).astype(dtype)
    if layout == "F":
        return np.asfortranarray(A)
    if layout == "strided":
        return np.repeat(A, 2, axis=1)[:, ::2]
    return A


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,k,s,m", [(0, 2, 1, 4), (1, 1, 1, 1), (37, 3, 2, 6), (50, 1, 8, 9)])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_hash_scatter_dense(n, k, s, m, dtype, layout):
    A = _dense(n, k, dtype, layout)
    got = D.hash_scatter(A, seed=5, start=3, s=s, m=m, scale=0.5, xp=np)
    want = _kernels.hash_scatter(A, seed=5, start=3, s=s, m=m, scale=0.5)
    assert got.shape == (m, k) and got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype])


def test_hash_scatter_vector():
    a = np.random.default_rng(1).standard_normal(37)
    got = D.hash_scatter(a, seed=2, start=0, s=1, m=5, scale=1.0, xp=np)
    np.testing.assert_allclose(got, _kernels.hash_scatter(a, seed=2, start=0, s=1, m=5,
                                                          scale=1.0), rtol=1e-12)
    assert got.shape == (5,)


def _csr(n, k, density, dtype, index=np.int32):
    C = sp.random(n, k, density=density, format="csr", random_state=3, dtype=dtype)
    if n > 2:  # an empty row inside
        C = C.tolil()
        C[n // 2, :] = 0
        C = C.tocsr()
    C.indptr, C.indices = C.indptr.astype(index), C.indices.astype(index)
    return C


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,k,density", [(1, 1, 1.0), (37, 4, 0.3), (40, 5, 0.0)])
def test_hash_scatter_csr(n, k, density, dtype):
    C = _csr(n, k, density, dtype)
    got = D.hash_scatter(C, seed=8, start=1, s=3, m=7, scale=0.25, xp=np)
    want = _kernels.hash_scatter(C, seed=8, start=1, s=3, m=7, scale=0.25)
    np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,k,s,m", [(0, 2, 1, 3), (1, 1, 1, 1), (37, 3, 2, 6), (33, 1, 4, 5)])
def test_hash_gather(n, k, s, m, dtype):
    Y = _dense(m, k, dtype, "C", seed=2)
    got = D.hash_gather(Y, seed=4, start=6, n=n, s=s, scale=2.0, xp=np)
    want = _kernels.hash_gather(Y, seed=4, start=6, n=n, s=s, scale=2.0)
    assert got.shape == (n, k)
    np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype])
    y = Y[:, 0]
    np.testing.assert_allclose(D.hash_gather(y, seed=4, start=6, n=n, s=s, scale=2.0, xp=np),
                               want[:, 0], rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("index", [np.int32, np.int64])
@pytest.mark.parametrize("n,k,density", [(1, 1, 1.0), (17, 5, 0.3), (20, 33, 0.1), (6, 4, 0.0)])
def test_csr_products(n, k, density, dtype, index):
    C = _csr(n, k, density, dtype, index)
    B = _dense(k, 3, dtype, "C", seed=5)
    Y = _dense(n, 2, dtype, "F", seed=6)
    got = D.csr_matmat(C.indptr, C.indices, C.data, C.shape, B, xp=np)
    np.testing.assert_allclose(got, C @ B, rtol=TOL[dtype], atol=TOL[dtype])
    got_t = D.csr_rmatmat(C.indptr, C.indices, C.data, C.shape, Y, xp=np)
    np.testing.assert_allclose(got_t, C.T @ Y, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(D.csr_matmat(C.indptr, C.indices, C.data, C.shape, B[:, 0],
                                            xp=np), C @ B[:, 0], rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n,k,shared", [
    (1, 1, 4096), (2, 3, 4096), (64, 1, 4096),
    (64, 33, 4096),   # two column tiles, the second of one column
    (256, 2, 32),     # tiles of 16 rows: a three-stage pass, then a one-stage one
    (128, 1, 2),      # tiles of 2 rows: two three-stage passes
    (64, 1, 2),       # tiles of 2 rows: a three-stage pass, then a two-stage one
])
def test_fwht(n, k, shared, dtype, monkeypatch):
    monkeypatch.setattr(_fwht, "SHARED", shared)  # smaller tiles, same kernel
    X = _dense(n, k, dtype, "C", seed=7)
    want = _kernels.fwht(X.copy())
    got = D.fwht(X, xp=np)
    np.testing.assert_allclose(got, want, rtol=TOL[dtype], atol=TOL[dtype] * np.sqrt(n))
    np.testing.assert_array_equal(X, _dense(n, k, dtype, "C", seed=7))  # input untouched
    x = X[:, 0].copy()
    out = D.fwht(x, xp=np, overwrite=True)
    assert out is x
    np.testing.assert_allclose(x, want[:, 0], rtol=TOL[dtype], atol=TOL[dtype] * np.sqrt(n))


def test_fwht_refuses_other_lengths():
    with pytest.raises(ValueError, match="power of two"):
        D.fwht(np.ones((6, 2)), xp=np)


def test_import_never_loads_numba():
    code = ("import sys, numpy as np, sketchla; A = np.ones((300, 4)); "
            "[sketchla.make_sketch(k, 8, 300, rng=0) @ A for k in "
            "('srht', 'countsketch', 'sparse_sign', 'gaussian')]; "
            "print('numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.strip() == "False", out.stderr


PTX = pathlib.Path(__file__).with_name("compile_cuda_kernels.py")


def test_kernels_compile_for_a_real_device():
    """The real compiler (NVVM, through numba-cuda), with no GPU needed: every
    kernel compiles to PTX for sm_90, and the hash kernels use no floating
    point (no signed/unsigned promotion). Skipped where NVVM is absent."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    out = subprocess.run([sys.executable, str(PTX)], capture_output=True, text=True,
                         timeout=600, env=env)
    if out.returncode == 3:
        pytest.skip(out.stdout.strip())
    assert out.returncode == 0, out.stdout + out.stderr[-3000:]


@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_row_normal_equations_and_residuals(index, monkeypatch):
    from sketchla._kernels.cuda import _sparse

    monkeypatch.setattr(_sparse, "TILE", 8)
    C = _csr(23, 9, 0.4, np.float64, index)
    F = _dense(9, 3, np.float64, "C", seed=8)
    G, b = D.normal_equations(C.indptr, C.indices, C.data, F, xp=np)
    for i in range(C.shape[0]):
        cols = C.indices[C.indptr[i]:C.indptr[i + 1]]
        np.testing.assert_allclose(G[i], F[cols].T @ F[cols], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(b[i], F[cols].T @ C.data[C.indptr[i]:C.indptr[i + 1]],
                                   rtol=1e-12, atol=1e-12)
    U = _dense(23, 3, np.float64, "C", seed=9)
    rows = np.repeat(np.arange(23), np.diff(C.indptr))
    r = C.data - np.einsum("ij,ij->i", U[rows], F[C.indices])
    got = D.row_residuals(C.indptr, C.indices, C.data, U, F, xp=np)
    np.testing.assert_allclose(got, np.bincount(rows, r * r, minlength=23), rtol=1e-12)


def test_device_completion_is_the_batched_one(monkeypatch):
    """altmin on the device CSR problem (the kernels, simulated) against the
    same algorithm on the dense-with-NaN problem of the array namespaces:
    the same draws, the same exact row solves, the same factors."""
    from sketchla._kernels.cuda import _sparse
    from sketchla.completion._device import _DeviceCSRProblem
    from sketchla.completion._masked import _MaskedProblem
    from sketchla.completion._solve import _altmin_masked

    monkeypatch.setattr(_sparse, "TILE", 8)
    g = np.random.default_rng(0)
    m, n, k = 30, 24, 2
    truth = g.standard_normal((m, k)) @ g.standard_normal((k, n))
    mask = g.random((m, n)) < 0.6
    C = sp.csr_matrix((truth[mask], np.nonzero(mask)[1], np.r_[0, np.cumsum(mask.sum(1))]),
                      shape=(m, n))
    dense = np.where(mask, truth, np.nan)
    runs = []
    for prob in (_DeviceCSRProblem(C.indptr, C.indices, C.data, C.shape, np),
                 _MaskedProblem(dense)):
        res = _altmin_masked(prob, dense, k, "exact", 60, 1e-9, 0.0, None,
                             np.random.default_rng(3), False, None, np.float64)
        assert res.converged
        runs.append(res.U @ res.V.T)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-8, atol=1e-8)
    assert np.linalg.norm(runs[0] - truth) < 1e-4 * np.linalg.norm(truth)
