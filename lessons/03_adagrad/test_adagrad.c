/* test_adagrad.c - lesson 03's tests: AdaGrad's first steps by hand,
 * PyTorch's golden trajectories (every keyword, the defaults, a 2-D shape,
 * zero, huge and tiny gradients), the adapter, PyTorch's refusals, every
 * claim the chapter makes, and a smoke run of the program. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adagrad.h"
#include "problems.h"
#include "rotated.h"
#include "testing.h"
#include "train.h"

/* A hand-computed step is a handful of float32 operations (a square root and
 * a division among them) on numbers near 1, each correctly rounded: a few
 * ulp from the exact value, so rtol 5e-7 (4 ulp). */
#define HAND_RTOL 5e-7

/* PyTorch rounds clr from double once, as we do, and computes
 * sum + g*g, sqrt(sum) + eps and param - clr*g/std with vector kernels that
 * may fuse a multiply-add: up to an ulp per operation may differ, and each
 * step has four that reach the parameter. Eight steps: 32 ulp of float32. */
#define GOLDEN_RTOL 3.8e-6
/* The 20-step quadratic path: twice the steps, twice the bound. */
#define GOLDEN_LONG_RTOL 7.6e-6

static AdagradConfig config(float lr)
{
    AdagradConfig cfg = ADAGRAD_DEFAULTS;
    cfg.lr = lr;
    return cfg;
}

/* ---- the first steps, by hand ----------------------------------------------------- */

/* adagrad_update as check_steps_by_hand runs it (an UpdateStep; state[0] is
 * sum[n], which fill_sum fills with initial_accumulator_value first, as
 * adagrad_new does). */
static void adagrad_step(float *param, const float *grad, float *const *state, size_t n, const void *config,
                         long step)
{
    adagrad_update(param, grad, state[0], n, config, step);
}

static void fill_sum(float *const *state, size_t n, const void *config)
{
    const AdagradConfig *cfg = config;
    for (size_t j = 0; j < n; j++) state[0][j] = cfg->initial_accumulator_value;
}

static const UpdateFunction ADAGRAD_UPDATE = {
    .name = "adagrad_update",
    .spec = &ADAGRAD_SPEC,
    .step = adagrad_step,
    .state_names = {"sum"},
    .start = fill_sum,
};

/* Two steps from p = 1 with sum at its initial value, and what they must
 * give, worked by hand: sum and the parameter after step 1 and after step 2. */
static const HandSteps BY_HAND[] = {
    /* lr 0.1. Step 1: sum = 0.25, std = 0.5, p = 1 - 0.1*0.5/0.5 = 0.9: the
     * first step is lr times the sign of g, whatever g's size. Step 2:
     * sum = 0.3125, p = 0.9 - 0.1*0.25/sqrt(0.3125) = 0.85527864045. */
    {"first step is lr", &(AdagradConfig){.lr = 0.1f, .eps = 1e-10f}, {0.5f, 0.25f}, {{0.25, 0.3125}},
     {0.9, 0.8552786404500042}},
    /* lr_decay 0.5 changes only step 2: clr = 0.1/(1 + 1*0.5) = 0.0666...,
     * p = 0.9 - 0.0666667*0.25/sqrt(0.3125) = 0.8701857603. */
    {"lr_decay", &(AdagradConfig){.lr = 0.1f, .lr_decay = 0.5f, .eps = 1e-10f}, {0.5f, 0.25f},
     {{0.25, 0.3125}}, {0.9, 0.8701857603000028}},
    /* sum starts at 0.75. Step 1: sum = 1, p = 1 - 0.1*0.5/1 = 0.95.
     * Step 2: sum = 1.0625, p = 0.95 - 0.025/sqrt(1.0625) = 0.9257464375. */
    {"initial_accumulator_value",
     &(AdagradConfig){.lr = 0.1f, .initial_accumulator_value = 0.75f, .eps = 1e-10f}, {0.5f, 0.25f},
     {{1.0, 1.0625}}, {0.95, 0.9257464374963666}},
    /* maximize negates, then weight decay adds: g = -0.5 + 0.1*1 = -0.4,
     * sum = 0.16, p = 1 + 0.1 = 1.1. Step 2: g = -0.5 + 0.11 = -0.39,
     * sum = 0.3121, p = 1.1 + 0.039/sqrt(0.3121) = 1.16981001361. */
    {"maximize and weight decay enter sum",
     &(AdagradConfig){.lr = 0.1f, .weight_decay = 0.1f, .eps = 1e-10f, .maximize = true}, {0.5f, 0.5f},
     {{0.16, 0.3121}}, {1.1, 1.1698100136129541}},
    /* eps 0.5 is added after the root: step 1: std = 0.5 + 0.5 = 1, p = 0.95.
     * Step 2: std = sqrt(0.3125) + 0.5, p = 0.95 - 0.025/1.05901699 = 0.926393202. */
    {"eps after the square root", &(AdagradConfig){.lr = 0.1f, .eps = 0.5f}, {0.5f, 0.25f}, {{0.25, 0.3125}},
     {0.95, 0.926393202250021}},
};

