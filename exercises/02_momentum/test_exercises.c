/* test_exercises.c - the grader of chapter 2's exercises. Each Check test
 * case is one exercise (ex1, ex2, ex3, with the points in points.txt); each
 * test runs in its own process with a time limit, so code that crashes or
 * loops forever fails its test instead of stopping the grading.
 *
 * `make grade` runs these tests on exercises/02_momentum/ (your code);
 * `make test` runs them on solutions/02_momentum/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercises.h"
#include "momentum.h"
#include "problems.h"
#include "graded.h"
#include "testing.h"

/* A few float32 operations on numbers near 1: 4 ulp. */
#define HAND_RTOL 5e-7
/* PyTorch's kernels may round the buffer and the parameter update
 * differently by an ulp each per step (see lessons/02_momentum/
 * test_momentum.c): up to 20 steps, 32 ulp of float32. */
#define GOLDEN_RTOL 3.8e-6
/* A buffer that cancels to near zero keeps the absolute error of its terms,
 * an ulp of numbers near 1: 2 ulp at 1. */
#define BUFFER_ATOL 2.4e-7

/* ---- exercise 1 -------------------------------------------------------------- */

/* Your ex_sgd_momentum_step as check_steps_by_hand and check_golden_update
 * run it (an UpdateStep; state[0] is momentum_buffer[n]): the buffer after
 * every step is checked when the case records it (momentum != 0), and, as
 * exercises.h says, there is none (NULL) when momentum == 0. */
static void sgd_momentum_step(float *param, const float *grad, float *const *state, size_t n,
                              const void *config, long step)
{
    const SGDMomentumConfig *cfg = config;
    ex_sgd_momentum_step(param, grad, cfg->momentum != 0.0f ? state[0] : NULL, n, cfg, step);
}

static const UpdateFunction EX_SGD_MOMENTUM = {
    .name = "ex_sgd_momentum_step",
    .spec = &SGD_MOMENTUM_SPEC,
    .step = sgd_momentum_step,
    .state_names = {"momentum_buffer"},
};

/* Two steps from p = 1 and a buffer of 0, worked by hand: momentum_buffer
 * and the parameter after step 1 and after step 2. */
static const HandSteps BY_HAND[] = {
    /* Heavy ball, lr 0.1, momentum 0.9: buf = 0.5, p = 0.95; buf = 0.7, p = 0.88. */
    {"heavy ball", &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f}, {0.5f, 0.25f}, {{0.5, 0.7}}, {0.95, 0.88}},
    /* Dampening 0.5 skips step 1: buf = 0.5, p = 0.95; then 0.45 + 0.125 = 0.575, p = 0.8925. */
    {"dampening 0.5", &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f, .dampening = 0.5f}, {0.5f, 0.25f},
     {{0.5, 0.575}}, {0.95, 0.8925}},
    /* Nesterov: buf = 0.5, g + 0.9 buf = 0.95, p = 0.905; then buf = 0.7,
     * 0.25 + 0.63 = 0.88, p = 0.817. */
    {"Nesterov", &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f, .nesterov = true}, {0.5f, 0.25f},
     {{0.5, 0.7}}, {0.905, 0.817}},
};
/* maximize and weight decay enter the buffer: g = -0.5 + 0.1 * 1 = -0.4 =
 * buf, p = 1.04; g = -0.5 + 0.104 = -0.396, buf = -0.36 - 0.396 = -0.756,
 * p = 1.04 + 0.0756 = 1.1156. */
static const HandSteps MAXIMIZE_AND_WEIGHT_DECAY = {
    "maximize and weight decay",
    &(SGDMomentumConfig){.lr = 0.1f, .momentum = 0.9f, .weight_decay = 0.1f, .maximize = true},
    {0.5f, 0.5f}, {{-0.4, -0.756}}, {1.04, 1.1156}};

START_TEST(test_ex1_first_steps_by_hand)
{
    for (int i = 0; i < TABLE_SIZE(BY_HAND); i++) check_steps_by_hand(&EX_SGD_MOMENTUM, &BY_HAND[i], HAND_RTOL);
}
END_TEST

