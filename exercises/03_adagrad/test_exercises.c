/* test_exercises.c - the grader of chapter 3's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/03_adagrad/ (your code);
 * `make test` runs them on solutions/03_adagrad/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adagrad.h"
#include "exercises.h"
#include "graded.h"
#include "testing.h"

/* A few float32 operations (a square root and a division among them) on
 * numbers near 1: 4 ulp. */
#define HAND_RTOL 5e-7
/* PyTorch's kernels may round each of the four operations of a step by an
 * ulp differently (see lessons/03_adagrad/test_adagrad.c): up to 20 steps. */
#define GOLDEN_RTOL 7.6e-6

/* PyTorch's defaults with this lr and eps. */
static AdagradConfig config(float lr, float eps)
{
    AdagradConfig cfg = ADAGRAD_DEFAULTS;
    cfg.lr = lr;
    cfg.eps = eps;
    return cfg;
}

/* The caller fills sum with initial_accumulator_value before the first step
 * (exercises.h): so does check_golden_update, through this. */
static void fill_sum(float *const *state, size_t n, const void *config)
{
    const AdagradConfig *cfg = config;
    for (size_t j = 0; j < n; j++) state[0][j] = cfg->initial_accumulator_value;
}

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your ex_adagrad_step as check_steps_by_hand and check_golden_update run it
 * (an UpdateStep; state[0] is sum[n], filled by fill_sum). */
static void adagrad_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                         long step)
{
    ex_adagrad_step(param, grad, state[0], n, config, step);
}

static const UpdateFunction EX_ADAGRAD = {
    .name = "ex_adagrad_step",
    .spec = &ADAGRAD_SPEC,
    .step = adagrad_step,
    .state_names = {"sum"},
    .start = fill_sum,
};

/* Two steps from p = 1 and sum = 0, worked by hand: sum and the parameter
 * after step 1 and after step 2. First lr and lr_decay ... */
static const HandSteps BY_HAND[] = {
    /* lr 0.1: sum = 0.25, p = 1 - 0.1*0.5/0.5 = 0.9; sum = 0.3125,
     * p = 0.9 - 0.1*0.25/sqrt(0.3125) = 0.85527864045. */
    {"lr 0.1", &(AdagradConfig){.lr = 0.1f, .eps = 1e-10f}, {0.5f, 0.25f}, {{0.25, 0.3125}},
     {0.9, 0.8552786404500042}},
    /* lr_decay 0.5 changes step 2 only: clr = 0.1/1.5, p = 0.8701857603. */
    {"lr_decay 0.5", &(AdagradConfig){.lr = 0.1f, .lr_decay = 0.5f, .eps = 1e-10f}, {0.5f, 0.25f},
     {{0.25, 0.3125}}, {0.9, 0.8701857603000028}},
};
/* ... then maximize, weight decay and eps. */
static const HandSteps OPTIONS_BY_HAND[] = {
    /* maximize negates, then weight decay adds: g = -0.5 + 0.1 = -0.4,
     * sum = 0.16, p = 1.1; g = -0.5 + 0.11 = -0.39, sum = 0.3121,
     * p = 1.1 + 0.039/sqrt(0.3121) = 1.16981001361. */
    {"maximize and weight decay", &(AdagradConfig){.lr = 0.1f, .weight_decay = 0.1f, .eps = 1e-10f, .maximize = true},
     {0.5f, 0.5f}, {{0.16, 0.3121}}, {1.1, 1.1698100136129541}},
    /* eps 0.5 goes after the root: std = 0.5 + 0.5, p = 1 - 0.05 = 0.95;
     * p = 0.95 - 0.025/(sqrt(0.3125) + 0.5) = 0.92639320225. */
    {"eps after the square root", &(AdagradConfig){.lr = 0.1f, .eps = 0.5f}, {0.5f, 0.25f}, {{0.25, 0.3125}},
     {0.95, 0.926393202250021}},
};

