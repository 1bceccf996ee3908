"""Standard errors of linear quantile regression, as statsmodels' ``QuantReg``
reports them: the asymptotic covariance with the residuals' density at zero
estimated by an Epanechnikov kernel and the Hall–Sheather bandwidth (Koenker
2005, §3.4; the Stata 12 form that statsmodels follows)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._kernels.forks import fork_safe_methods

__all__ = ["QuantileSummary", "quantile_covariance"]


def _hall_sheather(n, tau, alpha=0.05):
    from scipy.stats import norm

    z = norm.ppf(tau)
    return n ** (-1 / 3) * norm.ppf(1 - alpha / 2) ** (2 / 3) * \
        (1.5 * norm.pdf(z) ** 2 / (2 * z * z + 1)) ** (1 / 3)


def quantile_covariance(D, y, x, tau, vcov="robust"):
    """The covariance of the coefficients x of the τ-quantile fit of y on the
    design D (dense or scipy.sparse, an intercept column included).

    ``vcov="robust"``: the sandwich (DᵀD)⁻¹ Dᵀ diag(d) D (DᵀD)⁻¹ with
    d_i = (τ/f̂)² for positive residuals and ((1 − τ)/f̂)² otherwise;
    ``"iid"``: τ(1 − τ)/f̂² (DᵀD)⁻¹. f̂ is the Epanechnikov-kernel density
    of the residuals at 0 with bandwidth h = min(sd(y), IQR(r)/1.34)·(Φ⁻¹(τ + b)
    − Φ⁻¹(τ − b)), b the Hall–Sheather rate n^(−1/3)(…) — statsmodels'
    defaults. Cost: one Gram matrix, O(n·d²).
    """
    from scipy.stats import norm

    n = D.shape[0]
    r = y - D @ x
    q75, q25 = np.percentile(r, [75, 25])
    b = _hall_sheather(n, tau)
    h = min(float(np.std(y)), (q75 - q25) / 1.34) * (norm.ppf(tau + b) - norm.ppf(tau - b))
    u = r / h
    f0 = float(np.sum(0.75 * (1 - u * u) * (np.abs(u) <= 1))) / (n * h)
    if not f0 > 0:
        raise ValueError("the residuals' density at zero is estimated as 0 (too few "
                         "distinct residuals for standard errors)")
    G = D.T @ D
    Ginv = np.linalg.pinv(G.toarray() if hasattr(G, "toarray") else np.asarray(G))
    if vcov == "iid":
        return Ginv * (tau * (1 - tau) / f0**2)
    w = np.where(r > 0, (tau / f0) ** 2, ((1 - tau) / f0) ** 2)
    M = D.T @ (D.multiply(w[:, None]) if hasattr(D, "multiply") else D * w[:, None])
    M = M.toarray() if hasattr(M, "toarray") else np.asarray(M)
    return Ginv @ M @ Ginv


@fork_safe_methods
@dataclass
class QuantileSummary:
    """Coefficients of a quantile regression with their standard errors.

    Parameters
    ----------
    names : list of str
        The coefficients' names (the intercept last, as ``const``).
    params, bse : ndarray
        The coefficients and their standard errors.
    df_resid : int
        n − p, the degrees of freedom of the t statistics.
    quantile : float
        τ.
    vcov : str
        ``"robust"`` or ``"iid"``.

    Attributes
    ----------
    tvalues, pvalues : ndarray
        params / bse and the two-sided p-values (t distribution, df_resid).
    conf_int : ndarray, shape (p, 2)
        95 % confidence intervals.

    Notes
    -----
    Made by :meth:`sketchla.QuantileRegression.summary`; ``str()`` prints the
    table statsmodels' ``QuantReg.fit().summary()`` prints for the
    coefficients.

    References
    ----------
    .. [1] R. Koenker, "Quantile Regression", Cambridge University Press
       (2005), §3.4.

    Examples
    --------
    >>> import numpy as np, sketchla
    >>> g = np.random.default_rng(0)
    >>> X = g.standard_normal((500, 2)); y = X @ [1.0, -1.0] + g.standard_t(3, 500)
    >>> s = sketchla.QuantileRegression(quantile=0.5).fit(X, y).summary(X, y)
    >>> s.bse.shape
    (3,)
    """

    names: list
    params: np.ndarray
    bse: np.ndarray
    df_resid: int
    quantile: float
    vcov: str

    @property
    def tvalues(self):
        return self.params / self.bse

    @property
    def pvalues(self):
        from scipy.stats import t

        return 2 * t.sf(np.abs(self.tvalues), self.df_resid)

    @property
    def conf_int(self):
        from scipy.stats import t

        q = t.ppf(0.975, self.df_resid)
        return np.c_[self.params - q * self.bse, self.params + q * self.bse]

    def __str__(self):
        head = (f"Quantile regression, quantile {self.quantile:g}, {self.vcov} standard "
                f"errors, {self.df_resid} residual degrees of freedom\n")
        cols = f"{'':>12} {'coef':>11} {'std err':>11} {'t':>9} {'P>|t|':>9} " \
               f"{'[0.025':>11} {'0.975]':>11}\n"
        ci = self.conf_int
        rows = "".join(
            f"{name[:12]:>12} {p:11.4g} {s:11.4g} {t:9.3f} {pv:9.3f} {lo:11.4g} {hi:11.4g}\n"
            for name, p, s, t, pv, lo, hi in zip(self.names, self.params, self.bse,
                                                  self.tvalues, self.pvalues, ci[:, 0],
                                                  ci[:, 1]))
        return head + cols + rows
