"""Input checks and random-number handling, in one place.

Every public function validates through these helpers, so the errors read
the same everywhere: a ``ValueError`` or ``TypeError`` that names the
argument.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._backend import get_namespace, is_dask, is_sparse, namespace_name, to_backend

__all__ = [
    "check_rng",
    "draw_seed",
    "check_int",
    "check_operand",
    "raise_if_not_finite",
    "as_finite_float",
    "check_matrix",
]


def check_rng(rng, name="rng"):
    """Turn ``rng`` into a :class:`numpy.random.Generator`.

    Accepts None (fresh entropy), an int, a Generator, a SeedSequence, a
    BitGenerator or a legacy RandomState (scikit-learn's ``random_state``).
    """
    if rng is None or isinstance(rng, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and rng < 0:
            raise ValueError(f"{name} must be a non-negative integer seed, got {rng}")
        if isinstance(rng, bool):
            raise TypeError(f"{name} must be None, an int, a Generator or a SeedSequence")
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


def check_int(value, name, minimum=None, maximum=None, maximum_label=None):
    """An integer in [minimum, maximum], else a clear error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        label = maximum_label or str(maximum)
        raise ValueError(f"{name} must be <= {label}, got {value}")
    return value


def _float_dtype(dtype, name):
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
    return dtype


def check_operand(A, n_rows, name="A", check_finite="defer"):
    """Validate the operand of a linear operator with ``n_rows`` columns.

    Returns ``(A, xp, kind, squeeze)``: the (possibly converted) array, its
    namespace, one of ``"numpy" | "sparse" | "dask" | "cupy" | other``, and
    whether it was 1-D. Integer and boolean arrays become float64, float16
    becomes float32; complex and object arrays are refused. scipy.sparse
    input stays sparse (COO and the like become CSR).

    ``check_finite="defer"`` leaves the NaN/inf check of dense NumPy input to
    :func:`raise_if_not_finite` on the (much smaller) result: a linear map of
    an array holding NaN or inf always has a non-finite entry, so the check
    costs nothing when the data are clean.
    """
    if A is None:
        raise TypeError(f"{name} must be an array, got None")
    A = to_backend(A)
    if is_sparse(A):
        if A.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got {A.ndim}-D sparse input")
        if A.format not in ("csr", "csc"):
            A = A.tocsr()
        dt = _float_dtype(A.dtype, name)
        if dt != A.dtype:
            A = A.astype(dt)
        if not np.isfinite(A.data).all():
            raise ValueError(f"{name} must not contain NaN or inf")
        kind = "sparse"
        xp = get_namespace()
    elif is_dask(A):
        xp = None
        kind = "dask"
        dt = _float_dtype(A.dtype, name)
        if dt != A.dtype:
            A = A.astype(dt)
    else:
        if isinstance(A, (list, tuple)) or np.isscalar(A):
            A = np.asarray(A)
        try:
            xp = get_namespace(A)
        except TypeError as exc:
            raise TypeError(f"{name} must be an array, got {type(A).__name__}") from exc
        kind = namespace_name(xp)
        if kind == "numpy":
            A = np.asarray(A)
            if A.dtype == object:
                raise TypeError(f"{name} must hold real numbers, got dtype object")
        if kind == "numpy":
            dt = _float_dtype(A.dtype, name)
            if dt != A.dtype:
                A = A.astype(dt)
        elif xp.isdtype(A.dtype, "complex floating"):
            raise TypeError(f"{name} must be real; complex input is not supported")
        elif not xp.isdtype(A.dtype, "real floating"):
            A = xp.astype(A, xp.float64)
    if A.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D or 2-D, got {A.ndim}-D")
    if A.shape[0] != n_rows:
        raise ValueError(
            f"{name} has {A.shape[0]} rows but the operator has {n_rows} columns"
        )
    squeeze = A.ndim == 1
    if kind not in ("numpy", "sparse", "dask") and check_finite:
        if not bool(xp.all(xp.isfinite(A))):
            raise ValueError(f"{name} must not contain NaN or inf")
    if kind == "numpy" and check_finite is True:
        if not np.isfinite(A).all():
            raise ValueError(f"{name} must not contain NaN or inf")
    return A, xp, kind, squeeze


def raise_if_not_finite(result, A, name="A"):
    """After a linear map of NumPy ``A``: if ``result`` is not finite, say why."""
    if np.isfinite(result).all():
        return
    if not np.isfinite(A).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    raise FloatingPointError(
        f"overflow: the result is not finite although {name} is; rescale {name}"
    )


def as_finite_float(X, name, ndim):
    """X as a finite float64 NumPy array of ``ndim`` dimensions, else a clear error."""
    X = np.asarray(X)
    if X.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got {X.ndim}-D")
    if X.dtype.kind == "c":
        raise TypeError(f"{name} must be real; complex input is not supported")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must not contain NaN or inf")
    return X


def check_matrix(A, name="A", allow_empty=False):
    """A 2-D real matrix: dense → finite float ndarray (float32 kept), scipy.sparse →
    CSR with a float dtype and finite stored values. The data matrices of the
    sampling and regression functions all pass through here."""
    import scipy.sparse as sp

    if A is None:
        raise TypeError(f"{name} must be an array, got None")
    if is_sparse(A):
        if A.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {A.ndim}-D")
        A = sp.csr_matrix(A)
        if A.dtype.kind == "c":
            raise TypeError(f"{name} must be real; complex input is not supported")
        if A.dtype.kind != "f":
            A = A.astype(np.float64)
        if not np.isfinite(A.data).all():
            raise ValueError(f"{name} must not contain NaN or inf")
    else:
        A = np.asarray(A)
        if A.dtype.kind == "c":
            raise TypeError(f"{name} must be real; complex input is not supported")
        if A.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {A.dtype}")
        if A.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {A.shape}")
        if A.dtype.kind != "f":
            A = A.astype(np.float64)
        if not np.isfinite(A).all():
            raise ValueError(f"{name} must not contain NaN or inf")
    if not allow_empty and (A.shape[0] == 0 or A.shape[1] == 0):
        raise ValueError(f"{name} must be non-empty, got shape {A.shape}")
    return A
