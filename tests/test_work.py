"""Progress under ``verbose`` for every long public call: the estimate
printed before the work, the flops the kernels report while it runs, and the
measured total at the end."""

import inspect
import io
import re
from contextlib import redirect_stderr

import numpy as np
import pytest
import scipy.sparse as sp

import sketchla
from sketchla._kernels import work

rng = np.random.default_rng(0)
A = rng.standard_normal((60000, 30))
b = A @ rng.standard_normal(30) + rng.standard_normal(60000)
S = sp.random(60000, 30, density=0.05, random_state=0, format="csr")
U = np.linalg.qr(rng.standard_normal((3000, 8)))[0]
BASIS = sketchla.polynomial_basis("legendre", dim=2, degree=6)
T = sketchla.moment_tensor(rng.standard_normal((2000, 8)), 3)

#: every long call of the function API, with a moderate problem
CALLS = {
    "lstsq": lambda v: sketchla.lstsq(A, b, verbose=v),
    "lstsq sparse": lambda v: sketchla.lstsq(S, b, verbose=v),
    "lstsq exact": lambda v: sketchla.lstsq(A, b, method="exact", verbose=v),
    "sketch_and_solve": lambda v: sketchla.sketch_and_solve(A, b, verbose=v),
    "approx_matmul": lambda v: sketchla.approx_matmul(A, A, 300, verbose=v),
    "range_finder": lambda v: sketchla.range_finder(A, 10, verbose=v),
    "nystrom": lambda v: sketchla.nystrom(A[:2000] @ A[:2000].T, 5, verbose=v),
    "leverage_scores": lambda v: sketchla.leverage_scores(A, verbose=v),
    "leverage approx": lambda v: sketchla.leverage_scores(A, method="approx", verbose=v),
    "lewis_weights": lambda v: sketchla.lewis_weights(A, 1, verbose=v),
    "lp_sensitivities": lambda v: sketchla.lp_sensitivities(A, 1, verbose=v),
    "sample_rows": lambda v: sketchla.sample_rows(A, 300, verbose=v),
    "lp_regression": lambda v: sketchla.lp_regression(A, b, 1, verbose=v),
    "quantile_regression": lambda v: sketchla.quantile_regression(A, b, verbose=v),
    "coordinated_sketch": lambda v: sketchla.coordinated_sketch(A, 100, verbose=v),
    "sample_repeated_dpp": lambda v: sketchla.sample_repeated_dpp(U, rng=0, verbose=v),
    "sample_weighted_ls_points": lambda v: sketchla.sample_weighted_ls_points(BASIS, 40,
                                                                              verbose=v),
    "approximate": lambda v: sketchla.approximate(lambda X: np.sin(X).sum(1), BASIS, 40,
                                                  verbose=v),
    "sshopm": lambda v: sketchla.sshopm(T, rng=0, verbose=v),
}

#: the public functions that take ``verbose`` (the rest are O(input) or cheaper)
LONG = sorted({"lstsq", "sketch_and_solve", "approx_matmul", "range_finder", "nystrom",
               "randomized_svd", "leverage_scores", "lewis_weights", "lp_sensitivities",
               "sample_rows", "lp_regression", "quantile_regression", "coordinated_sketch",
               "sample_repeated_dpp", "sample_weighted_ls_points", "approximate", "sshopm",
               "spm", "altmin_complete"})


def _run(call, level):
    buf = io.StringIO()
    with redirect_stderr(buf):
        call(level)
    return buf.getvalue()


def _figures(out):
    est = re.search(r"about (\S+) flops", out)
    done = re.search(r"done, (\S+) flops in (\S+) s", out)
    assert est and done, out
    return float(est.group(1)), float(done.group(1))


@pytest.mark.parametrize("name", LONG)
def test_every_long_call_takes_a_documented_keyword_only_verbose(name):
    fn = getattr(sketchla, name)
    param = inspect.signature(fn).parameters["verbose"]
    assert param.default is False
    assert "verbose :" in fn.__doc__


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_work_reported_matches_the_estimate(name):
    """The estimate sets the scale: the kernels' own count of the work done
    lands within a factor of 10 of it, and is never zero (a call whose
    kernels stopped reporting would end at 0 flops)."""
    out = _run(CALLS[name], 2)
    est, done = _figures(out)
    assert done > 0
    assert 0.1 <= done / est <= 10, out
    lines = out.splitlines()
    assert lines[0].startswith(name.split()[0]) and lines[-1].split(": ")[1].startswith("done")


def test_verbose_false_prints_nothing(capsys):
    sketchla.lstsq(A, b)
    sketchla.lstsq(A, b, verbose=0)
    assert capsys.readouterr().err == ""


def test_a_bad_verbose_is_a_named_error_and_a_refused_call_prints_nothing(capsys):
    with pytest.raises(TypeError, match="verbose"):
        sketchla.lstsq(A, b, verbose="yes")
    with pytest.raises(ValueError):
        sketchla.lstsq(A, b[:5], verbose=1)
    assert capsys.readouterr().err == ""


def test_a_nested_public_call_reports_into_the_outer_one():
    out = _run(lambda v: sketchla.lp_regression(A, b, 1, verbose=v), 2)
    assert all(line.startswith("lp_regression:") for line in out.splitlines())


def test_helper_threads_report_into_the_callers_section():
    """The blocked products run on helper threads: the count is the same
    whatever the thread count."""
    counts = []
    for n in (1, 2):
        with sketchla.threads(n):
            counts.append(_figures(_run(lambda v: sketchla.lstsq(A, b, rng=0, verbose=v), 2))[1])
    assert counts[0] == counts[1]


def test_status_line_redraws_and_ends_with_the_measured_total():
    out = _run(lambda v: sketchla.range_finder(A, 10, verbose=v), 1)
    assert "\r" in out and out.endswith(" s\n")
    assert re.search(r"range_finder: done, \S+ flops in \d+\.\d\d s", out)


def test_the_log_writes_at_least_every_log_every_seconds(monkeypatch):
    """A huge call whose tenths are far apart still writes a line a while."""
    monkeypatch.setattr(work, "LOG_EVERY", 0.0)
    out = _run(lambda v: sketchla.lstsq(S, b, verbose=v), 2)
    assert out.count("%") >= 3


@pytest.mark.parametrize("est", ["SketchedRegression", "LpRegression", "QuantileRegression"])
def test_the_estimators_pass_verbose_on(est):
    X, y = A[:20000, :3], b[:20000]
    out = _run(lambda v: getattr(sketchla, est)(verbose=v).fit(X, y), 2)
    _figures(out)
    buf = io.StringIO()
    with redirect_stderr(buf):
        getattr(sketchla, est)().fit(X, y)
    assert buf.getvalue() == ""
