"""Which public functions run on which array namespaces: the support table.

Every cell of the table in the README is a test here. "supported" means
the call succeeds, returns the input's namespace (scipy.sparse input gives
NumPy results; functions that return indices or a small solution on the
host are marked so), and agrees with the NumPy result for the same seed.
"TypeError" means the call refuses that input with a TypeError naming the
function's supported namespaces: never a silent conversion. CuPy cells run
where a GPU is at hand.

``python tests/test_support_table.py --write`` rewrites the README's table
(between its ``support-table`` markers) from :data:`EXPECTED`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sketchla
from sketchla._backend import array_kind, to_numpy

FORMS = ("numpy", "scipy.sparse", "array_api_strict", "dask", "cupy")

_rng = np.random.default_rng(0)
A = _rng.standard_normal((256, 5))
B = _rng.standard_normal(256)
U = np.linalg.qr(A)[0]
_mask = _rng.random((40, 30)) < 0.6
_F = _rng.standard_normal((40, 2)) @ _rng.standard_normal((2, 30))
XC = np.where(_mask, _F, np.nan)
_V = U[:4, :3]
T3 = np.einsum("ri,rj,rk->ijk", _V.T, _V.T, _V.T)


def _projection(Q, X):
    """Q Qᵀ X: what a range finder determines (its basis only up to signs)."""
    return Q @ (Q.T @ X) if array_kind(X) == "sparse" else \
        Q @ (sketchla._backend.get_namespace(Q).matrix_transpose(Q) @ X)


def _to(form, X, observed=False):
    if form == "numpy":
        return X
    if form == "scipy.sparse":
        import scipy.sparse as sp

        if observed:  # stored entries are the observations
            r, c = np.nonzero(~np.isnan(X))
            return sp.csr_matrix((X[r, c], (r, c)), shape=X.shape)
        return sp.csr_matrix(X)
    if form == "array_api_strict":
        xps = pytest.importorskip("array_api_strict")
        return xps.asarray(X)
    if form == "dask":
        da = pytest.importorskip("dask.array")
        return da.from_array(X, chunks=(64,) + X.shape[1:])
    cupy = pytest.importorskip("cupy")
    return cupy.asarray(X)


# name -> (call(form) -> result, output rule, sparse applicable)
# output rule: "same" (the input's namespace; NumPy for scipy.sparse), "host" (NumPy)
CASES = {
    "SketchOperator @ A": (lambda f: sketchla.make_sketch("sparse_sign", 40, 256, rng=0)
                           @ _to(f, A), "same"),
    "lstsq": (lambda f: sketchla.lstsq(_to(f, A), _to(f, B) if f != "scipy.sparse" else B,
                                       rng=0).x, "same"),
    "sketch_and_solve": (lambda f: sketchla.sketch_and_solve(
        _to(f, A), _to(f, B) if f != "scipy.sparse" else B, rng=0), "same"),
    "approx_matmul": (lambda f: sketchla.approx_matmul(_to(f, A), _to(f, A), 64, rng=0), "same"),
    "leverage_scores": (lambda f: sketchla.leverage_scores(_to(f, A)), "same"),
    "lewis_weights": (lambda f: sketchla.lewis_weights(_to(f, A), 1), "same"),
    "lp_sensitivities": (lambda f: sketchla.lp_sensitivities(_to(f, A), 3), "same"),
    "sample_rows": (lambda f: sketchla.sample_rows(_to(f, A), 30, rng=0).indices, "host"),
    "lp_regression": (lambda f: sketchla.lp_regression(
        _to(f, A), _to(f, B) if f != "scipy.sparse" else B, 1, sketch_size=120, rng=0), "host"),
    "quantile_regression": (lambda f: sketchla.quantile_regression(
        _to(f, A), _to(f, B) if f != "scipy.sparse" else B, 0.3, sketch_size=120, rng=0), "host"),
    "coordinated_sketch": (lambda f: sketchla.coordinated_sketch(_to(f, A), 30, seed=0).indices,
                           "host"),
    "range_finder": (lambda f: _projection(sketchla.range_finder(_to(f, A), 3, rng=0),
                                           _to(f, A)), "same"),
    "randomized_svd": (lambda f: sketchla.randomized_svd(_to(f, A), 3, n_oversamples=2,
                                                         rng=0)[1], "host"),
    "nystrom": (lambda f: sketchla.nystrom(_to(f, A @ A.T), 3, rng=0)[1], "host"),
    "sample_projection_dpp": (lambda f: sketchla.sample_projection_dpp(_to(f, U), rng=0), "host"),
    "sample_dpp": (lambda f: sketchla.sample_dpp(_to(f, A), rng=0), "host"),
    "sample_k_dpp": (lambda f: sketchla.sample_k_dpp(_to(f, A), 3, rng=0), "host"),
    "sample_volume": (lambda f: sketchla.sample_volume(_to(f, A), 8, rng=0), "host"),
    "sample_volume_rescaled": (lambda f: sketchla.sample_volume_rescaled(_to(f, A), 8, rng=0),
                               "host"),
    "sample_repeated_dpp": (lambda f: sketchla.sample_repeated_dpp(_to(f, U), rng=0)[0],
                            "host"),
    "altmin_complete": (lambda f: sketchla.altmin_complete(_to(f, XC, observed=True), 2,
                                                           rng=0).toarray(), "same"),
    "spm": (lambda f: sketchla.spm(_to(f, T3), rng=0).reconstruct(), "same"),
    "sshopm": (lambda f: abs(sketchla.sshopm(_to(f, T3), rng=0)[0]), "host"),
    "spm_moments": (lambda f: sketchla.spm_moments(_to(f, A), order=3, rank=2,
                                                   rng=0).weights, "same"),
    "moment_tensor": (lambda f: sketchla.moment_tensor(_to(f, A), order=3), "same"),
}

S, T, N = "supported", "TypeError", "n/a"
_ALL = {"numpy": S, "scipy.sparse": S, "array_api_strict": S, "dask": S, "cupy": S}
_HOST = {"numpy": S, "scipy.sparse": S, "array_api_strict": T, "dask": T, "cupy": T}
_DENSE = {**_ALL, "scipy.sparse": T}
_TENSOR = {**_ALL, "scipy.sparse": N}
EXPECTED = {
    "SketchOperator @ A": _ALL,
    "lstsq": _ALL,
    "sketch_and_solve": _ALL,
    "approx_matmul": _ALL,
    "leverage_scores": _ALL,
    "lewis_weights": _ALL,
    "lp_sensitivities": _ALL,
    "sample_rows": _ALL,
    "lp_regression": {**_HOST, "dask": S},
    "quantile_regression": {**_HOST, "dask": S},
    "coordinated_sketch": _ALL,
    "range_finder": _ALL,
    "randomized_svd": _ALL,
    "nystrom": _ALL,
    "sample_projection_dpp": _ALL,
    "sample_dpp": _HOST,
    "sample_k_dpp": _HOST,
    "sample_volume": _ALL,
    "sample_volume_rescaled": _ALL,
    "sample_repeated_dpp": _ALL,
    "altmin_complete": _ALL,
    "spm": _TENSOR,
    "sshopm": _TENSOR,
    "spm_moments": _DENSE,
    "moment_tensor": _DENSE,
}
NOTES = {
    "sample_rows": "indices and weights on the host; `apply` keeps the namespace",
    "lp_regression": "the sample is solved on the host (HiGHS); dask: only the sample is computed",
    "quantile_regression": "as `lp_regression`; tall dense NumPy input streams its Lewis "
                           "weights over row blocks of [A b]",
    "lp_sensitivities": "`method=\"exact\"` (one host LP per row): numpy and scipy.sparse only",
    "lewis_weights": "NumPy results carry `residual` and `n_iter`",
    "coordinated_sketch": "`level=\"entry\"` and `duplicates=\"sum\"`: numpy and scipy.sparse "
                          "only; other namespaces: one pass for the row norms, then the kept rows",
    "altmin_complete": "dask (sparse or NaN-dense chunks, or a DataFrame of triplets): the "
                       "entries in row and column blocks on the workers, NumPy factors; "
                       "array_api_strict, cupy: dense X with NaN, every row solved exactly in "
                       "one batched solve a sweep (O(n·m·k²)); a CuPy CSR matrix: the row "
                       "problems formed by a numba.cuda kernel, one batched cuSOLVER solve a "
                       "half-sweep (O(nnz·k²)); `sample_splitting` and `biases`: numpy, "
                       "scipy.sparse",
    "spm": "T is read in its namespace; the reduced flattening is factored by cuSOLVER for "
           "cupy, on the host otherwise; the result in T's namespace",
    "sshopm": "one contraction of T a step in its namespace; the d × d shift on the host",
    "spm_moments": "the reduced moment flattening is accumulated block by block on the host; "
                   "with `noise_variance` the lower moments are formed in X's namespace; the "
                   "result in X's namespace",
    "sample_projection_dpp": "one pass for the row norms, then only the proposed rows are read",
    "range_finder": "also `scipy.sparse.linalg.LinearOperator`; Q in A's namespace",
    "randomized_svd": "U in A's namespace, s and Vt on the host; also `LinearOperator`",
    "nystrom": "U in A's namespace, the eigenvalues on the host; also `LinearOperator`",
    "sample_dpp": "one host eigendecomposition (sparse feature matrices through their Gram matrix)",
    "sample_k_dpp": "as `sample_dpp`",
}


#: functions whose dask results are NumPy (factors that fit in memory)
_DASK_TO_HOST = {"altmin_complete"}


def _expected_kind(form, rule, name=None):
    if rule == "host" or form == "scipy.sparse" or (form == "dask" and name in _DASK_TO_HOST):
        return "numpy"
    return {"array_api_strict": "array_api_strict", "dask": "dask", "cupy": "cupy"}.get(form,
                                                                                      form)


_CELLS = [
    pytest.param(name, form, id=f"{name}-{form}",
                 marks=[pytest.mark.cupy] if form == "cupy" else [])
    for name in CASES for form in FORMS if EXPECTED[name][form] != N
]


@pytest.mark.parametrize(("name", "form"), _CELLS)
def test_support_cell(name, form):
    call, rule = CASES[name]
    if EXPECTED[name][form] == T:
        with pytest.raises(TypeError, match="support"):
            call(form)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = call(form)
        ref = call("numpy")
    if hasattr(out, "shape") and getattr(out, "ndim", 0) > 0:
        assert array_kind(out) == _expected_kind(form, rule, name)
    np.testing.assert_allclose(np.asarray(to_numpy(out), dtype=float),
                               np.asarray(to_numpy(ref), dtype=float), rtol=1e-6, atol=1e-9)


def render_table():
    """The README's support table (CuPy cells: run only where a GPU is at hand)."""
    head = "| function | " + " | ".join(FORMS) + " | note |"
    rule = "| --- |" + " --- |" * (len(FORMS) + 1)
    mark = {S: "✔", T: "TypeError", N: "—"}
    lines = [head, rule]
    for name in CASES:
        cells = []
        for form in FORMS:
            v = mark[EXPECTED[name][form]]
            cells.append(v + ("¹" if form == "cupy" and v != "—" else ""))
        lines.append(f"| `{name}` | " + " | ".join(cells) + f" | {NOTES.get(name, '')} |")
    return "\n".join(lines)


_README = __import__("pathlib").Path(__file__).resolve().parents[1] / "README.md"
_MARKS = ("<!-- support-table -->\n", "\n<!-- /support-table -->")


def test_readme_shows_the_table():
    text = _README.read_text(encoding="utf-8")
    assert _MARKS[0] + render_table() + _MARKS[1] in text


if __name__ == "__main__":
    import sys

    if "--write" in sys.argv:
        text = _README.read_text(encoding="utf-8")
        head, rest = text.split(_MARKS[0], 1)
        tail = rest.split(_MARKS[1], 1)[1]
        _README.write_text(head + _MARKS[0] + render_table() + _MARKS[1] + tail,
                           encoding="utf-8")
    else:
        print(render_table())
