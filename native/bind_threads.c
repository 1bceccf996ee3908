/* Bindings of the thread controls (threads.c). */
#include "bind.h"

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

PyObject *py_num_threads(PyObject *self, PyObject *noargs) {
  return PyLong_FromLong(sk_num_threads());
}

PyObject *py_set_num_threads(PyObject *self, PyObject *arg) {
  int n;
  if (parse_threads(arg, &n) < 0) return NULL;
  return PyLong_FromLong(sk_set_num_threads(n));
}

PyObject *py_set_local_num_threads(PyObject *self, PyObject *arg) {
  int n;
  if (parse_threads(arg, &n) < 0) return NULL;
  return PyLong_FromLong(sk_set_local_num_threads(n));
}

PyObject *py_in_forked_child(PyObject *self, PyObject *noargs) {
  return PyBool_FromLong(sk_in_forked_child());
}

PyObject *py_openmp(PyObject *self, PyObject *noargs) {
#ifdef _OPENMP
  Py_RETURN_TRUE;
#else
  Py_RETURN_FALSE;
#endif
}
