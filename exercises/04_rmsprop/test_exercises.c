/* test_exercises.c - the grader of chapter 4's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/04_rmsprop/ (your code);
 * `make test` runs them on solutions/04_rmsprop/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"
#include "graded.h"
#include "rmsprop.h"
#include "testing.h"

/* A few float32 operations (a square root and a division among them) on
 * numbers near 1: 4 ulp. Tight enough to tell (float)(1.0 - alpha) from
 * 1.0f - (float)alpha, which is 10 ulp away for alpha = 0.99. */
#define HAND_RTOL 5e-7
/* PyTorch's kernels fuse a multiply-add here and there (see
 * lessons/04_rmsprop/test_rmsprop.c): at most 2 ulp on these cases, 5 allowed. */
#define GOLDEN_RTOL 6e-7

static RMSpropConfig lr_config(float lr)
{
    RMSpropConfig cfg = RMSPROP_DEFAULTS;
    cfg.lr = lr;
    return cfg;
}

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your ex_rmsprop_step as check_steps_by_hand and check_golden_update run it
 * (an UpdateStep): state[0] is square_avg[n], state[1] momentum_buffer[n],
 * state[2] grad_avg[n], all starting at 0; as exercises.h allows, NULL for
 * a state the settings do not use (its array must then stay 0). */
static void rmsprop_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                         long step)
{
    (void)step;   /* RMSProp's update does not read the step number */
    const RMSpropConfig *cfg = config;
    ex_rmsprop_step(param, grad, state[0], cfg->centered ? state[2] : NULL, cfg->momentum > 0 ? state[1] : NULL,
                    n, cfg);
}

static const UpdateFunction EX_RMSPROP = {
    .name = "ex_rmsprop_step",
    .spec = &RMSPROP_SPEC,
    .step = rmsprop_step,
    .state_names = {"square_avg", "momentum_buffer", "grad_avg"},
};

/* Two steps from p = 1 and every state at 0, worked by hand (lesson 4's
 * tests check rmsprop_update on the same numbers): square_avg,
 * momentum_buffer and grad_avg (0 where the settings leave them unused) and
 * the parameter after step 1 and after step 2. First the options of plain
 * RMSProp ... */
static const HandSteps PLAIN_BY_HAND[] = {
    /* lr 0.01, alpha 0.99: square_avg = 0.01*0.25 = 0.0025, p = 1 - 0.005/(0.05 + 1e-8)
     * = 0.90000002 (the first step is 10 lr); square_avg = 0.99*0.0025 + 0.01*0.0625
     * = 0.0031, p = 0.90000002 - 0.0025/(sqrt(0.0031) + 1e-8) = 0.8550987026. */
    {"the first step is 10 lr", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.0025, 0.0031}, {0, 0}, {0, 0}}, {0.900000019999996, 0.855098702557817}},
    /* alpha 0.9: square_avg = 0.1*0.25 = 0.025, p = 1 - 0.005/(sqrt(0.025) + 1e-8)
     * = 0.9683772254; square_avg = 0.02875, p = 0.9536330307. */
    {"alpha 0.9", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.9, .eps = 1e-8f}, {0.5f, 0.25f},
     {{0.025, 0.02875}, {0, 0}, {0, 0}}, {0.968377225398316, 0.9536330306523915}},
    /* maximize negates, then weight decay adds: g = -0.5 + 0.1 = -0.4, square_avg
     * = 0.0016, p = 1 + 0.004/(0.04 + 1e-8) = 1.099999975; g = -0.5 + 0.1*1.099999975,
     * square_avg = 0.0031050000195, p = 1.16998961. */
    {"maximize and weight decay",
     &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f, .weight_decay = 0.1f, .maximize = true},
     {0.5f, 0.5f}, {{0.0016, 0.003105000019499998}, {0, 0}, {0, 0}}, {1.0999999750000062, 1.1699896099360607}},
    /* eps 0.05 goes after the root: p = 1 - 0.005/(0.05 + 0.05) = 0.95;
     * p = 0.95 - 0.0025/(sqrt(0.0031) + 0.05) = 0.9263431515. */
    {"eps after the square root", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 0.05f}, {0.5f, 0.25f},
     {{0.0025, 0.0031}, {0, 0}, {0, 0}}, {0.95, 0.9263431515487491}},
};

