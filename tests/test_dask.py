"""Dask input on a real scheduler: ``distributed.LocalCluster`` (2 worker
processes) and the synchronous scheduler.

For each function that takes a dask array: the result equals the in-memory
(NumPy) result for the same seed, it does not depend on the chunking, and
the data is read in the number of passes the docstrings promise (counted
by a source array that records its reads, on the synchronous scheduler).
On the cluster no computation may resubmit a key with a different task
(the scheduler's "Detected different `run_spec`" warning, which dask says
can deadlock).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
import scipy.sparse as sp

import sketchla

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")


class Counting:
    """An array-like source whose reads (one per chunk a graph loads) are counted."""

    def __init__(self, X):
        self.X, self.shape, self.dtype, self.ndim = X, X.shape, X.dtype, X.ndim
        self.reads = 0

    def __getitem__(self, key):
        out = self.X[key]
        self.reads += out.size > 0  # dask reads an empty slice for its metadata
        return out


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=logging.ERROR) as lc:
        yield lc


@pytest.fixture(params=["synchronous", "distributed"])
def scheduler(request):
    """Run the test under one scheduler; on the cluster, fail on a key conflict."""
    if request.param == "synchronous":
        with dask.config.set(scheduler="synchronous"):
            yield request.param
        return
    lc = request.getfixturevalue("cluster")
    # distributed's loggers do not propagate to the root logger: a handler on
    # the scheduler's logger itself collects its warnings
    conflicts = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: conflicts.append(record.getMessage())
    log = logging.getLogger("distributed.scheduler")
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.WARNING)
    try:
        with distributed.Client(lc, set_as_default=True):
            yield request.param
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    conflicts = [c for c in conflicts if "run_spec" in c]
    assert not conflicts, conflicts[0]


def _problem(n=6000, d=8, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d)) * np.logspace(0, 2, d)
    b = A @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    return A, b


CHUNKS = (6000, 1000, 777)


@pytest.mark.parametrize("kind", ["gaussian", "srht", "countsketch", "sparse_sign"])
def test_sketch_equals_in_memory_for_every_chunking(kind, scheduler):
    A, _ = _problem()
    S = sketchla.make_sketch(kind, 64, A.shape[0], rng=1)
    ref = S @ A
    for rows in CHUNKS:
        out = (S @ da.from_array(A, chunks=(rows, 8))).compute()
        np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())


def test_sketch_of_sparse_chunks_on_workers(scheduler):
    X = sp.random(5000, 30, density=0.05, format="csr", random_state=2)
    S = sketchla.make_sketch("sparse_sign", 60, 5000, rng=0)
    out = (S @ da.from_array(X, chunks=(1300, 30), asarray=False)).compute()
    np.testing.assert_allclose(out, S @ X, rtol=1e-12, atol=1e-13)


def test_lstsq_precondition_matches_numpy(scheduler):
    A, b = _problem()
    x_ref = np.linalg.lstsq(A, b, rcond=None)[0]
    for rows in CHUNKS:
        res = sketchla.lstsq(da.from_array(A, chunks=(rows, 8)), da.from_array(b, chunks=rows),
                             rng=0)
        assert type(res.x).__module__.startswith("dask")
        x = np.asarray(res.x.compute())
        assert res.converged
        assert np.linalg.norm(x - x_ref) <= 1e-10 * np.linalg.norm(x_ref)
        np.testing.assert_allclose(res.residual_norm, np.linalg.norm(A @ x_ref - b), rtol=1e-10)


def test_lstsq_precondition_passes():
    """The sketch, then one pass per iteration (the refinement's Gram matrix
    shares the first), then the residual: iterations + 2 passes over A."""
    A, b = _problem()
    C = Counting(A)
    Ad = da.from_array(C, chunks=(1000, 8))
    with dask.config.set(scheduler="synchronous"):
        res = sketchla.lstsq(Ad, da.from_array(b, chunks=1000), rng=0)
    passes = C.reads / 6
    assert res.converged and res.n_iter >= 1
    assert passes <= res.n_iter + 2, (passes, res.n_iter)


@pytest.mark.parametrize("method", ["sketch", "precondition"])
def test_lstsq_equals_in_memory_for_the_same_seed(method, scheduler):
    A, b = _problem()
    ref = sketchla.lstsq(A, b, method=method, rng=5).x
    res = sketchla.lstsq(da.from_array(A, chunks=(777, 8)), da.from_array(b, chunks=777),
                         method=method, rng=5)
    np.testing.assert_allclose(np.asarray(res.x.compute()), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("solve", ["lstsq", "sketch_and_solve"])
def test_sketch_and_solve_one_pass(solve):
    """S A and S b in one graph: one read of every block; the residual norm
    stays lazy (one more pass when it is computed)."""
    A, b = _problem()
    C = Counting(A)
    Ad, bd = da.from_array(C, chunks=(1000, 8)), da.from_array(b, chunks=1000)
    with dask.config.set(scheduler="synchronous"):
        if solve == "lstsq":
            res = sketchla.lstsq(Ad, bd, method="sketch", rng=0)
            x = np.asarray(res.x.compute())
            assert C.reads == 6
            assert type(res.residual_norm).__module__.startswith("dask")
            np.testing.assert_allclose(float(res.residual_norm.compute()),
                                       np.linalg.norm(A @ x - b), rtol=1e-12)
            assert C.reads == 12
            ref = sketchla.lstsq(A, b, method="sketch", rng=0).x
        else:
            x = np.asarray(sketchla.sketch_and_solve(Ad, bd, rng=0).compute())
            assert C.reads == 6
            ref = sketchla.sketch_and_solve(A, b, rng=0)
    np.testing.assert_allclose(x, ref, rtol=1e-10)


@pytest.mark.parametrize("method", ["exact", "approx"])
def test_leverage_scores_equal_in_memory(method, scheduler):
    A, _ = _problem()
    ref = sketchla.leverage_scores(A, method, rng=0)
    for rows in (1000, 777):
        out = sketchla.leverage_scores(da.from_array(A, chunks=(rows, 8)), method, rng=0)
        assert type(out).__module__.startswith("dask")
        tol = 1e-10 if method == "exact" else 0.05  # approx: two different JL draws
        np.testing.assert_allclose(np.asarray(out.compute()), ref, rtol=tol)


def test_leverage_scores_passes():
    A, _ = _problem()
    C = Counting(A)
    with dask.config.set(scheduler="synchronous"):
        np.asarray(sketchla.leverage_scores(da.from_array(C, chunks=(1000, 8))).compute())
    assert C.reads / 6 <= 3


def test_lewis_weights_equal_in_memory(scheduler):
    A, _ = _problem(n=3000, d=5)
    ref = sketchla.lewis_weights(A, 1)
    # (one chunking on the cluster: each fixed-point step is a graph there)
    for rows in (3000, 700) if scheduler == "synchronous" else (700,):
        out = sketchla.lewis_weights(da.from_array(A, chunks=(rows, 5)), 1)
        np.testing.assert_allclose(np.asarray(out.compute()), ref, rtol=1e-8)


def test_sample_rows_equals_in_memory(scheduler):
    A, _ = _problem()
    ref = sketchla.sample_rows(A, 200, rng=3)
    out = sketchla.sample_rows(da.from_array(A, chunks=(777, 8)), 200, rng=3)
    np.testing.assert_array_equal(out.indices, ref.indices)
    np.testing.assert_allclose(out.weights, ref.weights, rtol=1e-10)


def _same_sketch(s, ref):
    for attr in ("key_id", "indptr", "indices", "data", "prob", "weight", "u"):
        np.testing.assert_array_equal(getattr(s, attr), getattr(ref, attr), err_msg=attr)
    assert (s.tau, s.scale_exp, s.n_rows) == (ref.tau, ref.scale_exp, ref.n_rows)


def test_coordinated_sketch_of_row_blocks_is_the_one_machine_sketch(scheduler):
    rng = np.random.default_rng(4)
    A = rng.standard_normal((5000, 6)) * rng.exponential(size=(5000, 1))
    keys = rng.permutation(10**6)[:5000]
    ref = sketchla.coordinated_sketch(A, 300, keys=keys, seed=3)
    for rows in (5000, 1000, 777, 123):
        _same_sketch(sketchla.coordinated_sketch(da.from_array(A, chunks=(rows, 6)), 300,
                                                 keys=keys, seed=3), ref)
    X = sp.random(5000, 40, density=0.05, format="csr", random_state=0)
    _same_sketch(sketchla.coordinated_sketch(da.from_array(X, chunks=(900, 40), asarray=False),
                                             300, seed=3),
                 sketchla.coordinated_sketch(X, 300, seed=3))


def test_coordinated_sketch_one_pass():
    A, _ = _problem()
    C = Counting(A)
    with dask.config.set(scheduler="synchronous"):
        sketchla.coordinated_sketch(da.from_array(C, chunks=(1000, 8)), 100, seed=0)
    assert C.reads == 6


def test_coordinated_sketch_of_a_dask_dataframe(scheduler):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(5)
    A = rng.standard_normal((3000, 4))
    keys = [f"user{i}" for i in rng.permutation(10**5)[:3000]]
    df = pd.DataFrame(A, columns=list("abcd")).assign(user=keys)
    ref = sketchla.coordinated_sketch(A, 200, keys=keys, seed=9)
    _same_sketch(sketchla.coordinated_sketch(df, 200, keys="user", seed=9), ref)
    for parts in (1, 4, 7):
        _same_sketch(sketchla.coordinated_sketch(dd.from_pandas(df, npartitions=parts), 200,
                                                 keys="user", seed=9), ref)
    est = sketchla.estimate_product(
        sketchla.coordinated_sketch(dd.from_pandas(df, npartitions=3), 200, keys="user",
                                    seed=9), ref)
    assert est.shape == (4, 4)


def test_coordinated_sketch_dataframe_errors():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    df = pd.DataFrame({"a": np.arange(10.0), "k": np.arange(10)})
    with pytest.raises(ValueError, match="keys"):
        sketchla.coordinated_sketch(df, 3, keys="missing")
    twice = dd.from_pandas(pd.concat([df, df]), npartitions=2)
    with pytest.raises(ValueError, match="unique"):
        sketchla.coordinated_sketch(twice, 3, keys="k", seed=0)
    with pytest.raises(TypeError, match="priority"):
        sketchla.coordinated_sketch(dd.from_pandas(df, npartitions=2), 3, keys="k",
                                    method="threshold")
    floats = pd.DataFrame({"a": np.arange(10.0), "k": np.arange(10.0)})
    with pytest.raises(TypeError, match="keys"):
        sketchla.coordinated_sketch(floats, 3, keys="k")


def test_workers_run_native_kernels_on_one_thread(cluster):
    """Each worker process holds its BLAS and the native pool to one thread,
    so two single-threaded workers never oversubscribe two cores."""
    def pools():
        from threadpoolctl import threadpool_info

        import sketchla

        return sketchla.get_num_threads(), sorted({p["num_threads"] for p in threadpool_info()})

    with distributed.Client(cluster) as client:
        for native, blas in client.run(pools).values():
            assert native == 1 and blas == [1]


def _completion_problem(noise=0.0, seed=0):
    from sketchla.datasets import make_low_rank_completion

    X, U, V = make_low_rank_completion(600, 400, 4, fraction=0.15, noise=noise, rng=seed)
    return X.tocsr(), U @ V.T


def _same_completion(res, ref, rtol):
    np.testing.assert_allclose(res.U @ res.V.T, ref.U @ ref.V.T, rtol=0,
                               atol=rtol * np.abs(ref.U @ ref.V.T).max())
    for attr in ("empty_rows", "empty_cols", "underdetermined_rows", "underdetermined_cols"):
        np.testing.assert_array_equal(getattr(res, attr), getattr(ref, attr), err_msg=attr)
    assert res.method == ref.method


@pytest.mark.parametrize("solver", ["exact", "sketched"])
def test_altmin_on_sparse_chunks_equals_in_memory(solver, scheduler):
    """Noisy observations (no exact recovery to hide behind): the blocked
    sweeps follow the in-memory iterates for every chunking, sketched solves
    included (each entry is hashed by its position in the whole matrix)."""
    X, _ = _completion_problem(noise=0.1)
    # reg="auto" chooses on held-out entries in memory only (dask: λ = 0): fixed here
    ref = sketchla.altmin_complete(X, 4, method=solver, max_iter=15, tol=0, reg=0.0, rng=0)
    for rows in (600, 150, 97):
        res = sketchla.altmin_complete(da.from_array(X, chunks=(rows, 400), asarray=False), 4,
                                       method=solver, max_iter=15, tol=0, reg=0.0, rng=0)
        assert res.n_iter == ref.n_iter
        np.testing.assert_allclose(res.residuals, ref.residuals, rtol=1e-9)
        _same_completion(res, ref, 1e-8)


def test_altmin_of_nan_dense_chunks_and_triplets(scheduler):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, M = _completion_problem()
    ref = sketchla.altmin_complete(X, 4, rng=1)
    assert np.abs(ref.toarray() - M).max() < 1e-8 * np.abs(M).max()
    dense = np.full(X.shape, np.nan)
    C = X.tocoo()
    dense[C.row, C.col] = C.data
    _same_completion(sketchla.altmin_complete(da.from_array(dense, chunks=(128, 400)), 4,
                                              rng=1), ref, 1e-8)
    perm = np.random.default_rng(0).permutation(C.nnz)  # triplets in any order
    df = pd.DataFrame({"user": C.row[perm], "item": C.col[perm], "rating": C.data[perm]})
    for parts in (1, 5):
        res = sketchla.altmin_complete(dd.from_pandas(df, npartitions=parts), 4, rng=1)
        _same_completion(res, ref, 1e-8)


def test_altmin_on_dask_sets_aside_and_equilibrates_as_in_memory(scheduler):
    """Power-law rows (many under-determined) and five rows and columns ×100
    (equilibration): the same preprocessing on the blocks."""
    rng = np.random.default_rng(3)
    m, n, k = 500, 300, 3
    L = rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
    L[:5] *= 100
    L[:, :5] *= 100
    p = np.minimum(1.0, 0.25 * rng.pareto(1.5, size=m)[:, None] + 0.02)
    mask = rng.random((m, n)) < p
    X = sp.csr_matrix(np.where(mask, L, 0.0))
    X = sp.csr_matrix((L[mask], np.nonzero(mask)), shape=(m, n))
    with pytest.warns(RuntimeWarning, match="fewer than"):
        ref = sketchla.altmin_complete(X, k, rng=2)
    with pytest.warns(RuntimeWarning, match="fewer than"):
        res = sketchla.altmin_complete(da.from_array(X, chunks=(111, n), asarray=False), k,
                                       rng=2)
    assert ref.underdetermined_rows.size > 0
    _same_completion(res, ref, 1e-7)


def test_altmin_on_dask_errors():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    df = pd.DataFrame({"r": [0, 1], "c": [0, 1], "v": [1.0, np.inf]})
    with pytest.raises(ValueError, match="finite"):
        sketchla.altmin_complete(dd.from_pandas(df, npartitions=1), 1)
    with pytest.raises(ValueError, match="three"):
        sketchla.altmin_complete(dd.from_pandas(df.assign(w=1), npartitions=1), 1)
    with pytest.raises(TypeError, match="sample_splitting"):
        X, _ = _completion_problem()
        sketchla.altmin_complete(da.from_array(X, chunks=(300, 400), asarray=False), 4,
                                 sample_splitting=True)


def test_dask_inputs_of_every_layout():
    """Column chunks, b chunked unlike A, and unknown chunk sizes."""
    A, b = _problem()
    with dask.config.set(scheduler="synchronous"):
        ref = sketchla.lstsq(A, b, rng=0).x
        res = sketchla.lstsq(da.from_array(A, chunks=(1000, 3)), da.from_array(b, chunks=1500),
                             rng=0)
        np.testing.assert_allclose(np.asarray(res.x.compute()), ref, rtol=1e-10, atol=1e-12)
        X, _ = _completion_problem()
        ref = sketchla.altmin_complete(X, 4, rng=0)
        res = sketchla.altmin_complete(da.from_array(X.toarray(), chunks=(200, 150))
                                       .map_blocks(sp.csr_matrix), 4, rng=0)
        _same_completion(res, ref, 1e-8)
        Ad = da.from_array(A, chunks=(1000, 8))
        unknown = Ad[Ad[:, 0] > -np.inf]
        with pytest.raises(ValueError, match="chunk"):
            sketchla.altmin_complete(unknown, 2)


def test_altmin_triplet_errors():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    neg = pd.DataFrame({"r": [0, -1], "c": [0, 1], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="non-negative"):
        sketchla.altmin_complete(dd.from_pandas(neg, npartitions=1), 1)
    floats = pd.DataFrame({"r": [0.0, 1.0], "c": [0, 1], "v": [1.0, 2.0]})
    with pytest.raises(TypeError, match="integer"):
        sketchla.altmin_complete(dd.from_pandas(floats, npartitions=1), 1)
