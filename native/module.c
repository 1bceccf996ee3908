/* Python boundary of sketchla._native.
 *
 * Arrays arrive through the buffer protocol (no NumPy C API, so the build
 * needs no NumPy headers). Every shape, dtype, stride and index is checked
 * here, against the buffer it came from, before a kernel runs; kernels run
 * with the GIL released.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#include "common.h"

typedef enum { K_F64, K_F32, K_I64, K_I32, K_I8, K_U64, K_BYTE, K_OTHER } kind_t;

typedef struct {
  Py_buffer view;
  int held;
  kind_t kind;
  int64_t shape[2];
  int64_t strides[2]; /* in elements */
  int ndim;
} buf_t;

static kind_t kind_of(const char *fmt, Py_ssize_t itemsize) {
  if (fmt == NULL) return K_BYTE;
  if (*fmt == '@' || *fmt == '=') fmt++;
#if PY_LITTLE_ENDIAN
  else if (*fmt == '<') fmt++;
#else
  else if (*fmt == '>') fmt++;
#endif
  if (fmt[0] == '\0' || fmt[1] != '\0') return K_OTHER;
  switch (fmt[0]) {
    case 'd': return itemsize == 8 ? K_F64 : K_OTHER;
    case 'f': return itemsize == 4 ? K_F32 : K_OTHER;
    case 'q': case 'l': case 'i': case 'n':
      return itemsize == 8 ? K_I64 : itemsize == 4 ? K_I32 : K_OTHER;
    case 'Q': case 'L': case 'N': return itemsize == 8 ? K_U64 : K_OTHER;
    case 'b': return K_I8;
    case 'B': case 'c': return K_BYTE;
    default: return K_OTHER;
  }
}

static const char *kind_name(kind_t k) {
  switch (k) {
    case K_F64: return "float64";
    case K_F32: return "float32";
    case K_I64: return "int64";
    case K_I32: return "int32";
    case K_I8: return "int8";
    case K_U64: return "uint64";
    case K_BYTE: return "bytes";
    default: return "an unsupported type";
  }
}

static void release(buf_t *b) {
  if (b->held) PyBuffer_Release(&b->view);
  b->held = 0;
}

/* Release the first n buffers of a NULL-free list. */
static void release_all(buf_t *const *bufs, int n) {
  for (int i = 0; i < n; i++) release(bufs[i]);
}

/* Acquire obj as a 1-D or 2-D buffer (ndim_max) of a known kind. */
static int acquire(PyObject *obj, const char *name, int writable, int ndim_min,
                   int ndim_max, buf_t *b) {
  memset(b, 0, sizeof(*b));
  int flags = PyBUF_STRIDES | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError,
                 "%s must be a%s array supporting the buffer protocol", name,
                 writable ? " writable" : "n");
    return -1;
  }
  b->held = 1;
  b->kind = kind_of(b->view.format, b->view.itemsize);
  b->ndim = b->view.ndim;
  if (b->ndim < ndim_min || b->ndim > ndim_max) {
    PyErr_Format(PyExc_ValueError, "%s must have %d to %d dimensions, got %d", name,
                 ndim_min, ndim_max, b->ndim);
    release(b);
    return -1;
  }
  b->shape[0] = b->shape[1] = 1;
  b->strides[0] = b->strides[1] = 1;
  for (int d = 0; d < b->ndim; d++) {
    Py_ssize_t st = b->view.strides ? b->view.strides[d] : b->view.itemsize;
    b->shape[d] = (int64_t)b->view.shape[d];
    if (st < 0 || st % b->view.itemsize != 0) {
      PyErr_Format(PyExc_ValueError,
                   "%s must have non-negative strides that are multiples of its "
                   "item size",
                   name);
      release(b);
      return -1;
    }
    b->strides[d] = (int64_t)(st / b->view.itemsize);
  }
  if (b->ndim == 1) b->strides[1] = b->shape[0];
  return 0;
}

static int expect_kind(buf_t *b, const char *name, kind_t k) {
  if (b->kind != k) {
    PyErr_Format(PyExc_TypeError, "%s must be %s, got %s", name, kind_name(k),
                 kind_name(b->kind));
    return -1;
  }
  return 0;
}

static int expect_contiguous_1d(buf_t *b, const char *name) {
  if (b->ndim != 1 || (b->shape[0] > 1 && b->strides[0] != 1)) {
    PyErr_Format(PyExc_ValueError, "%s must be a contiguous 1-D array", name);
    return -1;
  }
  return 0;
}

static char *span_end(buf_t *b) {
  /* one past the last byte the buffer's elements occupy */
  int64_t last = 0;
  for (int d = 0; d < b->ndim; d++) {
    if (b->shape[d] == 0) return (char *)b->view.buf;
    last += (b->shape[d] - 1) * b->strides[d];
  }
  return (char *)b->view.buf + (last + 1) * b->view.itemsize;
}

static int overlaps(buf_t *a, buf_t *b) {
  char *a0 = (char *)a->view.buf, *a1 = span_end(a);
  char *b0 = (char *)b->view.buf, *b1 = span_end(b);
  return a0 < b1 && b0 < a1;
}

static void bad_structure(void) {
  PyErr_SetString(PyExc_ValueError,
                  "the sparse structure (indptr/indices) is inconsistent: an index is "
                  "out of range, or the arrays were changed while the call ran");
}

/* ---------------------------------------------------------------- fwht */

PyDoc_STRVAR(fwht_doc,
             "fwht(x)\n--\n\nIn-place unnormalized Walsh-Hadamard transform along "
             "axis 0 of a C- or F-contiguous float32/float64 array whose first "
             "dimension is a power of two.");