START_TEST(test_ex1_maximize_and_weight_decay_enter_the_buffer)
{
    check_steps_by_hand(&EX_SGD_MOMENTUM, &MAXIMIZE_AND_WEIGHT_DECAY, HAND_RTOL);
}
END_TEST

/* Replays the golden cases names[count] of sgd.txt through your step. */
static void replay(const char *const *names, int count, double atol)
{
    GoldenFile g;
    load_golden("sgd.txt", &g);
    for (int k = 0; k < count; k++) {
        const GoldenCase *c = golden_find(&g, names[k]);
        ck_assert_msg(c != NULL, "no golden case %s", names[k]);
        check_golden_update(&EX_SGD_MOMENTUM, c, atol, GOLDEN_RTOL);
    }
    golden_free(&g);
}

START_TEST(test_ex1_matches_pytorch)
{
    const char *cases[] = {"sgd_momentum", "sgd_momentum_dampening", "sgd_momentum_ema",
                           "sgd_nesterov", "sgd_momentum_weight_decay",
                           "sgd_momentum_maximize_nesterov", "sgd_momentum_099",
                           "sgd_momentum_zero_grad", "sgd_momentum_quadratic_path",
                           "sgd_nesterov_quadratic_path"};
    replay(cases, 10, BUFFER_ATOL);
    const char *huge_tiny[] = {"sgd_momentum_huge_tiny"};   /* values near 1e30 and 1e-30 */
    replay(huge_tiny, 1, 0.0);
}
END_TEST

START_TEST(test_ex1_momentum_zero_is_plain_sgd)
{
    /* With momentum 0 there is no buffer (NULL): chapter 1's SGD, and
     * dampening changes nothing. */
    const char *cases[] = {"sgd_weight_decay", "sgd_maximize_weight_decay", "sgd_quadratic_path",
                           "sgd_momentum_default", "sgd_momentum_zero_dampening_ignored"};
    replay(cases, 5, 0.0);
}
END_TEST

/* ---- exercise 2 -------------------------------------------------------------- */

/* Exercise 2's two forms of the velocity take the same arguments. */
typedef void VelocityForm(float *param, const float *grad, float *velocity, size_t n, float lr, float beta);

/* Each form at the learning rate at which it follows heavy ball at lr 0.1,
 * beta 0.9 (exercise 1's first steps): both trace the same path. */
static const struct {
    const char *name;
    VelocityForm *step;
    float lr;
} FORMS[] = {
    {"moving average (ex_ema_momentum_step)", ex_ema_momentum_step, 1.0f},
    {"Sutskever (ex_sutskever_step)", ex_sutskever_step, 0.1f},
};

START_TEST(test_ex2_first_steps_by_hand)
{
    /* From velocity 0, beta 0.9. Moving average at lr 1: m = 0.1*0.5 = 0.05,
     * p = 0.95; m = 0.045 + 0.025 = 0.07, p = 0.88. Sutskever at lr 0.1:
     * v = 0.1*0.5 = 0.05, p = 0.95; v = 0.045 + 0.025 = 0.07, p = 0.88. */
    const float grad[2] = {0.5f, 0.25f};
    const double velocity_after[2] = {0.05, 0.07}, param_after[2] = {0.95, 0.88};
    for (int f = 0; f < TABLE_SIZE(FORMS); f++) {
        float p[1] = {1.0f}, velocity[1] = {0.0f};
        for (int step = 0; step < 2; step++) {
            FORMS[f].step(p, &grad[step], velocity, 1, FORMS[f].lr, 0.9f);
            char what[120];
            snprintf(what, sizeof what, "%s: velocity after step %d", FORMS[f].name, step + 1);
            ck_assert_close_msg(what, velocity[0], velocity_after[step], 0, HAND_RTOL);
            snprintf(what, sizeof what, "%s: p after step %d", FORMS[f].name, step + 1);
            ck_assert_close_msg(what, p[0], param_after[step], 0, HAND_RTOL);
        }
    }
}
END_TEST

