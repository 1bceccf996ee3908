/* Sparse (hashing) sketch application: CountSketch and sparse sign. */
#include <stdlib.h>

#include "common.h"

#define T double
#define SUF f64
#include "sketch_impl.h"
#define I int32_t
#define ISUF _i32
#include "sketch_csr.h"
#undef I
#undef ISUF
#define I int64_t
#define ISUF _i64
#include "sketch_csr.h"
#undef I
#undef ISUF
#undef T
#undef SUF

#define T float
#define SUF f32
#include "sketch_impl.h"
#define I int32_t
#define ISUF _i32
#include "sketch_csr.h"
#undef I
#undef ISUF
#define I int64_t
#define ISUF _i64
#include "sketch_csr.h"
#undef I
#undef ISUF
#undef T
#undef SUF
