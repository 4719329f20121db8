/* ex1_quantize.c - exercise 1: bitsandbytes' blockwise 8-bit quantization and
 * its way back. See README.md. Replace the bodies; `make grade` tells you how
 * you did. */
#include "exercises.h"

void ex_quantize_blockwise(const float *code /* [256] */, const float *x /* [n] */, size_t n,
                           size_t block_size, float *absmax /* [ceil(n / block_size)] */,
                           uint8_t *q /* [n] */)
{
    /* TODO: your code here. */
    (void)code;
    (void)x;
    (void)n;
    (void)block_size;
    (void)absmax;
    (void)q;
}

void ex_dequantize_blockwise(const float *code /* [256] */, const uint8_t *q /* [n] */,
                             const float *absmax /* [ceil(n / block_size)] */, size_t n,
                             size_t block_size, float *out /* [n] */)
{
    /* TODO: your code here. */
    (void)code;
    (void)q;
    (void)absmax;
    (void)n;
    (void)block_size;
    (void)out;
}
