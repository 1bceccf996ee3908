"""Tour section: Real data at the defaults: ratings, quantile regression, a mixture and ICA."""

from __future__ import annotations

from ._common import section


@section("Real data at the defaults: ratings, quantile regression, a mixture and ICA")
def _real_data_section(quick, verbose):
    from ._real import real_data_rows

    rows = real_data_rows(quick, verbose)
    print("  ours/peer: each at its defaults on the same data; time: median of 3 ± half "
          "the spread;\n  ARI: adjusted Rand index against the classes; gap: the relative "
          "duality gap (0: optimal)")
    return rows
