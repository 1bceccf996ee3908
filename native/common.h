/* Shared declarations for the sketchla native kernels.
 *
 * The kernels take raw pointers and sizes that the Python boundary
 * (bind_*.c) has already checked against the buffers they came from; no
 * kernel touches a Python object, and every kernel that indexes with
 * user-provided integers checks them first.
 */
#ifndef SKETCHLA_COMMON_H
#define SKETCHLA_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Run-time SIMD dispatch: GCC/Clang build one clone per target and pick the
 * best at load time (ifunc), so the default build stays portable (no
 * -march=native) while AVX2/AVX-512 machines get wide vectors. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) && \
    (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 6)) && \
    !defined(SKETCHLA_NO_CLONES)
#define SK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SK_CLONES
#endif

#define SK_RESTRICT __restrict__

/* sum_j a[j*sa] b[j] in 16 independent partial sums: the compiler may not
 * reassociate one running sum (no -ffast-math), so a single accumulator is
 * bound by the latency of the additions. */
static inline double sk_dot(const double *a, int64_t sa, const double *b, int64_t m) {
  double s[16] = {0.0};
  int64_t j = 0;
  for (; j + 16 <= m; j += 16)
    for (int q = 0; q < 16; q++) s[q] += a[(j + q) * sa] * b[j + q];
  for (; j < m; j++) s[0] += a[j * sa] * b[j];
  for (int q = 0; q < 8; q++) s[q] += s[q + 8];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/* Dense row-major sketch application: rows cut into at most SK_SLOTS fixed
 * slots, with at most SK_SLOT_BUDGET bytes of extra accumulators. */
#define SK_SLOTS 16
#define SK_SLOT_BUDGET (64.0 * 1024 * 1024)

/* ---- fast Walsh-Hadamard transform (fwht.c) ----
 * In-place, unnormalized, along axis 0 of an (n, k) array; n a power of two.
 * layout 'C': element (i, j) at x[i*k + j]; layout 'F': at x[i + j*n]. */
void sk_fwht_f64(double *x, int64_t n, int64_t k, char layout);
void sk_fwht_f32(float *x, int64_t n, int64_t k, char layout);

/* ---- hashing (hash.c) ---- */
uint64_t sk_xxh64(const void *data, size_t len, uint64_t seed);
uint64_t sk_hash_u64(uint64_t key, uint64_t seed);
uint64_t sk_hash_pair(uint64_t a, uint64_t b, uint64_t seed);
void sk_hash_int64(const int64_t *keys, int64_t n, uint64_t seed, uint64_t *out);
void sk_hash_bytes(const char *data, const int64_t *offsets, int64_t n,
                   uint64_t seed, uint64_t *out);
/* Column map of a hashing sketch: for columns start..start+n-1 of an m-row
 * sketch with s distinct nonzeros per column, write the rows (n, s) and the
 * signs (+1/-1) of those nonzeros. Requires 1 <= s <= m. */
void sk_sketch_map(uint64_t seed, int64_t start, int64_t n, int64_t s,
                   int64_t m, int64_t *rows, int8_t *signs);

/* ---- sparse sketch application (sketch.c) ----
 * out (m, k) += S[:, block] @ A_block where S[:, i] has nonzeros
 * rows[i, t] with value scale*signs[i, t]. Strides are in elements. */
#define SK_DECLARE_SCATTER(T, SUF)                                             \
  void sk_scatter_dense_##SUF(const T *A, int64_t n, int64_t k, int64_t as0,   \
                              int64_t as1, const int64_t *rows,                \
                              const int8_t *signs, int64_t s, double scale,    \
                              T *out, int64_t m, int64_t os0, int64_t os1);    \
  void sk_gather_dense_##SUF(const T *Y, int64_t m, int64_t k, int64_t ys0,    \
                             int64_t ys1, const int64_t *rows,                 \
                             const int8_t *signs, int64_t s, double scale,     \
                             T *out, int64_t n, int64_t os0, int64_t os1);
SK_DECLARE_SCATTER(double, f64)
SK_DECLARE_SCATTER(float, f32)

#define SK_DECLARE_CSR(T, I, SUF)                                              \
  int64_t sk_scatter_csr_##SUF(const I *indptr, const I *indices,              \
                               const T *data, int64_t n, int64_t nnz,          \
                               int64_t k, const int64_t *rows,                 \
                               const int8_t *signs, int64_t s, double scale,   \
                               T *out, int64_t m);                             \
  int64_t sk_sparse_gram_##SUF(const I *indptr, const I *indices,              \
                               const T *data, int64_t n, int64_t nnz,          \
                               int64_t d, double *out);
