/* Body of the fast Walsh-Hadamard transform, included once per real type.
 * Expects T (element type) and SUF (name suffix) to be defined.
 *
 * Everything is a transform "along rows": R rows (R a power of two), each a
 * contiguous run of W elements, row r starting at x + r*S. Such a transform
 * factors as H_R = (H_R1 (x) I_R2)(I_R1 (x) H_R2) with R = R1*R2, which gives
 * the cache blocking:
 *   - a problem that fits in cache is done in place with radix-8 passes whose
 *     inner loop runs over the W contiguous elements of a row (vectorizes);
 *   - a problem too large but with enough rows' worth of width is cut into
 *     column slabs that each fit in cache;
 *   - otherwise the rows are split R = R1*R2: first blocks of R2 consecutive
 *     rows (each fits in cache), then the R1-row transform over rows R2 apart,
 *     which for contiguous rows (W == S) is again a rows problem of width
 *     R2*W and is cut into slabs.
 * A C-ordered (n, k) array is the rows problem (n, k, k): butterflies combine
 * whole contiguous rows, no copy to F order. An F-ordered column is a
 * contiguous vector: 8-point base kernels, then the rows problem (n/8, 8, 8).
 * Each element crosses memory about twice, whatever n.
 */

#define SK_CAT2(a, b) a##b
#define SK_CAT(a, b) SK_CAT2(a, b)
#define FN(name) SK_CAT(name, SUF)

/* Bytes that a blocked sub-problem may occupy: a slice of L2. */
#ifndef SK_FWHT_CACHE
#define SK_FWHT_CACHE (512 * 1024)
#endif
#define SK_MIN_SLAB 16 /* elements: at least two cache lines of float64 */

#ifndef SK_FWHT_HELPERS
#define SK_FWHT_HELPERS
static inline int64_t sk_lg(int64_t n) { /* n a power of two */
  int64_t l = 0;
  while (((int64_t)1 << l) < n) l++;
  return l;
}
/* Split 2^lg_total = 2^(lg_total - lo) * 2^lo with lo <= lg_max (the part
 * that fits in cache, lo > base) so that the radix-8 sweeps of the two parts,
 * ceil((lo - base)/3) + ceil((lg_total - lo)/3), are fewest; ties go to the
 * larger lo. */
static inline int64_t sk_split_lg(int64_t lg_total, int64_t lg_max, int64_t base) {
  int64_t best = lg_max, best_cost = -1;
  for (int64_t lo = lg_max; lo > base && lo >= 1; lo--) {
    int64_t cost = (lo - base + 2) / 3 + (lg_total - lo + 2) / 3;
    if (best_cost < 0 || cost < best_cost) {
      best = lo;
      best_cost = cost;
    }
  }
  return best;
}
#endif

/* The radix-8, radix-4 and radix-2 butterflies, on scalars or on GCC/Clang
 * vectors alike (the operators are the same). */
#define SK_BFLY2(a, b) { __typeof__(a) s_ = a + b, d_ = a - b; a = s_; b = d_; }
#define SK_BFLY4(a, b, c, d)                                                  \
  { __typeof__(a) s0 = a + b, s1 = a - b, s2 = c + d, s3 = c - d;            \
    a = s0 + s2; b = s1 + s3; c = s0 - s2; d = s1 - s3; }
#define SK_BFLY8(a0, a1, a2, a3, a4, a5, a6, a7)                              \
  { SK_BFLY4(a0, a1, a2, a3) SK_BFLY4(a4, a5, a6, a7)                         \
    SK_BFLY2(a0, a4) SK_BFLY2(a1, a5) SK_BFLY2(a2, a6) SK_BFLY2(a3, a7) }

/* R rows of W elements (W a multiple of STEP), row r at x + r*S: all stages,
 * the data staying in cache. The loop over a row's elements moves STEP
 * elements at a time as one VT. */
