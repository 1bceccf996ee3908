/* Chosen columns of a dense float64 matrix, gathered in the pass that also
 * probes the whole matrix (sketchla.sampling.lensemble: a given
 * eigendecomposition is checked where it is read).
 *
 * For V (n, r) with element strides (s0, s1), z (r) and column indices J (k,
 * checked by the caller to lie in [0, r)):
 *   out (n, k), C-contiguous  <- V[:, J]
 *   lev (n)                   <- the squared row norms of out
 *   acc (r)                   <- V^T (V z)
 * One read of V from memory: each block of rows is probed and gathered while
 * it is in cache. The rows are cut into a number of blocks that depends only
 * on (n, r), and the blocks' parts of acc are summed in order, so the result
 * does not depend on the thread count. Returns the number of rows whose
 * entry of V z is not finite (a NaN or infinity in the row shows there, z
 * having no zero entry), or -1 when out of memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* rows per sub-block of a strided (not row-contiguous) V: their entries of
 * V z are built column by column, so a sub-block reads r runs of SK_SUB
 * entries (contiguous when V is column-major) */
#define SK_SUB 512

static int64_t n_blocks(int64_t n, int64_t r, int strided) {
  int64_t nb = strided ? (n + SK_SUB - 1) / SK_SUB : n;
  if (nb > 64) nb = 64;
  int64_t cap = (int64_t)(1 << 22) / (r > 0 ? r : 1); /* partial sums <= 32 MiB */
  if (nb > cap) nb = cap;
  return nb > 0 ? nb : 1;
}

SK_CLONES
static int64_t block_rows(const double *V, int64_t lo, int64_t hi, int64_t r, int64_t s0,
                          const double *z, const int64_t *J, int64_t k, double *out,
                          double *lev, double *acc) {
  int64_t bad = 0;
  for (int64_t i = lo; i < hi; i++) {
    const double *v = V + i * s0;
    double y = sk_dot(v, 1, z, r);
    if (!isfinite(y)) bad++;
    for (int64_t j = 0; j < r; j++) acc[j] += y * v[j];
    double *o = out + i * k, s = 0.0;
    for (int64_t t = 0; t < k; t++) {
      double x = v[J[t]];
      o[t] = x;
      s += x * x;
    }
    lev[i] = s;
  }
  return bad;
}

/* one sub-block of m rows of a strided V; sa: the row stride (1 when V is
 * column-major, which the caller passes as a literal so this is specialized) */
static inline int64_t sub_strided(const double *V, int64_t m, int64_t r, int64_t sa,
                                  int64_t s1, const double *z, const int64_t *J, int64_t k,
                                  double *out, double *lev, double *acc, double *y) {
  int64_t bad = 0;
  for (int64_t i = 0; i < m; i++) y[i] = 0.0;
  for (int64_t j = 0; j < r; j++) {
    const double *c = V + j * s1;
    const double zj = z[j];
    for (int64_t i = 0; i < m; i++) y[i] += c[i * sa] * zj;
  }
  for (int64_t i = 0; i < m; i++)
    if (!isfinite(y[i])) bad++;
  for (int64_t j = 0; j < r; j++) acc[j] += sk_dot(V + j * s1, sa, y, m);
  for (int64_t t = 0; t < k; t++) {
    const double *c = V + J[t] * s1;
    for (int64_t i = 0; i < m; i++) out[i * k + t] = c[i * sa];
  }
  for (int64_t i = 0; i < m; i++) {
    const double *o = out + i * k;
    double s = 0.0;
    for (int64_t t = 0; t < k; t++) s += o[t] * o[t];
    lev[i] = s;
  }
  return bad;
}

SK_CLONES
static int64_t block_strided(const double *V, int64_t lo, int64_t hi, int64_t r, int64_t s0,
                             int64_t s1, const double *z, const int64_t *J, int64_t k,
                             double *out, double *lev, double *acc) {
  int64_t bad = 0;
  double y[SK_SUB];
  for (int64_t a = lo; a < hi; a += SK_SUB) {
    int64_t m = hi - a < SK_SUB ? hi - a : SK_SUB;
    bad += s0 == 1 ? sub_strided(V + a, m, r, 1, s1, z, J, k, out + a * k, lev + a, acc, y)
                   : sub_strided(V + a * s0, m, r, s0, s1, z, J, k, out + a * k, lev + a,
                                 acc, y);
  }
  return bad;
}

int64_t sk_probe_columns_f64(const double *V, int64_t n, int64_t r, int64_t s0, int64_t s1,
                             const double *z, const int64_t *J, int64_t k, double *out,
                             double *lev, double *acc) {
  const int64_t nb = n_blocks(n, r, s1 != 1);
  double *part = (double *)calloc((size_t)(nb * r > 0 ? nb * r : 1), sizeof(double));
  if (part == NULL) return -1;
  int64_t bad = 0;
  const int nt = sk_num_threads();
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) reduction(+ : bad) \
    if (nt > 1 && n * r > 100000)
  for (int64_t b = 0; b < nb; b++) {
    int64_t lo = n * b / nb, hi = n * (b + 1) / nb;
    bad += s1 == 1 ? block_rows(V, lo, hi, r, s0, z, J, k, out, lev, part + b * r)
                   : block_strided(V, lo, hi, r, s0, s1, z, J, k, out, lev, part + b * r);
  }
  memset(acc, 0, sizeof(double) * (size_t)r);
  for (int64_t b = 0; b < nb; b++)
    for (int64_t j = 0; j < r; j++) acc[j] += part[b * r + j];
  free(part);
  return bad;
}
