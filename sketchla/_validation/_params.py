"""Scalar and option parameters: integers, bounded reals, p, flags, choices,
keys and index arrays, consistent lengths."""

from __future__ import annotations

import numbers

import numpy as np



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


def check_tol(tol, name, eps, allow_none=False):
    """A positive relative tolerance; one below ``eps`` (what the computing
    dtype can reach) is clipped to ``eps`` with a ``RuntimeWarning``, since
    no iteration can meet it (it would only run to its iteration limit)."""
    import warnings

    from .._stack import find_stack_level

    tol = check_scalar(tol, name, minimum=0, include_minimum=False, allow_none=allow_none)
    if tol is not None and tol < eps:
        warnings.warn(f"{name}={tol:.3g} is below what the computation's precision can reach "
                      f"(eps = {eps:.3g}); using {name}={eps:.3g}", RuntimeWarning,
                      stacklevel=find_stack_level())
        return float(eps)
    return tol


def available_memory():
    """Bytes of physical memory this process may use: the machine's total
    (``os.sysconf``), or None where it cannot be read."""
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(nbytes, name, what):
    """Refuse, before any work, a request whose arrays cannot fit in memory:
    a ``MemoryError`` naming the argument that sized them."""
    total = available_memory()
    if total is not None and nbytes > total:
        raise MemoryError(f"{name}: {what} needs {nbytes / 2**30:.3g} GiB, more than the "
                          f"{total / 2**30:.3g} GiB of memory of this machine")


class IndexOutOfRange(ValueError, IndexError):
    """An index argument outside its dimension: a ``ValueError`` (bad input,
    as every other argument error) that ``except IndexError`` also catches."""


def check_indices(idx, size, name):
    """Integer indices into a dimension of ``size`` (negative ones wrap), as int64."""
    idx = np.asarray(idx)
    if idx.dtype.kind not in "iu":
        if idx.size:
            raise TypeError(f"{name} must hold integers, got dtype {idx.dtype}")
        idx = idx.astype(np.int64)
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise IndexOutOfRange(f"{name} out of range for a dimension of size {size}")
    return np.where(idx < 0, idx + size, idx).astype(np.int64)


def check_consistent_length(*pairs):
    """``check_consistent_length(("A", A), ("b", b), ...)``: equal first dimensions."""
    lengths = [(name, x.shape[0]) for name, x in pairs if x is not None]
    if len({n for _, n in lengths}) > 1:
        names = " and ".join(name for name, _ in lengths)
        got = " and ".join(str(n) for _, n in lengths)
        raise ValueError(f"mismatched lengths: {names} must have the same number of rows, "
                         f"got {got}")

def _float_dtype(dtype, name):
    """The one dtype rule, for a NumPy dtype: floats kept (float16 as float32),
    integers and booleans as float64; complex, strings, structured and other
    dtypes a ``TypeError`` naming the argument (object arrays: see
    :func:`numeric_object`)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(f"{name} must be real; complex input is not supported")
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind in "US":
        raise TypeError(f"{name} must hold real numbers, got strings (dtype {dtype}); "
                        "convert them to numbers first")
    if dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers, got dtype {dtype}")
    if dtype.itemsize < 4:
        return np.dtype(np.float32)
    if dtype.itemsize > 8:
        return np.dtype(np.float64)
    return dtype.newbyteorder("=")


def numeric_object(A, name):
    """An object array of numbers as float64 (scikit-learn's rule for object
    dtype); one holding strings, bytes or other objects is a ``TypeError``
    naming the argument."""
    if A.size and np.any(np.frompyfunc(lambda v: isinstance(v, (str, bytes)), 1, 1)(A)):
        raise TypeError(f"{name} must hold real numbers, got strings in an object array; "
                        "convert them to numbers first")
    try:
        return A.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold real numbers: {exc}") from None