START_TEST(test_ex2_ema_learning_rate)
{
    ck_assert_close(ex_ema_lr_for(0.1, 0.9), 1.0, 0, 1e-12);
    ck_assert_close(ex_ema_lr_for(0.01, 0.99), 1.0, 0, 1e-12);
    ck_assert_close(ex_ema_lr_for(0.3, 0.5), 0.6, 0, 1e-12);
    ck_assert_close(ex_ema_lr_for(0.2, 0.0), 0.2, 0, 1e-12);
}
END_TEST

/* The forms of exercise 2 as check_golden_update replays them on a case of
 * PyTorch's (UpdateSteps; state[0] is the velocity, m[n] or v[n]), each at
 * its learning rate for the case's lr, from velocity 0.
 * Their velocity is not PyTorch's buffer: the golden file records no state
 * named m or v, so only the parameters are checked. */
static void ema_form_step(float *param, const float *grad, float *const *state, size_t n,
                          const void *config, long step)
{
    const SGDMomentumConfig *cfg = config;
    (void)step;
    ex_ema_momentum_step(param, grad, state[0], n, (float)ex_ema_lr_for(cfg->lr, cfg->momentum),
                         cfg->momentum);
}

static void sutskever_form_step(float *param, const float *grad, float *const *state, size_t n,
                                const void *config, long step)
{
    const SGDMomentumConfig *cfg = config;
    (void)step;
    ex_sutskever_step(param, grad, state[0], n, cfg->lr, cfg->momentum);
}

static const UpdateFunction EMA_FORM = {
    .name = "moving average (ex_ema_momentum_step)",
    .spec = &SGD_MOMENTUM_SPEC,
    .step = ema_form_step,
    .state_names = {"m"},
};

static const UpdateFunction SUTSKEVER_FORM = {
    .name = "Sutskever (ex_sutskever_step)",
    .spec = &SGD_MOMENTUM_SPEC,
    .step = sutskever_form_step,
    .state_names = {"v"},
};

START_TEST(test_ex2_both_forms_trace_pytorch_at_constant_lr)
{
    GoldenFile g;
    load_golden("sgd.txt", &g);
    const char *cases[] = {"sgd_momentum", "sgd_momentum_099", "sgd_momentum_quadratic_path"};
    for (int k = 0; k < 3; k++) {
        const GoldenCase *c = golden_find(&g, cases[k]);
        ck_assert_ptr_nonnull(c);
        /* Undamped heavy ball (no weight decay, no maximize): what the
         * forms write another way. */
        SGDMomentumConfig cfg;
        parse_golden_settings(&SGD_MOMENTUM_SPEC, c, &cfg);
        ck_assert(cfg.dampening == 0 && cfg.weight_decay == 0 && !cfg.nesterov && !cfg.maximize);
        /* The rescaling is exact in real numbers only: each step of these
         * forms rounds a product or two more than PyTorch's ((1 - beta)g,
         * lr*g, lr*m), so allow twice GOLDEN_RTOL. A wrong form is off by
         * far more: its first step alone by 10x. */
        check_golden_update(&EMA_FORM, c, 0.0, 2 * GOLDEN_RTOL);
        check_golden_update(&SUTSKEVER_FORM, c, 0.0, 2 * GOLDEN_RTOL);
    }
    golden_free(&g);
}
END_TEST

START_TEST(test_ex2_sutskever_remembers_the_old_lr)
{
    /* g = 1 twice, lr 0.5 then 0.25, beta 0.9. Sutskever: v = 0.5, p = 0.5;
     * v = 0.45 + 0.25 = 0.7, p = -0.2. PyTorch rescales its whole buffer
     * instead: p = 0.5 - 0.25 * 1.9 = 0.025 (lessons/02_momentum's tests). */
    float p[1] = {1.0f}, v[1] = {0.0f};
    ex_sutskever_step(p, (float[]){1.0f}, v, 1, 0.5f, 0.9f);
    ex_sutskever_step(p, (float[]){1.0f}, v, 1, 0.25f, 0.9f);
    ck_assert_close(v[0], 0.7, 0, HAND_RTOL);
    ck_assert_close(p[0], -0.2, 0, 2e-6);   /* 0.5 - 0.7: cancellation, an ulp of 0.7 */
}
END_TEST

