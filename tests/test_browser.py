"""The documentation and the benchmark dashboard render in a real browser.

Builds the docs (``sphinx -W``: a warning fails), runs a few benchmarks and
publishes the asv dashboard with local scripts, serves both on 127.0.0.1
and loads them in headless Chromium: no error page, a plot canvas on a
benchmark graph, rendered formulas, gallery images. Screenshots go to
``$SKETCHLA_SCREENSHOTS`` (default: the test's temporary folder). Skipped
without Chromium; CI installs it.
"""

import functools
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(c)), None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder):
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _chromium(url, shots, name):
    """The DOM after the page's scripts ran, and a screenshot ``name``.png."""
    base = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--virtual-time-budget=10000", "--window-size=1280,900",
            f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}"]
    shot = shots / f"{name}.png"
    subprocess.run(base + [f"--screenshot={shot}", url], capture_output=True, timeout=120)
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True, text=True,
                         timeout=120).stdout
    assert shot.is_file() and shot.stat().st_size > 5000, f"no screenshot of {url}"
    return dom


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = pathlib.Path(os.environ.get("SKETCHLA_SCREENSHOTS")
                          or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    out = tmp_path_factory.mktemp("docs")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html",
                           str(ROOT / "docs"), str(out)], capture_output=True, text=True,
                          cwd=ROOT, timeout=900)
    assert proc.returncode == 0, f"the docs build warned or failed:\n{proc.stderr[-5000:]}"
    httpd, url = _serve(out)
    yield out, url
    httpd.shutdown()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    pytest.importorskip("asv")
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("the dashboard needs the git checkout")
    sys.path.insert(0, str(ROOT / "asv_bench"))
    import dashboard as dash

    work = tmp_path_factory.mktemp("asv")
    conf = json.loads((ROOT / "asv_bench" / "asv.conf.json").read_text())
    conf.update(repo=str(ROOT), benchmark_dir=str(ROOT / "asv_bench" / "benchmarks"),
                results_dir=str(work / "results"), html_dir=str(work / "html"),
                env_dir=str(work / "env"))
    cfg = work / "asv.conf.json"
    cfg.write_text(json.dumps(conf))
    dash.run(bench=r"sketch\.(Import|Apply)", quick=True, config=str(cfg))
    html = dash.publish(config=str(cfg), html=str(work / "html"))
    text = (pathlib.Path(html) / "index.html").read_text()
    assert "https://" not in text.split("<body")[0], "a script still loads from a CDN"
    httpd, url = _serve(html)
    yield html, url
    httpd.shutdown()


_TOY_PYPROJECT = """[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "toypkg"
version = "0.0.1"

[tool.setuptools]
packages = ["toypkg"]
"""
_TOY_BENCH = """class Value:
    def track_value(self):
        import toypkg
        return toypkg.VALUE
"""


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A 3-commit history built by ``dashboard.py``'s history mode in asv's
    own environments, for a temporary repository whose tracked value steps
    by 2 % and then by 47 %."""
    pytest.importorskip("asv")
    if not shutil.which("git"):
        pytest.skip("the history needs git")
    sys.path.insert(0, str(ROOT / "asv_bench"))
    import dashboard as dash

    repo = tmp_path_factory.mktemp("toy")
    (repo / "toypkg").mkdir()
    (repo / "bench").mkdir()
    (repo / "pyproject.toml").write_text(_TOY_PYPROJECT)
    (repo / "bench" / "__init__.py").write_text("")
    (repo / "bench" / "benchmarks.py").write_text(_TOY_BENCH)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    for value in ("1.0", "1.02", "1.5"):
        (repo / "toypkg" / "__init__.py").write_text(f"VALUE = {value}\n")
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        subprocess.run(git + ["commit", "-qm", f"value {value}"], cwd=repo, check=True)
    work = tmp_path_factory.mktemp("toy-asv")
    conf = json.loads((ROOT / "asv_bench" / "asv.conf.json").read_text())
    conf.pop("build_command")
    conf.pop("install_command")
    conf.update(project="toypkg", repo=str(repo), benchmark_dir=str(repo / "bench"),
                results_dir=str(work / "results"), html_dir=str(work / "html"),
                env_dir=str(work / "env"))
    cfg = work / "asv.conf.json"
    cfg.write_text(json.dumps(conf))
    dash.history(commits=3, config=str(cfg), bench=".")
    html = pathlib.Path(dash.publish(config=str(cfg), html=str(work / "html")))
    httpd, url = _serve(html)
    yield html, url
    httpd.shutdown()


def test_a_three_commit_history_draws_three_points_and_flags_the_step(history, shots):
    html, url = history
    graph = next(p for p in (html / "graphs").rglob("benchmarks.Value.track_value.json")
                 if "summary" not in p.parts)
    points = json.loads(graph.read_text())
    assert [v for _, v in points] == [1.0, 1.02, 1.5]
    page = _chromium(f"{url}/index.html#benchmarks.Value.track_value", shots, "history_graph")
    assert "continental origin" not in page and page.count("<canvas") >= 1
    regressions = json.loads((html / "regressions.json").read_text())["regressions"]
    assert [r[0] for r in regressions] == ["benchmarks.Value.track_value"]  # 47 %, not 2 %
    page = _chromium(f"{url}/index.html#regressions", shots, "history_regressions")
    assert "benchmarks.Value.track_value" in page and "continental origin" not in page


def test_dashboard_renders(dashboard, shots):
    _, url = dashboard
    grid = _chromium(f"{url}/index.html", shots, "dashboard_grid")
    assert "Can not determine continental origin of swallow" not in grid  # asv's error page
    assert "Apply.time_apply" in grid
    graph = _chromium(f"{url}/index.html#sketch.Apply.time_apply", shots, "dashboard_graph")
    assert "continental origin" not in graph
    assert graph.count("<canvas") >= 1, "no plot canvas on the benchmark graph"


def test_docs_render(docs, shots):
    out, url = docs
    home = _chromium(f"{url}/index.html", shots, "docs_index")
    assert "sketchla" in home and "User guide" in home
    api = _chromium(f"{url}/generated/sketchla.lstsq.html", shots, "docs_api_lstsq")
    assert "sketch_and_solve" in api or "Parameters" in api
    guide = _chromium(f"{url}/guide/sketching.html", shots, "docs_guide_math")
    assert "MathJax" in guide and "mjx-chtml" in guide, "formulas did not render (MathJax)"
    # the section navigation lists every guide page, and each page ran its example
    pages = sorted(p.stem for p in (ROOT / "docs" / "guide").glob("*.rst") if p.stem != "index")
    nav = guide[guide.find("bd-docs-nav"):]
    for page in pages:
        assert page == "sketching" or f'href="{page}.html"' in nav, \
            f"{page} is missing from the section navigation"
        html = (out / "guide" / f"{page}.html").read_text(encoding="utf-8")
        assert "executed-output" in html, f"guide/{page} shows no executed example"
    page = "auto_examples/plot_completion_convergence.html"
    gallery = _chromium(f"{url}/{page}", shots, "docs_gallery")
    assert "sphx_glr_plot_completion_convergence_001.png" in gallery
    images = sorted((out / "_images").glob("sphx_glr_plot_*_001.png"))
    assert len(images) >= 5 and all(p.stat().st_size > 5000 for p in images)
