"""The native kernels on their own: exactness, layouts, dtypes, bad input."""

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings
from hypothesis import strategies as st

from sketchla import _kernels
from sketchla._kernels.dense import _fwht_generic

nat = _kernels.native()


@pytest.mark.parametrize("n", [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096])
@pytest.mark.parametrize("k", [1, 3, 8, 40])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fwht_matches_hadamard_matrix(n, k, order, dtype, rng):
    X = np.asarray(rng.standard_normal((n, k)), dtype=dtype, order=order)
    ref = sl.hadamard(n) @ X.astype(np.float64)
    nat.fwht(X)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    assert np.abs(X - ref).max() <= tol * max(1.0, np.abs(ref).max())


@pytest.mark.parametrize("shape", [(2**17, 3), (2**16, 40), (2**18, 1), (2**15, 1000)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_fwht_blocked_paths_agree_with_generic(shape, order, rng):
    # sizes beyond the cache block exercise the split and slab paths; the
    # reference is the array-API butterfly implementation
    X = np.asarray(rng.standard_normal(shape), order=order)
    ref = _fwht_generic(X.copy(), np)
    nat.fwht(X)
    np.testing.assert_allclose(X, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_fwht_is_involution_up_to_n(rng):
    x = rng.standard_normal(2**12)
    y = x.copy()
    nat.fwht(y)
    nat.fwht(y)
    np.testing.assert_allclose(y / 2**12, x, atol=1e-12)


def test_fwht_matches_fht_cpu(rng):
    fht_cpu = pytest.importorskip("fht_cpu")
    X = np.asfortranarray(rng.standard_normal((2**14, 5)))
    ref = fht_cpu.fht(X, axis=0, inplace=False)
    nat.fwht(X)
    np.testing.assert_allclose(X, ref, atol=1e-9)


def test_fwht_bad_input():
    with pytest.raises(ValueError, match="power of two"):
        nat.fwht(np.zeros((6, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        nat.fwht(np.zeros((8, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="contiguous"):
        nat.fwht(np.zeros((8, 4))[:, ::2])
    with pytest.raises(TypeError, match="writable"):
        a = np.zeros(8)
        a.flags.writeable = False
        nat.fwht(a)
    with pytest.raises(ValueError, match="dimensions"):
        nat.fwht(np.zeros((2, 2, 2)))
    x = np.ones((1, 3))
    nat.fwht(x)  # n = 1: the identity
    assert (x == 1).all()


# ------------------------------------------------------------------- hashing


def test_xxh64_matches_reference_implementation(rng):
    xxhash = pytest.importorskip("xxhash")
    words = [b"", b"a", b"abc", b"sketchla", b"0123456789abcdef" * 3, bytes(range(200))]
    data = b"".join(words)
    offsets = np.cumsum([0] + [len(w) for w in words]).astype(np.int64)
    for seed in [0, 1, 2**63 + 5]:
        out = np.empty(len(words), dtype=np.uint64)
        nat.hash_bytes(data, offsets, seed, out)
        expect = [xxhash.xxh64_intdigest(w, seed=seed) for w in words]
        assert out.tolist() == expect
    keys = rng.integers(-(2**62), 2**62, size=50)
    out = np.empty(50, dtype=np.uint64)
    nat.hash_int64(keys, 7, out)
    expect = [xxhash.xxh64_intdigest(int(k).to_bytes(8, "little", signed=True), seed=7) for k in keys]
    assert out.tolist() == expect


def test_hash_golden_values():
    # frozen values: the hash and the sketch map must never change between
    # machines or releases, since sketches made elsewhere are combined with
    # ours (XXH64 of the 8 little-endian bytes of each key)
    out = np.empty(3, dtype=np.uint64)
    nat.hash_int64(np.array([0, 1, -1], dtype=np.int64), 0, out)
    assert out.tolist() == [0x34C96ACDCADB1BBB, 0x9F29CB17A2A49995, 0x85D136ADB773C6C9]
    rows, signs = _kernels.sketch_map(2024, 0, 3, 2, 1000)
    assert rows.tolist() == [[916, 779], [449, 131], [141, 880]]
    assert signs.tolist() == [[1, -1], [1, 1], [1, 1]]


def test_hash_bad_input():
    out = np.empty(2, dtype=np.uint64)
    with pytest.raises(ValueError, match="offsets"):
        nat.hash_bytes(b"abc", np.array([0, 2, 9], dtype=np.int64), 0, out)
    with pytest.raises(ValueError, match="offsets"):
        nat.hash_bytes(b"abc", np.array([0, 2, 1], dtype=np.int64), 0, out)
    with pytest.raises(TypeError, match="int64"):
        nat.hash_int64(np.array([1.0, 2.0]), 0, out)


# --------------------------------------------------------- sketch kernels


def _dense_from_map(rows, signs, scale, m):
    return _kernels.dense_block(rows, signs, scale, m)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    k=st.integers(1, 12),
    m=st.integers(1, 40),
    s=st.integers(1, 6),
    order=st.sampled_from("CF"),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 2**63 - 1),
)
def test_scatter_gather_dense_match_dense_product(n, k, m, s, order, dtype, seed):
    s = min(s, m)
    g = np.random.default_rng(seed % 2**32)
    A = np.asarray(g.standard_normal((n, k)), dtype=dtype, order=order)
    rows, signs = _kernels.sketch_map(seed, 3, n, s, m)
    # distinct rows within a column
    assert all(len(set(r)) == s for r in rows.tolist())
    S = _dense_from_map(rows, signs, 0.5, m)
    out = np.zeros((m, k), dtype=dtype, order=order)
    nat.scatter_dense(A, rows, signs, 0.5, out)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out, S @ A, atol=tol * (1 + np.abs(A).sum()))
    Y = np.asarray(g.standard_normal((m, k)), dtype=dtype)
    back = np.empty((n, k), dtype=dtype)
    nat.gather_dense(Y, rows, signs, 0.5, back)
    np.testing.assert_allclose(back, S.T @ Y, atol=tol * (1 + np.abs(Y).sum()))


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 200),
    k=st.integers(1, 50),
    m=st.integers(1, 30),
    s=st.integers(1, 4),
    density=st.floats(0.0, 1.0),
    idx64=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_scatter_csr_matches_dense(n, k, m, s, density, idx64, seed):
    import scipy.sparse as sp

    s = min(s, m)
    A = sp.random(n, k, density=density, format="csr", random_state=seed)
    if idx64:
        A.indptr = A.indptr.astype(np.int64)
        A.indices = A.indices.astype(np.int64)
    rows, signs = _kernels.sketch_map(seed, 0, n, s, m)
    out = np.zeros((m, k))
    nat.scatter_csr(A.indptr, A.indices, A.data, k, rows, signs, 1.0, out)
    S = _dense_from_map(rows, signs, 1.0, m)
    np.testing.assert_allclose(out, S @ A.toarray(), atol=1e-12)


def test_sketch_kernels_refuse_out_of_bounds():
    rows = np.array([[0], [5]], dtype=np.int64)
    signs = np.ones((2, 1), dtype=np.int8)
    out = np.zeros((3, 2))
    with pytest.raises(ValueError, match="outside"):
        nat.scatter_dense(np.ones((2, 2)), rows, signs, 1.0, out)
    ip = np.array([0, 1, 2], dtype=np.int32)
    with pytest.raises(ValueError, match="indices"):
        nat.scatter_csr(ip, np.array([0, 7], dtype=np.int32), np.ones(2), 2,
                        np.zeros((2, 1), dtype=np.int64), signs, 1.0, out)
    with pytest.raises(ValueError, match="indptr"):
        nat.scatter_csr(np.array([0, 3, 2], dtype=np.int32), np.array([0, 1], dtype=np.int32),
                        np.ones(2), 2, np.zeros((2, 1), dtype=np.int64), signs, 1.0, out)
    with pytest.raises(ValueError, match="overlap"):
        buf = np.zeros((2, 2))
        nat.scatter_dense(buf, np.zeros((2, 1), dtype=np.int64), signs, 1.0, buf)
    with pytest.raises(TypeError, match="dtype"):
        nat.scatter_dense(np.ones((2, 2)), np.zeros((2, 1), dtype=np.int64), signs, 1.0,
                          np.zeros((3, 2), dtype=np.float32))


def test_sketch_map_is_a_pure_function_of_seed_and_column():
    r1, g1 = _kernels.sketch_map(99, 0, 1000, 3, 50)
    r2, g2 = _kernels.sketch_map(99, 400, 100, 3, 50)
    np.testing.assert_array_equal(r1[400:500], r2)
    np.testing.assert_array_equal(g1[400:500], g2)
    r3, _ = _kernels.sketch_map(100, 0, 1000, 3, 50)
    assert (r3 != r1).mean() > 0.9


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 300), d=st.integers(1, 30), density=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_sparse_gram_matches_scipy(n, d, density, seed):
    import scipy.sparse as sp

    A = sp.random(n, d, density=density, format="csr", random_state=seed)
    np.testing.assert_allclose(_kernels.sparse_gram(A), (A.T @ A).toarray(), atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), d=st.integers(1, 40), k=st.integers(0, 45),
       density=st.floats(0.0, 1.0), fmt=st.sampled_from(["csr", "csc", "coo"]),
       dtype=st.sampled_from([np.float64, np.float32]), idx64=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_sparse_matmat_matches_scipy(n, d, k, density, fmt, dtype, idx64, seed):
    """A X and Aᵀ Y in every layout the kernel reads (CSR directly, CSC as
    the CSR of Aᵀ), both index widths and precisions, through the threaded
    and serial paths (small products run serially)."""
    import scipy.sparse as sp

    g = np.random.default_rng(seed)
    A = sp.random(n, d, density=density, format=fmt, random_state=seed, dtype=dtype)
    if idx64 and fmt != "coo":
        A.indptr = A.indptr.astype(np.int64)
        A.indices = A.indices.astype(np.int64)
    X, Y = g.standard_normal((d, k)), g.standard_normal((n, k))
    D = A.toarray().astype(np.float64)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for threads in (1, 2):
        with __import__("sketchla").threads(threads):
            AX = _kernels.sparse_matmat(A, X)
            ATY = _kernels.sparse_matmat(A, Y, transpose=True)
        assert AX.shape == (n, k) and ATY.shape == (d, k) and AX.dtype == dtype
        scale = 1 + np.abs(D).sum() * (1 + np.abs(X).max(initial=0) + np.abs(Y).max(initial=0))
        assert np.abs(AX - D @ X).max(initial=0) <= tol * scale
        assert np.abs(ATY - D.T @ Y).max(initial=0) <= tol * scale
    np.testing.assert_allclose(_kernels.sparse_matmat(A, X[:, 0] if k else np.zeros(d)),
                               D @ (X[:, 0] if k else np.zeros(d)), atol=tol * scale)


def test_sparse_matmat_threaded_sum_is_deterministic():
    """Aᵀ Y sums one accumulator per thread in a fixed order: the same bits
    on every call, and within rounding of the serial result."""
    import scipy.sparse as sp

    import sketchla

    A = sp.random(20000, 300, density=0.02, format="csr", random_state=1)
    Y = np.random.default_rng(1).standard_normal((20000, 16))
    with sketchla.threads(2):
        first = _kernels.sparse_matmat(A, Y, transpose=True)
        np.testing.assert_array_equal(first, _kernels.sparse_matmat(A, Y, transpose=True))
    with sketchla.threads(1):
        serial = _kernels.sparse_matmat(A, Y, transpose=True)
    np.testing.assert_allclose(first, serial, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(first, A.T @ Y, rtol=1e-12, atol=1e-12)


def test_csr_matmat_refuses_bad_input():
    ip = np.array([0, 1, 2], dtype=np.int32)
    X = np.ones((2, 3))
    with pytest.raises(ValueError, match="indices"):
        nat.csr_matmat(ip, np.array([0, 7], dtype=np.int32), np.ones(2), 2, X,
                       np.empty((2, 3)), False)
    with pytest.raises(ValueError, match="indptr"):
        nat.csr_matmat(np.array([0, 3, 2], dtype=np.int32), np.array([0, 1], dtype=np.int32),
                       np.ones(2), 2, X, np.empty((2, 3)), True)
    with pytest.raises(ValueError, match="shape"):
        nat.csr_matmat(ip, np.array([0, 1], dtype=np.int32), np.ones(2), 2, np.ones((5, 3)),
                       np.empty((2, 3)), False)
    with pytest.raises(TypeError, match="X"):
        nat.csr_matmat(ip, np.array([0, 1], dtype=np.int32), np.ones(2), 2,
                       X.astype(np.float32), np.empty((2, 3)), False)
    with pytest.raises(ValueError, match="C-contiguous"):
        nat.csr_matmat(ip, np.array([0, 1], dtype=np.int32), np.ones(2), 2,
                       np.ones((3, 2)).T, np.empty((2, 3)), False)
    with pytest.raises(ValueError, match="overlap"):
        buf = np.ones((2, 2))
        nat.csr_matmat(ip, np.array([0, 1], dtype=np.int32), np.ones(2), 2, buf, buf, False)
    with pytest.raises(TypeError, match="int32 or both"):
        nat.csr_matmat(ip, np.array([0, 1], dtype=np.int64), np.ones(2), 2, X,
                       np.empty((2, 3)), False)


def test_sparse_matmat_writes_into_a_given_buffer():
    import scipy.sparse as sp

    A = sp.random(300, 40, density=0.1, format="csr", random_state=2)
    X = np.random.default_rng(2).standard_normal((40, 5))
    out = np.full((300, 5), np.nan)
    res = _kernels.sparse_matmat(A, X, out=out)
    assert res is out
    np.testing.assert_allclose(out, A @ X, atol=1e-13)
    with pytest.raises(ValueError, match="shape"):
        _kernels.sparse_matmat(A, X, out=np.empty((300, 4)))
