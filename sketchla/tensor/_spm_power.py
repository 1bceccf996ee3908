"""The power method of SPM: the current subspace (contraction, Riemannian
Newton steps, Householder deflation) and the pooled extraction of the
components one by one."""

from __future__ import annotations


import warnings

import numpy as np

from .._stack import find_stack_level

from ._symmetric import veronese


def _householder(y):
    """u with H = I − 2uuᵀ mapping e_last to ±y/‖y‖ (‖u‖ = 1)."""
    u = np.array(y, dtype=np.float64, copy=True)
    ny = np.linalg.norm(u)
    u[-1] += ny if u[-1] >= 0 else -ny
    return u / np.linalg.norm(u)


def _drop_cols(B, u):
    """(B H)[:, :-1] for H = I − 2uuᵀ."""
    return (B - 2.0 * np.outer(B @ u, u))[:, :-1]


class _Subspace:
    """The current subspace span{a_r^{⊗n2}} (and, for odd orders, span{a_r^{⊗n1}})
    with the pseudo-inverse of the flattening in its coordinates."""

    def __init__(self, V, U, Dinv, d, n2, n1):
        self.V, self.U, self.Dinv = V, U, Dinv
        self.d, self.n2, self.n1 = d, n2, n1

    @property
    def k(self):
        return self.V.shape[1]

    def contract(self, X):
        """V contracted with x^{⊗(n2−1)} for each column x of X: (s, d, k)."""
        d, k = self.d, self.k
        P = veronese(X.T, self.n2 - 1)
        return (P @ self.V.reshape(d ** (self.n2 - 1), d * k)).reshape(-1, d, k)

    def random_starts(self, s, g):
        d, k = self.d, self.k
        Y = (g.standard_normal((s, d ** (self.n2 - 1))) @ self.V.reshape(-1, d * k))
        X = np.einsum("sdk,ks->ds", Y.reshape(s, d, k), g.standard_normal((k, s)))
        return X / np.linalg.norm(X, axis=0)

    def newton_steps(self, X, VX, c, G, f):
        """Riemannian Newton steps for max F on the sphere; NaN where the
        tangent Hessian is not negative definite (not near a maximum)."""
        d, n2 = self.d, self.n2
        s = X.shape[1]
        # ∇²F / (2 n2) = n2 VX VXᵀ + (n2 − 1) (V c)(x^{n2−2}, ·, ·)
        H = n2 * (VX @ VX.transpose(0, 2, 1))
        Vc = (self.V @ c.T).T.reshape(s, d ** (n2 - 2), d * d)  # n2 ≥ 2 as the order is ≥ 3
        P = veronese(X.T, n2 - 2)
        H += (n2 - 1) * np.einsum("sp,spq->sq", P, Vc).reshape(s, d, d)
        # Riemannian Hessian / (2 n2) on the tangent space: P (H − F I) P, with
        # the normal direction x given eigenvalue −1 so the system is regular
        H -= f[:, None, None] * np.eye(d)
        Xt = X.T
        Hx = np.einsum("sde,se->sd", H, Xt)
        xHx = np.einsum("sd,sd->s", Hx, Xt)
        H += (-np.einsum("sd,se->sde", Xt, Hx) - np.einsum("sd,se->sde", Hx, Xt)
              + (xHx - 1.0)[:, None, None] * np.einsum("sd,se->sde", Xt, Xt))
        grad = G.T - np.einsum("sd,s->sd", Xt, f)  # tangent part of G
        w, Q = np.linalg.eigh(H)
        out = np.full((d, s), np.nan)
        ok = np.all(w < 0, axis=1)
        if ok.any():
            coef = np.einsum("sdk,sd->sk", Q[ok], grad[ok]) / w[ok]
            out[:, ok] = -np.einsum("sdk,sk->ds", Q[ok], coef)
        return out

    def deflate(self, x):
        """Weight of the component x and the subspace without it."""
        n2, n1 = self.n2, self.n1
        aV = self.V.T @ veronese(x[None], n2)[0]
        if self.U is None:
            y = self.Dinv @ aV
            lam = (aV @ aV) / (aV @ y)
            if self.k > 1:
                u = _householder(y)
                self.V = _drop_cols(self.V, u)
                self.Dinv = _drop_cols(_drop_cols(self.Dinv, u).T, u).T
            return lam
        aU = self.U.T @ veronese(x[None], n1)[0]
        lam = np.linalg.norm(aU) * np.linalg.norm(aV) / (aV @ self.Dinv @ aU)
        if self.k > 1:
            uV, uU = _householder(self.Dinv @ aU), _householder(self.Dinv.T @ aV)
            self.V = _drop_cols(self.V, uV)
            self.U = _drop_cols(self.U, uU)
            self.Dinv = _drop_cols(_drop_cols(self.Dinv.T, uV).T, uU)
        return lam


