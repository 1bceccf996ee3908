"""``python -m sketchla tour``: each capability run once, checked and timed.

Every section does something real on a synthetic problem, reports its
accuracy, and times it beside the exact baseline it replaces, both sides
measured in this run, at this size, as the best of the same number of
calls. Slow anchors at large sizes live in the asv benchmarks
(``asv_bench/``); ``--full`` runs the larger problems here. Sections
register with :func:`section`.
"""

from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["section", "run_tour", "section_titles"]

_SECTIONS = []

#: calls per timing, the same for sketchla and its baseline
REPEAT = 2

#: the measured wall time of the whole tour on a 2-core machine
EXPECTED = {False: "under a minute", True: "several minutes"}


def section(title):
    """Register ``fn(quick, verbose) -> list of rows`` as a tour section."""

    def deco(fn):
        _SECTIONS.append((title, fn))
        return fn

    return deco


def section_titles():
    """The titles of the registered sections, in order."""
    return [title for title, _ in _SECTIONS]


def _save_plot(plt, fig, name):
    """Write plot ``name`` to $SKETCHLA_TOUR_PLOTS, else the current
    directory, and say where."""
    folder = os.environ.get("SKETCHLA_TOUR_PLOTS", ".")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"  plot: {path}")


def _pyplot():
    """matplotlib.pyplot on the Agg backend, or None (the tour extra installs it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (matplotlib is not installed: no plot; pip install 'sketchla[tour]')")
        return None
    return plt


def timed(fn, *args, repeat=REPEAT, **kw):
    """(result, best wall time in seconds) of ``fn(*args, **kw)``."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - t0)
    return out, best


