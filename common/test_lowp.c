/* test_lowp.c - tests of BF16 and FP16 in software (lowp.h): PyTorch's
 * conversions bit for bit (tests/golden/lowp.txt), every one of the 65536
 * patterns of each format there and back, cases worked by hand, and
 * stochastic rounding counted over every value of its random bits.
 * Registered by test_common.c through add_lowp_tests(). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "lowp.h"
#include "rng.h"
#include "testing.h"

/* ---- tests/golden/lowp.txt ----------------------------------------------------------
 *
 * Two kinds of line (tools/lowp_reference.py says how they were made):
 *     round NAME X BF16 FP16 BF16_VECTORIZED   float32 bits X, the bits PyTorch
 *                                              converts them to
 *     widen NAME bf16|fp16 BITS FLOAT          a 16-bit pattern, the float32
 *                                              bits PyTorch widens it to */

#define LOWP_MAX_ROWS 512

typedef struct {
    char name[48];
    uint32_t x;
    uint16_t bf16, fp16;
    uint16_t bf16_vectorized;   /* a contiguous tensor's copy: 0xFFFF for NaN */
} RoundRow;

typedef struct {
    char name[48];
    bool is_fp16;
    uint16_t bits;
    uint32_t wide;
} WidenRow;

typedef struct {
    int num_round, num_widen;
    RoundRow round[LOWP_MAX_ROWS];
    WidenRow widen[LOWP_MAX_ROWS];
} LowpGolden;

/* The line's next word as "0x" and exactly `digits` hex digits. Returns 0 or -1. */
static int read_hex(GoldenReader *r, int digits, uint32_t *out)
{
    const char *word = golden_reader_word(r);
    if (!word || strlen(word) != 2 + (size_t)digits || strncmp(word, "0x", 2) != 0) return -1;
    char *end;
    unsigned long value = strtoul(word + 2, &end, 16);
    if (*end != '\0') return -1;
    *out = (uint32_t)value;
    return 0;
}

static int read_hex16(GoldenReader *r, uint16_t *out)
{
    uint32_t value;
    if (read_hex(r, 4, &value) != 0) return -1;
    *out = (uint16_t)value;
    return 0;
}

/* Loads the file (free it), failing the test, naming the line, if it cannot. */
static LowpGolden *load_lowp_golden(void)
{
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/lowp.txt", golden_dir());
    LowpGolden *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    GoldenReader r;
    ck_assert_msg(golden_reader_open(&r, path, err, sizeof err) == 0, "%s", err);
    /* A line that cannot be read stops the loop (break); golden_reader_close names it. */
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "round") == 0) {
            if (g->num_round == LOWP_MAX_ROWS) break;
            RoundRow *row = &g->round[g->num_round++];
            if (golden_reader_name(&r, row->name, sizeof row->name) != 0 ||
                read_hex(&r, 8, &row->x) != 0 || read_hex16(&r, &row->bf16) != 0 ||
                read_hex16(&r, &row->fp16) != 0 || read_hex16(&r, &row->bf16_vectorized) != 0 ||
                golden_reader_word(&r) != NULL)
                break;
        } else if (strcmp(word, "widen") == 0) {
            if (g->num_widen == LOWP_MAX_ROWS) break;
            WidenRow *row = &g->widen[g->num_widen++];
            char format[8];
            if (golden_reader_name(&r, row->name, sizeof row->name) != 0 ||
                golden_reader_name(&r, format, sizeof format) != 0 ||
                (strcmp(format, "bf16") != 0 && strcmp(format, "fp16") != 0) ||
                read_hex16(&r, &row->bits) != 0 || read_hex(&r, 8, &row->wide) != 0 ||
                golden_reader_word(&r) != NULL)
                break;
            row->is_fp16 = strcmp(format, "fp16") == 0;
        } else {
            break;
        }
    }
    ck_assert_msg(golden_reader_close(&r, NULL, err, sizeof err) == 0, "%s", err);
    return g;
}

