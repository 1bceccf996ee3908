"""The tour's sections run and report (quick mode)."""

import pytest

from sketchla._tour import run_tour


@pytest.mark.slow
@pytest.mark.parametrize("only,expect", [
    ("Matrix completion", ["exact", "sketched", "s/sweep"]),
    ("Symmetric tensor", ["sketchla.spm", "TensorLy"]),
    ("DPP and volume", ["christoffel", "volume_rescaled", "repeated_dpp"]),
])
def test_tour_section_quick(capsys, monkeypatch, tmp_path, only, expect):
    monkeypatch.setenv("SKETCHLA_TOUR_PLOTS", str(tmp_path))
    run_tour(quick=True, verbose=False, only=only)
    out = capsys.readouterr().out
    for word in expect:
        assert word in out
    assert "tour finished" in out
