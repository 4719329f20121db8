/* quantize.c - the dynamic maps and blockwise quantization (see quantize.h). */
#include "quantize.h"

#include <stdlib.h>
#include <string.h>

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

/* The lowest and the highest value of bucket b (the floats whose top 16
 * bits are b), NaNs left out; false for a bucket of NaNs only. */
static bool bucket_ends(uint32_t b, float *lowest, float *highest)
{
    uint32_t low_bits = b << 16, high_bits = b << 16 | 0xFFFF;
    if (b & 0x8000) {   /* negative: the larger the magnitude, the lower */
        uint32_t t = low_bits;
        low_bits = high_bits, high_bits = t;
    }
    float low, high;
    memcpy(&low, &low_bits, sizeof low), memcpy(&high, &high_bits, sizeof high);
    if (isnan(low)) low = high;   /* +inf's bucket and -inf's hold NaNs too */
    if (isnan(high)) high = low;
    *lowest = low, *highest = high;
    return !isnan(low);
}

void quantize_map_init(QuantMap *map, const float code[QMAP_SIZE], bool is_signed)
{
    memcpy(map->code, code, sizeof map->code);
    map->is_signed = is_signed;
    /* The search rounds to the even one of two neighbours on a tie: from
     * an even q, x must pass the midpoint; to an odd q + 1, reaching it is
     * enough, so above[q] is the float just below the midpoint. */
    for (int q = 0; q + 1 < QMAP_SIZE; q++) {
        const float midpoint = (code[q] + code[q + 1]) * 0.5f;
        map->above[q] = q % 2 == 0 ? midpoint : nextafterf(midpoint, -INFINITY);
    }
    map->above[QMAP_SIZE - 1] = INFINITY;   /* nothing is past the last code */
    map->indexed = true;
    for (uint32_t b = 0; b < 1u << 16; b++) {
        float low, high;
        map->first[b] = 0;
        if (!bucket_ends(b, &low, &high)) continue;
        const uint8_t q_low = quantize_nearest(code, low, is_signed);
        const uint8_t q_high = quantize_nearest(code, high, is_signed);
        map->first[b] = q_low;
        const uint8_t found = (uint8_t)(q_low + (high > map->above[q_low]));
        if (q_high - q_low > 1 || found != q_high || low > map->above[q_low])
            map->indexed = false;
    }
}

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
