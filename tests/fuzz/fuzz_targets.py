"""What the fuzz suite calls, and how it builds a hostile input from a case.

A *case* is plain data (a dict drawn by hypothesis in ``test_fuzz.py``): the
clean values' shape and seed, the dtype, container, memory layout, overall
scale 2**k, one special value pattern, one corruption of a sparse structure,
or one bad parameter. :func:`build` turns it into the object passed to the
library and the clean float64 values that object stands for.

Each :class:`Target` maps a case to a call, and its result to one array
(``view``) that is compared with the same call on the clean, dense,
C-ordered float64 values at scale 1, mapped back by ``c**power``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

import sketchla
from sketchla.completion.ratings import rating_errors, split_entries

# ---------------------------------------------------------------- cases -> inputs

DTYPES = ["float64", "float32", ">f8", "float16", "int64", "int8", "uint8", "bool",
          "complex128", "object", "str", "datetime64[s]"]
DENSE_CONTAINERS = ["ndarray", "list", "matrix", "dataframe", "memmap", "masked"]
SPARSE_CONTAINERS = ["csr", "csc", "coo", "bsr", "lil", "dok", "dia", "csr_array",
                     "coo_array"]
LAYOUTS = ["C", "F", "strided", "negative", "readonly", "unaligned"]
SPECIALS = [None, "nan", "inf", "zeros", "dup_col", "zero_row", "huge_row", "subnormal"]
CORRUPTIONS = [None, "index_big", "index_neg", "indptr_decreasing", "indptr_short",
               "indptr_past_data", "data_short", "index_float", "index_dtypes_differ"]
BAD_VALUES = ["a", -1, 0, 1.5, float("nan"), float("inf"), True, None, 2**70, [2],
              np.int64(3), np.float32(2.0), 1e-300, "auto", b"x"]

# a dtype's exponent range for the overall scale 2**k
_SCALE_LIMIT = {"float64": 1000, ">f8": 1000, "float32": 60, "complex128": 1000,
                "object": 1000}


def scale_limit(dtype):
    return _SCALE_LIMIT.get(dtype, 0)


def clean_values(case):
    """The float64 values (scale 1) before the dtype, container and scale."""
    g = np.random.default_rng(case["seed"])
    n, d = case["n"], case["d"]
    kind = case["kind"]
    if kind == "tall":
        V = g.standard_normal((n, d))
    elif kind == "psd":
        B = g.standard_normal((n, max(1, min(d, n))))
        V = B @ B.T
    elif kind == "orth":
        V = np.linalg.qr(g.standard_normal((n, min(d, n))))[0] if n else np.zeros((0, d))
    elif kind == "obs":
        U, W = g.standard_normal((n, 2)), g.standard_normal((d, 2))
        V = U @ W.T
        V[g.random((n, d)) > 0.6] = np.nan
    elif kind == "tensor":
        V, _, _ = sketchla.datasets.make_symmetric_tensor(max(d, 1), 3 + case["n"] % 2,
                                                          max(1, d - 1), rng=case["seed"])
        if case["special"] in ("nan", "inf"):
            V.flat[g.integers(V.size)] = np.nan if case["special"] == "nan" else np.inf
        elif case["special"] == "zeros":
            V[...] = 0.0
        return V
    else:
        raise AssertionError(kind)
    special = case["special"]
    if V.size:
        if special == "nan" and kind != "obs":
            V.flat[g.integers(V.size)] = np.nan
        elif special == "inf":
            V.flat[g.integers(V.size)] = np.inf
        elif special == "zeros":
            V[~np.isnan(V)] = 0.0
        elif special == "dup_col" and V.shape[1] > 1:
            V[:, -1] = V[:, 0]
        elif special == "zero_row":
            V[0] = 0.0
        elif special == "huge_row":
            V[0] *= 2.0**600
        elif special == "subnormal":
            V[0] *= 2.0**-1060
    return V


def quantized(V, dtype):
    """The values an array of ``dtype`` can hold (float64), NaN kept as NaN."""
    if dtype in ("float32", "float16"):
        with np.errstate(over="ignore"):
            return V.astype(dtype).astype(np.float64)
    if dtype in ("int64", "int8", "uint8"):
        W = np.nan_to_num(np.round(V * 3), nan=0, posinf=0, neginf=0)
        info = np.iinfo(dtype)
        return np.clip(W, info.min, info.max)
    if dtype == "bool":
        return (np.nan_to_num(V) > 0).astype(np.float64)
    return V


def _as_dtype(V, dtype):
    if dtype in ("object",):
        return V.astype(object)
    if dtype == "str":
        return V.astype(str)
    if dtype == "datetime64[s]":
        return np.nan_to_num(V).astype(np.int64).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        return V.astype(dtype)


def _dense_container(X, container, layout, tmpdir):
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided" and X.ndim:
        big = np.zeros((2 * X.shape[0],) + X.shape[1:], dtype=X.dtype)
        big[::2] = X
        X = big[::2]
    elif layout == "negative" and X.ndim:
        X = X[::-1].copy()[::-1]
    elif layout == "readonly":
        X = X.copy()
        X.flags.writeable = False
    elif layout == "unaligned" and X.dtype.kind in "fiub" and X.dtype.itemsize > 1:
        raw = np.zeros(X.nbytes + 1, dtype=np.uint8)
        Y = raw[1:].view(X.dtype).reshape(X.shape)
        Y[...] = X
        X = Y
    if container == "list":
        return X.tolist()
    if container == "matrix" and X.ndim == 2:
        return np.asmatrix(X)
    if container == "dataframe" and X.ndim == 2:
        import pandas as pd

        return pd.DataFrame(X)
    if container == "masked":  # refused (TypeError naming the argument), never read
        return np.ma.masked_array(X, mask=np.random.default_rng(0).random(np.shape(X)) < 0.2)
    if container == "memmap" and tmpdir is not None and X.dtype.kind in "fiub":
        mm = np.lib.format.open_memmap(f"{tmpdir}/m.npy", mode="w+", dtype=X.dtype,
                                       shape=X.shape)
        mm[...] = X
        mm.flush()
        return np.load(f"{tmpdir}/m.npy", mmap_mode="r")
    return X


# corruptions that leave a structure SciPy itself accepts (a valid input)
BENIGN = {"index_dtypes_differ"}


def _corrupt(M, how, g):
    """Break the stored structure of a sparse matrix in place (a copy);
    returns (M, whether the structure is now invalid)."""
    if how is None:
        return M, False
    before = _structure(M)
    if M.format in ("csr", "csc", "bsr"):
        if M.nnz == 0 and how not in ("indptr_short", "indptr_decreasing"):
            return M, False
        k = int(g.integers(max(len(M.indices), 1)))
        if how == "index_big":
            M.indices[k] = 10**6
        elif how == "index_neg":
            M.indices[k] = -3
        elif how == "indptr_decreasing" and len(M.indptr) > 2:
            M.indptr[1] = M.indptr[-1] + 1
        elif how == "indptr_short":
            M.indptr = M.indptr[:-1]
        elif how == "indptr_past_data":
            M.indptr[-1] = M.indptr[-1] + 5
        elif how == "data_short":
            M.data = M.data[:-1]
        elif how == "index_float":
            M.indices = M.indices.astype(np.float64)
        elif how == "index_dtypes_differ":
            M.indices = M.indices.astype(np.int32)
            M.indptr = M.indptr.astype(np.int64)
        return M, how not in BENIGN and _structure(M) != before
    if M.format == "coo" and M.nnz:
        k = int(g.integers(M.nnz))
        if how == "index_big":
            M.row[k] = 10**6
        elif how == "index_neg":
            M.col[k] = -3
        elif how == "data_short":
            M.data = M.data[:-1]
        elif how == "index_float":
            M.row = M.row.astype(np.float64)
    return M, how not in BENIGN and _structure(M) != before


def _structure(M):
    return [(a.dtype.str, a.shape, a.tobytes()) for a in
            (getattr(M, k, None) for k in ("indices", "indptr", "row", "col", "data"))
            if isinstance(a, np.ndarray)]


def build(case, tmpdir=None):
    """(object passed to the library, its clean float64 values, overall scale c,
    whether it must be refused: a corrupt sparse structure, invalid keys or
    file contents; None: either outcome)."""
    if case["kind"] in ("keys", "file", "none"):
        return build_special(case)
    V = clean_values(case)
    dtype = case["dtype"]
    k = case["scale"] if scale_limit(dtype) else 0
    c = 2.0**k
    Q = quantized(V, dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        X = _as_dtype(Q * c if k else Q, dtype)
    clean = Q
    container = case["container"]
    if container in SPARSE_CONTAINERS and X.ndim == 2 and X.dtype.kind in "fiubc" \
            and X.dtype != np.float16:  # scipy.sparse has no float16
        Z = np.where(np.isnan(X), 0, X) if X.dtype.kind in "fc" else X
        if case["kind"] == "obs":  # the observed entries are the stored ones
            obs = ~np.isnan(Q)
            r, cidx = np.nonzero(obs)
            M = sp.coo_matrix((Z[r, cidx], (r, cidx)), shape=X.shape)
        else:
            M = sp.coo_matrix(Z)
        fmt = container.replace("_array", "")
        M = M.asformat(fmt) if fmt != "bsr" else M.tobsr(blocksize=(1, 1))
        if container.endswith("_array"):
            M = (sp.csr_array if fmt == "csr" else sp.coo_array)(M)
        M, corrupt = _corrupt(M, case["corrupt"], np.random.default_rng(case["seed"] + 1))
        if case["kind"] != "obs":
            clean = np.where(np.isnan(Q), 0, Q)
        return M, clean, c, corrupt
    return _dense_container(X, container, case["layout"], tmpdir), clean, c, False


# ---------------------------------------------------------------- fingerprints

def fingerprint(obj):
    """Bytes that change if the caller's object is written."""
    import hashlib

    h = hashlib.sha256()
    if sp.issparse(obj):
        for name in ("data", "indices", "indptr", "row", "col", "offsets", "rows"):
            a = getattr(obj, name, None)
            if isinstance(a, np.ndarray) and a.dtype.kind == "O":  # lil: lists per row
                h.update(name.encode() + repr(a.tolist()).encode())
            elif isinstance(a, np.ndarray):
                h.update(name.encode() + np.ascontiguousarray(a).view(np.uint8).tobytes())
        if obj.format in ("lil", "dok"):
            h.update(repr(sorted(obj.todok().items())).encode())
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "O":
            h.update(repr(obj.tolist()).encode())
        else:
            h.update(np.ascontiguousarray(obj).view(np.uint8).tobytes())
    elif hasattr(obj, "to_numpy"):
        h.update(repr(obj.to_numpy().tolist()).encode())
    else:
        h.update(repr(obj).encode())
    return h.hexdigest()


