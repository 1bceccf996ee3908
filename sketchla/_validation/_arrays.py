"""Data operands: the one dtype rule, ndim, emptiness, finiteness, layout and
namespaces (NumPy, scipy.sparse, dask, CuPy, array-api-strict)."""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, get_namespace, to_backend
from ._params import _float_dtype, numeric_object
from ._sparse import check_sparse





def _xp_float(A, xp, name):
    """The one dtype rule, for a non-NumPy namespace."""
    if xp.isdtype(A.dtype, "complex floating"):
        raise TypeError(f"{name} must be real; complex input is not supported")
    if xp.isdtype(A.dtype, "real floating"):
        return A
    if xp.isdtype(A.dtype, ("integral", "bool")):
        return xp.astype(A, xp.float64)
    raise TypeError(f"{name} must hold real numbers, got dtype {A.dtype}")


def _fix_layout(A):
    """A copy of NumPy ``A`` if its byte order, alignment or strides would trip a kernel."""
    bad_strides = any(s < 0 or s % A.itemsize for s in A.strides)
    if bad_strides or not A.flags.aligned or not A.dtype.isnative:
        order = "F" if A.flags.f_contiguous and not A.flags.c_contiguous else "C"
        return np.array(A, dtype=A.dtype.newbyteorder("="), order=order)
    return A


def _check_ndim(A, name, ndim):
    if ndim is None:
        return
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if A.ndim not in allowed:
        want = " or ".join(f"{k}-D" for k in allowed)
        if allowed == (2,):
            want = "2-D (n_samples, n_features)"
        raise ValueError(f"{name} must be {want}, got shape {tuple(A.shape)}")


def refuse_masked(A, name):
    """A NumPy masked array is refused: NumPy's conversions drop its mask,
    so its masked entries would be read as data."""
    if isinstance(A, np.ma.MaskedArray):
        raise TypeError(f"{name}: masked arrays are not supported (their mask would be "
                        f"ignored); pass {name}.filled(value), or {name}.filled(np.nan) to "
                        "altmin_complete, where NaN marks a missing entry")


def check_array(A, name="A", *, accept_sparse=False, ndim=2, ensure_finite=True,
                allow_empty=False, accept_dask=True):
    """Validate a data operand and return it in a form every kernel can read.

    Parameters
    ----------
    A : array_like, scipy.sparse matrix or array, dask, CuPy or array-API array
        The operand. Host input is first moved to the active backend
        (:func:`sketchla.use_backend`).
    name : str
        The argument's name, used in every error message.
    accept_sparse : bool or tuple of str
        False refuses sparse input with a ``TypeError``; True means
        ``("csr",)``; a tuple lists the formats the caller can use directly
        (the first is the target of conversions). Sparse input is verified
        by :func:`check_sparse` before it is converted.
    ndim : int, tuple of int or None
        Allowed numbers of dimensions (None: any).
    ensure_finite : bool or "defer"
        Check for NaN and inf. ``"defer"`` skips the O(size) scan for dense
        input; the caller then checks its (smaller) result with
        :func:`raise_if_not_finite`. Dask input is never scanned eagerly.
    allow_empty : bool
        Whether a dimension may be zero.
    accept_dask : bool
        False refuses dask input with a ``TypeError``.

    Returns
    -------
    The validated operand: same namespace and format family, the library's
    float dtype, native byte order.
    """
    if A is None:
        raise TypeError(f"{name} must be an array, got None")
    refuse_masked(A, name)
    A = to_backend(A)
    if isinstance(A, np.matrix):  # np.matrix's operators and indexing are not ndarray's
        A = np.asarray(A)
    kind = array_kind(A)
    if kind == "other":
        raise TypeError(f"{name} must be an array, got {type(A).__name__}")
    if kind == "sparse":
        if not accept_sparse:
            raise TypeError(
                f"{name}: sparse input is not supported here; pass a dense array"
            )
        formats = ("csr",) if accept_sparse is True else tuple(accept_sparse)
        A = check_sparse(A, name, formats)
    elif kind == "cupy_sparse":
        if not accept_sparse:
            raise TypeError(f"{name}: sparse input is not supported here; pass a dense array")
        if A.dtype.kind == "c":
            raise TypeError(f"{name} must be real; complex input is not supported")
        if A.dtype.kind != "f":
            A = A.astype("float64")
    elif kind == "dask":
        if not accept_dask:
            raise TypeError(f"{name}: dask arrays are not supported here")
        dt = _float_dtype(A.dtype, name)
        if dt != A.dtype:
            A = A.astype(dt)
        check_worker_memory(A, name)
    elif kind in ("numpy", "array_like"):
        if kind == "array_like":
            try:
                A = np.asarray(A)
            except (ValueError, TypeError) as exc:
                raise TypeError(f"{name} must be a rectangular array of numbers: {exc}") from None
        if A.dtype == object:
            A = numeric_object(A, name)
        dt = _float_dtype(A.dtype, name)
        A = _fix_layout(A) if dt == A.dtype else A.astype(dt)
        kind = "numpy"
    else:
        xp = get_namespace(A)
        A = _xp_float(A, xp, name)
    _check_ndim(A, name, ndim)
    if not allow_empty and any(s == 0 for s in A.shape):
        raise ValueError(f"{name} must be non-empty, got shape {tuple(A.shape)}")
    if ensure_finite is True and kind == "numpy":
        if not np.isfinite(A).all():
            raise ValueError(f"{name} must not contain NaN or inf")
    elif ensure_finite and kind not in ("numpy", "sparse", "dask", "cupy_sparse"):
        xp = get_namespace(A)
        if not bool(xp.all(xp.isfinite(A))):
            raise ValueError(f"{name} must not contain NaN or inf")
    return A


