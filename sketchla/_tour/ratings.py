"""Tour section: Ratings: biased ALS-WR on power-law ratings with ids, against trivial predictors."""

from __future__ import annotations

import numpy as np

from ._common import NA, section, table, timed


@section("ratings", "Ratings: biased ALS-WR on power-law ratings with ids, against trivial predictors")
def _ratings_section(quick, verbose):
    import warnings

    from ..completion import AltMinCompletion, rating_errors, split_entries
    from ..datasets import make_ratings

    n_u, n_i, n_r = (2000, 1000, 100_000) if quick else (10_000, 5_000, 1_000_000)
    R = make_ratings(n_u, n_i, n_r, rng=0)
    train, test = split_entries(R, test_size=0.2, rng=0)
    if verbose:
        print(f"  {n_r} ratings of {n_u} users x {n_i} items (1-5 stars, power-law "
              "activity), 20 % held out", flush=True)
    X, T = train.matrix.tocoo(), test.matrix.tocoo()
    mu = X.data.mean()
    rows = [{"model": "the mean rating", "held-out RMSE":
             f"{np.sqrt(np.mean((mu - T.data) ** 2)):.3f}", "fit": NA}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a few users with 1-2 ratings
        for rank, biases in ((1, True), (10, False), (10, True)):
            est = AltMinCompletion(rank=rank, biases=biases, reg=0.05, tol=1e-4,
                                   random_state=0)
            model, t = timed(est.fit, train)
            e = rating_errors(model, test, clip=(1, 5))
            rows.append({"model": f"rank {rank}" + (", biases" if biases else ""),
                         "held-out RMSE": f"{e['rmse']:.3f}", "fit": t.seconds()})
            if verbose:
                print(f"  rank {rank}, biases={biases}: RMSE {e['rmse']:.3f}", flush=True)
    return [table(rows, model="the predictor: the training mean, or AltMinCompletion at "
                              "this rank, with or without user and item biases",
                  columns={"held-out RMSE": f"root-mean-square error on the 20 % held out "
                                            f"({n_r} ratings, {n_u} users x {n_i} items, 1-5 "
                                            "stars, predictions clipped to [1, 5])",
                           "fit": "seconds to fit, median (min–max) of 3 (scikit-surprise "
                                  "beside it: asv_bench/benchmarks/completion.py)"})]
