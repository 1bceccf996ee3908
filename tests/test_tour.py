"""The tour's sections run and report; its command line."""

import re
import subprocess
import sys

import pytest

from sketchla import __version__
from sketchla.__main__ import main
from sketchla._tour import run_tour, section_titles


@pytest.mark.slow
@pytest.mark.parametrize("only,expect,plot", [
    ("completion", ["exact", "sketched", "s/sweep", "sketched time / exact"],
     "sketchla_tour_completion.png"),
    ("ratings", ["rank 10, biases", "the mean rating", "held-out RMSE"], None),
    ("tensors", ["sketchla.spm", "TensorLy", "speedup"], None),
    ("dpp", ["christoffel", "volume_rescaled", "repeated_dpp", "repeated_dpp: n̄",
             "sample_k_dpp"], "sketchla_tour_weighted_ls.png"),
    ("randomized svd", ["LAPACK gesdd", "ARPACK svds", "error ratio"], None),
    ("coordinated sampling", ["bit-identical", "within ±2 std"], None),
    ("real data", ["MovieLens 100k", "0.92", "0.644014", "duality gap",
                   "GaussianMixture(3, covariance_type='spherical')", "max |corr| of sources"],
     None),
])
def test_tour_section(capsys, monkeypatch, tmp_path, only, expect, plot):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("SKETCHLA_TOUR_PLOTS", str(tmp_path))
    run_tour(verbose=True, only=only)
    out = capsys.readouterr().out
    for word in expect:
        assert word in out
    assert "tour finished" in out
    if plot:
        assert (tmp_path / plot).stat().st_size > 1000
        assert f"plot: {tmp_path / plot}" in out


def _tables(out):
    """(header, rows, definition lines) of every table printed."""
    lines, found = out.splitlines(), []
    for i, line in enumerate(lines):
        if i and set(line) <= {"-", " "} and "-" in line:
            header, starts = lines[i - 1], [0]
            starts += [j + 2 for j in range(len(line) - 1) if line[j:j + 2] == "  "
                       and line[j + 2:j + 3] == "-"]
            body, j = [], i + 1
            while j < len(lines) and lines[j] and not lines[j].startswith("  "):
                body.append(lines[j])
                j += 1
            found.append((header, starts, body))
    return found


_NUMBER = re.compile(r"^-?[0-9.]+(e[-+]?[0-9]+)?(x| s)?( \(([0-9.e+-]+–[0-9.e+-]+|one run)\))?$")


def _assert_quiet_and_typed(out, n_tables):
    """--quiet output: the section titles, the tables, their column
    definitions and the times, nothing else; in every table a column is
    either all numbers (with their units and spreads) or all words."""
    for line in out.splitlines():
        # progress lines are gone: indented lines are definitions or section times
        assert not line.startswith("  ") or ": " in line or re.match(r" +\(\d", line), line
    assert "converged=" not in out and ": done" not in out
    tables = _tables(out)
    assert len(tables) == n_tables
    for header, starts, body in tables:
        for c, lo in enumerate(starts):
            hi = starts[c + 1] if c + 1 < len(starts) else None
            cells = [row[lo:hi].strip() for row in body]
            kinds = {bool(_NUMBER.match(x)) for x in cells if x != "-"}
            assert len(kinds) <= 1, (header[lo:hi], cells)


@pytest.mark.slow
def test_quiet_prints_tables_and_definitions_only(capsys):
    main(["tour", "--quiet", "--only", "least squares,randomized svd,tensors,ratings"])
    _assert_quiet_and_typed(capsys.readouterr().out, 5)


def test_only_matches_whole_section_names(capsys):
    from sketchla._tour import _chosen

    assert [s[0] for s in _chosen("least squares")] == ["least squares"]
    assert [s[0] for s in _chosen("DPP, Ratings")] == ["dpp", "ratings"]
    for partial in ("least", "squares", "sampling", "Matrix completion"):
        with pytest.raises(ValueError, match="matches no section"):
            _chosen(partial)


@pytest.mark.slow
def test_the_recorded_duration_is_a_measurement(capsys):
    """The whole tour (the figure its header prints), quiet and typed, takes
    no more than 60 s and is within 2.5x of the recorded figure either way
    on this kind of machine; SKETCHLA_RECORD_TOUR=1 rewrites the record from
    this run."""
    import json
    import os
    import time

    from sketchla._tour import DURATIONS, expected_seconds

    t0 = time.perf_counter()
    run_tour(verbose=False)
    took = time.perf_counter() - t0
    out = capsys.readouterr().out
    assert f"{expected_seconds():.0f} s when last measured" in out
    _assert_quiet_and_typed(out, 15)  # every section's tables, the whole tour
    if os.environ.get("SKETCHLA_RECORD_TOUR"):
        with open(DURATIONS, encoding="utf-8") as f:
            record = json.load(f)
        record["default"]["seconds"] = round(took, 1)
        with open(DURATIONS, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=2)
    assert took <= 60
    assert expected_seconds() / 2.5 <= took <= 2.5 * expected_seconds(), took


def test_only_without_a_match_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["tour", "--only", "no such section"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "matches no section" in err and section_titles()[0].split(":")[0] in err
    with pytest.raises(ValueError, match="matches no section"):
        run_tour(only="no such section")


def test_version_and_help():
    out = subprocess.run([sys.executable, "-m", "sketchla", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == f"sketchla {__version__}"
    out = subprocess.run([sys.executable, "-m", "sketchla", "tour", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--full" in out and "--only" in out


def test_no_figure_that_was_not_measured():
    # the tour prints only what it measured: no other library's figures
    import pathlib

    import sketchla._tour as tour

    src = "".join(p.read_text() for p in pathlib.Path(tour.__file__).parent.glob("*.py"))
    for stale in ("machine class", "fancyimpute", "9.3 s", "1.9 s"):
        assert stale not in src
