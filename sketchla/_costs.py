"""Flop estimates of the public calls, made before any work.

Each estimate takes the call's arguments as given (not yet validated: it
reads shapes and stored-entry counts only, and a malformed argument gives
no estimate, the call's own validation then speaks) and returns
``(flops, detail)``: the order of magnitude of the work and a short
description of the operand. They feed the progress display of
:func:`sketchla._kernels.work.reports_progress`; the kernels report the work
they actually do, so an estimate only sets the scale of the bar.
"""

from __future__ import annotations

import math

import numpy as np

from ._kernels.work import nnz

#: nonzeros per column of the default sparse sign sketch
_SPARSE_SIGN_S = 8
#: refinement or LSQR passes over A assumed by the least-squares estimate
_SOLVE_PASSES = 6
#: fixed-point iterations assumed where a tolerance, not a count, stops a loop
_FIXED_POINT_STEPS = 20


def _shape(A):
    shape = getattr(A, "shape", None)
    return tuple(int(s) for s in (np.shape(A) if shape is None else shape))


def _describe(A):
    shape = _shape(A)
    dims = " × ".join(str(s) for s in shape)
    dtype = getattr(A, "dtype", None)
    kind = "sparse " if hasattr(A, "nnz") else ""
    return f"{kind}A {dims}" + (f" {dtype}" if dtype is not None else "")


def _cols(b):
    shape = _shape(b)
    return 1 if len(shape) < 2 else shape[1]


def sketch_flops(kind, m, A):
    """Applying an m-row sketch of ``kind`` to A."""
    n = _shape(A)[0]
    k = _cols(A)
    if kind == "gaussian":
        return 2.0 * m * nnz(A)
    if kind == "srht":
        return 2.0 ** math.ceil(math.log2(max(n, 2))) * k * math.log2(max(n, 2))
    s = 1 if kind == "countsketch" else _SPARSE_SIGN_S
    return 2.0 * s * nnz(A)


def lstsq(A, b, method="precondition", sketch="sparse_sign", sketch_size=None, **_):
    n, d = _shape(A)
    k = _cols(b)
    if method == "exact":
        return 4.0 * n * d * d, _describe(A)
    m = sketch_size or min(n, 4 * d)
    work = sketch_flops(sketch, m, A) + 2.0 * m * d * d
    if method == "precondition":
        work += 2.0 * _SOLVE_PASSES * 2 * nnz(A) * k
        if not hasattr(A, "nnz"):  # the refined preconditioner's Gram matrix
            work += 2.0 * n * d * d
    return work, _describe(A)


def sketch_and_solve(A, b, sketch="srht", sketch_size=None, **_):
    n, d = _shape(A)
    m = sketch_size or min(n, 8 * d)
    return sketch_flops(sketch, m, A) + 2.0 * m * d * d, _describe(A)


def approx_matmul(A, B, sketch_size, sketch="sparse_sign", **_):
    m = int(sketch_size)
    work = sketch_flops(sketch, m, A) + sketch_flops(sketch, m, B)
    return work + 2.0 * m * _cols(A) * _cols(B), _describe(A)


def range_finder(A, sketch_size=None, n_iter=2, **_):
    n, d = _shape(A)
    ell = sketch_size or min(n, d, 10)
    passes = 2 * int(n_iter) + 1
    return 2.0 * passes * nnz(A) * ell + 4.0 * passes * n * ell * ell, _describe(A)


def nystrom(A, rank, **_):
    n = _shape(A)[0]
    ell = int(rank) + 10
    return 2.0 * nnz(A) * ell + 4.0 * n * ell * ell, _describe(A)


def _gram_route(A, steps=1):
    n, d = _shape(A)
    return steps * (2.0 * nnz(A) * d + 2.0 * n * d * d)


def leverage_scores(A, method="exact", sketch_size=None, **_):
    n, d = _shape(A)
    if method == "exact":
        return _gram_route(A), _describe(A)
    m = sketch_size or min(n, 20 * d)
    work = sketch_flops("sparse_sign", m, A) + 2.0 * m * d * d
    return work + 2.0 * nnz(A) * min(d, 256), _describe(A)


def lewis_weights(A, p, max_iter=None, **_):
    n, d = _shape(A)
    steps = min(int(max_iter) if max_iter else _FIXED_POINT_STEPS, _FIXED_POINT_STEPS)
    return 4.0 * n * d * d * (1 + (p != 2) * steps), _describe(A)


def lp_sensitivities(A, p, **_):
    return lewis_weights(A, p)


def sample_rows(A, sketch_size=None, p=2, **_):
    return lewis_weights(A, p)


def lp_regression(A, b, p, **_):
    return lewis_weights(A, p)


def quantile_regression(A, b, **_):
    return _gram_route(A, 4), _describe(A)


def coordinated_sketch(A, sketch_size, **_):
    return 2.0 * nnz(A) + 40.0 * _shape(A)[0], _describe(A)


def sample_repeated_dpp(U, min_repeats=1, **_):
    N, k = _shape(U)
    return (int(min_repeats) + 1) * 20.0 * N * k * k, f"U {N} × {k}"


def sample_weighted_ls_points(basis, n_samples, method="christoffel", **_):
    m, n = int(getattr(basis, "size", 1)), int(n_samples)
    per_point = 8.0 * m if method == "christoffel" else 40.0 * m * m
    return n * per_point, f"{n} points, {m} basis functions"


def approximate(f, basis, n_samples, method="dpp", **_):
    return sample_weighted_ls_points(basis, n_samples, method)


def sshopm(T, max_iter=1000, **_):
    size = int(np.prod(_shape(T)))
    steps = min(int(max_iter), 10 * _FIXED_POINT_STEPS)
    return 2.0 * steps * size, f"T {' × '.join(map(str, _shape(T)))}"