/* ---- exercise 3 -------------------------------------------------------------- */

START_TEST(test_ex3_polyak_settings)
{
    float lr, momentum;
    /* L = 1, mu = 0.01: lr = 4/1.1^2 = 3.30578512, momentum = (9/11)^2 = 0.66942149. */
    ex_heavy_ball_settings(1.0, 0.01, &lr, &momentum);
    ck_assert_close(lr, 4.0 / 1.21, 0, 1e-6);
    ck_assert_close(momentum, 81.0 / 121.0, 0, 1e-6);
    /* L = 4, mu = 1 (kappa 4): lr = 4/9, momentum = (1/3)^2 = 1/9. */
    ex_heavy_ball_settings(4.0, 1.0, &lr, &momentum);
    ck_assert_close(lr, 4.0 / 9.0, 0, 1e-6);
    ck_assert_close(momentum, 1.0 / 9.0, 0, 1e-6);
}
END_TEST

/* A quadratic whose curvatures the student's code is not told: 0.3, 1.7, 4. */
static const double HIDDEN_CURVATURE[3] = {0.3, 1.7, 4.0};

static Problem *hidden_quadratic_new(void)
{
    return quadratic_new(3, HIDDEN_CURVATURE, (float[]){1.0f, 1.0f, 1.0f});
}

/* The grader's own count, written out: x_t for each coordinate by the
 * heavy-ball recurrence in double, loss_t = sum h x^2 / 2. */
static int reference_steps(double lr, double beta, double fraction, int max_steps)
{
    double x[3] = {1, 1, 1}, v[3] = {0, 0, 0}, start = 0;
    for (int i = 0; i < 3; i++) start += 0.5 * HIDDEN_CURVATURE[i];
    for (int t = 0; t <= max_steps; t++) {
        double loss = 0;
        for (int i = 0; i < 3; i++) loss += 0.5 * HIDDEN_CURVATURE[i] * x[i] * x[i];
        if (loss <= fraction * start) return t;
        for (int i = 0; i < 3; i++) {
            double g = HIDDEN_CURVATURE[i] * x[i];
            v[i] = t == 0 ? g : beta * v[i] + g;
            x[i] -= lr * v[i];
        }
    }
    return -1;
}

START_TEST(test_ex3_steps_to_a_fraction)
{
    Problem *p = hidden_quadratic_new();
    SGDMomentumConfig cfg = SGD_MOMENTUM_DEFAULTS;
    cfg.lr = 0.2f;
    cfg.momentum = 0.5f;
    int expected = reference_steps(0.2, 0.5, 1e-4, 10000);
    ck_assert_int_gt(expected, 5);
    /* float32 against double may cross the threshold a step apart. */
    int got = ex_steps_to_fraction(p, &cfg, 1e-4, 10000);
    ck_assert_msg(abs(got - expected) <= 1, "%d steps, expected %d", got, expected);
    /* It starts from the reset point every time (the problem was left elsewhere). */
    ck_assert_int_eq(ex_steps_to_fraction(p, &cfg, 1e-4, 10000), got);
    /* Plain SGD at lr 0.1: the flat coordinate (0.3) shrinks by 0.97 per step. */
    cfg.momentum = 0.0f;
    cfg.lr = 0.1f;
    expected = reference_steps(0.1, 0.0, 1e-2, 10000);
    got = ex_steps_to_fraction(p, &cfg, 1e-2, 10000);
    ck_assert_msg(abs(got - expected) <= 1, "%d steps, expected %d", got, expected);
    /* Too few steps allowed, or a diverging lr: -1. */
    ck_assert_int_eq(ex_steps_to_fraction(p, &cfg, 1e-2, expected / 2), -1);
    cfg.lr = 0.6f;   /* 0.6 * 4 > 2: the steep coordinate grows by 1.4 per step */
    ck_assert_int_eq(ex_steps_to_fraction(p, &cfg, 1e-2, 200), -1);
    problem_free(p);
}
END_TEST

