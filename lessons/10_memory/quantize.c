/* quantize.c - the dynamic maps and blockwise quantization (see quantize.h). */
#include "quantize.h"

#include <stdlib.h>

/* C compilers may fuse a * b + c into one rounding; bitsandbytes' numbers
 * (and tools/adam8bit_reference.py) round each operation. GCC does not fuse
 * in C11 mode; clang needs telling. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

void torch_linspace_f32(float start, float end, int steps, float *out /* [steps] */)
{
    if (steps == 1) {
        out[0] = start;
        return;
    }
    const float step = (end - start) / (float)(steps - 1);
    const int halfway = steps / 2;
    for (int i = 0; i < steps; i++)
        out[i] = i < halfway ? fmaf(step, (float)i, start)
                             : fmaf(-step, (float)(steps - 1 - i), end);
}

void create_linear_map(bool is_signed, float code[QMAP_SIZE])
{
    if (!is_signed) {
        torch_linspace_f32(0.0f, 1.0f, QMAP_SIZE, code);
        return;
    }
    float values[QMAP_SIZE - 1];
    torch_linspace_f32(-1.0f, 1.0f, QMAP_SIZE - 1, values);
    for (int i = 0, k = 0; i < QMAP_SIZE; i++) code[i] = i == 127 ? 0.0f : values[k++];
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* snippet: create_dynamic_map, shown in 10_memory */
void create_dynamic_map(bool is_signed, float code[QMAP_SIZE])
{
    int n = 0;
    for (int i = 0; i < 7; i++) {   /* decade i: magnitudes 10^(i-7) .. 10^(i-6) */
        const int values = is_signed ? 1 << i : 1 << (i + 1);
        float boundaries[129];
        torch_linspace_f32(0.1f, 1.0f, values + 1, boundaries);
        /* Python's 10 ** (i - 6), a double, which PyTorch rounds to float
         * to multiply a float32 tensor. */
        const float scale = (float)pow(10.0, i - 6);
        for (int k = 0; k < values; k++) {
            const float mean = (boundaries[k] + boundaries[k + 1]) / 2.0f;
            code[n++] = scale * mean;
            if (is_signed) code[n++] = -scale * mean;
        }
    }
    code[n++] = 0.0f;
    code[n++] = 1.0f;   /* 127 + 127 + 2 or 254 + 2: always 256 */
    qsort(code, QMAP_SIZE, sizeof code[0], compare_floats);
}
/* end snippet */

float block_absmax(const float *x /* [n] */, size_t n)
{
    float largest = 0.0f;
    for (size_t i = 0; i < n; i++) largest = fmaxf(largest, fabsf(x[i]));
    return largest;
}

void quantize_blockwise(const float *code /* [256] */, bool is_signed, const float *x /* [n] */,
                        size_t n, size_t block_size, float *absmax /* [ceil(n / block_size)] */,
                        uint8_t *q /* [n] */)
{
    for (size_t start = 0, b = 0; start < n; start += block_size, b++) {
        const size_t end = n - start < block_size ? n : start + block_size;
        absmax[b] = block_absmax(x + start, end - start);
        const float inverse = 1.0f / absmax[b];
        for (size_t i = start; i < end; i++) q[i] = quantize_nearest(code, x[i] * inverse, is_signed);
    }
}

void dequantize_blockwise(const float *code /* [256] */, const uint8_t *q /* [n] */,
                          const float *absmax /* [ceil(n / block_size)] */, size_t n,
                          size_t block_size, float *out /* [n] */)
{
    for (size_t i = 0; i < n; i++) out[i] = dequantize_code(code, q[i], absmax[i / block_size]);
}
