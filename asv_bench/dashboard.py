"""Benchmark commits, publish the history, serve the dashboard offline.

    python asv_bench/dashboard.py --commits 3        # the quick subset on the last 3 commits
    python asv_bench/dashboard.py --range A..B       # ... on the commits after A up to B
    python asv_bench/dashboard.py --commits 3 --full # every benchmark (about an hour a commit)
    python asv_bench/dashboard.py                    # the current checkout only, this venv
    python asv_bench/dashboard.py --bench sketch     # a subset (asv's regex)
    python asv_bench/dashboard.py --no-run           # publish and serve what is recorded
    python asv_bench/dashboard.py --no-serve         # run and publish only

With ``--commits`` or ``--range``, asv builds each commit's wheel and
benchmarks it in asv's own virtual environments (``asv_bench/env``; the
first build of an environment takes a few minutes, each further commit
about one); commits already recorded are skipped, so a history grows by
running it again later. The default subset is :mod:`benchmarks.quick` (one
small problem per capability, its anchor as a ratio and its accuracy, a few
seconds a commit); ``--full`` runs every benchmark. Without a range, the
run is ``asv run --python=same --set-commit-hash $(git rev-parse HEAD)``
in this environment, so install the benchmark extra first
(``pip install meson-python meson ninja && pip install
--no-build-isolation -e ".[bench]"``). Results go to ``asv_bench/results``, which
ships a recorded history; ``asv publish`` draws one line per benchmark over
the commits and lists on its regressions page every step of more than
10 % (``regressions_thresholds`` in ``asv.conf.json``). asv's page loads jQuery, flot, Bootstrap,
stupidtable and blueimp-md5 from CDNs; the published page is rewritten to
use local copies from Debian's packages (``apt-get install libjs-jquery
libjs-jquery-flot libjs-bootstrap libjs-jquery-stupidtable
node-blueimp-md5``), copied into ``html/vendor``, so the dashboard works
without a network. Debian's flot is 4.x: its single-file build
(``jquery.flot.pack.js``, every plugin included) stands in for the 0.8
core and the time, selection and categories plugins that asv loads; flot 4
draws axis labels itself, so asv's 0.8 axis-label plugin is dropped (it
would label each axis twice), and its SVG legend gets a light background.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JS = os.environ.get("SKETCHLA_JS", "/usr/share/javascript")

#: CDN file name (as it appears in asv's index.html) -> local copy
VENDOR = {
    "jquery-3.3.1.min.js": "jquery/jquery.min.js",
    "jquery.flot.min.js": "jquery-flot/jquery.flot.pack.js",
    "stupidtable.min.js": "jquery-stupidtable/stupidtable.min.js",
    "md5.min.js": "blueimp-md5/md5.min.js",
    "bootstrap.min.js": "bootstrap/js/bootstrap.min.js",
    "bootstrap.min.css": "bootstrap/css/bootstrap.min.css",
}
#: CDN scripts that the single-file flot already contains (or asv never calls)
DROP = ("jquery.flot.time.min.js", "jquery.flot.selection.min.js",
        "jquery.flot.categories.min.js", "jquery.flot.orderBars.js")

#: flot 4's legend is an SVG layer whose background rectangle is black by default
_LEGEND_CSS = ("<style>.legendLayer .background { fill: rgba(255, 255, 255, 0.9); "
               "stroke: #ccc; }</style>")
_AXISLABELS = re.compile(r'<script[^>]*src="jquery\.flot\.axislabels\.js"[^>]*>\s*</script>')

_TAG = re.compile(r'<(script|link)\b[^>]*?(?:src|href)="(https?://[^"]+)"[^>]*>(?:</script>)?')


def localize(html_dir, js_root=JS):
    """Rewrite the published pages to load local copies instead of CDNs.

    Returns the list of files copied into ``html_dir/vendor``; raises
    ``FileNotFoundError`` naming the Debian package when one is missing.
    """
    vendor = os.path.join(html_dir, "vendor")
    os.makedirs(vendor, exist_ok=True)
    copied = []
    for name, rel in VENDOR.items():
        src = os.path.join(js_root, rel)
        if not os.path.isfile(src):
            raise FileNotFoundError(f"{src} is missing: apt-get install libjs-jquery "
                                    "libjs-jquery-flot libjs-bootstrap "
                                    "libjs-jquery-stupidtable node-blueimp-md5")
        shutil.copy2(src, os.path.join(vendor, os.path.basename(rel)))
        copied.append(os.path.basename(rel))
    fonts = os.path.join(js_root, "bootstrap", "fonts")
    if os.path.isdir(fonts):  # bootstrap.min.css refers to ../fonts
        shutil.copytree(fonts, os.path.join(html_dir, "fonts"), dirs_exist_ok=True)

    def swap(match):
        url = match.group(2)
        base = url.rsplit("/", 1)[-1]
        if base in DROP:
            return ""
        if base not in VENDOR:
            raise ValueError(f"asv's page loads {url}, which has no local copy")
        local = "vendor/" + os.path.basename(VENDOR[base])
        if match.group(1) == "link":
            return f'<link rel="stylesheet" href="{local}">'
        return f'<script src="{local}" onerror="js_load_failure()"></script>'

    for page in os.listdir(html_dir):
        if page.endswith(".html"):
            path = os.path.join(html_dir, page)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            new = _TAG.sub(swap, text)
            if new != text:
                new = _AXISLABELS.sub("", new)
                if _LEGEND_CSS not in new:
                    new = new.replace("</head>", _LEGEND_CSS + "\n</head>", 1)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
    return copied


#: the default subset of a history run (asv's regex)
QUICK = r"^quick\."


def _machine(conf):
    """``asv machine --yes``: record this machine's defaults without
    printing asv's questionnaire (shown only if it fails)."""
    out = subprocess.run([sys.executable, "-m", "asv", "machine", "--yes", *conf], cwd=HERE,
                         capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(out.returncode)


def _last_commits(n, config, folder):
    """A HASHFILE in ``folder`` of the last ``n`` commits of the configured
    repository (root commits included, which ``HEAD~n..HEAD`` would miss)."""
    import json

    path = config or os.path.join(HERE, "asv.conf.json")
    with open(path, encoding="utf-8") as f:
        repo = os.path.join(os.path.dirname(os.path.abspath(path)), json.load(f)["repo"])
    shas = subprocess.run(["git", "rev-list", "-n", str(int(n)), "HEAD"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout
    name = os.path.join(folder, "commits.txt")
    with open(name, "w", encoding="utf-8") as f:
        f.write(shas)
    return f"HASHFILE:{name}"


def history(commits=None, span=None, full=False, bench=None, config=None):
    """Benchmark the last ``commits`` commits (or the asv range ``span``,
    ``A..B``) in asv's environments: the quick subset unless ``full`` or
    ``bench``; recorded commits are skipped."""
    import tempfile

    conf = ["--config", config] if config else []
    _machine(conf)
    with tempfile.TemporaryDirectory(prefix="asv-commits-") as folder:
        cmd = [sys.executable, "-m", "asv", "run", span or _last_commits(commits, config, folder),
               "--skip-existing-commits", "--show-stderr", *conf]
        if not full or bench:
            cmd += ["--bench", bench or QUICK]
        rc = subprocess.run(cmd, cwd=HERE).returncode
    if rc not in (0, 2):  # 2: a benchmark failed; the others are recorded
        raise SystemExit(rc)


def run(bench=None, quick=False, config=None):
    """``asv run --python=same --set-commit-hash $(git rev-parse HEAD)`` (a
    subset with ``bench``; each benchmark once with ``quick``)."""
    conf = ["--config", config] if config else []
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, check=True,
                         capture_output=True, text=True).stdout.strip()
    _machine(conf)
    cmd = [sys.executable, "-m", "asv", "run", "--python=same", "--set-commit-hash", sha,
           "--show-stderr", *conf]
    if bench:
        cmd += ["--bench", bench]
    if quick:
        cmd.append("--quick")
    # asv exits 2 when a benchmark failed; the others are still recorded
    rc = subprocess.run(cmd, cwd=HERE).returncode
    if rc not in (0, 2):
        raise SystemExit(rc)


def publish(config=None, html=None):
    """``asv publish``, then :func:`localize`; returns the html folder."""
    conf = ["--config", config] if config else []
    subprocess.run([sys.executable, "-m", "asv", "publish", *conf], cwd=HERE, check=True)
    html = html or os.path.join(HERE, "html")
    localize(html)
    return html


def serve(html, port):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=html)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as httpd:
        print(f"dashboard: http://127.0.0.1:{port}/ (Ctrl-C stops)", flush=True)
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, metavar="N",
                        help="benchmark the last N commits in asv's environments")
    parser.add_argument("--range", dest="span", metavar="A..B",
                        help="benchmark the commits after A up to B in asv's environments")
    parser.add_argument("--full", action="store_true",
                        help="with --commits/--range: every benchmark, not the quick subset")
    parser.add_argument("--bench", help="run only the benchmarks matching this regex")
    parser.add_argument("--quick", action="store_true", help="each benchmark once")
    parser.add_argument("--no-run", action="store_true", help="publish what is recorded")
    parser.add_argument("--no-serve", action="store_true", help="do not serve")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    if args.commits is not None and args.commits < 1:
        parser.error("--commits must be at least 1")
    if args.no_run:
        pass
    elif args.commits or args.span:
        history(args.commits, args.span, args.full, args.bench)
    else:
        run(args.bench, args.quick)
    html = publish()
    if not args.no_serve:
        serve(html, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
