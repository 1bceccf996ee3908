"""The unnormalized Walsh–Hadamard transform along axis 0 of a C-ordered
(n, k) array, n a power of two, in place on the device.

A block loads a tile of R consecutive rows × C columns into shared memory
and runs every butterfly of stride below R there (log2 R stages between
barriers); the larger strides then take one pass over the array per three
stages (each thread holds eight elements in registers), the last pass one
or two stages if fewer are left. A warp's threads take consecutive columns, so every
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


def _radix_kernel(dtype):
    @cuda.jit
    def radix(x, h, R):
        """log2 R stages (strides h, 2h, …, hR/2) in one pass, R ∈ {2, 4, 8}:
        thread e loads the R elements i0 + t·h (t < R) of column e % k into
        registers, i0 = (p // h)·R·h + p % h for its group p = e // k, and
        runs the radix-2 stages there: the same additions, in the same
        order, as one pass per stage."""
        v = cuda.local.array(8, dtype=dtype)
        e = cuda.grid(1)
        n, k = x.shape
        if e >= (n // R) * k:
            return
        p, c = e // k, e % k
        i0 = (p // h) * R * h + p % h
        for t in range(R):
            v[t] = x[i0 + t * h, c]
        s = 1
        while s < R:
            for t in range(R):
                if t & s == 0:
                    a = v[t]
                    b = v[t + s]
                    v[t] = a + b
                    v[t + s] = a - b
            s *= 2
        for t in range(R):
            x[i0 + t * h, c] = v[t]

    return radix


_COMPILED = {}


def _for_dtype(factory, dtype):
    """``factory(float32 or float64)``, built once per dtype."""
    key = (factory.__name__, np.dtype(dtype).name)
    if key not in _COMPILED:
        _COMPILED[key] = factory(np.float32 if key[1] == "float32" else np.float64)
    return _COMPILED[key]


def radix_kernel(dtype):
    """The pass of up to three stages for float32 or float64, compiled once."""
    return _for_dtype(_radix_kernel, dtype)


def tile_kernel(dtype):
    """The shared-memory kernel for float32 or float64, compiled once."""
    return _for_dtype(_tile_kernel, dtype)


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
    while h < n:  # up to three stages a pass over the array
        radix = min(8, n // h)
        groups = (n // radix) * k
        radix_kernel(x.dtype)[max(1, (groups + THREADS - 1) // THREADS), THREADS](x, h, radix)
        h *= radix
    return x
