"""Ctrl-C during spm on a large tensor answers within a second, whichever
phase it lands in (validation, flattening, eigendecomposition, power
method), and the process goes on computing afterwards."""

import os
import signal
import subprocess
import sys

import pytest

SCRIPT = r"""
import os, signal, threading, time, warnings
import numpy as np, sketchla
from sketchla.datasets import make_symmetric_tensor
warnings.simplefilter("ignore")
T, w, A = make_symmetric_tensor(80, 4, 5, rng=0)     # flattening 3240 x 3240
sketchla.spm(T, rng=0)                               # first-call costs
t0 = time.perf_counter()
sketchla.spm(T, rng=0)
full = time.perf_counter() - t0
for frac in (0.05, 0.25, 0.45, 0.6):
    time.sleep(full)                                 # a helper left by the last one ends
    sent = {}
    def interrupt(delay=frac * full):
        time.sleep(delay)
        sent["t"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=interrupt, daemon=True).start()
    try:
        sketchla.spm(T, rng=0)
        print("finished", frac, round(full, 2))
    except KeyboardInterrupt:
        print("interrupted", frac, round(time.perf_counter() - sent["t"], 3), round(full, 2))
small, _, _ = make_symmetric_tensor(6, 4, 2, rng=1)
print("usable", sketchla.spm(small, rank=2, rng=0).rank)
"""


def _sigint_default():
    """The child answers SIGINT with KeyboardInterrupt even when this run was
    started in the background (a shell's ``&`` leaves SIGINT ignored, and
    Python then installs no handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_during_spm_answers_within_a_second():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         preexec_fn=_sigint_default,
                         timeout=600)
    lines = [line.split() for line in out.stdout.splitlines()]
    assert lines and lines[-1] == ["usable", "2"], out.stdout + out.stderr[-2000:]
    for words in lines[:-1]:
        assert words[0] == "interrupted", out.stdout
        # the target is 1 s; half of it holds with room on a loaded machine
        # (before the sliced symmetry check, 0.45-0.8 s here)
        assert float(words[2]) <= 0.5, f"Ctrl-C at {words[1]} of spm took {words[2]} s"
