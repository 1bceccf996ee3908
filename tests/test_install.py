"""Every install line of the README works in a brand-new virtual environment,
in the order a user would run them, on a fresh clone; and, when CI runs the
suite against the built wheel, the package under test is that wheel.

The install lines are read from the README itself (a line that changes is
tested as written). Nightly: each run builds the native extension and
installs the dependencies from the package index (a few minutes).
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: what each extra must make importable, checked after its line
_EXTRAS = {
    "tour": ["tensorly", "matplotlib", "statsmodels"],
    "test": ["pytest", "hypothesis"],
    "docs": ["sphinx", "numpydoc", "sphinx_gallery", "pydata_sphinx_theme"],
    "bench": ["asv", "tensorly", "statsmodels"],
    "dask": ["dask", "distributed"],
}


def install_lines():
    """The README's install commands in reading order: (extra, command), the
    command cut before what it runs after installing (the tour, the tests,
    a GPU check)."""
    text = re.sub(r"\s*\n\s*", " ", README)  # commands wrapped over lines in prose
    found = []
    for m in re.finditer(r"pip install --no-build-isolation -e \"\.\[([a-z,]+)\]\"", text):
        start = text.rfind("pip install meson-python meson ninja", 0, m.start())
        prefix = "pip install meson-python meson ninja && " \
            if start != -1 and m.start() - start < 60 else ""
        tail = re.match(r" && pip install --no-deps \"recbole==[0-9.]+\"", text[m.end():])
        found.append((m.group(1), prefix + m.group(0) + (tail.group(0) if tail else "")))
    return found


def test_the_readme_names_every_extra_with_its_install_line():
    extras = [e for e, _ in install_lines()]
    assert extras[:2] == ["tour", "test"]  # the quick start's two commands first
    assert {"docs", "bench", "dask"} <= set(extras)
    for _, line in install_lines():
        assert "--no-build-isolation" in line  # an isolated editable build loses its ninja


@pytest.mark.nightly
def test_every_readme_install_line_works_in_a_fresh_venv(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}",
               VIRTUAL_ENV=str(env_dir))
    env.pop("PYTHONPATH", None)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for extra, line in install_lines():
        if "gpu" in extra.split(","):
            continue  # CUDA wheels: the GPU check's own line
        proc = subprocess.run(line, shell=True, cwd=clone, env=env, capture_output=True,
                              text=True, timeout=1800)
        assert proc.returncode == 0, f"{line}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        mods = ["sketchla"] + [m for e in extra.split(",") for m in _EXTRAS.get(e, [])]
        check = ("import sketchla, importlib; "
                 f"[importlib.import_module(m) for m in {mods!r}]; "
                 "sketchla.lstsq(__import__('numpy').eye(20, 3), __import__('numpy').ones(20))")
        proc = subprocess.run([str(bindir / "python"), "-c", check], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"after {line}:\n{proc.stderr[-3000:]}"
    out = subprocess.run([str(bindir / "python"), "-m", "sketchla", "tour", "--quiet", "--only",
                          "least squares"], cwd=elsewhere, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0 and "tour finished" in out.stdout, out.stderr[-3000:]


@pytest.mark.skipif(not os.environ.get("SKETCHLA_EXPECT_WHEEL"),
                    reason="set by .ci/run when it tests the installed wheel")
def test_the_package_under_test_is_the_installed_wheel():
    import sketchla
    from sketchla._kernels import native

    path = pathlib.Path(sketchla.__file__).resolve()
    assert "site-packages" in path.parts and ROOT / "sketchla" not in path.parents, path
    assert not (path.parent / "__editable__").exists()
    native()  # the compiled extension of the wheel loads
    assert shutil.which("python") is not None and sys.prefix != sys.base_prefix
