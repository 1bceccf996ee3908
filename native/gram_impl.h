/* Sparse Gram kernel, included once per (value type T, index type I). */
int64_t SK_CAT(sk_sparse_gram_, SUF)(const I *indptr, const I *indices, const T *data,
                                     int64_t n, int64_t nnz, int64_t d, double *out) {
  int nt = sk_num_threads();
  if ((double)nnz < 1e5) nt = 1;
  double *priv = NULL;
  if (nt > 1) {
    priv = (double *)calloc((size_t)(nt - 1) * (size_t)d * (size_t)d, sizeof(double));
    if (priv == NULL) nt = 1;
  }
  int64_t bad = 0;
  memset(out, 0, sizeof(double) * (size_t)d * (size_t)d);
#pragma omp parallel num_threads(nt) reduction(+ : bad)
  {
    int tid = 0, nth = 1;
#ifdef _OPENMP
    tid = omp_get_thread_num();
    nth = omp_get_num_threads();
#endif
    double *G = tid == 0 ? out : priv + (size_t)(tid - 1) * d * d;
    for (int64_t i = n * tid / nth; i < n * (tid + 1) / nth; i++) {
      int64_t p0 = indptr[i], p1 = indptr[i + 1];
      if (!(p0 >= 0 && p0 <= p1 && p1 <= nnz)) {
        bad += 1;
        continue;
      }
      for (int64_t p = p0; p < p1; p++) {
        int64_t j = indices[p];
        if (j < 0 || j >= d) {
          bad += 1;
          break;
        }
        double a = (double)data[p];
        double *g = G + j * d;
        g[j] += 0.5 * a * a; /* the diagonal pair, halved: G + G^T below */
        for (int64_t q = p + 1; q < p1; q++) {
          int64_t c = indices[q];
          if (c < 0 || c >= d) {
            bad += 1;
            break;
          }
          g[c] += a * (double)data[q];
        }
      }
    }
#pragma omp barrier
    /* S = sum of the accumulators, then G = S + S^T: each thread owns a
     * band of rows; the second pass reads only the lower triangle and
     * writes only the upper, the third copies the upper to the lower */
    for (int b = 0; b + 1 < nth; b++) {
      const double *s = priv + (size_t)b * d * d;
      for (int64_t r = d * tid / nth; r < d * (tid + 1) / nth; r++)
        for (int64_t c = 0; c < d; c++) out[r * d + c] += s[r * d + c];
    }
#pragma omp barrier
    for (int64_t r = d * tid / nth; r < d * (tid + 1) / nth; r++)
      for (int64_t c = r; c < d; c++) {
        double v = out[r * d + c] + out[c * d + r];
        out[r * d + c] = v;
      }
#pragma omp barrier
    for (int64_t r = d * tid / nth; r < d * (tid + 1) / nth; r++)
      for (int64_t c = 0; c < r; c++) out[r * d + c] = out[c * d + r];
  }
  free(priv);
  return bad ? -1 : 0;
}