#define SK_ROWS_INCACHE_BODY(VT, STEP)                                         \
  int64_t h = 1;                                                               \
  for (; 8 * h <= R; h *= 8)                                                   \
    for (int64_t i = 0; i < R; i += 8 * h)                                     \
      for (int64_t j = i; j < i + h; j++) {                                    \
        T *p = x + j * S;                                                      \
        const int64_t hs = h * S;                                              \
        for (int64_t t = 0; t < W; t += STEP) {                                \
          VT a0 = *(VT *)(p + t), a1 = *(VT *)(p + hs + t);                    \
          VT a2 = *(VT *)(p + 2 * hs + t), a3 = *(VT *)(p + 3 * hs + t);       \
          VT a4 = *(VT *)(p + 4 * hs + t), a5 = *(VT *)(p + 5 * hs + t);       \
          VT a6 = *(VT *)(p + 6 * hs + t), a7 = *(VT *)(p + 7 * hs + t);       \
          SK_BFLY8(a0, a1, a2, a3, a4, a5, a6, a7)                             \
          *(VT *)(p + t) = a0; *(VT *)(p + hs + t) = a1;                       \
          *(VT *)(p + 2 * hs + t) = a2; *(VT *)(p + 3 * hs + t) = a3;          \
          *(VT *)(p + 4 * hs + t) = a4; *(VT *)(p + 5 * hs + t) = a5;          \
          *(VT *)(p + 6 * hs + t) = a6; *(VT *)(p + 7 * hs + t) = a7;          \
        }                                                                      \
      }                                                                        \
  if (4 * h <= R) {                                                            \
    for (int64_t j = 0; j < h; j++) {                                          \
      T *p = x + j * S;                                                        \
      const int64_t hs = h * S;                                                \
      for (int64_t t = 0; t < W; t += STEP) {                                  \
        VT a0 = *(VT *)(p + t), a1 = *(VT *)(p + hs + t);                      \
        VT a2 = *(VT *)(p + 2 * hs + t), a3 = *(VT *)(p + 3 * hs + t);         \
        SK_BFLY4(a0, a1, a2, a3)                                               \
        *(VT *)(p + t) = a0; *(VT *)(p + hs + t) = a1;                         \
        *(VT *)(p + 2 * hs + t) = a2; *(VT *)(p + 3 * hs + t) = a3;            \
      }                                                                        \
    }                                                                          \
    h *= 4;                                                                    \
  }                                                                            \
  if (h < R) {                                                                 \
    for (int64_t j = 0; j < h; j++) {                                          \
      T *p = x + j * S;                                                        \
      for (int64_t t = 0; t < W; t += STEP) {                                  \
        VT a0 = *(VT *)(p + t), a1 = *(VT *)(p + h * S + t);                   \
        SK_BFLY2(a0, a1)                                                       \
        *(VT *)(p + t) = a0; *(VT *)(p + h * S + t) = a1;                      \
      }                                                                        \
    }                                                                          \
  }

SK_CLONES
static void FN(rows_incache_scalar_)(T *x, int64_t R, int64_t W, int64_t S) {
  SK_ROWS_INCACHE_BODY(T, 1)
}

#if SK_HAVE_VEC
/* 32-byte vectors (one AVX register; two SSE registers on the baseline),
 * loaded and stored unaligned. */
typedef T FN(vec_) __attribute__((vector_size(32), aligned(sizeof(T))));
#define VL ((int64_t)(32 / sizeof(T)))

SK_CLONES
static void FN(rows_incache_vec_)(T *x, int64_t R, int64_t W, int64_t S) {
  SK_ROWS_INCACHE_BODY(FN(vec_), VL)
}

/* All log2(VL) stages inside one vector, by shuffles. */
static inline __attribute__((always_inline)) FN(vec_) FN(inreg_)(FN(vec_) v) {
  FN(vec_) w, s, d;
#if SK_VL == 4
  w = __builtin_shufflevector(v, v, 1, 0, 3, 2);
  s = v + w; d = w - v;
  v = __builtin_shufflevector(s, d, 0, 5, 2, 7);
  w = __builtin_shufflevector(v, v, 2, 3, 0, 1);
  s = v + w; d = w - v;
  v = __builtin_shufflevector(s, d, 0, 1, 6, 7);
#else
  w = __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
  s = v + w; d = w - v;
  v = __builtin_shufflevector(s, d, 0, 9, 2, 11, 4, 13, 6, 15);
  w = __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
  s = v + w; d = w - v;
  v = __builtin_shufflevector(s, d, 0, 1, 10, 11, 4, 5, 14, 15);
  w = __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
  s = v + w; d = w - v;
  v = __builtin_shufflevector(s, d, 0, 1, 2, 3, 12, 13, 14, 15);
#endif
  return v;
}

/* Base blocks of 8 vectors: the in-vector stages, then three stages across
 * the 8 vectors, all in registers. */
SK_CLONES
static void FN(base_blocks_)(T *x, int64_t n) {
  typedef FN(vec_) VT;
  for (int64_t i = 0; i < n; i += 8 * VL) {
    T *p = x + i;
    VT a0 = FN(inreg_)(*(VT *)(p)), a1 = FN(inreg_)(*(VT *)(p + VL));
    VT a2 = FN(inreg_)(*(VT *)(p + 2 * VL)), a3 = FN(inreg_)(*(VT *)(p + 3 * VL));
    VT a4 = FN(inreg_)(*(VT *)(p + 4 * VL)), a5 = FN(inreg_)(*(VT *)(p + 5 * VL));
    VT a6 = FN(inreg_)(*(VT *)(p + 6 * VL)), a7 = FN(inreg_)(*(VT *)(p + 7 * VL));
    SK_BFLY8(a0, a1, a2, a3, a4, a5, a6, a7)
    *(VT *)(p) = a0; *(VT *)(p + VL) = a1; *(VT *)(p + 2 * VL) = a2;
    *(VT *)(p + 3 * VL) = a3; *(VT *)(p + 4 * VL) = a4; *(VT *)(p + 5 * VL) = a5;
    *(VT *)(p + 6 * VL) = a6; *(VT *)(p + 7 * VL) = a7;
  }
}
#endif