START_TEST(test_ex1_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(BY_HAND); i++) check_steps_by_hand(&EX_ADAGRAD, &BY_HAND[i], HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_maximize_weight_decay_and_eps)
{
    for (int i = 0; i < TABLE_SIZE(OPTIONS_BY_HAND); i++)
        check_steps_by_hand(&EX_ADAGRAD, &OPTIONS_BY_HAND[i], HAND_RTOL);
    /* A zero gradient on the first step moves nothing (0/eps), a nonzero one does. */
    AdagradConfig wide = config(0.1f, 0.5f);
    float z[2] = {1.0f, 1.0f}, zs[2] = {0, 0};
    ex_adagrad_step(z, (float[]){0.0f, 2.0f}, zs, 2, &wide, 1);
    ck_assert(z[0] == 1.0f && zs[0] == 0.0f);
    ck_assert_close(z[1], 1 - 0.1 * 2 / 2.5, 0, HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_matches_pytorch)
{
    /* Every case of PyTorch's golden file: the parameters and sum after every step. */
    check_every_golden_update(&EX_ADAGRAD, "adagrad.txt", "sum", NULL, NULL, GOLDEN_RTOL);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

START_TEST(test_ex2_clr_ratio)
{
    /* After 100 steps the first sum is 100; with period 4 the second is 25:
     * the ratio is sqrt(100/25) = 2. With period 1 both are equal. */
    ck_assert_close(ex_clr_ratio(100, 4, 0.1f), 2.0, 0, 1e-6);
    ck_assert_close(ex_clr_ratio(100, 1, 0.1f), 1.0, 0, 1e-6);
    ck_assert_close(ex_clr_ratio(4500, 45, 0.5f), sqrt(45.0), 0, 1e-5);
    /* 10 steps, period 3: sums 10 and 3 (steps 3, 6, 9). The learning rate cancels. */
    ck_assert_close(ex_clr_ratio(10, 3, 2.0f), sqrt(10.0 / 3.0), 0, 1e-6);
}
END_TEST

/* The reference: the step t moves lr/(sqrt(t) + 1e-10) in double. */
static long travel_reference(double lr, double distance, long max_steps)
{
    double moved = 0;
    for (long t = 1; t <= max_steps; t++) {
        moved += lr / (sqrt((double)t) + 1e-10);
        if (moved >= distance) return t;
    }
    return -1;
}

START_TEST(test_ex2_steps_to_travel)
{
    /* The first step moves lr/(1 + eps), a hair less than lr: distance 0.49
     * takes 1 step at lr 0.5, and 0.6 takes 2. */
    ck_assert_int_eq(ex_steps_to_travel(0.5f, 0.49, 100), 1);
    ck_assert_int_eq(ex_steps_to_travel(0.5f, 0.6, 100), 2);
    const struct { float lr; double distance; } cases[] = {{0.1f, 1.0}, {0.1f, 2.0}, {0.01f, 1.0}, {1.0f, 50.0}};
    for (int i = 0; i < 4; i++) {
        long want = travel_reference(cases[i].lr, cases[i].distance, 10000000);
        long got = ex_steps_to_travel(cases[i].lr, cases[i].distance, 10000000);
        /* float32 rounding of lr may move the boundary by a step */
        ck_assert_msg(labs(got - want) <= 1, "lr %g, distance %g: %ld steps, expected %ld", cases[i].lr,
                      cases[i].distance, got, want);
    }
    /* Twice the distance takes about four times the steps: the stall. */
    double ratio = (double)ex_steps_to_travel(0.1f, 20.0, 10000000) / ex_steps_to_travel(0.1f, 10.0, 10000000);
    ck_assert_msg(ratio > 3.5 && ratio < 4.5, "ratio %g", ratio);
    ck_assert_int_eq(ex_steps_to_travel(0.1f, 100.0, 1000), -1);
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

START_TEST(test_ex3_eps_inside_by_hand)
{
    /* lr 0.1, eps 0.5 inside: sum = 0.25, std = sqrt(0.75), p = 1 - 0.05/0.8660254 = 0.94226497. */
    AdagradConfig cfg = config(0.1f, 0.5f);
    float p[1] = {1.0f}, sum[1] = {0.0f};
    ex_adagrad_eps_inside_step(p, (float[]){0.5f}, sum, 1, &cfg, 1);
    ck_assert_close(sum[0], 0.25, 0, HAND_RTOL);
    ck_assert_close(p[0], 1 - 0.05 / sqrt(0.75), 0, HAND_RTOL);
    /* Every option as in exercise 1: maximize, weight decay, lr_decay. g = -0.5 + 0.1 = -0.4,
     * sum = 0.16, p = 1 + 0.1*0.4/sqrt(0.16 + 1e-4); step 2 at clr = 0.1/1.5. */
    AdagradConfig all = config(0.1f, 1e-4f);
    all.weight_decay = 0.1f;
    all.lr_decay = 0.5f;
    all.maximize = true;
    float q[1] = {1.0f}, qs[1] = {0.0f};
    ex_adagrad_eps_inside_step(q, (float[]){0.5f}, qs, 1, &all, 1);
    double p1 = 1 + 0.04 / sqrt(0.16 + 1e-4);
    ck_assert_close(q[0], p1, 0, HAND_RTOL);
    ex_adagrad_eps_inside_step(q, (float[]){0.5f}, qs, 1, &all, 2);
    double g2 = -0.5 + 0.1 * p1, s2 = 0.16 + g2 * g2;
    ck_assert_close(q[0], p1 - (0.1 / 1.5) * g2 / sqrt(s2 + 1e-4), 0, 2 * HAND_RTOL);
}
END_TEST

START_TEST(test_ex3_placement_matters_only_for_small_gradients)
{
    /* For gradients far above sqrt(eps) both placements agree with PyTorch's
     * to 1e-4 of each value's scale, as golden checks measure: the golden
     * case adagrad_lr. */
    GoldenFile g;
    const GoldenCase *c = load_golden_case("adagrad.txt", "adagrad_lr", &g);
    AdagradConfig cfg;
    parse_golden_settings(&ADAGRAD_SPEC, c, &cfg);
    size_t n = (size_t)c->numel;
    float *p = malloc(sizeof(float) * n), *sum = calloc(n, sizeof(float));
    memcpy(p, c->param, sizeof(float) * n);
    for (int s = 0; s < c->steps; s++) {
        ex_adagrad_eps_inside_step(p, c->grad + (size_t)s * n, sum, n, &cfg, s + 1);
        for (size_t j = 0; j < n; j++)
            ck_assert_close(p[j], c->expect[(size_t)s * n + j], 1e-4 * golden_scale(c, s, (int)j), 0);
    }
    free(p);
    free(sum);
    golden_free(&g);
    /* A gradient of 1e-6 with the default eps: outside, a step of almost lr;
     * inside, 1e-6/sqrt(1e-12 + 1e-10) = 0.0995 lr. */
    AdagradConfig d = ADAGRAD_DEFAULTS;
    float q[1] = {0.0f}, qs[1] = {0.0f};
    ex_adagrad_eps_inside_step(q, (float[]){1e-6f}, qs, 1, &d, 1);
    ck_assert_close(-q[0], 0.01 * 1e-6 / sqrt(1e-12 + 1e-10), 0, 1e-5);
}
END_TEST

START_TEST(test_ex3_half_step_gradient)
{
    ck_assert_close(ex_half_step_gradient(1e-10, false), 1e-10, 0, 1e-12);
    ck_assert_close(ex_half_step_gradient(1e-10, true), sqrt(1e-10 / 3), 0, 1e-12);
    ck_assert_close(ex_half_step_gradient(1e-8, true), sqrt(1e-8 / 3), 0, 1e-12);
    /* ... and it is the half step, checked on the update of exercise 3a. */
    double g = ex_half_step_gradient(1e-4, true);
    AdagradConfig cfg = config(1.0f, 1e-4f);
    float p[1] = {0.0f}, sum[1] = {0.0f};
    ex_adagrad_eps_inside_step(p, (float[]){(float)g}, sum, 1, &cfg, 1);
    ck_assert_close(-p[0], 0.5, 0, 1e-5);
}
END_TEST

const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_first_steps_by_hand},
    {"ex1", &test_ex1_maximize_weight_decay_and_eps},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex2", &test_ex2_clr_ratio},
    {"ex2", &test_ex2_steps_to_travel},
    {"ex3", &test_ex3_eps_inside_by_hand},
    {"ex3", &test_ex3_placement_matters_only_for_small_gradients},
    {"ex3", &test_ex3_half_step_gradient},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 03_adagrad", GRADED_TESTS);
}
