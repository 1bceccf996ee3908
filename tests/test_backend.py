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


def test_public_names_resolve():
    for name in sketchla.__all__:
        assert getattr(sketchla, name) is not None
    with pytest.raises(AttributeError):
        sketchla.no_such_name  # noqa: B018


def test_backend_switching():
    assert sketchla.get_backend() == "numpy"
    with sketchla.use_backend("numpy"):
        assert sketchla.get_backend() == "numpy"
    with pytest.raises(ValueError, match="backend must be one of"):
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
