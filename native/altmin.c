/* Row solves of alternating minimization (sketchla.completion).
 *
 * Row i of the output solves min_u sum_{p in row i} (x_p - F[j_p] . u)^2 +
 * reg |u|^2 over the observed entries p of that row, given as CSR; the same
 * kernel serves both half-sweeps (rows against V, columns against U). Two
 * solvers:
 *
 * - exact: the k x k normal equations, accumulated in one pass
 *   (|O_i| k(k+1)/2 multiply-adds, the lower triangle) and solved by Cholesky; a singular system
 *   (fewer observations than k, or none) gets a relative ridge of 1e-10,
 *   i.e. the minimum-norm solution to about ten digits, or zero. A row with
 *   at most k/3 observations and a positive ridge solves the equivalent
 *   |O_i| x |O_i| dual system instead (faster below about k/3).
 * - sketched (Gu, Song, Yin, Zhang 2024): a CountSketch of the row's
 *   |O_i| x k design into ms rows, the Cholesky factor of the sketched
 *   Gram matrix as preconditioner, then n_inner preconditioned CG steps
 *   on the normal equations, warm started from U0[i]. Rows with at most ms
 *   observations are solved exactly.
 *
 * Rows are independent, so the result does not depend on the thread count.
 * Every index is checked where it is used: if the CSR arrays change while
 * the kernel runs (another thread writing them), the kernel never reads
 * out of bounds; it reports the inconsistency and the caller raises.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static inline uint64_t splitmix(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static inline double dot(const double *SK_RESTRICT a, const double *SK_RESTRICT b,
                         int64_t k) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int64_t c = 0; c < k; c++) s += a[c] * b[c];
  return s;
}

static inline void axpy(double *SK_RESTRICT y, const double *SK_RESTRICT x, double v,
                        int64_t k) {
#pragma omp simd
  for (int64_t c = 0; c < k; c++) y[c] += v * x[c];
}

/* In-place lower Cholesky factor of the k x k row-major G; 0 if G is not
 * numerically positive definite (a pivot below 1e-13 of the largest diagonal). */
static int cholesky(double *G, int64_t k) {
  double big = 0.0;
  for (int64_t a = 0; a < k; a++) big = fmax(big, G[a * k + a]);
  if (!(big > 0.0)) return 0;
  const double floor_ = big * 1e-13;
  for (int64_t j = 0; j < k; j++) {
    double s = G[j * k + j] - dot(G + j * k, G + j * k, j);
    if (!(s > floor_)) return 0;
    double d = sqrt(s);
    G[j * k + j] = d;
    for (int64_t i = j + 1; i < k; i++)
      G[i * k + j] = (G[i * k + j] - dot(G + i * k, G + j * k, j)) / d;
  }
  return 1;
}

/* b <- (L L^T)^{-1} b in place. */
static void chol_solve(const double *L, double *b, int64_t k) {
  for (int64_t i = 0; i < k; i++) b[i] = (b[i] - dot(L + i * k, b, i)) / L[i * k + i];
  for (int64_t i = k - 1; i >= 0; i--) {
    double s = b[i];
    for (int64_t c = i + 1; c < k; c++) s -= L[c * k + i] * b[c];
    b[i] = s / L[i * k + i];
  }
}

typedef struct {
  const int64_t *indptr, *indices;
  const double *data, *F;
  int64_t nnz, mf, k;
} rows_t;

/* The row's entry range, or 0 when the structure is inconsistent. */
static inline int row_range(const rows_t *A, int64_t i, int64_t *p0, int64_t *p1) {
  *p0 = A->indptr[i];
  *p1 = A->indptr[i + 1];
  return *p0 >= 0 && *p0 <= *p1 && *p1 <= A->nnz;
}

/* F's row for entry p, or NULL when its column index is out of range. */
static inline const double *frow(const rows_t *A, int64_t p) {
  int64_t j = A->indices[p];
  return (j >= 0 && j < A->mf) ? A->F + j * A->k : NULL;
}

typedef struct {
  double *G, *Gc, *SB, *b, *g, *z, *d, *q;
} scratch_t;

/* G (lower triangle: all that cholesky reads) += sum_p f_p f_p^T and
 * b += sum_p x_p f_p over the entries p0..p1 of a row, f_p = F[j_p]. Four
 * entries per pass over G (a rank-1 update per entry is bound by G's loads
 * and stores), compiled for AVX2/AVX-512 where the CPU has them. 0 on a
 * bad index. */
