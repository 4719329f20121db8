/* test_exercises.c - the grader of chapter 11's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/11_mixed_precision/ (your code);
 * `make test` runs them on solutions/11_mixed_precision/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"
#include "golden.h"
#include "graded.h"
#include "lion.h"
#include "lowp.h"
#include "mixed.h"
#include "rng.h"
#include "testing.h"

/* Numbers worked by hand in decimal are compared with HAND_RTOL: each is a
 * float32 result of one or two roundings, within 1.2e-7 of its decimal. */
#define HAND_RTOL 1e-6

/* ck_assert_msg tells Check's runner where it passed, a write to a pipe
 * each time: in loops over millions of numbers the tests check first and
 * call Check only to fail. */
#define require(cond, ...)                              \
    do {                                                \
        if (!(cond)) ck_abort_msg(__VA_ARGS__);         \
    } while (0)

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your conversion of the float32 with these bits, against lesson 11's
 * common/lowp.c (bf16_from_float), which tests/golden/lowp.txt proves is
 * PyTorch's bit for bit (common/test_lowp.c, and test_ex1_pytorch below). */
static void check_bits(const char *what, uint32_t bits)
{
    const float x = float_from_bits(bits);
    const uint16_t yours = ex_bf16_from_float(x), want = bf16_from_float(x);
    require(yours == want, "%s: 0x%08X gives 0x%04X, expected 0x%04X", what, bits, yours, want);
}

/* Every float32 whose top 16 bits are from `hi_first` to `hi_last`, with the
 * low 16 bits every `stride`-th pattern and the ones where rounding turns
 * (0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF). skip_nan leaves the NaNs out. */
static void check_range(const char *what, uint32_t hi_first, uint32_t hi_last, uint32_t stride, bool skip_nan)
{
    static const uint32_t TURNS[] = {0x0000, 0x0001, 0x7FFF, 0x8000, 0x8001, 0xFFFF};
    for (uint32_t hi = hi_first; hi <= hi_last; hi++) {
        for (int k = 0; k < TABLE_SIZE(TURNS); k++) {
            const uint32_t bits = hi << 16 | TURNS[k];
            if (!(skip_nan && isnan(float_from_bits(bits)))) check_bits(what, bits);
        }
        for (uint32_t lo = 0; lo <= 0xFFFF; lo += stride) {
            const uint32_t bits = hi << 16 | lo;
            if (!(skip_nan && isnan(float_from_bits(bits)))) check_bits(what, bits);
        }
    }
}

