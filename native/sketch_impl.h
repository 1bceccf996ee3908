/* Hashing-sketch application kernels, included once per (type, index type).
 * Expects T and SUF (name suffix for T); the CSR kernel is in sketch_csr.h.
 *
 * The sketch S (m, n) has, in column i, nonzeros at rows[i, t] with value
 * scale * signs[i, t], t < s (CountSketch: s = 1; sparse sign: s > 1).
 * S @ A touches each stored entry of A s times: O(nnz(A) * s) work, no
 * densification, and the output is the only memory written.
 */
#define SK_CAT2(a, b) a##b
#define SK_CAT(a, b) SK_CAT2(a, b)

SK_CLONES
static void SK_CAT(axpy_, SUF)(T *SK_RESTRICT y, const T *SK_RESTRICT x, T v, int64_t len) {
  for (int64_t c = 0; c < len; c++) y[c] += v * x[c];
}

void SK_CAT(sk_scatter_dense_, SUF)(const T *A, int64_t n, int64_t k, int64_t as0,
                                    int64_t as1, const int64_t *rows,
                                    const int8_t *signs, int64_t s, double scale,
                                    T *out, int64_t m, int64_t os0, int64_t os1) {
  const int nt = sk_num_threads();
  /* row-major: the rows are cut into a fixed number of contiguous slots
   * (independent of the thread count), each streamed -- what hardware
   * prefetchers like best -- into its own (m, k) accumulator (slot 0: out
   * itself). The threads take slots one at a time, so one that shares its
   * core with another process takes fewer; the accumulators are then added
   * into out in slot order, each thread owning a range of output rows. The
   * result is the same for every thread count. */
  int64_t nslot = n / 64 < SK_SLOTS ? n / 64 : SK_SLOTS;
  /* the extra accumulators cost memory traffic: keep them within an eighth
   * of A ((nslot - 1) m <= n / 8) and within SK_SLOT_BUDGET bytes */
  if (m > 0 && nslot > 1 + n / (8 * m)) nslot = 1 + n / (8 * m);
  const double slot_bytes = (double)m * k * sizeof(T);
  if (slot_bytes > 0 && (nslot - 1) * slot_bytes > SK_SLOT_BUDGET)
    nslot = 1 + (int64_t)(SK_SLOT_BUDGET / slot_bytes);
  if (as1 == 1 && os1 == 1 && nslot >= 2) {
    T *priv = (T *)calloc((size_t)(nslot - 1) * (size_t)m * (size_t)k, sizeof(T));
    if (priv != NULL) {
      const int par = (double)n * k * s > 1e5;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (par)
      for (int64_t q = 0; q < nslot; q++) {
        int64_t i0 = n * q / nslot, i1 = n * (q + 1) / nslot;
        T *o = q == 0 ? out : priv + (size_t)(q - 1) * m * k;
        int64_t ostr = q == 0 ? os0 : k;
        for (int64_t i = i0; i < i1; i++) {
          const T *a = A + i * as0;
          for (int64_t t = 0; t < s; t++)
            SK_CAT(axpy_, SUF)(o + rows[i * s + t] * ostr, a, (T)(scale * signs[i * s + t]), k);
        }
      }
#pragma omp parallel for num_threads(nt) schedule(static) if (par)
      for (int64_t r = 0; r < m; r++)
        for (int64_t q = 1; q < nslot; q++)
          SK_CAT(axpy_, SUF)(out + r * os0, priv + (size_t)(q - 1) * m * k + r * k, (T)1, k);
      free(priv);
      return;
    }
  }
  if (as1 == 1 && os1 == 1 && k >= 2 * nt) {
    /* row-major: each thread owns a slice of the output columns and streams
     * through all rows of A; no two threads write the same entry. */
#pragma omp parallel num_threads(sk_num_threads())
    {
      int tid = 0, nth = 1;
#ifdef _OPENMP
      tid = omp_get_thread_num();
      nth = omp_get_num_threads();
#endif
      int64_t per = (k + nth - 1) / nth;
      per = (per + 7) & ~(int64_t)7;
      int64_t c0 = tid * per, c1 = c0 + per < k ? c0 + per : k;
      if (c0 < c1) {
        for (int64_t i = 0; i < n; i++) {
          const T *a = A + i * as0 + c0;
          for (int64_t t = 0; t < s; t++) {
            T v = (T)(scale * signs[i * s + t]);
            SK_CAT(axpy_, SUF)(out + rows[i * s + t] * os0 + c0, a, v, c1 - c0);
          }
        }
      }
    }
    return;
  }
  if (as1 == 1 && os1 == 1) {
    /* few columns: one pass, serial (the work is a scatter of n*s short rows) */
    for (int64_t i = 0; i < n; i++)
      for (int64_t t = 0; t < s; t++)
        SK_CAT(axpy_, SUF)(out + rows[i * s + t] * os0, A + i * as0,
                           (T)(scale * signs[i * s + t]), k);
    return;
  }
  /* column-major or strided: columns are independent */
#pragma omp parallel for num_threads(sk_num_threads()) schedule(dynamic, 1) if (k > 1 && (double)n * k > 1e5)
  for (int64_t c = 0; c < k; c++) {
    const T *a = A + c * as1;
    T *o = out + c * os1;
    for (int64_t i = 0; i < n; i++) {
      T ai = a[i * as0];
      for (int64_t t = 0; t < s; t++)
        o[rows[i * s + t] * os0] += (T)(scale * signs[i * s + t]) * ai;
    }
  }
}

void SK_CAT(sk_gather_dense_, SUF)(const T *Y, int64_t m, int64_t k, int64_t ys0,
                                   int64_t ys1, const int64_t *rows,
                                   const int8_t *signs, int64_t s, double scale,
                                   T *out, int64_t n, int64_t os0, int64_t os1) {
  (void)m;
  if (ys1 == 1 && os1 == 1) {
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if ((double)n * k * s > 1e5)
    for (int64_t i = 0; i < n; i++) {
      T *o = out + i * os0;
      for (int64_t c = 0; c < k; c++) o[c] = 0;
      for (int64_t t = 0; t < s; t++)
        SK_CAT(axpy_, SUF)(o, Y + rows[i * s + t] * ys0,
                           (T)(scale * signs[i * s + t]), k);
    }
    return;
  }
#pragma omp parallel for num_threads(sk_num_threads()) schedule(static) if ((double)n * k * s > 1e5)
  for (int64_t i = 0; i < n; i++) {
    for (int64_t c = 0; c < k; c++) {
      T acc = 0;
      for (int64_t t = 0; t < s; t++)
        acc += (T)(scale * signs[i * s + t]) * Y[rows[i * s + t] * ys0 + c * ys1];
      out[i * os0 + c * os1] = acc;
    }
  }
}
