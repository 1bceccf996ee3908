"""Every Python block of the README runs as written, each in a fresh interpreter."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

_README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
_BLOCKS = re.findall(r"```python\n(.*?)```", _README.read_text(encoding="utf-8"), re.S)


def test_readme_has_blocks():
    assert len(_BLOCKS) >= 10


@pytest.mark.parametrize("i", range(len(_BLOCKS)))
def test_readme_block_runs(i, tmp_path):
    pytest.importorskip("dask") if "dask" in _BLOCKS[i] else None
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-c", _BLOCKS[i]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"README block {i}:\n{_BLOCKS[i]}\n{proc.stderr[-3000:]}"
