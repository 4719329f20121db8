/* test_program.c - lesson 11's program: its smoke run, its flags, and every
 * measurement the chapter quotes, checked on the values the program prints
 * with its default flags. Sums of bytes are checked against their
 * definitions worked out here; losses only where the chapter draws a
 * conclusion from them, with room to spare; timings never. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "testing.h"

void add_program_tests(TCase *core, TCase *limits);

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "11_mixed_precision",
    .expect_text = "The smallest change each format can hold",
    .tables = (const char *const[]){"spacing", "mlp_recipes", "fp16_gradients", "claims", "memory",
                                    "gpt_recipes", "gpt_frozen", "scale", "values", NULL},
    .figures = (const char *const[]){"11_mlp_recipes", "11_mlp_moved", "11_gpt_recipes", "11_scale",
                                     NULL},
    .flags = LESSON_FLAGS_SHARED,
};

START_TEST(test_the_chapters_measurements)
{
#ifdef OPTIMIZERS_SANITIZE
    /* The default run trains the MLP and the GPT four times each: minutes
     * under the sanitizers, which see the same code in the --quick run. */
    return;
#endif
    char *v = lesson_values("11_mixed_precision");

    /* The formats, from their definitions: 8 significant bits; BF16's
     * spacing at 1 is 2^-7, and the least step it keeps there is just over
     * half of it (a tie stays at the even 1.0). */
    ck_assert(fabs(value_in(v, "bf16_digits") - 8 * log10(2.0)) < 0.005);
    ck_assert(fabs(value_in(v, "fp16_digits") - 11 * log10(2.0)) < 0.005);
    ck_assert(value_in(v, "bf16_spacing_at_1") == ldexp(1, -7));
    ck_assert(value_in(v, "bf16_one_plus_1e5") == 1.0);
    const double keeps = value_in(v, "bf16_keeps_at_1");
    ck_assert(keeps > ldexp(1, -8) && keeps < ldexp(1, -8) * (1 + ldexp(1, -15)));
    /* ... and it grows with the weight: 0.25 at 100 (half the spacing 2^-1
     * of [64, 128)), about 2^-9 just below 1 (half the spacing 2^-8). */
    ck_assert(value_in(v, "bf16_keeps_at_100") == 0.25);
    ck_assert(value_in(v, "bf16_keeps_below_1") < keeps && value_in(v, "bf16_keeps_below_1") > ldexp(1, -10));

    /* The MLP: all-BF16 AdamW ends well above FP32 (it stalls: under half
     * its weights move from some step on, never in FP32); stochastic
     * rounding and master weights end level with FP32. */
    const double fp32 = value_in(v, "mlp_fp32_loss");
    ck_assert(value_in(v, "mlp_bf16_loss") > 2 * fp32);
    ck_assert(fabs(value_in(v, "mlp_master_loss") - fp32) <= 0.2 * fp32);
    ck_assert(fabs(value_in(v, "mlp_stochastic_loss") - fp32) <= 0.2 * fp32);
    ck_assert(value_in(v, "mlp_fp32_stall") == 0 && value_in(v, "mlp_fp32_moved_last") == 100);
    ck_assert(value_in(v, "mlp_bf16_stall") > 0);
    ck_assert(value_in(v, "mlp_master_moved_last") < 50);   /* the BF16 copy moves rarely ... */

    /* FP16: unscaled, small gradients underflow or lose digits; at 65536
     * none is lost and none overflows; in BF16 none underflows. */
    ck_assert(value_in(v, "fp16_last_zero") > 0 && value_in(v, "fp16_last_subnormal") > 10);
    ck_assert(value_in(v, "fp16_last_zero_scaled") == 0 && value_in(v, "fp16_last_inf_scaled") == 0);
    ck_assert(value_in(v, "bf16_last_zero") == 0);

    /* Memory, bytes a parameter: weights + gradients + master + AdamW's
     * two moments, each 4 bytes in FP32 and 2 in BF16. */
    static const struct {
        const char *tag;
        double bytes;
    } recipes[] = {{"fp32", 4 + 4 + 0 + 8}, {"zero", 2 + 2 + 4 + 8}, {"notes", 2 + 4 + 4 + 8},
                   {"llmc", 2 + 2 + 0 + 8}, {"bf16", 2 + 2 + 0 + 4}};
    for (int k = 0; k < 5; k++) {
        char name[64];
        snprintf(name, sizeof name, "memory_%s_bytes", recipes[k].tag);
        ck_assert_msg(value_in(v, name) == recipes[k].bytes, "%s", name);
        snprintf(name, sizeof name, "memory_%s_gb", recipes[k].tag);
        ck_assert_msg(value_in(v, name) == recipes[k].bytes * 70, "%s", name);
    }

    /* The GPT: all-BF16 ends above FP32, master weights level with it; the
     * LayerNorm gains (near 1) keep their BF16 value in most steps. */
    ck_assert(value_in(v, "gpt_bf16_loss") > value_in(v, "gpt_fp32_loss"));
    ck_assert(fabs(value_in(v, "gpt_master_loss") - value_in(v, "gpt_fp32_loss")) < 0.01);
    ck_assert(value_in(v, "gpt_ln_gain_unchanged") > 80);
    ck_assert(value_in(v, "gpt_fp32_loss") > value_in(v, "gpt_floor"));

    /* The scaler: overflows skipped steps; the scale came down from 65536
     * and went up again. */
    ck_assert(value_in(v, "scale_skipped") >= 3);
    ck_assert(value_in(v, "scale_lowest") < 65536 && value_in(v, "scale_highest") > 65536);
    free(v);
}
END_TEST

void add_program_tests(TCase *core, TCase *limits)
{
    add_lesson_program_tests(core, limits, &PROGRAM);
    tcase_add_test(core, test_the_chapters_measurements);
}
