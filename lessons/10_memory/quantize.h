/* quantize.h - bitsandbytes' 8-bit "dynamic" quantization, the storage of
 * 8-bit Adam's two moments (Dettmers et al., "8-bit Optimizers via
 * Block-wise Quantization", 2022; bitsandbytes >= 0.44).
 *
 * A float x in a block of numbers is stored as one byte q, the index of the
 * nearest of 256 code values, and the block keeps one float beside it, its
 * largest magnitude:
 *
 *     absmax = max |x| over the block
 *     q      = the index of the code value nearest x / absmax   (in [-1, 1])
 *     x'     = code[q] * absmax                                 (dequantized)
 *
 * The code ("dynamic map") is not evenly spaced: its values are spread over
 * seven decades, 1e-7 .. 1, with more values in the decades near 1, so that
 * small numbers keep their relative size. The signed map (Adam's exp_avg)
 * has 127 negative values, 0, and 128 positive ones up to 1.0; the unsigned
 * map (exp_avg_sq, never negative) spends the sign bit on finer fractions.
 *
 * The per-element functions are `static inline HOST_DEVICE`: plain C here,
 * and the same code a CUDA file compiles for the GPU when it defines
 * HOST_DEVICE as `__host__ __device__` before including this header. They
 * follow bitsandbytes' CUDA kernels (csrc/kernels.cu) operation for
 * operation. */
#ifndef LESSON_QUANTIZE_H
#define LESSON_QUANTIZE_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host_device.h"


/* The number of code values of an 8-bit map. */
#define QMAP_SIZE 256

/* torch.linspace(start, end, steps, dtype=torch.float32) on the CPU, as
 * PyTorch >= 2.0 computes it (aten/src/ATen/native/cpu/RangeFactoriesKernel.cpp):
 * step = (end - start) / (steps - 1) in float; the first half counts up from
 * start, start + step * i, the second half down from end,
 * end - step * (steps - 1 - i); each with one rounding, as an x86-64
 * build that fuses the multiply-add computes it. The maps built from it are
 * PyTorch 2.11's bit for bit (measured on an AVX-512 CPU); PyTorch 1.13
 * vectorized this loop and puts 42 of the signed map's entries and 43 of
 * the unsigned one's 1 or 2 ulp away (tools/adam8bit_reference.py
 * --against-torch). */
void torch_linspace_f32(float start, float end, int steps, float *out /* [steps] */);

/* bitsandbytes' create_dynamic_map(signed, max_exponent_bits=7,
 * total_bits=8) in float32: for decade i = 0 .. 6, the midpoints of
 * torch.linspace(0.1, 1, k + 1) times 10^(i - 6), with k = 2^i values per
 * sign (signed) or 2^(i + 1) (unsigned), then 0 and 1.0, sorted. Signed:
 * code[127] = 0, code[255] = 1, code[0] = -0.99296875 (there is no -1).
 * Unsigned: code[0] = 0, code[255] = 1. */
void create_dynamic_map(bool is_signed, float code[QMAP_SIZE]);

/* bitsandbytes' create_linear_map(signed, 8 bits, add_zero=True): 255
 * evenly spaced values from -1 to 1 with one more 0 in the middle (code[127])
 * when signed, 256 from 0 to 1 when not. Lesson 10 shows why 8-bit Adam
 * does not use it. */
void create_linear_map(bool is_signed, float code[QMAP_SIZE]);

/* snippet: quantize_nearest, shown in 10_memory */
/* The index of the code value nearest x (x / absmax, in [-1, 1]), found by
 * bitsandbytes' binary search (quantize_2D; dQuantize gives the same): from
 * pivot 127 it steps 64, 32, ..., 1 towards x, remembering the nearest code
 * it saw below x (lower) and at or above it (upper), then rounds to the
 * nearer of the pivot and that neighbour by comparing x with their midpoint.
 * The search always ends on an even index, and a tie (x exactly on a
 * midpoint) stays there. A NaN compares false everywhere: it walks down to
 * index 0. */
static inline HOST_DEVICE uint8_t quantize_nearest(const float *code /* [256] */, float x,
                                                   bool is_signed)
{
    int pivot = 127, lower_pivot = 0, upper_pivot = 255;
    float lower = is_signed ? -1.0f : 0.0f, upper = 1.0f;
    float value = code[pivot];
    for (int jump = 64; jump > 0; jump /= 2) {
        if (x > value) {
            lower_pivot = pivot, lower = value;
            pivot += jump;
        } else {
            upper_pivot = pivot, upper = value;
            pivot -= jump;
        }
        value = code[pivot];
    }
    if (x > value) return (uint8_t)(x > (upper + value) * 0.5f ? upper_pivot : pivot);
    return (uint8_t)(x < (lower + value) * 0.5f ? lower_pivot : pivot);
}
/* end snippet */

/* snippet: quantize_state, shown in 10_memory */
/* A byte back to its value: the code value times the block's absmax. */
static inline HOST_DEVICE float dequantize_code(const float *code /* [256] */, uint8_t q,
                                                float absmax)
{
    return code[q] * absmax;
}

