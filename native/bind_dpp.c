/* Bindings of the DPP kernels: column probes, the elementary symmetric
 * polynomials of a k-DPP, the subset draw and the chain rule's batches. */
#include "bind.h" /* Python.h first */

#include <math.h>

/* probe_columns(V, z, J, out, lev, acc) -> rows of V z that are not finite;
 * out <- V[:, J], lev <- its squared row norms, acc <- Vᵀ(V z) */
PyObject *py_probe_columns(PyObject *self, PyObject *args) {
  PyObject *vo, *zo, *jo, *oo, *lo, *ao;
  buf_t V = BUF_INIT, z = BUF_INIT, J = BUF_INIT, out = BUF_INIT, lev = BUF_INIT,
        acc = BUF_INIT;
  int64_t bad = 0;
  if (!PyArg_ParseTuple(args, "OOOOOO:probe_columns", &vo, &zo, &jo, &oo, &lo, &ao))
    return NULL;
  if (acquire(vo, ANY_ARRAY("V", 0, K_F64, 2, 2), &V) < 0) goto done;
  int64_t n = V.shape[0], r = V.shape[1];
  if (acquire(zo, C_ARRAY("z", 0, K_F64, 1, r, -1), &z) < 0 ||
      acquire(jo, C_ARRAY("J", 0, K_I64, 1, -1, -1), &J) < 0)
    goto done;
  int64_t k = J.shape[0];
  const int64_t *jv = (const int64_t *)J.view.buf;
  for (int64_t t = 0; t < k; t++)
    if (jv[t] < 0 || jv[t] >= r) {
      PyErr_SetString(PyExc_ValueError, "J: a column index is out of range");
      goto done;
    }
  buf_t *const ins[] = {&V, &z, &J, &out, &lev};
  if (acquire(oo, C_ARRAY("out", 1, K_F64, 2, n, k), &out) < 0 ||
      acquire(lo, C_ARRAY("lev", 1, K_F64, 1, n, -1), &lev) < 0 ||
      acquire(ao, C_ARRAY("acc", 1, K_F64, 1, r, -1), &acc) < 0 ||
      disjoint(&out, "out", ins, 3) < 0 || disjoint(&lev, "lev", ins, 4) < 0 ||
      disjoint(&acc, "acc", ins, 5) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  bad = sk_probe_columns_f64(V.view.buf, n, r, V.strides[0], V.strides[1], z.view.buf, jv, k,
                             out.view.buf, lev.view.buf, acc.view.buf);
  Py_END_ALLOW_THREADS;
  if (bad < 0) PyErr_NoMemory();
done:
  SK_FINISH(PyLong_FromLongLong((long long)bad), &V, &z, &J, &out, &lev, &acc);
}

/* The eigenvalues of a k-DPP: contiguous float64, finite, >= 0. */
static int acquire_eigenvalues(PyObject *obj, buf_t *b) {
  if (acquire(obj, C_ARRAY("lam", 0, K_F64, 1, -1, -1), b) < 0) return -1;
  const double *v = (const double *)b->view.buf;
  for (int64_t i = 0; i < b->shape[0]; i++)
    if (!(isfinite(v[i]) && v[i] >= 0.0)) {
      PyErr_SetString(PyExc_ValueError, "lam must be finite and non-negative");
      return -1;
    }
  return 0;
}

/* esp_ratios(lam, out): out (n + 1, k) <- the ratios e_{l-1} / e_l */
PyObject *py_esp_ratios(PyObject *self, PyObject *args) {
  PyObject *lo, *oo;
  buf_t lam = BUF_INIT, out = BUF_INIT;
  if (!PyArg_ParseTuple(args, "OO:esp_ratios", &lo, &oo)) return NULL;
  if (acquire_eigenvalues(lo, &lam) < 0 ||
      acquire(oo, C_ARRAY("out", 1, K_F64, 2, lam.shape[0] + 1, -1), &out) < 0 ||
      disjoint(&out, "out", (buf_t *const[]){&lam}, 1) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  sk_esp_ratios(lam.view.buf, lam.shape[0], out.shape[1], out.view.buf);
  Py_END_ALLOW_THREADS;
done:
  SK_FINISH(Py_NewRef(Py_None), &lam, &out);
}

/* choose_k(lam, u, J): J (k) <- a size-k subset with P(J) ~ prod lam_J */
PyObject *py_choose_k(PyObject *self, PyObject *args) {
  PyObject *lo, *uo, *jo;
  buf_t lam = BUF_INIT, u = BUF_INIT, J = BUF_INIT;
  int64_t rc = 0;
  if (!PyArg_ParseTuple(args, "OOO:choose_k", &lo, &uo, &jo)) return NULL;
  if (acquire_eigenvalues(lo, &lam) < 0) goto done;
  int64_t n = lam.shape[0];
  if (acquire(uo, C_ARRAY("u", 0, K_F64, 1, n, -1), &u) < 0 ||
      acquire(jo, C_ARRAY("J", 1, K_I64, 1, -1, -1), &J) < 0)
    goto done;
  const double *uv = (const double *)u.view.buf;
  for (int64_t i = 0; i < n; i++)
    if (!(uv[i] >= 0.0 && uv[i] < 1.0)) {
      PyErr_SetString(PyExc_ValueError, "u must lie in [0, 1)");
      goto done;
    }
  if (disjoint(&J, "J", (buf_t *const[]){&lam, &u}, 2) < 0) goto done;
  Py_BEGIN_ALLOW_THREADS;
  rc = sk_choose_k(lam.view.buf, n, J.shape[0], uv, J.view.buf);
  Py_END_ALLOW_THREADS;
  if (rc == -2)
    PyErr_NoMemory();
  else if (rc == -1)
    PyErr_SetString(PyExc_ValueError, "lam has fewer positive entries than the size of J");
done:
  SK_FINISH(Py_NewRef(Py_None), &lam, &u, &J);
}

/* chain_batch(F, u, E, t, acc, resid) -> accepted: one batch of the
 * projection-DPP chain rule (chain.c) */
PyObject *py_chain_batch(PyObject *self, PyObject *args) {
  PyObject *fo, *uo, *eo, *ao, *ro;
  long long t;
  buf_t F = BUF_INIT, u = BUF_INIT, E = BUF_INIT, acc = BUF_INIT, resid = BUF_INIT;
  int64_t got = 0;
  if (!PyArg_ParseTuple(args, "OOOLOO:chain_batch", &fo, &uo, &eo, &t, &ao, &ro)) return NULL;
  if (acquire(fo, C_ARRAY("F", 0, K_F64, 2, -1, -1), &F) < 0) goto done;
  int64_t m = F.shape[0], k = F.shape[1];
  if (acquire(uo, C_ARRAY("u", 0, K_F64, 1, m, -1), &u) < 0 ||
      acquire(eo, C_ARRAY("E", 1, K_F64, 2, k, k), &E) < 0 ||
      acquire(ao, C_ARRAY("acc", 1, K_I64, 1, k, -1), &acc) < 0 ||
      acquire(ro, C_ARRAY("resid", 1, K_F64, 1, m, -1), &resid) < 0)
    goto done;
  if (t < 0 || t > k) {
    PyErr_Format(PyExc_ValueError, "t must be in [0, %lld], got %lld", (long long)k, t);
    goto done;
  }
  buf_t *const ins[] = {&F, &u, &E, &acc};
  if (disjoint(&E, "E", ins, 2) < 0 || disjoint(&acc, "acc", ins, 3) < 0 ||
      disjoint(&resid, "resid", ins, 4) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  got = sk_chain_batch(F.view.buf, m, k, u.view.buf, E.view.buf, (int64_t)t, acc.view.buf,
                       resid.view.buf);
  Py_END_ALLOW_THREADS;
done:
  SK_FINISH(PyLong_FromLongLong((long long)got), &F, &u, &E, &acc, &resid);
}