START_TEST(test_ex1_by_hand)
{
    /* A float32 is sign, 8 exponent bits and 23 mantissa bits; BF16 keeps
     * the top 16: sign, exponent, 7 mantissa bits. The low 16 decide the
     * rounding: below 0x8000 down, above up, exactly 0x8000 a tie, to the
     * pattern whose last bit is 0. */
    static const struct {
        uint32_t x;
        uint16_t bf16;
        const char *why;
    } CASES[] = {
        {0x3F800000, 0x3F80, "1 is a BF16 number"},
        {0xC0490FDB, 0xC049, "-pi: the dropped 0x0FDB are less than half"},
        {0x3F807FFF, 0x3F80, "just below a tie: down"},
        {0x3F808001, 0x3F81, "just above a tie: up"},
        {0x3F808000, 0x3F80, "a tie at 0x3F80 (even): stays"},
        {0x3F818000, 0x3F82, "a tie at 0x3F81 (odd): up to the even 0x3F82"},
        {0xBF818000, 0xBF82, "a negative tie: the same, in magnitude"},
        {0x3FFF8000, 0x4000, "a tie at 0x3FFF carries into the exponent: 2"},
        {0x3F800054, 0x3F80, "1 + 1e-5 is 1 in BF16"},
        {0x00000000, 0x0000, "0"},
        {0x80000000, 0x8000, "-0 keeps its sign"},
        {0x00000001, 0x0000, "the smallest subnormal float32 rounds to 0"},
        {0x00008000, 0x0000, "a tie at 0: 0 is even"},
        {0x00018000, 0x0002, "a tie at the smallest BF16 subnormal (odd): up"},
        {0x007FFFFF, 0x0080, "the largest subnormal float32 rounds up to the smallest normal"},
        {0x80008001, 0x8001, "a negative subnormal"},
        {0x7F800000, 0x7F80, "inf"},
        {0xFF800000, 0xFF80, "-inf"},
        {0x7F7F7FFF, 0x7F7F, "just below the tie above the largest finite BF16: stays"},
        {0x7F7F8000, 0x7F80, "the tie above the largest finite BF16 (odd): inf"},
        {0xFF7FFFFF, 0xFF80, "-FLT_MAX: -inf"},
        {0x7FC00000, 0x7FC0, "the quiet NaN"},
        {0xFFC00000, 0x7FC0, "a negative NaN: 0x7FC0, no sign"},
        {0x7F800001, 0x7FC0, "a NaN whose payload is all in the low bits, not inf"},
        {0x7FFFFFFF, 0x7FC0, "a NaN with every bit set, not -0 (the carry would reach the sign)"},
        {0xFF800001, 0x7FC0, "a negative signalling NaN"},
    };
    for (int k = 0; k < TABLE_SIZE(CASES); k++) {
        const uint16_t yours = ex_bf16_from_float(float_from_bits(CASES[k].x));
        require(yours == CASES[k].bf16, "%s: 0x%08X gives 0x%04X, expected 0x%04X", CASES[k].why, CASES[k].x,
                yours, CASES[k].bf16);
    }
}
END_TEST

/* The hex word "0x" and exactly `digits` digits. */
static bool read_hex(GoldenReader *r, int digits, uint32_t *out)
{
    const char *word = golden_reader_word(r);
    if (!word || strlen(word) != 2 + (size_t)digits || strncmp(word, "0x", 2) != 0) return false;
    char *end;
    *out = (uint32_t)strtoul(word + 2, &end, 16);
    return *end == '\0';
}

START_TEST(test_ex1_pytorch)
{
    /* Every "round" line of tests/golden/lowp.txt (tools/lowp_reference.py):
     * the float32 bits X and the BF16 bits PyTorch's CPU conversion gives
     * (the line's next column; the rest is FP16's and the vectorized
     * copy's, for common/test_lowp.c). Ties, the carry into the exponent,
     * overflow, subnormals, NaNs, and random numbers of every exponent. */
    char path[2048], err[512];
    snprintf(path, sizeof path, "%s/lowp.txt", golden_dir());
    GoldenReader r;
    require(golden_reader_open(&r, path, err, sizeof err) == 0, "%s", err);
    int rows = 0;
    for (const char *word; (word = golden_reader_next(&r)) != NULL;) {
        if (strcmp(word, "widen") == 0) continue;   /* 16 bits to 32: not this exercise */
        char name[64];
        uint32_t x, bf16;
        if (strcmp(word, "round") != 0 || golden_reader_name(&r, name, sizeof name) != 0 || !read_hex(&r, 8, &x) ||
            !read_hex(&r, 4, &bf16))
            break;
        const uint16_t yours = ex_bf16_from_float(float_from_bits(x));
        require(yours == bf16, "%s: 0x%08X gives 0x%04X, PyTorch 0x%04X", name, x, yours, bf16);
        rows++;
    }
    require(golden_reader_close(&r, NULL, err, sizeof err) == 0, "%s", err);
    ck_assert_int_ge(rows, 150);   /* the file was not cut short */
}
END_TEST