# ---------------------------------------------------------------- targets

@dataclass
class Target:
    """One public entry point: ``call(X, aux, params)`` -> result, ``view`` -> array.

    power : the result scales as c**power with the data (None: not compared
        across scales); discrete : integer-valued output (indices), compared
        exactly and only in float64; approx32 : float32 input gives a
        different random approximation (not compared); arg : the data
        argument's name in error messages; params : valid values of the
        scalar parameters, each of which a case may replace by a bad value.
    """

    name: str
    kind: str
    call: object
    params: dict = field(default_factory=dict)
    power: object = 0
    discrete: bool = False
    approx32: bool = False
    arg: str = "A"
    rtol: float = 1e-7
    view: object = None
    min_rows: object = None  # n >= min_rows(d) for a well-posed clean problem
    names: tuple = ()  # other argument names the call passes (a sketch's m and n)
    nan_ok: bool = False  # a documented NaN result (with a warning) is allowed
    # the natural size of the result, from the clean data (default: the
    # result's own largest entry); an eigenvalue at 0 is compared to ‖T‖
    unit: object = None


def _index_pair(X):
    """Two index arrays (rows, cols) from the fuzzed data's first and last columns."""
    if sp.issparse(X):  # refused as it is
        return X, X
    if isinstance(X, list):
        X = np.asarray(X)
    elif hasattr(X, "iloc"):
        X = X.to_numpy()
    if getattr(X, "ndim", 0) == 2 and X.shape[1]:
        return X[:, 0], X[:, -1]
    return X, X


