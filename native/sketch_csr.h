/* CSR sketch-application kernel, included once per (type, index type).
 * Expects T, SUF, I and ISUF; see sketch_impl.h for the sketch's layout. */
/* CSR A (n, k) -> dense C-ordered out (m, k). Each thread owns a range of
 * output rows and scans the (cheap) column map, so there are no write
 * conflicts and no per-thread copies of the output. Every row range and
 * column index is checked where it is read, so arrays changed by another
 * thread during the call are reported (return -1), never read or written
 * out of bounds. */
int64_t SK_CAT(SK_CAT(sk_scatter_csr_, SUF), ISUF)(const I *indptr, const I *indices,
                                                   const T *data, int64_t n, int64_t nnz,
                                                   int64_t k, const int64_t *rows,
                                                   const int8_t *signs, int64_t s,
                                                   double scale, T *out, int64_t m) {
  int64_t bad = 0;
#pragma omp parallel num_threads(sk_num_threads()) if ((double)nnz * s > 1e5) reduction(+ : bad)
  {
    int tid = 0, nth = 1;
#ifdef _OPENMP
    tid = omp_get_thread_num();
    nth = omp_get_num_threads();
#endif
    int64_t per = (m + nth - 1) / nth;
    int64_t r0 = tid * per, r1 = r0 + per < m ? r0 + per : m;
    for (int64_t i = 0; i < n; i++) {
      int64_t p0 = indptr[i], p1 = indptr[i + 1];
      if (!(p0 >= 0 && p0 <= p1 && p1 <= nnz)) {
        bad += 1;
        continue;
      }
      for (int64_t t = 0; t < s; t++) {
        int64_t r = rows[i * s + t];
        if (r < r0 || r >= r1) continue;
        T v = (T)(scale * signs[i * s + t]);
        T *o = out + r * k;
        for (int64_t p = p0; p < p1; p++) {
          int64_t j = indices[p];
          if ((uint64_t)j < (uint64_t)k)
            o[j] += v * data[p];
          else
            bad += 1;
        }
      }
    }
  }
  return bad ? -1 : 0;
}
