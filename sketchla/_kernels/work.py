"""Progress of one public call, measured in floating-point operations.

A public call that can run long takes ``verbose``. It estimates the flops
its request implies before any work and opens a :func:`metered` section
with that estimate; the kernels it reaches report the flops of every block
they finish through :func:`advance`, wherever they are (the row-block
loops of the hashing sketches, the SRHT's column chunks, the Gaussian
sketch's blocks, the blocked BLAS-3 products, LSQR's steps, the fixed
points). Nothing is passed down the call chain: the section is a context
variable, carried into the library's helper threads, and ``advance`` with
no section open costs one lookup.

``verbose=1`` prints the estimate, redraws one status line (the share of
the estimate done, the elapsed time and the time left at the rate so far)
at most ten times a second, and ends it with the measured total; ``verbose=2`` prints one
line per tenth of the estimate, or every :data:`LOG_EVERY` seconds,
instead (a log that survives redirection).
A call that does more work than estimated keeps its bar below 100 % until
it ends: the total grows with the work done.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import sys
import threading
import time

import numpy as np

__all__ = ["metered", "advance", "reports_progress", "nnz"]

_CURRENT = contextvars.ContextVar("sketchla_meter", default=None)

#: seconds between two redraws of the status line (verbose=1)
REDRAW = 0.1
#: the longest wait between two lines of the log (verbose=2)
LOG_EVERY = 5.0


class _Meter:
    def __init__(self, desc, flops, level, stream, detail=""):
        self.desc = desc
        self.detail = f" for {detail}" if detail else ""
        self._started = False
        self.total = self.estimate = max(float(flops), 1.0)
        self.level = level
        self.stream = stream
        self.done = 0.0
        self._t0 = time.perf_counter()
        self._shown = self._t0 if level >= 2 else -1.0
        self._tenth = 0
        self._lock = threading.Lock()
        self._drawn = False

    def add(self, flops):
        with self._lock:
            self.done += float(flops)
            if self.done > 0.99 * self.total:
                self.total = self.done / 0.99
            self._start()
            now = time.perf_counter()
            if self.level >= 2:
                tenth = int(10 * self.done / self.total)
                if tenth > self._tenth or now - self._shown >= LOG_EVERY:
                    self._tenth, self._shown = tenth, now
                    self._write(self._line(now) + "\n")
            elif now - self._shown >= REDRAW:
                self._shown = now
                self._write("\r" + self._line(now))
                self._drawn = True

    def _start(self):
        """The estimate, printed with the first work done (a call refused
        by its validation prints nothing)."""
        if not self._started:
            self._started = True
            self._write(f"{self.desc}: about {self.estimate:.2e} flops{self.detail}\n")

    def _line(self, now):
        """The share of the estimate done, the flops done, the elapsed time
        and the time left at the rate so far."""
        pct = 100.0 * self.done / self.total
        elapsed = now - self._t0
        left = elapsed * (self.total - self.done) / self.done if self.done else float("inf")
        return (f"{self.desc}: {pct:.{1 if pct >= 1 else 3}f} % of {self.total:.2e} flops  "
                f"({elapsed:.2f} s, about {left:.0f} s left)")

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()

    def close(self, failed):
        if failed and not self._started:
            return
        self._start()
        elapsed = time.perf_counter() - self._t0
        end = "\n" if self._drawn else ""
        what = "stopped" if failed else "done"
        self._write(f"{end}{self.desc}: {what}, {self.done:.2e} flops in {elapsed:.2f} s\n")


@contextlib.contextmanager
def metered(desc, flops, verbose, *, stream=None, detail=""):
    """Open a progress section for a call estimated at ``flops``.

    Nested sections (a public call made by another) report into the
    outermost one; only the outermost prints. ``verbose`` false opens no
    section (the kernels' reports then cost one lookup each).
    """
    from .._validation import check_verbose

    level = check_verbose(verbose)
    if level == 0 or _CURRENT.get() is not None:
        yield
        return
    meter = _Meter(desc, flops, level, stream if stream is not None else sys.stderr, detail)
    token = _CURRENT.set(meter)
    failed = True
    try:
        yield
        failed = False
    finally:
        _CURRENT.reset(token)
        meter.close(failed)


def advance(flops):
    """Report ``flops`` done to the open section, if any."""
    meter = _CURRENT.get()
    if meter is not None:
        meter.add(flops)


def nnz(A):
    """Stored entries of a 2-D or 1-D operand (all of them where dense)."""
    count = getattr(A, "nnz", None)
    if count is not None:
        return int(count)
    shape = getattr(A, "shape", None)
    size = 1
    for s in (np.shape(A) if shape is None else shape):
        size *= int(s)
    return size


_VERBOSE_DOC = """\
    verbose : bool or int, keyword-only, default False
        Progress on stderr, measured against an estimate of the flops the
        call implies, made before any work: ``True`` (1) prints the
        estimate and redraws one status line, ``2`` prints one line per
        tenth of the estimate (and at least one every 5 s). Both end with
        the flops done and the time taken.
"""


def reports_progress(desc, estimate):
    """Decorator: ``fn`` gains a keyword-only ``verbose`` and runs in a
    :func:`metered` section sized by ``estimate(**arguments)`` (a
    ``(flops, detail)`` pair, see :mod:`sketchla._costs`)."""

    def wrap(fn):
        sig = inspect.signature(fn)
        params = list(sig.parameters.values())
        params.append(inspect.Parameter("verbose", inspect.Parameter.KEYWORD_ONLY,
                                        default=False))

        @functools.wraps(fn)
        def call(*args, verbose=False, **kwargs):
            from .._validation import check_verbose

            level = check_verbose(verbose)
            if level == 0:
                return fn(*args, **kwargs)
            try:
                bound = sig.bind(*args, **kwargs)
                bound.apply_defaults()
                flops, detail = estimate(**bound.arguments)
            except Exception:  # malformed arguments: fn's validation names them
                flops, detail = 0.0, ""
            with metered(desc, flops, level, detail=detail):
                return fn(*args, **kwargs)

        call.__signature__ = sig.replace(parameters=params)
        call.__doc__ = _with_verbose(fn.__doc__ or "")
        return call

    return wrap


def _with_verbose(doc):
    """The docstring with the ``verbose`` entry at the end of its Parameters."""
    head, sep, tail = doc.partition("\n    Returns\n    -------")
    if not sep:
        return doc
    return f"{head.rstrip()}\n{_VERBOSE_DOC}{sep}{tail}"
