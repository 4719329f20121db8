/* test_program.c - lesson 09's program: its smoke run, its flags, and every
 * measurement the chapter quotes (the numbers of README.md, checked on the
 * values the program prints with its default flags). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"
#include "lion.h"

void add_program_tests(TCase *core, TCase *limits);

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "09_lion",
    .expect_text = "What each optimizer allocates",
    .tables = (const char *const[]){"memory", "sweep_mlp", "steps", "magnitudes", "batch",
                                    "sweep_gpt", "values", NULL},
    .figures = (const char *const[]){"09_sweep_mlp", "09_step_sizes", "09_step_norm", "09_batch",
                                     "09_sweep_gpt", NULL},
    .flags = LESSON_FLAGS_WITHOUT_TRAINING,
};

START_TEST(test_the_chapters_measurements)
{
#ifdef OPTIMIZERS_SANITIZE
    /* Under the sanitizers the default run (two grids of runs on the MLP,
     * one on the tiny GPT) takes many minutes; the normal build checks the
     * claims, and the sanitizers see the same code in the --quick run. */
    return;
#endif
    char *v = lesson_values("09_lion");

    /* Memory: Lion's state half of AdamW's, 4 and 8 bytes a parameter; with
     * the parameters and gradients, 12 against 16: three quarters, not half;
     * the GPT's activations are more than all of it. */
    const struct {
        const char *what;
        double value;
    } per_model[] = {{"lion_state_per_param", 4}, {"adamw_state_per_param", 8}, {"lion_total", 12},
                     {"adamw_total", 16}, {"state_ratio", 0.5}, {"total_ratio", 0.75}};
    const char *models[2] = {"mlp", "gpt"};
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < TABLE_SIZE(per_model); k++) {
            char name[64];
            snprintf(name, sizeof name, "mem_%s_%s", models[m], per_model[k].what);
            ck_assert_msg(value_in(v, name) == per_model[k].value, "%s = %g, expected %g", name,
                          value_in(v, name), per_model[k].value);
        }
    ck_assert(value_in(v, "mem_gpt_activations_per_param") > 16);
    ck_assert(value_in(v, "mem_gpt_with_act_ratio") > 0.9 && value_in(v, "mem_gpt_with_act_ratio") < 1);

    /* Every coordinate of Lion moves by lr or not at all; AdamW's first step
     * is a sign step too, its later ones are not; Lion's step norm is
     * lr sqrt(moved); some of Lion's signs are not today's gradient's. */
    ck_assert(value_in(v, "steps_lion_other") == 0);
    ck_assert(value_in(v, "steps_lion_exact") > 90 && value_in(v, "steps_lion_zero") > 0);
    ck_assert(value_in(v, "steps_adamw_other") > 90 && value_in(v, "steps_adamw_exact") < 1);
    ck_assert(value_in(v, "steps_adamw_exact_first") > 90 && value_in(v, "steps_lion_exact_first") == 100);
    ck_assert(value_in(v, "steps_norm_worst") < 1e-4);
    ck_assert(value_in(v, "steps_lion_norm_last") <= value_in(v, "steps_sqrt_params"));
    ck_assert(value_in(v, "steps_adamw_norm_last") < value_in(v, "steps_lion_norm_last") / 10);
    ck_assert(value_in(v, "steps_disagree") > 10);

    /* Magnitudes: the same signs of gradient, opposite steps of Lion. */
    ck_assert(value_in(v, "mag_half_step") == 1 && value_in(v, "mag_one_step") == 1);
    ck_assert(value_in(v, "mag_two_step") == -1 && value_in(v, "mag_ten_step") == -1);
    ck_assert(value_in(v, "mag_turn") > 1 && value_in(v, "mag_turn") < 2);

    /* The sweep on the MLP: Lion's best lr below AdamW's, by a factor the
     * authors' 3-10 covers (without decay, far more); AdamW best without
     * decay, Lion with and better for it; Lion tolerates ten times the
     * decay; the two level at their best; the failed runs are those with
     * lr x wd > 2. */
    ck_assert(value_in(v, "mlp_lr_ratio") >= 3 && value_in(v, "mlp_lr_ratio") < 5);   /* "at its lower end" */
    ck_assert(value_in(v, "mlp_nodecay_lr_ratio") > 10);
    ck_assert(value_in(v, "mlp_lion_nodecay_lr") < value_in(v, "mlp_lion_lr"));
    ck_assert(value_in(v, "mlp_adamw_wd") == 0 && value_in(v, "mlp_lion_wd") > 0);
    ck_assert(value_in(v, "mlp_adamw_decay_wd") == 0.001);
    ck_assert(value_in(v, "mlp_lion_loss") < value_in(v, "mlp_lion_nodecay_loss"));
    ck_assert(value_in(v, "mlp_lion_wd_max") > value_in(v, "mlp_adamw_wd_max"));
    ck_assert(value_in(v, "mlp_wd_max_ratio") == 10);
    ck_assert(fabs(value_in(v, "mlp_lion_acc") - value_in(v, "mlp_adamw_acc")) < 1);
    /* "in test loss Lion is slightly behind" */
    ck_assert(value_in(v, "mlp_lion_loss") > value_in(v, "mlp_adamw_loss"));
    ck_assert(value_in(v, "mlp_lion_loss") < 1.2 * value_in(v, "mlp_adamw_loss"));
    ck_assert(value_in(v, "mlp_failed") == 4 && value_in(v, "mlp_failed_lrwd") > 2);

    /* Batch size: both best at 32 and worst at 512; Lion behind AdamW at
     * every batch, closest at the largest. */
    ck_assert(value_in(v, "batch_512_lion_loss") > value_in(v, "batch_32_lion_loss"));
    ck_assert(value_in(v, "batch_512_adamw_loss") > value_in(v, "batch_32_adamw_loss"));
    ck_assert(value_in(v, "batch_lion_best") == 32 && value_in(v, "batch_adamw_best") == 32);
    const char *batches[3] = {"batch_8_ratio", "batch_32_ratio", "batch_128_ratio"};
    for (int b = 0; b < 3; b++)
        ck_assert(value_in(v, batches[b]) > value_in(v, "batch_512_ratio"));
    ck_assert(value_in(v, "batch_512_ratio") >= 1);
    /* The gaps quoted: the least and most of 100 (ratio - 1) over the four
     * batch sizes, within the rounding of the printed ratios and gaps. */
    const char *ratios[4] = {"batch_8_ratio", "batch_32_ratio", "batch_128_ratio", "batch_512_ratio"};
    double least = INFINITY, most = -INFINITY;
    for (int b = 0; b < 4; b++) {
        least = fmin(least, 100 * (value_in(v, ratios[b]) - 1));
        most = fmax(most, 100 * (value_in(v, ratios[b]) - 1));
    }
    ck_assert(value_in(v, "batch_gap_min") >= 0);
    ck_assert_msg(fabs(value_in(v, "batch_gap_min") - least) <= 1, "gap_min %g, from the ratios %g",
                  value_in(v, "batch_gap_min"), least);
    ck_assert_msg(fabs(value_in(v, "batch_gap_max") - most) <= 1, "gap_max %g, from the ratios %g",
                  value_in(v, "batch_gap_max"), most);

    /* The tiny GPT: the same best lr for both; Lion lower; both tolerate
     * a decay of 1 (the grid's largest). */
    ck_assert(value_in(v, "gpt_lr_ratio") == 1);
    ck_assert(value_in(v, "gpt_lion_loss") < value_in(v, "gpt_adamw_loss"));
    ck_assert(value_in(v, "gpt_lion_wd") == 1 && value_in(v, "gpt_adamw_wd") == 0);
    free(v);
}
END_TEST

void add_program_tests(TCase *core, TCase *limits)
{
    add_lesson_program_tests(core, limits, &PROGRAM);
    tcase_add_test(core, test_the_chapters_measurements);
}
