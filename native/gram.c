/* Gram matrix A^T A of a CSR matrix, dense (d, d) float64.
 *
 * Each row contributes the outer product of its stored entries: O(sum_i
 * nnz(a_i)^2 / 2) multiply-adds (only the pairs p <= q of a row are formed,
 * the rest is the transpose) and O(threads * d^2) memory, one dense
 * accumulator per thread. Every index is checked where it is used, so a
 * structure changed by another thread during the call is reported, never
 * read out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

#define SK_IMPL "gram_impl.h"
#include "instantiate.h"
