"""GPU kernels, written with ``numba.cuda`` (the numba-cuda package), for
CuPy input: the device half of the kernel table.

=====================  ==================================================
kernel                 on the device
=====================  ==================================================
``sketch_map``         the hashing sketches' column map: XXH64 of
                       (column, draw) with the CPU's seed, rejection of
                       repeated rows, Lemire's bounded draw; the same
                       operator as the native kernel, bit for bit
``hash_keys``          XXH64 of int64 keys (as the native kernel)
``hash_scatter``       CountSketch / sparse sign ``S @ A``, dense and CSR:
                       S assembled as a CSR matrix on the device, its
                       rows ordered by column, then a row-owned product,
                       so every sum runs in a fixed order (no atomics)
``hash_gather``        ``Sᵀ @ Y``: one thread per output element
``csr_matmat``,        CSR × dense and CSRᵀ × dense (the transpose's
``csr_rmatmat``        structure built on the device by a stable sort)
``fwht``               the Walsh–Hadamard transform along axis 0: the
                       butterflies of strides below a tile in shared
                       memory, one pass over the array per larger stride
=====================  ==================================================

Arrays travel through ``__cuda_array_interface__``: a CuPy array is read
and written in place on its device, and results are allocated by the
caller's namespace, so a CuPy input stays on the device from input to
result. Dense factorizations (QR, Cholesky, the batched row solves of
alternating minimization, SPM's contractions) are CuPy's own cuBLAS and
cuSOLVER calls and live in the generic code.

Without a GPU, numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) runs the
same kernels on NumPy arrays, one Python thread per CUDA thread: that is how
the tests marked ``cudasim`` check every kernel against the native one on
machines with no GPU. ``import sketchla`` never imports numba; the first
CuPy call that reaches a kernel of this table does.
"""

from __future__ import annotations

import importlib
import os

__all__ = ["available", "simulated", "kernels", "cupy_module"]

_state = {"checked": False, "ok": False}


def simulated():
    """Whether numba's CUDA simulator is selected (``NUMBA_ENABLE_CUDASIM``)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0")


def available():
    """Whether the numba.cuda kernels can run here: numba-cuda is installed
    and a CUDA device (or the simulator) is present. Checked once."""
    if not _state["checked"]:
        _state["checked"] = True
        try:
            from numba import cuda

            _state["ok"] = bool(simulated() or cuda.is_available())
        except Exception:  # not installed, or no driver
            _state["ok"] = False
    return _state["ok"]


def kernels():
    """The driver module (:mod:`._drivers`), imported on first use."""
    return importlib.import_module(f"{__name__}._drivers")


def cupy_module():
    """The CuPy module itself: the drivers take a namespace module, not the
    array-API wrapper that :func:`sketchla._backend.get_namespace` gives."""
    return importlib.import_module("cupy")