def _fitted(X):
    return sketchla.AltMinCompletion(rank=1, max_iter=30, random_state=0).fit(X)


#: a completion fitted once; predict is fuzzed on the index arrays
_MODEL = sketchla.AltMinCompletion(rank=1, random_state=0).fit(
    sketchla.datasets.make_low_rank_completion(8, 6, 1, fraction=0.8, rng=0)[0])


def _tall_rows(d):
    return 2 * d + 4


def _b(clean, c):
    """A right-hand side for A (scaled with it): A·1 plus a fixed noise."""
    g = np.random.default_rng(99)
    base = np.nan_to_num(clean) @ np.ones(clean.shape[1]) + g.standard_normal(clean.shape[0])
    return base * c


def _second(clean):
    return np.random.default_rng(7).standard_normal((clean.shape[0], 2))


def _svd_view(r):
    U, s, Vt = r
    return (U * s) @ Vt


def _sketch_load(buf):
    return sketchla.CoordinatedSketch.load(io.BytesIO(buf))


TARGETS = [
    Target("leverage_scores", "tall", lambda X, a, P: sketchla.leverage_scores(X),
           min_rows=lambda d: d + 1),
    Target("leverage_scores approx", "tall",
           lambda X, a, P: sketchla.leverage_scores(X, method="approx", rng=0,
                                                    sketch_size=P["sketch_size"]),
           params={"sketch_size": 24}, approx32=True, rtol=1e-6, min_rows=_tall_rows),
    Target("lewis_weights", "tall",
           lambda X, a, P: sketchla.lewis_weights(X, P["p"], tol=P["tol"]),
           params={"p": 1, "tol": 1e-10}, rtol=1e-6, min_rows=_tall_rows),
    Target("lewis_weights p=3", "tall", lambda X, a, P: sketchla.lewis_weights(X, 3),
           rtol=1e-6, min_rows=_tall_rows),
    Target("lp_sensitivities", "tall",
           lambda X, a, P: sketchla.lp_sensitivities(X, P["p"]),
           params={"p": 1}, rtol=1e-6, min_rows=_tall_rows),
    Target("sample_rows", "tall",
           lambda X, a, P: sketchla.sample_rows(X, P["sketch_size"], p=P["p"],
                                                scores=P["scores"], rng=0).indices,
           params={"sketch_size": 10, "p": 2, "scores": "leverage"}, discrete=True,
           min_rows=_tall_rows),
    Target("lstsq", "tall",
           lambda X, a, P: sketchla.lstsq(X, a["b"], tol=P["tol"], max_iter=P["max_iter"],
                                          sketch_size=P["sketch_size"], rng=0).x,
           params={"tol": None, "max_iter": None, "sketch_size": None}, rtol=1e-6,
           min_rows=_tall_rows),
    Target("lstsq exact", "tall",
           lambda X, a, P: sketchla.lstsq(X, a["b"], method="exact").x, rtol=1e-6,
           min_rows=_tall_rows),
    Target("sketch_and_solve", "tall",
           lambda X, a, P: sketchla.sketch_and_solve(X, a["b"], sketch=P["sketch"], rng=0),
           params={"sketch": "srht"}, approx32=True, rtol=1e-6, min_rows=_tall_rows),
    Target("lp_regression", "tall",
           lambda X, a, P: sketchla.lp_regression(X, a["b"], P["p"], rng=0),
           params={"p": 1}, approx32=True, rtol=1e-6, min_rows=_tall_rows),
    Target("quantile_regression", "tall",
           lambda X, a, P: sketchla.quantile_regression(X, a["b"], quantile=P["quantile"],
                                                        alpha=P["alpha"], rng=0),
           params={"quantile": 0.3, "alpha": 0.0}, approx32=True, rtol=1e-6,
           min_rows=_tall_rows),
    Target("approx_matmul", "tall",
           lambda X, a, P: sketchla.approx_matmul(X, a["B"], P["sketch_size"], rng=0),
           params={"sketch_size": 8}, power=1, approx32=True, rtol=1e-6),
    Target("range_finder", "tall",
           lambda X, a, P: sketchla.range_finder(X, P["sketch_size"], n_iter=P["n_iter"], rng=0),
           params={"sketch_size": 2, "n_iter": 2}, approx32=True, rtol=1e-5,
           view=lambda Q: Q @ Q.T, min_rows=_tall_rows),
    Target("randomized_svd", "tall",
           lambda X, a, P: sketchla.randomized_svd(X, P["rank"], n_oversamples=P["n_oversamples"],
                                                   rng=0),
           params={"rank": 2, "n_oversamples": 3}, power=1, approx32=True, rtol=1e-5,
           view=_svd_view, min_rows=_tall_rows),
    Target("nystrom", "psd",
           lambda X, a, P: sketchla.nystrom(X, P["rank"], rng=0),
           params={"rank": 2}, power=1, approx32=True, rtol=1e-5,
           view=lambda r: (r[0] * r[1]) @ r[0].T),
    Target("coordinated_sketch rows", "tall",
           lambda X, a, P: sketchla.estimate_product(
               sketchla.coordinated_sketch(X, P["sketch_size"], seed=3),
               sketchla.coordinated_sketch(a["B"], P["sketch_size"], seed=3)),
           params={"sketch_size": 8}, power=1, approx32=True, rtol=1e-9),
    Target("coordinated_sketch entries", "tall",
           lambda X, a, P: sketchla.estimate_product(
               sketchla.coordinated_sketch(X, 30, seed=3, level="entry",
                                           method=P["method"]),
               sketchla.coordinated_sketch(a["B"], 30, seed=3, level="entry",
                                           method=P["method"])),
           params={"method": "priority"}, power=1, approx32=True, rtol=1e-9),
    Target("make_sketch", "tall",
           lambda X, a, P: sketchla.make_sketch(P["sketch"], P["m"], len(a["b"]), rng=0) @ X,
           params={"sketch": "sparse_sign", "m": 6}, power=1, approx32=True, rtol=1e-9, names=("n",)),
    Target("gaussian sketch", "tall",
           lambda X, a, P: sketchla.gaussian(6, len(a["b"]), rng=0) @ X, power=1,
           approx32=True, rtol=1e-9, names=("m", "n")),
    Target("srht sketch", "tall",
           lambda X, a, P: sketchla.srht(6, len(a["b"]), rng=0) @ X, power=1,
           approx32=True, rtol=1e-9, names=("m", "n")),
    Target("countsketch", "tall",
           lambda X, a, P: sketchla.countsketch(6, len(a["b"]), rng=0) @ X, power=1,
           approx32=True, rtol=1e-9, names=("m", "n")),
    Target("sample_volume", "tall",
           lambda X, a, P: np.sort(sketchla.sample_volume(X, P["k"], rng=0)),
           params={"k": 2}, discrete=True, min_rows=_tall_rows),
    Target("sample_volume_rescaled", "tall",
           lambda X, a, P: np.sort(sketchla.sample_volume_rescaled(X, P["k"], rng=0)),
           params={"k": 2}, discrete=True, min_rows=_tall_rows),
    Target("sample_projection_dpp", "orth",
           lambda X, a, P: np.sort(sketchla.sample_projection_dpp(X, rng=0)),
           discrete=True, arg="U", power=None),
    Target("sample_repeated_dpp", "orth",
           lambda X, a, P: np.sort(np.concatenate(
               sketchla.sample_repeated_dpp(X, delta=P["delta"], rng=0)[:1])),
           params={"delta": 0.5}, discrete=True, arg="U", power=None),
    Target("sample_dpp", "psd", lambda X, a, P: np.sort(sketchla.sample_dpp(X, rng=0)),
           discrete=True, arg="L", power=None),
    Target("sample_k_dpp", "psd",
           lambda X, a, P: np.sort(sketchla.sample_k_dpp(X, P["k"], rng=0)),
           params={"k": 2}, discrete=True, arg="L"),
    Target("sample_k_dpp eigendecomposition", "orth",
           lambda X, a, P: np.sort(sketchla.sample_k_dpp((a["eigenvalues"], X), P["k"],
                                                         rng=0)),
           params={"k": 2}, discrete=True, arg="eigenvectors", power=None),
    Target("SketchedRegression", "tall",
           lambda X, a, P: sketchla.SketchedRegression(random_state=0).fit(X, a["b"]).coef_,
           rtol=1e-6, arg="X", min_rows=_tall_rows),
    Target("LpRegression", "tall",
           lambda X, a, P: sketchla.LpRegression(p=P["p"], fit_intercept=P["fit_intercept"],
                                                 random_state=0).fit(X, a["b"]).coef_,
           params={"p": 1.0, "fit_intercept": True}, approx32=True, rtol=1e-6, arg="X",
           min_rows=_tall_rows),
    Target("QuantileRegression", "tall",
           lambda X, a, P: sketchla.QuantileRegression(quantile=P["quantile"],
                                                       random_state=0).fit(X, a["b"]).coef_,
           params={"quantile": 0.5}, approx32=True, rtol=1e-6, arg="X", min_rows=_tall_rows),
    Target("RowSampler", "tall",
           lambda X, a, P: sketchla.RowSampler(sketch_size=P["sketch_size"],
                                               random_state=0).fit(X).indices_,
           params={"sketch_size": 10}, discrete=True, arg="X", min_rows=_tall_rows),
    Target("moment_tensor", "tall",
           lambda X, a, P: sketchla.moment_tensor(X, P["order"]), params={"order": 3},
           power=3, rtol=1e-9, arg="X"),
    Target("spm_moments", "tall",
           lambda X, a, P: sketchla.spm_moments(X, order=3, rank=1, rng=0).weights,
           power=None, arg="X", min_rows=_tall_rows),
    Target("MomentGaussianMixture", "tall",
           lambda X, a, P: sketchla.MomentGaussianMixture(
               n_components=P["n_components"], random_state=0).fit(X).weights_,
           params={"n_components": 1}, power=None, arg="X", min_rows=_tall_rows),
    Target("CumulantICA", "tall",
           lambda X, a, P: sketchla.CumulantICA(n_components=P["n_components"],
                                                random_state=0).fit(X).mixing_,
           params={"n_components": 1}, power=None, arg="X", min_rows=_tall_rows),
    Target("spm", "tensor",
           lambda X, a, P: sketchla.spm(X, rank=P["rank"], rng=0).reconstruct(),
           params={"rank": None}, power=1, rtol=1e-6, arg="T"),
    Target("sshopm", "tensor",
           lambda X, a, P: np.array([sketchla.sshopm(X, rng=0, tol=P["tol"])[0]]),
           params={"tol": 1e-12}, power=1, rtol=1e-7, arg="T",
           unit=lambda clean: float(np.max(np.abs(clean)))),
    Target("SymmetricCP", "tensor",
           lambda X, a, P: sketchla.SymmetricCP(random_state=0).fit(X).weights_,
           power=1, rtol=1e-6, arg="T"),
    Target("altmin_complete", "obs",
           lambda X, a, P: sketchla.altmin_complete(X, P["rank"], max_iter=P["max_iter"],
                                                    rng=0).toarray(),
           params={"rank": 1, "max_iter": 30}, power=1, approx32=True, rtol=1e-4,
           arg="X", min_rows=lambda d: 4),
    Target("split_entries", "obs",
           lambda X, a, P: np.array([m.nnz for m in split_entries(X, P["test_size"], rng=0)]),
           params={"test_size": 0.2}, power=0, discrete=True, arg="X"),
    Target("rating_errors", "obs",
           lambda X, a, P: np.array([rating_errors(_fitted(X), X)["rmse"]]),
           power=1, approx32=True, rtol=1e-4, arg="test", names=("X", "rank"),
           min_rows=lambda d: 4),
    Target("AltMinCompletion.predict", "tall",
           lambda X, a, P: _MODEL.predict(*_index_pair(X)),
           power=None, arg="rows", names=("cols",)),
    Target("WeightedLeastSquares", "tall",
           lambda X, a, P: sketchla.WeightedLeastSquares(
               sketchla.polynomial_basis(degree=3)).fit(X, a["b"]).coef_,
           power=None, arg="X", names=("y",)),
    Target("AltMinCompletion", "obs",
           lambda X, a, P: sketchla.AltMinCompletion(rank=1, random_state=0).fit(X).row_factors_,
           power=None, arg="X", min_rows=lambda d: 4, names=("rank",)),
]
TARGETS = {t.name: t for t in TARGETS}


