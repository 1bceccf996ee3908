"""Array namespaces and the backend switch.

sketchla follows the array type it is given: NumPy in, NumPy out; CuPy in,
CuPy out; a dask array in, a dask array out. Nothing moves between host and
device behind the caller's back. The backend setting is the explicit opt-in
to move *host* inputs (NumPy arrays, scipy.sparse matrices) to another
namespace first::

    with sketchla.use_backend("cupy"):
        SA = S @ A_numpy          # A is copied to the GPU; SA is a CuPy array

Backends: ``"numpy"`` (the default: inputs stay where they are),
``"cupy"`` and ``"array_api_strict"`` (for testing the generic code path).
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib

import numpy as np

__all__ = ["set_backend", "get_backend", "use_backend"]

BACKENDS = ("numpy", "cupy", "array_api_strict")

_default = "numpy"
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sketchla_backend", default=None
)


def _check_name(name):
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    if name != "numpy":
        try:
            importlib.import_module(name)
        except ImportError as exc:  # pragma: no cover - depends on the machine
            raise ImportError(
                f"backend {name!r} needs the package {name!r}, which is not installed"
            ) from exc
    return name


def set_backend(name):
    """Set the backend that host inputs are moved to (process-wide default).

    Parameters
    ----------
    name : {"numpy", "cupy", "array_api_strict"}
    """
    global _default
    _default = _check_name(name)


def get_backend():
    """Return the name of the active backend."""
    cur = _current.get()
    return _default if cur is None else cur


@contextlib.contextmanager
def use_backend(name):
    """Context manager that sets the backend for the enclosed block.

    Examples
    --------
    >>> import sketchla
    >>> with sketchla.use_backend("numpy"):
    ...     sketchla.get_backend()
    'numpy'
    """
    token = _current.set(_check_name(name))
    try:
        yield
    finally:
        _current.reset(token)


# --------------------------------------------------------------- namespaces


def is_sparse(A):
    """True for scipy.sparse matrices and arrays (without importing scipy)."""
    mod = type(A).__module__
    return mod.startswith("scipy.sparse") and hasattr(A, "tocsr")


def is_dask(A):
    return type(A).__module__.startswith("dask.array") or (
        type(A).__name__ == "Array" and type(A).__module__.startswith("dask")
    )


def namespace_name(xp):
    """A short name for an array namespace: numpy, cupy, dask, array_api_strict, ..."""
    name = getattr(xp, "__name__", "")
    if "cupy" in name:
        return "cupy"
    if "dask" in name:
        return "dask"
    if "array_api_strict" in name:
        return "array_api_strict"
    if "numpy" in name:
        return "numpy"
    return name


def get_namespace(*arrays):
    """The array namespace of the given arrays (scipy.sparse counts as NumPy).

    Uses array-api-compat, so the returned namespace follows the array API
    standard (``array_api_compat.numpy`` for NumPy, and so on).
    """
    from array_api_compat import array_namespace

    dense = [a for a in arrays if a is not None and not is_sparse(a)]
    dense = [a for a in dense if not isinstance(a, (int, float, complex, bool))]
    if not dense:
        import array_api_compat.numpy as xp_np

        return xp_np
    return array_namespace(*dense)


def to_backend(A):
    """Move a host input to the active backend's namespace (the explicit opt-in).

    NumPy arrays and scipy.sparse matrices go to CuPy (``cupyx.scipy.sparse``
    for sparse input) or array-api-strict when that backend is active; arrays
    already in a non-NumPy namespace are returned unchanged.
    """
    backend = get_backend()
    if backend == "numpy" or A is None:
        return A
    host = isinstance(A, np.ndarray) or is_sparse(A)
    if not host:
        return A
    if backend == "cupy":
        import cupy

        if is_sparse(A):
            import cupyx.scipy.sparse as csp

            return csp.csr_matrix(A.tocsr())
        return cupy.asarray(A)
    import array_api_strict

    if is_sparse(A):
        raise TypeError(
            "the array_api_strict backend has no sparse matrices; pass a dense array"
        )
    return array_api_strict.asarray(A)


def to_numpy(A):
    """A host NumPy copy (or view) of any supported array, for tests and the tour."""
    if isinstance(A, np.ndarray):
        return A
    if is_sparse(A):
        return A.toarray()
    if is_dask(A):
        return np.asarray(A.compute())
    mod = type(A).__module__
    if mod.startswith("cupy"):
        return A.get()
    if mod.startswith("array_api_strict"):
        import array_api_strict

        cpu = array_api_strict.Device("CPU_DEVICE")
        return np.asarray(array_api_strict.asarray(A, device=cpu, copy=True))
    return np.asarray(A)
