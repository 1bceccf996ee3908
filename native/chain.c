/* One batch of the projection-DPP chain rule by rejection from the leverage
 * proposal (sketchla.sampling.dpp.chain_rule_rejection).
 *
 * The proposals are i.i.d. and do not depend on the chain's state, so a batch
 * is examined in order, each proposal once, against the state at its turn:
 * after t acceptances, proposal i (feature f_i, uniform u_i) is accepted when
 * u_i ||f_i||^2 < ||P_t^perp f_i||^2, the squared residual of f_i against the
 * orthonormal rows e_0..e_{t-1} of E. The residuals of the batch are formed
 * once and lowered by (f_i . e_t)^2 for the unexamined proposals after each
 * acceptance; the accepted feature is orthogonalized against E twice
 * (classical Gram-Schmidt with one re-orthogonalization) and normalized.
 * O(m k t) to start, O(m k) per acceptance; serial (the batch is small).
 */
#include <math.h>

#include "common.h"

SK_CLONES
int64_t sk_chain_batch(const double *F, int64_t m, int64_t k, const double *u, double *E,
                       int64_t t, int64_t *acc, double *resid) {
  for (int64_t i = 0; i < m; i++) {
    const double *f = F + i * k;
    double r = sk_dot(f, 1, f, k);
    double bar = u[i] * r;
    for (int64_t s = 0; s < t; s++) {
      double p = sk_dot(f, 1, E + s * k, k);
      r -= p * p;
    }
    /* resid holds the residual minus its acceptance bar: accept when > 0 */
    resid[i] = r - bar;
  }
  int64_t n_acc = 0;
  for (int64_t i = 0; i < m && t < k; i++) {
    if (!(resid[i] > 0.0)) continue;
    const double *f = F + i * k;
    double *w = E + t * k;
    for (int64_t c = 0; c < k; c++) w[c] = f[c];
    for (int pass = 0; pass < 2; pass++)
      for (int64_t s = 0; s < t; s++) {
        const double *e = E + s * k;
        double p = sk_dot(w, 1, e, k);
        for (int64_t c = 0; c < k; c++) w[c] -= p * e[c];
      }
    double nrm = sqrt(sk_dot(w, 1, w, k));
    if (!(nrm > 0.0 && isfinite(nrm))) continue; /* in the span after all: rejected */
    for (int64_t c = 0; c < k; c++) w[c] /= nrm;
    acc[n_acc++] = i;
    t++;
    if (t < k)
      for (int64_t j = i + 1; j < m; j++) {
        double p = sk_dot(F + j * k, 1, w, k);
        resid[j] -= p * p;
      }
  }
  return n_acc;
}