START_TEST(test_golden_conversions_bit_for_bit)
{
    LowpGolden *g = load_lowp_golden();
    ck_assert_int_ge(g->num_round, 150);   /* the file was not cut short */
    for (int i = 0; i < g->num_round; i++) {
        const RoundRow *row = &g->round[i];
        float x = float_from_bits(row->x);
        uint16_t bf16 = bf16_from_float(x), fp16 = fp16_from_float(x);
        ck_assert_msg(bf16 == row->bf16, "%s (0x%08X): bf16 0x%04X, PyTorch 0x%04X",
                      row->name, row->x, bf16, row->bf16);
        ck_assert_msg(fp16 == row->fp16, "%s (0x%08X): fp16 0x%04X, PyTorch 0x%04X",
                      row->name, row->x, fp16, row->fp16);
        /* PyTorch's vectorized copy agrees but for the NaN it writes. */
        uint16_t vectorized = isnan(x) ? 0xFFFF : bf16;
        ck_assert_msg(vectorized == row->bf16_vectorized, "%s: vectorized 0x%04X, PyTorch 0x%04X",
                      row->name, vectorized, row->bf16_vectorized);
    }
    free(g);
}
END_TEST

START_TEST(test_golden_widening_bit_for_bit)
{
    LowpGolden *g = load_lowp_golden();
    ck_assert_int_ge(g->num_widen, 300);
    for (int i = 0; i < g->num_widen; i++) {
        const WidenRow *row = &g->widen[i];
        uint32_t wide = float_bits(row->is_fp16 ? float_from_fp16(row->bits) : float_from_bf16(row->bits));
        ck_assert_msg(wide == row->wide, "%s: 0x%08X, PyTorch 0x%08X", row->name, wide, row->wide);
    }
    free(g);
}
END_TEST

/* ---- every 16-bit pattern ---------------------------------------------------------- */

START_TEST(test_bf16_every_pattern)
{
    for (uint32_t b = 0; b <= 0xFFFF; b++) {
        float x = float_from_bf16((uint16_t)b);
        ck_assert_uint_eq(float_bits(x), b << 16);   /* widening is exact */
        uint16_t back = bf16_from_float(x);
        if (isnan(x)) ck_assert_uint_eq(back, 0x7FC0);
        else ck_assert_msg(back == b, "0x%04X comes back as 0x%04X", b, back);
        /* bf16_ulp is the distance to the next pattern up, at every finite
         * non-negative number below the largest. */
        if (b < 0x7F7F) ck_assert_float_eq(bf16_ulp(x), float_from_bf16((uint16_t)(b + 1)) - x);
    }
}
END_TEST

START_TEST(test_fp16_every_pattern)
{
    for (uint32_t h = 0; h <= 0xFFFF; h++) {
        float x = float_from_fp16((uint16_t)h);
        /* The value by the definition of binary16: (-1)^s m 2^-24 for exponent
         * 0, (-1)^s (1024 + m) 2^(e - 25) for 1..30, inf or NaN for 31. */
        int sign = h >> 15, exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
        ck_assert_int_eq(signbit(x) != 0, sign);
        if (exponent == 31) {
            ck_assert(mantissa ? isnan(x) : isinf(x));
        } else {
            double magnitude = exponent == 0 ? ldexp(mantissa, -24) : ldexp(1024 + mantissa, exponent - 25);
            ck_assert_msg(fabs(x) == magnitude, "0x%04X widens to %.9g, not %.9g", h, x, magnitude);
        }
        uint16_t back = fp16_from_float(x);
        if (isnan(x)) ck_assert_uint_eq(back, (h & 0x8000) | 0x7E00);
        else ck_assert_msg(back == h, "0x%04X comes back as 0x%04X", h, back);
        if (h < 0x7BFF) ck_assert_float_eq(fp16_ulp(x), float_from_fp16((uint16_t)(h + 1)) - x);
    }
}
END_TEST

/* ---- cases worked by hand -------------------------------------------------------- */

