/* Fast Walsh-Hadamard transform along axis 0; see fwht_impl.h. */
#include "common.h"

/* GCC >= 12 and Clang have generic vectors with __builtin_shufflevector;
 * other compilers get the scalar kernels. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define SK_HAVE_VEC 1
#else
#define SK_HAVE_VEC 0
#endif

#define T double
#define SUF f64
#define SK_VL 4
#include "fwht_impl.h"
#undef T
#undef SUF
#undef SK_VL

#define T float
#define SUF f32
#define SK_VL 8
#include "fwht_impl.h"
#undef T
#undef SUF
#undef SK_VL
