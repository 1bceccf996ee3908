/* CSR times dense kernel, included once per (T, I, SUF); see spmm.c. */

/* out (n, k) = A X, X (d, k). Rows are handed out in chunks (dynamic
 * schedule, so rows of uneven length balance); each output row sums four
 * scaled rows of X per pass, so it is loaded and stored once per four
 * entries. */
SK_CLONES static int64_t SK_CAT(gather_, SUF)(const I *indptr, const I *indices,
                                              const T *data, int64_t n, int64_t nnz,
                                              int64_t d, const T *SK_RESTRICT X, int64_t k,
                                              T *SK_RESTRICT out) {
  int64_t bad = 0;
#pragma omp parallel for schedule(dynamic, 256) num_threads(sk_num_threads()) \
    if ((double)nnz * k > 2e5) reduction(+ : bad)
  for (int64_t i = 0; i < n; i++) {
    T *SK_RESTRICT o = out + i * k;
    for (int64_t c = 0; c < k; c++) o[c] = 0;
    int64_t p0 = indptr[i], p1 = indptr[i + 1];
    if (!(p0 >= 0 && p0 <= p1 && p1 <= nnz)) {
      bad += 1;
      continue;
    }
    int64_t p = p0;
    for (; p + 4 <= p1; p += 4) {
      int64_t j0 = indices[p], j1 = indices[p + 1], j2 = indices[p + 2], j3 = indices[p + 3];
      if (p + SK_AHEAD + 4 <= nnz)
        for (int q = 0; q < 4; q++) sk_prefetch_row(X, indices[p + SK_AHEAD + q], d, k, 0);
      if ((uint64_t)j0 >= (uint64_t)d || (uint64_t)j1 >= (uint64_t)d ||
          (uint64_t)j2 >= (uint64_t)d || (uint64_t)j3 >= (uint64_t)d) {
        bad += 1;
        continue;
      }
      const T v0 = data[p], v1 = data[p + 1], v2 = data[p + 2], v3 = data[p + 3];
      const T *x0 = X + j0 * k, *x1 = X + j1 * k, *x2 = X + j2 * k, *x3 = X + j3 * k;
      for (int64_t c = 0; c < k; c++) o[c] += (v0 * x0[c] + v1 * x1[c]) + (v2 * x2[c] + v3 * x3[c]);
    }
    for (; p < p1; p++) {
      int64_t j = indices[p];
      if ((uint64_t)j >= (uint64_t)d) {
        bad += 1;
        continue;
      }
      const T v = data[p];
      const T *x = X + j * k;
      for (int64_t c = 0; c < k; c++) o[c] += v * x[c];
    }
  }
  return bad;
}

/* out (d, k) += A[r0:r1]^T Y[r0:r1], Y (n, k). */
SK_CLONES static int64_t SK_CAT(scatter_rows_, SUF)(const I *indptr, const I *indices,
                                                    const T *data, int64_t r0, int64_t r1,
                                                    int64_t nnz, int64_t d,
                                                    const T *SK_RESTRICT Y, int64_t k,
                                                    T *SK_RESTRICT out) {
  int64_t bad = 0;
  for (int64_t i = r0; i < r1; i++) {
    int64_t p0 = indptr[i], p1 = indptr[i + 1];
    if (!(p0 >= 0 && p0 <= p1 && p1 <= nnz)) {
      bad += 1;
      continue;
    }
    const T *SK_RESTRICT y = Y + i * k;
    for (int64_t p = p0; p < p1; p++) {
      int64_t j = indices[p];
      if ((uint64_t)j >= (uint64_t)d) {
        bad += 1;
        continue;
      }
      if (p + SK_AHEAD < nnz) sk_prefetch_row(out, indices[p + SK_AHEAD], d, k, 1);
      const T v = data[p];
      T *SK_RESTRICT o = out + j * k;
      for (int64_t c = 0; c < k; c++) o[c] += v * y[c];
    }
  }
  return bad;
}

/* out (d, k) = A^T Y. Each thread scatters a range of rows of A (balanced
 * by entries) into its own zeroed (d, k) accumulator (thread 0 into out),
 * and the accumulators are summed in a fixed order, so the result does not
 * depend on scheduling. Threads beyond the memory budget SK_SLOT_BUDGET
 * for accumulators are not used. */
static int64_t SK_CAT(scatter_, SUF)(const I *indptr, const I *indices, const T *data,
                                     int64_t n, int64_t nnz, int64_t d, const T *Y,
                                     int64_t k, T *out) {
  int64_t bad = 0, dk = d * k;
  int nth = sk_num_threads();
  double per = (double)dk * sizeof(T);
  if (per > 0 && (nth - 1) * per > SK_SLOT_BUDGET) nth = 1 + (int)(SK_SLOT_BUDGET / per);
  if (nth < 1 || (double)nnz * k < 2e5 || n < 2) nth = 1;
  T *extra = NULL;
  if (nth > 1) {
    extra = (T *)sk_big_alloc((size_t)(nth - 1) * (size_t)dk * sizeof(T));
    if (!extra) nth = 1;
  }
  if (nth > 64) nth = 64;
  /* row boundaries with about nnz/nth entries each (indptr read, not trusted) */
  int64_t cut[65];
  cut[0] = 0;
  cut[nth] = n;
  for (int t = 1; t < nth; t++) {
    int64_t target = nnz * t / nth, lo = cut[t - 1], hi = n;
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if ((int64_t)indptr[mid] < target) lo = mid + 1; else hi = mid;
    }
    cut[t] = lo;
  }
#pragma omp parallel num_threads(nth) if (nth > 1) reduction(+ : bad)
  {
    int tid = 0;
#ifdef _OPENMP
    tid = omp_get_thread_num();
#endif
    T *acc = tid == 0 ? out : extra + (size_t)(tid - 1) * (size_t)dk;
    for (int64_t e = 0; e < dk; e++) acc[e] = 0;
    bad += SK_CAT(scatter_rows_, SUF)(indptr, indices, data, cut[tid], cut[tid + 1], nnz, d,
                                      Y, k, acc);
#pragma omp barrier
#pragma omp for schedule(static)
    for (int64_t e = 0; e < dk; e++) {
      T s = out[e];
      for (int t = 1; t < nth; t++) s += extra[(size_t)(t - 1) * (size_t)dk + e];
      out[e] = s;
    }
  }
  sk_big_free(extra);
  return bad;
}

int64_t SK_CAT(sk_csr_matmat_, SUF)(const I *indptr, const I *indices, const T *data,
                                    int64_t n, int64_t nnz, int64_t d, const T *X, int64_t k,
                                    T *out, int trans) {
  int64_t bad = trans ? SK_CAT(scatter_, SUF)(indptr, indices, data, n, nnz, d, X, k, out)
                      : SK_CAT(gather_, SUF)(indptr, indices, data, n, nnz, d, X, k, out);
  return bad ? -1 : 0;
}
