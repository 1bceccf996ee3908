"""The tour's real-data section: each estimator at its defaults on data that
installed packages ship (MovieLens 100k in the recbole wheel, the Engel data
in statsmodels, scikit-learn's wine), beside its peer at its defaults.
Registered by :mod:`sketchla._tour`; a missing package skips its row."""

from __future__ import annotations

import warnings

import numpy as np

from ._common import NA, compare, timed

__all__ = ["real_data_rows", "DEFS"]


def _row(data, ours, peer, metric, v_ours, v_peer, t=None, speed=None):
    return {"data": data, "ours (defaults)": ours, "peer (defaults)": peer, "metric": metric,
            "ours": v_ours, "peer": v_peer, "time": t.seconds() if t else NA,
            "speedup": speed.times() if speed else NA}


def _missing(data, ours, what):
    return _row(data, ours, f"(not installed: {what})", NA, NA, NA)


def _ratings(verbose):
    from ..completion import AltMinCompletion, load_movielens_100k, rating_errors, split_entries

    ours = "AltMinCompletion(biases=True)"
    try:
        train, test = split_entries(load_movielens_100k(), 0.2, rng=0)
    except ImportError:
        return [_missing("MovieLens 100k", ours, "pip install --no-deps recbole")]
    y, mu = test.triplets()[2], train.triplets()[2].mean()
    with warnings.catch_warnings():  # the split leaves a few items unrated in training
        warnings.filterwarnings("ignore", message=".*observed entr")
        model, t = timed(lambda: AltMinCompletion(biases=True, random_state=0).fit(train))
    rmse = rating_errors(model, test)["rmse"]
    if verbose:
        print(f"  MovieLens 100k: ridge chosen {model.reg_:.3g} on held-out entries", flush=True)
    return [_row("MovieLens 100k, 20 % held out", ours, "the training mean", "RMSE",
                 f"{rmse:.3f}", f"{np.sqrt(np.mean((y - mu) ** 2)):.3f}", t)]


def _quantile():
    from sklearn.linear_model import QuantileRegressor

    from ..linalg import QuantileRegression

    ours = "QuantileRegression(quantile=0.75)"
    try:
        from statsmodels.datasets import engel
    except ImportError:
        return [_missing("Engel", ours, "pip install statsmodels")]
    data = engel.load_pandas().data
    X, y = data[["income"]].to_numpy(), data["foodexp"].to_numpy()
    est, peer, t, _, speed = compare(lambda: QuantileRegression(quantile=0.75).fit(X, y),
                                     lambda: QuantileRegressor(quantile=0.75, alpha=0.0).fit(X, y))
    peer_name = "QuantileRegressor(quantile=0.75, alpha=0)"
    return [_row("Engel food expenditure (235 rows)", ours, peer_name,
                 "slope", f"{est.coef_[0]:.6f}", f"{peer.coef_[0]:.6f}", t, speed),
            _row("Engel food expenditure (235 rows)", ours, peer_name,
                 "duality gap", f"{est.certificate_.duality_gap:.0e}", NA)]


def _wine(verbose):
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
        ours, peer, t, _, speed = compare(
            lambda: MomentGaussianMixture(n_components=3, random_state=0).fit(X),
            lambda: GaussianMixture(3, covariance_type="spherical", random_state=0).fit(X))
    if caught and verbose:
        print(f"  MomentGaussianMixture warned: {caught[0].message}")
    rows = [_row("wine, standardized (178 rows)", "MomentGaussianMixture(n_components=3)",
                 "GaussianMixture(3, covariance_type='spherical')", "ARI",
                 f"{adjusted_rand_score(labels, ours.predict(X)):.3f}",
                 f"{adjusted_rand_score(labels, peer.predict(X)):.3f}", t, speed)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both fixed points warn on this near-Gaussian data
        S = CumulantICA(random_state=0).fit_transform(X)
        P = FastICA(random_state=0).fit_transform(X)
    off = [float(np.abs(C - np.diag(np.diag(C))).max()) for C in
           (np.corrcoef(S.T), np.corrcoef(P.T))]
    rows.append(_row("wine, standardized (178 rows)", "CumulantICA()", "FastICA()",
                     "max |corr| of sources", f"{off[0]:.0e}", f"{off[1]:.0e}"))
    return rows


#: the definitions of the section's columns
DEFS = {
    "data": "a data set shipped by an installed package",
    "ours (defaults)": "the sketchla estimator, at its defaults but for the task's one "
                       "setting",
    "peer (defaults)": "the established estimator it is held to, at its defaults but for "
                       "the same task settings (QuantileRegressor: alpha=0, the unpenalized "
                       "problem both solve)",
    "metric": "RMSE: held-out root-mean-square error; slope: the fitted coefficient; "
              "duality gap: relative, 0 = optimal; ARI: adjusted Rand index against the "
              "classes (1 = perfect); max |corr|: largest correlation between two "
              "recovered sources (0 = independent)",
    "ours": "the metric for ours",
    "peer": "the metric for the peer",
    "time": "our seconds, median (min–max) of 3, interleaved with the peer",
    "speedup": "peer time / ours per round, median (min–max)",
}


def real_data_rows(quick, verbose):
    """The section's rows: ratings, quantile regression, mixture and ICA."""
    return _ratings(verbose) + _quantile() + _wine(verbose)
