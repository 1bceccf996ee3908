/* Instantiates the kernel header SK_IMPL once per (value, index) type:
 * T in {double, float}, I in {int32_t, int64_t}, SUF the matching suffix
 * (f64_i32, f64_i64, f32_i32, f32_i64). Include with SK_IMPL defined. */
#define SK_CAT2(a, b) a##b
#define SK_CAT(a, b) SK_CAT2(a, b)

#define T double
#define I int32_t
#define SUF f64_i32
#include SK_IMPL
#undef I
#undef SUF
#define I int64_t
#define SUF f64_i64
#include SK_IMPL
#undef I
#undef SUF
#undef T
#define T float
#define I int32_t
#define SUF f32_i32
#include SK_IMPL
#undef I
#undef SUF
#define I int64_t
#define SUF f32_i64
#include SK_IMPL
#undef I
#undef SUF
#undef T
