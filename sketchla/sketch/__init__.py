"""Oblivious sketching operators: ``S @ A`` with S an (m, n) random map.

=================  ===========================================  ==============
kind               S                                            cost of S @ A
=================  ===========================================  ==============
``gaussian``       i.i.d. N(0, 1/m)                              O(m n k)
``srht``           sqrt(1/m) P H D (zero-padded to 2^⌈log2 n⌉)   O(n k log n)
``countsketch``    one ±1 per column                             O(nnz(A))
``sparse_sign``    s entries ±1/sqrt(s) per column               O(s nnz(A))
=================  ===========================================  ==============
"""

from .._kernels.forks import fork_safe
from .._validation._deprecate import DEPRECATED, renamed
from .._validation import check_option
from ._base import SketchOperator
from .gaussian import GaussianSketch, gaussian
from .hashing import HashingSketch, countsketch, sparse_sign
from .srht import SRHT, srht

__all__ = [
    "SketchOperator",
    "GaussianSketch",
    "SRHT",
    "HashingSketch",
    "make_sketch",
    "gaussian",
    "srht",
    "countsketch",
    "sparse_sign",
    "SKETCH_KINDS",
]

SKETCH_KINDS = ("gaussian", "srht", "countsketch", "sparse_sign")
_FACTORIES = {"gaussian": gaussian, "srht": srht, "countsketch": countsketch,
              "sparse_sign": sparse_sign}


@fork_safe
def make_sketch(sketch=None, m=None, n=None, rng=None, *, kind=DEPRECATED, **kw):
    """Build a sketching operator by name.

    Parameters
    ----------
    sketch : {"gaussian", "srht", "countsketch", "sparse_sign"}
        The distribution (``kind=`` is its deprecated spelling; the
        operator's ``kind`` attribute keeps the name).
    m, n : int
        The operator's shape (m, n).
    rng : None, int, numpy.random.Generator or SeedSequence
        Seed or generator of the randomness: None, an int, a NumPy Generator or a SeedSequence
        (as :func:`numpy.random.default_rng` takes).
    **kw
        Extra options of that kind (``nnz_per_col`` for ``"sparse_sign"``).
    kind : optional
        Deprecated spelling of ``sketch``, accepted with a ``FutureWarning``
        for one release.

    Returns
    -------
    SketchOperator

    Notes
    -----
    A sketch is a distribution plus a seed: nothing of size m × n is stored,
    and applying it to the same data with the same seed gives the same result
    in every namespace and for every chunking. Construction is O(1); the
    cost of ``S @ A`` is the kind's (see each kind's function).

    References
    ----------
    .. [1] R. Murray et al., "Randomized numerical linear algebra: a
       perspective on the field with an eye to software", arXiv:2302.11474
       (2023) (RandBLAS: a sketch is a distribution and a seed).
    .. [2] D. P. Woodruff, "Sketching as a tool for numerical linear algebra",
       Found. Trends Theor. Comput. Sci. 10 (2014).

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> S = sketchla.make_sketch("sparse_sign", 40, 1000, rng=0)
    >>> S.shape
    (40, 1000)
    >>> (S @ np.ones((1000, 3))).shape
    (40, 3)
    """
    sketch = renamed("kind", kind, "sketch", sketch, None)
    factory = _FACTORIES[check_option(sketch, "sketch", SKETCH_KINDS)]
    try:
        return factory(m, n, rng=rng, **kw)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TypeError(f"make_sketch({sketch!r}): {exc}") from None
        raise
