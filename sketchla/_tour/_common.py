"""The tour's shared pieces: the section registry, timing, tables and plots.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["section", "section_titles", "timed", "compare", "table", "Timing", "REPEAT",
           "NA", "SECTIONS"]

SECTIONS = []

#: calls per timing, the same for sketchla and its baseline, interleaved
REPEAT = 3


def section(name, title):
    """Register ``fn(quick, verbose) -> list of tables`` (:func:`table`) as
    the tour section ``name`` (what ``--only`` matches, whole)."""

    def deco(fn):
        SECTIONS.append((name, title, fn))
        return fn

    return deco


def section_titles():
    """The names and titles of the registered sections, in order."""
    return [f"{name}: {title}" for name, title, _ in SECTIONS]


def _save_plot(plt, fig, name):
    """Write plot ``name`` to $SKETCHLA_TOUR_PLOTS, else the current
    directory, and say where."""
    folder = os.environ.get("SKETCHLA_TOUR_PLOTS", ".")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"  plot: {path}")


def _pyplot():
    """matplotlib.pyplot on the Agg backend, or None (the tour extra installs it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib is not installed: no plot; pip install 'sketchla[tour]')")
        return None
    return plt


class Timing:
    """Several measurements of one quantity: the median and the range."""

    def __init__(self, values):
        v = np.sort(np.asarray(values, dtype=float))
        self.values, self.median, self.lo, self.hi = v, float(np.median(v)), v[0], v[-1]

    def seconds(self):
        """``0.015 s (0.014–0.016)``: the median, then min–max."""
        digits = 3 if self.median >= 1e-3 else 5
        if len(self.values) == 1:
            return f"{self.median:.{digits}f} s (one run)"
        return f"{self.median:.{digits}f} s ({self.lo:.{digits}f}–{self.hi:.{digits}f})"

    def times(self):
        """``2.1x (1.8–2.3)``, for a ratio."""
        return f"{self.median:.1f}x ({self.lo:.1f}–{self.hi:.1f})"


def timed(fn, *args, repeat=REPEAT, **kw):
    """(result, :class:`Timing`) of ``repeat`` calls ``fn(*args, **kw)``."""
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        ts.append(time.perf_counter() - t0)
    return out, Timing(ts)


def compare(ours, anchor, repeat=REPEAT):
    """Both sides timed ``repeat`` times, alternating (ours, then the anchor,
    per round, so a load that comes and goes hits both): returns
    ``(our result, anchor's result, our Timing, anchor's Timing, speedup)``
    with the speedup the per-round anchor/ours ratios."""
    t_ours, t_anchor = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = ours()
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ref = anchor()
        t_anchor.append(time.perf_counter() - t0)
    ratio = Timing([a / o for a, o in zip(t_anchor, t_ours)])
    return out, ref, Timing(t_ours), Timing(t_anchor), ratio


#: how the tour writes a cell with nothing to report
NA = "-"


def table(rows, **defs):
    """A table of ``rows`` (dicts of the same keys) and the definition of
    every column (keyword: the column's name with spaces as ``_``, or a
    ``{name: definition}`` dict as ``columns``)."""
    columns = dict(defs.pop("columns", {}))
    columns.update({k.replace("_", " "): v for k, v in defs.items()})
    return {"rows": rows, "defs": columns}


def _table(tab):
    """The table, then one line defining each column; a column without a
    definition is an error."""
    rows = tab["rows"]
    if not rows:
        return ""
    cols = list(rows[0])
    missing = [c for c in cols if c not in tab["defs"]]
    if missing:
        raise ValueError(f"tour table columns without a definition: {missing}")
    cells = [[str(r.get(c, NA)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
    sep = "  ".join("-" * w for w in widths)
    body = "\n".join("  ".join(x[i].ljust(widths[i]) for i in range(len(cols))) for x in cells)
    groups = {}  # columns of the same definition share one line
    for c in cols:
        groups.setdefault(tab["defs"][c], []).append(c)
    defs = "\n".join(f"  {', '.join(names)}: {text}" for text, names in groups.items())
    return f"{line}\n{sep}\n{body}\n{defs}"
