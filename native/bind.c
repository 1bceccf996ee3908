/* The buffer helpers every binding shares (see bind.h). */
#include "bind.h" /* Python.h first */

#include <string.h>

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

const char *kind_name(kind_t k) {
  switch (k) {
    case K_F64: return "float64";
    case K_F32: return "float32";
    case K_I64: return "int64";
    case K_I32: return "int32";
    case K_I8: return "int8";
    case K_U64: return "uint64";
    case K_BYTE: return "bytes";
    case K_FLOAT: return "float32 or float64";
    default: return "an unsupported type";
  }
}

static void release(buf_t *b) {
  if (b->held) PyBuffer_Release(&b->view);
  b->held = 0;
}

void release_all(buf_t *const *bufs, int n) {
  for (int i = 0; i < n; i++) release(bufs[i]);
}

/* The buffer view: held, its kind, ndim within the spec, element strides. */
static int take_view(PyObject *obj, const spec_t *s, buf_t *b) {
  memset(b, 0, sizeof(*b));
  int flags = PyBUF_STRIDES | PyBUF_FORMAT | (s->writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(obj, &b->view, flags) < 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s must be a%s array supporting the buffer protocol",
                 s->name, s->writable ? " writable" : "n");
    return -1;
  }
  b->held = 1;
  b->kind = kind_of(b->view.format, b->view.itemsize);
  b->ndim = b->view.ndim;
  if (b->ndim < s->ndim_min || b->ndim > s->ndim_max) {
    PyErr_Format(PyExc_ValueError, "%s must have %d to %d dimensions, got %d", s->name,
                 s->ndim_min, s->ndim_max, b->ndim);
    return -1;
  }
  b->shape[0] = b->shape[1] = 1;
  b->strides[0] = b->strides[1] = 1;
  for (int d = 0; d < b->ndim; d++) {
    Py_ssize_t st = b->view.strides ? b->view.strides[d] : b->view.itemsize;
    b->shape[d] = (int64_t)b->view.shape[d];
    if (st < 0 || st % b->view.itemsize != 0) {
      PyErr_Format(PyExc_ValueError,
                   "%s must have non-negative strides that are multiples of its item size",
                   s->name);
      return -1;
    }
    b->strides[d] = (int64_t)(st / b->view.itemsize);
  }
  if (b->ndim == 1) b->strides[1] = b->shape[0];
  return 0;
}

static int check_kind(const spec_t *s, buf_t *b) {
  int ok = s->kind == K_ANY || b->kind == s->kind ||
           (s->kind == K_FLOAT && (b->kind == K_F64 || b->kind == K_F32));
  if (!ok)
    PyErr_Format(PyExc_TypeError, "%s must be %s, got %s", s->name, kind_name(s->kind),
                 kind_name(b->kind));
  return ok ? 0 : -1;
}

static int check_layout(const spec_t *s, buf_t *b) {
  if ((s->s0 >= 0 && b->shape[0] != s->s0) ||
      (b->ndim == 2 && s->s1 >= 0 && b->shape[1] != s->s1)) {
    PyErr_Format(PyExc_ValueError, "%s has the wrong shape", s->name);
    return -1;
  }
  if (!s->contiguous) return 0;
  int contiguous = b->ndim == 1 ? (b->shape[0] <= 1 || b->strides[0] == 1)
                                : (b->shape[0] == 0 || b->shape[1] == 0 ||
                                   (b->strides[1] == 1 && (b->shape[0] == 1 ||
                                                           b->strides[0] == b->shape[1])));
  if (!contiguous) {
    PyErr_Format(PyExc_ValueError, "%s must be C-contiguous", s->name);
    return -1;
  }
  return 0;
}

/* The one acquisition helper: obj as an array meeting spec, or an exception
 * naming the argument (and nothing held). */
int acquire(PyObject *obj, const spec_t *spec, buf_t *b) {
  if (take_view(obj, spec, b) < 0 || check_kind(spec, b) < 0 || check_layout(spec, b) < 0) {
    release(b);
    return -1;
  }
  return 0;
}

int expect_same_kind(buf_t *a, const char *an, buf_t *b, const char *bn) {
  if (b->kind != a->kind) {
    PyErr_Format(PyExc_TypeError, "%s must have the dtype of %s (%s), got %s", bn, an,
                 kind_name(a->kind), kind_name(b->kind));
    return -1;
  }
  return 0;
}

/* one past the last byte the buffer's elements occupy */
static char *span_end(buf_t *b) {
  int64_t last = 0;
  for (int d = 0; d < b->ndim; d++) {
    if (b->shape[d] == 0) return (char *)b->view.buf;
    last += (b->shape[d] - 1) * b->strides[d];
  }
  return (char *)b->view.buf + (last + 1) * b->view.itemsize;
}

int overlaps(buf_t *a, buf_t *b) {
  char *a0 = (char *)a->view.buf, *a1 = span_end(a);
  char *b0 = (char *)b->view.buf, *b1 = span_end(b);
  return a0 < b1 && b0 < a1;
}

int disjoint(buf_t *out, const char *name, buf_t *const *ins, int n_in) {
  for (int i = 0; i < n_in; i++)
    if (ins[i]->held && overlaps(out, ins[i])) {
      PyErr_Format(PyExc_ValueError, "%s must not overlap an input", name);
      return -1;
    }
  return 0;
}

void bad_structure(void) {
  PyErr_SetString(PyExc_ValueError,
                  "the sparse structure (indptr/indices) is inconsistent: an index is "
                  "out of range, or the arrays were changed while the call ran");
}

int parse_seed(PyObject *obj, uint64_t *seed) {
  unsigned long long v = PyLong_AsUnsignedLongLongMask(obj);
  if (v == (unsigned long long)-1 && PyErr_Occurred()) {
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError, "seed must be an integer");
    return -1;
  }
  *seed = (uint64_t)v;
  return 0;
}

/* The arrays of a CSR matrix (float data, int32 or int64 indices, all
 * contiguous), checked against each other and ncols; on failure, an
 * exception with every buffer released. Sets *n and *nnz. */
int acquire_csr(PyObject *po, PyObject *io, PyObject *dobj, long long ncols, buf_t *ptr,
                buf_t *idx, buf_t *data, int64_t *n, int64_t *nnz) {
  if (acquire(po, C_ARRAY("indptr", 0, K_ANY, 1, -1, -1), ptr) < 0 ||
      acquire(io, C_ARRAY("indices", 0, K_ANY, 1, -1, -1), idx) < 0 ||
      acquire(dobj, C_ARRAY("data", 0, K_FLOAT, 1, -1, -1), data) < 0)
    goto fail;
  if ((ptr->kind != K_I32 && ptr->kind != K_I64) || idx->kind != ptr->kind) {
    PyErr_SetString(PyExc_TypeError, "indptr and indices must both be int32 or both be int64");
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
  release_all((buf_t *const[]){ptr, idx, data}, 3);
  return -1;
}