def _reads_as_noise(x, weight, n2, V_signal, level):
    f_signal = np.sum((veronese(x[None], n2)[0] @ V_signal) ** 2)
    return abs(weight) < level or f_signal < 0.5


def _extract(sub, rank, g, pool, max_iter, n_tries, grad_tol, restart_tol, newton_tol,
             bar, noise_test=None):
    """Find ``rank`` components: a pool of starts iterates together (one matrix
    product per iteration); each start runs the adaptively shifted power
    method, then Riemannian Newton steps once its step falls below
    ``newton_tol``; a converged start with F ≥ 1 − restart_tol is accepted,
    weighted and deflated, and the pool is refilled with fresh starts.

    With ``noise_test = (V_signal, level)``, the extraction stops once two
    components in a row read as noise, |weight| < level or x^{⊗⌈m/2⌉}
    mostly outside span(V_signal) (F < 1/2 there); those two are dropped
    (unless no component would be left)."""
    d, n2 = sub.d, sub.n2
    cn = np.sqrt((n2 - 1) / n2)
    pool = max(1, min(pool, rank))
    X = sub.random_starts(pool, g)
    iters = np.zeros(pool, np.int64)
    last = np.full(pool, np.inf)
    factors, weights = [], []
    best_spurious = (None, -np.inf)
    failures = 0
    total = 0
    below = 0
    stopped, capped = None, 0  # capped: accepted on max_iter, step above grad_tol
    while len(factors) < rank:
        total += 1
        VX = sub.contract(X)
        c = np.einsum("sdk,ds->sk", VX, X)
        G = np.einsum("sdk,sk->ds", VX, c)
        f = np.einsum("ds,ds->s", G, X)
        lam = np.where(f > 2 / 3, np.sqrt(2 * f * np.maximum(1 - f, 0)), 1 - f / 2)
        Xn = G + (lam * cn) * X
        Xn /= np.linalg.norm(Xn, axis=0)
        near = last < newton_tol
        if near.any():
            idx = np.flatnonzero(near)
            eta = sub.newton_steps(X[:, idx], VX[idx], c[idx], G[:, idx], f[idx])
            ok = ~np.isnan(eta[0])
            if ok.any():
                Y = X[:, idx[ok]] + eta[:, ok]
                Xn[:, idx[ok]] = Y / np.linalg.norm(Y, axis=0)
        step = np.linalg.norm(Xn - X, axis=0)
        X = Xn
        iters += 1
        last = step
        done = (step < grad_tol) | (near & (step < 1e-8)) | (iters >= max_iter)
        if not done.any():
            continue
        cand = np.flatnonzero(done)
        j = cand[np.argmax(f[cand])]
        accept, f_acc = None, f[j]
        if 1 - f[j] < restart_tol:
            accept = X[:, j].copy()
            capped += bool(step[j] >= grad_tol and iters[j] >= max_iter)
        else:
            failures += len(cand)
            for i in cand:
                if f[i] > best_spurious[1]:
                    best_spurious = (X[:, i].copy(), f[i])
            if failures >= n_tries * pool:
                if best_spurious[0] is None:
                    # no start gave a finite value: the subspace left has no component
                    stopped = "exhausted"
                    break
                accept, f_acc = best_spurious
        if accept is not None:
            weights.append(sub.deflate(accept))
            factors.append(accept)
            below = below + 1 if noise_test is not None and _reads_as_noise(
                accept, weights[-1], n2, *noise_test) else 0
            if below == 2 and len(factors) > 2:
                del factors[-2:], weights[-2:]
                stopped = "noise"
                break
            failures, best_spurious = 0, (None, -np.inf)
            bar.update(len(factors), f=float(f_acc), weight=float(weights[-1]))
            if len(factors) == rank:
                break
            # restart the accepted start and those that sit on the same component
            again = np.abs(accept @ X) > 0.99
            again[j] = True
        else:
            again = np.zeros(pool, bool)
            again[cand] = ~(1 - f[cand] < restart_tol)  # NaN included
        if again.any():
            X[:, again] = sub.random_starts(int(again.sum()), g)
            iters[again] = 0
            last[again] = np.inf
    _warn_capped(capped, max_iter, grad_tol)
    return np.array(factors).reshape(-1, d).T, np.array(weights), total, stopped


def _warn_capped(capped, max_iter, grad_tol):
    if capped:
        warnings.warn(f"{capped} component(s) stopped on max_iter={max_iter} with their power "
                      f"step still above grad_tol={grad_tol:g}; raise max_iter", RuntimeWarning,
                      stacklevel=find_stack_level())