START_TEST(test_ex1_ties)
{
    /* Every 16-bit pattern that is not inf or NaN, with the dropped half
     * exactly 0x8000 (a tie: down when the pattern is even, up when odd),
     * and 0x7FFF and 0x8001 beside it (always down, always up). */
    static const uint32_t DROPPED[] = {0x8000, 0x7FFF, 0x8001};
    for (uint32_t hi = 0; hi <= 0xFFFF; hi++) {
        if ((hi & 0x7F80) == 0x7F80) continue;   /* inf and NaN: their own tests */
        for (int k = 0; k < TABLE_SIZE(DROPPED); k++) check_bits("a tie or next to one", hi << 16 | DROPPED[k]);
    }
}
END_TEST

START_TEST(test_ex1_overflow_and_inf)
{
    /* The top binade of each sign, where rounding up carries into inf:
     * 0x7F7F with dropped bits of 0x8000 or more is inf, and inf itself
     * stays inf. */
    check_range("the top binade, positive", 0x7F00, 0x7F7F, 7, true);
    check_range("the top binade, negative", 0xFF00, 0xFF7F, 7, true);
    check_bits("inf", 0x7F800000);
    check_bits("-inf", 0xFF800000);
}
END_TEST

START_TEST(test_ex1_subnormals_and_zeros)
{
    /* Exponent 0: +-0 and the subnormals, where BF16 keeps 7 bits below
     * 2^-126 and the rule is the same; the largest of them round up into
     * the smallest normal. Then the binade above. */
    check_range("a positive subnormal or 0", 0x0000, 0x0080, 3, true);
    check_range("a negative subnormal or -0", 0x8000, 0x8080, 3, true);
}
END_TEST

START_TEST(test_ex1_nan)
{
    /* Every NaN: exponent all ones, mantissa not 0, either sign, the
     * payload anywhere (quiet or signalling), is 0x7FC0. */
    for (uint32_t sign = 0; sign <= 1; sign++)
        for (uint32_t hi = 0x7F80; hi <= 0x7FFF; hi++)
            for (uint32_t lo = 0; lo <= 0xFFFF; lo += lo < 0x10 || lo > 0xFFF0 ? 1 : 13) {
                const uint32_t bits = sign << 31 | hi << 16 | lo;
                if ((bits & 0x7FFFFFFFu) == 0x7F800000u) continue;   /* +-inf */
                const uint16_t yours = ex_bf16_from_float(float_from_bits(bits));
                require(yours == 0x7FC0, "the NaN 0x%08X gives 0x%04X, expected 0x7FC0", bits, yours);
            }
}
END_TEST