START_TEST(test_two_steps_by_hand)
{
    check_steps_by_hand(&ADAGRAD_UPDATE, &BY_HAND[_i], HAND_RTOL);
}
END_TEST

START_TEST(test_first_step_is_lr_times_sign)
{
    /* t = 1 from sum = 0: sum = g^2, so the step is lr*g/(|g| + eps), lr for
     * any g well above eps: a gradient of 1e-6 moves as far as one of 1e6. */
    const float grads[4] = {1e-6f, -3.0f, 1e6f, 0.02f};
    float p[4] = {0, 0, 0, 0}, sum[4] = {0, 0, 0, 0};
    AdagradConfig cfg = config(0.1f);
    adagrad_update(p, grads, sum, 4, &cfg, 1);
    /* rtol 2e-4: the gradient 1e-6 loses eps/|g| = 1e-4 of its step to eps. */
    for (int i = 0; i < 4; i++) ck_assert_close(p[i], grads[i] > 0 ? -0.1 : 0.1, 0, 2e-4);
}
END_TEST

START_TEST(test_defaults_are_pytorchs)
{
    /* torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
     * initial_accumulator_value=0, eps=1e-10, maximize=False) */
    static const PytorchDefault pytorch[] = {
        {"lr", {1e-2}}, {"lr_decay", {0}}, {"weight_decay", {0}},
        {"initial_accumulator_value", {0}}, {"eps", {1e-10}}, {"maximize", {false}},
    };
    AdagradConfig defaults = ADAGRAD_DEFAULTS;
    assert_spec_defaults(&ADAGRAD_SPEC, "adagrad", "torch.optim.Adagrad", &defaults, pytorch,
                         TABLE_SIZE(pytorch));
}
END_TEST

/* ---- PyTorch's trajectories ------------------------------------------------------------ */

/* Every case of tests/golden/adagrad.txt with its tolerance and the most steps
 * that tolerance was worked out for. */
