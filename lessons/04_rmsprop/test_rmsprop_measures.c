/* test_rmsprop_measures.c - lesson 04's tests of what its program measures
 * with (rmsprop_measures.h): RMSProp on one number against the closed forms
 * of its moving average, the change of scale worked by hand, the steps to
 * adapt on made-up probes, and the moving ravine's runs. Its tests join the
 * lesson's suite through add_measures_tests() (see test_lesson04.c). */
#include <math.h>
#include <stdlib.h>

#include "experiment.h"
#include "momentum.h"
#include "rmsprop_measures.h"
#include "rotated.h"
#include "testing.h"

void add_measures_tests(TCase *core, TCase *limits);

/* A step length read back from float32 parameters near 0.01..0.1 that move
 * by about lr a step: a few ulp of the parameter over the step, 1e-5. */
#define LENGTH_RTOL 1e-5

START_TEST(test_rmsprop_with_changes_only_its_three)
{
    RMSpropConfig cfg = rmsprop_with(0.9, 0.5f, true);
    ck_assert(cfg.alpha == 0.9 && cfg.momentum == 0.5f && cfg.centered);
    ck_assert(cfg.lr == RMSPROP_DEFAULTS.lr && cfg.eps == RMSPROP_DEFAULTS.eps);
    ck_assert(cfg.weight_decay == RMSPROP_DEFAULTS.weight_decay);
}
END_TEST

START_TEST(test_steady_steps_follow_the_closed_forms)
{
    /* Every gradient 1. AdaGrad's sum is t: a step of lr/sqrt(t). RMSProp's
     * square_avg is 1 - alpha^t: a step of lr/sqrt(1 - alpha^t). Centered
     * subtracts grad_avg^2 = (1 - alpha^t)^2, leaving (1 - alpha^t) alpha^t:
     * a step of lr/sqrt((1 - alpha^t) alpha^t), which grows as alpha^t falls. */
    enum { STEPS = 5 };
    double *length[STEADY_COUNT];
    for (int k = 0; k < STEADY_COUNT; k++) length[k] = doubles_new(STEPS + 1);
    steady_steps(STEPS, length);
    const double alphas[STEADY_COUNT] = {0, 0.9, 0.99, 0.999, 0.99};
    for (int k = 0; k < STEADY_COUNT; k++) {
        ck_assert(isnan(length[k][0]));
        for (int t = 1; t <= STEPS; t++) {
            double decayed = pow(alphas[k], t), expected = k == STEADY_ADAGRAD ? 1 / sqrt(t)
                                                         : k == STEADY_CENTERED ? 1 / sqrt((1 - decayed) * decayed)
                                                                                : 1 / sqrt(1 - decayed);
            ck_assert_close_msg("step length", length[k][t], expected, 0, LENGTH_RTOL);
        }
    }
    for (int k = 0; k < STEADY_COUNT; k++) free(length[k]);
}
END_TEST

START_TEST(test_step_response_is_one_minus_alpha_to_the_t)
{
    /* square_avg = alpha square_avg + (1 - alpha) 1 from 0: 1 - alpha^t. */
    double y[7];
    step_response(0.9, 6, y);
    ck_assert(y[0] == 0.0);
    for (int t = 1; t <= 6; t++) ck_assert_close(y[t], 1 - pow(0.9, t), 0, 1e-6);
}
END_TEST

START_TEST(test_scale_change_by_hand)
{
    /* alpha 0.9. A hundredfold drop, from 1 to 0.01: square_avg after t
     * steps is 0.9^t + (1 - 0.9^t) 1e-4 and a step 0.01/sqrt(square_avg)
     * lr, which grows to 0.5 lr once square_avg <= 4e-4, that is once
     * 0.9^t <= 3e-4/0.9999, t >= ln(3.0003e-4)/ln 0.9 = 76.99: step 77, the
     * longest step the last one. */
    double largest;
    ck_assert_int_eq(scale_change(0.9, 1.0f, 0.01f, &largest), 77);
    ck_assert_close(largest, 0.01 / sqrt(pow(0.9, 77) * 0.9999 + 1e-4), 0, LENGTH_RTOL);
    /* A hundredfold rise, from 0.01 to 1: square_avg 1 - 0.9^t 0.9999, the
     * first step the longest, 1/sqrt(0.10009) = 3.161; within a factor 2
     * once square_avg >= 0.25: t >= ln(0.750075)/ln 0.9 = 2.73, step 3. */
    ck_assert_int_eq(scale_change(0.9, 0.01f, 1.0f, &largest), 3);
    ck_assert_close(largest, 1 / sqrt(0.10009), 0, LENGTH_RTOL);
}
END_TEST

