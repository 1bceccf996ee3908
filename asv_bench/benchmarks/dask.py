"""Dask: sketching and solving row-chunked dask arrays on a real scheduler.

Targets (2-core machine):

- ``DaskThroughput``: ``S @ A`` for a 10^6 × 100 dask array (row chunks of
  2·10^5 and 5·10^4), on the threaded scheduler with 2 workers, runs at
  ≥ 0.5 of the throughput of the same product on the in-memory NumPy array
  with the library's pool at 2 threads (the same two cores: the per-core
  ratio), for every sketch. ``track_fraction_of_in_memory`` is in-memory
  time / dask time, each the best of several calls, interleaved.
- ``DaskLstsq``: ``lstsq(method="precondition")`` on a 4·10^6 × 100 dask
  array (chunks of 5·10^5 rows, threaded scheduler) matches
  ``numpy.linalg.lstsq`` to 1e-10 relative, reading A at most twice
  beyond its iterations (``track_passes_beyond_iterations`` ≤ 2, counted
  by a source that records its chunk reads). Both times are reported.
- ``OutOfCore``: a 1.5·10^7 × 100 float64 matrix (12 GB) and its
  right-hand side in a zarr store on disk, solved by
  ``lstsq(method="sketch")`` on ``distributed.LocalCluster`` with 2 worker
  processes limited to 1 GB each (2 GB in all): one pass over the store,
  the peak resident memory of each worker (its whole life, interpreter
  included) under the limit, nothing spilled to disk, and the throughput
  in GB/s. The store is written to ``$SKETCHLA_BENCH_DIR`` (default: the
  temporary directory) and removed afterwards; it needs 12 GB free.

``cd asv_bench && python -m benchmarks.dask [throughput|lstsq|out_of_core]``
prints the same figures as JSON.
"""

import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

from ._util import best_time, held_threads, tracked

KINDS = ["sparse_sign", "countsketch", "gaussian", "srht"]
CHUNKS = [200_000, 50_000]


def _threads(n=2):
    import dask

    return dask.config.set(scheduler="threads", num_workers=n)


def throughput(n=10**6, d=100, m=400, rounds=3, repeat=3):
    import dask.array as da

    import sketchla

    A = np.random.default_rng(0).standard_normal((n, d))
    out = {}
    with held_threads(2), _threads(2):
        for kind in KINDS:
            S = sketchla.make_sketch(kind, m, n, rng=0)
            S @ A  # compile
            for rows in CHUNKS:
                Ad = da.from_array(A, chunks=(rows, d))
                err = np.abs((S @ Ad).compute() - S @ A).max() / np.abs(S @ A).max()
                t_np = t_da = np.inf
                for _ in range(rounds):
                    t_np = min(t_np, best_time(lambda: S @ A, repeat, warmup=0))
                    t_da = min(t_da, best_time(lambda: (S @ Ad).compute(), repeat, warmup=0))
                out[f"{kind} {rows}"] = {
                    "numpy s": round(t_np, 4), "dask s": round(t_da, 4),
                    "fraction": round(t_np / t_da, 3), "max rel diff": float(err)}
    return out


class _Counting:
    """An array-like source that counts the chunks read from it."""

    def __init__(self, X):
        self.X, self.shape, self.dtype, self.ndim = X, X.shape, X.dtype, X.ndim
        self.reads = 0

    def __getitem__(self, key):
        out = self.X[key]
        self.reads += out.size > 0
        return out


