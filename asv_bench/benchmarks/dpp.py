"""Projection DPP and volume sampling beside DPPy.

Targets:
- projection DPP, N = 10^5, k = 100: >= 5x faster than DPPy 0.3.3
  ``FiniteDPP('correlation', projection=True, K_eig_dec=...)
  .sample_exact(mode='GS_bis')`` (``ProjectionDPP``), and N = 10^6, k = 100
  under 5 s.
- volume sampling of k = 2d rows from 10^5 x 50 under 2 s (``Volume``).
"""

import numpy as np

from ._util import best_time, tracked


def _basis(N, k, seed=0):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((N, k)))[0]


class ProjectionDPP:
    timeout = 1200
    number = 1
    repeat = 1

    def setup_cache(self):
        from sketchla import sample_projection_dpp

        U = _basis(10**5, 100)
        out = {"ours_1e5": best_time(lambda: sample_projection_dpp(U, rng=0), repeat=5)}
        try:
            from dppy.finite_dpps import FiniteDPP
        except ImportError:
            out["dppy_1e5"] = None
        else:
            dpp = FiniteDPP("correlation", projection=True, K_eig_dec=(np.ones(100), U))
            rs = np.random.RandomState(0)
            out["dppy_1e5"] = best_time(lambda: dpp.sample_exact(mode="GS_bis",
                                                                 random_state=rs), repeat=3)
            out["speedup"] = out["dppy_1e5"] / out["ours_1e5"]
        del U
        U = _basis(10**6, 100)
        out["ours_1e6"] = best_time(lambda: sample_projection_dpp(U, rng=0), repeat=3)
        return out

    track_speedup_vs_dppy_gs_bis = tracked("speedup", unit="x", missing="dppy is not installed")
    track_time_1e5 = tracked("ours_1e5", unit="seconds")
    track_time_1e6 = tracked("ours_1e6", unit="seconds")


class Volume:
    timeout = 600
    number = 1
    repeat = 1

    def setup_cache(self):
        from sketchla import sample_volume, sample_volume_rescaled

        A = np.random.default_rng(0).standard_normal((10**5, 50))
        A[:50] *= 30
        return {"volume": best_time(lambda: sample_volume(A, 100, rng=0), repeat=3),
                "rescaled": best_time(lambda: sample_volume_rescaled(A, 100, rng=0), repeat=3)}

    track_time_volume = tracked("volume", unit="seconds")
    track_time_volume_rescaled = tracked("rescaled", unit="seconds")
