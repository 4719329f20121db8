/* exercises.h - what the exercises of chapter 10 ask you to write. Do not edit
 * this file: the grader's tests (test_exercises.c) are written against it.
 * Your code goes in ex1_quantize.c, ex2_outliers.c and ex3_lion8bit.c. */
#ifndef EXERCISES_10_H
#define EXERCISES_10_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lion.h"
#include "quantize.h"

/* Exercise 1a. bitsandbytes' blockwise quantization (its CUDA kernel
 * kQuantizeBlockwise) of x[n] with the 256 sorted values of `code` (either
 * dynamic map), in blocks of block_size elements, the last one shorter when
 * block_size does not divide n. For each block b:
 *     absmax[b] = the largest |x| of the block
 *     y         = x * (1.0f / absmax[b])      (a float reciprocal, then a float product)
 *     q[i]      = the index of the code value nearest y, decided by the
 *                 midpoints (code[k] + code[k + 1]) * 0.5f in float: above a
 *                 midpoint is k + 1's side, below it k's, exactly on it the
 *                 EVEN one of k and k + 1; below every midpoint 0, above every
 *                 one 255, and a NaN y (0 * inf, in a block whose absmax is 0)
 *                 index 0.
 * Do not call quantize_nearest, quantize_blockwise, dequantize_blockwise or
 * dequantize_code: the tests measure your answers against them. */
void ex_quantize_blockwise(const float *code /* [256] */, const float *x /* [n] */, size_t n,
                           size_t block_size, float *absmax /* [ceil(n / block_size)] */,
                           uint8_t *q /* [n] */);

/* Exercise 1b. Back to floats: out[i] = code[q[i]] * absmax[i / block_size]. */
void ex_dequantize_blockwise(const float *code /* [256] */, const uint8_t *q /* [n] */,
                             const float *absmax /* [ceil(n / block_size)] */, size_t n,
                             size_t block_size, float *out /* [n] */);

/* Exercise 2a. What a round trip through 8 bits does to x[n]: quantized
 * with lesson 10's quantize_blockwise (the map create_dynamic_map(is_signed))
 * in blocks of block_size, dequantized with dequantize_blockwise, x'[n]. */
typedef struct {
    double mean_relative_error; /* the mean of |x'_i - x_i| / |x_i| over the nonzero x_i, each
                                   term in double (a lost one counts 1); 0 when every x_i is 0 */
    size_t zeroed;              /* how many nonzero x_i came back as x'_i == 0: lost */
    double bytes_per_element;   /* what the stored form costs: (n + 4 * blocks) / n, a byte a
                                   code and a float32 a block */
} RoundTrip;

RoundTrip ex_round_trip(const float *x /* [n] */, size_t n, size_t block_size, bool is_signed);

/* Exercise 2b. The largest block size B of 1, 2, 4, ..., up to the smallest
 * power of two >= n (one block for the whole tensor), whose round trip
 * (exercise 2a) loses no element (zeroed 0) and has mean_relative_error <= bound;
 * 0 if there is none. n >= 1. */
size_t ex_largest_block(const float *x /* [n] */, size_t n, bool is_signed, double bound);

/* Exercise 3. One step of bitsandbytes' 8-bit Lion (bnb.optim.Lion8bit,
 * the kernel kOptimizerStatic8bit1StateBlockwise, LION) on n elements:
 * exp_avg is stored as codes state1[n] into the signed dynamic map qmap1
 * and one absmax1 per block of block_size, all starting at 0 (code 0 with
 * absmax 0 is the value 0). cfg holds Lion's lr, betas and weight_decay
 * (lesson 9's LionConfig); the kernel takes them as float: beta1 =
 * (float)betas[0], beta2 = (float)betas[1], and works in float32, each
 * operation rounded on its own. Block by block:
 *     1. for each element, the old absmax1[b]:
 *            p  = p * (1.0f - lr * weight_decay)        (only when weight_decay > 0)
 *            s1 = dequantize_code(qmap1, state1[i], absmax1[b])
 *            c  = s1 * beta1 + (1.0f - beta1) * g       (the OLD exp_avg)
 *            p  = p - lr * sign(c)                      (sign(0) = 0)
 *            s1 = s1 * beta2 + (1.0f - beta2) * g
 *     2. absmax1[b] = the largest |s1| of the block; a short last block is
 *        padded as the kernel loads it, with elements of code 128 and g = 0,
 *        whose s1 = qmap1[128] * (old absmax1[b]) * beta2 + (1.0f - beta2) * 0
 *        joins that largest;
 *     3. state1[i] = quantize_state1(qmap1, s1, absmax1[b])   (sign kept)
 * No hidden allocation: walk each block twice, as lesson 10's
 * adam8bit_update_blockwise does. */
void ex_lion8bit_update(float *param /* [n] */, const float *grad /* [n] */,
                        uint8_t *state1 /* [n] */, float *absmax1 /* [ceil(n / block_size)] */,
                        const float *qmap1 /* [256] signed */, size_t n, size_t block_size,
                        const LionConfig *cfg);

#endif