SK_DECLARE_CSR(double, int32_t, f64_i32)
SK_DECLARE_CSR(double, int64_t, f64_i64)
SK_DECLARE_CSR(float, int32_t, f32_i32)
SK_DECLARE_CSR(float, int64_t, f32_i64)

/* ---- CSR times dense (spmm.c) ----
 * For CSR A (n, d), all arrays C-contiguous: out = A X (trans 0: X (d, k),
 * out (n, k)) or A^T X (trans 1: X (n, k), out (d, k)). Returns 0, or -1
 * when an index is inconsistent. A^T X uses one (d, k) accumulator per
 * thread within SK_SLOT_BUDGET bytes, and fewer threads beyond it. */
#define SK_DECLARE_SPMM(T, I, SUF)                                             \
  int64_t sk_csr_matmat_##SUF(const I *indptr, const I *indices, const T *data, \
                              int64_t n, int64_t nnz, int64_t d, const T *X,    \
                              int64_t k, T *out, int trans);
SK_DECLARE_SPMM(double, int32_t, f64_i32)
SK_DECLARE_SPMM(double, int64_t, f64_i64)
SK_DECLARE_SPMM(float, int32_t, f32_i32)
SK_DECLARE_SPMM(float, int64_t, f32_i64)

/* ---- alternating-minimization row solves (altmin.c) ----
 * The sketched solves hash entry p (of this CSR) as p + offset: a block of
 * rows passes the position of its first entry in the whole matrix.
 * Returns 0, -1 when an index is inconsistent, -2 when out of memory. */
int64_t sk_altmin_update_rows(const int64_t *indptr, const int64_t *indices,
                              const double *data, int64_t n, int64_t nnz,
                              const double *F, int64_t mf, int64_t k, const double *U0,
                              double *out, double reg, int sketched, int64_t n_inner,
                              int64_t sketch_rows, uint64_t seed, int64_t offset,
                              int weighted, double *resid);

/* ---- extended-precision least-squares gradient (refine.c) ----
 * g <- A^T (b - A x); returns ||b - A x||, or -1 when out of memory. */
double sk_grad_dd(const double *A, int64_t n, int64_t d, const double *x,
                  const double *b, double *g);
double sk_grad_f32(const float *A, int64_t n, int64_t d, const double *x, const float *b,
                   double *g);

/* ---- chosen columns with a probe of the whole matrix (columns.c) ----
 * out (n, k) C-contiguous <- V[:, J], lev (n) <- its squared row norms,
 * acc (r) <- V^T (V z), for V (n, r) with element strides (s0, s1) and J in
 * [0, r). Returns the number of rows where V z is not finite, or -1 when out
 * of memory. */
int64_t sk_probe_columns_f64(const double *V, int64_t n, int64_t r, int64_t s0, int64_t s1,
                             const double *z, const int64_t *J, int64_t k, double *out,
                             double *lev, double *acc);

/* ---- k-DPP eigenvector choice (kdpp.c) ----
 * esp_ratios: out (n + 1, k) <- rho_l(m) = e_{l-1}(m) / e_l(m) of the first m
 * of lam (n, >= 0) at [m, l - 1] (+inf where e_l(m) = 0). choose_k: J (k)
 * <- an ascending size-k subset with P(J) ~ prod lam_J, from the uniforms u
 * (n) in [0, 1); returns 0, -1 when lam has fewer than k positive entries,
 * -2 when out of memory. */
void sk_esp_ratios(const double *lam, int64_t n, int64_t k, double *out);
int64_t sk_choose_k(const double *lam, int64_t n, int64_t k, const double *u, int64_t *J);

/* ---- one batch of the projection-DPP chain rule (chain.c) ----
 * F (m, k) C-contiguous: proposal features in draw order; u (m): their
 * uniforms; E (k, k) C-contiguous: rows 0..t-1 an orthonormal basis of the
 * features accepted so far, rows t.. written as proposals are accepted;
 * acc (k): batch positions of the proposals accepted here; resid (m):
 * scratch. Returns how many were accepted (at most k - t). */
int64_t sk_chain_batch(const double *F, int64_t m, int64_t k, const double *u, double *E,
                       int64_t t, int64_t *acc, double *resid);

/* ---- thread policy (threads.c) ----
 * The threads every parallel region uses: 1 in a child created by fork()
 * (GNU OpenMP's pool does not survive fork), else the calling thread's own
 * setting if it has one, else the process-wide setting, else OpenMP's
 * default. Every "omp parallel" in the kernels names num_threads(this). */
int sk_num_threads(void);
int sk_set_num_threads(int n);       /* process-wide; 0 restores the default */
int sk_set_local_num_threads(int n); /* this thread only; 0 clears; returns old */
int sk_in_forked_child(void);
void sk_threads_init(void);

#endif
