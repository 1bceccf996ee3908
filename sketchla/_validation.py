"""Input checks and random-number handling, in one place.

Every public function validates through these helpers, so the errors read
the same everywhere: a ``ValueError`` or ``TypeError`` that names the
argument. The vocabulary follows scikit-learn's ``sklearn/utils/validation.py``:

* :func:`check_array` — any data operand (NumPy, scipy.sparse, dask, CuPy,
  array-api-strict): one dtype rule, ndim, non-empty, finiteness; sparse
  structure is verified by :func:`check_sparse` before anything converts it.
* :func:`check_consistent_length`, :func:`check_scalar`, :func:`check_int`,
  :func:`check_bool`, :func:`check_option`.
* :func:`check_rng`, :func:`draw_seed` and :func:`substream`: every random
  substream in the package is derived from ``(seed, stream, block)`` here.

The dtype rule, for the whole library: float32 and float64 are kept;
float16 becomes float32; booleans and integers become float64; wider
floats become float64; complex, object, string and datetime dtypes raise
``TypeError``. NumPy input with non-native byte order, misaligned data or
negative or non-itemsize-multiple strides is copied, never refused.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._backend import array_kind, get_namespace, is_sparse_array, to_backend

__all__ = [
    "check_array",
    "check_sparse",
    "check_compressed",
    "check_seed",
    "check_keys",
    "check_consistent_length",
    "check_indices",
    "check_finite",
    "check_scalar",
    "check_int",
    "check_bool",
    "check_p",
    "check_option",
    "check_verbose",
    "check_rng",
    "draw_seed",
    "substream",
    "check_operand",
    "check_matrix",
    "check_data",
    "as_finite_float",
    "check_host",
    "raise_if_not_finite",
    "validate_estimator_data",
]


# --------------------------------------------------------------- randomness
def check_rng(rng, name="rng"):
    """Turn ``rng`` into a :class:`numpy.random.Generator`.

    Accepts None (fresh entropy), an int, a Generator, a SeedSequence, a
    BitGenerator or a legacy RandomState (scikit-learn's ``random_state``).
    """
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, bool):
            raise TypeError(f"{name} must be None, an int, a Generator or a SeedSequence")
        if isinstance(rng, numbers.Integral) and rng < 0:
            raise ValueError(f"{name} must be a non-negative integer seed, got {rng}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.BitGenerator):
        return np.random.Generator(rng)
    if isinstance(rng, np.random.RandomState):
        return np.random.default_rng(rng.randint(0, 2**31 - 1, size=4))
    raise TypeError(
        f"{name} must be None, an int, a numpy.random.Generator or a SeedSequence, "
        f"got {type(rng).__name__}"
    )


def draw_seed(rng, name="rng"):
    """A 63-bit integer seed drawn from ``rng``: the whole state of a lazy sketch."""
    return int(check_rng(rng, name).integers(0, 2**63 - 1))


#: named random streams derived from one seed (see :func:`substream`)
STREAMS = {"gaussian": 1, "srht_signs": 2, "srht_rows": 3, "countsketch": 4,
           "coordinated_keys": 5, "completion": 6}


def substream(seed, stream, block=0, integer=False):
    """The random substream ``(seed, stream, block)``.

    Every derived stream of the package comes from here: a
    :class:`numpy.random.SeedSequence` with entropy ``seed`` and spawn key
    ``(stream, block)``, so streams never collide and a block's stream does
    not depend on how the data are chunked. ``stream`` is a name from
    :data:`STREAMS`. Returns a Generator, or with ``integer=True`` a 63-bit
    integer seed for the native kernels.
    """
    ss = np.random.SeedSequence(int(seed), spawn_key=(STREAMS[stream], int(block)))
    if integer:
        return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
    return np.random.Generator(np.random.PCG64(ss))


# ------------------------------------------------------------------ scalars
#: the largest integer parameter (a size, a count, an order) accepted anywhere:
#: beyond it, sizes are not allocatable and counts are not exact in float64
MAX_INT = 2**53


def check_int(value, name, minimum=None, maximum=None, maximum_label=None):
    """An integer in [minimum, maximum], else a clear error (integral floats
    accepted). With no ``maximum``, at most :data:`MAX_INT`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is None:
        maximum, maximum_label = MAX_INT, maximum_label or "2**53"
    if value > maximum:
        label = maximum_label or str(maximum)
        raise ValueError(f"{name} must be <= {label}, got {value}")
    return value


def check_scalar(value, name, minimum=None, maximum=None, include_minimum=True,
                 include_maximum=True, allow_none=False):
    """A finite real number in the given interval, as a Python float.

    Booleans and strings are refused with a ``TypeError`` naming ``name``;
    NaN, inf and values outside the interval get a ``ValueError``.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if minimum is not None and (value < minimum or (value == minimum and not include_minimum)):
        op = ">=" if include_minimum else ">"
        raise ValueError(f"{name} must be {op} {minimum}, got {value}")
    if maximum is not None and (value > maximum or (value == maximum and not include_maximum)):
        op = "<=" if include_maximum else "<"
        raise ValueError(f"{name} must be {op} {maximum}, got {value}")
    return value


#: the largest ℓp exponent: |r|^p leaves float64's range beyond it for
#: residuals of a few units, and ‖r‖_100 is within n^(1/100) of ‖r‖_∞
MAX_P = 100.0


def check_p(p, name="p"):
    """The exponent of an ℓp problem: a real number in [1, MAX_P]."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name} must be a number >= 1, got {p!r}")
    p = float(p)
    if not np.isfinite(p) or p < 1 or p > MAX_P:
        raise ValueError(f"{name} must be a number in [1, {MAX_P:g}], got {p}")
    return p


