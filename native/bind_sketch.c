/* Bindings of the sketch kernels: the Walsh-Hadamard transform, stable
 * hashing, the column maps of hashing sketches, and their application to
 * dense and CSR operands. */
#include "bind.h"

/* fwht(x): in place, along axis 0 of a C- or F-contiguous float array whose
 * first dimension is a power of two */
PyObject *py_fwht(PyObject *self, PyObject *args) {
  PyObject *obj;
  buf_t x = BUF_INIT;
  if (!PyArg_ParseTuple(args, "O:fwht", &obj)) return NULL;
  if (acquire(obj, ANY_ARRAY("x", 1, K_FLOAT, 1, 2), &x) < 0) goto done;
  int64_t n = x.shape[0], k = x.ndim == 2 ? x.shape[1] : 1;
  if (n < 1 || (n & (n - 1)) != 0) {
    PyErr_Format(PyExc_ValueError, "x.shape[0] must be a power of two, got %lld",
                 (long long)n);
    goto done;
  }
  char layout = 0;
  if (k == 1 || n == 1)
    layout = (k == 1 && n > 1 && x.strides[0] != 1) ? 0 : 'F';
  else if (x.strides[1] == 1 && x.strides[0] == k)
    layout = 'C';
  else if (x.strides[0] == 1 && x.strides[1] == n)
    layout = 'F';
  if (!layout) {
    PyErr_SetString(PyExc_ValueError, "x must be C- or F-contiguous");
    goto done;
  }
  if (n > 1) {
    Py_BEGIN_ALLOW_THREADS;
    SK_DISPATCH_F(x.kind, sk_fwht, x.view.buf, n, k, layout);
    Py_END_ALLOW_THREADS;
  }
done:
  SK_FINISH(Py_NewRef(Py_None), &x);
}

/* hash_int64(keys, seed, out): XXH64 of each int64 key */
PyObject *py_hash_int64(PyObject *self, PyObject *args) {
  PyObject *ko, *so, *oo;
  buf_t keys = BUF_INIT, out = BUF_INIT;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "OOO:hash_int64", &ko, &so, &oo)) return NULL;
  if (parse_seed(so, &seed) < 0 ||
      acquire(ko, C_ARRAY("keys", 0, K_I64, 1, -1, -1), &keys) < 0 ||
      acquire(oo, C_ARRAY("out", 1, K_U64, 1, keys.shape[0], -1), &out) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  sk_hash_int64((const int64_t *)keys.view.buf, keys.shape[0], seed,
                (uint64_t *)out.view.buf);
  Py_END_ALLOW_THREADS;
done:
  SK_FINISH(Py_NewRef(Py_None), &keys, &out);
}

/* hash_bytes(data, offsets, seed, out): XXH64 of data[offsets[i]:offsets[i+1]] */
PyObject *py_hash_bytes(PyObject *self, PyObject *args) {
  PyObject *dobj, *oobj, *sobj, *outobj;
  buf_t data = BUF_INIT, offs = BUF_INIT, out = BUF_INIT;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "OOOO:hash_bytes", &dobj, &oobj, &sobj, &outobj)) return NULL;
  if (parse_seed(sobj, &seed) < 0 ||
      acquire(dobj, C_ARRAY("data", 0, K_ANY, 1, -1, -1), &data) < 0 ||
      acquire(outobj, C_ARRAY("out", 1, K_U64, 1, -1, -1), &out) < 0 ||
      acquire(oobj, C_ARRAY("offsets", 0, K_I64, 1, out.shape[0] + 1, -1), &offs) < 0)
    goto done;
  if (data.view.itemsize != 1) {
    PyErr_SetString(PyExc_TypeError, "data must be a contiguous bytes-like object");
    goto done;
  }
  int64_t n = out.shape[0];
  const int64_t *o = (const int64_t *)offs.view.buf;
  int ok = o[0] >= 0 && o[n] <= data.shape[0];
  for (int64_t i = 0; ok && i < n; i++) ok = o[i + 1] >= o[i];
  if (!ok) {
    PyErr_SetString(PyExc_ValueError, "offsets must be non-decreasing and lie within data");
    goto done;
  }
  Py_BEGIN_ALLOW_THREADS;
  sk_hash_bytes((const char *)data.view.buf, o, n, seed, (uint64_t *)out.view.buf);
  Py_END_ALLOW_THREADS;
done:
  SK_FINISH(Py_NewRef(Py_None), &data, &offs, &out);
}

/* sketch_map(seed, start, m, rows, signs): the column map of a hashing sketch */
PyObject *py_sketch_map(PyObject *self, PyObject *args) {
  PyObject *so, *ro, *go;
  long long start, m;
  buf_t rows = BUF_INIT, signs = BUF_INIT;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "OLLOO:sketch_map", &so, &start, &m, &ro, &go)) return NULL;
  if (parse_seed(so, &seed) < 0 ||
      acquire(ro, C_ARRAY("rows", 1, K_I64, 2, -1, -1), &rows) < 0 ||
      acquire(go, C_ARRAY("signs", 1, K_I8, 2, rows.shape[0], rows.shape[1]), &signs) < 0)
    goto done;
  int64_t n = rows.shape[0], s = rows.shape[1];
  if (s < 1 || m < s || start < 0) {
    PyErr_SetString(PyExc_ValueError, "need 1 <= s <= m and start >= 0");
    goto done;
  }
  Py_BEGIN_ALLOW_THREADS;
  sk_sketch_map(seed, start, n, s, m, (int64_t *)rows.view.buf, (int8_t *)signs.view.buf);
  Py_END_ALLOW_THREADS;