/* 8-bit Adam's first moment into a byte: the nearest signed code of
 * s1 / absmax, then bitsandbytes' sign fix: a code of the wrong sign is
 * moved one step towards s1's side, so that a small negative s1 never
 * becomes 0 or positive (a small positive one may become 0). Index 0 moved
 * down wraps to 255, as the kernel's unsigned char does: that happens only
 * for s1 = 0 in a block whose absmax is 0 (0 / 0 is NaN, which walks to 0),
 * and 1.0 * absmax is 0 there too. */
static inline HOST_DEVICE uint8_t sign_kept(const float *code /* [256] signed */, uint8_t q,
                                            float s1)
{
    if (!signbit(code[q]) != !signbit(s1)) q = (uint8_t)(s1 > 0.0f ? q + 1 : q - 1);
    return q;
}

static inline HOST_DEVICE uint8_t quantize_state1(const float *code /* [256] signed */,
                                                  float s1, float absmax)
{
    return sign_kept(code, quantize_nearest(code, s1 / absmax, true), s1);
}

/* The second moment (never negative) into a byte of the unsigned map. */
static inline HOST_DEVICE uint8_t quantize_state2(const float *code /* [256] unsigned */,
                                                  float s2, float absmax)
{
    return quantize_nearest(code, s2 / absmax, false);
}
/* end snippet */

/* snippet: quantize_map, shown in 10_memory */
/* A map with an index that finds the nearest code in two lookups where
 * quantize_nearest takes eight comparisons, each waiting for the one before.
 * The index cuts the floats into 65 536 buckets by their top 16 bits (sign,
 * exponent and 7 bits of fraction): a bucket is a range of values 1/128 of
 * its binade wide, narrower than the gap between two codes of a dynamic map,
 * so the nearest code changes at most once inside it. first[] holds the code
 * of each bucket's lowest float; above[q] is where the code moves from q to
 * q + 1, the midpoint of code[q] and code[q + 1] as the search rounds it. */
typedef struct {
    float code[QMAP_SIZE];       /* the 256 values, sorted */
    bool is_signed;              /* code[0] is -1 or about it, else 0 */
    bool indexed;                /* the index finds what quantize_nearest finds */
    float above[QMAP_SIZE];      /* x > above[q]: x's code is past q */
    uint8_t first[1 << 16];      /* by a float's top 16 bits: its bucket's lowest code */
} QuantMap;

/* The two lookups, on the index's arrays (the GPU chapter's kernel keeps
 * above[] in shared memory and first[] in global memory). */
static inline HOST_DEVICE uint8_t quantize_indexed(const uint8_t *first /* [1 << 16] */,
                                                   const float *above /* [256] */, float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    uint8_t q = first[bits >> 16];
    q += x > above[q];
    return isnan(x) ? 0 : q;   /* the search walks a NaN down to index 0 */
}

static inline uint8_t quantize_map_nearest(const QuantMap *map, float x)
{
    if (!map->indexed) return quantize_nearest(map->code, x, map->is_signed);
    return quantize_indexed(map->first, map->above, x);
}

/* The two moments' requantization through a map: quantize_state1 and
 * quantize_state2, the same codes, found through the index. */
static inline uint8_t quantize_map_state1(const QuantMap *map /* signed */, float s1,
                                          float absmax)
{
    return sign_kept(map->code, quantize_map_nearest(map, s1 / absmax), s1);
}

static inline uint8_t quantize_map_state2(const QuantMap *map /* unsigned */, float s2,
                                          float absmax)
{
    return quantize_map_nearest(map, s2 / absmax);
}
/* end snippet */

/* The map of `code` (sorted) with its index. The index is checked at both
 * ends of every bucket against quantize_nearest; where a map has two
 * changes of code in one bucket (codes closer than 1/128 of their size),
 * indexed is false and quantize_map_nearest searches instead. */
void quantize_map_init(QuantMap *map, const float code[QMAP_SIZE], bool is_signed);

/* A block's scale: the largest |x| of its n numbers (0 for a block of
 * zeros; fmaxf passes over a NaN). */
float block_absmax(const float *x /* [n] */, size_t n);

/* bitsandbytes' quantize_blockwise (its CUDA kernel kQuantizeBlockwise,
 * General8bit): x[n] in blocks of block_size (the last may be shorter),
 * absmax[b] = max |x| of block b, and each element the nearest code of
 * x * (1 / absmax) (the kernel multiplies by the reciprocal). `code` is
 * either map; is_signed says which. A block of zeros has absmax 0 and
 * 0 * inf = NaN: index 0, which dequantizes to 0 (or -0). */
void quantize_blockwise(const float *code /* [256] */, bool is_signed, const float *x /* [n] */,
                        size_t n, size_t block_size, float *absmax /* [ceil(n / block_size)] */,
                        uint8_t *q /* [n] */);

/* dequantize_blockwise: out[i] = code[q[i]] * absmax[i / block_size]. */
void dequantize_blockwise(const float *code /* [256] */, const uint8_t *q /* [n] */,
                          const float *absmax /* [ceil(n / block_size)] */, size_t n,
                          size_t block_size, float *out /* [n] */);

/* How many blocks n numbers make: ceil(n / block_size). */
static inline HOST_DEVICE size_t quantize_num_blocks(size_t n, size_t block_size)
{
    return n / block_size + (n % block_size != 0);
}

#endif