def aux_for(target, clean, c, case):
    """The other inputs of a call, built from the clean values (valid)."""
    if target.kind == "keys":
        return {"_n": case["n"]}
    if target.arg == "eigenvectors":  # a given eigendecomposition: λ for clean's columns
        return {"eigenvalues": np.linspace(1.0, 2.0, clean.shape[1] if clean.ndim == 2 else 0)}
    if target.kind != "tall" or clean.ndim != 2:
        return {}
    return {"b": _b(clean, c), "B": _second(clean)}


# ---------------------------------------------------------------- keys, files, parameters

KEY_FORMS = ["int64", "list_int", "uint64", "int32", "object_int", "negative", "str",
             "list_str", "uint64_big", "float_int", "float_frac", "float_nan", "bytes",
             "mixed", "duplicate", "short", "none_entry", "bool", "2d"]
# key forms that must be refused (a mix never matches the other party's
# keys; duplicates are an error by default; NaN is no key)
INVALID_KEYS = {"mixed", "duplicate", "short", "none_entry", "2d", "float_nan"}


def build_keys(case):
    """(keys as passed, the canonical keys with the same meaning or None, invalid)."""
    n, form = case["n"], KEY_FORMS[case["d"] % len(KEY_FORMS)]
    g = np.random.default_rng(case["seed"])
    base = g.permutation(10 * n + 10)[:n].astype(np.int64) + 1
    strs = [f"k{v}" for v in base]
    table = {
        "int64": (base, base), "list_int": (base.tolist(), base),
        "uint64": (base.astype(np.uint64), base), "int32": (base.astype(np.int32), base),
        "object_int": (base.astype(object), base), "negative": (-base, -base),
        "str": (np.array(strs), strs), "list_str": (strs, strs),
        "uint64_big": (base.astype(np.uint64) + np.uint64(2**63), None),
        "float_int": (base.astype(np.float64), None),
        "float_frac": (base + 0.5, None), "float_nan": (np.where(base > 0, np.nan, 0), None),
        "bytes": ([s.encode() for s in strs], None),
        "mixed": (np.array([*base[:-1].tolist(), "x"], dtype=object) if n else base, None),
        "duplicate": (np.r_[base[:-1], base[:1]] if n > 1 else base, None),
        "short": (base[:-1], None), "none_entry": ([*base[:-1].tolist(), None], None),
        "bool": ((base % 2).astype(bool), None), "2d": (base[:, None], None),
    }
    keys, canonical = table[form]
    invalid = form in INVALID_KEYS and (n > 1 or form in ("short", "2d", "none_entry")) \
        and n > 0
    return keys, canonical, invalid


