/* Bindings of the CSR kernels: products with dense blocks and Gram matrices. */
#include "bind.h"

/* csr_matmat(indptr, indices, data, ncols, X, out, trans): out <- A X or Aᵀ X */
PyObject *py_csr_matmat(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *xo, *oo;
  long long ncols;
  int trans;
  buf_t ptr = BUF_INIT, idx = BUF_INIT, data = BUF_INIT, X = BUF_INIT, out = BUF_INIT;
  int64_t n, nnz, rc = 0;
  if (!PyArg_ParseTuple(args, "OOOLOOp:csr_matmat", &po, &io, &dobj, &ncols, &xo, &oo, &trans))
    return NULL;
  if (acquire_csr(po, io, dobj, ncols, &ptr, &idx, &data, &n, &nnz) < 0) goto done;
  int64_t rows_in = trans ? n : ncols, rows_out = trans ? ncols : n;
  if (acquire(xo, C_ARRAY("X", 0, data.kind, 2, rows_in, -1), &X) < 0 ||
      acquire(oo, C_ARRAY("out", 1, data.kind, 2, rows_out, X.shape[1]), &out) < 0 ||
      disjoint(&out, "out", (buf_t *const[]){&ptr, &idx, &data, &X}, 4) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  rc = SK_DISPATCH_FI(data.kind, ptr.kind, sk_csr_matmat, ptr.view.buf, idx.view.buf,
                      data.view.buf, n, nnz, ncols, X.view.buf, X.shape[1], out.view.buf,
                      trans);
  Py_END_ALLOW_THREADS;
  if (rc < 0) bad_structure();
done:
  SK_FINISH(Py_NewRef(Py_None), &ptr, &idx, &data, &X, &out);
}

/* sparse_gram(indptr, indices, data, d, out): out (d, d) <- AᵀA */
PyObject *py_sparse_gram(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *oo;
  long long d;
  buf_t ptr = BUF_INIT, idx = BUF_INIT, data = BUF_INIT, out = BUF_INIT;
  int64_t n, nnz, rc = 0;
  if (!PyArg_ParseTuple(args, "OOOLO:sparse_gram", &po, &io, &dobj, &d, &oo)) return NULL;
  if (acquire_csr(po, io, dobj, d, &ptr, &idx, &data, &n, &nnz) < 0 ||
      acquire(oo, C_ARRAY("out", 1, K_F64, 2, d, d), &out) < 0 ||
      disjoint(&out, "out", (buf_t *const[]){&ptr, &idx, &data}, 3) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  rc = SK_DISPATCH_FI(data.kind, ptr.kind, sk_sparse_gram, ptr.view.buf, idx.view.buf,
                      data.view.buf, n, nnz, d, out.view.buf);
  Py_END_ALLOW_THREADS;
  if (rc < 0) bad_structure();
done:
  SK_FINISH(Py_NewRef(Py_None), &ptr, &idx, &data, &out);
}