def _table(rows):
    if not rows:
        return ""
    cols = list(rows[0])
    cells = [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(x[i]) for x in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
    sep = "  ".join("-" * w for w in widths)
    body = "\n".join("  ".join(x[i].ljust(widths[i]) for i in range(len(cols))) for x in cells)
    return f"{line}\n{sep}\n{body}"


@section("Sketching operators: S @ A and subspace embedding (foundation)")
def _sketch_section(quick, verbose):
    from . import sketch
    from .datasets import make_sparse

    n, d = (2**15, 32) if quick else (2**18, 64)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, d))
    A[: d // 2] *= 1e3  # a few heavy rows: a coherent subspace
    if verbose:
        print(f"  dense A: {n} x {d}; exact baseline: QR of A")
    (Q, _), t_qr = timed(np.linalg.qr, A)
    if verbose:
        print(f"  exact QR: {t_qr * 1e3:.0f} ms; now each sketch kind", flush=True)
    rows = []
    for kind in sketch.SKETCH_KINDS:
        m = 4 * d if kind != "countsketch" else 2 * d * d
        m = min(m, n)
        S = sketch.make_sketch(kind, m, n, rng=1)
        SA, t = timed(S.__matmul__, A)
        sv = np.linalg.svd(S @ Q, compute_uv=False)
        rows.append(
            {
                "kind": kind,
                "input": "dense",
                "m": m,
                "time S@A": f"{t * 1e3:.1f} ms",
                "exact (QR)": f"{t_qr * 1e3:.1f} ms",
                "speedup": f"{t_qr / t:.1f}x",
                "distortion": f"{max(sv.max() - 1, 1 - sv.min()):.3f}",
            }
        )
        if verbose:
            print(f"  {kind:12s} done in {t * 1e3:.1f} ms")
    Asp = make_sparse(n * 4, 500, density=0.01, rng=2)
    _, t_gram = timed(lambda: Asp.T @ Asp)  # exact baseline: the Gram matrix
    for kind in ("countsketch", "sparse_sign"):
        m = 2000
        S = sketch.make_sketch(kind, m, Asp.shape[0], rng=1)
        _, t = timed(S.__matmul__, Asp)
        rows.append(
            {
                "kind": kind,
                "input": f"CSR nnz={Asp.nnz}",
                "m": m,
                "time S@A": f"{t * 1e3:.1f} ms",
                "exact (QR)": f"{t_gram * 1e3:.1f} ms (AᵀA)",
                "speedup": f"{t_gram / t:.1f}x",
                "distortion": "-",
            }
        )
    return rows


@section("Least squares: sketch-and-precondition vs LAPACK; ℓ∞ error of sketch-and-solve")
def _lstsq_section(quick, verbose):
    import warnings

    from .datasets import make_ill_conditioned
    from .linalg import RankDeficiencyWarning, lstsq, sketch_and_solve

    rows = []
    n, d = (2**14, 32) if quick else (2**18, 128)
    g = np.random.default_rng(0)
    for label, A in (
        ("gaussian", g.standard_normal((n, d))),
        ("cond 1e10", make_ill_conditioned(n, d, cond=1e10, rng=1)),
    ):
        b = A @ g.standard_normal(d) + 1e-3 * g.standard_normal(n)
        x_np, t_np = timed(lambda: np.linalg.lstsq(A, b, rcond=None)[0])
        res, t = timed(lstsq, A, b, rng=0)
        r_np, r_us = np.linalg.norm(A @ x_np - b), res.residual_norm
        rows.append({
            "problem": f"{label} {n}x{d}",
            "method": f"lstsq precondition ({res.n_iter} it)",
            "time": f"{t:.3f} s",
            "numpy.linalg.lstsq": f"{t_np:.3f} s",
            "speedup": f"{t_np / t:.1f}x",
            "accuracy": f"‖x−x_LAPACK‖/‖x_LAPACK‖ = "
                        f"{np.linalg.norm(res.x - x_np) / np.linalg.norm(x_np):.1e}, "
                        f"resid/LAPACK−1 = {r_us / r_np - 1:.1e}",
        })
        if verbose:
            print(f"  {label}: converged={res.converged} in {t:.3f} s")
    # ℓ∞: A = [I; 0], residual on a few spikes (Price–Song–Woodruff hard case)
    n2, d2, m = (4096, 32, 512) if quick else (8192, 64, 1024)
    trials = 10 if quick else 30
    for sketch in ("srht", "gaussian", "sparse_sign", "countsketch"):
        errs = []
        for t_ in range(trials):
            A = np.zeros((n2, d2))
            A[:d2] = np.eye(d2)
            gg = np.random.default_rng(t_)
            x_star = gg.standard_normal(d2)
            r = np.zeros(n2)
            r[gg.choice(np.arange(d2, n2), 4, replace=False)] = 0.5
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RankDeficiencyWarning)
                x = sketch_and_solve(A, A @ x_star + r, sketch=sketch, sketch_size=m, rng=t_)
            errs.append(np.abs(x - x_star).max())
        rows.append({
            "problem": f"ℓ∞ hard case {n2}x{d2}",
            "method": f"sketch_and_solve {sketch}, m={m}",
            "time": "-",
            "numpy.linalg.lstsq": "-",
            "speedup": "-",
            "accuracy": f"‖x'−x*‖∞ = {np.quantile(errs, 0.9):.3f}, 90th percentile of "
                        f"{trials} trials (‖r*‖‖A†‖ = 1)",
        })
    return rows


