"""The thread policy: one setting, results independent of threads, and
fork, spawn, threads and dask giving the serial result."""

import concurrent.futures as cf
import multiprocessing as mp
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
import scipy.linalg  # noqa: F401 -- loads SciPy's BLAS before the baselines are read
import scipy.sparse as sp
from threadpoolctl import threadpool_info

import sketchla
from sketchla._kernels import native
from sketchla._kernels.threads import serial_blas, worker_threads

# Every kernel below is called at a size where its parallel region runs on
# several threads (see the `if` clauses in native/).
WORK = textwrap.dedent(
    """
    import numpy as np
    import scipy.sparse as sp
    import sketchla


    def work(_=None):
        g = np.random.default_rng(0)
        A = g.standard_normal((20000, 40))
        U, _ = np.linalg.qr(A)
        B = (U * np.logspace(0, -7, 40)) @ g.standard_normal((40, 40))
        b = g.standard_normal(20000)
        X = sp.random(3000, 200, density=0.05, random_state=1, format="csr")
        C = sketchla.datasets.make_low_rank_completion(300, 300, 5, fraction=0.3, rng=0)[0]
        return (
            sketchla.countsketch(500, 20000, rng=1) @ A,
            sketchla.srht(256, 20000, rng=1) @ A,
            sketchla.lstsq(B, b, rng=0).x,
            sketchla.leverage_scores(X, method="exact"),
            sketchla.altmin_complete(C, 5, rng=0, max_iter=5).U,
            sketchla.sample_k_dpp((np.linspace(1.0, 2.0, 40), U), 10, rng=0),
        )
    """
)


@pytest.fixture(scope="module")
def work_module(tmp_path_factory):
    d = tmp_path_factory.mktemp("threads_work")
    (d / "sketchla_thread_work.py").write_text(WORK)
    sys.path.insert(0, str(d))
    import sketchla_thread_work

    yield sketchla_thread_work
    sys.path.remove(str(d))


@pytest.fixture(scope="module")
def serial(work_module):
    with sketchla.threads(1):
        return work_module.work()