def check_finite(A, name="A"):
    """The deferred NaN/inf check of a dense NumPy operand (see ``ensure_finite="defer"``)."""
    if not np.isfinite(A).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return A


def check_operand(A, n_rows, name="A", check_finite="defer"):
    """Validate the operand of a linear operator with ``n_rows`` columns.

    Returns ``(A, xp, kind, squeeze)``: the validated array (see
    :func:`check_array`; sparse input becomes CSR), its namespace, its
    :func:`~sketchla._backend.array_kind`, and whether it was 1-D.
    ``check_finite="defer"`` leaves the NaN/inf check of dense NumPy input
    to :func:`raise_if_not_finite` on the (much smaller) result: a linear
    map of an array holding NaN or inf always has a non-finite entry, so the
    check costs nothing when the data are clean.
    """
    A = check_array(A, name, accept_sparse=("csr", "csc"), ndim=(1, 2),
                    ensure_finite=check_finite, allow_empty=True)
    if A.shape[0] != n_rows:
        raise ValueError(
            f"{name} has {A.shape[0]} rows but the operator has {n_rows} columns"
        )
    kind = array_kind(A)
    xp = None if kind == "dask" else get_namespace(A)
    return A, xp, kind, A.ndim == 1


def raise_if_not_finite(result, A, name="A"):
    """After a linear map of NumPy ``A``: if ``result`` is not finite, say why."""
    if np.isfinite(result).all():
        return
    if not np.isfinite(A).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    raise ValueError(
        f"overflow: the result is not finite although {name} is; rescale {name}"
    )


def check_host(A, name, func, reason):
    """Refuse, with a ``TypeError`` naming ``func``, an operand that is not
    NumPy or scipy.sparse, for functions whose kernels run on the host only."""
    kind = array_kind(A)
    if kind not in ("numpy", "sparse"):
        raise TypeError(
            f"{name}: {func} supports numpy and scipy.sparse input ({reason}); got {kind}"
        )
    return A


def as_finite_float(X, name, ndim):
    """X as a finite float64 NumPy array of ``ndim`` dimensions, else a clear error."""
    X = check_array(X, name, ndim=ndim, allow_empty=True)
    check_host(X, name, "this function", "host-only kernels")
    return X.astype(np.float64, copy=False)


#: the operand kinds the data-matrix functions run on
NAMESPACES = ("numpy", "sparse", "dask", "cupy", "array_api_strict")


def check_data(A, name="A"):
    """The data matrix of a sampling or regression function: 2-D, non-empty,
    finite, dense or CSR, in one of :data:`NAMESPACES`."""
    A = check_array(A, name, accept_sparse=True, ndim=2)
    if array_kind(A) not in NAMESPACES:
        raise TypeError(f"{name}: supported input is {', '.join(NAMESPACES)}, "
                        f"got {type(A).__module__}.{type(A).__name__}")
    return A


