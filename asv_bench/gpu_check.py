"""The device check: on a machine with an NVIDIA GPU, CuPy and numba-cuda,
one command runs the GPU tests and the GPU benchmarks and prints one table.

    pip install meson-python meson ninja
    pip install --no-build-isolation -e ".[gpu,test]"
    python asv_bench/gpu_check.py [--quick] [--json FILE]

1. The tests marked ``cupy`` (CuPy operands through every public route) and
   ``cudasim`` (the numba.cuda kernels against the native ones; on a GPU
   they run on the device, not the simulator).
2. The benchmarks, each against its anchor in the same run:

   * ``S @ A`` (SRHT and sparse sign) on A of 2^22 × 64 float32, against
     one read and one write of A at the bandwidth of a device-to-device
     copy measured here (target ≤ 2×);
   * ``lstsq`` on 2^22 × 256 float64, against the CPU path on the host's
     cores and ``cupy.linalg.lstsq`` (targets ≥ 10× and ≥ 3×), with the
     relative residuals side by side;
   * alternating minimization on a 10^5 × 10^5 matrix of rank 10 with
     10^7 observed entries, 5 sweeps each, against the CPU path (target
     ≥ 10×).

GPU times are the median of 3 runs after a warm-up (the device
synchronized around each); CPU times are one run (each takes seconds).
``--quick`` shrinks every problem 16× for a smoke run. Sized to finish in
well under 8 minutes on one H100.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def _gpu_time(fn, repeats=3):
    import cupy

    fn()
    cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        cupy.cuda.Device().synchronize()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _cpu_time(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run_tests():
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m",
           "cupy or cudasim", "tests"]
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    tail = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-300:]
    return {"what": "tests -m 'cupy or cudasim'", "value": tail, "anchor": "",
            "ratio": "", "target": "all pass", "ok": out.returncode == 0}


def bench_sketches(scale):
    import cupy

    import sketchla

    n, k = (1 << 22) // scale, 64
    A = cupy.random.default_rng(0).standard_normal((n, k), dtype=cupy.float32)
    B = cupy.empty_like(A)
    t_copy = _gpu_time(lambda: B.__setitem__(Ellipsis, A))
    bandwidth = 2 * A.nbytes / t_copy
    rows = []
    for kind in ("srht", "sparse_sign"):
        S = sketchla.make_sketch(kind, 4 * k, n, rng=0)
        t = _gpu_time(lambda: S @ A)
        rows.append({"what": f"{kind} S @ A, {n}x{k} float32", "value": f"{t * 1e3:.2f} ms",
                     "anchor": f"read+write of A {t_copy * 1e3:.2f} ms "
                               f"({bandwidth / 1e9:.0f} GB/s)",
                     "ratio": f"{t / t_copy:.2f}x", "target": "<= 2x",
                     "ok": t <= 2 * t_copy})
    return rows


def bench_lstsq(scale):
    import cupy

    import sketchla

    n, d = (1 << 22) // scale, 256
    g = np.random.default_rng(0)
    A = g.standard_normal((n, d))
    b = A @ g.standard_normal(d) + 1e-3 * g.standard_normal(n)
    Ad, bd = cupy.asarray(A), cupy.asarray(b)
    t_gpu = _gpu_time(lambda: sketchla.lstsq(Ad, bd, rng=0))
    t_cupy = _gpu_time(lambda: cupy.linalg.lstsq(Ad, bd, rcond=None))
    x_gpu = sketchla.lstsq(Ad, bd, rng=0).x
    x_cupy = cupy.linalg.lstsq(Ad, bd, rcond=None)[0]
    with sketchla.threads(os.cpu_count()):
        t_cpu, res_cpu = _cpu_time(lambda: sketchla.lstsq(A, b, rng=0))

    def rel(x):
        x = cupy.asarray(x)
        return float(cupy.linalg.norm(Ad @ x - bd) / cupy.linalg.norm(bd))

    acc = f"residuals {rel(x_gpu):.6e} / {rel(x_cupy):.6e} / {rel(res_cpu.x):.6e}"
    return [
        {"what": f"lstsq {n}x{d} float64 on the GPU", "value": f"{t_gpu:.3f} s",
         "anchor": f"CPU path {t_cpu:.3f} s ({os.cpu_count()} threads)",
         "ratio": f"{t_cpu / t_gpu:.1f}x faster", "target": ">= 10x",
         "ok": t_cpu >= 10 * t_gpu},
        {"what": f"lstsq {n}x{d} float64 on the GPU", "value": f"{t_gpu:.3f} s",
         "anchor": f"cupy.linalg.lstsq {t_cupy:.3f} s", "ratio": f"{t_cupy / t_gpu:.1f}x faster",
         "target": ">= 3x, equal accuracy", "ok": t_cupy >= 3 * t_gpu, "note": acc},
    ]


def bench_altmin(scale):
    import cupy
    import cupyx.scipy.sparse as csp
    import scipy.sparse as sp

    import sketchla

    m = n = 100_000 // scale
    nnz, rank = 10_000_000 // (scale * scale) * scale, 10
    g = np.random.default_rng(0)
    U, V = g.standard_normal((m, rank)), g.standard_normal((n, rank))
    r = g.integers(0, m, nnz)
    c = g.integers(0, n, nnz)
    vals = np.einsum("ij,ij->i", U[r], V[c])
    X = sp.csr_matrix((vals, (r, c)), shape=(m, n))
    X.sum_duplicates()
    Xd = csp.csr_matrix(X)
    kw = dict(rank=rank, reg=1e-3, max_iter=5, tol=0.0, rng=0, method="exact")
    t_gpu = _gpu_time(lambda: sketchla.altmin_complete(Xd, **kw), repeats=1)
    with sketchla.threads(os.cpu_count()):
        t_cpu, _ = _cpu_time(lambda: sketchla.altmin_complete(X, **kw))
    return [{"what": f"altmin {m}x{n}, rank {rank}, {X.nnz} entries, 5 sweeps",
             "value": f"{t_gpu:.2f} s", "anchor": f"CPU path {t_cpu:.2f} s",
             "ratio": f"{t_cpu / t_gpu:.1f}x faster", "target": ">= 10x",
             "ok": t_cpu >= 10 * t_gpu}]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="problems 16x smaller")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    import warnings

    import cupy

    warnings.simplefilter("ignore", RuntimeWarning)  # not-converged notes of the fixed sweeps
    scale = 16 if args.quick else 1
    props = cupy.cuda.runtime.getDeviceProperties(0)
    device = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    print(f"device: {device}; CuPy {cupy.__version__}; host cores: {os.cpu_count()}",
          flush=True)
    rows = [run_tests()]
    for bench in (bench_sketches, bench_lstsq, bench_altmin):
        t0 = time.perf_counter()
        try:
            rows += bench(scale)
        except Exception as exc:  # report and go on: one table whatever fails
            rows.append({"what": bench.__name__, "value": f"error: {exc!r}"[:120],
                         "anchor": "", "ratio": "", "target": "", "ok": False})
        print(f"  {bench.__name__}: {time.perf_counter() - t0:.1f} s", flush=True)
    print("\n| measured | value | anchor | ratio | target | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        note = f" ({r['note']})" if r.get("note") else ""
        print(f"| {r['what']} | {r['value']}{note} | {r['anchor']} | {r['ratio']} | "
              f"{r['target']} | {'yes' if r['ok'] else 'NO'} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": device, "rows": rows}, f, indent=1)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