@section("Randomized SVD: block Krylov vs LAPACK's SVD (dense) and ARPACK's svds (sparse)")
def _lowrank_section(quick, verbose):
    import scipy.linalg as sla
    from scipy.sparse.linalg import svds

    from .datasets import make_term_document
    from .linalg.lowrank import randomized_svd

    rows = []
    g = np.random.default_rng(0)
    n, d, k = (8000, 800, 20) if quick else (40000, 2000, 50)
    for label, s in (("σ_i = 1/i", 1.0 / np.arange(1, d + 1)),
                     ("σ_i = 0.97^i", 0.97 ** np.arange(1, d + 1))):
        A = g.standard_normal((n, d)) * (s / np.sqrt(n))
        sig, t_lapack = timed(lambda: sla.svd(A, full_matrices=False, compute_uv=False,
                                              check_finite=False))
        (U, sv, Vt), t = timed(randomized_svd, A, k, rng=0)
        best = np.sqrt(np.sum(sig[k:] ** 2))
        err = np.linalg.norm(A - (U * sv) @ Vt) / best
        rows.append({"problem": f"dense {n}x{d}, {label}, rank {k}",
                     "randomized_svd": f"{t:.3f} s", "exact": f"{t_lapack:.3f} s (LAPACK gesdd)",
                     "speedup": f"{t_lapack / t:.1f}x",
                     "‖A−Â‖_F / ‖A−A_k‖_F": f"{err:.6f}",
                     "σ_k rel. error": f"{abs(sv[-1] - sig[k - 1]) / sig[k - 1]:.1e}"})
        if verbose:
            print(f"  dense, {label}: done", flush=True)
    n, d, k = (200_000, 20_000, 10) if quick else (10**6, 10**5, 20)
    A = make_term_document(n, d, density=1e-4, rng=1)
    fro2 = float(np.sum(A.data ** 2))
    (U, sv, Vt), t = timed(randomized_svd, A, k, rng=0)
    (_, s_ref, _), t_svds = timed(svds, A, k, random_state=0)
    s_ref = np.sort(s_ref)[::-1]
    err = np.sqrt(max(fro2 - np.sum(sv ** 2), 0.0) / max(fro2 - np.sum(s_ref ** 2), 1e-300))
    rows.append({"problem": f"CSR {n}x{d}, density 1e-4 (Zipf terms), rank {k}",
                 "randomized_svd": f"{t:.3f} s", "exact": f"{t_svds:.3f} s (svds)",
                 "speedup": f"{t_svds / t:.1f}x",
                 "‖A−Â‖_F / ‖A−A_k‖_F": f"{err:.6f} (against svds)",
                 "σ_k rel. error": f"{np.max(np.abs(sv - s_ref) / s_ref):.1e} (max over k)"})
    print("  ‖A−Â‖_F from ‖A‖_F² − Σ σ̂_i², exact for a projection; 1 is optimal", flush=True)
    return rows