def _same(a, b):
    """Normwise agreement. Dense sketches and Gram matrices are bit-identical
    for every thread count (tested below), but LAPACK and the sparse Gram
    kernel sum in an order that depends on the thread count, so results
    computed through them agree to their conditioning: lstsq on the κ = 1e7
    matrix of WORK to about κ·eps ≈ 2e-9 of ‖x‖ (seen: 5e-11)."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape
        assert np.linalg.norm(x - y) <= 1e-8 * np.linalg.norm(y), \
            np.linalg.norm(x - y) / np.linalg.norm(y)


def _blas_threads():
    return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


# ------------------------------------------------------------------ setting

@pytest.mark.parametrize("bad, exc", [(0, ValueError), (-1, ValueError), (2**31 - 1, ValueError),
                                      (4097, ValueError), (1.5, TypeError), ("2", TypeError),
                                      (True, TypeError)])
def test_set_num_threads_validates(bad, exc):
    before = sketchla.get_num_threads()
    with pytest.raises(exc, match="^n must be"):
        sketchla.set_num_threads(bad)
    assert sketchla.get_num_threads() == before


def test_native_boundary_refuses_huge_thread_counts():
    with pytest.raises(ValueError, match="n_threads"):
        native().set_num_threads(2**31 - 1)
    with pytest.raises(ValueError, match="n_threads"):
        native().set_local_num_threads(-3)


def test_setting_sizes_native_and_blas_together():
    blas0 = _blas_threads()
    assert blas0, "no BLAS library found by threadpoolctl"
    with sketchla.threads(1):
        assert sketchla.get_num_threads() == 1
        assert set(_blas_threads().values()) == {1}
        with sketchla.threads(3):
            assert sketchla.get_num_threads() == 3
            assert set(_blas_threads().values()) == {3}
        assert sketchla.get_num_threads() == 1
    assert _blas_threads() == blas0
    assert sketchla.get_num_threads() == native().num_threads()


def test_serial_blas_holds_blas_to_one_thread_and_nests():
    blas0 = _blas_threads()
    with serial_blas():
        assert set(_blas_threads().values()) == {1}
        with serial_blas():
            assert set(_blas_threads().values()) == {1}
        assert set(_blas_threads().values()) == {1}  # the outer section still holds it
    assert _blas_threads() == blas0


def test_serial_blas_is_reference_counted_across_threads():
    """Concurrent sections from several threads give the pools back only when
    the last one exits. (What OpenBLAS does with a limit requested from a
    thread other than the main one is its own affair -- OpenBLAS 0.3.31
    ignores it once the main thread has set one -- so this checks the count
    and the restoration, which are sketchla's.)"""
    from sketchla._kernels.threads import _state

    blas0 = _blas_threads()
    barrier = threading.Barrier(4)
    depth = []

    def job():
        with serial_blas():
            barrier.wait()
            depth.append(_state["serial_depth"])
            barrier.wait()  # nobody leaves before everybody has looked

    ts = [threading.Thread(target=job) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert depth == [4] * 4
    assert _state["serial_depth"] == 0
    assert _blas_threads() == blas0


def test_worker_threads_is_per_thread():
    out = {}

    def job():
        with worker_threads(1):
            out["inside"] = native().num_threads()
        out["after"] = native().num_threads()

    with sketchla.threads(2):
        t = threading.Thread(target=job)
        t.start()
        t.join()
        assert native().num_threads() == 2
    assert out == {"inside": 1, "after": 2}


# ------------------------------------------------------------------ results

@pytest.mark.parametrize("n", [2, 3])
def test_results_do_not_depend_on_thread_count(work_module, serial, n):
    with sketchla.threads(n):
        _same(work_module.work(), serial)


def test_python_threads_give_the_serial_result(work_module, serial):
    with cf.ThreadPoolExecutor(3) as ex:
        for res in ex.map(work_module.work, range(3), timeout=300):
            _same(res, serial)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_gives_the_serial_result(work_module, serial, method):
    if method not in mp.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    work_module.work()  # the parent has used every parallel region
    ctx = mp.get_context(method)
    with ctx.Pool(2) as pool:
        res = pool.map_async(work_module.work, range(2)).get(timeout=300)
    for r in res:
        _same(r, serial)


def test_concurrent_futures_fork_gives_the_serial_result(work_module, serial):
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("fork is not available here")
    work_module.work()
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
        for r in ex.map(work_module.work, range(2), timeout=300):
            _same(r, serial)


@pytest.mark.parametrize("backend", ["loky", "multiprocessing", "threading"])
def test_joblib_gives_the_serial_result(work_module, serial, backend):
    joblib = pytest.importorskip("joblib")
    work_module.work()
    res = joblib.Parallel(n_jobs=2, backend=backend, timeout=300)(
        joblib.delayed(work_module.work)() for _ in range(2))
    for r in res:
        _same(r, serial)


def test_bare_fork_child_runs_kernels_serially(work_module, serial):
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    work_module.work()
    code = textwrap.dedent(
        f"""
        import os, sys, numpy as np
        sys.path.insert(0, {os.path.dirname(work_module.__file__)!r})
        import sketchla, sketchla_thread_work as w
        from sketchla._kernels import native
        ref = w.work()
        pid = os.fork()
        if pid == 0:
            ok = native().in_forked_child() and sketchla.get_num_threads() == 1
            res = w.work()
            ok = ok and all(np.allclose(a, b, rtol=1e-9, atol=1e-12) for a, b in zip(res, ref))
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr


def test_dask_threaded_scheduler_gives_the_serial_result():
    da = pytest.importorskip("dask.array")
    import dask

    g = np.random.default_rng(0)
    A = g.standard_normal((40000, 30))
    S = sketchla.countsketch(400, 40000, rng=3)
    with sketchla.threads(1):
        ref = S @ A
    Ad = da.from_array(A, chunks=(5000, 30))
    with dask.config.set(scheduler="threads", num_workers=4):
        got = (S @ Ad).compute()
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ races

def test_csr_changed_during_a_call_never_reads_out_of_bounds():
    """A thread corrupts A.indices while S @ A and the Gram kernel run: the
    kernels check every index where they read it, so the call either
    finishes or raises ValueError -- it never crashes."""
    code = textwrap.dedent(
        """
        import threading, numpy as np, scipy.sparse as sp, sketchla
        from sketchla._kernels import native
        A = sp.random(200000, 300, density=0.01, format="csr", random_state=0)
        S = sketchla.countsketch(600, 200000, rng=0)
        stop = threading.Event()
        def vandal():
            g = np.random.default_rng(1)
            while not stop.is_set():
                i = g.integers(A.indices.size, size=50)
                A.indices[i] = g.integers(-10**6, 10**6, size=50).astype(A.indices.dtype)
        t = threading.Thread(target=vandal); t.start()
        outcomes = set()
        for _ in range(20):
            for f in (lambda: native().scatter_csr(A.indptr, A.indices, A.data, 300,
                                                   *S.column_map(), 1.0,
                                                   np.zeros((600, 300))),
                      lambda: native().sparse_gram(A.indptr, A.indices, A.data, 300,
                                                   np.empty((300, 300)))):
                try:
                    f(); outcomes.add("ok")
                except ValueError as e:
                    assert "inconsistent" in str(e); outcomes.add("ValueError")
        stop.set(); t.join()
        print(sorted(outcomes))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert "ValueError" in out.stdout


def test_altmin_kernel_refuses_aliased_outputs():
    g = np.random.default_rng(0)
    X = sp.random(50, 40, density=0.3, format="csr", random_state=0)
    ptr, idx = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    F = g.standard_normal((60, 3))
    U = np.zeros((50, 3))
    inside_F = F.reshape(-1)[:150].reshape(50, 3)
    with pytest.raises(ValueError, match="overlap"):
        native().altmin_update_rows(ptr, idx, X.data, F, U, inside_F, 0.0, False, 1, 3, 0, None)
    resid = np.zeros(50)
    native().altmin_update_rows(ptr, idx, X.data, F, U, U, 0.0, False, 1, 3, 0, resid)
    with pytest.raises(ValueError, match="overlap"):
        native().altmin_update_rows(ptr, idx, X.data, F, U, U, 0.0, False, 1, 3, 0,
                                    U.reshape(-1)[:50])


# ------------------------------------------------------------------ blocked BLAS-3

@pytest.mark.parametrize("shape", [(2**16, 40), (3000, 7), (100, 300)])
def test_blocked_gram_is_the_same_for_every_thread_count(shape):
    from sketchla import _kernels

    g = np.random.default_rng(0)
    A = g.standard_normal(shape) * np.logspace(0, 3, shape[1])
    M = g.standard_normal((shape[1], 5))
    with sketchla.threads(1):
        G1, P1 = _kernels.gram(A), _kernels.gram_of_product(A, M, 1 << 16)
    for n in (2, 3):
        with sketchla.threads(n):
            assert np.array_equal(_kernels.gram(A), G1)
            assert np.array_equal(_kernels.gram_of_product(A, M, 1 << 16), P1)
    # and it is AᵀA: a sum of n·d products per entry, error ~ n·eps·‖A‖²
    tol = shape[0] * np.finfo(float).eps * np.linalg.norm(A, 2) ** 2
    assert np.abs(G1 - A.T @ A).max() <= tol
    AM = A @ M
    assert np.abs(P1 - AM.T @ AM).max() <= shape[0] * np.finfo(float).eps * np.linalg.norm(AM, 2) ** 2


@pytest.mark.parametrize("shape", [(2**16, 40), (3000, 7), (100, 3)])
def test_tall_products_by_blocks(shape):
    """tall_matmul (into a strided view, and subtracting) and tall_tmatmul:
    NumPy's products to rounding, the same bits for every thread count."""
    from sketchla import _kernels

    g = np.random.default_rng(1)
    A = g.standard_normal(shape)
    B = g.standard_normal((shape[1], 6))
    Y = g.standard_normal((shape[0], 6))
    eps = np.finfo(float).eps
    with sketchla.threads(1):
        P1, T1 = _kernels.tall_matmul(A, B), _kernels.tall_tmatmul(A, Y)
    np.testing.assert_allclose(P1, A @ B, atol=shape[1] * eps * 100)
    np.testing.assert_allclose(T1, A.T @ Y, atol=shape[0] * eps * 100)
    for n in (2, 3):
        with sketchla.threads(n):
            assert np.array_equal(_kernels.tall_tmatmul(A, Y), T1)
            buf = np.zeros((shape[0], 10))
            slot = buf[:, 2:8]  # a strided view, as a slot of a basis
            assert _kernels.tall_matmul(A, B, out=slot) is slot
            np.testing.assert_array_equal(slot, P1)
            assert not buf[:, :2].any() and not buf[:, 8:].any()
            W = Y.copy()
            _kernels.tall_matmul(A, B, out=W, subtract=True)
            np.testing.assert_allclose(W, Y - A @ B, atol=shape[1] * eps * 100)


def test_run_blocks_keeps_order_and_reraises():
    from sketchla._kernels.threads import run_blocks

    with sketchla.threads(3):
        assert run_blocks(lambda i: i * i, 50) == [i * i for i in range(50)]

        def bad(i):
            if i == 7:
                raise KeyError("block 7")
            return i

        with pytest.raises(KeyError, match="block 7"):
            run_blocks(bad, 20)
    assert run_blocks(lambda i: i, 0) == []


# the shapes give 16, 16, 5 and 10 accumulator slots (native/sketch_impl.h)
@pytest.mark.parametrize("kind, m, shape", [("countsketch", 400, (60000, 100)),
                                            ("sparse_sign", 256, (2**15, 128)),
                                            ("countsketch", 8192, (2**18, 16)),
                                            ("sparse_sign", 64, (5000, 1))])
def test_dense_sketches_are_the_same_for_every_thread_count(kind, m, shape):
    A = np.random.default_rng(0).standard_normal(shape)
    S = sketchla.make_sketch(kind, m, shape[0], rng=3)
    with sketchla.threads(1):
        ref = S @ A
    for n in (2, 3, 5):
        with sketchla.threads(n):
            assert np.array_equal(S @ A, ref)
    # and it is S A (checked against the explicit S where that is small)
    if m * shape[0] <= 2 * 10**7:
        np.testing.assert_allclose(ref, S.toarray() @ A, rtol=1e-12,
                                   atol=1e-12 * np.abs(A).max())