done:
  SK_FINISH(Py_NewRef(Py_None), &rows, &signs);
}

/* A column map (rows, signs) of n columns: C-contiguous (n, s), rows in [0, m). */
static int acquire_map(PyObject *ro, PyObject *go, int64_t n, int64_t m, buf_t *rows,
                       buf_t *signs) {
  if (acquire(ro, C_ARRAY("rows", 0, K_I64, 2, n, -1), rows) < 0 ||
      acquire(go, C_ARRAY("signs", 0, K_I8, 2, n, rows->shape[1]), signs) < 0)
    return -1;
  int64_t s = rows->shape[1];
  if (s < 1) {
    PyErr_SetString(PyExc_ValueError, "rows and signs must have at least one column");
    return -1;
  }
  const int64_t *r = (const int64_t *)rows->view.buf;
  for (int64_t i = 0; i < n * s; i++)
    if (r[i] < 0 || r[i] >= m) {
      PyErr_SetString(PyExc_ValueError, "rows has an entry outside [0, m)");
      return -1;
    }
  return 0;
}

/* scatter_dense(A, rows, signs, scale, out): out += S_block @ A;
 * gather_dense(Y, rows, signs, scale, out): out = S_block.T @ Y */
static PyObject *scatter_gather(PyObject *args, int gather) {
  PyObject *ao, *ro, *go, *oo;
  double scale;
  buf_t A = BUF_INIT, rows = BUF_INIT, signs = BUF_INIT, out = BUF_INIT;
  const char *an = gather ? "Y" : "A";
  if (!PyArg_ParseTuple(args, "OOOdO", &ao, &ro, &go, &scale, &oo)) return NULL;
  if (acquire(ao, ANY_ARRAY(an, 0, K_FLOAT, 1, 2), &A) < 0 ||
      acquire(oo, ANY_ARRAY("out", 1, K_ANY, 1, 2), &out) < 0 ||
      expect_same_kind(&A, an, &out, "out") < 0)
    goto done;
  int64_t k = A.ndim == 2 ? A.shape[1] : 1;
  if (A.ndim != out.ndim || k != (out.ndim == 2 ? out.shape[1] : 1)) {
    PyErr_SetString(PyExc_ValueError, "out must have the number of columns of the operand");
    goto done;
  }
  if (overlaps(&A, &out)) {
    PyErr_SetString(PyExc_ValueError, "out must not overlap the operand");
    goto done;
  }
  /* scatter: the map indexes A's rows and holds out's row numbers;
   * gather: the map indexes out's rows and holds Y's row numbers */
  if (acquire_map(ro, go, gather ? out.shape[0] : A.shape[0],
                  gather ? A.shape[0] : out.shape[0], &rows, &signs) < 0)
    goto done;
  int64_t s = rows.shape[1];
  Py_BEGIN_ALLOW_THREADS;
  if (gather)
    SK_DISPATCH_F(A.kind, sk_gather_dense, A.view.buf, A.shape[0], k, A.strides[0],
                  A.strides[1], rows.view.buf, signs.view.buf, s, scale, out.view.buf,
                  out.shape[0], out.strides[0], out.strides[1]);
  else
    SK_DISPATCH_F(A.kind, sk_scatter_dense, A.view.buf, A.shape[0], k, A.strides[0],
                  A.strides[1], rows.view.buf, signs.view.buf, s, scale, out.view.buf,
                  out.shape[0], out.strides[0], out.strides[1]);
  Py_END_ALLOW_THREADS;
done:
  SK_FINISH(Py_NewRef(Py_None), &A, &rows, &signs, &out);
}

PyObject *py_scatter_dense(PyObject *self, PyObject *args) { return scatter_gather(args, 0); }

PyObject *py_gather_dense(PyObject *self, PyObject *args) { return scatter_gather(args, 1); }

/* scatter_csr(indptr, indices, data, ncols, rows, signs, scale, out): out += S @ A */
PyObject *py_scatter_csr(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *ro, *go, *oo;
  long long ncols;
  double scale;
  buf_t ptr = BUF_INIT, idx = BUF_INIT, data = BUF_INIT, rows = BUF_INIT,
        signs = BUF_INIT, out = BUF_INIT;
  int64_t n, nnz, rc = 0;
  if (!PyArg_ParseTuple(args, "OOOLOOdO:scatter_csr", &po, &io, &dobj, &ncols, &ro, &go,
                        &scale, &oo))
    return NULL;
  if (acquire_csr(po, io, dobj, ncols, &ptr, &idx, &data, &n, &nnz) < 0 ||
      acquire(oo, C_ARRAY("out", 1, K_ANY, 2, -1, ncols), &out) < 0 ||
      expect_same_kind(&data, "data", &out, "out") < 0)
    goto done;
  int64_t m = out.shape[0];
  if (disjoint(&out, "out", (buf_t *const[]){&ptr, &idx, &data}, 3) < 0 ||
      acquire_map(ro, go, n, m, &rows, &signs) < 0)
    goto done;
  Py_BEGIN_ALLOW_THREADS;
  rc = SK_DISPATCH_FI(data.kind, ptr.kind, sk_scatter_csr, ptr.view.buf, idx.view.buf,
                      data.view.buf, n, nnz, ncols, rows.view.buf, signs.view.buf,
                      rows.shape[1], scale, out.view.buf, m);
  Py_END_ALLOW_THREADS;
  if (rc < 0) bad_structure();
done:
  SK_FINISH(Py_NewRef(Py_None), &ptr, &idx, &data, &rows, &signs, &out);
}
