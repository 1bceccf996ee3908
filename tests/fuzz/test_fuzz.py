"""Hostile input against every public entry point, each case in a child process.

For every target of ``fuzz_targets.TARGETS``, hypothesis draws cases over
shapes (empty included), dtypes, byte order, strides and alignment,
read-only, memory-mapped and masked arrays, lists, DataFrames, every
scipy.sparse format and corrupted sparse structures, scales 2**-1000 …
2**1000 for float64, special values (NaN, inf, zeros, duplicate columns, a huge or a
subnormal row) and bad parameter values. A case passes when the call

- returns a finite result that matches the same call on the clean, dense,
  C-ordered float64 values at scale 1, mapped back by the scale (where the
  problem is well posed and the answer representable), or
- raises ValueError or TypeError whose message names the offending argument,

and in both cases leaves the caller's arrays untouched. A crash of the
child (segfault, abort) or a case running past its time limit fails the
test with the case; the child is then restarted.

Budget: 60 cases per target by default, 600 with ``--run-slow``. Set ``SKETCHLA_FUZZ_REPORT=path.json`` to write the counts
per target and outcome.
"""

from __future__ import annotations

import atexit
import collections
import json
import os
import pickle
import select
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import fuzz_targets as F  # noqa: E402

TIME_LIMIT = float(os.environ.get("SKETCHLA_FUZZ_TIME_LIMIT", 60))  # seconds per case
_COUNTS = collections.defaultdict(collections.Counter)


class Worker:
    """One child process running cases; restarted after a crash or a hang."""

    def __init__(self):
        self.proc = None

    def start(self):
        env = dict(os.environ, SKETCHLA_NUM_THREADS="2", PYTHONFAULTHANDLER="1")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "fuzz_worker.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)

    def _read(self, n, deadline):
        import time

        buf = b""
        fd = self.proc.stdout.fileno()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, n - len(buf))
            if not chunk:
                return b""
            buf += chunk
        return buf

    def run(self, name, case):
        import time

        if self.proc is None or self.proc.poll() is not None:
            self.start()
        msg = pickle.dumps((name, case))
        try:
            self.proc.stdin.write(struct.pack("<Q", len(msg)) + msg)
            self.proc.stdin.flush()
        except BrokenPipeError:
            return self._died()
        deadline = time.monotonic() + TIME_LIMIT
        head = self._read(8, deadline)
        if head is None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            return {"outcome": "hang", "detail": f"no answer within {TIME_LIMIT:.0f} s"}
        if len(head) < 8:
            return self._died()
        body = self._read(struct.unpack("<Q", head)[0], deadline + TIME_LIMIT)
        return pickle.loads(body)

    def _died(self):
        self.proc.wait()
        err = self.proc.stderr.read().decode(errors="replace")[-3000:]
        code = self.proc.returncode
        self.proc = None
        return {"outcome": "crash", "detail": f"the child died (exit {code}):\n{err}"}

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


_WORKER = Worker()
atexit.register(_WORKER.close)


def _report():
    path = os.environ.get("SKETCHLA_FUZZ_REPORT")
    if path and _COUNTS:
        Path(path).write_text(json.dumps({k: dict(v) for k, v in _COUNTS.items()},
                                         indent=1, sort_keys=True))


atexit.register(_report)


def cases(target):
    """Plain-data cases for one target (hypothesis shrinks them to a minimal failure)."""
    kind = target.kind
    if kind in ("keys", "file", "none"):  # n and d pick the form of the keys or the edit
        return st.fixed_dictionaries({
            "kind": st.just(kind), "n": st.integers(0, 30), "d": st.integers(0, 40),
            "seed": st.integers(0, 2**16), "dtype": st.just("float64"),
            "container": st.just("ndarray"), "layout": st.just("C"), "scale": st.just(0),
            "special": st.just(None), "corrupt": st.just(None),
            "bad": st.one_of(st.none(), st.tuples(st.integers(0, 10),
                                                  st.integers(0, len(F.BAD_VALUES) - 1))),
        })
    n = st.integers(0, 40) if kind != "tensor" else st.integers(0, 1)
    d = st.integers(0, 6) if kind in ("tall", "orth") else st.integers(0, 5)
    if kind == "psd":
        n = st.integers(0, 14)
    if kind == "obs":
        n, d = st.integers(0, 30), st.integers(0, 20)
    containers = F.DENSE_CONTAINERS + ([] if kind == "tensor" else F.SPARSE_CONTAINERS)
    # each dimension is clean about half the time, so that about a tenth of
    # the cases are entirely valid and reach the comparison with the clean call
    return st.fixed_dictionaries({
        "kind": st.just(kind),
        "n": n,
        "d": d,
        "seed": st.integers(0, 2**16),
        "dtype": _mostly(F.DTYPES),
        "container": _mostly(containers),
        "layout": _mostly(F.LAYOUTS),
        "scale": st.one_of(st.just(0), st.integers(-1030, 1000)),
        "special": _mostly(F.SPECIALS),
        "corrupt": _mostly(F.CORRUPTIONS),
        "bad": st.one_of(st.none(), st.none(),
                         st.tuples(st.integers(0, 10),
                                   st.integers(0, len(F.BAD_VALUES) - 1))),
    }).map(_clip_scale)


def _mostly(options):
    """The first (clean) option half the time, else any."""
    return st.one_of(st.just(options[0]), st.sampled_from(options))


def _clip_scale(case):
    lim = F.scale_limit(case["dtype"])
    case["scale"] = max(-lim, min(lim, case["scale"]))
    if case["dtype"] == "float32" and case["container"] == "memmap":
        case["container"] = "ndarray"
    return case


FAILURES = {"crash", "hang", "modified", "unnamed", "bad-error", "wrong", "harness"}


def _budget(request):
    return 600 if request.config.getoption("--run-slow") else 60


@pytest.mark.parametrize("name", list(F.TARGETS))
def test_hostile_input(name, request):
    target = F.TARGETS[name]

    @settings(max_examples=_budget(request), deadline=None, database=None,
              suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=cases(target))
    def check(case):
        result = _WORKER.run(name, case)
        _COUNTS[name][result.get("count", result["outcome"])] += 1
        assert result["outcome"] not in FAILURES, f"{result['outcome']}: {result['detail']}"

    check()