static void FN(rows_incache_)(T *x, int64_t R, int64_t W, int64_t S) {
#if SK_HAVE_VEC
  if (W % VL == 0 && S % VL == 0) {
    FN(rows_incache_vec_)(x, R, W, S);
    return;
  }
#endif
  FN(rows_incache_scalar_)(x, R, W, S);
}

/* A contiguous vector of length n that fits in cache. */
static void FN(vec_incache_)(T *x, int64_t n) {
#if SK_HAVE_VEC
  if (n >= 8 * VL) {
    FN(base_blocks_)(x, n);
    FN(rows_incache_)(x, n / (8 * VL), 8 * VL, 8 * VL);
    return;
  }
#endif
  FN(rows_incache_scalar_)(x, n, 1, 1);
}

#ifdef VL
#undef VL
#endif

static void FN(rows_blocked_)(T *x, int64_t R, int64_t W, int64_t S, int par);

/* A contiguous vector of any length (a power of two). */
static void FN(vec_blocked_)(T *x, int64_t n, int par) {
  const int64_t cap = SK_FWHT_CACHE / (int64_t)sizeof(T);
  if (n <= cap) {
    FN(vec_incache_)(x, n);
    return;
  }
  /* n = n1 * n2 with n2 in cache; n2 chosen so both halves use whole
   * radix-8 sweeps where possible (the base block covers log2(8*VL) stages) */
  const int64_t n2 = (int64_t)1 << sk_split_lg(sk_lg(n), sk_lg(cap),
                                               sk_lg(32 / (int64_t)sizeof(T)) + 3);
  const int64_t n1 = n / n2;
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (par)
  for (int64_t b = 0; b < n1; b++) FN(vec_incache_)(x + b * n2, n2);
  FN(rows_blocked_)(x, n1, n2, n2, par);
}

static void FN(rows_blocked_)(T *x, int64_t R, int64_t W, int64_t S, int par) {
  const int64_t cap = SK_FWHT_CACHE / (int64_t)sizeof(T);
  if (R <= 1) return;
  if (R * W <= cap) {
    FN(rows_incache_)(x, R, W, S);
    return;
  }
  if (R * SK_MIN_SLAB <= cap && W > SK_MIN_SLAB) {
    int64_t w = (cap / R) & ~(int64_t)(SK_MIN_SLAB - 1);
    int64_t nslab = (W + w - 1) / w;
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (par)
    for (int64_t q = 0; q < nslab; q++) {
      int64_t c0 = q * w, wq = (W - c0 < w) ? W - c0 : w;
      FN(rows_incache_)(x + c0, R, wq, S);
    }
    return;
  }
  /* split the rows: R2 consecutive rows fit in cache (at least 2 rows). */
  int64_t lg_fit = 1;
  while (((int64_t)2 << lg_fit) * W <= cap && ((int64_t)2 << lg_fit) < R) lg_fit++;
  const int64_t R2 = (int64_t)1 << sk_split_lg(sk_lg(R), lg_fit, 0);
  const int64_t R1 = R / R2;
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (par)
  for (int64_t b = 0; b < R1; b++) FN(rows_blocked_)(x + b * R2 * S, R2, W, S, 0);
  if (W == S) {
    FN(rows_blocked_)(x, R1, R2 * W, R2 * S, par);
  } else {
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if (par)
    for (int64_t r2 = 0; r2 < R2; r2++)
      FN(rows_blocked_)(x + r2 * S, R1, W, R2 * S, 0);
  }
}

void FN(sk_fwht_)(T *x, int64_t n, int64_t k, char layout) {
  if (n <= 1 || k <= 0) return;
  if (layout == 'C' || k == 1) {
    if (k == 1)
      FN(vec_blocked_)(x, n, 1);
    else
      FN(rows_blocked_)(x, n, k, k, 1);
    return;
  }
  /* F order: columns are independent contiguous vectors. With fewer
   * columns than threads, parallelize inside each column instead. */
  if (k >= sk_num_threads()) {
#pragma omp parallel for num_threads(sk_num_threads()) schedule(dynamic, 1)
    for (int64_t j = 0; j < k; j++) FN(vec_blocked_)(x + j * n, n, 0);
  } else {
    for (int64_t j = 0; j < k; j++) FN(vec_blocked_)(x + j * n, n, 1);
  }
}

#undef FN