START_TEST(test_ex1_every_pattern)
{
    /* Every one of the 65536 top halves with the low halves where rounding
     * turns, then two million random float32 patterns. */
    check_range("every top half", 0x0000, 0xFFFF, 0x10000, false);
    Rng rng;
    rng_seed(&rng, 11, 1);
    for (int k = 0; k < 2000000; k++) check_bits("a random pattern", rng_u32(&rng));
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* The stall step of exercises.h's problem at lr, for one recipe, worked out
 * here by another road than yours: lesson 11's Optimizer adapter
 * (mixed_adamw_new, the one the chapter trains the MLP and the GPT with),
 * which makes a float32 model BF16, rounds its gradients to BF16 and steps
 * it with adamw_update_bf16 or adamw_update_master. A weight moved when its
 * float32 array (all-BF16: the model's tensor, which holds BF16 values;
 * master: the optimizer's "master" state) changed. */
static int reference_stall_step(Precision precision, float lr)
{
    MemoryLedger ledger = {0};
    Tensor *param = tensor_new_1d(&ledger, "weight", TAG_PARAM, EX2_N);
    Tensor *grad = tensor_new_1d(&ledger, "weight.grad", TAG_GRAD, EX2_N);
    ck_assert(param && grad);
    for (int i = 0; i < EX2_N; i++) param->data[i] = 0.8125f + (float)(i % 64) / 128.0f;
    MixedAdamWConfig cfg = {ADAMW_DEFAULTS, precision, 0};
    cfg.adamw.lr = lr;
    cfg.adamw.weight_decay = 0.0f;
    Optimizer *opt = mixed_adamw_new((ParamList){1, &param, &grad}, &cfg);
    ck_assert_ptr_nonnull(opt);
    const float *watched = param->data;
    if (precision == PRECISION_BF16_MASTER) {
        int slot = -1;
        for (int k = 0; k < opt->num_slots; k++)
            if (strcmp(opt->slot_names[k], "master") == 0) slot = k;
        ck_assert_int_ge(slot, 0);
        watched = opt->slots[slot][0]->data;
    }
    int stall = 0;
    for (int t = 1; t <= EX2_STEPS; t++) {
        float before[EX2_N];
        memcpy(before, watched, sizeof before);
        /* 2^-10 or 2^-9, halved every EX2_HALVING steps, down for the first
         * half of the weights and up for the second. */
        const double scale = pow(0.5, 10.0 + (double)((t - 1) / EX2_HALVING));
        for (int i = 0; i < EX2_N; i++)
            grad->data[i] = (float)((i < EX2_N / 2 ? 1.0 : -1.0) * (1.0 + (double)((i / 64) % 2)) * scale);
        optimizer_step(opt);
        int moved = 0;
        for (int i = 0; i < EX2_N; i++) moved += watched[i] != before[i];
        if (2 * moved >= EX2_N) stall = 0;   /* half or more moved: no stall so far */
        else if (stall == 0) stall = t;      /* the first of a run of fewer than half */
    }
    optimizer_free(opt);
    tensor_free(param), tensor_free(grad);
    return stall;
}

START_TEST(test_ex2_by_hand)
{
    /* At lr 0 nothing ever moves: both stall at step 1. */
    ck_assert_int_eq(ex_bf16_stall_step(0.0f), 1);
    ck_assert_int_eq(ex_master_stall_step(0.0f), 1);
    /* AdamW's first step is lr times the sign of the gradient (in BF16
     * arithmetic 1.009 lr: 1 - beta1 is 0.10009765625 there, and the root
     * of exp_avg_sq rounds down), and with a gradient that only shrinks no
     * later step is much longer. BF16's spacing is 2^-8 below 1 and 2^-7
     * from 1 up, and a step must be about half of it to survive: 0.00195
     * and 0.0039. At lr 1e-3 no weight ever moves. At lr 3e-3 (a step of
     * 0.0030) only the weights below 1 can, and a weight at 1 going down:
     * of each 64 pulled down the 25 at or below 1, of each 64 pulled up
     * the 24 below 1, 98 of 256, never half: step 1 again. At 4e-3 (0.0040)
     * all move at step 1: the stall comes later. */
    ck_assert_int_eq(ex_bf16_stall_step(1e-3f), 1);
    ck_assert_int_eq(ex_bf16_stall_step(3e-3f), 1);
    ck_assert_int_gt(ex_bf16_stall_step(4e-3f), 1);
    /* A float32 master near 1 has a spacing of 6e-8 below 1 and 1.2e-7
     * above: a step of 1e-9 is lost at once, one of 1e-3 moves every weight
     * at step 1. */
    ck_assert_int_eq(ex_master_stall_step(1e-9f), 1);
    ck_assert_int_gt(ex_master_stall_step(1e-3f), 1);
}
END_TEST

START_TEST(test_ex2_bf16_against_the_adapter)
{
    /* Your all-BF16 stall steps against the adapter's, exactly (measured
     * with the solutions: 20, 21, 29, 71, 85 and 130 steps). At lr 3.9e-3
     * the step is within 1% of half the spacing above 1, and BF16's
     * rounding of exp_avg and exp_avg_sq puts it above or below: every
     * weight moves at step 1, fewer than half from step 2, every one again
     * at steps 13, 14 and 19, and fewer than half from step 20 on. The
     * stall is step 20, not 2. */
    static const float LRS[] = {3.9e-3f, 4e-3f, 5e-3f, 7e-3f, 1e-2f, 2e-2f};
    for (int k = 0; k < TABLE_SIZE(LRS); k++) {
        const int yours = ex_bf16_stall_step(LRS[k]), want = reference_stall_step(PRECISION_BF16, LRS[k]);
        require(yours == want, "lr %g: all-BF16 AdamW stalls from step %d, expected %d", (double)LRS[k], yours,
                want);
    }
}
END_TEST

START_TEST(test_ex2_master_against_the_adapter)
{
    /* The master copy's stall steps against the adapter's, exactly
     * (measured with the solutions: 202, 271, 343, 390 and 474 steps). */
    static const float LRS[] = {1e-5f, 1e-4f, 1e-3f, 5e-3f, 2e-2f};
    for (int k = 0; k < TABLE_SIZE(LRS); k++) {
        const int yours = ex_master_stall_step(LRS[k]), want = reference_stall_step(PRECISION_BF16_MASTER, LRS[k]);
        require(yours == want, "lr %g: the FP32 master stalls from step %d, expected %d", (double)LRS[k], yours,
                want);
    }
}
END_TEST

START_TEST(test_ex2_stall_comes_earlier_as_lr_shrinks)
{
    /* The chapter's claim, on your numbers: the gradient halves every 20
     * steps, AdamW's step falls with it, and BF16 loses a step below half
     * its spacing, so the smaller the lr, the sooner the weights stop; the
     * master loses a step only below half of float32's spacing, 65536 times
     * finer, and stalls hundreds of steps later at every lr, but within
     * the run. Going down from lr 2e-2: the BF16 stall never comes later,
     * and comes strictly sooner while it is after step 1; the master's
     * comes strictly sooner. */
    static const float LRS[] = {2e-2f, 1e-2f, 7e-3f, 5e-3f, 4e-3f, 3e-3f, 1e-3f, 1e-4f};
    int bf16[TABLE_SIZE(LRS)], master[TABLE_SIZE(LRS)];
    for (int k = 0; k < TABLE_SIZE(LRS); k++) {
        bf16[k] = ex_bf16_stall_step(LRS[k]);
        master[k] = ex_master_stall_step(LRS[k]);
        require(bf16[k] >= 1 && master[k] >= bf16[k] + 100,
                "lr %g: BF16 stalls from step %d, the master from %d: not hundreds of steps later", (double)LRS[k],
                bf16[k], master[k]);
        if (k == 0) continue;
        require(bf16[k] <= bf16[k - 1] && (bf16[k] < bf16[k - 1] || bf16[k] == 1),
                "BF16 stalls from step %d at lr %g and from %d at lr %g", bf16[k - 1], (double)LRS[k - 1], bf16[k],
                (double)LRS[k]);
        require(master[k] < master[k - 1], "the master stalls from step %d at lr %g and from %d at lr %g",
                master[k - 1], (double)LRS[k - 1], master[k], (double)LRS[k]);
    }
    require(bf16[TABLE_SIZE(LRS) - 1] == 1, "lr 1e-4: BF16 stalls from step %d, not 1",
            bf16[TABLE_SIZE(LRS) - 1]);
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

/* The reference: the whole tensor widened at once (not a chunk at a time),
 * lesson 9's lion_update, then each weight stored with
 * bf16_from_float_stochastic and its (seed, step, index) bits. */
static void reference_lion_bf16(uint16_t *param /* [n] */, const float *grad /* [n] */, float *exp_avg /* [n] */,
                                size_t n, long step, uint64_t seed, const LionConfig *cfg)
{
    float *wide = malloc((n ? n : 1) * sizeof *wide);
    ck_assert_ptr_nonnull(wide);
    for (size_t i = 0; i < n; i++) wide[i] = float_from_bf16(param[i]);
    lion_update(wide, grad, exp_avg, n, cfg);
    for (size_t i = 0; i < n; i++)
        param[i] = bf16_from_float_stochastic(wide[i], stochastic_rounding_bits(seed, step, i));
    free(wide);
}

START_TEST(test_ex3_by_hand)
{
    /* lr 0.5, the default betas: c = 0.1 g, so w = 1 with g = 3 steps to
     * 0.5, a BF16 number, stored as it is whatever the random bits; g = 0
     * from exp_avg 0 does not move w = -2; exp_avg = (1 - 0.99) g. */
    const LionConfig half = {.lr = 0.5f, .betas = {0.9, 0.99}};
    uint16_t p[2] = {0x3F80, 0xC000};   /* 1, -2 */
    float m[2] = {0, 0};
    ex_lion_update_bf16_stochastic(p, (const float[]){3.0f, 0.0f}, m, 2, 1, 5, &half);
    require(p[0] == 0x3F00 && p[1] == 0xC000,
            "lr 0.5: weights 0x%04X and 0x%04X, expected 0x3F00 (0.5) and 0xC000", p[0], p[1]);
    ck_assert_close_msg("exp_avg[0]", m[0], 0.03, 0, HAND_RTOL);
    require(m[1] == 0.0f, "exp_avg[1] = %g, expected 0", (double)m[1]);
    /* Weight decay first: lr 0.25, weight_decay 2, w = 1 shrinks by
     * 1 - 0.5 to 0.5, then g = -1 moves it up by 0.25: 0.75, 0x3F40. */
    const LionConfig decay = {.lr = 0.25f, .betas = {0.9, 0.99}, .weight_decay = 2.0f};
    uint16_t q[1] = {0x3F80};
    float mq[1] = {0};
    ex_lion_update_bf16_stochastic(q, (const float[]){-1.0f}, mq, 1, 1, 5, &decay);
    require(q[0] == 0x3F40, "weight decay: 0x%04X, expected 0x3F40 (0.75)", q[0]);
    /* Stochastic rounding. lr 1e-3 from w = 1 with g = 1: 1 - 0.001f is
     * 0.999000013, bits 0x3F7FBE77, between the BF16 numbers 0x3F7F
     * (0.99609375) and 0x3F80 (1): the dropped 0xBE77 are 74% of the way
     * up. Nearest would store 1, and the step would be lost. (seed, step,
     * index) = (0, 1, 0) draws 0xA706DD2F (mixed.h): 0xBE77 does not exceed
     * 0xDD2F, so this weight goes down, to 0x3F7F. */
    const LionConfig small = {.lr = 1e-3f, .betas = {0.9, 0.99}};
    ck_assert_uint_eq(stochastic_rounding_bits(0, 1, 0), 0xA706DD2Fu);
    ck_assert_uint_eq(float_bits(1.0f - 1e-3f), 0x3F7FBE77u);
    uint16_t w[1] = {0x3F80};
    float mw[1] = {0};
    ex_lion_update_bf16_stochastic(w, (const float[]){1.0f}, mw, 1, 1, 0, &small);
    require(w[0] == 0x3F7F, "lr 1e-3, seed 0, step 1: 0x%04X, expected 0x3F7F (the draw 0xDD2F is above 0xBE77)",
            w[0]);
    /* The same step on 64 weights of 1, at step 3 of seed 9: weight i goes
     * up to 0x3F80 exactly when 0xBE77 exceeds the low 16 bits of its own
     * draw, stochastic_rounding_bits(9, 3, i), and down otherwise. */
    uint16_t many[64];
    float mm[64] = {0}, ones[64];
    for (int i = 0; i < 64; i++) many[i] = 0x3F80, ones[i] = 1.0f;
    ex_lion_update_bf16_stochastic(many, ones, mm, 64, 3, 9, &small);
    int up = 0;
    for (int i = 0; i < 64; i++) {
        const uint16_t want = 0xBE77u > (stochastic_rounding_bits(9, 3, (size_t)i) & 0xFFFFu) ? 0x3F80 : 0x3F7F;
        require(many[i] == want, "seed 9, step 3, weight %d: 0x%04X, expected 0x%04X", i, many[i], want);
        up += want == 0x3F80;
    }
    ck_assert(up > 0 && up < 64);   /* both ways */
}
END_TEST

START_TEST(test_ex3_matches_lion_then_rounding)
{
    /* 25 steps of four settings on tensors of 1 to 4099 weights (no size a
     * multiple of 64, 128, 256 or 1024: a chunk of yours ends inside them),
     * against the reference: weights and exp_avg bit for bit after every
     * step, and nothing written past n. */
    const LionConfig cfgs[] = {
        {.lr = 1e-4f, .betas = {0.9, 0.99}},
        {.lr = 3e-3f, .betas = {0.95, 0.98}, .weight_decay = 1.0f},
        {.lr = 0.02f, .betas = {0.5, 0.999}, .weight_decay = 0.1f},
        {.lr = 1e-2f, .betas = {0.0, 0.0}, .weight_decay = 0.3f},
    };
    static const size_t SIZES[] = {1, 3, 255, 257, 1000, 1025, 4099};
    Rng rng;
    rng_seed(&rng, 11, 3);
    for (int c = 0; c < TABLE_SIZE(cfgs); c++)
        for (int s = 0; s < TABLE_SIZE(SIZES); s++) {
            const size_t n = SIZES[s];
            const uint64_t seed = 100 * (uint64_t)c + (uint64_t)s;
            /* one more element each: a canary past the end */
            uint16_t *p = malloc((n + 1) * sizeof *p), *pr = malloc((n + 1) * sizeof *pr);
            float *m = calloc(n + 1, sizeof *m), *mr = calloc(n + 1, sizeof *mr), *g = malloc(n * sizeof *g);
            ck_assert(p && pr && m && mr && g);
            for (size_t i = 0; i < n; i++)   /* weights from 1e-3 to 100, BF16 values */
                pr[i] = p[i] = bf16_from_float((float)(pow(10.0, (double)(i % 6) - 3.0) * rng_normal(&rng)));
            p[n] = pr[n] = 0xA5A5, m[n] = mr[n] = 12345.0f;
            for (long t = 1; t <= 25; t++) {
                for (size_t i = 0; i < n; i++) {   /* 1e-2 to 100, a drift, noise, some zeros */
                    const double drift = sin(0.2 * (double)t + (double)i);
                    const double scale = pow(10.0, (double)(i % 5) - 2.0);
                    g[i] = i % 11 == 4 ? 0.0f : (float)(scale * (drift + rng_normal(&rng)));
                }
                ex_lion_update_bf16_stochastic(p, g, m, n, t, seed, &cfgs[c]);
                reference_lion_bf16(pr, g, mr, n, t, seed, &cfgs[c]);
                for (size_t i = 0; i < n; i++) {
                    require(p[i] == pr[i], "settings %d, n %zu, step %ld: param[%zu] = 0x%04X, expected 0x%04X",
                            c, n, t, i, p[i], pr[i]);
                    require(float_bits(m[i]) == float_bits(mr[i]),
                            "settings %d, n %zu, step %ld: exp_avg[%zu] = %.9g, expected %.9g", c, n, t, i,
                            (double)m[i], (double)mr[i]);
                }
                require(p[n] == 0xA5A5 && m[n] == 12345.0f, "settings %d, n %zu, step %ld: written past n", c, n,
                        t);
            }
            free(p), free(pr), free(m), free(mr), free(g);
        }
    /* n = 0 touches nothing. */
    uint16_t p0[1] = {0x1234};
    float m0[1] = {7.0f};
    ex_lion_update_bf16_stochastic(p0, (const float[]){1.0f}, m0, 0, 1, 1, &cfgs[0]);
    ck_assert(p0[0] == 0x1234 && m0[0] == 7.0f);
}
END_TEST

START_TEST(test_ex3_unbiased_over_seeds)
{
    /* One step of lr 1e-3 from w = 1 with g = 1, 4000 times, seeds 0 to
     * 3999: the stored weight is 0.99609375 or 1, up with probability
     * 0xBE77 / 65536 = 0.744, so on average the float32 result 0.999000013.
     * The spread of one draw is 2^-8 sqrt(0.744 * 0.256) = 0.0017, of the
     * mean of 4000 2.7e-5: allowed 1.4e-4 (5 of those). Nearest rounding
     * (always 1) is off by 1e-3; truncation (always 0.996) by 2.9e-3. */
    const LionConfig small = {.lr = 1e-3f, .betas = {0.9, 0.99}};
    enum { SEEDS = 4000 };
    double sum = 0;
    int up = 0;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint16_t w[1] = {0x3F80};
        float m[1] = {0};
        ex_lion_update_bf16_stochastic(w, (const float[]){1.0f}, m, 1, 1, seed, &small);
        require(w[0] == 0x3F80 || w[0] == 0x3F7F, "seed %d: 0x%04X, not a neighbour of 0.999", (int)seed, w[0]);
        sum += float_from_bf16(w[0]);
        up += w[0] == 0x3F80;
    }
    const double mean = sum / SEEDS, want = 1.0f - 1e-3f;
    require(fabs(mean - want) < 1.4e-4, "the mean over %d seeds is %.7f, expected %.7f (%d of them up)", SEEDS,
            mean, want, up);
}
END_TEST

START_TEST(test_ex3_small_steps_add_up)
{
    /* 100 steps of lr 1e-3 on 512 weights of 1 with g = 1: float32 Lion
     * (lesson 9, on float weights) walks them to 0.9; rounded to nearest
     * BF16 each step would be lost (1 - 0.001 is nearer 1), and the weights
     * would stay at 1. Stochastic rounding is right on average at each
     * step, so the mean weight follows float32 Lion: each step adds a
     * rounding error of at most 2^-9 whose mean is 0, so after 100 steps a
     * weight is within 0.02 of 0.9 typically and the mean of 512 within
     * 9e-4: allowed 5e-3, for two seeds. */
    const LionConfig small = {.lr = 1e-3f, .betas = {0.9, 0.99}};
    enum { N = 512, STEPS = 100 };
    float p32[N], m32[N] = {0}, g[N];
    for (int i = 0; i < N; i++) p32[i] = 1.0f, g[i] = 1.0f;
    for (int t = 1; t <= STEPS; t++) lion_update(p32, g, m32, N, &small);
    for (uint64_t seed = 1; seed <= 2; seed++) {
        uint16_t w[N];
        float m[N] = {0};
        for (int i = 0; i < N; i++) w[i] = 0x3F80;
        for (long t = 1; t <= STEPS; t++) ex_lion_update_bf16_stochastic(w, g, m, N, t, seed, &small);
        double sum = 0;
        for (int i = 0; i < N; i++) sum += float_from_bf16(w[i]);
        require(fabs(sum / N - p32[0]) < 5e-3,
                "seed %d: after %d steps the mean weight is %.5f, float32 Lion's %.5f", (int)seed, STEPS, sum / N,
                (double)p32[0]);
    }
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_by_hand},
    {"ex1", &test_ex1_pytorch},
    {"ex1", &test_ex1_ties},
    {"ex1", &test_ex1_overflow_and_inf},
    {"ex1", &test_ex1_subnormals_and_zeros},
    {"ex1", &test_ex1_nan},
    {"ex1", &test_ex1_every_pattern},
    {"ex2", &test_ex2_by_hand},
    {"ex2", &test_ex2_bf16_against_the_adapter},
    {"ex2", &test_ex2_master_against_the_adapter},
    {"ex2", &test_ex2_stall_comes_earlier_as_lr_shrinks},
    {"ex3", &test_ex3_by_hand},
    {"ex3", &test_ex3_matches_lion_then_rounding},
    {"ex3", &test_ex3_unbiased_over_seeds},
    {"ex3", &test_ex3_small_steps_add_up},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 11_mixed_precision", GRADED_TESTS);
}
