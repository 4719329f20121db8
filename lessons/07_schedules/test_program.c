/* test_program.c - lesson 07's program: its smoke run, its flags, and every
 * measurement the chapter quotes (the numbers of README.md, checked on the
 * values the program prints with its default flags). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testing.h"

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "07_schedules",
    .expect_text = "The lr of each schedule at some steps",
    .tables = (const char *const[]){"schedule_landmarks", "schedules_mlp", "warmup", "clip_example",
                                    "clipping", "accumulation", "nan_guard", "gpt", "values", NULL},
    .figures = (const char *const[]){"07_schedules", "07_onecycle_momentum", "07_schedules_mlp",
                                     "07_warmup", "07_clipping", "07_gpt_warmup",
                                     "07_gpt_schedules", NULL},
    .flags = LESSON_FLAGS_SHARED,
};

START_TEST(test_the_chapters_measurements)
{
#ifdef OPTIMIZERS_SANITIZE
    /* Under the sanitizers the default run (the MLP from three starts, four
     * runs of the tiny GPT) takes many minutes; the normal build checks the
     * claims, and the sanitizers see the same code in the --quick run. */
    return;
#endif
    char *v = lesson_values("07_schedules");
    double lr = value_in(v, "sched_lr");

    /* Schedules: the warm-ups start at lr/100 (LinearLR) and lr/(W + 1)
     * (nanoGPT) and reach lr at the warm-up's end; the cosine is 0 at T_max
     * and climbs again after it, back to lr at 2 T_max; chain and closed
     * form agree to rounding; OneCycleLR peaks at 30% of the steps, its
     * momentum going 0.95 -> 0.85 -> 0.95. */
    ck_assert_close(value_in(v, "sched_linear_first"), lr / 100, 0, 1e-6);
    ck_assert_close(value_in(v, "sched_nanogpt_first"), lr / (value_in(v, "sched_warmup") + 1), 0, 1e-2);
    ck_assert(value_in(v, "sched_linear_peak_step") == value_in(v, "sched_warmup"));
    ck_assert(value_in(v, "sched_cosine_at_tmax") == 0);
    ck_assert(value_in(v, "sched_cosine_back_up") > 0.05 && value_in(v, "sched_cosine_back_up") < 0.5);
    ck_assert_close(value_in(v, "sched_cosine_at_2tmax"), lr, 0, 1e-6);
    ck_assert(value_in(v, "sched_cosine_drift") > 0 && value_in(v, "sched_cosine_drift") < 1e-12);
    ck_assert_close(value_in(v, "sched_onecycle_peak_step"), 0.3 * value_in(v, "sched_steps") - 1, 1, 0);
    ck_assert(value_in(v, "sched_onecycle_momentum_first") == 0.95 &&
              value_in(v, "sched_onecycle_momentum_peak") == 0.85 &&
              value_in(v, "sched_onecycle_momentum_last") == 0.95);

    /* The MLP under six schedules: every one at 100% training accuracy,
     * the test accuracies within the starts' spread of the constant rate's,
     * and the constant rate with the lowest training loss; OneCycleLR with
     * and without its beta1 cycle end alike (test accuracy within half a
     * point, loss within 25%). */
    const char *names[] = {"constant", "step", "cosine", "warmup_cosine", "onecycle", "onecycle_fixed"};
    char name[64];
    ck_assert(fabs(value_in(v, "mlp_onecycle_test") - value_in(v, "mlp_onecycle_fixed_test")) <= 0.5);
    ck_assert_close(value_in(v, "mlp_onecycle_loss"), value_in(v, "mlp_onecycle_fixed_loss"), 0, 0.25);
    for (int k = 0; k < TABLE_SIZE(names); k++) {
        snprintf(name, sizeof name, "mlp_%s_train", names[k]);
        ck_assert(value_in(v, name) == 100);
        snprintf(name, sizeof name, "mlp_%s_test", names[k]);
        ck_assert(value_in(v, name) >= value_in(v, "mlp_constant_test_low") - 0.5 &&
                  value_in(v, name) <= value_in(v, "mlp_constant_test_high") + 0.5);
        snprintf(name, sizeof name, "mlp_%s_loss", names[k]);
        ck_assert(value_in(v, name) >= value_in(v, "mlp_constant_loss"));
    }

    /* Warm-up on the MLP: without it the first update is the largest and
     * about lr sqrt(n) (within 15%); with it the largest is smaller and
     * later; the highest loss stays near the start (no spike over 1.2). */
    double sqrt_n = sqrt(value_in(v, "warmup_numel"));
    for (int k = 0; k < 3; k++) {
        char none[64], warm[64];
        snprintf(none, sizeof none, "warmup_none_%d_lr", k);
        double rate = value_in(v, none);
        snprintf(none, sizeof none, "warmup_none_%d_first_update", k);
        ck_assert_close(value_in(v, none), rate * sqrt_n, 0, 0.15);
        snprintf(none, sizeof none, "warmup_none_%d_largest_update_step", k);
        ck_assert(value_in(v, none) == 1);
        snprintf(none, sizeof none, "warmup_none_%d_largest_update", k);
        snprintf(warm, sizeof warm, "warmup_warm_%d_largest_update", k);
        ck_assert(value_in(v, warm) < value_in(v, none) / 2);
        snprintf(none, sizeof none, "warmup_none_%d_spike", k);
        ck_assert(value_in(v, none) < 1.2);
    }
    /* ... at the smaller rates warm-up only slows the start; at the largest
     * it removes a small spike and ends lower. Not every weight moves at
     * the first step: those of pixels blank in the whole first batch. */
    ck_assert(value_in(v, "warmup_warm_0_end_loss") > value_in(v, "warmup_none_0_end_loss"));
    ck_assert(value_in(v, "warmup_warm_2_spike") < value_in(v, "warmup_none_2_spike"));
    ck_assert(value_in(v, "warmup_warm_2_end_loss") < value_in(v, "warmup_none_2_end_loss"));
    ck_assert(value_in(v, "warmup_2_first_moved") < value_in(v, "warmup_numel") &&
              value_in(v, "warmup_2_first_moved") > value_in(v, "warmup_numel") / 2);

    /* The notes' example: the 2-norm result, the inf-norm result the notes
     * print, clip_grad_value_'s, and the norm 547.72. */
    double norm = sqrt(100.0 * 100 + 200.0 * 200 + 500.0 * 500);
    ck_assert_close(value_in(v, "clip_total_norm"), norm, 0.01, 0);
    ck_assert_close(value_in(v, "clip_norm_0"), 100 / norm, 1e-4, 0);
    ck_assert_close(value_in(v, "clip_norm_2"), 500 / norm, 1e-4, 0);
    ck_assert(value_in(v, "clip_inf_0") == 0.2 && value_in(v, "clip_inf_1") == -0.4 && value_in(v, "clip_inf_2") == 1);
    ck_assert_close(value_in(v, "clip_inf_after"), sqrt(0.04 + 0.16 + 1), 0.001, 0);
    ck_assert(value_in(v, "clip_value_0") == 1 && value_in(v, "clip_value_1") == -1);

    /* Rare huge gradients: SGD without clipping ruined (test under 50%),
     * clipped within 2 points of clean; AdamW without clipping still above
     * 85% but below clean, clipped within a point of clean; gradients
     * thousands of times the clean median. */
    ck_assert(value_in(v, "clip_sgd_heavy_test") < 50);
    ck_assert(value_in(v, "clip_sgd_clipped_test") > value_in(v, "clip_sgd_clean_test") - 2);
    ck_assert(value_in(v, "clip_adamw_heavy_test") > 85);
    ck_assert(value_in(v, "clip_adamw_heavy_test") < value_in(v, "clip_adamw_clean_test") - 1);
    ck_assert(value_in(v, "clip_adamw_clipped_test") > value_in(v, "clip_adamw_clean_test") - 1);
    ck_assert(value_in(v, "clip_sgd_heavy_grad_largest") > 1000 * value_in(v, "clip_sgd_clean_grad_median"));
    ck_assert(value_in(v, "clip_sgd_clipped_clipped") > 0 && value_in(v, "clip_sgd_clipped_clipped") < 50);

    /* Accumulation: rounding with the / k; without it SGD is exactly SGD at
     * k times the lr, AdamW nearly unchanged. */
    ck_assert(value_in(v, "acc_grad_relative") < 1e-6);
    ck_assert(value_in(v, "acc_adamw_acc_relative") < 1e-5);
    ck_assert(value_in(v, "acc_sgd_nodiv_apart") == 0);
    ck_assert(value_in(v, "acc_adamw_nodiv_relative") < 1e-2);
    ck_assert(value_in(v, "acc_sgd_nodiv_loss") == value_in(v, "acc_sgd_lr4_loss"));

    /* The NaN guard: each cause found, the lr case after many steps, the
     * exploding one within ten, the data one at the first batch holding the
     * poisoned example. */
    ck_assert(value_in(v, "nan_lr_step") > 100);
    ck_assert(value_in(v, "nan_exploding_step") <= 10);
    ck_assert(value_in(v, "nan_data_step") >= 1);
    ck_assert(strstr(v, "nan_lr_cause_right yes") && strstr(v, "nan_exploding_cause_right yes") &&
              strstr(v, "nan_data_cause_right yes"));

    /* The tiny GPT: warm-up lowers the final gap a lot (by over a quarter),
     * the cosine alone helps less than warm-up, warm-up + cosine ends
     * lowest; the first update without warm-up is the largest, no spike. */
    ck_assert(value_in(v, "gpt_warmup_gap") < 0.75 * value_in(v, "gpt_constant_gap"));
    ck_assert(value_in(v, "gpt_cosine_gap") > value_in(v, "gpt_warmup_gap"));
    ck_assert(value_in(v, "gpt_warmup_cosine_gap") <= value_in(v, "gpt_warmup_gap"));
    ck_assert(value_in(v, "gpt_constant_first_update") > 2 * value_in(v, "gpt_warmup_largest_update"));
    ck_assert(value_in(v, "gpt_constant_spike") < 1.2);
    ck_assert(value_in(v, "gpt_constant_early_loss") > value_in(v, "gpt_warmup_early_loss"));
    free(v);
}
END_TEST

void add_program_tests(TCase *core, TCase *limits)
{
    add_lesson_program_tests(core, limits, &PROGRAM);
    tcase_add_test(core, test_the_chapters_measurements);
}