/* ... then the two states the options add. */
static const HandSteps MOMENTUM_AND_CENTERED_BY_HAND[] = {
    /* momentum 0.9: the buffer starts at 0: buf = 0.5/0.05000001 = 9.999998,
     * p = 0.90000002; buf = 0.9*9.999998 + 0.25/(sqrt(0.0031) + 1e-8) = 13.49012994,
     * p = 0.90000002 - 0.1349013 = 0.7650987206. grad_avg is not used (NULL). */
    {"momentum 0.9", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f, .momentum = 0.9f},
     {0.5f, 0.25f}, {{0.0025, 0.0031}, {9.999998000000394, 13.490129944218257}, {0, 0}},
     {0.900000019999996, 0.7650987205578135}},
    /* centered: grad_avg = 0.005, avg = sqrt(0.0025 - 0.000025) + 1e-8, p =
     * 0.8994962387; grad_avg = 0.00745, avg = sqrt(0.0031 - 0.00745^2) + 1e-8,
     * p = 0.8541874847. momentum_buffer is not used (NULL). */
    {"centered", &(RMSpropConfig){.lr = 0.01f, .alpha = 0.99, .eps = 1e-8f, .centered = true}, {0.5f, 0.25f},
     {{0.0025, 0.0031}, {0, 0}, {0.005, 0.00745}}, {0.899496238676095, 0.8541874846842108}},
};

START_TEST(test_ex1_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(PLAIN_BY_HAND); i++)
        check_steps_by_hand(&EX_RMSPROP, &PLAIN_BY_HAND[i], HAND_RTOL);
    /* A zero gradient on the first step moves nothing (0/eps), a nonzero one
     * next to it does. */
    float z[2] = {1.0f, 1.0f}, zs[2] = {0, 0};
    RMSpropConfig plain = lr_config(0.01f);
    ex_rmsprop_step(z, (float[]){0.0f, 2.0f}, zs, NULL, NULL, 2, &plain);
    ck_assert(z[0] == 1.0f && zs[0] == 0.0f);
    ck_assert_close(z[1], 1 - 0.01 * 2 / (0.2 + 1e-8), 0, HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_momentum_and_centered_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(MOMENTUM_AND_CENTERED_BY_HAND); i++)
        check_steps_by_hand(&EX_RMSPROP, &MOMENTUM_AND_CENTERED_BY_HAND[i], HAND_RTOL);
}
END_TEST

/* grad_avg and momentum_buffer cross zero, where a relative bound means
 * nothing: in a case that records either, an atol of 1e-6 stands in for it
 * (lesson 4's rmsprop_update differs from PyTorch by up to 9.5e-7, an ulp
 * of the buffers' values near 10). */
static double crossing_atol(const GoldenCase *c)
{
    bool crosses_zero = golden_state_index(c, "grad_avg") >= 0 || golden_state_index(c, "momentum_buffer") >= 0;
    return crosses_zero ? 1e-6 : 0.0;
}

