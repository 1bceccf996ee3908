"""Exact rescaling by powers of two: the one way the scale-aware drivers
bring data of any magnitude to O(1) before their products, and back.

A product of two entries of 2^±520 already leaves float64; dividing the
operand by a power of two near its largest magnitude first is exact (no
rounding, while the entries stay normal numbers) and leaves every quantity
that does not depend on the scale (bases, subspaces, probabilities of a
k-DPP) unchanged, bit for bit. Data whose largest magnitude lies within
2^±_limit(dtype) (2^±341 in float64, 2^±42 in float32: its squares, summed
over 2^30 terms, stay normal numbers) is left alone, so ordinary data pays
nothing.
"""

from __future__ import annotations

import numpy as np

from .._backend import array_kind, get_namespace
from .dense import abs_max


def _limit(dtype=np.float64):
    """The exponent bound of data that needs no rescaling in ``dtype``."""
    return np.finfo(_host_float(dtype)).maxexp // 3


def moderate(m, dtype=np.float64):
    """Whether a magnitude m (≥ 0) is 0 or within 2^±_limit(dtype)."""
    return m == 0 or 2.0 ** -_limit(dtype) <= m <= 2.0 ** _limit(dtype)


def pow2_exponent(m):
    """The integer e with m / 2^e in [0.5, 1) (0 for m = 0, NaN or inf)."""
    m = float(m)
    return int(np.frexp(m)[1]) if m > 0 and np.isfinite(m) else 0


def unit_exponent(A, *, xp=None):
    """e such that A / 2^e is at O(1) scale, or 0 when A's largest magnitude
    is :func:`moderate` in A's dtype (or A is zero)."""
    m = abs_max(A, xp=xp)
    return 0 if moderate(m, getattr(A, "dtype", np.float64)) else pow2_exponent(m)


def _host_float(dtype):
    """np.float32 for a float32 dtype of any namespace, else np.float64."""
    return np.float32 if "float32" in str(dtype) else np.float64


def ldexp(A, e, *, xp=None):
    """A · 2^e as a new array in A's namespace, dtype and format (scipy.sparse
    keeps its structure); A itself when e = 0. Exact unless entries leave the
    normal range: those overflow to ±inf or round towards 0, without a warning."""
    e = int(e)
    if e == 0:
        return A
    if array_kind(A) == "sparse":
        out = A.copy()
        out.data = ldexp(out.data, e)
        return out
    if array_kind(A) == "numpy" or np.isscalar(A):
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(A, e)
    xp = get_namespace(A) if xp is None else xp
    while e:  # factors of 2^±100 at most: representable in float32 too
        step = max(-100, min(100, e))
        A = A * 2.0 ** step
        e -= step
    return A