SK_CLONES static int gram_lower(const rows_t *A, int64_t p0, int64_t p1, double *G,
                                double *b) {
  const int64_t k = A->k;
  int64_t p = p0;
  for (; p + 4 <= p1; p += 4) {
    const double *f0 = frow(A, p), *f1 = frow(A, p + 1), *f2 = frow(A, p + 2),
                 *f3 = frow(A, p + 3);
    if (f0 == NULL || f1 == NULL || f2 == NULL || f3 == NULL) return 0;
    const double *x = A->data + p;
    for (int64_t a = 0; a < k; a++) {
      double *SK_RESTRICT g = G + a * k;
      const double a0 = f0[a], a1 = f1[a], a2 = f2[a], a3 = f3[a];
      b[a] += (a0 * x[0] + a1 * x[1]) + (a2 * x[2] + a3 * x[3]);
#pragma omp simd
      for (int64_t c = 0; c <= a; c++)
        g[c] += (a0 * f0[c] + a1 * f1[c]) + (a2 * f2[c] + a3 * f3[c]);
    }
  }
  for (; p < p1; p++) {
    const double *f = frow(A, p);
    if (f == NULL) return 0;
    axpy(b, f, A->data[p], k);
    for (int64_t a = 0; a < k; a++) axpy(G + a * k, f, f[a], a + 1);
  }
  return 1;
}

/* u <- F_O^T (F_O F_O^T + reg I)^{-1} x_O for a row of n = p1 - p0 <= k/3
 * entries and reg > 0: the same solution as the normal equations (the
 * push-through identity (F^T F + reg I)^{-1} F^T = F^T (F F^T + reg I)^{-1}),
 * from an n x n system: n^2 k/2 + n^3/3 multiply-adds instead of
 * n k^2/2 + k^3/3. 1 on success, 0 on a bad index, -1 when the n x n
 * system is not numerically positive definite (solve the primal). */
static int solve_dual(const rows_t *A, int64_t p0, int64_t p1, double reg, scratch_t *w,
                      double *u) {
  const int64_t k = A->k, n = p1 - p0;
  double *H = w->G, *z = w->b; /* n x n and n fit in the k x k and k scratch */
  for (int64_t a = 0; a < n; a++) {
    const double *fa = frow(A, p0 + a);
    if (fa == NULL) return 0;
    for (int64_t c = 0; c < a; c++) H[a * n + c] = dot(fa, A->F + A->indices[p0 + c] * k, k);
    H[a * n + a] = dot(fa, fa, k) + reg;
    z[a] = A->data[p0 + a];
  }
  if (!cholesky(H, n)) return -1;
  chol_solve(H, z, n);
  memset(u, 0, sizeof(double) * k);
  for (int64_t a = 0; a < n; a++) axpy(u, A->F + A->indices[p0 + a] * k, z[a], k);
  return 1;
}

/* u <- the row's exact (normal-equation) solution; 0 on a bad index. */
static int solve_exact(const rows_t *A, int64_t p0, int64_t p1, double reg,
                       scratch_t *w, double *u) {
  const int64_t k = A->k;
  if (reg > 0.0 && p1 > p0 && 3 * (p1 - p0) <= k) { /* the measured crossover */
    int r = solve_dual(A, p0, p1, reg, w, u);
    if (r >= 0) return r;
  }
  memset(w->G, 0, sizeof(double) * k * k);
  memset(w->b, 0, sizeof(double) * k);
  if (!gram_lower(A, p0, p1, w->G, w->b)) return 0;
  double big = 0.0;
  for (int64_t a = 0; a < k; a++) {
    w->G[a * k + a] += reg;
    big = fmax(big, w->G[a * k + a]);
  }
  memcpy(w->Gc, w->G, sizeof(double) * k * k);
  memcpy(u, w->b, sizeof(double) * k);
  if (cholesky(w->G, k)) {
    chol_solve(w->G, u, k);
    return 1;
  }
  for (int64_t a = 0; a < k; a++) w->Gc[a * k + a] += 1e-10 * big;
  if (big > 0.0 && cholesky(w->Gc, k))
    chol_solve(w->Gc, u, k);
  else
    memset(u, 0, sizeof(double) * k);
  return 1;
}

/* u <- n_inner sketch-preconditioned CG steps from u0 (u may alias u0).
 * Returns 1 on success, 0 when the sketch is singular (solve exactly),
 * -1 on a bad index. */
