"""The tour's shared pieces: the section registry, timing, tables and plots.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["section", "section_titles", "timed", "REPEAT", "EXPECTED", "SECTIONS"]

SECTIONS = []

#: calls per timing, the same for sketchla and its baseline
REPEAT = 2

#: the measured wall time of the whole tour on a 2-core machine
EXPECTED = {False: "under a minute", True: "several minutes"}


def section(title):
    """Register ``fn(quick, verbose) -> list of rows`` as a tour section."""

    def deco(fn):
        SECTIONS.append((title, fn))
        return fn

    return deco


def section_titles():
    """The titles of the registered sections, in order."""
    return [title for title, _ in SECTIONS]


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


def timed(fn, *args, repeat=REPEAT, **kw):
    """(result, best wall time in seconds) of ``fn(*args, **kw)``."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    return out, best


def _table(rows):
    if not rows:
        return ""
    cols = list(rows[0])
    cells = [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
    sep = "  ".join("-" * w for w in widths)
    body = "\n".join("  ".join(x[i].ljust(widths[i]) for i in range(len(cols))) for x in cells)
    return f"{line}\n{sep}\n{body}"