def _keyed_tables(n):
    g = np.random.default_rng(5)
    return g.standard_normal((n, 3)), g.standard_normal((n, 2))


def _keyed_product(keys, n, P):
    A, B = _keyed_tables(n)
    sa = sketchla.coordinated_sketch(A, P["sketch_size"], keys=keys, seed=3,
                                     method=P["method"])
    sb = sketchla.coordinated_sketch(B, P["sketch_size"], keys=keys, seed=3,
                                     method=P["method"])
    return sketchla.estimate_product(sa, sb)


def _column_stats(keys, n, P):
    a, b = _keyed_tables(n)
    sa = sketchla.column_sketch(a[:, 0], P["sketch_size"], keys=keys, seed=1)
    sb = sketchla.column_sketch(b[:, 0] + a[:, 0], P["sketch_size"], keys=keys, seed=1)
    return np.array([sketchla.estimate_join_size(sa, sb, return_std=True)[0],
                     sketchla.estimate_correlation(sa, sb)])


FILE_FIELDS = ["meta", "method", "level", "key_id", "indptr", "indices", "data", "prob",
               "weight", "u", "tau", "scale_exp"]
FILE_EDITS = ["none", "truncate", "flip_byte", "zero", "negative", "nan", "inf", "huge",
              "float", "drop", "shape", "string", "duplicate", "reverse", "garbage"]


