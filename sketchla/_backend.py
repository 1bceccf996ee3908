"""Array namespaces, devices and the backend switch: the one place that inspects types.

sketchla follows the array type it is given: NumPy in, NumPy out; CuPy in,
CuPy out; a dask array in, a dask array out. Nothing moves between host and
device behind the caller's back. The backend setting is the explicit opt-in
to move *host* inputs (NumPy arrays, scipy.sparse matrices) to another
namespace first::

    with sketchla.use_backend("cupy"):
        SA = S @ A_numpy          # A is copied to the GPU; SA is a CuPy array

Backends: ``"numpy"`` (the default: inputs stay where they are),
``"cupy"`` and ``"array_api_strict"`` (for testing the generic code path).

Every other module asks this one what an operand is (:func:`array_kind`), which
namespace serves it (:func:`get_namespace`), where it lives (:func:`device`) and
whether native C applies (:func:`is_numpy_namespace`); detection is array-api-compat's,
as in scikit-learn's ``sklearn/utils/_array_api.py``."""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import sys

import numpy as np

__all__ = ["set_backend", "get_backend", "use_backend"]

BACKENDS = ("numpy", "cupy", "array_api_strict")

#: the operand kinds :func:`array_kind` reports
KINDS = ("numpy", "sparse", "dask", "cupy", "cupy_sparse", "array_api_strict",
         "linear_operator", "array_like", "other")

_default = "numpy"
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sketchla_backend", default=None
)


def _check_name(name):
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"name must be one of the backends {BACKENDS}, got {name!r}")
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
        ``"numpy"`` leaves every input where it is. ``"cupy"`` copies NumPy
        and scipy.sparse inputs to the GPU before computing;
        ``"array_api_strict"`` wraps them in the strict reference namespace
        (for testing code paths that use only the array API standard).

    Returns
    -------
    None

    Notes
    -----
    The setting is context-local (a :class:`contextvars.ContextVar`):
    threads and asyncio tasks do not see each other's choice, and
    :func:`use_backend` scopes it to a block. Inputs already in a namespace
    (CuPy, dask) are computed on there whatever the backend; the backend
    decides where NumPy and scipy.sparse inputs go. O(1).

    References
    ----------
    .. [1] The Python array API standard, https://data-apis.org/array-api/
       (the seam through which every namespace is reached).

    Examples
    --------
    >>> import sketchla
    >>> sketchla.set_backend("numpy")
    >>> sketchla.get_backend()
    'numpy'
    """
    global _default
    _default = _check_name(name)


def get_backend():
    """Return the name of the active backend.

    Returns
    -------
    str
        ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.

    Notes
    -----
    O(1); see :func:`set_backend`.

    References
    ----------
    .. [1] The Python array API standard, https://data-apis.org/array-api/.

    Examples
    --------
    >>> import sketchla
    >>> sketchla.get_backend()
    'numpy'
    """
    cur = _current.get()
    return _default if cur is None else cur


@contextlib.contextmanager
def use_backend(name):
    """Context manager that sets the backend for the enclosed block.

    Parameters
    ----------
    name : {"numpy", "cupy", "array_api_strict"}
        See :func:`set_backend`. The setting is context-local (a
        :class:`contextvars.ContextVar`), so threads and asyncio tasks do not
        see each other's choice.

    Returns
    -------
    context manager
        Restores the previous backend on exit.

    Notes
    -----
    O(1); nests, and is safe across threads and asyncio tasks (each sees
    its own setting).

    References
    ----------
    .. [1] The Python array API standard, https://data-apis.org/array-api/.

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


# --------------------------------------------------------------- detection


def is_sparse(A):
    """True for scipy.sparse matrices and arrays (scipy is never imported here)."""
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and sp.issparse(A)


def is_sparse_array(A):
    """True for the scipy.sparse *array* containers (``csr_array`` and kin)."""
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and isinstance(A, sp.sparray)


def is_linear_operator(A):
    """True for ``scipy.sparse.linalg.LinearOperator`` (scipy is never imported here)."""
    spla = sys.modules.get("scipy.sparse.linalg")
    return spla is not None and isinstance(A, spla.LinearOperator)


def _is_cupy_sparse(A):
    csp = sys.modules.get("cupyx.scipy.sparse")
    return csp is not None and csp.issparse(A)


def is_dask(A):
    """True for a ``dask.array.Array``."""
    from array_api_compat import is_dask_array

    return is_dask_array(A)


