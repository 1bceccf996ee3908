"""A dependency-free progress display for long computations.

``verbose=False`` (or 0) prints nothing; ``True`` (1) redraws one status
line with a bar on stderr and ends it with a summary; ``2`` prints one line
per step instead (a log that survives redirection). Used by alternating
minimization, the subspace power method and the tour. Each step is a safe
point of the fork gate (:func:`sketchla._kernels.forks.checkpoint`).
"""

from __future__ import annotations

import sys
import time

from ._kernels.forks import checkpoint

__all__ = ["Progress"]


class Progress:
    """``with Progress(total, "altmin", verbose) as bar: bar.update(i, residual=r)``."""

    def __init__(self, total, desc, verbose=False, stream=None, width=24):
        self.total = max(int(total), 1)
        self.desc = desc
        from ._validation import check_verbose

        self.level = check_verbose(verbose)
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._t0 = time.perf_counter()
        self._last = ""

    def __enter__(self):
        self._t0 = time.perf_counter()
        return self

    def update(self, step, **values):
        """Report that ``step`` of ``total`` is done, with named values.

        Also a safe point of the fork gate: a step ends with no BLAS call
        in flight."""
        checkpoint()
        if self.level <= 0:
            return
        elapsed = time.perf_counter() - self._t0
        fields = "  ".join(f"{k} {_fmt(v)}" for k, v in values.items())
        if self.level >= 2:
            self.stream.write(f"{self.desc}: {step}/{self.total}  {fields}  ({elapsed:.2f} s)\n")
        else:
            done = min(int(self.width * step / self.total), self.width)
            bar = "#" * done + "." * (self.width - done)
            line = f"\r{self.desc} [{bar}] {step}/{self.total}  {fields}  ({elapsed:.2f} s)"
            pad = max(len(self._last) - len(line), 0)
            self.stream.write(line + " " * pad)
            self._last = line
        self.stream.flush()

    def close(self, message=""):
        if self.level <= 0:
            return
        elapsed = time.perf_counter() - self._t0
        if self.level == 1 and self._last:
            self.stream.write("\n")
        self.stream.write(f"{self.desc}: {message} ({elapsed:.2f} s)\n")
        self.stream.flush()
        self._last = ""

    def __exit__(self, *exc):
        if exc[0] is not None and self.level == 1 and self._last:
            self.stream.write("\n")
        return False


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.3e}"
    return str(v)