def _sketch_bytes():
    A, _ = _keyed_tables(60)
    buf = io.BytesIO()
    sketchla.coordinated_sketch(A, 12, keys=np.arange(60) * 7, seed=3).save(buf)
    return buf.getvalue()


def build_file(case):
    """(archive bytes, the original bytes when the contents are unchanged else
    None, whether the archive must be refused: True, or None for either)."""
    raw = _sketch_bytes()
    edit = FILE_EDITS[case["d"] % len(FILE_EDITS)]
    fld = FILE_FIELDS[case["n"] % len(FILE_FIELDS)]
    g = np.random.default_rng(case["seed"])
    if edit == "none":
        return raw, raw, False
    if edit == "truncate":
        return raw[: int(g.integers(len(raw)))], None, True
    if edit == "flip_byte":
        b = bytearray(raw)
        b[int(g.integers(len(b)))] ^= 1 + int(g.integers(255))
        return bytes(b), None, False  # a change must be caught or harmless
    if edit == "garbage":
        return bytes(g.integers(0, 256, 200, dtype=np.uint8)), None, True
    z = dict(np.load(io.BytesIO(raw)))
    a = np.array(z[fld])
    k_edit = None
    if edit == "drop":
        z.pop(fld)
    elif edit == "string":
        z[fld] = np.array(["x"] * max(a.size, 1))
    elif edit == "shape":
        z[fld] = np.concatenate([a.ravel(), a.ravel()[:1]]) if a.size else np.zeros(3)
    elif a.dtype.kind in "iuf" and a.size:
        k = k_edit = int(g.integers(a.size))
        flat = a.ravel().copy()
        with np.errstate(all="ignore"):
            if edit == "zero":
                flat[k] = 0
            elif edit == "negative":
                flat = flat.astype(np.float64) if flat.dtype.kind == "u" else flat
                flat[k] = -abs(flat[k]) - 1
            elif edit in ("nan", "inf", "float"):
                flat = flat.astype(np.float64)
                flat[k] = {"nan": np.nan, "inf": np.inf, "float": flat[k] + 0.5}[edit]
            elif edit == "huge":
                flat[k] = np.iinfo(flat.dtype).max if flat.dtype.kind in "iu" else 1e300
            elif edit == "duplicate" and flat.size > 1:
                flat[1] = flat[0]
            elif edit == "reverse":
                flat = flat[::-1].copy()
        z[fld] = flat.reshape(a.shape)
    buf = io.BytesIO()
    np.savez(buf, **z)
    orig = dict(np.load(io.BytesIO(raw)))
    same = fld in z and z[fld].dtype == orig[fld].dtype and \
        np.array_equal(z[fld], orig[fld], equal_nan=False)
    if same:
        return buf.getvalue(), raw, None
    if fld == "meta" and k_edit == 1:  # the seed: any uint64 is one
        return buf.getvalue(), None, None
    return buf.getvalue(), None, _must_refuse(fld, edit)


