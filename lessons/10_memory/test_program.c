/* test_program.c - lesson 10's program: its smoke run, its flags, and every
 * measurement the chapter quotes (the numbers of README.md, checked on the
 * values the program prints with its default flags). The accounting's
 * numbers are checked against sums worked out here from their definitions;
 * timings are never checked (the machine may be busy). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"

void add_program_tests(TCase *core, TCase *limits);

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "10_memory",
    .expect_text = "The study notes' memory numbers",
    .tables = (const char *const[]){"notes", "activations", "gpt_tensors", "block_sizes", "maps",
                                    "mlp_8bit", "gpt_8bit", "stress", "roofline", "values", NULL},
    .figures = (const char *const[]){"10_block_sizes", "10_mlp_8bit", "10_gpt_8bit", NULL},
    .flags = LESSON_FLAGS_WITHOUT_TRAINING,
};

/* a == b to within `tolerance` of b. */
static bool near(double a, double b, double tolerance)
{
    return fabs(a - b) <= tolerance * fabs(b);
}

START_TEST(test_the_chapters_measurements)
{
#ifdef OPTIMIZERS_SANITIZE
    /* Under the sanitizers the default run (the tiny GPT four times, the MLP
     * sixteen) takes many minutes; the normal build checks the claims, and
     * the sanitizers see the same code in the --quick run. */
    return;
#endif
    char *v = lesson_values("10_memory");

    /* The notes' tables, from their definitions: 4 bytes a float32, 2 a
     * bfloat16; Adam's m and v one float each; 8-bit Adam one byte each and
     * two float absmax per block of 256. */
    const double gb = 1e9, n70 = 70e9;
    ck_assert(value_in(v, "notes_8b_params_gb") == 8e9 * 2 / gb);
    ck_assert(value_in(v, "notes_8b_state_gb") == 8e9 * 8 / gb);
    ck_assert(value_in(v, "notes_8b_8bit_gb") == 8e9 * (2 + 8.0 / 256) / gb);   /* 16.25, not 16 */
    ck_assert(value_in(v, "notes_70b_fp32_gb") == n70 * (4 + 4 + 8) / gb);
    ck_assert(value_in(v, "notes_70b_mixed_gb") == n70 * (2 + 2 + 4 + 8) / gb);        /* bf16 gradients */
    ck_assert(value_in(v, "notes_70b_mixed_fp32_gb") == n70 * (2 + 4 + 4 + 8) / gb);   /* the notes' 1260 */
    ck_assert(value_in(v, "notes_70b_mixed_fp32_gb") == 1260);
    ck_assert(value_in(v, "notes_8bit_state_per_param") == 2 + 8.0 / 256);
    ck_assert(near(value_in(v, "notes_8bit_saved_gb"), n70 * (8 - 2 - 8.0 / 256) / gb, 1e-3));
    ck_assert(value_in(v, "notes_8bit_saved_gb") < 420);
    ck_assert(value_in(v, "notes_lora_trainable") == 16 * (4096 + 4096));
    ck_assert(near(value_in(v, "notes_lora_pct"), 100.0 * 16 * 8192 / (4096.0 * 4096), 1e-3));
    ck_assert(value_in(v, "notes_7b_gb") == 7e9 * 16 / gb && value_in(v, "notes_7b_gb") > 80);
    ck_assert(value_in(v, "notes_sgd_saves_fp32") == 50 && value_in(v, "notes_sgd_saves_mixed") == 50);
    ck_assert(value_in(v, "notes_70b_lora_base_gb") == n70 * 2 / gb && value_in(v, "notes_70b_lora_base_gb") > 80);

    /* Their activation table: their formula gives 4.29 times their numbers
     * (batch 4, fp32: 4 x 4096 x 8192 x 10 x 4 bytes x 80 layers = 429.5 GB,
     * where they print 100); the value is printed to 2 decimals. */
    ck_assert(fabs(value_in(v, "act_ratio") - 4.0 * 4096 * 8192 * 10 * 4 * 80 / gb / 100) <= 0.005);
    ck_assert(near(value_in(v, "act_saved16_gb"), 16.0 * 4096 * 8192 * 10 * 2 * 80 / gb, 1e-3));

    /* The tiny GPT: mixed-precision AdamW keeps as many bytes as fp32 AdamW
     * (2 + 2 + 4 + 8 = 4 + 4 + 8); 8-bit Adam cuts it, but its small tensors
     * stay fp32, so its state is above 2 bytes a parameter. */
    ck_assert(value_in(v, "gpt_fp32_per_param") == 16 && value_in(v, "gpt_mixed_per_param") == 16);
    ck_assert(value_in(v, "gpt_8bit_per_param") > 10 && value_in(v, "gpt_8bit_per_param") < 11);
    ck_assert(value_in(v, "gpt_8bit_state_per_param") > 2.03 && value_in(v, "gpt_8bit_state_per_param") < 3);
    ck_assert(value_in(v, "gpt_8bit_share") > 90 && value_in(v, "gpt_8bit_share") < 100);

    /* Block size: every error grows with the block, and stays small. */
    static const char *const blocks[] = {"64", "128", "256", "512", "1024", "2048", "4096"};
    static const char *const kinds[] = {"m", "m99", "v", "v99", "dir", "dir99"};
    for (int k = 0; k < 6; k++)
        for (int b = 1; b < 7; b++) {
            char smaller[64], larger[64];
            snprintf(smaller, sizeof smaller, "block_%s_%s", blocks[b - 1], kinds[k]);
            snprintf(larger, sizeof larger, "block_%s_%s", blocks[b], kinds[k]);
            ck_assert_msg(value_in(v, larger) >= value_in(v, smaller), "%s < %s", larger, smaller);
        }
    ck_assert(value_in(v, "block_256_m") < 0.02 && value_in(v, "block_256_v") < 0.01);
    ck_assert(value_in(v, "block_4096_dir99") < 0.1);

    /* The maps: the dynamic map's smallest code is 7 decades below absmax,
     * the linear map's 1/255; the linear map's medians are the better, its
     * tail far worse: one step in a hundred off by 100% or more. */
    ck_assert(value_in(v, "map_dynamic_smallest") < 1e-6 && value_in(v, "map_linear_smallest") > 1e-3);
    ck_assert(value_in(v, "map_linear_m") < value_in(v, "map_dynamic_m"));
    ck_assert(value_in(v, "map_linear_dir99") >= 1 && value_in(v, "map_dynamic_dir99") < 0.1);
    ck_assert(value_in(v, "map_linear_v_zeroed") == 0);
    /* A small positive m on the linear map lands on its second "zero",
     * linspace's middle value, and is lost: some are, as the text says. */
    ck_assert(value_in(v, "map_linear_second_zero") > 0 && value_in(v, "map_linear_second_zero") < 1e-6);
    ck_assert(value_in(v, "map_linear_m_zeroed") > 0);

    /* The MLP: at its defaults Adam8bit is 32-bit Adam here (every tensor
     * under 4096); forced to 8 bits, within a tenth of a percent point of
     * accuracy and 1% of test loss; with linear maps clearly worse. */
    ck_assert(value_in(v, "mlp_largest") < 4096);
    ck_assert(value_in(v, "mlp_bnb_state") == 8 && value_in(v, "mlp_forced_state") < 2.1);
    ck_assert(near(value_in(v, "mlp_bnb_loss"), value_in(v, "mlp_adam_loss"), 1e-3));
    ck_assert(near(value_in(v, "mlp_forced_loss"), value_in(v, "mlp_adam_loss"), 0.01));
    ck_assert(fabs(value_in(v, "mlp_forced_acc") - value_in(v, "mlp_adam_acc")) <= 0.2);
    ck_assert(value_in(v, "mlp_linear_loss") > 2 * value_in(v, "mlp_adam_loss"));
    ck_assert(value_in(v, "mlp_linear_acc") < value_in(v, "mlp_adam_acc") - 2);

    /* The GPT: 8-bit Adam ends where 32-bit Adam does; the linear maps
     * diverge, after steps of thousands of lr, with v read as 0 under a
     * nonzero m far more often than the dynamic map's. */
    double steps = value_in(v, "gpt_steps");
    ck_assert(value_in(v, "gpt_bnb_done") == steps && value_in(v, "gpt_forced_done") == steps);
    ck_assert(fabs(value_in(v, "gpt_bnb_gap")) < 0.01);
    ck_assert(fabs(value_in(v, "gpt_forced_end") - value_in(v, "gpt_adam_end")) < 0.01);
    ck_assert(value_in(v, "gpt_linear_done") < steps);
    ck_assert(value_in(v, "gpt_linear_largest") > 1000 && value_in(v, "gpt_adam_largest") < 10);
    ck_assert(value_in(v, "gpt_linear_v_zero") > 10 * value_in(v, "gpt_forced_v_zero"));
    ck_assert(value_in(v, "gpt_adam_v_zero") == 0);
    ck_assert(value_in(v, "gpt_bnb_state") > 2 && value_in(v, "gpt_bnb_state") < 4);

    /* The stress case: 8-bit v reads 0 for many small elements, their steps
     * grow tenfold and some by thousands of lr; smaller blocks cut the
     * zeros, a larger eps bounds the step, 32 bits never leaves 2 lr. */
    ck_assert(value_in(v, "stress_b256_zeroed") > 20);   /* (32 bits has no codes to read 0) */
    ck_assert(value_in(v, "stress_b64_zeroed") < value_in(v, "stress_b256_zeroed") / 2);
    ck_assert(value_in(v, "stress_b256_tiny") > 5 * value_in(v, "stress_fp32_tiny"));
    ck_assert(value_in(v, "stress_b256_tiny_max") > 1000 && value_in(v, "stress_b256_sparse_max") > 1000);
    ck_assert(value_in(v, "stress_fp32_sparse_max") < 2 && value_in(v, "stress_fp32_tiny_max") < 2);
    ck_assert(value_in(v, "stress_eps4_tiny_max") < 10 && value_in(v, "stress_eps4_sparse_max") < 10);
    ck_assert(value_in(v, "stress_eps6_tiny_max") < value_in(v, "stress_b256_tiny_max") / 10);
    ck_assert(near(value_in(v, "stress_b256_large"), value_in(v, "stress_fp32_large"), 0.05));

    /* The roofline: timings, so only what holds on any machine. The count
     * of arithmetic-bound steps is recounted from each step's shares: bound
     * when its time in the cache is above its kernel's from memory, that is
     * its cache share above its kernel share (a tie in the printed whole
     * percents could go either way); each share is a percentage of a time. */
    ck_assert(value_in(v, "roof_count") == 9);
    static const char *const all[9] = {"sgd", "momentum", "adagrad", "rmsprop", "adam",
                                       "adamw", "lion", "adafactor", "adam8bit"};
    int surely = 0, perhaps = 0;
    for (int i = 0; i < 9; i++) {
        char share[64], cache[64];
        snprintf(share, sizeof share, "roof_%s_share", all[i]);
        snprintf(cache, sizeof cache, "roof_%s_cache_share", all[i]);
        surely += value_in(v, cache) > value_in(v, share);
        perhaps += value_in(v, cache) >= value_in(v, share);
    }
    const double bound = value_in(v, "roof_arithmetic_bound");
    ck_assert_msg(bound >= surely && bound <= perhaps, "%g bound, recounted %d to %d", bound, surely, perhaps);
    static const char *const names[] = {"sgd", "adam", "adam8bit"};
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "roof_%s_cache_share", names[i]);
        ck_assert_msg(value_in(v, name) > 0, "%s", name);
        snprintf(name, sizeof name, "roof_%s_share", names[i]);
        ck_assert_msg(value_in(v, name) > 0, "%s", name);
    }
    free(v);
}
END_TEST

void add_program_tests(TCase *core, TCase *limits)
{
    add_lesson_program_tests(core, limits, &PROGRAM);
    tcase_add_test(core, test_the_chapters_measurements);
}
