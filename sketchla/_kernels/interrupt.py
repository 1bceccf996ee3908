"""Ctrl-C during one long LAPACK call.

A single call into LAPACK (the full eigendecomposition of a large
flattening, say) holds the main thread in C for its whole length, so
Python's SIGINT handler runs only when it returns. :func:`interruptible`
runs such a call on a helper thread and waits for it in short slices:
Ctrl-C raises ``KeyboardInterrupt`` in the caller within one slice. The
helper finishes its call in the background and its result is dropped; it
is a section of the fork gate until then, so no fork meets its BLAS work.
"""

from __future__ import annotations

import contextvars
import threading

from .forks import task_section

__all__ = ["interruptible"]

#: seconds between two checks for a pending signal
POLL = 0.05


def interruptible(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, answering Ctrl-C within :data:`POLL` seconds
    when called from the main thread (the only one that receives signals;
    elsewhere, a plain call)."""
    if threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    box = {}

    def run():
        with task_section():
            try:
                box["out"] = fn(*args, **kwargs)
            except BaseException as exc:  # re-raised in the caller
                box["err"] = exc

    helper = threading.Thread(target=contextvars.copy_context().run, args=(run,),
                              name="sketchla-interruptible", daemon=True)
    helper.start()
    while helper.is_alive():
        helper.join(POLL)
    if "err" in box:
        raise box["err"]
    return box["out"]