START_TEST(test_hand_cases)
{
    /* 1 + 1e-5 is less than half of either format's step at 1 (2^-8, 2^-11
     * halved): an update this small to a 16-bit weight of 1 is lost. */
    ck_assert_float_eq(bf16_round(1.0f + 1e-5f), 1.0f);
    ck_assert_float_eq(fp16_round(1.0f + 1e-5f), 1.0f);
    ck_assert_float_eq(bf16_round(1.0f + 0x1p-7f), 1.0f + 0x1p-7f);   /* one step survives */
    /* A tie goes to the neighbour whose last bit is 0: 1 + 2^-8 is halfway
     * between 1 (even) and 1 + 2^-7; 1 + 3 2^-8 between 1 + 2^-7 (odd) and
     * 1 + 2^-6. In FP16 the same with 2^-11 and 2^-10. */
    ck_assert_float_eq(bf16_round(1.0f + 0x1p-8f), 1.0f);
    ck_assert_float_eq(bf16_round(1.0f + 0x3p-8f), 1.0f + 0x1p-6f);
    ck_assert_float_eq(bf16_round(-1.0f - 0x3p-8f), -1.0f - 0x1p-6f);
    ck_assert_float_eq(fp16_round(1.0f + 0x1p-11f), 1.0f);
    ck_assert_float_eq(fp16_round(1.0f + 0x3p-11f), 1.0f + 0x1p-9f);
    ck_assert_float_eq(fp16_round(0x3p-25f), 0x2p-24f);   /* subnormals: 1.5 -> 2 of 2^-24 */
    ck_assert_float_eq(fp16_round(0x5p-25f), 0x2p-24f);   /* 2.5 -> 2 */
    ck_assert_float_eq(bf16_round(3.14159265f), 3.140625f);             /* 0x4049: 201/64 */
    ck_assert_float_eq(fp16_round(3.14159265f), 3.140625f);             /* 0x4248: 1608/512 */
    ck_assert_float_eq(fp16_round(0.1f), 0.0999755859375f);             /* 1638.4 -> 1638 of 2^-14 */

    /* The spacing at 1, on either side of a power of two, and at the ends. */
    ck_assert_float_eq(bf16_ulp(1.0f), 0x1p-7f);
    ck_assert_float_eq(bf16_ulp(-1.0f), 0x1p-7f);
    ck_assert_float_eq(bf16_ulp(0.999f), 0x1p-8f);
    ck_assert_float_eq(bf16_ulp(2.0f), 0x1p-6f);
    ck_assert_float_eq(bf16_ulp(0.0f), 0x1p-133f);
    ck_assert_float_eq(bf16_ulp(FLT_MAX), 0x1p120f);
    ck_assert_float_eq(fp16_ulp(1.0f), 0x1p-10f);
    ck_assert_float_eq(fp16_ulp(1024.0f), 1.0f);
    ck_assert_float_eq(fp16_ulp(0x1p-14f), 0x1p-24f);   /* the smallest normal ... */
    ck_assert_float_eq(fp16_ulp(1e-6f), 0x1p-24f);      /* ... and every subnormal */
    ck_assert_float_eq(fp16_ulp(65504.0f), 32.0f);
    ck_assert_float_eq(fp16_ulp(1e6f), 32.0f);          /* beyond the largest: its spacing */

    /* FP16's range: 65504 = (2 - 2^-10) 2^15 is the largest; 65520, halfway
     * to 2^16, is a tie that goes to the even neighbour, which is inf. */
    ck_assert_uint_eq(fp16_from_float(65504.0f), 0x7BFF);
    ck_assert_float_eq(fp16_round(65519.0f), 65504.0f);
    ck_assert(isinf(fp16_round(65520.0f)) && fp16_round(-65520.0f) < 0);
    /* 2^-24 is the smallest subnormal and survives; 1e-8 is less than half
     * of it and becomes 0, keeping its sign. */
    ck_assert_uint_eq(fp16_from_float(0x1p-24f), 0x0001);
    ck_assert_float_eq(fp16_round(0x1p-24f), 0x1p-24f);
    ck_assert_float_eq(fp16_round(1e-8f), 0.0f);
    ck_assert_uint_eq(fp16_from_float(-1e-8f), 0x8000);
    /* BF16 has float32's range: 1e-8 and 1e38 keep 8 significant bits. */
    ck_assert_float_eq(bf16_round(1e38f), 0x1.2cp126f);
    ck_assert_float_eq(bf16_ulp(1e-8f), 0x1p-34f);   /* 1e-8 is in [2^-27, 2^-26) */
}
END_TEST

