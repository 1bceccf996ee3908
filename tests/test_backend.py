"""Backend switching, rng handling and import hygiene."""

import subprocess
import sys

import numpy as np
import pytest

import sketchla
from sketchla._validation import check_int, check_rng


def test_import_is_light():
    # scipy, scikit-learn, dask (and no JIT compiler) must not land on import
    code = (
        "import sys, sketchla; "
        "heavy = [m for m in ('numba', 'sklearn', 'scipy', 'dask') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_function_api_does_not_import_scikit_learn():
    """Only the estimators need scikit-learn (about 1 s to import); every
    function of the low-level API runs without it."""
    code = (
        "import sys, numpy as np, sketchla\n"
        "from sketchla.datasets import make_low_rank_completion, make_symmetric_tensor, "
        "make_sparse\n"
        "g = np.random.default_rng(0); A = g.standard_normal((500, 5)); b = g.standard_normal(500)\n"
        "sketchla.make_sketch('srht', 64, 500, rng=0) @ A\n"
        "sketchla.lstsq(A, b, rng=0); sketchla.sketch_and_solve(A, b, rng=0)\n"
        "sketchla.approx_matmul(A, A, 100, rng=0)\n"
        "sketchla.leverage_scores(make_sparse(500, 5, density=0.5, rng=0))\n"
        "sketchla.lewis_weights(A, 1); sketchla.lp_sensitivities(A, 3, method='bound')\n"
        "sketchla.sample_rows(A, 50, rng=0); sketchla.lp_regression(A, b, 1, rng=0)\n"
        "sketchla.estimate_product(sketchla.coordinated_sketch(A, 50), "
        "sketchla.coordinated_sketch(A, 50))\n"
        "U = np.linalg.qr(A)[0]; sketchla.sample_projection_dpp(U, rng=0)\n"
        "sketchla.sample_volume(A, 10, rng=0); sketchla.sample_volume_rescaled(A, 10, rng=0)\n"
        "basis = sketchla.polynomial_basis('legendre', 1, 3)\n"
        "sketchla.sample_weighted_ls_points(basis, 20, rng=0)\n"
        "X = make_low_rank_completion(60, 50, 2, fraction=0.5, rng=0)[0]\n"
        "sketchla.altmin_complete(X, 2, rng=0, max_iter=3)\n"
        "T = make_symmetric_tensor(5, 3, 2, rng=0)[0]; sketchla.spm(T, rng=0); "
        "sketchla.sshopm(T, rng=0)\n"
        "sketchla.spm_moments(A, 3, rank=2, rng=0)\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_estimators_resolve_lazily_from_their_subpackages():
    from sketchla import completion, linalg, sampling, tensor

    assert sketchla.RowSampler is sampling.RowSampler
    assert sketchla.LpRegression is linalg.LpRegression
    assert sketchla.SketchedRegression is linalg.SketchedRegression
    assert sketchla.WeightedLeastSquares is linalg.WeightedLeastSquares
    assert sketchla.AltMinCompletion is completion.AltMinCompletion
    assert sketchla.SymmetricCP is tensor.SymmetricCP
    for mod in (completion, linalg, sampling, tensor):
        assert set(mod.__all__) <= set(dir(mod))
        for name in mod.__all__:
            assert getattr(mod, name) is not None
    with pytest.raises(AttributeError, match="no attribute"):
        sampling.NoSuchEstimator  # noqa: B018


def test_public_names_resolve():
    for name in sketchla.__all__:
        assert getattr(sketchla, name) is not None
    with pytest.raises(AttributeError):
        sketchla.no_such_name  # noqa: B018


def test_backend_switching():
    assert sketchla.get_backend() == "numpy"
    with sketchla.use_backend("numpy"):
        assert sketchla.get_backend() == "numpy"
    with pytest.raises(ValueError, match="name must be one of the backends"):
        with sketchla.use_backend("jax"):
            pass
    pytest.importorskip("array_api_strict")
    sketchla.set_backend("array_api_strict")
    try:
        assert sketchla.get_backend() == "array_api_strict"
        with sketchla.use_backend("numpy"):
            assert sketchla.get_backend() == "numpy"
        assert sketchla.get_backend() == "array_api_strict"
    finally:
        sketchla.set_backend("numpy")


def test_check_rng_accepts_the_numpy_family():
    a = check_rng(3).integers(0, 1000, 5)
    b = check_rng(np.random.default_rng(3)).integers(0, 1000, 5)
    c = check_rng(np.random.SeedSequence(3)).integers(0, 1000, 5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert isinstance(check_rng(None), np.random.Generator)
    assert isinstance(check_rng(np.random.RandomState(0)), np.random.Generator)
    assert isinstance(check_rng(np.random.PCG64(1)), np.random.Generator)
    with pytest.raises(TypeError, match="rng"):
        check_rng("3")
    with pytest.raises(ValueError, match="rng"):
        check_rng(-1)
    with pytest.raises(TypeError, match="rng"):
        check_rng(True)


def test_check_int():
    assert check_int(3.0, "k") == 3
    with pytest.raises(TypeError, match="k must be an integer"):
        check_int(3.5, "k")
    with pytest.raises(ValueError, match="k must be >= 1"):
        check_int(0, "k", minimum=1)
