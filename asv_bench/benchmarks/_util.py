"""Helpers shared by the benchmark modules: side-by-side timing of a
candidate and its anchor in one process, reported as a ratio."""

import time

import numpy as np


def best_time(fn, repeat=5, warmup=1):
    for _ in range(warmup):
        fn()
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def ratio(anchor, candidate, repeat=5, rounds=3):
    """anchor time / candidate time, interleaved over rounds (best of each)."""
    ta, tc = np.inf, np.inf
    for _ in range(rounds):
        ta = min(ta, best_time(anchor, repeat, warmup=0))
        tc = min(tc, best_time(candidate, repeat, warmup=0))
    return ta / tc


def once(fn):
    """(result, seconds) of one call: for anchors too slow to repeat."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def spread(xs):
    """{"median", "min", "max"} of a list of timings (or ratios)."""
    xs = np.asarray(xs, dtype=float)
    return {"median": float(np.median(xs)), "min": float(xs.min()), "max": float(xs.max())}


def best_of(fn, repeat):
    """(result of the last call, best seconds) over ``repeat`` calls of fn."""
    best, out = np.inf, None
    for _ in range(repeat):
        out, t = once(fn)
        best = min(best, t)
    return out, best


def interleaved(ours, anchor, rounds=5):
    """Median and spread of our time, the anchor's, and their ratio ours /
    anchor per round (lower is better, as for every figure asv's regression
    page reads: a step up is a regression), the two sides alternating (ours
    first, then the anchor, per round)."""
    t_ours, t_anchor = [], []
    for _ in range(rounds):
        t_ours.append(once(ours)[1])
        t_anchor.append(once(anchor)[1])
    ratios = [o / a for a, o in zip(t_anchor, t_ours)]
    return {"ours": spread(t_ours), "anchor": spread(t_anchor), "ratio": spread(ratios)}


def held_threads(n=2):
    """A context holding the BLAS pools (threadpoolctl) and sketchla's pool at
    n threads, for both sides of a comparison."""
    import contextlib

    from threadpoolctl import threadpool_limits

    import sketchla

    stack = contextlib.ExitStack()
    stack.enter_context(threadpool_limits(n))
    stack.enter_context(sketchla.threads(n))
    return stack


def tracked(*path, unit, missing=None, param_key=None):
    """A ``track_*`` method returning ``r[path[0]][path[1]]...`` from setup_cache's
    result ``r``. For a parametrized benchmark, ``r`` is first indexed by the
    parameter (or the tuple of parameters), mapped through ``param_key`` when
    given. ``missing`` (a message) skips the benchmark when the first key is
    absent or None (an anchor that is not installed)."""

    def track(self, r, *params):
        if params:
            key = params[0] if len(params) == 1 else tuple(params)
            r = r[param_key(key) if param_key else key]
        if missing is not None and r.get(path[0]) is None:
            raise NotImplementedError(missing)
        for k in path:
            r = r[k]
        return r

    track.unit = unit
    return track