static const GoldenTolerance GOLDEN_CASES[] = {
    {"adagrad_lr", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_lr_decay", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_weight_decay", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_initial_accumulator", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_eps", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_maximize", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_all_keywords", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_2d", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_zero_grad", 0.0, GOLDEN_RTOL, 8},
    /* Gradients of 1e15 and 2e-15, and of 1e-25 (whose square is 0 in float32):
     * relative tolerance only. */
    {"adagrad_huge_tiny", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_tiny_below_eps", 0.0, GOLDEN_RTOL, 8},
    {"adagrad_quadratic_path", 0.0, GOLDEN_LONG_RTOL, 20},
};

START_TEST(test_golden_trajectories)
{
    check_golden_tolerance(&ADAGRAD_SPEC, "adagrad.txt", &GOLDEN_CASES[_i], "sum");
}
END_TEST

START_TEST(test_golden_defaults)
{
    /* PyTorch ran with every default written out; we run with none at all. */
    check_golden_defaults(&ADAGRAD_SPEC, "adagrad.txt", "adagrad_default", 6, GOLDEN_RTOL);
}
END_TEST

/* ---- the adapter ------------------------------------------------------------------------- */

START_TEST(test_sum_is_allocated_once_and_filled)
{
    /* One sum of 4 bytes per parameter, made once and filled at creation
     * with initial_accumulator_value, as PyTorch's; three gradients of 0.5
     * add 0.25 each: 0.25 + 0.75 = 1. */
    AdagradConfig cfg = config(0.1f);
    cfg.initial_accumulator_value = 0.25f;
    const char *const states[] = {"sum"};
    float at_creation[1], after_steps[1];
    check_states_allocated_once(&ADAGRAD_SPEC, &cfg, states, 1, 0.5f, 3, at_creation, after_steps);
    ck_assert(at_creation[0] == 0.25f);
    ck_assert_close(after_steps[0], 1.0, 0, HAND_RTOL);
    /* PyTorch's state also holds state["step"], which lr_decay reads. */
    ck_assert(ADAGRAD_SPEC.state_has_step);
}
END_TEST

START_TEST(test_adapter_follows_a_changed_lr)
{
    /* lr 0.5: sum = 1, p = 1 - 0.5 = 0.5; lr 0.25: sum = 2,
     * p = 0.5 - 0.25/sqrt(2) = 0.32322330470. */
    AdagradConfig cfg = config(0.5f);
    size_t state_bytes;
    float p = two_steps_changing_lr(&ADAGRAD_SPEC, &cfg, 0.25f, &state_bytes);
    ck_assert_close(p, 0.5 - 0.25 / sqrt(2.0), 0, 1e-6);
    ck_assert_uint_eq(state_bytes, sizeof(float));   /* sum: one float per parameter */
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

#define REFUSES(expected, ...) ASSERT_SPEC_REFUSES(&ADAGRAD_SPEC, expected, __VA_ARGS__)

START_TEST(test_spec_refuses_what_pytorch_refuses)
{
    REFUSES("Invalid learning rate: -0.01", "lr=-0.01");
    REFUSES("Invalid lr_decay value: -0.5", "lr_decay=-0.5");
    REFUSES("Invalid weight_decay value: -1", "weight_decay=-1");
    REFUSES("Invalid initial_accumulator_value value: -0.1", "initial_accumulator_value=-0.1");
    REFUSES("Invalid epsilon value: -1e-10", "eps=-1e-10");
    /* A NaN, in a config built in C, fails "if not 0.0 <= x" as in Python. */
    assert_validate_refuses_nan(&ADAGRAD_SPEC, "lr", "Invalid learning rate: nan (it must be >= 0)");
    assert_validate_refuses_nan(&ADAGRAD_SPEC, "eps", "Invalid epsilon value: nan (it must be >= 0)");
    /* PyTorch checks in this order: the first bad one is named. */
    REFUSES("Invalid learning rate", "eps=-1", "lr=-1");
    REFUSES("not a finite float32 number", "eps=nan");
    REFUSES("not a finite float32 number", "lr=inf");
    REFUSES("not true or false", "maximize=yes");
    REFUSES("unknown option 'momentum'", "momentum=0.9");
    /* What PyTorch accepts: zeros everywhere (eps = 0 too), every keyword at once. */
    AdagradConfig cfg;
    ASSERT_SPEC_ACCEPTS(&ADAGRAD_SPEC, &cfg, "lr=0", "lr_decay=0", "weight_decay=0",
                        "initial_accumulator_value=0", "eps=0");
    ASSERT_SPEC_ACCEPTS(&ADAGRAD_SPEC, &cfg, "lr=0.5", "lr_decay=0.1", "weight_decay=0.2",
                        "initial_accumulator_value=0.3", "eps=1e-8", "maximize=true");
    ck_assert(cfg.lr == 0.5f && cfg.lr_decay == 0.1f && cfg.weight_decay == 0.2f &&
              cfg.initial_accumulator_value == 0.3f && cfg.eps == 1e-8f && cfg.maximize);
}
END_TEST

START_TEST(test_zero_gradient_and_extremes)
{
    AdagradConfig cfg = config(0.1f);
    /* A zero first gradient: sum stays 0, 0/eps = 0, nothing moves (no NaN). */
    float p[2] = {1.0f, -0.0f}, sum[2] = {0, 0};
    adagrad_update(p, (float[]){0, 0}, sum, 2, &cfg, 1);
    ck_assert(p[0] == 1.0f && p[1] == 0.0f && sum[0] == 0.0f && sum[1] == 0.0f);
    /* eps = 0 as well: 0/0 is NaN, as in PyTorch; the default eps is why not. */
    AdagradConfig no_eps = cfg;
    no_eps.eps = 0.0f;
    adagrad_update(p, (float[]){0, 0}, sum, 2, &no_eps, 1);
    ck_assert(isnan(p[0]));
    /* Zero gradients after a nonzero one: AdaGrad stops at once (no momentum). */
    float q[1] = {0.0f}, qs[1] = {0};
    adagrad_update(q, (float[]){2.0f}, qs, 1, &cfg, 1);
    adagrad_update(q, (float[]){0.0f}, qs, 1, &cfg, 2);
    ck_assert_close(q[0], -0.1, 0, HAND_RTOL);
    ck_assert(qs[0] == 4.0f);
    /* A gradient whose square overflows: sum = inf, the step is 0, not NaN. */
    float big[1] = {1.0f}, bs[1] = {0};
    adagrad_update(big, (float[]){1e20f}, bs, 1, &cfg, 1);
    ck_assert(isinf(bs[0]) && big[0] == 1.0f);
    /* A gradient whose square underflows to 0: the step is lr*g/eps, tiny. */
    float tiny[1] = {1.0f}, ts[1] = {0};
    adagrad_update(tiny, (float[]){1e-25f}, ts, 1, &cfg, 1);
    ck_assert(ts[0] == 0.0f && tiny[0] == 1.0f);   /* 1e-16 is below half an ulp of 1 */
    /* ... and a gradient equal to eps takes a step of about lr/2. */
    float mid[1] = {0.0f}, ms[1] = {0};
    adagrad_update(mid, (float[]){1e-10f}, ms, 1, &cfg, 1);
    ck_assert_close(mid[0], -0.05, 0, 1e-5);
}
END_TEST

/* ---- the turned ravine ---------------------------------------------------------------- */

START_TEST(test_rotated_ravine)
{
    /* Angle 0 is chapter 1's ravine: the same loss and gradient at its start. */
    Problem *turned = rotated_ravine_new(20.0, 0.0), *ravine = ravine_new(2, 20.0);
    ck_assert_close(turned->loss_and_grad(turned, NULL, 0), ravine->loss_and_grad(ravine, NULL, 0), 0, 1e-6);
    for (int i = 0; i < 2; i++)
        ck_assert_close(turned->params.grads[0]->data[i], ravine->params.grads[0]->data[i], 1e-7, 1e-6);
    problem_free(ravine);
    problem_free(turned);
    /* At 45 degrees: every start is on the level set 1, the gradient is the
     * derivative (central differences in float32 at a point of size ~5:
     * steps of 1e-2 and a curvature of at most 1 give an error below 1e-4),
     * and the minimum 0 is at the origin. */
    Problem *p = rotated_ravine_new(100.0, 0.7853981633974483);
    float *x = p->params.params[0]->data;
    for (uint64_t seed = 0; seed < 4; seed++) {
        p->reset(p, seed);
        ck_assert_close(p->loss_and_grad(p, NULL, 0), 1.0, 0, 1e-6);
        float g[2] = {p->params.grads[0]->data[0], p->params.grads[0]->data[1]};
        for (int i = 0; i < 2; i++) {
            float keep = x[i];
            x[i] = keep + 1e-2f;
            double up = p->loss_and_grad(p, NULL, 0);
            x[i] = keep - 1e-2f;
            double down = p->loss_and_grad(p, NULL, 0);
            x[i] = keep;
            ck_assert_close(g[i], (up - down) / ((double)(keep + 1e-2f) - (double)(keep - 1e-2f)), 1e-4, 0);
        }
    }
    x[0] = x[1] = 0;
    ck_assert(p->loss_and_grad(p, NULL, 0) == 0.0);
    problem_free(p);
    ck_assert_ptr_null(rotated_ravine_new(0.5, 0.0));
}
END_TEST

/* ---- the chapter's claims, on the numbers it quotes --------------------------------------- */

START_TEST(test_the_chapters_measurements)
{
    /* The program as the book runs it (default flags): each sentence of the
     * chapter that states a measurement is checked here on the same numbers. */
    char *v = lesson_values("03_adagrad");

    /* 1. Rare features: AdaGrad gets their error below 0.05 in less than half
     * SGD's steps; SGD is not slower on the frequent ones. */
    ck_assert(2 * value_in(v, "sparse_ada_rare_steps") < value_in(v, "sparse_sgd_rare_steps"));
    ck_assert(value_in(v, "sparse_sgd_frequent_steps") <= value_in(v, "sparse_ada_frequent_steps"));
    /* 2. Steady gradients: clr falls like t^(-1/2); the rare coordinate's is
     * several times larger. On the sparse problem, whose gradients shrink,
     * clr levels off (a slope near 0). */
    ck_assert_close(value_in(v, "clr_slope_steady_frequent"), -0.5, 0.05, 0);
    ck_assert_close(value_in(v, "clr_slope_steady_rare"), -0.5, 0.2, 0);
    ck_assert(value_in(v, "clr_ratio_steady") > 4 && value_in(v, "clr_ratio_sparse") > 4);
    ck_assert(fabs(value_in(v, "clr_slope_sparse_frequent")) < 0.15);
    /* 3. The stall: after the jump AdaGrad ends far above its first phase
     * (more than 20 times) and above GD, whose two phases are within 10 times. */
    ck_assert(value_in(v, "stall_ada_ratio") > 20);
    ck_assert(value_in(v, "stall_ada_second") > 5 * value_in(v, "stall_gd_second"));
    ck_assert(value_in(v, "stall_gd_second") < 10 * value_in(v, "stall_gd_first"));
    ck_assert_close(value_in(v, "stall_gd_ratio"), value_in(v, "stall_gd_second") / value_in(v, "stall_gd_first"), 0,
                    0.1);
    ck_assert(value_in(v, "stall_ada_first") < value_in(v, "stall_gd_first"));
    ck_assert(value_in(v, "stall_clr") < 0.05);
    /* ... and AdaGrad's lower first phase holds on every other noise sequence. */
    ck_assert(value_in(v, "stall_sequences") >= 20);
    ck_assert(value_in(v, "stall_ada_lower") == value_in(v, "stall_sequences"));
    ck_assert(value_in(v, "stall_factor_least") > 1);
    /* 4. Along the axes AdaGrad barely notices kappa; turned 45 degrees it
     * needs about kappa times more, like GD, which the turn does not change. */
    ck_assert(value_in(v, "ravine_ada_axes_k1000") < 3 * value_in(v, "ravine_ada_axes_k10"));
    ck_assert(value_in(v, "ravine_ada_turned_k1000") > 50 * value_in(v, "ravine_ada_turned_k10"));
    ck_assert(value_in(v, "ravine_ada_turned_k1000") > value_in(v, "ravine_gd_turned_k1000"));
    ck_assert(value_in(v, "ravine_gd_axes_k1000") == value_in(v, "ravine_gd_turned_k1000"));
    /* 5. v = g^2 (NOT AdaGrad) never gets below about 1e-3; AdaGrad does. */
    ck_assert(value_in(v, "notada_sign_end") > 1e-3);
    ck_assert(value_in(v, "notada_ada_end") < 1e-20);
    free(v);
}
END_TEST

/* ---- the lesson program ------------------------------------------------------------------- */

/* What the program's smoke run and flags tests (add_lesson_program_tests) check. */
static const LessonProgram PROGRAM = {
    .lesson = "03_adagrad",
    .expect_text = "RMS error of the weights",
    .tables = (const char *const[]){"sparse", "clr", "stall", "ravine", "not_adagrad", "values",
                                    NULL},
    .figures = (const char *const[]){"03_sparse", "03_clr", "03_stall", "03_not_adagrad", NULL},
    .flags = LESSON_FLAGS_TRAINING,
};

Suite *make_suite(void)
{
    static const LessonTest core[] = {
        {&test_two_steps_by_hand, TABLE_SIZE(BY_HAND)},
        {&test_first_step_is_lr_times_sign, 1},
        {&test_defaults_are_pytorchs, 1},
        {&test_golden_trajectories, TABLE_SIZE(GOLDEN_CASES)},
        {&test_golden_defaults, 1},
        {&test_sum_is_allocated_once_and_filled, 1},
        {&test_adapter_follows_a_changed_lr, 1},
        {&test_rotated_ravine, 1},
        {&test_the_chapters_measurements, 1},
        {NULL, 0},
    };
    static const LessonTest limits[] = {
        {&test_spec_refuses_what_pytorch_refuses, 1},
        {&test_zero_gradient_and_extremes, 1},
        {NULL, 0},
    };
    return lesson_suite("03_adagrad", core, limits, &PROGRAM);   /* and the program's tests */
}
