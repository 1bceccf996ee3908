/* The Python boundary of sketchla._native: what every binding shares.
 *
 * Arrays arrive through the buffer protocol (no NumPy C API, so the build
 * needs no NumPy headers). Every shape, dtype, stride and index is checked
 * against the buffer it came from before a kernel runs; kernels run with
 * the GIL released.
 *
 * The idioms, the same in every binding (bind_*.c):
 *   - one acquisition helper, acquire(obj, spec, &buf), with the spec built
 *     by ANY_ARRAY(...) (any strides) or C_ARRAY(...) (C-contiguous, of one
 *     kind and shape);
 *   - one cleanup: buffers are declared zeroed (BUF_INIT), every failure
 *     jumps to the one `done:` label, and SK_FINISH releases them all and
 *     returns the result, or NULL when an exception is set;
 *   - one dispatch over the value × index types: SK_DISPATCH_F (float32 or
 *     float64) and SK_DISPATCH_FI (also int32 or int64 indices) pick the
 *     kernel instance named fn_f64, fn_f32_i64, ...
 */
#ifndef SKETCHLA_BIND_H
#define SKETCHLA_BIND_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "common.h"

typedef enum { K_F64, K_F32, K_I64, K_I32, K_I8, K_U64, K_BYTE, K_OTHER, K_ANY, K_FLOAT } kind_t;

typedef struct {
  Py_buffer view;
  int held;
  kind_t kind;
  int64_t shape[2];
  int64_t strides[2]; /* in elements */
  int ndim;
} buf_t;

/* What an array argument must be. kind: one kind, K_FLOAT (float32 or
 * float64) or K_ANY; contiguous: C-contiguous required; s0, s1: the shape
 * (-1: any). */
typedef struct {
  const char *name;
  int writable;
  kind_t kind;
  int ndim_min, ndim_max;
  int contiguous;
  int64_t s0, s1;
} spec_t;

#define BUF_INIT {.held = 0}
#define ANY_ARRAY(name, writable, kind, ndim_min, ndim_max) \
  (&(spec_t){(name), (writable), (kind), (ndim_min), (ndim_max), 0, -1, -1})
#define C_ARRAY(name, writable, kind, ndim, s0, s1) \
  (&(spec_t){(name), (writable), (kind), (ndim), (ndim), 1, (s0), (s1)})

int acquire(PyObject *obj, const spec_t *spec, buf_t *b);
void release_all(buf_t *const *bufs, int n);
const char *kind_name(kind_t k);
int expect_same_kind(buf_t *a, const char *an, buf_t *b, const char *bn);
int overlaps(buf_t *a, buf_t *b);
int disjoint(buf_t *out, const char *name, buf_t *const *ins, int n_in);
void bad_structure(void);
int parse_seed(PyObject *obj, uint64_t *seed);
int acquire_csr(PyObject *po, PyObject *io, PyObject *dobj, long long ncols, buf_t *ptr,
                buf_t *idx, buf_t *data, int64_t *n, int64_t *nnz);

#define SK_NBUFS(...) ((int)(sizeof((buf_t *[]){__VA_ARGS__}) / sizeof(buf_t *)))
/* Release the listed buffers and return `result`, or NULL when an
 * exception is set (then `result`, a new reference, is dropped). */
#define SK_FINISH(result, ...)                                              \
  do {                                                                      \
    release_all((buf_t *const[]){__VA_ARGS__}, SK_NBUFS(__VA_ARGS__));      \
    if (PyErr_Occurred()) return NULL;                                      \
    return (result);                                                        \
  } while (0)

#define SK_DISPATCH_F(fkind, fn, ...) \
  ((fkind) == K_F64 ? fn##_f64(__VA_ARGS__) : fn##_f32(__VA_ARGS__))
#define SK_DISPATCH_FI(fkind, ikind, fn, ...)                                       \
  ((fkind) == K_F64 ? ((ikind) == K_I32 ? fn##_f64_i32(__VA_ARGS__)                 \
                                         : fn##_f64_i64(__VA_ARGS__))               \
                    : ((ikind) == K_I32 ? fn##_f32_i32(__VA_ARGS__)                 \
                                         : fn##_f32_i64(__VA_ARGS__)))

/* the bindings of each area, listed in module.c's method table */
PyObject *py_fwht(PyObject *, PyObject *);
PyObject *py_hash_int64(PyObject *, PyObject *);
PyObject *py_hash_bytes(PyObject *, PyObject *);
PyObject *py_sketch_map(PyObject *, PyObject *);
PyObject *py_scatter_dense(PyObject *, PyObject *);
PyObject *py_gather_dense(PyObject *, PyObject *);
PyObject *py_scatter_csr(PyObject *, PyObject *);
PyObject *py_csr_matmat(PyObject *, PyObject *);
PyObject *py_sparse_gram(PyObject *, PyObject *);
PyObject *py_altmin_update_rows(PyObject *, PyObject *);
PyObject *py_accurate_gradient(PyObject *, PyObject *);
PyObject *py_probe_columns(PyObject *, PyObject *);
PyObject *py_esp_ratios(PyObject *, PyObject *);
PyObject *py_choose_k(PyObject *, PyObject *);
PyObject *py_chain_batch(PyObject *, PyObject *);
PyObject *py_num_threads(PyObject *, PyObject *);
PyObject *py_set_num_threads(PyObject *, PyObject *);
PyObject *py_set_local_num_threads(PyObject *, PyObject *);
PyObject *py_in_forked_child(PyObject *, PyObject *);
PyObject *py_openmp(PyObject *, PyObject *);

#endif