static PyObject *py_fwht(PyObject *self, PyObject *args) {
  PyObject *obj;
  buf_t x;
  if (!PyArg_ParseTuple(args, "O:fwht", &obj)) return NULL;
  if (acquire(obj, "x", 1, 1, 2, &x) < 0) return NULL;
  if (x.kind != K_F64 && x.kind != K_F32) {
    PyErr_Format(PyExc_TypeError, "x must be float32 or float64, got %s",
                 kind_name(x.kind));
    goto fail;
  }
  int64_t n = x.shape[0], k = x.ndim == 2 ? x.shape[1] : 1;
  if (n < 1 || (n & (n - 1)) != 0) {
    PyErr_Format(PyExc_ValueError,
                 "x.shape[0] must be a power of two, got %lld", (long long)n);
    goto fail;
  }
  char layout;
  if (k == 1 || n == 1) {
    if (k == 1 && n > 1 && x.strides[0] != 1) goto notcontig;
    if (n == 1) goto done; /* nothing to do */
    layout = 'F';
  } else if (x.strides[1] == 1 && x.strides[0] == k) {
    layout = 'C';
  } else if (x.strides[0] == 1 && x.strides[1] == n) {
    layout = 'F';
  } else {
    goto notcontig;
  }
  Py_BEGIN_ALLOW_THREADS;
  if (x.kind == K_F64)
    sk_fwht_f64((double *)x.view.buf, n, k, layout);
  else
    sk_fwht_f32((float *)x.view.buf, n, k, layout);
  Py_END_ALLOW_THREADS;
done:
  release(&x);
  Py_RETURN_NONE;
notcontig:
  PyErr_SetString(PyExc_ValueError, "x must be C- or F-contiguous");
fail:
  release(&x);
  return NULL;
}

/* ---------------------------------------------------------------- hashing */

static int parse_seed(PyObject *obj, uint64_t *seed) {
  unsigned long long v = PyLong_AsUnsignedLongLongMask(obj);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "seed must be an integer");
    return -1;
  }
  *seed = (uint64_t)v;
  return 0;
}

static PyObject *py_hash_int64(PyObject *self, PyObject *args) {
  PyObject *ko, *so, *oo;
  buf_t keys, out;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "OOO:hash_int64", &ko, &so, &oo)) return NULL;
  if (parse_seed(so, &seed) < 0) return NULL;
  if (acquire(ko, "keys", 0, 1, 1, &keys) < 0) return NULL;
  if (acquire(oo, "out", 1, 1, 1, &out) < 0) {
    release(&keys);
    return NULL;
  }
  if (expect_kind(&keys, "keys", K_I64) < 0 || expect_kind(&out, "out", K_U64) < 0 ||
      expect_contiguous_1d(&keys, "keys") < 0 || expect_contiguous_1d(&out, "out") < 0)
    goto fail;
  if (out.shape[0] != keys.shape[0]) {
    PyErr_SetString(PyExc_ValueError, "out must have the length of keys");
    goto fail;
  }
  Py_BEGIN_ALLOW_THREADS;
  sk_hash_int64((const int64_t *)keys.view.buf, keys.shape[0], seed,
                (uint64_t *)out.view.buf);
  Py_END_ALLOW_THREADS;
  release(&keys);
  release(&out);
  Py_RETURN_NONE;
fail:
  release(&keys);
  release(&out);
  return NULL;
}

static PyObject *py_hash_bytes(PyObject *self, PyObject *args) {
  PyObject *dobj, *oobj, *sobj, *outobj;
  buf_t data, offs, out;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "OOOO:hash_bytes", &dobj, &oobj, &sobj, &outobj))
    return NULL;
  if (parse_seed(sobj, &seed) < 0) return NULL;
  memset(&offs, 0, sizeof(offs));
  memset(&out, 0, sizeof(out));
  if (acquire(dobj, "data", 0, 1, 1, &data) < 0) return NULL;
  if (acquire(oobj, "offsets", 0, 1, 1, &offs) < 0 ||
      acquire(outobj, "out", 1, 1, 1, &out) < 0)
    goto fail;
  if (data.view.itemsize != 1 || expect_contiguous_1d(&data, "data") < 0) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_TypeError, "data must be a contiguous bytes-like object");
    goto fail;
  }
  if (expect_kind(&offs, "offsets", K_I64) < 0 || expect_kind(&out, "out", K_U64) < 0 ||
      expect_contiguous_1d(&offs, "offsets") < 0 || expect_contiguous_1d(&out, "out") < 0)
    goto fail;
  int64_t n = out.shape[0];
  if (offs.shape[0] != n + 1) {
    PyErr_SetString(PyExc_ValueError, "offsets must have length len(out) + 1");
    goto fail;
  }
  const int64_t *o = (const int64_t *)offs.view.buf;
  if (o[0] < 0 || o[n] > data.shape[0]) goto badoffs;
  for (int64_t i = 0; i < n; i++)
    if (o[i + 1] < o[i]) goto badoffs;
  Py_BEGIN_ALLOW_THREADS;
  sk_hash_bytes((const char *)data.view.buf, o, n, seed, (uint64_t *)out.view.buf);
  Py_END_ALLOW_THREADS;
  release(&data);
  release(&offs);
  release(&out);
  Py_RETURN_NONE;
badoffs:
  PyErr_SetString(PyExc_ValueError,
                  "offsets must be non-decreasing and lie within data");
fail:
  release(&data);
  release(&offs);
  release(&out);
  return NULL;
}

/* -------------------------------------------------------- sketch map */

