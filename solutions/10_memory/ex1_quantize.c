/* ex1_quantize.c - exercise 1, solved: bitsandbytes' blockwise quantization
 * (kQuantizeBlockwise) and dequantization, with the nearest code found by a
 * binary search over the midpoints of neighbouring codes. */
#include <math.h>

#include "exercises.h"

/* The index of the code value nearest y: the number of midpoints below y,
 * then a tie (y exactly on the next midpoint) moved to the even index of
 * its two codes, as the kernel's search ends on an even pivot and keeps
 * it. A NaN is below no midpoint and on none: index 0. */
static uint8_t nearest_code(const float *code /* [256] */, float y)
{
    /* The midpoints are increasing: find how many are < y by bisection. */
    int below = 0, above = QMAP_SIZE - 1;   /* midpoints [below, above) are undecided */
    while (below < above) {
        const int k = (below + above) / 2;
        const float midpoint = (code[k] + code[k + 1]) * 0.5f;
        if (midpoint < y)
            below = k + 1;
        else
            above = k;
    }
    int q = below;   /* the midpoints 0 .. q-1 are below y */
    if (q < QMAP_SIZE - 1 && (code[q] + code[q + 1]) * 0.5f == y && q % 2 == 1) q++;
    return (uint8_t)q;
}

void ex_quantize_blockwise(const float *code /* [256] */, const float *x /* [n] */, size_t n,
                           size_t block_size, float *absmax /* [ceil(n / block_size)] */,
                           uint8_t *q /* [n] */)
{
    for (size_t start = 0, b = 0; start < n; start += block_size, b++) {
        const size_t end = n - start < block_size ? n : start + block_size;
        float largest = 0.0f;
        for (size_t i = start; i < end; i++) largest = fmaxf(largest, fabsf(x[i]));
        absmax[b] = largest;
        /* The kernel multiplies by the reciprocal: inf for an absmax of 0
         * (or a subnormal one), and 0 * inf is NaN. */
        const float inverse = 1.0f / largest;
        for (size_t i = start; i < end; i++) q[i] = nearest_code(code, x[i] * inverse);
    }
}

void ex_dequantize_blockwise(const float *code /* [256] */, const uint8_t *q /* [n] */,
                             const float *absmax /* [ceil(n / block_size)] */, size_t n,
                             size_t block_size, float *out /* [n] */)
{
    for (size_t i = 0; i < n; i++) out[i] = code[q[i]] * absmax[i / block_size];
}
