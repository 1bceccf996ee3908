"""XXH64 on the device, bit for bit the native ``hash.c``: the column map of
the hashing sketches and the hashes of integer keys.

All arithmetic is on ``uint64`` (every constant typed, so that numba never
promotes a mixed signed/unsigned expression to float), and the bounded draw
is Lemire's multiply-shift, its high word computed from 32-bit halves.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_LOW = np.uint64(0xFFFFFFFF)
_U0 = np.uint64(0)
_U1 = np.uint64(1)
_U8 = np.uint64(8)
_U16 = np.uint64(16)
_U32 = np.uint64(32)

THREADS = 128  # threads per block of the one-dimensional kernels


@cuda.jit(device=True, inline=True)
def _rotl(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@cuda.jit(device=True, inline=True)
def _round(acc, word):
    acc = acc + word * _P2
    return _rotl(acc, 31) * _P1


@cuda.jit(device=True, inline=True)
def _avalanche(h):
    h = h ^ (h >> np.uint64(33))
    h = h * _P2
    h = h ^ (h >> np.uint64(29))
    h = h * _P3
    return h ^ (h >> np.uint64(32))


@cuda.jit(device=True, inline=True)
def _lane(h, word):
    h = h ^ _round(_U0, word)
    return _rotl(h, 27) * _P1 + _P4


@cuda.jit(device=True, inline=True)
def hash_u64(key, seed):
    """XXH64 of the 8-byte little-endian encoding of ``key``."""
    return _avalanche(_lane(seed + _P5 + _U8, key))


@cuda.jit(device=True, inline=True)
def hash_pair(a, b, seed):
    """XXH64 of the 16-byte little-endian encoding of ``(a, b)``."""
    return _avalanche(_lane(_lane(seed + _P5 + _U16, a), b))


@cuda.jit(device=True, inline=True)
def bounded(h, m):
    """``floor(h · m / 2^64)``: uniform on [0, m) (Lemire)."""
    a_lo, a_hi = h & _LOW, h >> _U32
    b_lo, b_hi = m & _LOW, m >> _U32
    lo_lo = a_lo * b_lo
    lo_hi = a_lo * b_hi
    hi_lo = a_hi * b_lo
    mid = (lo_lo >> _U32) + (lo_hi & _LOW) + (hi_lo & _LOW)
    return a_hi * b_hi + (lo_hi >> _U32) + (hi_lo >> _U32) + (mid >> _U32)


@cuda.jit
def sketch_map_kernel(seed, start, m, rows, signs):
    """Column ``start + i`` of the map: ``rows[i]`` (s distinct rows of
    [0, m)) and ``signs[i]`` (±1), for the thread's i."""
    i = cuda.grid(1)
    if i >= rows.shape[0]:
        return
    s = rows.shape[1]
    col = np.uint64(start + i)
    useed = np.uint64(seed)
    um = np.uint64(m)
    draw = _U0
    for t in range(s):
        dup = True
        while dup:
            h = hash_pair(col, draw, useed)
            draw = draw + _U1
            cand = np.int64(bounded(h, um))
            dup = False
            for u in range(t):
                if rows[i, u] == cand:
                    dup = True
        rows[i, t] = cand
        signs[i, t] = -1 if (h & _U1) else 1


@cuda.jit
def hash_keys_kernel(keys, seed, out):
    """``out[i] = XXH64(keys[i])`` for int64 keys."""
    i = cuda.grid(1)
    if i < keys.shape[0]:
        out[i] = hash_u64(np.uint64(keys[i]), np.uint64(seed))


def blocks(n):
    """The grid of a one-dimensional launch over n items."""
    return max(1, (n + THREADS - 1) // THREADS)