static int solve_sketched(const rows_t *A, int64_t p0, int64_t p1, double reg,
                          const double *u0, int64_t n_inner, int64_t ms, uint64_t seed,
                          int64_t offset, scratch_t *w, double *u) {
  const int64_t k = A->k;
  memset(w->SB, 0, sizeof(double) * ms * k);
  for (int64_t p = p0; p < p1; p++) {
    const double *f = frow(A, p);
    if (f == NULL) return -1;
    uint64_t h = splitmix((uint64_t)(p + offset) ^ seed);
    int64_t row = (int64_t)(((h & 0xFFFFFFFFULL) * (uint64_t)ms) >> 32);
    axpy(w->SB + row * k, f, (h >> 63) ? -1.0 : 1.0, k);
  }
  memset(w->G, 0, sizeof(double) * k * k);
  for (int64_t r = 0; r < ms; r++)
    for (int64_t a = 0; a < k; a++)
      axpy(w->G + a * k, w->SB + r * k, w->SB[r * k + a], a + 1);
  for (int64_t a = 0; a < k; a++) w->G[a * k + a] += reg;
  if (!cholesky(w->G, k)) return 0;
  double *g = w->g, *z = w->z, *d = w->d, *q = w->q;
  memmove(u, u0, sizeof(double) * k);
  for (int64_t a = 0; a < k; a++) g[a] = -reg * u[a];
  for (int64_t p = p0; p < p1; p++) {
    const double *f = frow(A, p);
    if (f == NULL) return -1;
    axpy(g, f, A->data[p] - dot(f, u, k), k);
  }
  memcpy(z, g, sizeof(double) * k);
  chol_solve(w->G, z, k);
  memcpy(d, z, sizeof(double) * k);
  double rz = dot(g, z, k);
  for (int64_t it = 0; it < n_inner && rz > 0.0; it++) {
    for (int64_t a = 0; a < k; a++) q[a] = reg * d[a];
    for (int64_t p = p0; p < p1; p++) {
      const double *f = frow(A, p);
      if (f == NULL) return -1;
      axpy(q, f, dot(f, d, k), k);
    }
    double dq = dot(d, q, k);
    if (!(dq > 0.0)) break;
    double alpha = rz / dq;
    axpy(u, d, alpha, k);
    axpy(g, q, -alpha, k);
    memcpy(z, g, sizeof(double) * k);
    chol_solve(w->G, z, k);
    double rz_new = dot(g, z, k);
    double beta = rz_new / rz;
    rz = rz_new;
    for (int64_t a = 0; a < k; a++) d[a] = z[a] + beta * d[a];
  }
  return 1;
}

int64_t sk_altmin_update_rows(const int64_t *indptr, const int64_t *indices,
                              const double *data, int64_t n, int64_t nnz,
                              const double *F, int64_t mf, int64_t k, const double *U0,
                              double *out, double reg, int sketched, int64_t n_inner,
                              int64_t sketch_rows, uint64_t seed, int64_t offset,
                              int weighted, double *resid) {
  const rows_t A = {indptr, indices, data, F, nnz, mf, k};
  const int64_t ms = sketch_rows > k ? sketch_rows : k;
  const int nt = sk_num_threads();
  int64_t bad = 0, nomem = 0;
  if (n == 0 || k == 0) return 0;
#pragma omp parallel num_threads(nt) if (nt > 1 && nnz * k > 20000) reduction(+ : bad, nomem)
  {
    scratch_t w = {0};
    double *mem = (double *)malloc(sizeof(double) * (2 * k * k + ms * k + 7 * k));
    double *u = NULL;
    if (mem != NULL) {
      w.G = mem;
      w.Gc = w.G + k * k;
      w.SB = w.Gc + k * k;
      w.b = w.SB + ms * k;
      w.g = w.b + k;
      w.z = w.g + k;
      w.d = w.z + k;
      w.q = w.d + k;
      u = w.q + k;
    }
    /* every thread takes part in the loop, even without scratch memory */
#pragma omp for schedule(dynamic, 64)
    for (int64_t i = 0; i < n; i++) {
      if (mem == NULL) {
        nomem += 1;
        continue;
      }
      int64_t p0, p1;
      int ok = row_range(&A, i, &p0, &p1);
      int done = 0;
      /* ALS-WR: the ridge of a row grows with its number of entries */
      const double ri = ok && weighted ? reg * (double)(p1 - p0) : reg;
      if (ok && sketched && p1 - p0 > ms) {
        int r = solve_sketched(&A, p0, p1, ri, U0 + i * k, n_inner, ms, seed, offset, &w,
                               u);
        ok = r >= 0;
        done = r > 0;
      }
      if (ok && !done) ok = solve_exact(&A, p0, p1, ri, &w, u);
      if (!ok) {
        bad += 1;
        memset(u, 0, sizeof(double) * k);
      }
      memcpy(out + i * k, u, sizeof(double) * k);
      if (resid != NULL) {
        double s = 0.0;
        for (int64_t p = p0; ok && p < p1; p++) {
          const double *f = frow(&A, p);
          if (f == NULL) {
            bad += 1;
            break;
          }
          double t = data[p] - dot(f, u, k);
          s += t * t;
        }
        resid[i] = s;
      }
    }
    free(mem);
  }
  if (nomem) return -2;
  return bad ? -1 : 0;
}