static PyObject *py_sketch_map(PyObject *self, PyObject *args) {
  PyObject *so, *ro, *go;
  long long start, m;
  buf_t rows, signs;
  uint64_t seed;
  if (!PyArg_ParseTuple(args, "OLLOO:sketch_map", &so, &start, &m, &ro, &go)) return NULL;
  if (parse_seed(so, &seed) < 0) return NULL;
  memset(&signs, 0, sizeof(signs));
  if (acquire(ro, "rows", 1, 2, 2, &rows) < 0) return NULL;
  if (acquire(go, "signs", 1, 2, 2, &signs) < 0) goto fail;
  if (expect_kind(&rows, "rows", K_I64) < 0 || expect_kind(&signs, "signs", K_I8) < 0)
    goto fail;
  int64_t n = rows.shape[0], s = rows.shape[1];
  if (signs.shape[0] != n || signs.shape[1] != s ||
      (n > 0 && (rows.strides[1] != 1 || rows.strides[0] != s ||
                 signs.strides[1] != 1 || signs.strides[0] != s))) {
    PyErr_SetString(PyExc_ValueError,
                    "rows and signs must be C-contiguous arrays of the same shape");
    goto fail;
  }
  if (s < 1 || m < s || start < 0) {
    PyErr_SetString(PyExc_ValueError, "need 1 <= s <= m and start >= 0");
    goto fail;
  }
  Py_BEGIN_ALLOW_THREADS;
  sk_sketch_map(seed, start, n, s, m, (int64_t *)rows.view.buf,
                (int8_t *)signs.view.buf);
  Py_END_ALLOW_THREADS;
  release(&rows);
  release(&signs);
  Py_RETURN_NONE;
fail:
  release(&rows);
  release(&signs);
  return NULL;
}

