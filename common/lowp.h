/* lowp.h - the two 16-bit number formats of mixed-precision training, in
 * software, for the chapter on BF16 working weights, FP32 master weights and
 * loss scaling:
 *
 *   bfloat16 (BF16): float32's sign and 8-bit exponent, 7 mantissa bits. The
 *       same range as float32, 2-3 significant decimal digits.
 *   binary16 (FP16): a 5-bit exponent and 10 mantissa bits. Largest finite
 *       65504, smallest normal 2^-14, smallest subnormal 2^-24.
 *
 * A 16-bit number is held as its bit pattern (uint16_t), as PyTorch's
 * c10::BFloat16 and c10::Half hold theirs; the book computes in float32 and
 * rounds to 16 bits where a real mixed-precision step stores a value. Every
 * conversion to nearest is PyTorch's on the CPU bit for bit
 * (tests/golden/lowp.txt, made by tools/lowp_reference.py), NaN included;
 * the stochastic rounding is llm.c's, which PyTorch has not. */
#ifndef COMMON_LOWP_H
#define COMMON_LOWP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "host_device.h"

/* A float32's 32 bits, and the float32 of 32 bits: memcpy, not a pointer
 * cast, is the one way C lets us read them (a compiler makes it a move).
 * Inline, and HOST_DEVICE (host_device.h) as the BF16 conversions below:
 * lesson 10's memory-only kernels use them on every element, and the GPU
 * chapter's kernels store their BF16 weights with them. */
static inline HOST_DEVICE uint32_t float_bits(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static inline HOST_DEVICE float float_from_bits(uint32_t bits)
{
    float x;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* value >> shift, rounded to nearest with ties to even: PyTorch's
 * rounding-bias trick. Adding half a unit less one (0x7FFF for shift 16)
 * carries into the kept bits exactly when the dropped bits are more than
 * half; adding the kept lowest bit as well carries on an exact half only
 * when that bit is odd, so a tie goes to the even neighbour. A carry out of
 * the mantissa steps the exponent up, which is the right answer too (up to
 * inf at the top). value + bias must fit 32 bits: it does for every finite
 * or infinite float. */
static inline HOST_DEVICE uint32_t shift_round_even(uint32_t value, int shift)
{
    uint32_t rounding_bias = (1u << (shift - 1)) - 1 + ((value >> shift) & 1u);
    return (value + rounding_bias) >> shift;
}

/* PyTorch's one BF16 NaN: positive, quiet. */
#define BF16_QUIET_NAN 0x7FC0u

/* float32 -> BF16, rounding to nearest, ties to even: c10::BFloat16's
 * constructor (round_to_nearest_even). Too large rounds to +-inf; every NaN
 * becomes 0x7FC0 (a positive quiet NaN). */
static inline HOST_DEVICE uint16_t bf16_from_float(float x)
{
    if (isnan(x)) return BF16_QUIET_NAN;
    return (uint16_t)shift_round_even(float_bits(x), 16);
}

/* BF16 -> float32: exact (the 16 bits are float32's top half). */
static inline HOST_DEVICE float float_from_bf16(uint16_t b)
{
    return float_from_bits((uint32_t)b << 16);
}

/* float32 -> BF16 by stochastic rounding, as llm.c stores its BF16 weights
 * (llmc/cuda_utils.cuh, stochastic_rounding): truncate x to the BF16 below
 * it in magnitude, then step one BF16 up in magnitude when the 16 bits
 * dropped, read as an integer d, exceed random_bits & 0xFFFF. That happens
 * for d of the 65536 values of those bits: with probability d/65536, exactly,
 * which is how far x lies between its two neighbours, so the result is x on
 * average (unbiased). The rest of random_bits is ignored; the same arguments
 * always give the same result. A BF16 value (d = 0) and +-inf never change;
 * above the largest finite BF16 the step up is to inf; a NaN gives 0x7FC0, as
 * bf16_from_float (llm.c could turn a NaN whose payload is all in the low 16
 * bits into inf). */
static inline HOST_DEVICE uint16_t bf16_from_float_stochastic(float x, uint32_t random_bits)
{
    if (isnan(x)) return BF16_QUIET_NAN;
    const uint32_t bits = float_bits(x);
    const uint32_t threshold = random_bits & 0xFFFFu, dropped = bits & 0xFFFFu;
    const uint16_t truncated = (uint16_t)(bits >> 16);
    /* One up in the bit pattern is one BF16 up in magnitude, either sign. */
    return dropped > threshold ? (uint16_t)(truncated + 1) : truncated;
}

/* float32 -> FP16, rounding to nearest, ties to even, as c10::Half does on
 * the CPU: subnormals down to 2^-24 (at most 2^-25 rounds to 0), |x| >= 65520
 * to +-inf, and a NaN to the quiet NaN 0x7E00 with x's sign (the payload is
 * dropped). */
uint16_t fp16_from_float(float x);
/* FP16 -> float32: exact; a NaN keeps its sign and payload and comes back
 * quiet, as PyTorch widens it. */
float float_from_fp16(uint16_t h);

/* x stored and read back: the value a BF16 (FP16) tensor holds for x. */
float bf16_round(float x);
float fp16_round(float x);

/* The spacing of the format at x's magnitude: from |x| rounded down (toward
 * zero) to the format, the distance to the next number up. So bf16_ulp(1) =
 * 2^-7 while bf16_ulp(0.999f) = 2^-8; every subnormal (and 0) has the
 * smallest spacing (BF16 2^-133, FP16 2^-24); beyond the largest finite
 * number the spacing is that of the top binade (FP16 32). NaN for NaN and
 * +-inf. */
float bf16_ulp(float x);
float fp16_ulp(float x);

#endif