def lstsq_4m(n=4 * 10**6, d=100, rows=500_000):
    import dask.array as da

    import sketchla
    from sketchla.datasets import make_ill_conditioned

    A = make_ill_conditioned(n, d, cond=1e4, rng=0)
    g = np.random.default_rng(1)
    b = A @ g.standard_normal(d) + g.standard_normal(n)
    with held_threads(2), _threads(2):
        t = time.perf_counter()
        x_np = np.linalg.lstsq(A, b, rcond=None)[0]
        t_np = time.perf_counter() - t
        src = _Counting(A)
        Ad, bd = da.from_array(src, chunks=(rows, d)), da.from_array(b, chunks=rows)
        t = time.perf_counter()
        res = sketchla.lstsq(Ad, bd, rng=0)
        x = np.asarray(res.x.compute())
        t_da = time.perf_counter() - t
    passes = src.reads / (n // rows)
    return {"numpy s": round(t_np, 2), "dask s": round(t_da, 2),
            "speedup": round(t_np / t_da, 2),
            "relative error": float(np.linalg.norm(x - x_np) / np.linalg.norm(x_np)),
            "n_iter": res.n_iter, "passes": passes,
            "passes beyond iterations": passes - res.n_iter}


def _worker_stats(dask_worker):
    import resource

    spilled = dask_worker.data.spilled_total if hasattr(dask_worker.data, "spilled_total") \
        else None
    return {"peak rss MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "spilled bytes": 0 if spilled is None else int(spilled.disk)}


def out_of_core(n=15 * 10**6, d=100, rows=100_000, limit="1GB", where=None):
    import dask.array as da
    import distributed

    import sketchla

    where = where or os.environ.get("SKETCHLA_BENCH_DIR", tempfile.gettempdir())
    path = tempfile.mkdtemp(prefix="sketchla-ooc-", dir=where)
    store = os.path.join(path, "data.zarr")
    cluster = dict(n_workers=2, threads_per_worker=1, processes=True,
                   dashboard_address=None, memory_limit=limit, silence_logs=40)
    try:
        with distributed.LocalCluster(**cluster) as lc, distributed.Client(lc):
            # the data: x* = 1, A with unit normal rows, b = A x* + noise,
            # generated and written chunk by chunk on the workers
            rs = da.random.RandomState(0)
            A = rs.standard_normal((n, d), chunks=(rows, d))
            b = A.sum(axis=1) + rs.standard_normal(n, chunks=rows)
            t = time.perf_counter()
            da.to_zarr(A, store, component="A", compute=True, compressors=None)
            da.to_zarr(b, store, component="b", compute=True, compressors=None)
            t_write = time.perf_counter() - t
        # a fresh cluster for the solve: its workers' peaks are the solve's
        with distributed.LocalCluster(**cluster) as lc, distributed.Client(lc) as client:
            Ad = da.from_zarr(store, component="A")
            bd = da.from_zarr(store, component="b")
            t = time.perf_counter()
            res = sketchla.lstsq(Ad, bd, method="sketch", rng=0)
            x = np.asarray(res.x.compute())
            seconds = time.perf_counter() - t
            stats = client.run(_worker_stats)
        gb = (n * d + n) * 8 / 1e9
        return {"data GB": round(gb, 2), "worker memory limit": limit, "workers": 2,
                "write s": round(t_write, 1), "solve s": round(seconds, 1),
                "GB/s": round(gb / seconds, 3), "rows/s": round(n / seconds),
                "max |x - x*|": float(np.abs(x - 1).max()),
                "peak rss MB per worker": [round(s["peak rss MB"]) for s in stats.values()],
                "peak rss MB (largest worker)": max(round(s["peak rss MB"])
                                                    for s in stats.values()),
                "spilled bytes": sum(s["spilled bytes"] for s in stats.values())}
    finally:
        shutil.rmtree(path, ignore_errors=True)


class DaskThroughput:
    params = (KINDS, CHUNKS)
    param_names = ["sketch", "chunk_rows"]
    timeout = 1800

    def setup_cache(self):
        return throughput()

    track_fraction_of_in_memory = tracked("fraction", unit="in-memory time / dask time",
                                          param_key=lambda k: f"{k[0]} {k[1]}")


class DaskLstsq:
    timeout = 1800

    def setup_cache(self):
        return lstsq_4m()

    track_relative_error = tracked("relative error", unit="relative error")
    track_passes_beyond_iterations = tracked("passes beyond iterations", unit="passes")
    track_speedup = tracked("speedup", unit="numpy time / dask time")


class OutOfCore:
    timeout = 3600

    def setup_cache(self):
        return out_of_core()

    track_peak_worker_rss = tracked("peak rss MB (largest worker)", unit="MB")
    track_spilled_bytes = tracked("spilled bytes", unit="bytes")
    track_throughput = tracked("GB/s", unit="GB/s")


if __name__ == "__main__":  # cd asv_bench && python -m benchmarks.dask [which]
    which = sys.argv[1:] or ["throughput", "lstsq", "out_of_core"]
    runs = {"throughput": throughput, "lstsq": lstsq_4m, "out_of_core": out_of_core}
    print(json.dumps({w: runs[w]() for w in which}, indent=1))