/* Check a column map against the sketch height m. */
static int check_map(buf_t *rows, buf_t *signs, int64_t n, int64_t m) {
  if (expect_kind(rows, "rows", K_I64) < 0 || expect_kind(signs, "signs", K_I8) < 0)
    return -1;
  int64_t s = rows->shape[1];
  if (rows->ndim != 2 || signs->ndim != 2 || rows->shape[0] != n ||
      signs->shape[0] != n || signs->shape[1] != s || s < 1 ||
      (n > 0 && (rows->strides[1] != 1 || rows->strides[0] != s ||
                 signs->strides[1] != 1 || signs->strides[0] != s))) {
    PyErr_SetString(PyExc_ValueError,
                    "rows and signs must be C-contiguous (n, s) arrays matching the "
                    "operand");
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

static int same_float(buf_t *a, const char *an, buf_t *b, const char *bn) {
  if (a->kind != K_F64 && a->kind != K_F32) {
    PyErr_Format(PyExc_TypeError, "%s must be float32 or float64, got %s", an,
                 kind_name(a->kind));
    return -1;
  }
  if (b->kind != a->kind) {
    PyErr_Format(PyExc_TypeError, "%s must have the dtype of %s (%s), got %s", bn, an,
                 kind_name(a->kind), kind_name(b->kind));
    return -1;
  }
  return 0;
}

/* scatter_dense(A, rows, signs, scale, out): out += S_block @ A */
static PyObject *py_scatter_gather(PyObject *args, int gather) {
  PyObject *ao, *ro, *go, *oo;
  double scale;
  buf_t A, rows, signs, out;
  memset(&rows, 0, sizeof(rows));
  memset(&signs, 0, sizeof(signs));
  memset(&out, 0, sizeof(out));
  if (!PyArg_ParseTuple(args, "OOOdO", &ao, &ro, &go, &scale, &oo)) return NULL;
  if (acquire(ao, gather ? "Y" : "A", 0, 1, 2, &A) < 0) return NULL;
  if (acquire(ro, "rows", 0, 2, 2, &rows) < 0 || acquire(go, "signs", 0, 2, 2, &signs) < 0 ||
      acquire(oo, "out", 1, 1, 2, &out) < 0)
    goto fail;
  if (same_float(&A, gather ? "Y" : "A", &out, "out") < 0) goto fail;
  int64_t k = A.ndim == 2 ? A.shape[1] : 1;
  int64_t kout = out.ndim == 2 ? out.shape[1] : 1;
  if (A.ndim != out.ndim || k != kout) {
    PyErr_SetString(PyExc_ValueError, "out must have the number of columns of the operand");
    goto fail;
  }
  if (overlaps(&A, &out)) {
    PyErr_SetString(PyExc_ValueError, "out must not overlap the operand");
    goto fail;
  }
  /* scatter: map rows index A's rows and hold out's row numbers;
   * gather: map rows index out's rows and hold Y's row numbers */
  int64_t nmap = gather ? out.shape[0] : A.shape[0];
  int64_t mrange = gather ? A.shape[0] : out.shape[0];
  if (check_map(&rows, &signs, nmap, mrange) < 0) goto fail;
  int64_t s = rows.shape[1];
  Py_BEGIN_ALLOW_THREADS;
  if (!gather) {
    if (A.kind == K_F64)
      sk_scatter_dense_f64((const double *)A.view.buf, A.shape[0], k, A.strides[0],
                           A.strides[1], rows.view.buf, signs.view.buf, s, scale,
                           (double *)out.view.buf, out.shape[0], out.strides[0],
                           out.strides[1]);
    else
      sk_scatter_dense_f32((const float *)A.view.buf, A.shape[0], k, A.strides[0],
                           A.strides[1], rows.view.buf, signs.view.buf, s, scale,
                           (float *)out.view.buf, out.shape[0], out.strides[0],
                           out.strides[1]);
  } else {
    if (A.kind == K_F64)
      sk_gather_dense_f64((const double *)A.view.buf, A.shape[0], k, A.strides[0],
                          A.strides[1], rows.view.buf, signs.view.buf, s, scale,
                          (double *)out.view.buf, out.shape[0], out.strides[0],
                          out.strides[1]);
    else
      sk_gather_dense_f32((const float *)A.view.buf, A.shape[0], k, A.strides[0],
                          A.strides[1], rows.view.buf, signs.view.buf, s, scale,
                          (float *)out.view.buf, out.shape[0], out.strides[0],
                          out.strides[1]);
  }
  Py_END_ALLOW_THREADS;
  release(&A);
  release(&rows);
  release(&signs);
  release(&out);
  Py_RETURN_NONE;
fail:
  release(&A);
  release(&rows);
  release(&signs);
  release(&out);
  return NULL;
}

static PyObject *py_scatter_dense(PyObject *self, PyObject *args) {
  return py_scatter_gather(args, 0);
}

static PyObject *py_gather_dense(PyObject *self, PyObject *args) {
  return py_scatter_gather(args, 1);
}

/* scatter_csr(indptr, indices, data, ncols, rows, signs, scale, out) */
static PyObject *py_scatter_csr(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *ro, *go, *oo;
  long long ncols;
  double scale;
  buf_t ptr, idx, data, rows, signs, out;
  memset(&idx, 0, sizeof(idx));
  memset(&data, 0, sizeof(data));
  memset(&rows, 0, sizeof(rows));
  memset(&signs, 0, sizeof(signs));
  memset(&out, 0, sizeof(out));
  if (!PyArg_ParseTuple(args, "OOOLOOdO:scatter_csr", &po, &io, &dobj, &ncols, &ro, &go,
                        &scale, &oo))
    return NULL;
  if (acquire(po, "indptr", 0, 1, 1, &ptr) < 0) return NULL;
  if (acquire(io, "indices", 0, 1, 1, &idx) < 0 || acquire(dobj, "data", 0, 1, 1, &data) < 0 ||
      acquire(ro, "rows", 0, 2, 2, &rows) < 0 || acquire(go, "signs", 0, 2, 2, &signs) < 0 ||
      acquire(oo, "out", 1, 2, 2, &out) < 0)
    goto fail;
  if (expect_contiguous_1d(&ptr, "indptr") < 0 || expect_contiguous_1d(&idx, "indices") < 0 ||
      expect_contiguous_1d(&data, "data") < 0)
    goto fail;
  if ((ptr.kind != K_I32 && ptr.kind != K_I64) || idx.kind != ptr.kind) {
    PyErr_SetString(PyExc_TypeError,
                    "indptr and indices must both be int32 or both be int64");
    goto fail;
  }
  if (same_float(&data, "data", &out, "out") < 0) goto fail;
  int64_t n = ptr.shape[0] - 1, nnz = idx.shape[0], m = out.shape[0];
  if (n < 0 || data.shape[0] != nnz || ncols < 0 || out.shape[1] != ncols ||
      (m > 0 && ncols > 0 && (out.strides[1] != 1 || out.strides[0] != ncols))) {
    PyErr_SetString(PyExc_ValueError,
                    "inconsistent CSR arrays or out is not a C-contiguous (m, ncols) array");
    goto fail;
  }
  if (overlaps(&out, &ptr) || overlaps(&out, &idx) || overlaps(&out, &data)) {
    PyErr_SetString(PyExc_ValueError, "out must not overlap the operand");
    goto fail;
  }
  if (check_map(&rows, &signs, n, m) < 0) goto fail;
  int64_t s = rows.shape[1];
  int64_t rc;
  Py_BEGIN_ALLOW_THREADS;
  if (data.kind == K_F64) {
    if (ptr.kind == K_I32)
      rc = sk_scatter_csr_f64_i32(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                  rows.view.buf, signs.view.buf, s, scale, out.view.buf, m);
    else
      rc = sk_scatter_csr_f64_i64(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                  rows.view.buf, signs.view.buf, s, scale, out.view.buf, m);
  } else {
    if (ptr.kind == K_I32)
      rc = sk_scatter_csr_f32_i32(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                  rows.view.buf, signs.view.buf, s, scale, out.view.buf, m);
    else
      rc = sk_scatter_csr_f32_i64(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                  rows.view.buf, signs.view.buf, s, scale, out.view.buf, m);
  }
  Py_END_ALLOW_THREADS;
  if (rc < 0) {
    bad_structure();
    goto fail;
  }
  release(&ptr);
  release(&idx);
  release(&data);
  release(&rows);
  release(&signs);
  release(&out);
  Py_RETURN_NONE;
fail:
  release(&ptr);
  release(&idx);
  release(&data);
  release(&rows);
  release(&signs);
  release(&out);
  return NULL;
}

/* Acquire a C-contiguous array of one kind, ndim and shape (-1: any). */
static int carray(PyObject *obj, const char *name, int writable, kind_t kind, int ndim,
                  int64_t s0, int64_t s1, buf_t *b) {
  if (acquire(obj, name, writable, ndim, ndim, b) < 0) return -1;
  if (expect_kind(b, name, kind) < 0) goto fail;
  if ((s0 >= 0 && b->shape[0] != s0) || (ndim == 2 && s1 >= 0 && b->shape[1] != s1)) {
    PyErr_Format(PyExc_ValueError, "%s has the wrong shape", name);
    goto fail;
  }
  int contiguous = ndim == 1 ? (b->shape[0] <= 1 || b->strides[0] == 1)
                             : (b->shape[0] == 0 || b->shape[1] == 0 ||
                                (b->strides[1] == 1 && (b->shape[0] == 1 ||
                                                        b->strides[0] == b->shape[1])));
  if (!contiguous) {
    PyErr_Format(PyExc_ValueError, "%s must be C-contiguous", name);
    goto fail;
  }
  return 0;
fail:
  release(b);
  return -1;
}

static int disjoint(buf_t *out, const char *name, buf_t **ins, int n_in) {
  for (int i = 0; i < n_in; i++)
    if (ins[i]->held && overlaps(out, ins[i])) {
      PyErr_Format(PyExc_ValueError, "%s must not overlap an input", name);
      return -1;
    }
  return 0;
}

/* Acquire the arrays of a CSR matrix (float data, int32 or int64 indices,
 * all contiguous) and check their lengths against each other and ncols;
 * on failure, raises with every buffer released. Sets *n and *nnz. */
static int acquire_csr(PyObject *po, PyObject *io, PyObject *dobj, long long ncols,
                       buf_t *ptr, buf_t *idx, buf_t *data, int64_t *n, int64_t *nnz) {
  memset(idx, 0, sizeof(*idx));
  memset(data, 0, sizeof(*data));
  if (acquire(po, "indptr", 0, 1, 1, ptr) < 0) return -1;
  if (acquire(io, "indices", 0, 1, 1, idx) < 0 || acquire(dobj, "data", 0, 1, 1, data) < 0)
    goto fail;
  if (expect_contiguous_1d(ptr, "indptr") < 0 || expect_contiguous_1d(idx, "indices") < 0 ||
      expect_contiguous_1d(data, "data") < 0)
    goto fail;
  if ((ptr->kind != K_I32 && ptr->kind != K_I64) || idx->kind != ptr->kind) {
    PyErr_SetString(PyExc_TypeError,
                    "indptr and indices must both be int32 or both be int64");
    goto fail;
  }
  if (data->kind != K_F64 && data->kind != K_F32) {
    PyErr_SetString(PyExc_TypeError, "data must be float32 or float64");
    goto fail;
  }
  *n = ptr->shape[0] - 1;
  *nnz = idx->shape[0];
  if (*n < 0 || data->shape[0] != *nnz || ncols < 0) {
    PyErr_SetString(PyExc_ValueError, "inconsistent CSR arrays");
    goto fail;
  }
  return 0;
fail:
  release(ptr);
  release(idx);
  release(data);
  return -1;
}

/* csr_matmat(indptr, indices, data, ncols, X, out, trans): out <- A X or A^T X */
static PyObject *py_csr_matmat(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *xo, *oo;
  long long ncols;
  int trans;
  buf_t ptr, idx, data, X, out;
  int64_t n, nnz;
  memset(&X, 0, sizeof(X));
  memset(&out, 0, sizeof(out));
  if (!PyArg_ParseTuple(args, "OOOLOOp:csr_matmat", &po, &io, &dobj, &ncols, &xo, &oo, &trans))
    return NULL;
  if (acquire_csr(po, io, dobj, ncols, &ptr, &idx, &data, &n, &nnz) < 0) return NULL;
  int64_t rows_in = trans ? n : ncols, rows_out = trans ? ncols : n;
  if (carray(xo, "X", 0, data.kind, 2, rows_in, -1, &X) < 0) goto fail;
  int64_t k = X.shape[1];
  if (carray(oo, "out", 1, data.kind, 2, rows_out, k, &out) < 0) goto fail;
  buf_t *ins[] = {&ptr, &idx, &data, &X};
  if (disjoint(&out, "out", ins, 4) < 0) goto fail;
  int64_t rc;
  Py_BEGIN_ALLOW_THREADS;
  if (data.kind == K_F64) {
    if (ptr.kind == K_I32)
      rc = sk_csr_matmat_f64_i32(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                 X.view.buf, k, out.view.buf, trans);
    else
      rc = sk_csr_matmat_f64_i64(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                 X.view.buf, k, out.view.buf, trans);
  } else {
    if (ptr.kind == K_I32)
      rc = sk_csr_matmat_f32_i32(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                 X.view.buf, k, out.view.buf, trans);
    else
      rc = sk_csr_matmat_f32_i64(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, ncols,
                                 X.view.buf, k, out.view.buf, trans);
  }
  Py_END_ALLOW_THREADS;
  if (rc < 0) bad_structure();
fail:;
  buf_t *const held[] = {&ptr, &idx, &data, &X, &out};
  release_all(held, 5);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

/* sparse_gram(indptr, indices, data, d, out): out (d, d) <- A^T A */
static PyObject *py_sparse_gram(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *oo;
  long long d;
  buf_t ptr, idx, data, out;
  int64_t n, nnz;
  memset(&out, 0, sizeof(out));
  if (!PyArg_ParseTuple(args, "OOOLO:sparse_gram", &po, &io, &dobj, &d, &oo)) return NULL;
  if (acquire_csr(po, io, dobj, d, &ptr, &idx, &data, &n, &nnz) < 0) return NULL;
  if (carray(oo, "out", 1, K_F64, 2, d, d, &out) < 0) goto fail;
  buf_t *ins[] = {&ptr, &idx, &data};
  if (disjoint(&out, "out", ins, 3) < 0) goto fail;
  int64_t rc = 0;
  Py_BEGIN_ALLOW_THREADS;
  if (data.kind == K_F64)
    rc = ptr.kind == K_I32
             ? sk_sparse_gram_f64_i32(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, d,
                                      out.view.buf)
             : sk_sparse_gram_f64_i64(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, d,
                                      out.view.buf);
  else
    rc = ptr.kind == K_I32
             ? sk_sparse_gram_f32_i32(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, d,
                                      out.view.buf)
             : sk_sparse_gram_f32_i64(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz, d,
                                      out.view.buf);
  Py_END_ALLOW_THREADS;
  if (rc < 0) bad_structure();
fail:;
  buf_t *const held[] = {&ptr, &idx, &data, &out};
  release_all(held, 4);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

/* altmin_update_rows(indptr, indices, data, F, U0, out, reg, sketched, n_inner,
 *                    sketch_rows, seed, resid, offset=0, weighted=False): with
 *                    weighted, row i's ridge is reg * (its number of entries) */
static PyObject *py_altmin_update_rows(PyObject *self, PyObject *args) {
  PyObject *po, *io, *dobj, *fo, *uo, *oo, *so, *ro;
  double reg;
  int sketched, weighted = 0;
  long long n_inner, sketch_rows, offset = 0;
  uint64_t seed;
  buf_t ptr, idx, data, F, U0, out, resid;
  memset(&idx, 0, sizeof(buf_t));
  memset(&data, 0, sizeof(buf_t));
  memset(&F, 0, sizeof(buf_t));
  memset(&U0, 0, sizeof(buf_t));
  memset(&out, 0, sizeof(buf_t));
  memset(&resid, 0, sizeof(buf_t));
  if (!PyArg_ParseTuple(args, "OOOOOOdpLLOO|Lp:altmin_update_rows", &po, &io, &dobj, &fo, &uo,
                        &oo, &reg, &sketched, &n_inner, &sketch_rows, &so, &ro, &offset,
                        &weighted))
    return NULL;
  if (parse_seed(so, &seed) < 0) return NULL;
  if (carray(po, "indptr", 0, K_I64, 1, -1, -1, &ptr) < 0) return NULL;
  int64_t n = ptr.shape[0] - 1;
  if (n < 0) {
    PyErr_SetString(PyExc_ValueError, "indptr must not be empty");
    goto fail;
  }
  if (carray(io, "indices", 0, K_I64, 1, -1, -1, &idx) < 0) goto fail;
  int64_t nnz = idx.shape[0];
  if (carray(dobj, "data", 0, K_F64, 1, nnz, -1, &data) < 0 ||
      carray(fo, "F", 0, K_F64, 2, -1, -1, &F) < 0)
    goto fail;
  int64_t k = F.shape[1];
  if (carray(uo, "U0", 0, K_F64, 2, n, k, &U0) < 0 ||
      carray(oo, "out", 1, K_F64, 2, n, k, &out) < 0)
    goto fail;
  if (ro != Py_None && carray(ro, "resid", 1, K_F64, 1, n, -1, &resid) < 0) goto fail;
  if (n_inner < 0 || sketch_rows < 0 || offset < 0 || !(reg >= 0.0)) {
    PyErr_SetString(PyExc_ValueError,
                    "need n_inner >= 0, sketch_rows >= 0, offset >= 0, reg >= 0");
    goto fail;
  }
  /* out may be U0 itself (each row's warm start is read before it is
   * written), but must not overlap anything else */
  int same = out.view.buf == U0.view.buf;
  buf_t *ins[] = {&ptr, &idx, &data, &F, &U0, &resid};
  if (disjoint(&out, "out", ins, same ? 4 : 5) < 0 ||
      (resid.held && disjoint(&resid, "resid", ins, 5) < 0) ||
      (resid.held && overlaps(&resid, &out))) {
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "resid must not overlap out");
    goto fail;
  }
  int64_t rc;
  Py_BEGIN_ALLOW_THREADS;
  rc = sk_altmin_update_rows(ptr.view.buf, idx.view.buf, data.view.buf, n, nnz,
                             F.view.buf, F.shape[0], k, U0.view.buf, out.view.buf, reg,
                             sketched, n_inner, sketch_rows, seed, (int64_t)offset, weighted,
                             resid.held ? (double *)resid.view.buf : NULL);
  Py_END_ALLOW_THREADS;
  if (rc < 0) {
    bad_structure();
    goto fail;
  }
  release(&ptr);
  release(&idx);
  release(&data);
  release(&F);
  release(&U0);
  release(&out);
  release(&resid);
  Py_RETURN_NONE;
fail:
  release(&ptr);
  release(&idx);
  release(&data);
  release(&F);
  release(&U0);
  release(&out);
  release(&resid);
  return NULL;
}

/* accurate_gradient(A, x, b, g) -> ||b - A x||; g <- A^T (b - A x) */
static PyObject *py_accurate_gradient(PyObject *self, PyObject *args) {
  PyObject *ao, *xo, *bo, *go;
  buf_t A, x, b, g;
  memset(&x, 0, sizeof(buf_t));
  memset(&b, 0, sizeof(buf_t));
  memset(&g, 0, sizeof(buf_t));
  if (!PyArg_ParseTuple(args, "OOOO:accurate_gradient", &ao, &xo, &bo, &go)) return NULL;
  if (acquire(ao, "A", 0, 2, 2, &A) < 0) return NULL;
  kind_t kind = A.kind;
  release(&A);
  if (kind != K_F64 && kind != K_F32) {
    PyErr_SetString(PyExc_TypeError, "A must be float32 or float64");
    return NULL;
  }
  if (carray(ao, "A", 0, kind, 2, -1, -1, &A) < 0) return NULL;
  int64_t n = A.shape[0], d = A.shape[1];
  if (carray(xo, "x", 0, K_F64, 1, d, -1, &x) < 0 ||
      carray(bo, "b", 0, kind, 1, n, -1, &b) < 0 || carray(go, "g", 1, K_F64, 1, d, -1, &g) < 0)
    goto fail;
  buf_t *ins[] = {&A, &x, &b};
  if (disjoint(&g, "g", ins, 3) < 0) goto fail;
  double r;
  Py_BEGIN_ALLOW_THREADS;
  r = kind == K_F64 ? sk_grad_dd(A.view.buf, n, d, x.view.buf, b.view.buf, g.view.buf)
                    : sk_grad_f32(A.view.buf, n, d, x.view.buf, b.view.buf, g.view.buf);
  Py_END_ALLOW_THREADS;
  if (r < 0) {
    PyErr_NoMemory();
    goto fail;
  }
  release(&A);
  release(&x);
  release(&b);
  release(&g);
  return PyFloat_FromDouble(r);
fail:
  release(&A);
  release(&x);
  release(&b);
  release(&g);
  return NULL;
}

/* probe_columns(V, z, J, out, lev, acc) -> rows of V z that are not finite;
 * out <- V[:, J], lev <- its squared row norms, acc <- V^T (V z) */
static PyObject *py_probe_columns(PyObject *self, PyObject *args) {
  PyObject *vo, *zo, *jo, *oo, *lo, *ao;
  buf_t V, z = {0}, J = {0}, out = {0}, lev = {0}, acc = {0};
  if (!PyArg_ParseTuple(args, "OOOOOO:probe_columns", &vo, &zo, &jo, &oo, &lo, &ao))
    return NULL;
  if (acquire(vo, "V", 0, 2, 2, &V) < 0) return NULL;
  int64_t n = V.shape[0], r = V.shape[1], k = 0, bad = 0;
  if (expect_kind(&V, "V", K_F64) < 0 || carray(zo, "z", 0, K_F64, 1, r, -1, &z) < 0 ||
      carray(jo, "J", 0, K_I64, 1, -1, -1, &J) < 0)
    goto fail;
  k = J.shape[0];
  const int64_t *jv = (const int64_t *)J.view.buf;
  for (int64_t t = 0; t < k; t++)
    if (jv[t] < 0 || jv[t] >= r) {
      PyErr_SetString(PyExc_ValueError, "J: a column index is out of range");
      goto fail;
    }
  if (carray(oo, "out", 1, K_F64, 2, n, k, &out) < 0 ||
      carray(lo, "lev", 1, K_F64, 1, n, -1, &lev) < 0 ||
      carray(ao, "acc", 1, K_F64, 1, r, -1, &acc) < 0)
    goto fail;
  buf_t *ins[] = {&V, &z, &J, &out, &lev};
  if (disjoint(&out, "out", ins, 3) < 0 || disjoint(&lev, "lev", ins, 4) < 0 ||
      disjoint(&acc, "acc", ins, 5) < 0)
    goto fail;
  Py_BEGIN_ALLOW_THREADS;
  bad = sk_probe_columns_f64(V.view.buf, n, r, V.strides[0], V.strides[1], z.view.buf,
                             jv, k, out.view.buf, lev.view.buf, acc.view.buf);
  Py_END_ALLOW_THREADS;
  if (bad < 0) PyErr_NoMemory();
fail:;
  buf_t *const held[] = {&V, &z, &J, &out, &lev, &acc};
  release_all(held, 6);
  if (PyErr_Occurred()) return NULL;
  return PyLong_FromLongLong((long long)bad);
}

/* Acquire the eigenvalues of a k-DPP: contiguous float64, finite, >= 0. */
static int acquire_eigenvalues(PyObject *obj, buf_t *b) {
  if (carray(obj, "lam", 0, K_F64, 1, -1, -1, b) < 0) return -1;
  const double *v = (const double *)b->view.buf;
  for (int64_t i = 0; i < b->shape[0]; i++)
    if (!(isfinite(v[i]) && v[i] >= 0.0)) {
      PyErr_SetString(PyExc_ValueError, "lam must be finite and non-negative");
      release(b);
      return -1;
    }
  return 0;
}

/* esp_ratios(lam, out): out (n + 1, k) <- the ratios e_{l-1} / e_l */
static PyObject *py_esp_ratios(PyObject *self, PyObject *args) {
  PyObject *lo, *oo;
  buf_t lam, out = {0};
  if (!PyArg_ParseTuple(args, "OO:esp_ratios", &lo, &oo)) return NULL;
  if (acquire_eigenvalues(lo, &lam) < 0) return NULL;
  int64_t n = lam.shape[0];
  if (carray(oo, "out", 1, K_F64, 2, n + 1, -1, &out) < 0) goto fail;
  buf_t *ins[] = {&lam};
  if (disjoint(&out, "out", ins, 1) < 0) goto fail;
  Py_BEGIN_ALLOW_THREADS;
  sk_esp_ratios(lam.view.buf, n, out.shape[1], out.view.buf);
  Py_END_ALLOW_THREADS;
fail:;
  buf_t *const held[] = {&lam, &out};
  release_all(held, 2);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

/* choose_k(lam, u, J): J (k) <- a size-k subset with P(J) ~ prod lam_J */
static PyObject *py_choose_k(PyObject *self, PyObject *args) {
  PyObject *lo, *uo, *jo;
  buf_t lam, u = {0}, J = {0};
  if (!PyArg_ParseTuple(args, "OOO:choose_k", &lo, &uo, &jo)) return NULL;
  if (acquire_eigenvalues(lo, &lam) < 0) return NULL;
  int64_t n = lam.shape[0], rc = 0;
  if (carray(uo, "u", 0, K_F64, 1, n, -1, &u) < 0 ||
      carray(jo, "J", 1, K_I64, 1, -1, -1, &J) < 0)
    goto fail;
  const double *uv = (const double *)u.view.buf;
  for (int64_t i = 0; i < n; i++)
    if (!(uv[i] >= 0.0 && uv[i] < 1.0)) {
      PyErr_SetString(PyExc_ValueError, "u must lie in [0, 1)");
      goto fail;
    }
  buf_t *ins[] = {&lam, &u};
  if (disjoint(&J, "J", ins, 2) < 0) goto fail;
  Py_BEGIN_ALLOW_THREADS;
  rc = sk_choose_k(lam.view.buf, n, J.shape[0], uv, J.view.buf);
  Py_END_ALLOW_THREADS;
  if (rc == -2) PyErr_NoMemory();
  else if (rc == -1)
    PyErr_SetString(PyExc_ValueError, "lam has fewer positive entries than the size of J");
fail:;
  buf_t *const held[] = {&lam, &u, &J};
  release_all(held, 3);
  if (PyErr_Occurred()) return NULL;
  Py_RETURN_NONE;
}

/* chain_batch(F, u, E, t, acc, resid) -> accepted: one batch of the
 * projection-DPP chain rule (chain.c) */
static PyObject *py_chain_batch(PyObject *self, PyObject *args) {
  PyObject *fo, *uo, *eo, *ao, *ro;
  long long t;
  buf_t F, u = {0}, E = {0}, acc = {0}, resid = {0};
  if (!PyArg_ParseTuple(args, "OOOLOO:chain_batch", &fo, &uo, &eo, &t, &ao, &ro)) return NULL;
  if (carray(fo, "F", 0, K_F64, 2, -1, -1, &F) < 0) return NULL;
  int64_t m = F.shape[0], k = F.shape[1], got = 0;
  if (carray(uo, "u", 0, K_F64, 1, m, -1, &u) < 0 ||
      carray(eo, "E", 1, K_F64, 2, k, k, &E) < 0 ||
      carray(ao, "acc", 1, K_I64, 1, k, -1, &acc) < 0 ||
      carray(ro, "resid", 1, K_F64, 1, m, -1, &resid) < 0)
    goto fail;
  if (t < 0 || t > k) {
    PyErr_Format(PyExc_ValueError, "t must be in [0, %lld], got %lld", (long long)k, t);
    goto fail;
  }
  buf_t *ins[] = {&F, &u, &E, &acc};
  if (disjoint(&E, "E", ins, 2) < 0 || disjoint(&acc, "acc", ins, 3) < 0 ||
      disjoint(&resid, "resid", ins, 4) < 0)
    goto fail;
  Py_BEGIN_ALLOW_THREADS;
  got = sk_chain_batch(F.view.buf, m, k, u.view.buf, E.view.buf, (int64_t)t, acc.view.buf,
                       resid.view.buf);
  Py_END_ALLOW_THREADS;
fail:;
  buf_t *const held[] = {&F, &u, &E, &acc, &resid};
  release_all(held, 5);
  if (PyErr_Occurred()) return NULL;
  return PyLong_FromLongLong((long long)got);
}

/* ---------------------------------------------------------------- threads */

#define SK_MAX_THREADS 4096

static int parse_threads(PyObject *arg, int *n) {
  long v = PyLong_AsLong(arg);
  if (v == -1 && PyErr_Occurred()) return -1;
  if (v < 0 || v > SK_MAX_THREADS) {
    PyErr_Format(PyExc_ValueError, "n_threads must be in [0, %d] (0: the default), got %ld",
                 SK_MAX_THREADS, v);
    return -1;
  }
  *n = (int)v;
  return 0;
}

static PyObject *py_num_threads(PyObject *self, PyObject *noargs) {
  return PyLong_FromLong(sk_num_threads());
}

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg) {
  int n;
  if (parse_threads(arg, &n) < 0) return NULL;
  return PyLong_FromLong(sk_set_num_threads(n));
}

static PyObject *py_set_local_num_threads(PyObject *self, PyObject *arg) {
  int n;
  if (parse_threads(arg, &n) < 0) return NULL;
  return PyLong_FromLong(sk_set_local_num_threads(n));
}

static PyObject *py_in_forked_child(PyObject *self, PyObject *noargs) {
  return PyBool_FromLong(sk_in_forked_child());
}

static PyObject *py_openmp(PyObject *self, PyObject *noargs) {
#ifdef _OPENMP
  Py_RETURN_TRUE;
#else
  Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"fwht", py_fwht, METH_VARARGS, fwht_doc},
    {"hash_int64", py_hash_int64, METH_VARARGS,
     "hash_int64(keys, seed, out): XXH64 of each int64 key (8 little-endian bytes)."},
    {"hash_bytes", py_hash_bytes, METH_VARARGS,
     "hash_bytes(data, offsets, seed, out): XXH64 of data[offsets[i]:offsets[i+1]]."},
    {"sketch_map", py_sketch_map, METH_VARARGS,
     "sketch_map(seed, start, m, rows, signs): column map of a hashing sketch."},
    {"scatter_dense", py_scatter_dense, METH_VARARGS,
     "scatter_dense(A, rows, signs, scale, out): out += S @ A for a hashing sketch."},
    {"gather_dense", py_gather_dense, METH_VARARGS,
     "gather_dense(Y, rows, signs, scale, out): out = S.T @ Y for a hashing sketch."},
    {"scatter_csr", py_scatter_csr, METH_VARARGS,
     "scatter_csr(indptr, indices, data, ncols, rows, signs, scale, out): out += S @ A "
     "for CSR A."},
    {"csr_matmat", py_csr_matmat, METH_VARARGS,
     "csr_matmat(indptr, indices, data, ncols, X, out, trans): out <- A @ X (trans false) "
     "or A.T @ X (trans true) for CSR A."},
    {"probe_columns", py_probe_columns, METH_VARARGS,
     "probe_columns(V, z, J, out, lev, acc) -> rows where V z is not finite; "
     "out <- V[:, J], lev <- its squared row norms, acc <- V.T @ (V @ z)."},
    {"esp_ratios", py_esp_ratios, METH_VARARGS,
     "esp_ratios(lam, out): out[m, l - 1] <- e_{l-1} / e_l of the first m eigenvalues."},
    {"choose_k", py_choose_k, METH_VARARGS,
     "choose_k(lam, u, J): J <- an ascending subset with P(J) ~ prod(lam[J])."},
    {"chain_batch", py_chain_batch, METH_VARARGS,
     "chain_batch(F, u, E, t, acc, resid) -> accepted: one batch of the projection-DPP "
     "chain rule; E's rows t.. and acc are written."},
    {"sparse_gram", py_sparse_gram, METH_VARARGS,
     "sparse_gram(indptr, indices, data, d, out): out <- A.T @ A for CSR A."},
    {"altmin_update_rows", py_altmin_update_rows, METH_VARARGS,
     "altmin_update_rows(indptr, indices, data, F, U0, out, reg, sketched, n_inner, "
     "sketch_rows, seed, resid): one half-sweep of alternating minimization."},
    {"accurate_gradient", py_accurate_gradient, METH_VARARGS,
     "accurate_gradient(A, x, b, g) -> ||b - A x||; g <- A.T @ (b - A x) in extended "
     "precision."},
    {"num_threads", py_num_threads, METH_NOARGS,
     "Threads the calling thread's next parallel region uses."},
    {"set_num_threads", py_set_num_threads, METH_O,
     "Process-wide thread count (0: OpenMP's default); returns the previous setting."},
    {"set_local_num_threads", py_set_local_num_threads, METH_O,
     "The calling thread's own thread count (0: none); returns the previous one."},
    {"in_forked_child", py_in_forked_child, METH_NOARGS,
     "Whether this process was created by fork() after the module was loaded."},
    {"openmp", py_openmp, METH_NOARGS, "Whether the kernels were built with OpenMP."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "_native",
                                       "sketchla native kernels", -1, methods,
                                       NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__native(void) {
  sk_threads_init();
  return PyModule_Create(&moduledef);
}
