/* test_exercises.c - the grader of chapter 1's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/01_sgd/ (your code); `make test`
 * runs them on solutions/01_sgd/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"
#include "problems.h"
#include "sgd.h"
#include "graded.h"
#include "testing.h"

/* One multiply and one subtract in float32: 2 ulp. */
#define HAND_RTOL 2.5e-7
/* PyTorch's kernels may round differently by an ulp per step (see
 * lessons/01_sgd/test_sgd.c); 10 steps: 16 ulp of float32. */
#define GOLDEN_RTOL 1.9e-6

/* ---- exercise 1 -------------------------------------------------------------- */

START_TEST(test_ex1_plain_step)
{
    /* 1 - 0.1 * 0.5 = 0.95;  -2 - 0.1 * 0.25 = -2.025 */
    float p[2] = {1.0f, -2.0f};
    ex_sgd_step(p, (float[]){0.5f, 0.25f}, 2, 0.1f, 0.0f, false);
    ck_assert_close(p[0], 0.95, 0, HAND_RTOL);
    ck_assert_close(p[1], -2.025, 0, HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_weight_decay)
{
    /* g = 0.5 + 0.1 * 1 = 0.6 -> 0.94;  g = 0 + 0.1 * (-2) = -0.2 -> -1.98 */
    float p[2] = {1.0f, -2.0f};
    ex_sgd_step(p, (float[]){0.5f, 0.0f}, 2, 0.1f, 0.1f, false);
    ck_assert_close(p[0], 0.94, 0, HAND_RTOL);
    ck_assert_close(p[1], -1.98, 0, HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_maximize_negates_before_decay)
{
    /* maximize: g = -0.5 -> 1.05; with decay 0.1: g = -0.5 + 0.1 = -0.4 -> 1.04 */
    float p[1] = {1.0f}, q[1] = {1.0f};
    ex_sgd_step(p, (float[]){0.5f}, 1, 0.1f, 0.0f, true);
    ex_sgd_step(q, (float[]){0.5f}, 1, 0.1f, 0.1f, true);
    ck_assert_close(p[0], 1.05, 0, HAND_RTOL);
    ck_assert_close(q[0], 1.04, 0, HAND_RTOL);
}
END_TEST

/* Reads lr, weight_decay and maximize from a golden case's settings. */
static void golden_sgd_settings(const GoldenCase *c, float *lr, float *wd, bool *maximize)
{
    *lr = 1e-3f;
    *wd = 0.0f;
    *maximize = false;
    for (int i = 0; i < c->num_settings; i++) {
        const char *s = c->settings[i];
        if (strncmp(s, "lr=", 3) == 0) *lr = strtof(s + 3, NULL);
        else if (strncmp(s, "weight_decay=", 13) == 0) *wd = strtof(s + 13, NULL);
        else if (strcmp(s, "maximize=true") == 0) *maximize = true;
    }
}

START_TEST(test_ex1_matches_pytorch)
{
    GoldenFile g;
    load_golden("sgd.txt", &g);
    const char *cases[] = {"sgd_lr", "sgd_weight_decay", "sgd_maximize",
                           "sgd_maximize_weight_decay", "sgd_zero_grad_decay", "sgd_huge_tiny"};
    for (int k = 0; k < 6; k++) {
        const GoldenCase *c = golden_find(&g, cases[k]);
        ck_assert_ptr_nonnull(c);
        float lr, wd;
        bool maximize;
        golden_sgd_settings(c, &lr, &wd, &maximize);
        float *p = malloc(sizeof(float) * (size_t)c->numel);
        memcpy(p, c->param, sizeof(float) * (size_t)c->numel);
        for (int step = 0; step < c->steps; step++) {
            ex_sgd_step(p, c->grad + (size_t)step * c->numel, (size_t)c->numel, lr, wd, maximize);
            char what[128];
            snprintf(what, sizeof what, "PyTorch case %s, step %d", c->name, step + 1);
            ck_assert_all_close(p, c->expect + (size_t)step * c->numel, (size_t)c->numel,
                                1e-30, GOLDEN_RTOL, what);
        }
        free(p);
    }
    golden_free(&g);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

START_TEST(test_ex2_step_decay_values)
{
    /* StepLR(step_size=3, gamma=0.5) from 0.1: three epochs at each level. */
    const double expected[8] = {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025};
    for (int e = 0; e < 8; e++)
        ck_assert_close(step_decay_lr(0.1, 0.5, 3, e), expected[e], 0, 1e-12);
    ck_assert_close(step_decay_lr(2.0, 0.1, 1, 4), 2e-4, 0, 1e-12);
    ck_assert_close(step_decay_lr(1.0, 0.9, 100, 99), 1.0, 0, 1e-12);
}
END_TEST

/* Trains a fresh ravine (kappa 20) for `steps` steps with the student's code. */
static void ravine_with_step_decay(const GoldenCase *c, int steps, float *out)
{
    double base_lr = 0, gamma = 0;
    int step_size = 0;
    for (int i = 0; i < c->num_settings; i++) {
        const char *s = c->settings[i];
        if (strncmp(s, "lr=", 3) == 0) base_lr = atof(s + 3);
        else if (strncmp(s, "gamma=", 6) == 0) gamma = atof(s + 6);
        else if (strncmp(s, "step_size=", 10) == 0) step_size = atoi(s + 10);
    }
    Problem *p = ravine_new(2, 20.0);
    /* The C ravine starts where PyTorch started. */
    ck_assert_all_close(p->params.params[0]->data, c->param, 2, 0, 2.5e-7, "start");
    SGDConfig cfg = SGD_DEFAULTS;
    cfg.lr = (float)base_lr;
    Optimizer *opt = sgd_new(p->params, &cfg);
    train_with_step_decay(p, opt, base_lr, gamma, step_size, steps);
    memcpy(out, p->params.params[0]->data, 2 * sizeof(float));
    optimizer_free(opt);
    problem_free(p);
}

START_TEST(test_ex2_matches_pytorch_steplr)
{
    GoldenFile g;
    load_golden("sgd_steplr.txt", &g);
    const GoldenCase *c = golden_find(&g, "sgd_steplr_ravine");
    ck_assert_ptr_nonnull(c);
    for (int steps = 1; steps <= c->steps; steps++) {
        float x[2];
        ravine_with_step_decay(c, steps, x);
        char what[64];
        snprintf(what, sizeof what, "after %d steps", steps);
        /* The C ravine computes h*x in double and PyTorch in float32: one more
         * rounding difference per step on top of GOLDEN_RTOL. */
        ck_assert_all_close(x, c->expect + (size_t)(steps - 1) * 2, 2, 1e-7, 4e-6, what);
    }
    golden_free(&g);
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

/* A quadratic whose curvatures the student's code is not told: 0.3, 1.7, 4. */
static const double HIDDEN_CURVATURE[3] = {0.3, 1.7, 4.0};

static Problem *hidden_quadratic_new(void)
{
    return quadratic_new(3, HIDDEN_CURVATURE, (float[]){1.0f, 1.0f, 1.0f});
}

START_TEST(test_ex3_ravine_threshold_is_two_over_L)
{
    Problem *p = ravine_new(2, 10.0);   /* L = 1 */
    ck_assert_close(largest_stable_lr(p, 2000, 4.0), 2.0, 0, 1e-2);
    problem_free(p);
}
END_TEST

START_TEST(test_ex3_threshold_of_an_unseen_quadratic)
{
    Problem *p = hidden_quadratic_new();   /* L = 4, so 2/L = 0.5 */
    ck_assert_close(largest_stable_lr(p, 1000, 3.0), 0.5, 0, 1e-2);
    problem_free(p);
}
END_TEST

START_TEST(test_ex3_sharpness)
{
    Problem *p = hidden_quadratic_new();
    paramlist_set(&p->params, (float[]){0.5f, -2.0f, 3.0f});
    ck_assert_close(estimate_sharpness(p, 100), 4.0, 0, 1e-2);
    /* the parameters are left where they were */
    ck_assert_all_close(p->params.params[0]->data, ((float[]){0.5f, -2.0f, 3.0f}), 3, 0, 0, "x");
    problem_free(p);
    Problem *r = ravine_new(5, 100.0);   /* curvatures 0.01 ... 1 */
    ck_assert_close(estimate_sharpness(r, 200), 1.0, 0, 1e-2);
    problem_free(r);
}
END_TEST

/* The tests, each with the exercise it grades (see exercises/graded.h). */
const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_plain_step},
    {"ex1", &test_ex1_weight_decay},
    {"ex1", &test_ex1_maximize_negates_before_decay},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex2", &test_ex2_step_decay_values},
    {"ex2", &test_ex2_matches_pytorch_steplr},
    {"ex3", &test_ex3_ravine_threshold_is_two_over_L},
    {"ex3", &test_ex3_threshold_of_an_unseen_quadratic},
    {"ex3", &test_ex3_sharpness},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 01_sgd", GRADED_TESTS);
}
