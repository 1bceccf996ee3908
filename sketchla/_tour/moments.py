"""Tour section: Tensors from data: the rank of a noisy tensor; a Gaussian mixture by moments."""

from __future__ import annotations

import numpy as np

from ._common import NA, compare, section, table


@section("moments", "Tensors from data: the rank of a noisy tensor; a Gaussian mixture by moments")
def _moments_section(quick, verbose):
    import warnings

    from sklearn.mixture import GaussianMixture

    from ..datasets import make_gaussian_mixture, make_symmetric_tensor
    from ..tensor import spm
    from ..tensor.gaussian_mixture import MomentGaussianMixture

    rows = []
    d, R = (20, 40) if quick else (30, 60)
    for noise in (1e-3, 1e-2):
        T, w, A = make_symmetric_tensor(d, 4, R, noise=noise, rng=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            spm(T, rank=R, rng=0)
            est, giv, t_est, t_giv, _ = compare(lambda: spm(T, rng=0),
                                                lambda: spm(T, rank=R, rng=0))
        for label, res, t in (("rank estimated", est, t_est), ("rank given", giv, t_giv)):
            C = np.abs(A.T @ res.factors)
            ang = np.degrees(np.arccos(np.clip(C.max(axis=0), 0, 1))).max()
            rows.append({"task": f"spm, order 4, d={d}, R={R}, noise {noise:g}",
                         "method": label, "K or R found": res.rank,
                         "max angle (deg)": f"{ang:.3f}", "max mean error": NA,
                         "time": t.seconds()})
        if verbose:
            print(f"  noisy tensor at {noise:g}: done (spectral gap x{est.gap:.0f})",
                  flush=True)
    n = 30_000 if quick else 100_000
    X, labels, means, weights = make_gaussian_mixture(n, 20, 10, rng=0)

    def mean_error(M):
        if M.shape[0] != means.shape[0]:
            return NA
        dist = np.linalg.norm(M[:, None, :] - means[None], axis=2)
        return f"{dist.min(axis=0).max():.3f}"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        ours, full, t_ours, t_full, _ = compare(
            lambda: MomentGaussianMixture(random_state=0).fit(X),
            lambda: GaussianMixture(10, random_state=0).fit(X))
    if caught and verbose:
        print(f"  MomentGaussianMixture warned: {caught[0].message}")
    for label, est, t in (("sketchla MomentGaussianMixture", ours, t_ours),
                          ("sklearn GaussianMixture(10)", full, t_full)):
        rows.append({"task": f"mixture, n={n}, d=20, K=10", "method": label,
                     "K or R found": est.means_.shape[0], "max angle (deg)": NA,
                     "max mean error": mean_error(est.means_), "time": t.seconds()})
    if verbose:
        print("  Gaussian mixture: done")
    return [table(rows, task="the data: a noisy planted tensor, or samples of a planted "
                             "mixture", method="how the rank or the number of components is "
                                               "set",
                  columns={"K or R found": "components (mixture) or rank (tensor) returned",
                           "max angle (deg)": "tensor: the largest angle, in degrees, "
                                              "between a planted factor and the nearest "
                                              "one found",
                           "max mean error": "mixture: the largest distance from a planted "
                                             "mean to the nearest fitted mean (unitless, "
                                             "the data's scale)",
                           "time": "seconds, median (min–max) of 3, the two methods of a "
                                   "task interleaved"})]
