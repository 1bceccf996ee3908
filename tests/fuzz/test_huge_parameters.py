"""Huge valid values for every size, count and tolerance parameter
(tests/fuzz/huge_parameters.py): each call returns, or raises a
ValueError, TypeError or MemoryError naming the parameter, within its time
limit; none runs away, crashes or fails without naming the parameter."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from huge_parameters import CASES  # noqa: E402

LIMIT = 10  # seconds per case: every case answers within a second or two


def test_huge_valid_parameters_are_bounded_before_any_work():
    out = subprocess.run([sys.executable, str(HERE / "huge_parameters.py"), str(LIMIT)],
                         capture_output=True, text=True, timeout=60 * len(CASES))
    lines = [line.split(maxsplit=3) for line in out.stdout.splitlines()]
    seen = {}
    for words in lines:
        seen[words[0].replace("|", " ")] = words
    assert set(seen) == set(CASES), out.stderr[-3000:]
    bad = [" ".join(w) for w in seen.values() if w[1] not in ("ok", "refused")]
    assert not bad, "\n".join(bad)
