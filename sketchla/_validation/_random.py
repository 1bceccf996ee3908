"""Random-number handling: every random substream in the package is derived
from ``(seed, stream, block)`` here."""

from __future__ import annotations

import numbers

import numpy as np



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


def check_seed(seed, name="seed"):
    """A shared integer seed in [0, 2**64) (coordinated sampling)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be a non-negative integer (the shared seed), got {seed!r}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"{name} must be in [0, 2**64), got {seed}")
    return int(seed)
