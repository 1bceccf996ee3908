/* sketchla._native: the method table. The bindings live by area in
 * bind_sketch.c, bind_sparse.c, bind_solve.c, bind_dpp.c and bind_threads.c,
 * on the shared buffer helpers of bind.c (see bind.h); the kernels in the
 * other files of this directory. */
#include "bind.h"

static PyMethodDef methods[] = {
    {"fwht", py_fwht, METH_VARARGS,
     "fwht(x): in-place unnormalized Walsh-Hadamard transform along axis 0 of a C- or "
     "F-contiguous float32/float64 array whose first dimension is a power of two."},
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
