/* The native kernels' thread policy (see sk_num_threads in common.h).
 *
 * GNU OpenMP keeps a pool of worker threads after the first parallel
 * region; a child created by fork() inherits the pool's bookkeeping but not
 * its threads, and its next parallel region waits for them forever. A
 * pthread_atfork handler marks the child, and from then on every region in
 * it runs on the calling thread only: correct results, never a deadlock.
 * (BLAS libraries register their own fork handlers.)
 */
#include <pthread.h>

#include "common.h"

static volatile int setting = 0;
static volatile int forked = 0;
static _Thread_local int local_setting = 0;

int sk_num_threads(void) {
  if (forked) return 1;
  int n = local_setting;
  if (n > 0) return n;
  n = setting;
  if (n > 0) return n;
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int sk_set_num_threads(int n) {
  int old = setting;
  setting = n > 0 ? n : 0;
  return old;
}

int sk_set_local_num_threads(int n) {
  int old = local_setting;
  local_setting = n > 0 ? n : 0;
  return old;
}

int sk_in_forked_child(void) { return forked; }

static void on_fork_child(void) { forked = 1; }

void sk_threads_init(void) {
  static int done = 0;
  if (!done) {
    pthread_atfork(NULL, NULL, on_fork_child);
    done = 1;
  }
}
