"""The tour's real-data section: each estimator at its defaults on data that
installed packages ship (MovieLens 100k in the recbole wheel, the Engel data
in statsmodels, scikit-learn's wine), beside its peer at its defaults.
Registered by :mod:`sketchla._tour`; a missing package skips its row."""

from __future__ import annotations

import time
import warnings

import numpy as np

__all__ = ["real_data_rows"]


def _median_time(fn, repeat=3):
    """(last result, median wall time in seconds, spread) of ``fn()``."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, float(np.median(times)), float(max(times) - min(times))


def _ratings(verbose):
    from ..completion import AltMinCompletion, load_movielens_100k, rating_errors, split_entries

    try:
        train, test = split_entries(load_movielens_100k(), 0.2, rng=0)
    except ImportError:
        return [{"data": "MovieLens 100k", "estimator": "(pip install --no-deps recbole)"}]
    y, mu = test.triplets()[2], train.triplets()[2].mean()
    with warnings.catch_warnings():  # the split leaves a few items unrated in training
        warnings.filterwarnings("ignore", message=".*observed entr")
        model, t, spread = _median_time(
            lambda: AltMinCompletion(biases=True, random_state=0).fit(train))
    rmse = rating_errors(model, test)["rmse"]
    if verbose:
        print(f"  MovieLens 100k: ridge chosen {model.reg_:.3g} on held-out entries", flush=True)
    return [{"data": "MovieLens 100k, 20 % held out", "estimator": "AltMinCompletion(biases=True)",
             "ours": f"RMSE {rmse:.3f}",
             "peer (defaults)": f"the mean: RMSE {np.sqrt(np.mean((y - mu) ** 2)):.3f}",
             "time": f"{t:.3f} s ± {spread / 2:.3f}"}]


def _quantile():
    from sklearn.linear_model import QuantileRegressor

    from ..linalg import QuantileRegression

    try:
        from statsmodels.datasets import engel
    except ImportError:
        return [{"data": "Engel", "estimator": "(pip install statsmodels)"}]
    data = engel.load_pandas().data
    X, y = data[["income"]].to_numpy(), data["foodexp"].to_numpy()
    ours, t, spread = _median_time(lambda: QuantileRegression(quantile=0.75).fit(X, y))
    peer = QuantileRegressor(quantile=0.75, alpha=0.0).fit(X, y)
    diff = abs(float(ours.coef_[0] - peer.coef_[0])) / abs(float(peer.coef_[0]))
    return [{"data": "Engel food expenditure (235 rows)",
             "estimator": "QuantileRegression(quantile=0.75)",
             "ours": f"slope {ours.coef_[0]:.6f}, gap {ours.certificate_.duality_gap:.0e}",
             "peer (defaults)": f"QuantileRegressor: slope {peer.coef_[0]:.6f} "
                                f"(rel. diff {diff:.0e})",
             "time": f"{t:.3f} s ± {spread / 2:.3f}"}]


def _wine():
    from sklearn.datasets import load_wine
    from sklearn.decomposition import FastICA
    from sklearn.metrics import adjusted_rand_score
    from sklearn.mixture import GaussianMixture
    from sklearn.preprocessing import StandardScaler

    from ..tensor.gaussian_mixture import MomentGaussianMixture
    from ..tensor.ica import CumulantICA

    wine = load_wine()
    X, labels = StandardScaler().fit_transform(wine.data), wine.target
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        ours, t, spread = _median_time(
            lambda: MomentGaussianMixture(n_components=3, random_state=0).fit(X))
    if caught:
        print(f"  MomentGaussianMixture warned: {caught[0].message}")
    peer = GaussianMixture(3, covariance_type="spherical", random_state=0).fit(X)
    rows = [{"data": "wine, standardized (178 rows)",
             "estimator": "MomentGaussianMixture(n_components=3)",
             "ours": f"ARI {adjusted_rand_score(labels, ours.predict(X)):.3f}",
             "peer (defaults)": "GaussianMixture(spherical): ARI "
                                f"{adjusted_rand_score(labels, peer.predict(X)):.3f}",
             "time": f"{t:.3f} s ± {spread / 2:.3f}"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both fixed points warn on this near-Gaussian data
        S = CumulantICA(random_state=0).fit_transform(X)
        P = FastICA(random_state=0).fit_transform(X)
    off = [float(np.abs(C - np.diag(np.diag(C))).max()) for C in
           (np.corrcoef(S.T), np.corrcoef(P.T))]
    rows.append({"data": "wine, standardized", "estimator": "CumulantICA()",
                 "ours": f"max |corr| of sources {off[0]:.0e}",
                 "peer (defaults)": f"FastICA: {off[1]:.0e}", "time": "-"})
    return rows


def real_data_rows(quick, verbose):
    """The section's rows: ratings, quantile regression, mixture and ICA."""
    return _ratings(verbose) + _quantile() + _wine()