def check_bool(value, name):
    """True or False (NumPy booleans accepted); anything else, truthy strings included, is refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def check_verbose(verbose, name="verbose"):
    """A verbosity level: None/False (0), True (1) or a non-negative integer."""
    if verbose is None:
        return 0
    if isinstance(verbose, (bool, np.bool_)):
        return int(verbose)
    if isinstance(verbose, numbers.Integral) and verbose >= 0:
        return int(verbose)
    raise TypeError(f"{name} must be True, False or a non-negative integer, got {verbose!r}")


def check_option(value, name, options):
    """``value`` if it is one of ``options``, else a ``ValueError`` listing them."""
    try:
        ok = value in options
    except TypeError:
        ok = False
    if not ok or not isinstance(value, type(next(iter(options)))):
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


# ------------------------------------------------------------------- arrays
def _float_dtype(dtype, name):
    """The one dtype rule, for a NumPy dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(f"{name} must be real; complex input is not supported")
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers, got dtype {dtype}")
    if dtype.itemsize < 4:
        return np.dtype(np.float32)
    if dtype.itemsize > 8:
        return np.dtype(np.float64)
    return dtype.newbyteorder("=")


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
    elif kind in ("numpy", "array_like"):
        if kind == "array_like":
            try:
                A = np.asarray(A)
            except (ValueError, TypeError) as exc:
                raise TypeError(f"{name} must be a rectangular array of numbers: {exc}") from None
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


def _index_array(x, name, what):
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError(f"{name}: sparse {what} must be 1-D, got shape {x.shape}")
    if x.dtype.kind not in "iu":
        raise TypeError(f"{name}: sparse {what} must be integers, got dtype {x.dtype}")
    return x


def _check_range(x, upper, name, what):
    if x.size and (int(x.min()) < 0 or int(x.max()) >= upper):
        raise ValueError(
            f"{name} has a corrupt sparse structure: {what} out of range [0, {upper})"
        )


def check_compressed(indptr, indices, n_major, n_minor, name):
    """O(n_major + nnz) checks of a CSR/CSC/BSR index structure; returns nnz."""
    indptr = _index_array(indptr, name, "indptr")
    indices = _index_array(indices, name, "indices")
    if indptr.shape[0] != n_major + 1:
        raise ValueError(f"{name} has a corrupt sparse structure: indptr has "
                         f"{indptr.shape[0]} entries, expected {n_major + 1}")
    if int(indptr[0]) != 0:
        raise ValueError(f"{name} has a corrupt sparse structure: indptr[0] != 0")
    if n_major and np.any(indptr[1:] < indptr[:-1]):
        raise ValueError(f"{name} has a corrupt sparse structure: indptr decreases")
    nnz = int(indptr[-1])
    if nnz > indices.shape[0]:
        raise ValueError(f"{name} has a corrupt sparse structure: indptr[-1] = {nnz} "
                         f"but only {indices.shape[0]} indices")
    _check_range(indices[:nnz], n_minor, name, "an index")
    return nnz


