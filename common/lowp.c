/* lowp.c - BF16 and FP16 in software (see lowp.h): each conversion works
 * on the float32 bit pattern, as PyTorch's c10/util/BFloat16.h and Half.h do,
 * so that every result is theirs bit for bit. */
#include "lowp.h"

#include <math.h>

#define FLOAT_SIGN 0x80000000u
#define FLOAT_INF 0x7F800000u          /* exponent all ones, mantissa 0 */
#define FLOAT_QUIET 0x00400000u        /* the top mantissa bit: a quiet NaN */
#define FP16_SIGN 0x8000u
#define FP16_INF 0x7C00u
#define FP16_QUIET_NAN 0x7E00u
#define FP16_OVERFLOW 0x477FF000u      /* 65520: halfway from 65504 to 2^16 */
#define FP16_HALF_MIN_SUBNORMAL 0x33000000u   /* 2^-25 */
#define FP16_MIN_NORMAL 0x38800000u    /* 2^-14 */

/* ---- FP16 -------------------------------------------------------------------------- */

uint16_t fp16_from_float(float x)
{
    uint32_t bits = float_bits(x);
    uint16_t sign = (uint16_t)((bits & FLOAT_SIGN) >> 16);
    uint32_t magnitude = bits & ~FLOAT_SIGN;
    if (magnitude > FLOAT_INF) return sign | FP16_QUIET_NAN;
    /* 65520 is a tie between 65504 (odd) and 2^16, which FP16 writes as inf. */
    if (magnitude >= FP16_OVERFLOW) return sign | FP16_INF;
    /* At most half the smallest subnormal: +-0 (2^-25 is a tie; 0 is even). */
    if (magnitude <= FP16_HALF_MIN_SUBNORMAL) return sign;
    if (magnitude >= FP16_MIN_NORMAL) {
        /* Rebias the exponent from float32's 127 to FP16's 15, then keep the
         * top 10 of the 23 mantissa bits. */
        uint32_t rebiased = magnitude - ((127u - 15u) << 23);
        return sign | (uint16_t)shift_round_even(rebiased, 13);
    }
    /* A subnormal: the count of 2^-24 in |x|. |x| = significand * 2^(e - 150)
     * with the implicit bit in the 24-bit significand, so the count is the
     * significand shifted right by 126 - e: 14 to 24 places here. A count
     * that rounds up to 1024 is the smallest normal, 0x0400, as it should. */
    uint32_t exponent = magnitude >> 23;
    uint32_t significand = (magnitude & 0x7FFFFFu) | 0x800000u;
    return sign | (uint16_t)shift_round_even(significand, (int)(126 - exponent));
}

float float_from_fp16(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & FP16_SIGN) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) {   /* inf, or a NaN: its payload kept, made quiet */
        uint32_t quiet = mantissa ? FLOAT_QUIET : 0;
        return float_from_bits(sign | FLOAT_INF | quiet | (mantissa << 13));
    }
    if (exponent == 0) {      /* 0 or a subnormal: mantissa * 2^-24, exact in float32 */
        float magnitude = (float)mantissa * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    return float_from_bits(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

/* ---- rounding and spacing ---------------------------------------------------------- */

float bf16_round(float x)
{
    return float_from_bf16(bf16_from_float(x));
}

float fp16_round(float x)
{
    return float_from_fp16(fp16_from_float(x));
}

/* A format with `mantissa_bits` and smallest normal 2^min_exponent spaces its
 * numbers in [2^e, 2^(e+1)) by 2^(e - mantissa_bits), and its subnormals as
 * its smallest binade; max_exponent clamps |x| beyond the largest finite. */
static float spacing(float x, int mantissa_bits, int min_exponent, int max_exponent)
{
    if (!isfinite(x)) return NAN;
    int exponent = (int)((float_bits(x) & ~FLOAT_SIGN) >> 23) - 127;   /* floor(log2 |x|) for a normal */
    if (exponent < min_exponent) exponent = min_exponent;
    if (exponent > max_exponent) exponent = max_exponent;
    return ldexpf(1.0f, exponent - mantissa_bits);
}

float bf16_ulp(float x)
{
    return spacing(x, 7, -126, 127);
}

float fp16_ulp(float x)
{
    return spacing(x, 10, -14, 15);
}