# edits that may leave a readable, meaningful sketch (a changed stored value;
# a key hash is any uint64 while the hashes stay increasing); every other
# change must be refused by ``load``
_HARMLESS = {("data", "zero"), ("data", "negative"), ("data", "float"), ("data", "huge"),
             ("data", "reverse"), ("data", "duplicate"), ("prob", "float"),
             ("prob", "reverse"), ("prob", "duplicate"), ("prob", "huge"),
             ("weight", "float"), ("weight", "reverse"), ("weight", "duplicate"),
             ("weight", "huge"), ("u", "float"), ("u", "reverse"), ("u", "duplicate"),
             ("tau", "float"), ("tau", "huge"), ("scale_exp", "zero"),
             ("scale_exp", "negative"), ("meta", "zero"), ("meta", "reverse"),
             ("meta", "duplicate"), ("u", "zero"), ("weight", "zero"), ("tau", "zero"),
             ("u", "huge"), ("indices", "reverse"), ("indices", "duplicate"),
             ("indices", "zero"), ("key_id", "zero"), ("key_id", "huge")}


def _must_refuse(fld, edit):
    """True: load must raise; None: either outcome (a finite one if it loads)."""
    return None if (fld, edit) in _HARMLESS else True


def _loaded_product(buf):
    s = _sketch_load(buf)
    return sketchla.estimate_product(s, s)