def _is_canonical(indptr, indices, nnz):
    """Indices strictly increasing within every row (sorted, no duplicates)."""
    if nnz < 2:
        return True
    idx = indices[:nnz]
    inc = idx[1:] > idx[:-1]
    starts = np.zeros(nnz, dtype=bool)
    inner = indptr[1:-1]
    starts[inner[inner < nnz]] = True
    return bool(np.all(inc | starts[1:]))


def check_sparse(A, name="A", formats=("csr",)):
    """Verify a scipy.sparse operand and return a safe, canonical copy-or-view.

    The index structure is checked in O(nnz) *before* SciPy converts the
    matrix (a corrupt ``indptr`` or an out-of-range index would otherwise
    crash SciPy's C++ conversions or a kernel): for CSR/CSC/BSR, ``indptr``
    has the right length, starts at 0, never decreases and ends within
    ``indices``, and every index is in range; for COO, the coordinates are
    in range and as long as the data. Other formats (LIL, DOK, DIA) go
    through COO first. The stored values must be finite.

    Returns a matrix in ``formats[0]`` (or the input's format if it is one
    of ``formats``) with sorted indices and no duplicates. The caller's
    arrays are never written: canonicalizing happens on a copy, and an
    already canonical input is shared through read-only views.
    """
    import scipy.sparse as sp

    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got {A.ndim}-D sparse input")
    n, d = A.shape
    is_array = is_sparse_array(A)
    fmt = A.format
    if fmt not in ("csr", "csc", "coo", "bsr"):
        A = A.tocoo()
        fmt = "coo"
    dt = _float_dtype(A.dtype, name)
    if fmt in ("csr", "csc"):
        n_major, n_minor = (n, d) if fmt == "csr" else (d, n)
        nnz = check_compressed(A.indptr, A.indices, n_major, n_minor, name)
        data = np.asarray(A.data)
        if data.ndim != 1 or data.shape[0] < nnz:
            raise ValueError(f"{name} has a corrupt sparse structure: data has "
                             f"{data.shape[0]} values, indptr says {nnz}")
        indptr, indices, data = np.asarray(A.indptr), np.asarray(A.indices)[:nnz], data[:nnz]
    elif fmt == "bsr":
        R, C = A.blocksize
        nnz = check_compressed(A.indptr, A.indices, n // R, d // C, name)
        if A.data.shape[0] < nnz:
            raise ValueError(f"{name} has a corrupt sparse structure: data has "
                             f"{A.data.shape[0]} blocks, indptr says {nnz}")
    else:
        row = _index_array(A.row if hasattr(A, "row") else A.coords[0], name, "row indices")
        col = _index_array(A.col if hasattr(A, "col") else A.coords[1], name, "column indices")
        if not (row.shape[0] == col.shape[0] == np.asarray(A.data).shape[0]):
            raise ValueError(f"{name} has a corrupt sparse structure: row, col and data "
                             "have different lengths")
        _check_range(row, n, name, "a row index")
        _check_range(col, d, name, "a column index")
    if not np.isfinite(np.asarray(A.data)).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    container = (sp.csr_array if fmt != "csc" else sp.csc_array) if is_array else \
        (sp.csr_matrix if fmt != "csc" else sp.csc_matrix)
    if fmt in ("csr", "csc") and fmt in formats:
        if _is_canonical(indptr, indices, nnz):
            views = []
            for arr in (data, indices, indptr):
                v = arr.view()
                v.flags.writeable = False
                views.append(v)
            out = container((views[0], views[1], views[2]), shape=(n, d), copy=False)
            out.has_canonical_format = True
        else:
            out = container((data.copy(), indices.copy(), indptr.copy()), shape=(n, d))
            out.sum_duplicates()
    else:
        # the structure is verified: SciPy's conversion is now safe, and it
        # writes only to the new matrix
        target = formats[0]
        out = A.tocsc() if target == "csc" else A.tocsr()
        if out.data is A.data or getattr(out, "indices", None) is getattr(A, "indices", 0):
            out = out.copy()
        out.sum_duplicates()
    if out.dtype != dt:
        out = out.astype(dt)
    return out


def check_seed(seed, name="seed"):
    """A shared integer seed in [0, 2**64) (coordinated sampling)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer (the shared seed), got {seed!r}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"{name} must be in [0, 2**64), got {seed}")
    return int(seed)


def check_keys(keys, n, name="keys"):
    """Row identifiers: ``n`` integers (within int64) or ``n`` strings/bytes, never a mix.

    None means ``arange(n)``. Integer keys are hashed as int64, so unsigned
    keys of 2**63 or more (which would alias negative ones) are refused.
    """
    if keys is None:
        return np.arange(n, dtype=np.int64)
    keys = np.asarray(keys)
    if keys.ndim != 1 or keys.shape[0] != n:
        raise ValueError(f"{name} must be 1-D with one key per row ({n}), got shape {keys.shape}")
    if keys.dtype.kind in "iub":
        if keys.dtype.kind == "u" and keys.size and int(keys.max()) >= 2**63:
            raise ValueError(f"{name}: integer keys must fit in int64 (< 2**63)")
        return keys
    if keys.dtype.kind in "US":
        return keys
    if keys.dtype.kind == "O":
        items = keys.tolist()
        if all(isinstance(k, str) for k in items) or all(isinstance(k, bytes) for k in items):
            return keys
        raise TypeError(f"{name} must be all integers or all strings, not a mix "
                        "(a mix would never match the other party's keys)")
    raise TypeError(f"{name} must be integers or strings, got dtype {keys.dtype}")


def check_indices(idx, size, name):
    """Integer indices into a dimension of ``size`` (negative ones wrap), as int64."""
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        if idx.size:
            raise TypeError(f"{name} must hold integers, got dtype {idx.dtype}")
        idx = idx.astype(np.int64)
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise IndexError(f"{name} out of range for a dimension of size {size}")
    return np.where(idx < 0, idx + size, idx).astype(np.int64)


def check_finite(A, name="A"):
    """The deferred NaN/inf check of a dense NumPy operand (see ``ensure_finite="defer"``)."""
    if not np.isfinite(A).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return A


def check_consistent_length(*pairs):
    """``check_consistent_length(("A", A), ("b", b), ...)``: equal first dimensions."""
    lengths = [(name, x.shape[0]) for name, x in pairs if x is not None]
    if len({n for _, n in lengths}) > 1:
        names = " and ".join(name for name, _ in lengths)
        got = " and ".join(str(n) for _, n in lengths)
        raise ValueError(f"mismatched lengths: {names} must have the same number of rows, "
                         f"got {got}")


# ------------------------------------------- the forms the algorithms use
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

    if accept_sparse and array_kind(X) == "sparse":
        X = check_sparse(X, "X", tuple(accept_sparse))
    dtypes = getattr(X, "dtypes", None)  # a DataFrame's columns, else the array's dtype
    dtypes = list(dtypes) if dtypes is not None and not isinstance(dtypes, np.dtype) \
        else [getattr(X, "dtype", None)]
    if any(getattr(dt, "kind", "") in "mM" for dt in dtypes if dt is not None):
        raise TypeError("X must be numeric; datetime and timedelta values are not supported")
    kw.setdefault("dtype", (np.float64, np.float32))
    names = ("X",) if isinstance(y, str) and y == "no_validation" else ("X", "y")
    try:
        return validate_data(est, X, y, reset=reset, accept_sparse=accept_sparse, **kw)
    except (ValueError, TypeError) as e:
        if _names(str(e), names):
            raise
        raise type(e)(f"{' and '.join(names)}: {e}") from e
