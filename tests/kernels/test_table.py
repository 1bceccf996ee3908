"""The kernel table: every kernel listed in ``sketchla._kernels.__all__``,
each taking ``*, xp=None``; host-only kernels refuse another namespace."""

import inspect
import pkgutil

import numpy as np
import pytest

from sketchla import _kernels

KERNELS = [n for n in _kernels.__all__ if n not in _kernels.INFRASTRUCTURE]


def test_every_public_function_of_the_package_is_in_the_table():
    listed = set(_kernels.__all__)
    for info in pkgutil.iter_modules(_kernels.__path__):
        mod = __import__(f"sketchla._kernels.{info.name}", fromlist=["_"])
        for name, obj in vars(mod).items():
            if (not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                    and obj.__module__ == mod.__name__
                    and info.name not in ("_native", "threads", "forks", "cuda", "interrupt",
                                          "work")):
                assert name in listed, f"{mod.__name__}.{name} is not in the kernel table"


@pytest.mark.parametrize("name", KERNELS)
def test_kernel_takes_keyword_only_xp(name):
    param = inspect.signature(getattr(_kernels, name)).parameters.get("xp")
    assert param is not None and param.kind is param.KEYWORD_ONLY and param.default is None


@pytest.mark.parametrize("name,args", [
    ("sketch_map", (0, 0, 3, 1, 5)),
    ("hash_keys", (np.arange(3), 0)),
    ("sum_in_order", ([np.ones(2)],)),
    ("range_positions", (np.array([0, 1, 2]), np.array([0]))),
])
def test_host_kernels_refuse_another_namespace(name, args):
    import array_api_strict

    fn = getattr(_kernels, name)
    fn(*args, xp=np)
    with pytest.raises(TypeError, match="runs on the host"):
        fn(*args, xp=array_api_strict)
