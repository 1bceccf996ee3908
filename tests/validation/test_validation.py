"""The validation layer: one dtype rule, sparse structure checked before any
conversion, the caller's arrays never written, errors that name the argument."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import sketchla
from sketchla._validation import (
    check_array,
    check_bool,
    check_consistent_length,
    check_option,
    check_scalar,
    check_sparse,
    substream,
)


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [(np.float16, np.float32), (np.float32, np.float32), (np.float64, np.float64),
     (np.int32, np.float64), (np.bool_, np.float64), (np.uint8, np.float64)],
)
def test_one_dtype_rule_for_dense_and_sparse(dtype, expected):
    X = np.ones((4, 3), dtype=dtype)
    assert check_array(X).dtype == expected
    if dtype != np.float16:  # scipy.sparse has no float16
        assert check_array(sp.csr_matrix(X), accept_sparse=True).dtype == expected


@pytest.mark.parametrize("bad", [np.ones((3, 2), complex), np.array([["a", "b"]]),
                                 np.full((2, 2), {"a": 1}, object)])
def test_non_real_dtypes_are_type_errors(bad):
    with pytest.raises(TypeError, match="X"):
        check_array(bad, "X")


def test_none_in_an_object_array_reads_as_missing():
    # numpy's (and scikit-learn's) conversion: None is NaN, refused as NaN
    with pytest.raises(ValueError, match="X must not contain NaN"):
        check_array(np.empty((2, 2), object), "X")


def test_byte_order_and_strides_are_copied_not_refused():
    X = np.arange(24.0).reshape(6, 4)
    big = X.astype(">f8")
    out = check_array(big)
    assert out.dtype.isnative and np.array_equal(out, X)
    rev = X[::-1, ::-2]
    out = check_array(rev)
    assert all(s > 0 for s in out.strides) and np.array_equal(out, rev)
    # results do not depend on the memory layout
    np.testing.assert_allclose(sketchla.leverage_scores(big), sketchla.leverage_scores(X))


def _corrupt_csr():
    X = sp.random(50, 8, density=0.3, format="csr", random_state=0)
    yield "index out of range", (X.data, np.where(X.indices == X.indices[3], 99, X.indices),
                                 X.indptr)
    yield "negative index", (X.data, np.where(X.indices == X.indices[3], -1, X.indices),
                             X.indptr)
    ip = X.indptr.copy()
    ip[10] = ip[11] + 5
    yield "indptr decreases", (X.data, X.indices, ip)
    ip = X.indptr.copy()
    ip[-1] += 1000
    yield "indptr beyond indices", (X.data, X.indices, ip)
    ip = X.indptr.copy()
    ip[0] = 3
    yield "indptr[0]", (X.data, X.indices, ip)


@pytest.mark.parametrize("case", list(_corrupt_csr()), ids=lambda c: c[0])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_corrupt_compressed_structure_is_a_value_error(case, fmt):
    _, (data, indices, indptr) = case
    cls = sp.csr_matrix if fmt == "csr" else sp.csc_matrix
    shape = (50, 8) if fmt == "csr" else (8, 50)
    M = cls(shape)  # build without SciPy's own checks, as a careless caller could
    M.data, M.indices, M.indptr = data, indices, indptr
    with pytest.raises(ValueError, match="A has a corrupt sparse structure"):
        check_sparse(M, "A")


def test_corrupt_coo_is_a_value_error():
    M = sp.coo_matrix((np.ones(3), (np.array([0, 1, 7]), np.array([0, 1, 2]))), shape=(8, 3))
    M.row[2] = 8
    with pytest.raises(ValueError, match="row index out of range"):
        check_sparse(M, "A")
    M.row[2] = 1
    M.col[0] = -2
    with pytest.raises(ValueError, match="column index out of range"):
        check_sparse(M, "A")


_CRASH = textwrap.dedent(
    """
    import numpy as np, scipy.sparse as sp, sketchla
    X = sp.random(400, 6, density=0.4, format="{fmt}", random_state=1)
    {corrupt}
    for call in (lambda: sketchla.leverage_scores(X),
                 lambda: sketchla.lewis_weights(X, 1),
                 lambda: sketchla.make_sketch("gaussian", 20, 400, rng=0) @ X,
                 lambda: sketchla.make_sketch("srht", 20, 400, rng=0) @ X,
                 lambda: sketchla.make_sketch("sparse_sign", 20, 400, rng=0) @ X,
                 lambda: sketchla.lstsq(X, np.ones(400), rng=0),
                 lambda: sketchla.sample_rows(X, 10, rng=0)):
        try:
            call()
        except ValueError as e:
            assert "corrupt sparse structure" in str(e), e
        else:
            raise SystemExit("accepted a corrupt matrix")
    print("ok")
    """
)


@pytest.mark.parametrize(
    ("fmt", "corrupt"),
    [("csr", "X.indices[5] = 10**6"), ("csr", "X.indptr[3] = 10**6"),
     ("csc", "X.indices[5] = 10**6"), ("coo", "X.row[5] = 10**6")],
)
def test_corrupt_sparse_never_crashes_the_interpreter(fmt, corrupt):
    # in a child process: a segfault fails this test instead of the run
    code = _CRASH.format(fmt=fmt, corrupt=corrupt)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok"


def test_caller_arrays_are_never_written():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 300, 2000)
    cols = rng.integers(0, 6, 2000)
    X = sp.csr_matrix((rng.standard_normal(2000), (rows, cols)), shape=(300, 6))
    # an unsorted CSR with duplicates, as a caller may build it
    perm = rng.permutation(X.nnz)
    data, indices = X.data.copy(), X.indices.copy()
    for r in range(300):
        lo, hi = X.indptr[r], X.indptr[r + 1]
        p = lo + rng.permutation(hi - lo)
        data[lo:hi], indices[lo:hi] = X.data[p], X.indices[p]
    indices[X.indptr[5]:X.indptr[5] + 2] = indices[X.indptr[5]]  # a duplicate
    Y = sp.csr_matrix((data, indices, X.indptr.copy()), shape=X.shape)
    del perm
    before = [a.copy() for a in (Y.data, Y.indices, Y.indptr)]
    dense = Y.toarray()
    sketchla.leverage_scores(Y)
    sketchla.make_sketch("countsketch", 30, 300, rng=0) @ Y
    sketchla.coordinated_sketch(Y, 30, seed=0)
    sketchla.lstsq(Y, np.ones(300), rng=0)
    for a, b in zip(before, (Y.data, Y.indices, Y.indptr)):
        assert np.array_equal(a, b)
    C = check_sparse(Y, "A")
    assert C.has_canonical_format and np.allclose(C.toarray(), dense)


def test_scalars_options_and_lengths_name_the_argument():
    with pytest.raises(TypeError, match="tol"):
        check_scalar("a", "tol")
    with pytest.raises(TypeError, match="tol"):
        check_scalar(True, "tol")
    with pytest.raises(ValueError, match="tol must be > 0"):
        check_scalar(0.0, "tol", minimum=0, include_minimum=False)
    with pytest.raises(TypeError, match="fit_intercept"):
        check_bool("no", "fit_intercept")
    with pytest.raises(ValueError, match="method must be one of"):
        check_option("qr", "method", ("exact", "approx"))
    with pytest.raises(ValueError, match="A and b must have the same number of rows"):
        check_consistent_length(("A", np.ones((3, 2))), ("b", np.ones(4)))
    with pytest.raises(TypeError, match="tol"):
        sketchla.lstsq(np.ones((10, 2)), np.ones(10), tol="a")
    with pytest.raises(TypeError, match="refine"):
        sketchla.lstsq(np.ones((10, 2)), np.ones(10), refine="yes")
    with pytest.raises(ValueError, match="b must be non-empty"):
        sketchla.lstsq(np.ones((10, 2)), np.zeros((10, 0)))
    X = sketchla.datasets.make_low_rank_completion(30, 20, 2, fraction=0.5, rng=0)[0]
    with pytest.raises(TypeError, match="verbose"):
        sketchla.altmin_complete(X, 2, verbose="yes")
    with pytest.raises(TypeError, match="sparse input is not supported"):
        sketchla.spm_moments(X, order=3)


def test_substreams_are_distinct_and_reproducible():
    a = substream(7, "gaussian", 0).standard_normal(4)
    assert np.array_equal(a, substream(7, "gaussian", 0).standard_normal(4))
    assert not np.array_equal(a, substream(7, "gaussian", 1).standard_normal(4))
    assert not np.array_equal(a, substream(7, "srht_signs", 0).standard_normal(4))
    assert substream(7, "gaussian", 0, integer=True) != substream(7, "gaussian", 1, integer=True)


def test_fuzz_found_classes_are_refused_with_the_argument_named():
    A = np.random.default_rng(0).standard_normal((40, 3))
    with pytest.raises(ValueError, match="p must be a number in"):
        sketchla.lewis_weights(A, 2.0**70)
    with pytest.raises(ValueError, match=r"k must be <= 2\*\*53"):
        sketchla.sample_volume_rescaled(A, 2**70)
    with pytest.raises(ValueError, match="order = .* too large"):
        sketchla.moment_tensor(A, 40)
    with pytest.raises(ValueError, match="moments of X overflow"):
        sketchla.moment_tensor(A * 1e150, 3)
    with pytest.raises(ValueError, match="dim and degree"):
        sketchla.polynomial_basis(dim=2**40, degree=2)
    with pytest.raises(ValueError, match="solution overflows"):
        sketchla.lstsq(np.array([[1e-320]]), np.array([1.0]), method="exact")
    with pytest.raises(TypeError, match="n must be an integer"):
        sketchla.set_num_threads("a")
    with pytest.raises(ValueError, match="^X and y: Found array with 0 sample"):
        sketchla.LpRegression().fit(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match="X must be numeric"):
        sketchla.SketchedRegression().fit(np.arange(12).reshape(6, 2).astype("datetime64[s]"),
                                          np.ones(6))
    big = sketchla.coordinated_sketch(A * 1e200, 10, seed=0)
    with pytest.raises(ValueError, match="sketch_a and sketch_b: the estimate"):
        sketchla.estimate_product(big, big)


def test_moment_estimators_are_scale_equivariant():
    from sketchla.datasets import make_gaussian_mixture

    X = make_gaussian_mixture(3000, 4, 2, rng=0)[0]
    for c in (1e-150, 1e150):
        m1 = sketchla.MomentGaussianMixture(n_components=2, random_state=0).fit(X)
        mc = sketchla.MomentGaussianMixture(n_components=2, random_state=0).fit(X * c)
        np.testing.assert_allclose(mc.means_ / c, m1.means_, rtol=1e-8)
        np.testing.assert_allclose(mc.weights_, m1.weights_, rtol=1e-8)
        np.testing.assert_allclose(mc.noise_variance_ / c**2, m1.noise_variance_, rtol=1e-8)
        i1 = sketchla.CumulantICA(n_components=1, random_state=0).fit(X)
        ic = sketchla.CumulantICA(n_components=1, random_state=0).fit(X * c)
        np.testing.assert_allclose(ic.mixing_ / c, i1.mixing_, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda X: sketchla.lstsq(X, np.ones(X.shape[0])),
    lambda X: sketchla.randomized_svd(X, 2, rng=0),
    lambda X: sketchla.altmin_complete(X, 1, rng=0),
    lambda X: sketchla.SketchedRegression().fit(X, np.ones(X.shape[0])),
    lambda X: sketchla.RowSampler(sketch_size=5).fit(X),
])
def test_masked_arrays_are_refused_not_read_without_their_mask(call):
    X = np.ma.masked_array(np.random.default_rng(0).standard_normal((40, 4)))
    X[3, 1] = np.ma.masked
    with pytest.raises(TypeError, match="masked arrays"):
        call(X)


def test_requests_that_cannot_fit_in_memory_are_refused_before_any_work():
    from sketchla._validation._params import available_memory

    if available_memory() is None:
        pytest.skip("the machine's memory cannot be read here")
    basis = sketchla.polynomial_basis("legendre", dim=1, degree=3)
    with pytest.raises(MemoryError, match="n_samples"):
        sketchla.approximate(lambda x: x[:, 0], basis, 10**12, rng=0)
    U = np.linalg.qr(np.random.default_rng(0).standard_normal((50, 4)))[0]
    with pytest.raises(MemoryError, match="min_repeats"):
        sketchla.sample_repeated_dpp(U, min_repeats=10**12, max_repeats=10**12, rng=0)


@pytest.mark.parametrize("name,call", [
    ("tol", lambda: sketchla.lstsq(np.eye(30, 5) + 1.0, np.ones(30), tol=1e-300)),
    ("tol", lambda: sketchla.lewis_weights(np.eye(30, 5) + 1.0, p=1, tol=1e-300)),
    ("tol", lambda: sketchla.sshopm(_tensor(), tol=1e-300, rng=0)),
    ("grad_tol", lambda: sketchla.spm(_tensor(), grad_tol=1e-300, rng=0)),
])
def test_a_tolerance_below_the_precision_is_clipped_with_a_warning(name, call):
    with pytest.warns(RuntimeWarning, match=f"{name}=1e-300 is below"):
        call()


def _tensor():
    from sketchla.datasets import make_symmetric_tensor

    return make_symmetric_tensor(5, 4, 2, rng=0)[0]


_G = np.random.default_rng(11)
_X = _G.standard_normal((120, 3))
_Y = _X @ np.ones(3)
_DICT = _X.astype(object)
_DICT[0, 0] = {"a": 1}
DTYPE_CASES = {  # name -> (X, accepted?)
    "object numbers": (_X.astype(object), True),
    "numeric strings": (_X.astype(str), False),
    "bytes": (_X.astype(bytes), False),
    "structured": (np.zeros(120, dtype=[("a", "f8"), ("b", "f8"), ("c", "f8")]), False),
    "object strings": (np.full((120, 3), "1.5", dtype=object), False),
    "object dict": (_DICT, False),
}
DTYPE_ENTRIES = {
    "lstsq": lambda Z: sketchla.lstsq(Z, _Y, rng=0),
    "leverage_scores": lambda Z: sketchla.leverage_scores(Z),
    "randomized_svd": lambda Z: sketchla.randomized_svd(Z, 2, rng=0),
    "SketchedRegression": lambda Z: sketchla.SketchedRegression(random_state=0).fit(Z, _Y),
    "RowSampler": lambda Z: sketchla.RowSampler(sketch_size=40, random_state=0).fit(Z),
    "QuantileRegression": lambda Z: sketchla.QuantileRegression(random_state=0).fit(Z, _Y),
}


@pytest.mark.parametrize("entry", list(DTYPE_ENTRIES))
@pytest.mark.parametrize("case", list(DTYPE_CASES))
def test_functions_and_estimators_follow_one_dtype_rule(case, entry):
    """Object arrays of numbers are read as float64 (scikit-learn's rule);
    strings, bytes, structured dtypes and other objects are a TypeError
    naming the argument, from the function API and the estimators alike."""
    X, accepted = DTYPE_CASES[case]
    if accepted:
        DTYPE_ENTRIES[entry](X)
    else:
        with pytest.raises(TypeError, match=r"^(A|X) must hold real numbers"):
            DTYPE_ENTRIES[entry](X)
