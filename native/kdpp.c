/* The eigenvector choice of a k-DPP (sketchla.sampling.lensemble): a size-k
 * subset J of the eigen-indices with P(J) proportional to prod_{i in J} lam_i,
 * drawn backwards through the elementary symmetric polynomials e_l(n) of the
 * first n eigenvalues (Kulesza & Taskar 2012, Algorithm 8).
 *
 * The table is kept as the ratios rho_l(n) = e_{l-1}(n) / e_l(n) (l = 1..k),
 * which neither overflow nor underflow whatever the spread of the eigenvalues
 * (a ratio of adjacent levels is about 1/lam, where e_l itself spans
 * thousands of decades). From e_l(n) = e_l(n-1) + lam_n e_{l-1}(n-1):
 *
 *   rho_l(n) = (1 + lam_n rho_{l-1}(n-1)) / (1 / rho_l(n-1) + lam_n),
 *
 * with rho_0 = 0 and rho_l(0) = +inf (e_l of nothing is 0); an infinite ratio
 * is exactly a level with no subset yet, and lam_n = 0 leaves the column as
 * it was. For lam_n >= 1 the fraction is divided through by lam_n, so that no
 * intermediate product overflows: the ratios stay representable for any
 * eigenvalues between about 1e-308 and 1e308, with no rescaling. Item n
 * joins J at level l with probability lam_n e_{l-1}(n-1) / e_l(n) =
 * x / (1 + x), x = lam_n rho_l(n-1).
 *
 * Columns of the table (k ratios each) are built one from the previous; the
 * sampler keeps every c-th column (c about sqrt(n)) and rebuilds one segment
 * of c columns at a time on the way back: O(k sqrt(n)) memory and twice the
 * O(k n) work of the forward pass.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* next (column n) from prev (column n-1); the levels l = 1..k at [l-1] */
static void column_step(double lam, const double *prev, double *next, int64_t k) {
  if (lam == 0.0) {
    memcpy(next, prev, sizeof(double) * (size_t)k);
    return;
  }
  double below = 0.0; /* rho_{l-1}(n-1); rho_0 = 0 */
  if (lam < 1.0) {
    for (int64_t l = 0; l < k; l++) {
      double p = prev[l];
      next[l] = (1.0 + lam * below) / (1.0 / p + lam);
      below = p;
    }
  } else { /* the same divided by lam: no product lam * rho overflows */
    const double inv = 1.0 / lam;
    for (int64_t l = 0; l < k; l++) {
      double p = prev[l];
      next[l] = (inv + below) / (1.0 + 1.0 / (lam * p));
      below = p;
    }
  }
}

void sk_esp_ratios(const double *lam, int64_t n, int64_t k, double *out) {
  for (int64_t l = 0; l < k; l++) out[l] = INFINITY;
  for (int64_t m = 1; m <= n; m++) column_step(lam[m - 1], out + (m - 1) * k, out + m * k, k);
}

int64_t sk_choose_k(const double *lam, int64_t n, int64_t k, const double *u, int64_t *J) {
  if (k == 0) return 0;
  int64_t c = (int64_t)ceil(sqrt((double)n + 1.0));
  int64_t ns = n / c + 1; /* checkpoints: columns 0, c, 2c, ... <= n - 1 */
  double *chk = (double *)malloc(sizeof(double) * (size_t)(ns * k));
  double *seg = (double *)malloc(sizeof(double) * (size_t)((c + 1) * k));
  if (chk == NULL || seg == NULL) {
    free(chk);
    free(seg);
    return -2;
  }
  /* forward: the checkpoint columns; seg's first two columns as scratch */
  double *col = seg, *nxt = seg + k;
  for (int64_t l = 0; l < k; l++) col[l] = INFINITY;
  memcpy(chk, col, sizeof(double) * (size_t)k);
  for (int64_t m = 1; m < n; m++) {
    column_step(lam[m - 1], col, nxt, k);
    double *t = col;
    col = nxt;
    nxt = t;
    if (m % c == 0) memcpy(chk + (m / c) * k, col, sizeof(double) * (size_t)k);
  }
  /* backward: item n (0-based i = n - 1) reads column n - 1 */
  int64_t level = k;
  for (int64_t s = (n - 1) / c; s >= 0 && level > 0; s--) {
    int64_t lo = s * c, hi = lo + c - 1 < n - 1 ? lo + c - 1 : n - 1;
    memcpy(seg, chk + s * k, sizeof(double) * (size_t)k);
    for (int64_t m = lo + 1; m <= hi; m++)
      column_step(lam[m - 1], seg + (m - 1 - lo) * k, seg + (m - lo) * k, k);
    for (int64_t m = hi; m >= lo && level > 0; m--) {
      /* item i = m, at column m: include with probability x / (1 + x) */
      double x = lam[m] * seg[(m - lo) * k + (level - 1)];
      if (x > u[m] / (1.0 - u[m])) J[--level] = m;
    }
  }
  free(chk);
  free(seg);
  return level == 0 ? 0 : -1;
}
