"""The unnormalized Walsh–Hadamard transform along axis 0 of a C-ordered
(n, k) array, n a power of two, in place on the device.

A block loads a tile of R consecutive rows × C columns into shared memory
and runs every butterfly of stride below R there (log2 R stages between
barriers); the larger strides then take one pass over the array per three
stages (each thread holds eight elements in registers), and one per stage
for the last one or two. A warp's threads take consecutive columns, so every
global read and write is coalesced. The stages run by increasing stride,
each output of a stage one addition or subtraction, so the result equals
the native transform's to rounding.
"""

from __future__ import annotations

import numpy as np
from numba import cuda

#: the shared buffer of a block, in elements: 32 KiB in float64
_BUFFER = 4096
#: elements of one tile (R · C), at most the buffer
SHARED = _BUFFER
#: threads per block of both kernels
THREADS = 256


def _tile_kernel(dtype):
    @cuda.jit
    def tile(x, R, C):
        """Butterflies of strides 1 .. R/2 on the tile of block (bx, by):
        rows bx·R .. bx·R+R-1, columns by·C .. by·C+C-1."""
        buf = cuda.shared.array(_BUFFER, dtype=dtype)
        n, k = x.shape
        row0 = cuda.blockIdx.x * R
        col0 = cuda.blockIdx.y * C
        tid = cuda.threadIdx.x
        for e in range(tid, R * C, cuda.blockDim.x):
            r, c = e // C, e % C
            buf[e] = x[row0 + r, col0 + c] if col0 + c < k else 0
        cuda.syncthreads()
        h = 1
        while h < R:
            for e in range(tid, (R // 2) * C, cuda.blockDim.x):
                p, c = e // C, e % C
                i = (p // h) * 2 * h + p % h
                a = buf[i * C + c]
                b = buf[(i + h) * C + c]
                buf[i * C + c] = a + b
                buf[(i + h) * C + c] = a - b
            cuda.syncthreads()
            h *= 2
        for e in range(tid, R * C, cuda.blockDim.x):
            r, c = e // C, e % C
            if col0 + c < k:
                x[row0 + r, col0 + c] = buf[e]

    return tile


@cuda.jit
def stride_kernel(x, h):
    """One pass of stride h: thread e does the butterfly of pair p = e // k
    in column e % k."""
    e = cuda.grid(1)
    n, k = x.shape
    if e >= (n // 2) * k:
        return
    p, c = e // k, e % k
    i = (p // h) * 2 * h + p % h
    a = x[i, c]
    b = x[i + h, c]
    x[i, c] = a + b
    x[i + h, c] = a - b


def _radix8_kernel(dtype):
    @cuda.jit
    def radix8(x, h):
        """Three stages (strides h, 2h, 4h) in one pass: thread e loads the
        eight elements i0 + t·h (t = 0..7) of column e % k into registers,
        i0 = (p // h)·8h + p % h for its group p = e // k, and runs the
        three radix-2 stages there: the same additions, in the same order,
        as three passes of :func:`stride_kernel`."""
        v = cuda.local.array(8, dtype=dtype)
        e = cuda.grid(1)
        n, k = x.shape
        if e >= (n // 8) * k:
            return
        p, c = e // k, e % k
        i0 = (p // h) * 8 * h + p % h
        for t in range(8):
            v[t] = x[i0 + t * h, c]
        s = 1
        while s < 8:
            for t in range(8):
                if t & s == 0:
                    a = v[t]
                    b = v[t + s]
                    v[t] = a + b
                    v[t + s] = a - b
            s *= 2
        for t in range(8):
            x[i0 + t * h, c] = v[t]

    return radix8


_TILES = {}
_RADIX8 = {}


def radix8_kernel(dtype):
    """The three-stage pass for float32 or float64, compiled once."""
    key = np.dtype(dtype).name
    if key not in _RADIX8:
        _RADIX8[key] = _radix8_kernel(np.float32 if key == "float32" else np.float64)
    return _RADIX8[key]


def tile_kernel(dtype):
    """The shared-memory kernel for float32 or float64, compiled once."""
    key = np.dtype(dtype).name
    if key not in _TILES:
        _TILES[key] = _tile_kernel(np.float32 if key == "float32" else np.float64)
    return _TILES[key]


def tile_shape(n, k):
    """(R, C): the tile's rows (a power of two ≤ n) and columns, R · C ≤ SHARED."""
    C = min(k, 32)
    R = 1
    while R * 2 <= n and R * 2 * C <= SHARED:
        R *= 2
    return R, C


def fwht_inplace(x):
    """Transform the C-ordered (n, k) device (or, simulated, host) array x."""
    n, k = x.shape
    if n <= 1 or k == 0:
        return x
    R, C = tile_shape(n, k)
    tile_kernel(x.dtype)[(n // R, (k + C - 1) // C), THREADS](x, R, C)
    h = R
    while 8 * h <= n:  # three stages a pass over the array
        groups = (n // 8) * k
        radix8_kernel(x.dtype)[max(1, (groups + THREADS - 1) // THREADS), THREADS](x, h)
        h *= 8
    total = (n // 2) * k
    while h < n:
        stride_kernel[max(1, (total + THREADS - 1) // THREADS), THREADS](x, h)
        h *= 2
    return x
