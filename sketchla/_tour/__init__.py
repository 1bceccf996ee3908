"""``python -m sketchla tour``: each capability run once, checked and timed.

Every section does something real on a synthetic problem, reports its
accuracy, and times it beside the exact baseline it replaces, both sides
measured in this run, at this size, interleaved, as the median and the
range of the same number of calls. Slow anchors at large sizes live in the asv benchmarks
(``asv_bench/``); ``--full`` runs the larger problems here. One module per
section; each registers itself with :func:`section` when imported, in the
order below. The library never imports this package (only ``python -m
sketchla tour`` does).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
import warnings

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
from ._common import SECTIONS, _table, section, section_titles

__all__ = ["section", "run_tour", "section_titles", "expected_seconds", "DURATIONS"]

#: the tour's wall time as last measured by ``tests/test_tour.py`` on a
#: 2-core machine (it rewrites the file when SKETCHLA_RECORD_TOUR is set, and
#: fails when a run differs from the record by more than its tolerance)
DURATIONS = os.path.join(os.path.dirname(__file__), "durations.json")


def expected_seconds(full=False):
    """The recorded wall time of the whole tour (``full``: of ``--full``)."""
    with open(DURATIONS, encoding="utf-8") as f:
        return float(json.load(f)["full" if full else "default"]["seconds"])


def _chosen(only):
    """The sections whose name is one of the comma-separated names in
    ``only`` (whole names, any case)."""
    if not only:
        return list(SECTIONS)
    wanted = {w.strip().lower() for w in only.split(",") if w.strip()}
    chosen = [s for s in SECTIONS if s[0].lower() in wanted]
    unknown = wanted - {s[0].lower() for s in SECTIONS}
    if unknown or not chosen:
        raise ValueError(f"--only {only!r} matches no section"
                         + (f" ({', '.join(sorted(unknown))})" if unknown else "")
                         + "; the sections are:\n  " + "\n  ".join(section_titles()))
    return chosen


def run_tour(full=False, verbose=True, only=None):
    """Run every registered section (or those named in ``only``).

    ``full``: the larger problems; by default, sizes that finish in the
    recorded time (:func:`expected_seconds`) on two cores. ``only``: section
    names, comma-separated, matched whole; one that matches nothing raises
    ``ValueError``. ``verbose=False`` prints the tables and their
    definitions only: no progress, no notes, no warnings.
    """
    from .. import __version__

    chosen = _chosen(only)
    whole = len(chosen) == len(SECTIONS)
    print(f"sketchla {__version__} tour{' (--full)' if full else ''}: {len(chosen)} "
          f"section(s)" + (f", {expected_seconds(full):.0f} s when last measured on a 2-core "
                           "machine" if whole else ""), flush=True)
    t_all = time.perf_counter()
    for name, title, fn in chosen:
        print(f"\n== {name}: {title}", flush=True)
        t0 = time.perf_counter()
        if verbose:
            tables = fn(not full, True)
        else:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tables = fn(not full, False)
        for tab in tables:
            print(_table(tab))
        print(f"   ({time.perf_counter() - t0:.1f} s)")
    print(f"\ntour finished in {time.perf_counter() - t_all:.1f} s")
