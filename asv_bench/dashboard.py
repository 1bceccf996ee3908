"""Run the benchmarks for the current commit, publish them, serve the dashboard offline.

    python asv_bench/dashboard.py                 # every benchmark (about an hour)
    python asv_bench/dashboard.py --bench sketch  # a subset (asv's regex)
    python asv_bench/dashboard.py --no-run        # publish and serve what is recorded
    python asv_bench/dashboard.py --no-serve      # run and publish only

The run is ``asv run --python=same --set-commit-hash $(git rev-parse HEAD)``
in this environment, so install the benchmark extra first
(``pip install -e ".[bench]"``). asv's page loads jQuery, flot, Bootstrap,
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


def run(bench=None, quick=False, config=None):
    """``asv run --python=same --set-commit-hash $(git rev-parse HEAD)`` (a
    subset with ``bench``; each benchmark once with ``quick``)."""
    conf = ["--config", config] if config else []
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, check=True,
                         capture_output=True, text=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "asv", "machine", "--yes", *conf], cwd=HERE, check=True)
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
    parser.add_argument("--bench", help="run only the benchmarks matching this regex")
    parser.add_argument("--quick", action="store_true", help="each benchmark once")
    parser.add_argument("--no-run", action="store_true", help="publish what is recorded")
    parser.add_argument("--no-serve", action="store_true", help="do not serve")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    if not args.no_run:
        run(args.bench, args.quick)
    html = publish()
    if not args.no_serve:
        serve(html, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
