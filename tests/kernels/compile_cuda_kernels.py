"""Compile every numba.cuda kernel of sketchla to PTX for sm_90 with the
real compiler (no GPU needed), for float32 and float64, and check that the
hash kernels contain no floating-point instruction. Run by
``test_cudasim.py`` in a fresh interpreter (the simulator off).

Exit status: 0 all compiled, 1 a kernel failed, 3 no CUDA compiler here.
"""

import re
import sys

import numpy as np


def main():
    try:
        from numba import cuda, types as t

        cuda.compile_ptx(lambda x: None, (t.float64[:],), cc=(9, 0))
    except Exception as exc:  # numba-cuda, NVVM or NVRTC missing
        print(f"no CUDA compiler here: {type(exc).__name__}: {str(exc)[:200]}")
        return 3
    from sketchla._kernels.cuda import _fwht, _hash, _rows, _sparse

    def ptx(kernel, sig):
        return cuda.compile_ptx(kernel.py_func, sig, cc=(9, 0))[0]

    i64, u64 = t.int64, t.uint64
    floats = re.compile(r"\.f(32|64)\b")
    for name, kernel, sig in [
        ("sketch_map", _hash.sketch_map_kernel, (u64, i64, i64, t.int64[:, :], t.int8[:, :])),
        ("hash_keys", _hash.hash_keys_kernel, (t.int64[:], u64, t.uint64[:])),
    ]:
        if floats.search(ptx(kernel, sig)):
            print(f"{name}: floating point in the hash")
            return 1
    for f in (t.float32, t.float64):
        for index in (t.int32, t.int64):
            ptx(_sparse.csr_dense_kernel, (t.int64[:], index[:], f[:], f[:, :], f[:, :]))
            ptx(_sparse.csr_csr_kernel, (t.int64[:], t.int64[:], f[:], index[:], index[:],
                                         f[:], f[:, :]))
            ptx(_rows.normal_equations_kernel, (t.int64[:], index[:], f[:], f[:, :],
                                                f[:, :, :], f[:, :]))
            ptx(_rows.residual_kernel, (t.int64[:], index[:], f[:], f[:, :], f[:, :], f[:]))
        ptx(_sparse.gather_kernel, (f[:, :], t.int64[:, :], t.int8[:, :], f, f[:, :]))
        ptx(_fwht.radix_kernel(np.dtype(f.name)), (f[:, :], i64, i64))
        ptx(_fwht.tile_kernel(np.dtype(f.name)), (f[:, :], i64, i64))
    print("all kernels compiled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
