"""``python -m sketchla tour``: each capability run once, checked and timed.

Every section does something real on a synthetic problem, reports its
accuracy, and times it beside the exact baseline it replaces, both sides
measured in this run, at this size, as the best of the same number of
calls. Slow anchors at large sizes live in the asv benchmarks
(``asv_bench/``); ``--full`` runs the larger problems here. One module per
section; each registers itself with :func:`section` when imported, in the
order below. The library never imports this package (only ``python -m
sketchla tour`` does).
"""

from __future__ import annotations

import time

from . import (  # noqa: F401 -- registration, in the tour's order
    sketching,
    least_squares,
    low_rank,
    coordinated,
    lp_sampling,
    dpp,
    completion,
    ratings,
    tensors,
    moments,
    real_data,
)
from ._common import EXPECTED, SECTIONS, _table, section, section_titles

__all__ = ["section", "run_tour", "section_titles"]


def run_tour(full=False, verbose=True, only=None):
    """Run every registered section (or those whose title contains ``only``).

    ``full``: the larger problems (minutes); by default, sizes that finish
    in about a minute on two cores. ``only`` matching no title raises
    ``ValueError``.
    """
    from .. import __version__

    chosen = [(t, fn) for t, fn in SECTIONS if not only or only.lower() in t.lower()]
    if not chosen:
        raise ValueError(f"--only {only!r} matches no section; the sections are:\n  "
                         + "\n  ".join(section_titles()))
    whole = len(chosen) == len(SECTIONS)
    print(f"sketchla {__version__} tour{' (--full)' if full else ''}: {len(chosen)} "
          f"section(s)" + (f", {EXPECTED[full]} on a 2-core machine" if whole else ""),
          flush=True)
    t_all = time.perf_counter()
    for title, fn in chosen:
        print(f"\n== {title}", flush=True)
        t0 = time.perf_counter()
        rows = fn(not full, verbose)
        print(_table(rows))
        print(f"   ({time.perf_counter() - t0:.1f} s)")
    print(f"\ntour finished in {time.perf_counter() - t_all:.1f} s")
