/* ex2_outliers.c - exercise 2, solved: a round trip through 8 bits measured
 * (the error, the numbers lost, the bytes), and the largest block size that
 * keeps a tensor within a bound. */
#include <math.h>
#include <stdlib.h>

#include "exercises.h"

RoundTrip ex_round_trip(const float *x /* [n] */, size_t n, size_t block_size, bool is_signed)
{
    RoundTrip r = {0.0, 0, 0.0};
    const size_t blocks = quantize_num_blocks(n, block_size);
    float code[QMAP_SIZE];
    create_dynamic_map(is_signed, code);
    uint8_t *q = malloc(n ? n : 1);
    float *absmax = malloc((blocks ? blocks : 1) * sizeof *absmax);
    float *back = malloc((n ? n : 1) * sizeof *back);
    if (!q || !absmax || !back) {
        free(q), free(absmax), free(back);
        return (RoundTrip){NAN, 0, NAN};
    }
    quantize_blockwise(code, is_signed, x, n, block_size, absmax, q);
    dequantize_blockwise(code, q, absmax, n, block_size, back);
    double sum = 0.0;
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == 0.0f) continue;
        nonzero++;
        sum += fabs((double)back[i] - (double)x[i]) / fabs((double)x[i]);
        if (back[i] == 0.0f) r.zeroed++;
    }
    r.mean_relative_error = nonzero ? sum / (double)nonzero : 0.0;
    r.bytes_per_element = (double)(n + 4 * blocks) / (double)n;
    free(q), free(absmax), free(back);
    return r;
}

size_t ex_largest_block(const float *x /* [n] */, size_t n, bool is_signed, double bound)
{
    size_t largest = 0;
    for (size_t block = 1;; block *= 2) {
        const RoundTrip r = ex_round_trip(x, n, block, is_signed);
        if (r.zeroed == 0 && r.mean_relative_error <= bound) largest = block;
        if (block >= n) break;   /* one block holds the whole tensor */
    }
    return largest;
}