/* Rounding to nearest is at most half a step off, and lands on one of the
 * two neighbours of x: on random numbers over each format's range. */
START_TEST(test_rounding_error_within_half_a_step)
{
    Rng rng;
    rng_seed(&rng, 11, 11);
    for (int i = 0; i < 200000; i++) {
        float x = (float)ldexp(rng_uniform(&rng) * 2 - 1, (int)rng_below(&rng, 70) - 40);
        double error_bf16 = fabs((double)bf16_round(x) - x);
        ck_assert_msg(error_bf16 <= 0.5 * bf16_ulp(x), "bf16 of %a is %a", x, bf16_round(x));
        if (fabsf(x) < 65504.0f) {
            double error_fp16 = fabs((double)fp16_round(x) - x);
            ck_assert_msg(error_fp16 <= 0.5 * fp16_ulp(x), "fp16 of %a is %a", x, fp16_round(x));
        }
    }
}
END_TEST

/* ---- stochastic rounding ---------------------------------------------------------- */

/* A number between two neighbours, and how many of the 65536 values of the
 * random bits' low half round it up, worked out from its low 16 bits by
 * the rule: up when those bits (d) exceed the threshold, which happens for
 * the thresholds 0 .. d - 1, d of them. */
typedef struct {
    const char *name;
    uint32_t x;             /* float32 bits */
    uint16_t down, up;      /* the two BF16 neighbours, toward 0 and away */
    int ups;                /* of 65536 */
} StochasticCase;

static const StochasticCase stochastic_cases[] = {
    {"1 + 0x1234/65536 steps", 0x3F801234, 0x3F80, 0x3F81, 0x1234},   /* 4660 */
    {"negative: magnitude up", 0xBF801234, 0xBF80, 0xBF81, 0x1234},
    {"one below the next", 0x3F80FFFF, 0x3F80, 0x3F81, 0xFFFF},
    {"one above", 0x3F800001, 0x3F80, 0x3F81, 1},
    {"halfway, up to 2", 0x3FFF8000, 0x3FFF, 0x4000, 0x8000},
    {"float32 subnormal", 0x00001234, 0x0000, 0x0001, 0x1234},
    {"pi: 0x0FDB of a step up", 0x40490FDB, 0x4049, 0x404A, 0x0FDB},
    {"exact: never moves", 0x3F800000, 0x3F80, 0x3F81, 0},
};

START_TEST(test_stochastic_counts)
{
    const StochasticCase *c = &stochastic_cases[_i];
    float x = float_from_bits(c->x);
    int ups = 0;
    double sum = 0;
    for (uint32_t threshold = 0; threshold <= 0xFFFF; threshold++) {
        uint16_t b = bf16_from_float_stochastic(x, threshold);
        ck_assert_msg(b == c->down || b == c->up, "%s: 0x%04X", c->name, b);
        /* Only the low 16 random bits count; the same bits, the same answer. */
        ck_assert_uint_eq(bf16_from_float_stochastic(x, threshold | 0xA5C30000u), b);
        ups += b == c->up;
        sum += float_from_bf16(b);
    }
    ck_assert_msg(ups == c->ups, "%s: up %d times of 65536, not %d", c->name, ups, c->ups);
    /* Unbiased: the mean is x. The sum of 65536 BF16 numbers of two values
     * and its division by 2^16 are exact in double, so the mean is x to the
     * last bit; a rule off by one threshold would be 1/65536 of a step away,
     * 16 times what this allows. */
    double step = fabs(float_from_bf16(c->up) - float_from_bf16(c->down));
    ck_assert_msg(fabs(sum / 65536 - x) <= step / 65536 / 16, "%s: mean %.12g, x %.12g",
                  c->name, sum / 65536, x);
}
END_TEST

