import numpy as np
import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow", action="store_true", default=False, help="also run tests marked slow"
    )
    parser.addoption(
        "--run-nightly", action="store_true", default=False,
        help="also run tests marked nightly (fresh virtual environments; .ci/run runs them "
             "after the default run)",
    )


def pytest_collection_modifyitems(config, items):
    run_slow = config.getoption("--run-slow")
    run_nightly = config.getoption("--run-nightly")
    skip_slow = pytest.mark.skip(reason="slow statistical test: use --run-slow (CI does)")
    skip_nightly = pytest.mark.skip(reason="nightly: use --run-nightly (.ci/run does)")
    skip_gpu = pytest.mark.skip(reason="needs CuPy and a GPU")
    for item in items:
        if "nightly" in item.keywords and not run_nightly:
            item.add_marker(skip_nightly)
        elif "slow" in item.keywords and not run_slow:
            item.add_marker(skip_slow)
        if "cupy" in item.keywords and not HAVE_CUPY:
            item.add_marker(skip_gpu)


def _cupy_available():
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


HAVE_CUPY = _cupy_available()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
