"""Time the same workloads on two builds of sketchla, interleaved, as ratios.

``python asv_bench/compare_builds.py BASE HEAD [--rounds 5] [--only TEXT]`` where BASE and
HEAD are source checkouts whose ``sketchla/`` holds a built ``_native``
extension (``meson setup build . && ninja -C build && cp build/_native*.so
sketchla/``). Each round runs one process per build, in alternating order,
with the thread pools held at 2 (``sketchla.threads`` and threadpoolctl);
each process times every workload as the best of 5 calls. Reported per
workload: the median over the rounds of HEAD's time / BASE's time, with the
spread. The workloads use only arguments both builds accept.
"""

import json
import subprocess
import sys

import numpy as np

WORKLOADS = r'''
import json, sys, time
import numpy as np
import scipy.sparse as sp

def best(fn, repeat=5):
    fn()
    t = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter(); fn(); t = min(t, time.perf_counter() - t0)
    return t

import sketchla
from threadpoolctl import threadpool_limits
from sketchla.datasets import make_low_rank_completion, make_symmetric_tensor
g = np.random.default_rng(0)
A = g.standard_normal((100_000, 50)); b = g.standard_normal(100_000)
S_csr = sp.random(200_000, 500, density=0.01, format="csr", random_state=0)
Xc, _, _ = make_low_rank_completion(2000, 2000, 10, fraction=0.1, rng=0)
T, _, _ = make_symmetric_tensor(10, 4, 15, rng=0)
Q = np.linalg.qr(g.standard_normal((100_000, 50)))[0]
L = g.standard_normal((3000, 200))
ratings, _ = sketchla.split_entries(sketchla.load_movielens_100k(), test_size=0.2, rng=0)
cases = {
    "lstsq dense 1e5 x 50": lambda: sketchla.lstsq(A, b, rng=0),
    "lstsq sparse 2e5 x 500": lambda: sketchla.lstsq(S_csr, S_csr @ np.ones(500), rng=0),
    "sketch sparse_sign @ dense": lambda: sketchla.sparse_sign(2000, 100_000, rng=0) @ A,
    "sketch srht @ dense": lambda: sketchla.srht(2000, 100_000, rng=0) @ A,
    "sketch countsketch @ CSR": lambda: sketchla.countsketch(5000, 200_000, rng=0) @ S_csr,
    "completion 2000^2 rank 10": lambda: sketchla.altmin_complete(Xc, 10, rng=0),
    "ratings MovieLens, seeds 0-7": lambda: [
        sketchla.AltMinCompletion(biases=True, random_state=s).fit(ratings) for s in range(8)],
    "spm order 4, d 10, rank 15": lambda: sketchla.spm(T, rng=0),
    "dpp projection 1e5, k 50": lambda: sketchla.sample_projection_dpp(Q, rng=0),
    "k-dpp features 3000, k 20": lambda: sketchla.sample_k_dpp(L, 20, rng=0),
}
import warnings
warnings.simplefilter("ignore")
only = sys.argv[1] if len(sys.argv) > 1 else ""
with threadpool_limits(2), sketchla.threads(2):
    out = {name: best(fn) for name, fn in cases.items() if only in name}
print(json.dumps(out))
'''

PRELUDE = r'''
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__.lower()
                    and "editable" not in type(f).__name__.lower()]
sys.path.insert(0, {root!r})
import sketchla
assert sketchla.__file__.startswith({root!r}), sketchla.__file__
'''


def run(root, only=""):
    code = PRELUDE.format(root=root) + WORKLOADS
    out = subprocess.run([sys.executable, "-c", code, only], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(base, head, rounds=5, only=""):
    ratios = {}
    for r in range(rounds):
        sides = [(base, "base"), (head, "head")]
        times = {}
        for root, side in (sides if r % 2 == 0 else sides[::-1]):
            times[side] = run(root, only)
        for name in times["base"]:
            ratios.setdefault(name, []).append(times["head"][name] / times["base"][name])
        print(f"round {r + 1}/{rounds} done", file=sys.stderr, flush=True)
    print(f"{'workload':32s} {'head/base median':>16s}  {'min':>6s}  {'max':>6s}")
    for name, xs in ratios.items():
        xs = np.array(xs)
        print(f"{name:32s} {np.median(xs):16.3f}  {xs.min():6.3f}  {xs.max():6.3f}")


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base")
    p.add_argument("head")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--only", default="", help="workloads whose name contains this text")
    a = p.parse_args()
    main(a.base, a.head, a.rounds, a.only)
