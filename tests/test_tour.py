"""The tour's sections run and report; its command line."""

import subprocess
import sys

import pytest

from sketchla import __version__
from sketchla.__main__ import main
from sketchla._tour import run_tour, section_titles


@pytest.mark.slow
@pytest.mark.parametrize("only,expect,plot", [
    ("Matrix completion", ["exact", "sketched", "s/sweep"], "sketchla_tour_completion.png"),
    ("Ratings", ["rank 10, biases", "the mean rating", "held-out RMSE"], None),
    ("Symmetric tensor", ["sketchla.spm", "TensorLy"], None),
    ("DPP and volume", ["christoffel", "volume_rescaled", "repeated_dpp",
                        "k = 199: 199 distinct items"], "sketchla_tour_weighted_ls.png"),
    ("Randomized SVD", ["LAPACK gesdd", "(svds)", "exact for a projection"], None),
    ("coordinated sampling", ["bit-identical to one pass: True", "entries within ±2 std"], None),
    ("Real data", ["MovieLens 100k", "RMSE 0.92", "slope 0.644014", "rel. diff",
                   "GaussianMixture(spherical): ARI", "max |corr| of sources"], None),
])
def test_tour_section(capsys, monkeypatch, tmp_path, only, expect, plot):
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("SKETCHLA_TOUR_PLOTS", str(tmp_path))
    run_tour(verbose=False, only=only)
    out = capsys.readouterr().out
    for word in expect:
        assert word in out
    assert "tour finished" in out
    if plot:
        assert (tmp_path / plot).stat().st_size > 1000
        assert f"plot: {tmp_path / plot}" in out


def test_only_without_a_match_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["tour", "--only", "no such section"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "matches no section" in err and section_titles()[0] in err
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
