"""The kernel package: the one dispatch point from array namespaces to
kernels, and the only door to native code.

Algorithm code calls these functions and never branches on the backend
itself. Every kernel takes its arrays first and ``*, xp=None`` (the
namespace of its data, detected from the first array when omitted; a kernel
that runs on the host only refuses any other namespace with a
``TypeError``). :data:`INFRASTRUCTURE` lists the names that are not kernels:
the loader, the thread policy and the low-rank operand class.

=====================  ==========================  ============================
kernel                 NumPy / scipy.sparse        CuPy, dask, array-api-strict
=====================  ==========================  ============================
``fwht``               native C (in place, SIMD,   CuPy: numba.cuda (shared-
                       threaded)                   memory tiles); others:
                                                   array-API butterflies
``hash_scatter``       native C, dense and CSR     CuPy (dense and CSR):
                                                   numba.cuda; others: a
                                                   dense block product
``hash_gather``        native C                    as above, transposed
``sketch_map``,        native C (XXH64-based,      (host only; the CuPy
``hash_keys``          the same on every machine)  kernels hash on the device,
                                                   CuPy int keys too)
``sparse_matmat``,     native C, CSR and CSC,      CuPy CSR/CSC: numba.cuda;
``sparse_gram``        threaded                    others refused
``gram``,              blocked BLAS-3 over fixed   the namespace's product
``gram_of_product``,   row blocks (the same        (dask: a reduction over
``tall_matmul``,       result for every thread     its chunks)
``tall_tmatmul``       count)
``orthonormalize``,    Cholesky-QR2 / LAPACK       the namespace's QR (dask:
``qr``, ``qr_basis``   (pivoted)                   TSQR)
``signed_pad``,        NumPy in place              array-API concat / take /
``take_rows``,                                     one-hot product
``put_rows``, ...
``chain_batch``,       native C                    (host only)
``choose_k``, ...
=====================  ==========================  ============================

Modules: :mod:`._native` (the loader), :mod:`.hashing`, :mod:`.sparse`,
:mod:`.dense`, :mod:`.blocked` (BLAS-3 by row blocks), :mod:`.dpp`,
:mod:`.accurate` (extended-precision gradients), :mod:`.operator` (the
operand of the low-rank drivers), :mod:`.sketching` (a sketch applied to
any operand), :mod:`.scaling` (exact rescaling by powers of two), :mod:`.rowsolve`
(completion row solves),
:mod:`.threads` (the thread policy of the native and BLAS pools),
:mod:`.forks` (the fork gate: no fork while a call computes in another
thread), and :mod:`.work` (progress under ``verbose``: the kernels report
the flops of every block they finish). The subpackage :mod:`.cuda` holds the numba.cuda kernels of the
CuPy route, imported on first use.
"""

from ._native import native
from .accurate import accurate_gradient
from .blocked import (
    gram,
    gram_of_product,
    map_row_blocks,
    sum_in_order,
    tall_matmul,
    tall_tmatmul,
)
from .dense import (
    abs_max,
    batched_solve,
    cholesky,
    fwht,
    orthonormalize,
    put_rows,
    qr,
    qr_basis,
    row_access,
    row_sq_norms,
    signed_pad,
    solve_triangular,
    take_cols,
    take_rows,
    to_dense_host,
)
from .dpp import chain_batch, choose_k, esp_ratios, probe_columns
from .operator import Operator, frobenius_norm, projection_error
from .scaling import ldexp, moderate, pow2_exponent, unit_exponent
from .hashing import dense_block, hash_gather, hash_keys, hash_scatter, sketch_map
from .sketching import apply_sketch, apply_transpose, blocks_apply, blocks_apply_transpose
from .sparse import hstack, range_positions, scale_rows, sparse_gram, sparse_matmat
from .rowsolve import update_rows
from .threads import run_blocks, serial_blas, worker_threads

#: the names of the table that are not kernels (no ``xp``: the thread policy,
#: the operand class and the scalar helpers of the rescaling)
INFRASTRUCTURE = ("native", "run_blocks", "serial_blas", "worker_threads", "Operator",
                  "moderate", "pow2_exponent")

__all__ = [
    "abs_max", "apply_sketch", "apply_transpose", "blocks_apply", "blocks_apply_transpose", "accurate_gradient", "batched_solve", "to_dense_host", "chain_batch", "cholesky", "choose_k", "dense_block",
    "esp_ratios", "fwht", "gram", "gram_of_product", "hash_gather", "hash_keys",
    "hash_scatter", "hstack", "ldexp", "moderate", "pow2_exponent", "unit_exponent", "map_row_blocks", "native", "Operator", "frobenius_norm", "projection_error", "orthonormalize", "probe_columns",
    "put_rows", "qr", "qr_basis", "range_positions", "row_access", "row_sq_norms",
    "run_blocks", "scale_rows", "serial_blas", "signed_pad", "sketch_map", "solve_triangular",
    "sparse_gram", "sparse_matmat", "sum_in_order", "take_cols", "take_rows", "tall_matmul",
    "tall_tmatmul", "update_rows", "worker_threads",
]
