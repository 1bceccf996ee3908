/* CSR matrix times dense matrix, A X and A^T Y, multithreaded.
 *
 * A (n, d) in CSR; X (d, k), Y (n, k) and out C-contiguous. Every row range
 * and column index is checked where it is read, so arrays changed by
 * another thread during the call are reported (return -1), never read or
 * written out of bounds. Cost: O(nnz(A) k) either way, one pass over A for
 * A X and one per thread for A^T Y.
 */
#define _GNU_SOURCE /* posix_memalign, madvise */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

/* A large scratch buffer on transparent huge pages where the system offers
 * them (madvise mode), as NumPy does for its own large arrays: the
 * accumulators are updated at random rows, and with 4 KiB pages nearly
 * every update would miss the TLB. */
static void *sk_big_alloc(size_t bytes) {
  const size_t huge = (size_t)2 << 20;
  if (bytes < huge) return malloc(bytes ? bytes : 1);
  size_t rounded = (bytes + huge - 1) / huge * huge;
  void *p = NULL;
  if (posix_memalign(&p, huge, rounded) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  madvise(p, rounded, MADV_HUGEPAGE);
#endif
  return p;
}

static void sk_big_free(void *p) { free(p); }

/* Rows of the dense operand are read (or updated) in the order of the
 * column indices, at random: start fetching the row SK_AHEAD entries ahead,
 * so several cache misses are in flight at once. The index is clamped, as
 * it has not been checked yet (a prefetch never faults, but stays inside
 * the buffer all the same). */
#define SK_AHEAD 16
#define sk_prefetch_row(base, j, d, k, w)                                      \
  do {                                                                         \
    int64_t jj_ = (int64_t)(j);                                                \
    if ((uint64_t)jj_ < (uint64_t)(d)) {                                       \
      const char *r_ = (const char *)((base) + jj_ * (k));                     \
      for (int64_t b_ = 0; b_ < (int64_t)((k) * sizeof(*(base))); b_ += 64)    \
        __builtin_prefetch(r_ + b_, (w), 3);                                   \
    }                                                                          \
  } while (0)

#define SK_IMPL "spmm_impl.h"
#include "instantiate.h"