def frame_kind(A):
    """``"pandas"`` or ``"dask"`` for a pandas or dask DataFrame, else None
    (neither library is imported here)."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(A, pd.DataFrame):
        return "pandas"
    dd = sys.modules.get("dask.dataframe")
    if dd is not None and isinstance(A, dd.DataFrame):
        return "dask"
    return None


def array_kind(A):
    """What an operand is: one of :data:`KINDS`.

    ``"numpy"`` (an ndarray), ``"sparse"`` (scipy.sparse), ``"dask"``,
    ``"cupy"``, ``"cupy_sparse"`` (``cupyx.scipy.sparse``),
    ``"array_api_strict"``, ``"linear_operator"`` (a SciPy
    ``LinearOperator``), ``"array_like"`` (lists, scalars and other
    objects NumPy converts: ``__array__``, the buffer protocol), or
    ``"other"`` (anything else, including unknown array-API objects).
    """
    import array_api_compat as c

    if isinstance(A, np.ndarray):
        return "numpy"
    if is_sparse(A):
        return "sparse"
    if c.is_dask_array(A):
        return "dask"
    if c.is_cupy_array(A):
        return "cupy"
    if _is_cupy_sparse(A):
        return "cupy_sparse"
    if c.is_numpy_array(A):
        return "numpy"
    if c.is_array_api_obj(A):
        try:
            if c.is_array_api_strict_namespace(c.array_namespace(A)):
                return "array_api_strict"
        except TypeError:
            pass
        return "other"
    if is_linear_operator(A):
        return "linear_operator"
    if isinstance(A, (list, tuple, int, float, bool, np.generic)) or hasattr(A, "__array__") \
            or hasattr(A, "__array_interface__"):
        return "array_like"
    return "other"


def namespace_name(xp):
    """A short name for an array namespace: numpy, cupy, dask, array_api_strict or other."""
    import array_api_compat as c

    if c.is_numpy_namespace(xp):
        return "numpy"
    if c.is_cupy_namespace(xp):
        return "cupy"
    if c.is_dask_namespace(xp):
        return "dask"
    if c.is_array_api_strict_namespace(xp):
        return "array_api_strict"
    return "other"


def is_numpy_namespace(xp):
    """Whether ``xp`` is NumPy's namespace: the native-C fast paths apply."""
    import array_api_compat as c

    return c.is_numpy_namespace(xp)


def get_namespace(*arrays):
    """The array namespace of the given arrays (scipy.sparse counts as NumPy).

    Returns the array-api-compat wrapper (``array_api_compat.numpy`` for
    NumPy and scipy.sparse), so algorithm code can use the standard's names
    on every backend. None and Python scalars are ignored; mixing
    namespaces or devices raises ``TypeError``.
    """
    from array_api_compat import array_namespace

    dense = [
        a for a in arrays
        if a is not None and not is_sparse(a) and not isinstance(a, (int, float, complex, bool))
    ]
    if not dense:
        import array_api_compat.numpy as xp_np

        return xp_np
    return array_namespace(*dense)


def device(x):
    """The device of an array (``"cpu"`` for NumPy and scipy.sparse)."""
    if is_sparse(x):
        return "cpu"
    from array_api_compat import device as _device

    return _device(x)


def to_backend(A):
    """Move a host input to the active backend's namespace (the explicit opt-in).

    NumPy arrays and scipy.sparse matrices go to CuPy (``cupyx.scipy.sparse``
    for sparse input) or array-api-strict when that backend is active; arrays
    already in a non-NumPy namespace are returned unchanged.
    """
    backend = get_backend()
    if backend == "numpy" or A is None:
        return A
    if array_kind(A) not in ("numpy", "sparse"):
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


def from_numpy(x, like, dtype="like"):
    """The host array ``x`` in the namespace and on the device of ``like``.

    ``dtype="like"`` (default) casts to ``like.dtype``; None keeps x's.
    """
    x = np.asarray(x)
    kind = array_kind(like)
    if kind in ("numpy", "sparse", "dask"):
        if dtype is not None:
            x = x.astype(like.dtype if dtype == "like" else dtype, copy=False)
        if kind != "dask":
            return x
        import dask.array as da

        return da.from_array(x, chunks=-1)
    xp = get_namespace(like)
    out = xp.asarray(x, device=device(like))
    if dtype is not None:
        out = xp.astype(out, like.dtype if dtype == "like" else dtype)
    return out


def to_numpy(A):
    """A host NumPy copy (or view) of any supported array.

    For small results (scalars, d×d factors, the probabilities a host
    generator draws from) and for tests; algorithm code never calls it on a
    data matrix.
    """
    kind = array_kind(A)
    if kind == "numpy":
        return A
    if kind == "sparse":
        return A.toarray()
    if kind == "dask":
        return np.asarray(A.compute())
    if kind in ("cupy", "cupy_sparse"):
        return (A.toarray() if kind == "cupy_sparse" else A).get()
    if kind == "array_api_strict":
        import array_api_strict

        cpu = array_api_strict.Device("CPU_DEVICE")
        return np.asarray(array_api_strict.asarray(A, device=cpu, copy=True))
    return np.asarray(A)


def _dask_all(arrays, how):
    """The arrays, the dask ones replaced by ``dask.<how>`` (compute or
    persist) of them all in one graph, so the data they share is read once."""
    lazy = [i for i, x in enumerate(arrays) if array_kind(x) == "dask"]
    out = list(arrays)
    if lazy:
        import dask

        for i, x in zip(lazy, getattr(dask, how)(*(arrays[i] for i in lazy))):
            out[i] = x
    return out


def to_numpy_many(*arrays):
    """:func:`to_numpy` of several arrays; lazy (dask) ones are computed in
    one graph, so the data they share is read once (one pass)."""
    return tuple(to_numpy(x) for x in _dask_all(arrays, "compute"))


def materialize(*xs):
    """Keep lazily computed arrays around for reuse (dask ``persist``); others unchanged.

    Several arrays are persisted in one graph, so a value they share is
    computed once. An iteration that reuses a lazy array in later graphs
    materializes it first: on ``distributed`` the same key submitted
    again inside a different graph is a conflict the scheduler warns of.
    Returns one array for one argument, else a tuple.
    """
    out = _dask_all(xs, "persist")
    return out[0] if len(out) == 1 else tuple(out)