@section("Matrix products by coordinated sampling: error at equal storage vs JL / CountSketch")
def _coordinated_section(quick, verbose):
    from .datasets import make_attention, make_keyed_tables, make_sparse_pair
    from .linalg.matmul import compare_equal_storage
    from .sampling.coordinated import coordinated_sketch, \
        estimate_product

    rows = []
    n, d = (5000, 500) if quick else (20000, 1000)
    g = np.random.default_rng(0)
    for frac in (0.001, 0.01, 0.1, 1.0):
        s = max(1, int(round(frac * d)))
        A, B = make_sparse_pair(n if s < d else n // 5, d, s, rng=g)
        e = compare_equal_storage(A, B, 500 if quick else 1000, seeds=2 if quick else 3)
        ratio = e["gaussian"] / e["priority"]
        rows.append({
            "data": f"{s} of {d} columns nonzero per row ({A.shape[0]} rows)",
            "coordinated err": f"{e['priority']:.3g}",
            "JL err": f"{e['gaussian']:.3g}",
            "CountSketch err": f"{e['countsketch']:.3g}",
            "JL/coordinated": f"{ratio:5.1f}x " + "#" * int(round(4 * ratio)),
        })
        if verbose:
            print(f"  {s} of {d} nonzero per row: coordinated {ratio:.1f}x smaller error "
                  "than JL", flush=True)
    Q, K = make_attention(128 if quick else 256, 2048, rng=1)
    for storage in (4000, 16000, 64000):
        e = compare_equal_storage(Q.T, K.T, storage // (2 + Q.shape[0]), linear=("gaussian",))
        ratio = e["gaussian"] / e["priority"]
        rows.append({
            "data": f"attention QKᵀ, storage {storage}",
            "coordinated err": f"{e['priority']:.3g}",
            "JL err": f"{e['gaussian']:.3g}",
            "CountSketch err": "-",
            "JL/coordinated": f"{ratio:5.1f}x " + "#" * int(round(4 * ratio)),
        })
    # a join: two parties, sketched separately, one shared seed
    A, ka, B, kb = make_keyed_tables(40000, 30000, 15000, rng=2)
    sa = coordinated_sketch(A, 2000, keys=ka, seed=42)
    sb = coordinated_sketch(B, 2000, keys=kb, seed=42)
    est = estimate_product(sa, sb)
    pos = {k_: i for i, k_ in enumerate(ka.tolist())}
    pairs = np.array([(pos[k_], j) for j, k_ in enumerate(kb.tolist()) if k_ in pos])
    exact = A[pairs[:, 0]].T @ B[pairs[:, 1]]
    rel = np.linalg.norm(est - exact) / (np.linalg.norm(A) * np.linalg.norm(B))
    rows.append({
        "data": "join of two keyed tables (string keys)",
        "coordinated err": f"{rel:.3g} (rel. to ‖A‖‖B‖)",
        "JL err": "- (needs the join)",
        "CountSketch err": "-",
        "JL/coordinated": f"storage {sa.storage_size} + {sb.storage_size} numbers",
    })
    # the same table streamed in 8 batches (update merges each batch's sketch)
    parts = np.array_split(np.arange(len(ka)), 8)
    st = coordinated_sketch(A[parts[0]], 2000, keys=ka[parts[0]], seed=42)
    for idx in parts[1:]:
        st.update(A[idx], ka[idx])
    same = all(np.array_equal(getattr(st, f), getattr(sa, f))
               for f in ("key_id", "indptr", "indices", "data", "prob"))
    est, std = estimate_product(st, sb, return_std=True)
    inside = int(np.sum(np.abs(est - exact) <= 2 * std))
    rows.append({
        "data": "the same table streamed in 8 batches (update)",
        "coordinated err": f"bit-identical to one pass: {same}",
        "JL err": f"{inside} of {est.size} entries within ±2 std",
        "CountSketch err": "-",
        "JL/coordinated": f"memory bounded by the sketch ({st.storage_size} numbers)",
    })
    return rows


@section("ℓp row sampling: embedding distortion vs samples, by score (p = 1 and p = 3)")
def _lp_sampling_section(quick, verbose):
    from .datasets import make_coherent
    from .sampling.rows import SCORES, sample_rows

    n, d = (5000, 6) if quick else (20000, 10)
    A = make_coherent(n, d, n_heavy=d, weight=300.0, rng=0)
    X = np.random.default_rng(1).standard_normal((d, 200))
    rows = []
    sizes = (250, 1000) if quick else (500, 2000, 8000)
    for p in (1.0, 3.0):
        full = np.sum(np.abs(A @ X) ** p, axis=0)
        for scores in ("sensitivity",) + tuple(s for s in SCORES if s != "sensitivity"):
            row = {"p": p, "scores": scores}
            for m in sizes:
                dist = []
                for seed in range(3):
                    rs = sample_rows(A, m, p, scores, rng=seed)
                    est = np.sum(rs.weights[:, None] * np.abs(A[rs.indices] @ X) ** p, axis=0)
                    dist.append(np.max(np.abs(est / full - 1)))
                row[f"{m} samples"] = f"{np.median(dist):.3f}"
            rows.append(row)
            if verbose:
                print(f"  p={p:g} {scores}: done", flush=True)
    print("  median over 3 draws of max_x |‖SAx‖_p^p / ‖Ax‖_p^p − 1| over 200 directions x. "
          "'sensitivity' is the certified bound d^max(0, p/2−1)·(Lewis weight), a constant "
          "times 'lewis': the same sampling distribution, hence the same row")
    return rows


@section("DPP and volume sampling; optimal weighted least squares on a domain")
def _dpp_section(quick, verbose):
    from .linalg.weighted_ls import METHODS, approximate, polynomial_basis
    from .sampling.dpp import sample_projection_dpp, sample_volume
    from .sampling.lensemble import sample_k_dpp

    g = np.random.default_rng(0)
    N, k = (10**4, 50) if quick else (10**5, 100)
    U = np.linalg.qr(g.standard_normal((N, k)))[0]
    sample_projection_dpp(U, rng=0)
    _, t_dpp = timed(sample_projection_dpp, U, rng=1)
    A = g.standard_normal((N, 50))
    _, t_vol = timed(sample_volume, A, 100, rng=1)
    print(f"  projection DPP, N = {N}, k = {k}: {t_dpp * 1e3:.1f} ms; volume sampling of "
          f"100 rows of {N} x 50: {t_vol * 1e3:.0f} ms (the DPPy comparison: "
          "asv_bench/benchmarks/dpp.py)", flush=True)
    gk = np.random.default_rng(1)
    V = np.linalg.qr(gk.standard_normal((10**4, 500)))[0]
    lam = 2.0 * gk.exponential(1.0, 500)
    sample_k_dpp((lam, V), 50, rng=0)
    _, t_k = timed(sample_k_dpp, (lam, V), 50, rng=1)
    Nw = 2 * 10**4 if quick else 10**5
    V = np.linalg.qr(gk.standard_normal((Nw, 200)))[0]
    S = sample_k_dpp((np.logspace(-12, 3, 200), V), 199, rng=0)
    print(f"  k-DPP, N = 10000, 500 eigenpairs given, k = 50: {t_k * 1e3:.1f} ms; eigenvalues "
          f"from 1e-12 to 1e3, N = {Nw}, k = 199: {len(set(S.tolist()))} distinct items "
          "(the DPPy comparison: asv_bench/benchmarks/dpp.py, KDPP)", flush=True)

    dim, degree = (2, 4) if quick else (2, 6)
    basis = polynomial_basis("legendre", dim, degree)
    m = basis.size

    def f(X):  # a kink and a smooth part
        return np.abs(X[:, 0] + 0.3 * X[:, 1] - 0.2) + np.exp(X[:, 1]) / 2

    Xt = basis.sample_reference(20000 if quick else 50000, g)
    yt, Ft = f(Xt), basis(Xt)
    e_best = np.sqrt(np.mean((Ft @ np.linalg.lstsq(Ft, yt, rcond=None)[0] - yt) ** 2))
    mults = (1, 2, 4) if quick else (1, 2, 4, 8)
    reps = 3 if quick else 8
    rows, curves = [], {}
    for method in METHODS:
        row = {"method": method}
        curve, used = [], []
        for c in mults:
            n = c * m
            ratios, sizes = [], []
            for _ in range(reps):
                est = approximate(f, basis, n, method=method, rng=g)
                ratios.append(np.sqrt(np.mean((Ft @ est.coef_ - yt) ** 2)) / e_best)
                sizes.append(est.n_samples_)
            curve.append(np.median(ratios))
            used.append(np.mean(sizes))
            row[f"n = {c}m"] = f"{np.median(ratios):.2f}" + (
                f" (n̄ = {np.mean(sizes):.0f})" if np.mean(sizes) != n else "")
        curves[method] = (used, curve)
        rows.append(row)
        if verbose:
            print(f"  {method}: done", flush=True)
    print(f"  Legendre, dim {dim}, total degree {degree} (m = {m}); median over {reps} draws "
          "of error / best-approximation error in V_m (L²(ρ)); n̄: mean number of points "
          "used ('repeated_dpp' adds DPP draws until ||G - I|| <= 1/2)")
    plt = _pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for method, (used, curve) in curves.items():
            ax.loglog(used, curve, "o-", label=method)
        ax.axhline(1.0, color="k", lw=0.5)
        ax.set_xlabel("number of samples n")
        ax.set_ylabel("error / best approximation error")
        ax.set_title(f"weighted least squares, m = {m}")
        ax.legend()
        _save_plot(plt, fig, "sketchla_tour_weighted_ls.png")
    return rows


@section("Matrix completion: alternating minimization, exact vs sketched row solves")
def _completion_section(quick, verbose):
    from .completion import altmin_complete
    from .datasets import make_low_rank_completion

    n, k, frac = (1000, 5, 0.1) if quick else (2000, 10, 0.1)
    X, U, V = make_low_rank_completion(n, n, k, fraction=frac, rng=0)
    M = U @ V.T
    miss = np.ones(M.shape, bool)
    r, c = X.nonzero()
    miss[r, c] = False
    Mm = np.linalg.norm(M[miss])
    if verbose:
        print(f"  {n} x {n}, rank {k}, {frac:.0%} observed; error on the unobserved entries")
    marks = (1, 2, 4, 8, 12, 16, 20)
    rows, curves = [], {}
    for solver in ("exact", "sketched"):
        altmin_complete(X, k, solver=solver, max_iter=1, tol=0, rng=0)  # first-call imports
        errs = {}

        def record(it, Uc, Vc):
            errs[it] = np.linalg.norm((Uc @ Vc.T - M)[miss]) / Mm

        altmin_complete(X, k, solver=solver, rng=0, callback=record)
        curves[solver] = errs
        res, t = timed(altmin_complete, X, k, solver=solver, rng=0)
        final = np.linalg.norm((res.toarray() - M)[miss]) / Mm
        row = {"solver": solver}
        row.update({f"sweep {m}": f"{errs[m]:.1e}" if m in errs else "-" for m in marks})
        row.update({"sweeps": res.n_iter, "final error": f"{final:.1e}", "time": f"{t:.2f} s"})
        rows.append(row)
        if verbose:
            print(f"  {solver}: {res.n_iter} sweeps, error {final:.1e}, {t:.2f} s", flush=True)
    plt = _pyplot()
    if plt is not None:
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for solver, errs in curves.items():
            its = sorted(errs)
            ax.semilogy(its, [max(errs[i], 1e-16) for i in its], "o-", ms=3, label=solver)
        ax.set_xlabel("sweep")
        ax.set_ylabel("relative error, unobserved entries")
        ax.set_title(f"altmin_complete, {n}², rank {k}, {frac:.0%} observed")
        ax.legend()
        _save_plot(plt, fig, "sketchla_tour_completion.png")
    # time per sweep vs rank at fixed |Ω|: O(|Ω| k²) exact, O(|Ω| k) sketched
    m2, frac2 = (1200, 0.25) if quick else (3000, 0.25)
    ks = (8, 32) if quick else (8, 16, 32)
    sweep_rows = []
    for kk in ks:
        Xk, _, _ = make_low_rank_completion(m2, m2, kk, fraction=frac2, rng=1)
        row = {"rank k": kk, "|Ω|": Xk.nnz}
        per = {}
        for solver in ("exact", "sketched"):
            stamps = []
            altmin_complete(Xk, kk, solver=solver, max_iter=1, tol=0, rng=0)
            altmin_complete(Xk, kk, solver=solver, max_iter=3, tol=0, rng=0,
                            callback=lambda *a: stamps.append(time.perf_counter()))
            per[solver] = np.min(np.diff(stamps))
            row[f"{solver} s/sweep"] = f"{per[solver]:.3f}"
        row["exact/sketched"] = f"{per['exact'] / per['sketched']:.2f}x"
        sweep_rows.append(row)
        if verbose:
            print(f"  k = {kk}: sweep times measured", flush=True)
    print(_table(sweep_rows))
    return rows


@section("Ratings: biased ALS-WR on power-law ratings with ids, against trivial predictors")
def _ratings_section(quick, verbose):
    import warnings

    from .completion import AltMinCompletion, rating_errors, split_entries
    from .datasets import make_ratings

    n_u, n_i, n_r = (2000, 1000, 100_000) if quick else (10_000, 5_000, 1_000_000)
    R = make_ratings(n_u, n_i, n_r, rng=0)
    train, test = split_entries(R, test_size=0.2, rng=0)
    if verbose:
        print(f"  {n_r} ratings of {n_u} users x {n_i} items (1-5 stars, power-law "
              "activity), 20 % held out", flush=True)
    X, T = train.matrix.tocoo(), test.matrix.tocoo()
    mu = X.data.mean()
    rows = [{"model": "the mean rating", "held-out RMSE":
             f"{np.sqrt(np.mean((mu - T.data) ** 2)):.3f}", "fit": "-"}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a few users with 1-2 ratings
        for rank, biases in ((1, True), (10, False), (10, True)):
            est = AltMinCompletion(rank=rank, biases=biases, reg=0.05, tol=1e-4,
                                   random_state=0)
            model, t = timed(est.fit, train)
            e = rating_errors(model, test, clip=(1, 5))
            rows.append({"model": f"rank {rank}" + (", biases" if biases else ""),
                         "held-out RMSE": f"{e['rmse']:.3f}", "fit": f"{t:.2f} s"})
            if verbose:
                print(f"  rank {rank}, biases={biases}: RMSE {e['rmse']:.3f}", flush=True)
    print("  (scikit-surprise's SVD beside it: asv_bench/benchmarks/completion.py)")
    return rows


@section("Symmetric tensor decomposition: subspace power method vs TensorLy")
def _tensor_section(quick, verbose):
    from .datasets import make_symmetric_tensor
    from .tensor import spm

    try:
        import tensorly as tl
        from tensorly.decomposition import parafac, symmetric_parafac_power_iteration
    except ImportError:  # the tour extra installs it: pip install ".[tour]"
        tl = None

    def rel(T, That):
        return f"{np.linalg.norm(That - T) / np.linalg.norm(T):.1e}"

    cases = [(20, 4, 10), (20, 4, 40)] + ([] if quick else [(40, 4, 200)])
    rows = []
    for d, m, R in cases:
        T, w, A = make_symmetric_tensor(d, m, R, rng=0)
        spm(T, rng=0)
        res, t = timed(spm, T, rng=0)
        rows.append({"method": "sketchla.spm (rank estimated)", "order": m, "d": d,
                     "true R": R, "R found": res.rank, "rel. error": rel(T, res.reconstruct()),
                     "time": f"{t:.2f} s"})
        if tl is None:
            rows.append({"method": "TensorLy (not installed: pip install '.[tour]')",
                         "order": m, "d": d, "true R": R, "R found": "", "rel. error": "",
                         "time": ""})
        elif R <= 40:
            (wt, ft), t = timed(symmetric_parafac_power_iteration, tl.tensor(T), R)
            rows.append({"method": "TensorLy symmetric_parafac_power_iteration", "order": m,
                         "d": d, "true R": R, "R found": f"{R} (given)",
                         "rel. error": rel(T, tl.cp_to_tensor((wt, [ft] * m))),
                         "time": f"{t:.2f} s"})
        else:
            cp, t = timed(parafac, tl.tensor(T), R, init="random", tol=1e-12, n_iter_max=500,
                          random_state=0)
            rows.append({"method": "TensorLy parafac (ALS, tol 1e-12)", "order": m, "d": d,
                         "true R": R, "R found": f"{R} (given)",
                         "rel. error": rel(T, tl.cp_to_tensor(cp)), "time": f"{t:.2f} s"})
        if verbose:
            print(f"  order {m}, d = {d}, R = {R}: done", flush=True)
    return rows


@section("Tensors from data: the rank of a noisy tensor; a Gaussian mixture by moments")
def _moments_section(quick, verbose):
    import warnings

    from sklearn.mixture import GaussianMixture

    from .datasets import make_gaussian_mixture, make_symmetric_tensor
    from .tensor import spm
    from .tensor.gaussian_mixture import MomentGaussianMixture

    rows = []
    d, R = (20, 40) if quick else (30, 60)
    for noise in (1e-3, 1e-2):
        T, w, A = make_symmetric_tensor(d, 4, R, noise=noise, rng=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            spm(T, rank=R, rng=0)
            est, t_est = timed(spm, T, rng=0)
            giv, t_giv = timed(spm, T, rank=R, rng=0)
        for label, res, t in (("rank estimated", est, t_est), ("rank given", giv, t_giv)):
            C = np.abs(A.T @ res.factors)
            ang = np.degrees(np.arccos(np.clip(C.max(axis=0), 0, 1))).max()
            rows.append({"task": f"spm, order 4, d={d}, R={R}, noise {noise:g}",
                         "method": label, "K or R found": res.rank,
                         "max error": f"{ang:.3f}°", "time": f"{t:.2f} s"})
        if verbose:
            print(f"  noisy tensor at {noise:g}: done (spectral gap x{est.gap:.0f})",
                  flush=True)
    n = 30_000 if quick else 100_000
    X, labels, means, weights = make_gaussian_mixture(n, 20, 10, rng=0)

    def mean_error(M):
        if M.shape[0] != means.shape[0]:
            return "—"
        dist = np.linalg.norm(M[:, None, :] - means[None], axis=2)
        return f"{dist.min(axis=0).max():.3f}"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        ours, t_ours = timed(lambda: MomentGaussianMixture(random_state=0).fit(X))
    if caught:
        print(f"  MomentGaussianMixture warned: {caught[0].message}")
    full, t_full = timed(lambda: GaussianMixture(10, random_state=0).fit(X))
    for label, est, t in (("sketchla MomentGaussianMixture", ours, t_ours),
                          ("sklearn GaussianMixture(10)", full, t_full)):
        rows.append({"task": f"mixture, n={n}, d=20, K=10", "method": label,
                     "K or R found": est.means_.shape[0],
                     "max error": mean_error(est.means_), "time": f"{t:.2f} s"})
    if verbose:
        print("  Gaussian mixture: done")
    return rows


@section("Real data at the defaults: ratings, quantile regression, a mixture and ICA")
def _real_data_section(quick, verbose):
    from ._tour_real import real_data_rows

    rows = real_data_rows(quick, verbose)
    print("  ours/peer: each at its defaults on the same data; time: median of 3 ± half "
          "the spread;\n  ARI: adjusted Rand index against the classes; gap: the relative "
          "duality gap (0: optimal)")
    return rows


def run_tour(full=False, verbose=True, only=None):
    """Run every registered section (or those whose title contains ``only``).

    ``full``: the larger problems (minutes); by default, sizes that finish
    in about a minute on two cores. ``only`` matching no title raises
    ``ValueError``.
    """
    from . import __version__

    chosen = [(t, fn) for t, fn in _SECTIONS if not only or only.lower() in t.lower()]
    if not chosen:
        raise ValueError(f"--only {only!r} matches no section; the sections are:\n  "
                         + "\n  ".join(section_titles()))
    whole = len(chosen) == len(_SECTIONS)
    print(f"sketchla {__version__} tour{' (--full)' if full else ''}: {len(chosen)} "
          f"section(s)" + (f", {EXPECTED[full]} on a 2-core machine" if whole else ""),
          flush=True)
    t_all = time.perf_counter()
    for title, fn in chosen:
        print(f"\n== {title}", flush=True)
        t0 = time.perf_counter()
        rows = fn(not full, verbose)
        print(_table(rows))
        print(f"   ({time.perf_counter() - t0:.1f} s)")
    print(f"\ntour finished in {time.perf_counter() - t_all:.1f} s")