def check_matrix(A, name="A", allow_empty=False, namespaces=("numpy", "sparse")):
    """A 2-D real data matrix (n_samples, n_features): dense (float32 kept) or CSR.

    ``namespaces`` lists the operand kinds the calling function supports;
    any other raises a ``TypeError`` that names them (never a silent
    conversion).
    """
    A = check_array(A, name, accept_sparse=True, ndim=2, allow_empty=allow_empty)
    kind = array_kind(A)
    if kind not in namespaces:
        raise TypeError(
            f"{name}: this function supports {', '.join(namespaces)} input, "
            f"got {type(A).__module__}.{type(A).__name__}"
        )
    return A


def _names(message, names):
    import re

    return any(re.search(rf"(?<![A-Za-z_]){n}(?![A-Za-z_])", message) for n in names)


def validate_estimator_data(est, X, y="no_validation", *, reset=True, accept_sparse=False,
                            **kw):
    """scikit-learn's ``validate_data`` for an estimator's ``fit``/``predict``.

    Sparse X has its structure verified by :func:`check_sparse` before
    scikit-learn converts it, float32 is kept (float64 otherwise), and an
    error whose message names neither X nor y is re-raised, with the same
    type and text, prefixed by the argument's name."""
    from sklearn.utils.validation import validate_data

    refuse_masked(X, "X")
    if accept_sparse and array_kind(X) == "sparse":
        X = check_sparse(X, "X", tuple(accept_sparse))
    dtypes = getattr(X, "dtypes", None)  # a DataFrame's columns, else the array's dtype
    dtypes = list(dtypes) if dtypes is not None and not isinstance(dtypes, np.dtype) \
        else [getattr(X, "dtype", None)]
    if any(getattr(dt, "kind", "") in "mM" for dt in dtypes if dt is not None):
        raise TypeError("X must be numeric; datetime and timedelta values are not supported")
    # the function API's dtype rule (object arrays of numbers as float64)
    if isinstance(X, np.ndarray) and X.dtype == object:
        X = numeric_object(X, "X")
    elif isinstance(X, np.ndarray) and X.dtype.kind in "USV":
        _float_dtype(X.dtype, "X")  # complex stays scikit-learn's ValueError
    kw.setdefault("dtype", (np.float64, np.float32))
    names = ("X",) if isinstance(y, str) and y == "no_validation" else ("X", "y")
    try:
        return validate_data(est, X, y, reset=reset, accept_sparse=accept_sparse, **kw)
    except (ValueError, TypeError) as e:
        if _names(str(e), names):
            raise
        raise type(e)(f"{' and '.join(names)}: {e}") from e


#: a task holds its chunk and about this many working copies of it
_TASK_COPIES = 3


def check_worker_memory(A, name):
    """Refuse a dask array whose largest chunk cannot fit in a worker of the
    distributed client in use (none: nothing to check). A worker past its
    memory limit's pause threshold stops running tasks and waits for memory
    that never frees, so the call would hang: a ``MemoryError`` naming the
    chunk size comes first."""
    import sys

    if "distributed" not in sys.modules or not A.size:
        return
    from distributed import default_client

    try:
        client = default_client()
    except ValueError:  # no client: dask's local schedulers
        return
    workers = client.scheduler_info().get("workers", {}).values()
    room = [w["memory_limit"] * 0.8 - w.get("metrics", {}).get("memory", 0)
            for w in workers if w.get("memory_limit")]
    if not room:
        return
    shape = tuple(max(c) for c in A.chunks)
    nbytes = int(np.prod(shape)) * A.dtype.itemsize
    if _TASK_COPIES * nbytes > min(room):
        rows = max(1, int(shape[0] * min(room) / (_TASK_COPIES * nbytes)))
        raise MemoryError(
            f"{name}: a chunk of {' × '.join(map(str, shape))} {A.dtype} "
            f"({nbytes / 2**20:.0f} MiB) needs about {_TASK_COPIES}× that in a task, more "
            f"than the {max(min(room), 0) / 2**20:.0f} MiB a worker of the cluster has "
            f"below its pause threshold; rechunk {name} into smaller row blocks "
            f"({name}.rechunk({{0: {rows}}}))")
