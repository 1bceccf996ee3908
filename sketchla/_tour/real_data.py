"""Tour section: Real data at the defaults: ratings, quantile regression, a mixture and ICA."""

from __future__ import annotations

from ._common import section, table


@section("real data", "Real data at the defaults: ratings, quantile regression, a mixture and ICA")
def _real_data_section(quick, verbose):
    from ._real import DEFS, real_data_rows

    return [table(real_data_rows(quick, verbose), columns=DEFS)]