START_TEST(test_ex3_loglog_slope)
{
    double x[4] = {10, 100, 1000, 10000}, y[4];
    for (int i = 0; i < 4; i++) y[i] = 3 * sqrt(x[i]);
    ck_assert_close(ex_loglog_slope(x, y, 4), 0.5, 0, 1e-9);
    for (int i = 0; i < 4; i++) y[i] = 0.2 * x[i];
    ck_assert_close(ex_loglog_slope(x, y, 4), 1.0, 0, 1e-9);
    /* Not a power law: the least-squares line through log y = 0, 1, 1, 3 over
     * log10 x = 1, 2, 3, 4 has slope 0.9 (in any base). */
    double z[4] = {1, 10, 10, 1000};
    ck_assert_close(ex_loglog_slope(x, z, 4), 0.9, 0, 1e-9);
}
END_TEST

START_TEST(test_ex3_the_square_root_law)
{
    /* With your functions: GD at 2/(L + mu) and heavy ball at Polyak's
     * settings on ravines of 10 coordinates, kappa 100 to 10000. The
     * exponents must come out near 1 and near 1/2. */
    const double kappas[3] = {100, 1000, 10000};
    double gd[3], hb[3];
    for (int i = 0; i < 3; i++) {
        Problem *p = ravine_new(10, kappas[i]);
        SGDMomentumConfig cfg = SGD_MOMENTUM_DEFAULTS;
        cfg.lr = (float)(2.0 / (1.0 + 1.0 / kappas[i]));
        gd[i] = ex_steps_to_fraction(p, &cfg, 1e-6, 200000);
        ex_heavy_ball_settings(1.0, 1.0 / kappas[i], &cfg.lr, &cfg.momentum);
        hb[i] = ex_steps_to_fraction(p, &cfg, 1e-6, 200000);
        ck_assert_msg(gd[i] > 0 && hb[i] > 0, "kappa %g: GD %g steps, heavy ball %g", kappas[i], gd[i],
                      hb[i]);
        problem_free(p);
    }
    double gd_slope = ex_loglog_slope(kappas, gd, 3), hb_slope = ex_loglog_slope(kappas, hb, 3);
    ck_assert_msg(gd_slope > 0.9 && gd_slope < 1.1, "GD's exponent %g", gd_slope);
    ck_assert_msg(hb_slope > 0.4 && hb_slope < 0.65, "heavy ball's exponent %g", hb_slope);
}
END_TEST

/* The tests, each with the exercise it grades (see exercises/graded.h). */
const GradedTest GRADED_TESTS[] = {
    {"ex1", &test_ex1_first_steps_by_hand},
    {"ex1", &test_ex1_maximize_and_weight_decay_enter_the_buffer},
    {"ex1", &test_ex1_matches_pytorch},
    {"ex1", &test_ex1_momentum_zero_is_plain_sgd},
    {"ex2", &test_ex2_first_steps_by_hand},
    {"ex2", &test_ex2_ema_learning_rate},
    {"ex2", &test_ex2_both_forms_trace_pytorch_at_constant_lr},
    {"ex2", &test_ex2_sutskever_remembers_the_old_lr},
    {"ex3", &test_ex3_polyak_settings},
    {"ex3", &test_ex3_steps_to_a_fraction},
    {"ex3", &test_ex3_loglog_slope},
    {"ex3", &test_ex3_the_square_root_law},
    {NULL, NULL},
};

Suite *make_suite(void)
{
    return graded_suite("exercises 02_momentum", GRADED_TESTS);
}
