"""Sphinx configuration of the sketchla documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (the gallery's
examples run during the build). Formulas render offline with a local
MathJax 2 (Debian's ``libjs-mathjax``), copied into the build when present.
"""

import os
import re
import shutil
import sys

import sketchla

project = "sketchla"
author = "sketchla developers"
copyright = "sketchla developers"
release = version = sketchla.__version__

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ext"))

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "executed",  # docs/_ext: every guide page's example runs at build time
]

autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build", "examples/README.txt"]
templates_path = ["_templates"]

html_theme = "pydata_sphinx_theme"
html_title = f"sketchla {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": True,
    "icon_links": [],
}
html_show_sourcelink = False

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "within_subsection_order": "FileNameSortKey",
}

# offline formulas: a local MathJax 2, copied (the parts CommonHTML needs) into
# the build; without it, formulas are left as TeX source
_MATHJAX = os.environ.get("SKETCHLA_MATHJAX", "/usr/share/javascript/mathjax")
_MATHJAX_PARTS = ("MathJax.js", "config/TeX-AMS_CHTML.js", "extensions", "jax/element",
                  "jax/input", "jax/output/CommonHTML", "fonts/HTML-CSS/TeX/woff")
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_CHTML"  # never a CDN
if not os.path.isfile(os.path.join(_MATHJAX, "MathJax.js")):
    print("docs: no local MathJax (apt-get install libjs-mathjax); formulas stay TeX",
          file=sys.stderr)


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dest = os.path.join(app.outdir, "_static", "mathjax")  # mathjax_path is under _static
    for part in _MATHJAX_PARTS:
        src, dst = os.path.join(_MATHJAX, part), os.path.join(dest, part)
        if os.path.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif os.path.isfile(src):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)


_TRAILING_UNDERSCORE = re.compile(r"(?<![\w`])([A-Za-z]\w*?)_(?=[\s,.;:)\]]|$)")


def _plain_text(app, what, name, obj, options, lines):
    """Docstrings are written as plain text with the notation of the papers:
    ``|Ω|`` is a cardinality and ``mean_`` an attribute, not reStructuredText
    substitutions and link targets. Escape both outside literals."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith(".. "):
            continue
        parts = line.split("``")
        for j in range(0, len(parts), 2):  # outside ``literals``
            parts[j] = _TRAILING_UNDERSCORE.sub(r"\1\\_", parts[j].replace("|", "\\|"))
        lines[i] = "``".join(parts)


def setup(app):
    app.connect("build-finished", _copy_mathjax)
    app.connect("autodoc-process-docstring", _plain_text, priority=100)