/* A BF16 value already is one: no random bits move it. */
START_TEST(test_stochastic_keeps_bf16_values)
{
    const uint32_t randoms[] = {0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, 0xFFFFFFFF, 0x12345678};
    for (uint32_t b = 0; b <= 0xFFFF; b++) {
        float x = float_from_bf16((uint16_t)b);
        for (int k = 0; k < TABLE_SIZE(randoms); k++) {
            uint16_t s = bf16_from_float_stochastic(x, randoms[k]);
            if (isnan(x)) ck_assert_uint_eq(s, 0x7FC0);
            else ck_assert_msg(s == b, "0x%04X moved to 0x%04X", b, s);
        }
    }
}
END_TEST

/* ---- limits ------------------------------------------------------------------------ */

START_TEST(test_nan_infinity_and_signed_zero)
{
    const float nans[] = {NAN, -NAN, float_from_bits(0x7F800001), float_from_bits(0xFF80FFFF), float_from_bits(0x7FFFFFFF)};
    for (int k = 0; k < TABLE_SIZE(nans); k++) {
        float x = nans[k];
        ck_assert_uint_eq(bf16_from_float(x), 0x7FC0);   /* sign and payload dropped */
        ck_assert_uint_eq(fp16_from_float(x), (signbit(x) ? 0xFE00 : 0x7E00));   /* sign kept */
        for (uint32_t threshold = 0; threshold <= 0xFFFF; threshold += 0x1111)
            ck_assert_uint_eq(bf16_from_float_stochastic(x, threshold), 0x7FC0);
        ck_assert(isnan(bf16_ulp(x)) && isnan(fp16_ulp(x)));
    }
    ck_assert_uint_eq(bf16_from_float(INFINITY), 0x7F80);
    ck_assert_uint_eq(bf16_from_float(-INFINITY), 0xFF80);
    ck_assert_uint_eq(fp16_from_float(INFINITY), 0x7C00);
    ck_assert_uint_eq(fp16_from_float(-INFINITY), 0xFC00);
    ck_assert_uint_eq(bf16_from_float_stochastic(-INFINITY, 0), 0xFF80);
    ck_assert(isnan(bf16_ulp(INFINITY)) && isnan(fp16_ulp(-INFINITY)));
    /* Overflow: FLT_MAX is past BF16's largest, 0x7F7F, by more than half a step. */
    ck_assert_uint_eq(bf16_from_float(FLT_MAX), 0x7F80);
    ck_assert_uint_eq(bf16_from_float(-FLT_MAX), 0xFF80);
    ck_assert_uint_eq(bf16_from_float_stochastic(FLT_MAX, 0xFFFE), 0x7F80);   /* 0xFFFF > 0xFFFE */
    ck_assert_uint_eq(bf16_from_float_stochastic(FLT_MAX, 0xFFFF), 0x7F7F);
    ck_assert_uint_eq(bf16_from_float(-0.0f), 0x8000);
    ck_assert_uint_eq(fp16_from_float(-0.0f), 0x8000);
    ck_assert_uint_eq(bf16_from_float_stochastic(-0.0f, 0), 0x8000);
    ck_assert(signbit(float_from_fp16(0x8000)) && signbit(float_from_bf16(0x8000)));
}
END_TEST

void add_lowp_tests(TCase *core, TCase *limits);
void add_lowp_tests(TCase *core, TCase *limits)
{
    tcase_add_test(core, test_golden_conversions_bit_for_bit);
    tcase_add_test(core, test_golden_widening_bit_for_bit);
    tcase_add_test(core, test_bf16_every_pattern);
    tcase_add_test(core, test_fp16_every_pattern);
    tcase_add_test(core, test_hand_cases);
    tcase_add_test(core, test_rounding_error_within_half_a_step);
    tcase_add_loop_test(core, test_stochastic_counts, 0, TABLE_SIZE(stochastic_cases));
    tcase_add_test(core, test_stochastic_keeps_bf16_values);
    tcase_add_test(limits, test_nan_infinity_and_signed_zero);
}