SPECIAL_TARGETS = [
    Target("coordinated_sketch keys", "keys", lambda K, a, P: _keyed_product(K, a["_n"], P),
           params={"sketch_size": 8, "method": "priority"}, arg="keys", names=("A",)),
    Target("column_sketch keys", "keys", lambda K, a, P: _column_stats(K, a["_n"], P),
           params={"sketch_size": 8}, arg="keys", power=0, rtol=1e-9, names=("values",),
           nan_ok=True),
    Target("CoordinatedSketch.load", "file", lambda F_, a, P: _loaded_product(F_),
           arg="file", rtol=1e-12, names=("sketch_a",)),
    Target("make_sketch parameters", "none",
           lambda _, a, P: sketchla.make_sketch(P["sketch"], P["m"], P["n"], rng=P["rng"])
           @ np.ones((P["n"] if isinstance(P["n"], int) and 0 < P["n"] < 10**4 else 1, 1)),
           params={"sketch": "srht", "m": 4, "n": 16, "rng": 0}, power=None, arg="sketch"),
    Target("sparse_sign parameters", "none",
           lambda _, a, P: sketchla.sparse_sign(P["m"], 32, nnz_per_col=P["nnz_per_col"],
                                                rng=0) @ np.ones(32),
           params={"m": 8, "nnz_per_col": 4}, power=None, arg="m"),
    Target("threads", "none",
           lambda _, a, P: _with_threads(P["n"]), params={"n": 1}, power=None, arg="n"),
    Target("use_backend", "none", lambda _, a, P: _with_backend(P["name"]),
           params={"name": "numpy"}, power=None, arg="name"),
    Target("polynomial_basis", "none",
           lambda _, a, P: sketchla.polynomial_basis(P["family"], dim=P["dim"],
                                                     degree=P["degree"],
                                                     index_set=P["index_set"]).size,
           params={"family": "legendre", "dim": 2, "degree": 3, "index_set": "total_degree"},
           power=None, arg="family"),
    Target("sample_weighted_ls_points", "none",
           lambda _, a, P: sketchla.sample_weighted_ls_points(
               sketchla.polynomial_basis(degree=4), P["n_samples"], method=P["method"],
               rng=0)[0],
           params={"n_samples": 10, "method": "christoffel"}, power=None, arg="basis"),
    Target("approximate", "none",
           lambda _, a, P: _approx(P), params={"n_samples": 12, "method": "dpp"},
           power=None, arg="f"),
]


def _with_threads(n):
    with sketchla.threads(n):
        return np.array([sketchla.get_num_threads()])


def _with_backend(name):
    with sketchla.use_backend(name):
        return np.array([1.0])


def _approx(P):
    out = sketchla.approximate(np.cos, sketchla.polynomial_basis(degree=4), P["n_samples"],
                               method=P["method"], rng=0)
    return np.asarray(out.coef_ if hasattr(out, "coef_") else out[0], dtype=float)


TARGETS.update({t.name: t for t in SPECIAL_TARGETS})


def build_special(case):
    """build() for the keys, file and parameter targets."""
    kind = case["kind"]
    if kind == "keys":
        keys, canonical, invalid = build_keys(case)
        return keys, canonical, 1.0, invalid
    if kind == "file":
        new, raw, refuse = build_file(case)
        return new, raw, 1.0, refuse
    return None, None, 1.0, False
