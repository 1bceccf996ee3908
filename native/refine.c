/* The gradient A^T (b - A x) and ||b - A x|| in extended precision, for
 * iterative refinement of least squares (sketchla.linalg._iterate).
 *
 * float64 A: residuals and products in double-double (Dekker's exact
 * products by splitting, Knuth's TwoSum); float32 A: in float64. The rows
 * are cut into a fixed number of blocks that depends only on n, so the
 * result does not depend on the thread count. About 40 flops per entry.
 *
 * The error-free transformations need IEEE arithmetic without contraction
 * into fused multiply-adds; meson.build compiles with -ffp-contract=off.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static inline void two_sum(double a, double b, double *s, double *e) {
  double x = a + b, bb = x - a;
  *s = x;
  *e = (a - (x - bb)) + (b - bb);
}

static inline void split(double a, double *hi, double *lo) {
  double c = 134217729.0 * a;
  double h = c - (c - a);
  *hi = h;
  *lo = a - h;
}

static inline void two_prod(double a, double ah, double al, double b, double bh,
                            double bl, double *p, double *e) {
  double x = a * b;
  *p = x;
  *e = ((ah * bh - x) + ah * bl + al * bh) + al * bl;
}

static int64_t n_blocks(int64_t n) { return n < 64 ? (n > 0 ? n : 1) : 64; }

/* g (d) <- A^T (b - A x) rounded from double-double; returns ||b - A x||.
 * A is C-contiguous (n, d). Returns -1 when out of memory. */
double sk_grad_dd(const double *A, int64_t n, int64_t d, const double *x,
                  const double *b, double *g) {
  const int64_t nb = n_blocks(n);
  double *Gh = (double *)calloc((size_t)(2 * nb * d + 2 * d + nb), sizeof(double));
  if (Gh == NULL) return -1.0;
  double *Gl = Gh + nb * d, *xh = Gl + nb * d, *xl = xh + d, *rr = xl + d;
  for (int64_t j = 0; j < d; j++) split(x[j], xh + j, xl + j);
  const int nt = sk_num_threads();
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1 && n * d > 50000)
  for (int64_t t = 0; t < nb; t++) {
    double *gh = Gh + t * d, *gl = Gl + t * d, r2 = 0.0;
    for (int64_t i = n * t / nb; i < n * (t + 1) / nb; i++) {
      const double *a = A + i * d;
      double sh = b[i], sl = 0.0;
      for (int64_t j = 0; j < d; j++) {
        double ah, al, p, e, s2;
        split(a[j], &ah, &al);
        two_prod(a[j], ah, al, x[j], xh[j], xl[j], &p, &e);
        two_sum(sh, -p, &sh, &s2);
        sl += s2 - e;
      }
      two_sum(sh, sl, &sh, &sl);
      r2 += sh * sh;
      double rh, rl;
      split(sh, &rh, &rl);
      for (int64_t j = 0; j < d; j++) {
        double ah, al, p, e, g2;
        split(a[j], &ah, &al);
        two_prod(a[j], ah, al, sh, rh, rl, &p, &e);
        two_sum(gh[j], p, gh + j, &g2);
        gl[j] += g2 + e + a[j] * sl;
      }
    }
    rr[t] = r2;
  }
  double r2 = 0.0;
  for (int64_t t = 0; t < nb; t++) r2 += rr[t];
  for (int64_t j = 0; j < d; j++) {
    double h = 0.0, l = 0.0, e;
    for (int64_t t = 0; t < nb; t++) {
      two_sum(h, Gh[t * d + j], &h, &e);
      l += e + Gl[t * d + j];
    }
    g[j] = h + l;
  }
  free(Gh);
  return sqrt(r2);
}

/* The same for float32 A and b, accumulated in float64. */
double sk_grad_f32(const float *A, int64_t n, int64_t d, const double *x, const float *b,
                   double *g) {
  const int64_t nb = n_blocks(n);
  double *G = (double *)calloc((size_t)(nb * d + nb), sizeof(double));
  if (G == NULL) return -1.0;
  double *rr = G + nb * d;
  const int nt = sk_num_threads();
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (nt > 1 && n * d > 50000)
  for (int64_t t = 0; t < nb; t++) {
    double *gt = G + t * d, r2 = 0.0;
    for (int64_t i = n * t / nb; i < n * (t + 1) / nb; i++) {
      const float *a = A + i * d;
      double s = (double)b[i];
      for (int64_t j = 0; j < d; j++) s -= (double)a[j] * x[j];
      r2 += s * s;
      for (int64_t j = 0; j < d; j++) gt[j] += (double)a[j] * s;
    }
    rr[t] = r2;
  }
  double r2 = 0.0;
  memset(g, 0, sizeof(double) * d);
  for (int64_t t = 0; t < nb; t++) {
    r2 += rr[t];
    for (int64_t j = 0; j < d; j++) g[j] += G[t * d + j];
  }
  free(G);
  return sqrt(r2);
}
