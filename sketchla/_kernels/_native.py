"""The loader of the compiled extension ``sketchla._native`` and its thread
controls: the only place that imports it."""

from __future__ import annotations

import os

from .._backend import is_numpy_namespace

_native = None


def native():
    """The compiled extension ``sketchla._native`` (imported on first use)."""
    global _native
    if _native is None:
        # the thread policy (threads.py): the OpenMP pool sleeps between
        # regions instead of spinning on cores the BLAS or other processes need
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from .. import _native as mod

        _native = mod
    return _native


def num_threads():
    """The size of the native pool's next parallel region."""
    return int(native().num_threads())


def set_num_threads(n):
    """Size the native pool (0: the default)."""
    native().set_num_threads(n)


def set_local_num_threads(n):
    """Size the calling thread's native regions; returns the previous size."""
    return native().set_local_num_threads(n)


def host_only(xp, kernel):
    """Refuse a non-NumPy namespace for a kernel that runs on the host."""
    if xp is not None and not is_numpy_namespace(xp):
        raise TypeError(f"{kernel} runs on the host: xp must be NumPy (or None)")
