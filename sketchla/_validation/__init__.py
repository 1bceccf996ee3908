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

Modules: :mod:`._arrays` (data operands), :mod:`._sparse` (sparse
structure), :mod:`._params` (parameters) and :mod:`._random` (randomness).
"""

from ._arrays import (
    NAMESPACES,
    as_finite_float,
    check_array,
    check_data,
    check_finite,
    check_host,
    check_matrix,
    check_operand,
    raise_if_not_finite,
    validate_estimator_data,
)
from ._params import (
    MAX_INT,
    MAX_P,
    check_bool,
    check_consistent_length,
    check_indices,
    check_int,
    check_keys,
    check_memory,
    check_option,
    check_p,
    check_scalar,
    check_tol,
    check_verbose,
)
from ._random import STREAMS, check_rng, check_seed, draw_seed, substream
from ._sparse import _is_canonical, check_compressed, check_sparse

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
    "check_tol",
    "check_int",
    "check_memory",
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