START_TEST(test_ex1_matches_pytorch)
{
    /* Every case of PyTorch's golden file: the parameters and every state it
     * records after every step. */
    check_every_golden_update(&EX_RMSPROP, "rmsprop.txt", "square_avg", NULL, crossing_atol, GOLDEN_RTOL);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

START_TEST(test_ex2_step_response)
{
    /* In exact arithmetic square_avg = 1 - alpha^t: the fraction f is reached after
     * ceil(ln(1 - f)/ln(alpha)) steps. float32 rounding may move that by a step. */
    const double alphas[3] = {0.9, 0.99, 0.999}, fractions[3] = {0.5, 1 - exp(-1.0), 0.95};
    for (int a = 0; a < 3; a++)
        for (int f = 0; f < 3; f++) {
            long want = (long)ceil(log(1 - fractions[f]) / log(alphas[a]));
            long got = ex_steps_to_fraction(alphas[a], fractions[f], 1000000);
            ck_assert_msg(labs(got - want) <= 1, "alpha %g, fraction %g: %ld steps, expected %ld", alphas[a],
                          fractions[f], got, want);
        }
    /* 1 - 1/e after about 1/(1 - alpha) steps: the time constant of the memory. */
    ck_assert_int_eq(ex_steps_to_fraction(0.99, 1 - exp(-1.0), 1000000), 100);
    /* Too few steps allowed: -1. And in float32 the average settles at
     * 0.999997 for alpha 0.99 (0.99*x + 0.01 rounds back to x there): it never
     * reaches 0.999999, however long it runs. */
    ck_assert_int_eq(ex_steps_to_fraction(0.99, 0.95, 100), -1);
    ck_assert_int_eq(ex_steps_to_fraction(0.99, 0.999999, 100000), -1);
}
END_TEST

START_TEST(test_ex2_steps_to_adapt)
{
    /* square_avg = alpha^t + (1 - alpha^t)/drop^2 must come down to 4/drop^2 for
     * the step to be half of lr: ceil(ln(3/(drop^2 - 1))/ln(alpha)) steps, give or
     * take one for float32 rounding. */
    const struct { double alpha, drop; } cases[] = {{0.99, 10}, {0.99, 100}, {0.9, 100}, {0.999, 10}};
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        double d = cases[i].drop;
        long want = (long)ceil(log(3 / (d * d - 1)) / log(cases[i].alpha));
        long got = ex_steps_to_adapt(cases[i].alpha, d, 1000000);
        ck_assert_msg(labs(got - want) <= 1, "alpha %g, drop %g: %ld steps, expected %ld", cases[i].alpha, d, got,
                      want);
    }
    /* Not 1/(1 - alpha) = 100 steps, but several times that, and the bigger the
     * drop, the longer: 100 times smaller gradients take 2.3 times as long as 10
     * times smaller ones. */
    long ten = ex_steps_to_adapt(0.99, 10, 1000000), hundred = ex_steps_to_adapt(0.99, 100, 1000000);
    ck_assert(ten > 300 && hundred > 750);
    ck_assert_msg(hundred > 2.1 * ten && hundred < 2.5 * ten, "%ld and %ld steps", ten, hundred);
    ck_assert_int_eq(ex_steps_to_adapt(0.999, 100, 1000), -1);
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

START_TEST(test_ex3_debiased_by_hand)
{
    /* lr 0.01, alpha 0.99. Step 1: square_avg = 0.0025, 1 - alpha = 0.01,
     * avg = 0.05/0.1 + 1e-8 = 0.50000001, p = 1 - 0.005/0.50000001 = 0.99: the
     * first step is lr, not 10 lr. Step 2: square_avg = 0.0031, 1 - 0.99^2 =
     * 0.0199, avg = sqrt(0.0031/0.0199) + 1e-8 = 0.3946884, p = 0.9836658889. */
    RMSpropConfig cfg = lr_config(0.01f);
    float p[1] = {1.0f}, sa[1] = {0.0f};
    ex_rmsprop_debiased_step(p, (float[]){0.5f}, sa, 1, &cfg, 1);
    ck_assert_close(sa[0], 0.0025, 0, HAND_RTOL);
    ck_assert_close(p[0], 0.9900000002, 0, HAND_RTOL);
    ex_rmsprop_debiased_step(p, (float[]){0.25f}, sa, 1, &cfg, 2);
    ck_assert_close(sa[0], 0.0031, 0, HAND_RTOL);
    ck_assert_close(p[0], 0.9836658889198843, 0, HAND_RTOL);
    /* maximize and weight decay, as in exercise 1: g = -0.4, p = 1.01;
     * g = -0.5 + 0.101 = -0.399, square_avg = 0.00317601, p = 1.0199875388. */
    cfg.maximize = true;
    cfg.weight_decay = 0.1f;
    float q[1] = {1.0f}, qs[1] = {0.0f};
    ex_rmsprop_debiased_step(q, (float[]){0.5f}, qs, 1, &cfg, 1);
    ck_assert_close(q[0], 1.00999999975, 0, HAND_RTOL);
    ex_rmsprop_debiased_step(q, (float[]){0.5f}, qs, 1, &cfg, 2);
    ck_assert_close(qs[0], 0.003176010000199503, 0, HAND_RTOL);
    ck_assert_close(q[0], 1.0199875388479145, 0, HAND_RTOL);
    /* The first step is lr for any alpha and any gradient well above eps. */
    const double alphas[3] = {0.9, 0.99, 0.999};
    for (int a = 0; a < 3; a++) {
        RMSpropConfig c = lr_config(0.01f);
        c.alpha = alphas[a];
        float r[3] = {0, 0, 0}, rs[3] = {0, 0, 0};
        ex_rmsprop_debiased_step(r, (float[]){0.1f, -30.0f, 1e5f}, rs, 3, &c, 1);
        ck_assert_close(r[0], -0.01, 0, 1e-6);
        ck_assert_close(r[1], 0.01, 0, 1e-6);
        ck_assert_close(r[2], -0.01, 0, 1e-6);
    }
}
END_TEST

START_TEST(test_ex3_same_as_pytorch_once_warm)
{
    /* Bias correction only matters while alpha^t is not small: after 3000 steps
     * at alpha 0.99 (alpha^t = 8e-14) the corrected step is PyTorch's step,
     * computed by lesson 4's rmsprop_update, to float32 precision; the first
     * steps differ by 1/sqrt(1 - alpha) = 10. Both get the same gradients. */
    RMSpropConfig cfg = lr_config(0.001f);
    float mine[3] = {0}, ref[3] = {0}, sa_mine[3] = {0}, sa_ref[3] = {0};
    unsigned state = 12345;
    for (long t = 1; t <= 3000; t++) {
        float g[3];
        for (int i = 0; i < 3; i++) {
            state = state * 1103515245u + 12345u;   /* a fixed sequence of gradients in [-1, 1] */
            g[i] = (float)((state >> 8) % 2001) / 1000.0f - 1.0f;
        }
        if (t == 3000)   /* from 0, so that the parameter after the step is the step */
            for (int i = 0; i < 3; i++) mine[i] = ref[i] = 0.0f;
        ex_rmsprop_debiased_step(mine, g, sa_mine, 3, &cfg, t);
        rmsprop_update(ref, g, sa_ref, NULL, NULL, 3, &cfg);
        for (int i = 0; i < 3; i++) {
            if (t == 1 && g[i] != 0) ck_assert_close(ref[i] / mine[i], 10.0, 0, 1e-5);
            if (t == 3000) ck_assert_close(mine[i], ref[i], 0, 1e-6);
        }
    }
}
END_TEST

START_TEST(test_ex3_overshoot_steps)
{
    /* Step t has length lr/sqrt(1 - alpha^t): the first t at most (1 + tol) lr. */
    const struct { double alpha, tolerance; } cases[] = {{0.99, 0.01}, {0.9, 0.01}, {0.999, 0.01}, {0.99, 0.5}};
    for (int i = 0; i < TABLE_SIZE(cases); i++) {
        long want = 1;
        while (1.0 / sqrt(1.0 - pow(cases[i].alpha, (double)want)) > 1.0 + cases[i].tolerance) want++;
        ck_assert_int_eq(ex_overshoot_steps(cases[i].alpha, cases[i].tolerance), want);
    }
    /* PyTorch's default alpha: steps more than 1% too long for 390 steps. */
    ck_assert_int_eq(ex_overshoot_steps(0.99, 0.01), 391);
    /* The length of that warm-up grows like 1/(1 - alpha). */
    double ratio = (double)ex_overshoot_steps(0.999, 0.01) / ex_overshoot_steps(0.99, 0.01);
    ck_assert_msg(ratio > 9.5 && ratio < 10.5, "ratio %g", ratio);
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_first_steps_by_hand},
    {"ex1", &test_ex1_momentum_and_centered_by_hand},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex2", &test_ex2_step_response},
    {"ex2", &test_ex2_steps_to_adapt},
    {"ex3", &test_ex3_debiased_by_hand},
    {"ex3", &test_ex3_same_as_pytorch_once_warm},
    {"ex3", &test_ex3_overshoot_steps},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 04_rmsprop", GRADED_TESTS);
}