START_TEST(test_steps_to_adapt_on_made_up_probes)
{
    /* phase 4: steps 4..8 after the change. The scaled run's probe over the
     * other's is 10, 5, 1.5, 1, 1.2: within a factor 2 from step 6 on, 2
     * steps after the change. Ending at 3 times: never. Within from the
     * change on: 1 step (the first after it). */
    double same[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, scaled[9] = {1, 1, 1, 1, 10, 5, 1.5, 1, 1.2};
    JumpRun a = {.steps = 8, .probe = same}, b = {.steps = 8, .probe = scaled};
    ck_assert(steps_to_adapt(&b, &a, 4) == 2);
    scaled[8] = 3;
    ck_assert(isnan(steps_to_adapt(&b, &a, 4)));
    for (int t = 0; t <= 8; t++) scaled[t] = 0.6;
    ck_assert(steps_to_adapt(&b, &a, 4) == 1);
}
END_TEST

START_TEST(test_variant_run_gives_rmsprop_its_config)
{
    Variant gd = {"GD", "gd", &SGD_MOMENTUM_SPEC, RMSPROP_DEFAULTS};
    Variant rms = {"RMSProp", "rms", &RMSPROP_SPEC, rmsprop_with(0.9, 0, false)};
    Run a = variant_run(&gd, 0.5f, 7), b = variant_run(&rms, 0.25f, 3);
    ck_assert(a.optimizer == &SGD_MOMENTUM_SPEC && a.config == NULL && a.lr == 0.5f && a.steps == 7);
    ck_assert(b.optimizer == &RMSPROP_SPEC && b.config == &rms.cfg && b.lr == 0.25f && b.steps == 3);
}
END_TEST

START_TEST(test_jump_result_on_the_moving_ravine)
{
    /* GD's effective learning rate is its lr at every step: the probe of
     * the unchanged run is lr throughout; the flatter run's, times the
     * scale, drops to lr/100 at the change and never comes back (adapt
     * NAN). Its lr is a point of the grid 10^(k/4), k = -12..4. RMSProp's
     * two runs are one run until the change (the same noise, the same
     * problem), so their probes agree before it. */
    enum { PHASE = 20 };
    Problem *p = must(rotated_ravine_new(JUMP_KAPPA, 3.14159265358979323846 / 4), "out of memory");
    Variant gd = {"GD", "gd", &SGD_MOMENTUM_SPEC, RMSPROP_DEFAULTS};
    JumpResult res = jump_result(p, &gd, PHASE);
    double k = 4 * log10(res.lr);
    ck_assert_msg(fabs(k - round(k)) < 1e-4 && k >= -12 - 1e-4 && k <= 4 + 1e-4, "lr %g", res.lr);
    for (int t = 0; t < 2 * PHASE; t++) {
        ck_assert_close(res.same.probe[t], res.lr, 0, 1e-7);
        ck_assert_close(res.scaled.probe[t], t < PHASE ? res.lr : res.lr * JUMP_SCALE, 0, 1e-7);
    }
    ck_assert(isnan(res.adapt));
    jump_run_free(&res.same);
    jump_run_free(&res.scaled);

    Variant rms = {"RMSProp", "rms", &RMSPROP_SPEC, rmsprop_with(0.9, 0, false)};
    res = jump_result(p, &rms, PHASE);
    for (int t = 0; t < PHASE; t++) ck_assert(res.scaled.probe[t] == res.same.probe[t]);
    jump_run_free(&res.same);
    jump_run_free(&res.scaled);
    problem_free(p);
}
END_TEST

void add_measures_tests(TCase *core, TCase *limits)
{
    (void)limits;
    tcase_add_test(core, test_rmsprop_with_changes_only_its_three);
    tcase_add_test(core, test_steady_steps_follow_the_closed_forms);
    tcase_add_test(core, test_step_response_is_one_minus_alpha_to_the_t);
    tcase_add_test(core, test_scale_change_by_hand);
    tcase_add_test(core, test_steps_to_adapt_on_made_up_probes);
    tcase_add_test(core, test_variant_run_gives_rmsprop_its_config);
    tcase_add_test(core, test_jump_result_on_the_moving_ravine);
}
