/* Bindings of the solvers' kernels: the completion row solves and the
 * extended-precision least-squares gradient. */
#include "bind.h"

/* altmin_update_rows(indptr, indices, data, F, U0, out, reg, sketched, n_inner,
 *                    sketch_rows, seed, resid, offset=0, weighted=False): one
 * half-sweep; with weighted, row i's ridge is reg * (its number of entries) */
PyObject *py_altmin_update_rows(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *fo, *uo, *oo, *so, *ro;
  double reg;
  int sketched, weighted = 0;
  long long n_inner, sketch_rows, offset = 0;
  uint64_t seed;
  buf_t ptr = BUF_INIT, idx = BUF_INIT, data = BUF_INIT, F = BUF_INIT, U0 = BUF_INIT,
        out = BUF_INIT, resid = BUF_INIT;
  int64_t rc = 0;
  if (!PyArg_ParseTuple(args, "OOOOOOdpLLOO|Lp:altmin_update_rows", &po, &io, &dobj, &fo, &uo,
                        &oo, &reg, &sketched, &n_inner, &sketch_rows, &so, &ro, &offset,
                        &weighted))
    return NULL;
  if (parse_seed(so, &seed) < 0 ||
      acquire(po, C_ARRAY("indptr", 0, K_I64, 1, -1, -1), &ptr) < 0)
    goto done;
  int64_t n = ptr.shape[0] - 1;
  if (n < 0) {
    PyErr_SetString(PyExc_ValueError, "indptr must not be empty");
    goto done;
  }
  if (acquire(io, C_ARRAY("indices", 0, K_I64, 1, -1, -1), &idx) < 0 ||
      acquire(dobj, C_ARRAY("data", 0, K_F64, 1, idx.shape[0], -1), &data) < 0 ||
      acquire(fo, C_ARRAY("F", 0, K_F64, 2, -1, -1), &F) < 0 ||
      acquire(uo, C_ARRAY("U0", 0, K_F64, 2, n, F.shape[1]), &U0) < 0 ||
      acquire(oo, C_ARRAY("out", 1, K_F64, 2, n, F.shape[1]), &out) < 0 ||
      (ro != Py_None && acquire(ro, C_ARRAY("resid", 1, K_F64, 1, n, -1), &resid) < 0))
    goto done;
  if (n_inner < 0 || sketch_rows < 0 || offset < 0 || !(reg >= 0.0)) {
    PyErr_SetString(PyExc_ValueError,
                    "need n_inner >= 0, sketch_rows >= 0, offset >= 0, reg >= 0");
    goto done;
  }
  /* out may be U0 itself (each row's warm start is read before it is
   * written), but must not overlap anything else */
  int same = out.view.buf == U0.view.buf;
  buf_t *const ins[] = {&ptr, &idx, &data, &F, &U0, &resid};
  if (disjoint(&out, "out", ins, same ? 4 : 5) < 0 ||
      (resid.held && disjoint(&resid, "resid", ins, 5) < 0))
    goto done;
  if (resid.held && overlaps(&resid, &out)) {
    PyErr_SetString(PyExc_ValueError, "resid must not overlap out");
    goto done;
  }
  Py_BEGIN_ALLOW_THREADS;
  rc = sk_altmin_update_rows(ptr.view.buf, idx.view.buf, data.view.buf, n, idx.shape[0],
                             F.view.buf, F.shape[0], F.shape[1], U0.view.buf, out.view.buf,
                             reg, sketched, n_inner, sketch_rows, seed, (int64_t)offset,
                             weighted, resid.held ? (double *)resid.view.buf : NULL);
  Py_END_ALLOW_THREADS;
  if (rc == -2)
    PyErr_SetString(PyExc_MemoryError, "altmin_update_rows: no memory for the row solves' "
                                       "scratch space (sketch_rows x k doubles per thread)");
  else if (rc < 0)
    bad_structure();
done:
  SK_FINISH(Py_NewRef(Py_None), &ptr, &idx, &data, &F, &U0, &out, &resid);
}

/* accurate_gradient(A, x, b, g) -> ||b - A x||; g <- Aᵀ(b - A x) */
PyObject *py_accurate_gradient(PyObject *self, PyObject *args) {
  PyObject *ao, *xo, *bo, *go;
  buf_t A = BUF_INIT, x = BUF_INIT, b = BUF_INIT, g = BUF_INIT;
  double r = 0.0;
  if (!PyArg_ParseTuple(args, "OOOO:accurate_gradient", &ao, &xo, &bo, &go)) return NULL;
  if (acquire(ao, C_ARRAY("A", 0, K_FLOAT, 2, -1, -1), &A) < 0) goto done;
  int64_t n = A.shape[0], d = A.shape[1];
  if (acquire(xo, C_ARRAY("x", 0, K_F64, 1, d, -1), &x) < 0 ||
      acquire(bo, C_ARRAY("b", 0, A.kind, 1, n, -1), &b) < 0 ||
      acquire(go, C_ARRAY("g", 1, K_F64, 1, d, -1), &g) < 0 ||
      disjoint(&g, "g", (buf_t *const[]){&A, &x, &b}, 3) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  r = A.kind == K_F64 ? sk_grad_dd(A.view.buf, n, d, x.view.buf, b.view.buf, g.view.buf)
                      : sk_grad_f32(A.view.buf, n, d, x.view.buf, b.view.buf, g.view.buf);
  Py_END_ALLOW_THREADS;
  if (r < 0) PyErr_NoMemory();
done:
  SK_FINISH(PyFloat_FromDouble(r), &A, &x, &b, &g);
}
