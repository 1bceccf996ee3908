"""altmin_complete on the inputs real data bring: coherent rows and columns,
power-law sampling, rows with fewer observations than the rank. The default
solver is never worse than predicting zero, and every failure is warned."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sketchla import altmin_complete
from sketchla.completion._control import _DivergenceGuard
from sketchla.datasets import make_low_rank_completion


def _problem(seed, coherent=False, exponent=0.0, m=1000, n=800, k=10, frac=0.15):
    """Rank-k M = UVᵀ/√k; 5 rows and 5 columns ×100 when coherent; row i
    observed with probability ∝ (i + 1)^−exponent (mean ``frac``)."""
    g = np.random.default_rng(seed)
    U, V = g.standard_normal((m, k)), g.standard_normal((n, k))
    if coherent:
        U[:5] *= 100
        V[:5] *= 100
    M = U @ V.T / np.sqrt(k)
    p = np.arange(1, m + 1, dtype=float) ** -exponent
    p = np.minimum(p * frac * m / p.sum(), 1.0)
    mask = g.random((m, n)) < p[:, None]
    r, c = np.nonzero(mask)
    return sp.csr_matrix((M[r, c], (r, c)), shape=(m, n)), M, mask


CASES = {"coherent": (True, 0.0), "power law": (False, 1.0), "steep power law": (False, 1.5),
         "coherent + steep": (True, 1.5)}


def _run(case, seed):
    coherent, exponent = CASES[case]
    X, M, mask = _problem(seed, coherent, exponent)
    with warnings.catch_warnings(record=True) as W:
        warnings.simplefilter("always")
        res = altmin_complete(X, 10, rng=0)
    messages = [str(w.message) for w in W]
    P = res.toarray()
    un = ~mask
    err = np.linalg.norm((P - M)[un]) / np.linalg.norm(M[un])
    return res, err, messages, M, P, mask


def _check(case, seed):
    res, err, messages, M, P, mask = _run(case, seed)
    # never worse than predicting zero on the unobserved entries
    assert err < 1.0, (case, seed, err)
    if not res.converged:
        assert any("did not converge" in s for s in messages)
    under = res.underdetermined_rows
    counts = mask.sum(axis=1)
    if (counts < 20).any():
        assert under.size and any("fewer than" in s for s in messages)
        assert set(np.flatnonzero((counts > 0) & (counts < 10))) <= set(under)
    assert set(res.empty_rows) == set(np.flatnonzero(counts == 0))
    # the well-observed part is recovered to rounding
    well = np.setdiff1d(np.arange(M.shape[0]), np.r_[under, res.empty_rows])
    assert np.linalg.norm(P[well] - M[well]) <= 1e-6 * np.linalg.norm(M[well])


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_hard_inputs_two_seeds(case, seed):
    _check(case, seed)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_hard_inputs_ten_seeds(case):
    for seed in range(10):
        _check(case, seed)


def test_equilibration_is_what_fixes_coherence():
    X, M, mask = _problem(3, coherent=True)
    un = ~mask
    errs = {}
    for eq in (True, False):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            P = altmin_complete(X, 10, rng=0, equilibrate=eq, method="exact").toarray()
        errs[eq] = np.linalg.norm((P - M)[un]) / np.linalg.norm(M[un])
    assert errs[True] < 1e-8 and errs[False] > 0.1


def test_auto_solver_follows_the_measured_crossover():
    X, _, _ = make_low_rank_completion(300, 200, 3, fraction=0.3, rng=0)
    assert altmin_complete(X, 3, rng=0).method == "exact"
    X, _, _ = make_low_rank_completion(1200, 1200, 20, fraction=0.25, rng=0)
    res = altmin_complete(X, 20, rng=0, max_iter=2, tol=0)
    assert res.method == "sketched"


def test_divergence_guard():
    guard = _DivergenceGuard()
    U = V = np.ones((3, 2))
    assert guard(1.0, U, V, True) is None
    assert guard(0.5, 2 * U, V, True) is None
    assert guard(0.6, U, V, True) is None      # one rise
    assert guard(0.7, U, V, True) == "exact"   # two in a row: switch, from the best
    Ub, _ = guard.best_factors()
    np.testing.assert_array_equal(Ub, 2 * U)
    assert guard(np.nan, U, V, False) == "stop"


def test_bad_equilibrate():
    X, _, _ = make_low_rank_completion(50, 40, 2, fraction=0.5, rng=0)
    with pytest.raises(TypeError, match="equilibrate"):
        altmin_complete(X, 2, equilibrate="yes")


def test_ridge_converges_on_its_objective():
    # with reg > 0 the stopping rule follows the regularized objective, which
    # exact alternating solves (and the balancing) never increase
    X, U, V = make_low_rank_completion(1000, 800, 5, fraction=0.1, noise=0.1, rng=0)
    M = U @ V.T
    errs, norms = [], []
    for reg in (0.0, 1e-3, 0.1):  # ALS-WR: λ·n_i, rows of ~80 entries
        res = altmin_complete(X, 5, reg=reg, method="exact", rng=0)
        assert res.converged and res.n_iter > 2
        P = res.toarray()
        errs.append(np.linalg.norm(P - M) / np.linalg.norm(M))
        norms.append(np.linalg.norm(P))
    assert errs[1] < 1.05 * errs[0]          # a small ridge costs nothing here
    assert norms[2] < norms[1] < norms[0]    # a large one shrinks
    # the objective the callback sees (X at unit max, so the sweeps' units are
    # X's): the ALS-WR ridge weighs each row and column by its entry count
    Xs = X / np.abs(X.data).max()
    r, c = Xs.nonzero()
    nr, nc = np.diff(Xs.indptr), np.bincount(Xs.indices, minlength=Xs.shape[1])
    seen = []
    altmin_complete(Xs, 5, reg=1.0, method="exact", rng=0, tol=0, max_iter=15,
                    equilibrate=False,
                    callback=lambda it, Uc, Vc: seen.append(
                        np.sum((np.asarray(Xs[r, c]).ravel()
                                - np.einsum("ij,ij->i", Uc[r], Vc[c])) ** 2)
                        + 1.0 * (nr @ np.sum(Uc * Uc, axis=1) + nc @ np.sum(Vc * Vc, axis=1))))
    assert len(seen) >= 5 and np.all(np.diff(seen) <= 1e-9 * seen[0])
